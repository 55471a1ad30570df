"""Smoke test on the path a Linux desktop takes: the real app as an X11 client under Xvfb.

Everything else runs on Qt's offscreen platform; this test starts ``python main.py`` with
``QT_QPA_PLATFORM=xcb`` against a virtual X server, waits for the window to appear, takes a
screenshot of the real X screen, checks the picture is not blank, and quits the app with
Ctrl+Q as a user would. It needs Debian's ``xvfb``, ``xdotool`` and ``imagemagick``
(``.ci/run`` installs them); without them it is skipped, except under ``CI=true``,
where a missing tool is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREEN = (1280, 800)
TITLE = "CE Explorer"
TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick", "identify": "imagemagick"}

pytestmark = pytest.mark.xvfb


def _require_tools() -> None:
    missing = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    if not missing:
        return
    message = f"the X11 smoke test needs the Debian packages {', '.join(missing)} (apt-get install {' '.join(missing)})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; .ci/run should have installed them", pytrace=False)
    pytest.skip(message)


def _wait(predicate, timeout: float, interval: float = 0.25):
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > end:
            return value
        time.sleep(interval)


@pytest.fixture
def xserver(tmp_path):
    """A private Xvfb server on a free display (Xvfb picks it: -displayfd). Yields the display name."""
    _require_tools()
    read_fd, write_fd = os.pipe()
    with open(tmp_path / "xvfb.log", "wb") as xlog:
        proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp",
             "-noreset"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=xlog,
        )
    os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + 30
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            chunk = os.read(read_fd, 16)  # Xvfb writes "<N>\n" once it accepts connections
            if not chunk:
                break
            number += chunk
        if not number.strip().isdigit():
            log = (tmp_path / "xvfb.log").read_text(errors="replace")
            pytest.fail(f"Xvfb did not start: {log[-2000:]}", pytrace=False)
        yield f":{number.strip().decode()}"
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _x(display: str, *cmd: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env={**os.environ, "DISPLAY": display}, capture_output=True, timeout=timeout)


def _find_window(display: str) -> str | None:
    # By WM_CLASS (Qt sets it to the application name): the title is "Untitled — CE Explorer",
    # and xdotool's --name matches WM_NAME, a Latin-1 property that ends before the "—".
    proc = _x(display, "xdotool", "search", "--onlyvisible", "--class", TITLE)
    ids = proc.stdout.decode().split()
    return ids[0] if proc.returncode == 0 and ids else None


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


def _colours(display: str, path: Path) -> int:
    """Screenshot the whole X screen into ``path``; return its number of distinct colours."""
    shot = _x(display, "import", "-window", "root", str(path))
    if shot.returncode != 0:
        return 0
    info = subprocess.run(["identify", "-format", "%k", str(path)], capture_output=True, timeout=60)
    return int(info.stdout.decode().strip() or 0) if info.returncode == 0 else 0


def test_the_app_shows_a_real_window_under_xvfb(xserver, tmp_path):
    display = xserver
    blank = tmp_path / "blank.png"
    assert _colours(display, blank) <= 2  # the empty screen really is blank: the check below means something

    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(tmp_path),  # nothing may touch the user's real settings
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    (tmp_path / "runtime").mkdir(mode=0o700)
    log = open(tmp_path / "app.log", "wb")
    app = subprocess.Popen(
        [sys.executable, "main.py", "--settings-dir", str(tmp_path / "settings"), "--size", "1200x760"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )

    def app_output() -> str:
        log.flush()
        return (tmp_path / "app.log").read_text(errors="replace")[-3000:]

    try:
        window = _wait(lambda: app.poll() is None and _find_window(display), timeout=90)
        assert window, f"no window titled {TITLE!r} appeared (exit status {app.poll()}):\n{app_output()}"

        # The window is mapped; wait for its first paint to reach the X screen.
        shot = tmp_path / "screen.png"
        colours = _wait(lambda: (n := _colours(display, shot)) >= 64 and n, timeout=60, interval=0.5)
        assert colours, f"the screen stayed (nearly) blank; app output:\n{app_output()}"
        assert _png_size(shot) == SCREEN

        # The window covers most of the screen.
        geometry = _x(display, "xdotool", "getwindowgeometry", window).stdout.decode()
        w, h = (int(v) for v in geometry.split("Geometry:")[1].split()[0].split("x"))
        assert w >= 1000 and h >= 600, geometry

        # Quit as a user would: focus the window and press Ctrl+Q (real XTEST key events).
        _x(display, "xdotool", "windowfocus", "--sync", window)
        _x(display, "xdotool", "key", "--clearmodifiers", "ctrl+q")
        try:
            status = app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app did not quit on Ctrl+Q:\n{app_output()}", pytrace=False)
        assert status == 0, app_output()
        assert "Traceback" not in app_output()
    finally:
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        log.close()


def test_make_runs_qt_check_passes_under_xvfb(xserver):
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run([sys.executable, "-m", "ce_desktop.qtcheck"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
