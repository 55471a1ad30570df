"""Check that Qt can open a window here; if a system library is missing, say what to install.

``make run`` calls ``python -m ce_desktop.qtcheck [the app's arguments]`` before starting
the app. Three things can go wrong on a Linux machine, and Qt's own messages for them are
cryptic:

* ``QtGui`` itself cannot load (no ``libEGL``, ``libGL`` or ``libfontconfig``): an ImportError.
* There is no display: DISPLAY and WAYLAND_DISPLAY are unset, or name a display server
  that does not answer. Qt aborts the process while creating the application;
  :func:`display_problem` finds it first, without Qt (``python main.py`` asks it too).
* The X11 platform plugin cannot load (``libxcb-cursor0`` and friends are missing): Qt
  aborts the process while creating the application. This is tried in a child process,
  so the check itself survives and can explain.

Exit status 0 when the window can open (or when the arguments need no window: ``report``,
``descend``, ``--screenshot``, ``--help``, ``--list-*``), 2 when there is no display, 1
with advice when a library is missing.
"""

from __future__ import annotations

import ctypes
import os
import re
import socket
import subprocess
import sys
from collections.abc import Mapping

APT_LINE = (
    "sudo apt-get install libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \\\n"
    "     libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 \\\n"
    "     libxcb-randr0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1"
)
HINT = (
    "Qt could not load a system library it needs ({err}).\n"
    "On Debian/Ubuntu install them with:\n  " + APT_LINE + "\n"
)
# Shared library -> Debian package, for the libraries Qt's GUI and xcb plugin link against.
PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11-xcb.so.1": "libx11-xcb1",
}
_MISSING = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")
_PROBE = "from PySide6 import QtGui; app = QtGui.QGuiApplication([]); print(app.platformName())"


def missing_packages(text: str) -> list[str]:
    """Debian packages for the ``libX.so.N: cannot open shared object file`` lines in ``text``."""
    found = []
    for lib in _MISSING.findall(text):
        pkg = PACKAGES.get(lib, lib)
        if pkg not in found:
            found.append(pkg)
    # Qt >= 6.5 prints this whenever the xcb plugin fails, for whatever reason: believe it
    # only if the library really cannot be loaded.
    if "xcb-cursor0 or libxcb-cursor0 is needed" in text and "libxcb-cursor0" not in found:
        if not _loadable("libxcb-cursor.so.0"):
            found.append("libxcb-cursor0")
    return found


def _loadable(soname: str) -> bool:
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def advice(text: str) -> str:
    """What to tell the user, given the output of a failed Qt start."""
    display = re.search(r"could not connect to display ?(\S*)", text)
    if display:
        return (
            f"Qt cannot connect to the X display {display.group(1) or os.environ.get('DISPLAY', '')!r}: "
            "is DISPLAY right and the X server running? (Over ssh, use `ssh -X`.)\n"
        )
    pkgs = missing_packages(text)
    if pkgs:
        return (
            f"Qt cannot open a window: missing system libraries ({', '.join(pkgs)}).\n"
            f"On Debian/Ubuntu:  sudo apt-get install {' '.join(pkgs)}\n"
        )
    return (
        "Qt cannot open a window here. Its message was:\n"
        + "".join(f"  {line}\n" for line in text.strip().splitlines()[-6:])
        + "If a system library is missing, on Debian/Ubuntu install them all with:\n  " + APT_LINE + "\n"
    )


#: What works without a display, for the message that says there is none.
NO_DISPLAY_NEEDED = "`python main.py report ...`, `descend ...` and `--screenshot FILE` work without one"
# Qt platforms that talk to a display server; every other one (offscreen, minimal, vnc,
# eglfs, linuxfb, ...) needs none.
_DISPLAY_PLATFORMS = ("xcb", "wayland")
#: XCB_CONN_CLOSED_PARSE_ERR: DISPLAY is not a display name.
_XCB_PARSE_ERROR = 5


