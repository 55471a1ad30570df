"""Render the README's pictures (resources/screenshots/) with the app itself: ``make screenshots``.

Four of them are the command lines the README shows (``main.py ... --screenshot``), run as
separate processes exactly as a reader would; the fifth, the hard target's descent on the
"Logits per step" tab, needs a tab the command line cannot choose, so it is made here with
the same window code and the same ``save_screenshot``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "screenshots"
SIZE = "1280x720"

COMMANDS = {
    "hard.png": [],
    "soft.png": ["--preset", "soft-overconfident"],
    "descent-soft.png": ["--preset", "soft-overconfident", "--steps", "60"],
    "dataset.png": ["--lesson", "cross-entropy-dataset", "--slide", "11", "--steps", "400"],
    "projector.png": ["--lesson", "cross-entropy", "--slide", "22", "--presentation", "--theme", "projector",
                      "--font-scale", "150"],
}


def run_cli(name: str, args: list[str], out: Path = OUT) -> None:
    with tempfile.TemporaryDirectory(prefix="ce-shots-") as settings:
        cmd = [sys.executable, str(ROOT / "main.py"), *args, "--settings-dir", settings,
               "--screenshot", str(out / name), "--size", SIZE]
        subprocess.run(cmd, check=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), cwd=ROOT)
    print(f"wrote {out / name}: python main.py {' '.join(args)} --screenshot {name} --size {SIZE}")


def descent_hard(name: str = "descent-hard.png", out: Path = OUT) -> None:
    """Preset "Confident and wrong", 300 steps at learning rate 2, the "Logits per step" tab."""
    sys.path.insert(0, str(ROOT))
    from PySide6 import QtWidgets

    from ce_desktop.gui import launch
    from ce_desktop.gui import window as main_window
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.model import presets

    launch._application()
    with tempfile.TemporaryDirectory(prefix="ce-shots-") as settings:
        state = ExplorerState(presets.get("confident-and-wrong").scenario())
        state.set_descent(learning_rate=2.0)
        window = main_window.MainWindow(state, settings_dir=settings, theme="light", font_scale=100)
        window.descent.run_steps(300)
        tabs = window.findChild(QtWidgets.QTabWidget, "descent_tabs")
        tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Logits per step"))
        w, h = (int(v) for v in SIZE.split("x"))
        launch.save_screenshot(window, str(out / name), (w, h))
        window.close()
    print(f"wrote {out / name}: {descent_hard.__doc__}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT,
                        help=f"the folder to write the pictures to (default {OUT.relative_to(ROOT)})")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for name, args in COMMANDS.items():
        run_cli(name, args, out)
    descent_hard(out=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
