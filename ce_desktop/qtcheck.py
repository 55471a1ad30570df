"""Check that Qt can open a window here; if a system library is missing, say what to install.

``make run`` calls ``python -m ce_desktop.qtcheck`` before starting the app. Two things can
go wrong on a fresh Linux machine, and Qt's own messages for both are cryptic:

* ``QtGui`` itself cannot load (no ``libEGL``, ``libGL`` or ``libfontconfig``): an ImportError.
* The X11 platform plugin cannot load (``libxcb-cursor0`` and friends are missing): Qt
  aborts the process while creating the application. This is tried in a child process,
  so the check itself survives and can explain.

Exit status 0 when the window can open (or when there is no display to try, with a note),
1 with advice otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

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


def _platform() -> str | None:
    """The platform Qt will use, or None when there is no display to open a window on."""
    forced = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if forced:
        return forced
    if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY"):
        return "default"
    return None if sys.platform.startswith("linux") else "default"


def main() -> int:
    try:
        from PySide6 import QtGui, QtWidgets  # noqa: F401
    except ImportError as exc:
        pkgs = missing_packages(str(exc))
        if pkgs:
            print(advice(str(exc)), end="", file=sys.stderr)
        else:
            print(HINT.format(err=exc), end="", file=sys.stderr)
        return 1
    platform = _platform()
    if platform is None:
        print(
            "qtcheck: no display (DISPLAY and WAYLAND_DISPLAY are unset): the window cannot open here. "
            "`python main.py report ...` and `descend ...` work without one.",
            file=sys.stderr,
        )
        return 0
    if platform in ("offscreen", "minimal"):
        return 0
    env = {**os.environ, "QT_DEBUG_PLUGINS": "1"}
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print("qtcheck: Qt took over a minute to start; trying anyway.", file=sys.stderr)
        return 0
    if proc.returncode == 0:
        return 0
    print(advice(proc.stderr + proc.stdout), end="", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
