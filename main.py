"""Launch CE Explorer: ``python main.py`` (window) or ``python main.py report ...`` (no window)."""

import sys

from ce_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