def display_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """Why Qt cannot open a window here, in one sentence; None when it can (or cannot tell).

    Only the platforms that need a display server are checked: ``xcb`` (X11, ``DISPLAY``)
    and ``wayland`` (``WAYLAND_DISPLAY``), the ones ``QT_QPA_PLATFORM`` names, or either of
    them when it is unset. A display counts when it answers a connection (about a
    millisecond; no Qt is loaded). macOS and Windows always have a screen: None.
    """
    env = os.environ if environ is None else environ
    if sys.platform in ("darwin", "win32", "cygwin"):
        return None
    forced = [name.split(":")[0].strip() for name in env.get("QT_QPA_PLATFORM", "").split(";") if name.strip()]
    if forced and not all(name.startswith(_DISPLAY_PLATFORMS) for name in forced):
        return None  # a platform without a display server is among the choices
    problems = []
    for name in forced or ["wayland", "xcb"]:
        if name.startswith("wayland"):
            display = env.get("WAYLAND_DISPLAY") or ("wayland-0" if forced else "")
            problem = _wayland_problem(display, env) if display else None
        else:
            display = env.get("DISPLAY", "")
            problem = _x11_problem(display) if display else None
        if display and problem is None:
            return None
        if problem:
            problems.append(problem)
    if not problems:
        return f"no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); {NO_DISPLAY_NEEDED}"
    return "; ".join(problems)


def _x11_problem(display: str) -> str | None:
    """Connect to the X display as Qt's xcb plugin does (libxcb), and hang up."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return (f"cannot open the X display {display!r}: the library libxcb.so.1 is missing "
                "(on Debian/Ubuntu: sudo apt-get install libxcb1)")
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        error = xcb.xcb_connection_has_error(connection)
    finally:
        xcb.xcb_disconnect(connection)
    if error == 0:
        return None
    if error == _XCB_PARSE_ERROR:
        return f"DISPLAY={display!r} is not an X display name (they look like :0 or host:0)"
    return (f"cannot connect to the X display {display!r}: is DISPLAY right and the X server running? "
            "(Over ssh, use `ssh -X`.)")


def _wayland_problem(display: str, env: Mapping[str, str]) -> str | None:
    """Connect to the Wayland compositor's socket, as libwayland finds it, and hang up."""
    if os.path.isabs(display):
        path = display
    elif env.get("XDG_RUNTIME_DIR"):
        path = os.path.join(env["XDG_RUNTIME_DIR"], display)
    else:
        return f"cannot find the Wayland display {display!r}: XDG_RUNTIME_DIR is unset"
    if not hasattr(socket, "AF_UNIX"):
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        try:
            sock.connect(path)
        except OSError as exc:
            return f"cannot connect to the Wayland display {display!r} ({exc.strerror or exc})"
    return None


def needs_window(argv: list[str]) -> bool:
    """Whether ``python main.py ARGV`` opens a window (``make run ARGS=...`` passes them here)."""
    if argv and argv[0] in ("report", "descend"):
        return False
    quiet = ("--screenshot", "--help", "-h", "--list-presets", "--list-lessons")
    return not any(arg == q or arg.startswith(q + "=") for arg in argv for q in quiet)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        from PySide6 import QtGui, QtWidgets  # noqa: F401
    except ImportError as exc:
        pkgs = missing_packages(str(exc))
        if pkgs:
            print(advice(str(exc)), end="", file=sys.stderr)
        else:
            print(HINT.format(err=exc), end="", file=sys.stderr)
        return 1
    if not needs_window(argv):
        return 0
    problem = display_problem()
    if problem is not None:
        print(f"qtcheck: {problem}", file=sys.stderr)
        return 2
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if platform and not platform.startswith(_DISPLAY_PLATFORMS):
        return 0  # offscreen and the like: nothing more to load
    env = {**os.environ, "QT_DEBUG_PLUGINS": "1"}
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print("qtcheck: Qt took over a minute to start; trying anyway.", file=sys.stderr)
        return 0
    if proc.returncode == 0:
        return 0
    text = proc.stderr + proc.stdout
    print(advice(text), end="", file=sys.stderr)
    return 2 if re.search(r"could not connect to display", text) else 1


if __name__ == "__main__":
    sys.exit(main())
