"""Output that cannot be written is the user's situation, never an internal error.

A full disk (``/dev/full``), a closed standard output (``>&-``) or a picture path that cannot
be written exits with status 2 and one line on stderr; a reader that leaves a pipe early
(``| head``) stops the app quietly with 141 (128 + SIGPIPE), as it stops any Unix tool.
The standard-stream cases run ``python main.py`` in a child process with its descriptors
set up by the operating system, so that Python's own flush at exit is part of the test.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_app_main

ROOT = Path(__file__).resolve().parents[1]
DEV_FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full here")
needs_sh = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX shell to close descriptors")

# Everything that prints to standard output, short and long.
PRINTING = {
    "report": ["report", "--target", "0.7,0.2,0.1", "--prediction", "0.6,0.3,0.1"],
    "report-json": ["report", "--target", "1,0", "--logits", "2,-1", "--json"],
    "report-csv": ["report", "--target", "1,0", "--prediction", "0.5,0.5", "--csv"],
    "descend": ["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "3"],
    "descend-long-json": ["descend", "--target", "0.7,0.3", "--logits", "0,0", "--lr", "0.5", "--steps", "5000",
                          "--json"],
    "report-help": ["report", "--help"],
    "help": ["--help"],
    "list-presets": ["--list-presets"],
    "list-lessons": ["--list-lessons"],
}
FULL_LINE = "ce-desktop: error: cannot write the output: No space left on device\n"
CLOSED_LINE = "ce-desktop: error: cannot write the output: standard output is closed\n"


def _main_py(argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *argv], cwd=ROOT, timeout=120, **kwargs)


def _shell(redirections: str, argv) -> subprocess.CompletedProcess:
    """``python main.py ARGV`` with the shell's ``redirections`` applied (``>&-`` closes stdout)."""
    script = f'exec "$@" {redirections}'
    return subprocess.run(["sh", "-c", script, "sh", sys.executable, "main.py", *argv], cwd=ROOT, timeout=120,
                          stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- standard output


@needs_dev_full
@pytest.mark.parametrize("name", list(PRINTING))
def test_a_full_disk_is_one_line_and_status_2(name):
    with open(DEV_FULL, "w") as full:
        proc = _main_py(PRINTING[name], stdout=full, stderr=subprocess.PIPE, text=True)
    assert (proc.returncode, proc.stderr) == (2, FULL_LINE)


@needs_sh
@pytest.mark.parametrize("name", ["report", "descend", "report-json", "help", "list-presets"])
def test_a_closed_standard_output_is_one_line_and_status_2(name):
    proc = _shell(">&-", PRINTING[name])
    assert (proc.returncode, proc.stderr) == (2, CLOSED_LINE)


@needs_sh
@needs_dev_full
@pytest.mark.parametrize("redirections", [">&- 2>&-", ">/dev/full 2>/dev/full", ">/dev/full 2>&-", ">&- 2>/dev/full"])
def test_with_standard_error_unusable_too_the_status_is_still_2(redirections):
    # Nothing can be said; the status is all there is. (Without the fix: 1, or 120 when
    # Python's flush at exit failed as well.)
    for name in ("report", "descend"):
        proc = _shell(redirections, PRINTING[name])
        assert proc.returncode == 2, (redirections, name)


@pytest.mark.skipif(not hasattr(os, "pipe"), reason="no pipes")
@pytest.mark.parametrize("name", ["report", "descend", "report-json", "help"])
def test_a_reader_gone_before_the_output_is_a_quiet_141(name):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    try:
        proc = _main_py(PRINTING[name], stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_head_reading_one_byte_of_a_long_output_is_a_quiet_141():
    """``descend ... --json | head -c1``: the output is far larger than a pipe holds, so the
    app is still writing when the reader leaves."""
    proc = subprocess.Popen([sys.executable, "main.py", *PRINTING["descend-long-json"]], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert first == b"{" and err == ""


def test_output_that_fits_is_unchanged():
    """The normal case: everything printed, status 0, nothing on stderr."""
    proc = _main_py(PRINTING["list-presets"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.endswith("\n") and len(proc.stdout.splitlines()) >= 8


# --------------------------------------------------------------------------- --screenshot


def _full_device(tmp_path: Path, name: str) -> Path:
    """A picture-named path that is the "disk full" device: every write fails with ENOSPC."""
    path = tmp_path / name
    if os.geteuid() == 0:
        # A device node of our own: should the app ever replace the file instead of
        # writing into it, it replaces this one, not the system's /dev/full.
        os.mknod(path, stat.S_IFCHR | 0o600, os.stat(DEV_FULL).st_rdev)
    else:
        path.symlink_to(DEV_FULL)
    return path


def _read_only_place(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root writes anywhere; sysfs refuses new files even to root
        folder = Path("/sys")
        if not folder.is_dir():
            pytest.skip("running as root and no /sys: no read-only place to write to")
    return folder


def _screenshot(capsys, settings_dir, path) -> tuple[int, str, str]:
    rc = run_app_main(["--screenshot", str(path), "--size", "400x300", "--settings-dir", str(settings_dir)])
    out, err = capsys.readouterr()
    return rc, out, err


def _assert_one_line(rc, out, err, path, reason):
    assert rc == 2 and out == ""
    assert err.startswith("ce-desktop: error: ") and err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert str(path) in err and reason in err, err


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize("place", ["missing folder", "read-only folder", "folder", "folder with the suffix",
                                   "full device"])
def test_a_screenshot_that_cannot_be_written_is_one_line_and_status_2(qapp, capsys, settings_dir, tmp_path,
                                                                    place, suffix):
    if place == "missing folder":
        path, reason = tmp_path / "no such folder" / f"x{suffix}", "No such file or directory"
    elif place == "read-only folder":
        path, reason = _read_only_place(tmp_path) / f"ce-explorer-test{suffix}", "Permission denied"
    elif place == "folder":
        path, reason = tmp_path, "it is a folder"
    elif place == "folder with the suffix":
        path, reason = tmp_path / f"shots{suffix}", "it is a folder"
        path.mkdir()
    else:
        if not DEV_FULL.exists():
            pytest.skip("no /dev/full here")
        path, reason = _full_device(tmp_path, f"x{suffix}"), "No space left on device"
    rc, out, err = _screenshot(capsys, settings_dir, path)
    _assert_one_line(rc, out, err, path, reason)
    if place == "full device":
        assert not stat.S_ISREG(os.stat(path).st_mode)  # still the device: written into, not replaced


@needs_dev_full
def test_a_screenshot_to_dev_full_names_it_and_asks_for_an_extension(qapp, capsys, settings_dir):
    rc, out, err = _screenshot(capsys, settings_dir, DEV_FULL)
    _assert_one_line(rc, out, err, DEV_FULL, "no extension; use .png or .svg")
