"""``python -m ce_desktop [options]``: the same as ``ce-desktop`` or ``python main.py``."""

import sys

from ce_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
