"""Reading and writing files a user names: regular files only, never blocking, bounded.

Scenarios and lessons are read through :func:`read_json_file`, the settings file through
:func:`read_file_bytes`; every file the app writes (scenarios, pictures, tables) reaches the
disk through :func:`write_file_atomic`, complete or not at all, and every save and export
checks its target with :func:`check_save_target` first. They refuse a folder, a named pipe, a device or a socket
with a message naming the file: reading one could block the app or never end, and saving
"over" one would replace it with a new file (as root even ``/dev/full``). A UTF-8 byte-order mark,
which Windows Notepad writes, is accepted.
This module is Qt-free.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any, NoReturn

from ce_desktop.model.types import StrPath

BOM = "\ufeff"


class FileError(ValueError):
    """A file the app will not read or write (or whose JSON is unusable); the message says why."""


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _check_readable_kind(p: Path, st: os.stat_result, what: str) -> None:
    kind = _kind(st.st_mode)
    if kind == "a folder":
        raise FileError(f"{p.name}: is a folder, not a {what} file")
    if kind is not None:
        raise FileError(f"{p.name}: not a regular file ({kind} cannot be opened)")


def _too_large(p: Path, max_bytes: int) -> FileError:
    return FileError(f"{p.name}: the file is larger than {max_bytes // 1000} kB")


def read_file_bytes(path: StrPath, max_bytes: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, read without ever waiting.

    Parameters
    ----------
    path : str or Path
    max_bytes : int
        Larger files are refused unread; at most one byte more is ever read.
    what : str
        What the file should be (``"scenario"``, ``"lesson"``), for the messages.

    Raises
    ------
    FileError
        Starting with the file's name: missing, a folder, a pipe, device or socket, too
        large, or unreadable (the system's reason, e.g. a loop of symbolic links).
    """
    p = Path(path)
    try:
        st = p.stat()
        _check_readable_kind(p, st, what)
        if st.st_size > max_bytes:
            raise _too_large(p, max_bytes)
        # Never wait: a regular file can still block (/proc/kmsg), and the name may have been
        # swapped for a named pipe since the check, so the open file is checked again.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            _check_readable_kind(p, os.fstat(fd), what)
            raw = fh.read(max_bytes + 1)  # one byte past the limit, should the file have grown
    except FileError:
        raise
    except FileNotFoundError:
        raise FileError(f"{p}: no such {what} file") from None
    except OSError as exc:
        raise FileError(f"{p}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise _too_large(p, max_bytes)
    return raw


def read_json_file(path: StrPath, max_bytes: int, what: str) -> Any:
    """The parsed JSON of the regular file ``path`` (:func:`read_file_bytes`, then :func:`parse_json`).

    Raises
    ------
    FileError
        Starting with the file's name: any problem of :func:`read_file_bytes`, not UTF-8,
        or not valid JSON.
    """
    p = Path(path)
    raw = read_file_bytes(p, max_bytes, what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileError(f"{p.name}: not a text (UTF-8) file") from None
    try:
        return parse_json(text, max_bytes, "file")
    except FileError as exc:
        raise FileError(f"{p.name}: {exc}") from None


def parse_json(text: str, max_chars: int, what: str) -> Any:
    """Parse strict JSON text (a leading byte-order mark allowed; ``NaN``/``Infinity`` refused).

    Raises
    ------
    FileError
        ``"not valid JSON: ..."`` with the place, or ``"the <what> is larger than ... kB"``.
    """
    if text.startswith(BOM):
        text = text[1:]
    if len(text) > max_chars:
        raise FileError(f"the {what} is larger than {max_chars // 1000} kB")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FileError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise FileError("not valid JSON: nested too deeply") from None
    except FileError:  # NaN or Infinity, refused by _reject_constant with its own message
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise FileError(f"not valid JSON: {str(exc).split(';')[0]}") from None


def _reject_constant(name: str) -> NoReturn:
    raise FileError(f"not valid JSON: {name} is not allowed")


def check_save_target(path: StrPath) -> None:
    """Refuse to save over anything that exists and is not a regular file.

    A path that does not exist yet, and a regular file (or a link to one), pass.

    Raises
    ------
    FileError
        Naming the whole path and what is there (a folder, a named pipe, a device, a
        socket), or the system's reason it cannot be looked at (a loop of symbolic links).
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FileError(f"{p}: {exc.strerror or exc}") from None
    kind = _kind(st.st_mode)
    if kind is not None:
        raise FileError(f"{p} is {kind}, not a regular file; saving would replace it. Choose another name.")


def write_file_atomic(path: StrPath, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file appears only once it is complete.

    The bytes go to a temporary file beside the target, are flushed to the disk, and the
    temporary file is renamed over the target; on any failure it is removed and an old file
    stays as it was. A symbolic link is followed (the file it names is replaced, the link
    stays). The new file keeps an old file's permissions; a new one gets the usual ones
    (``0o666`` less the umask). A device or a named pipe (``/dev/full``, a link to one) is
    written in place instead: a rename would put a regular file where it was. Callers that
    must not write into one call :func:`check_save_target` first.

    Raises
    ------
    OSError
        ``"cannot write <path>: <the system's reason>"`` (no such folder, permission denied,
        no space left on device, ...); any old file is left intact.
    """
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        _write_in_place(path, data)
        return
    target = Path(os.path.realpath(path))
    tmp = None
    try:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = None
        fd, tmp = _create_beside(target)
        try:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _create_beside(target: Path) -> tuple[int, Path]:
    """A new, empty temporary file in ``target``'s folder (a hidden name), open for writing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary name beside {target.name}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(bytes(data))
    while view:
        view = view[os.write(fd, view):]


def _write_in_place(path: StrPath, data: bytes) -> None:
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # a pipe nobody reads fails now instead of waiting
    try:
        fd = os.open(path, os.O_WRONLY | nonblocking)
        try:
            if nonblocking:
                os.set_blocking(fd, True)
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None
