"""The app with the start-up import measures of ce_desktop/gui/qt_imports.py switched off
(``CE_DESKTOP_PLAIN_QT_IMPORTS=1``) still runs and draws the same window: the measures only
change how PySide6 and pyqtgraph import (docs/private-api.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6 import QtGui

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from ce_desktop.gui import qt_imports
print(json.dumps({"scan_skipped": qt_imports.skip_pyside_source_scan(),
                  "opengl_loaded": "PySide6.QtOpenGL" in sys.modules,
                  "svg_loaded": "PySide6.QtSvg" in sys.modules}))
"""


def _env(plain: bool) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
    env.pop("CE_DESKTOP_PLAIN_QT_IMPORTS", None)
    if plain:
        env["CE_DESKTOP_PLAIN_QT_IMPORTS"] = "1"
    return env


def _facts(plain: bool) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=_env(plain),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _screenshot(path: Path, plain: bool) -> np.ndarray:
    proc = subprocess.run([sys.executable, "main.py", "--screenshot", str(path), "--size", "1280x720"],
                          cwd=ROOT, env=_env(plain), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = QtGui.QImage(str(path))
    assert not img.isNull(), f"no picture at {path}"
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4)[:, :, :3].copy()


def test_the_switch_turns_every_measure_off():
    light, plain = _facts(plain=False), _facts(plain=True)
    assert light == {"scan_skipped": True, "opengl_loaded": False, "svg_loaded": False}
    # Plain: PySide keeps its source scan, pyqtgraph loads Qt's OpenGL and SVG as it would alone.
    assert plain == {"scan_skipped": False, "opengl_loaded": True, "svg_loaded": True}


def test_the_app_draws_the_same_window_with_the_measures_off(tmp_path):
    light = _screenshot(tmp_path / "light.png", plain=False)
    plain = _screenshot(tmp_path / "plain.png", plain=True)
    assert light.shape == plain.shape == (720, 1280, 3)
    differing = np.abs(light.astype(int) - plain.astype(int)).max(axis=2) > 8
    assert differing.mean() < 0.001, f"{differing.sum()} pixels differ"
    assert light.std() > 10  # a real window, not a blank picture
