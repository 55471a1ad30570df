"""The dependency direction holds: the maths and the data model import no Qt.

Each check runs in a fresh interpreter, because this test process has long since
imported PySide6 for other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUI_PREFIXES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "pyqtgraph")

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(sys.modules)))
"""


def _modules_loaded_by(module: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("module", ["ce_desktop.model.core", "ce_desktop.model.scenario", "ce_desktop.model.history",
                                    "ce_desktop.model.presets", "ce_desktop.cli"])
def test_model_modules_import_no_qt(module):
    loaded = _modules_loaded_by(module)
    assert module in loaded  # the probe really imported it
    gui = [m for m in loaded if m.split(".")[0] in GUI_PREFIXES]
    assert gui == [], f"importing {module} loaded {gui}"


def test_the_probe_would_notice_qt():
    # Guard against a probe that can never fail: the state model does use QtCore.
    loaded = _modules_loaded_by("ce_desktop.gui.state")
    assert "PySide6.QtCore" in loaded
    assert "PySide6.QtWidgets" not in loaded  # the state model needs QtCore at most


def test_core_imports_only_numpy_and_the_standard_library():
    baseline = set(_modules_loaded_by("numpy"))  # interpreter start-up plus numpy itself
    extra = set(_modules_loaded_by("ce_desktop.model.core")) - baseline
    third_party = {m.split(".")[0] for m in extra} - set(sys.stdlib_module_names)
    assert third_party == {"ce_desktop"}, third_party
