"""user_files.write_file_atomic: the one way the app writes a file, complete or not at all (no Qt)."""

from __future__ import annotations

import errno
import os
import stat

import pytest
from conftest import make_special_file

from ce_desktop.model import user_files
from ce_desktop.model.user_files import write_file_atomic


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def test_it_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x" * 1000)
    write_file_atomic(path, b"short")
    assert path.read_bytes() == b"short"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_a_new_file_gets_the_usual_permissions_and_an_old_one_keeps_its_own(tmp_path):
    new = tmp_path / "new.json"
    write_file_atomic(new, b"{}")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~_umask()  # not mkstemp's 0o600
    old = tmp_path / "old.json"
    old.write_bytes(b"old")
    old.chmod(0o604)
    write_file_atomic(old, b"new")
    assert old.read_bytes() == b"new" and stat.S_IMODE(old.stat().st_mode) == 0o604


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "lecture.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_file_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path / "real")) == ["lecture.json"]  # the temporary was beside the real file


def _fail(err: int, reason: str):
    def fail(*args, **kwargs):
        raise OSError(err, reason)

    return fail


def test_a_failed_rename_leaves_the_old_file_and_says_why(tmp_path, monkeypatch):
    path = tmp_path / "x.txt"
    path.write_text("old")
    with monkeypatch.context() as m:
        m.setattr(os, "replace", _fail(errno.EIO, "Input/output error"))  # e.g. a power cut before the rename
        with pytest.raises(OSError, match=rf"^cannot write {path}: Input/output error$"):
            write_file_atomic(path, b"new content")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]


def test_a_disk_full_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "x.txt"
    path.write_text("old")
    real_write = os.write
    calls = []

    def write_then_full(fd, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data)[:3])  # a short write: the rest is tried again

    with monkeypatch.context() as m:
        m.setattr(os, "write", write_then_full)
        with pytest.raises(OSError, match="No space left on device"):
            write_file_atomic(path, b"new content")
    assert calls == [11, 8]  # the short write was continued, not taken for the whole
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["x.txt"]


def test_an_interrupt_midway_removes_the_temporary_and_is_not_swallowed(tmp_path, monkeypatch):
    path = tmp_path / "x.txt"
    path.write_text("old")

    def interrupted(fd):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", interrupted)
        with pytest.raises(KeyboardInterrupt):
            write_file_atomic(path, b"new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["x.txt"]


def test_a_missing_folder_is_an_os_error_naming_the_path(tmp_path):
    path = tmp_path / "no" / "such" / "x.json"
    with pytest.raises(OSError, match=rf"^cannot write {path}: No such file or directory$"):
        write_file_atomic(path, b"{}")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_written_into_not_replaced_and_never_waited_for(tmp_path):
    pipe = make_special_file("named pipe", tmp_path)
    with pytest.raises(OSError, match="cannot write"):  # nobody reads: it fails now instead of hanging
        write_file_atomic(pipe, b"data")
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_file_atomic(pipe, b"data")
        assert os.read(reader, 100) == b"data"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_a_full_device_is_written_into_and_stays_a_device(tmp_path):
    device = make_special_file("device", tmp_path)
    with pytest.raises(OSError, match=rf"^cannot write {device}: No space left on device$"):
        write_file_atomic(device, b"data")
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_check_save_target_refuses_what_write_file_atomic_would_write_into(tmp_path):
    """Saves and exports call check_save_target first, so they never write into a pipe or device."""
    with pytest.raises(user_files.FileError, match="named pipe"):
        user_files.check_save_target(make_special_file("named pipe", tmp_path))
