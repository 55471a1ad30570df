"""Load Qt's GUI libraries once; if a system library is missing, say what to install."""

from __future__ import annotations

import sys

HINT = (
    "Qt could not load a system library it needs ({err}).\n"
    "On Debian/Ubuntu install them with:\n"
    "  sudo apt-get install libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \\\n"
    "       libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1\n"
)


def main() -> int:
    try:
        from PySide6 import QtGui, QtWidgets  # noqa: F401
    except ImportError as exc:
        print(HINT.format(err=exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
