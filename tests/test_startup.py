"""Start-up: PySide6 and pyqtgraph are imported lightly (ce_desktop/gui/qt_imports.py), and the
window built that way works: it paints, exports PNG and SVG, and pyqtgraph's Qt names resolve.
Each effect is checked against a control process that imports pyqtgraph plainly first.

Each check runs in a fresh interpreter, built the way ``python main.py`` builds the window,
because this test process imported PySide6 and pyqtgraph long ago.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What a process holds after building and showing the window. ``{first}`` is the import
#: that comes first: the app's own, or a plain ``import pyqtgraph`` (the control).
PROBE = """
import json, linecache, os, sys, tempfile
os.environ["QT_QPA_PLATFORM"] = "offscreen"
{first}
from ce_desktop.gui import pictures
from ce_desktop.gui import launch
from ce_desktop.gui import window as main_window
from ce_desktop.gui.state import ExplorerState
from PySide6 import QtCore, QtGui, QtWidgets
import pyqtgraph as pg

app = launch._application()
window = main_window.MainWindow(ExplorerState(), settings_dir=tempfile.mkdtemp(), theme="light", font_scale=100)
facts = {{"modules_built": sorted(sys.modules)}}
window.resize(1280, 720)
window.show()
for _ in range(8):
    app.processEvents()
facts.update({{
    "cached_sources": sorted(linecache.cache),
    "made": sorted(f"{{m.__name__}}.{{k}}" for m in (QtCore, QtGui, QtWidgets) for k in vars(m) if k.startswith("Q")),
    "dir_sizes": [len(set(dir(m))) for m in (QtCore, QtGui, QtWidgets)],
}})
facts["forwarded"] = [pg.QtCore.QXmlStreamWriter is QtCore.QXmlStreamWriter,
                      pg.QtGui.QPdfWriter is QtGui.QPdfWriter, pg.QtWidgets.QWizard is QtWidgets.QWizard]
facts["modules_shown"] = sorted(sys.modules)
out = sys.argv[1]
pictures.save_picture(window, os.path.join(out, "window.svg"), (640, 360))
pictures.save_picture(window, os.path.join(out, "window.png"), (640, 360))
facts["modules"] = sorted(sys.modules)
from PySide6 import QtOpenGLWidgets
facts["real_opengl_later"] = QtOpenGLWidgets.QOpenGLWidget.__module__
print(json.dumps(facts))
"""

APP_FIRST = ""  # main_window imports PySide6 and pyqtgraph itself, through qt_imports
PLAIN_FIRST = "from PySide6 import QtWidgets\nimport pyqtgraph"  # what the app used to do


def _probe(tmp_path: Path, first: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(first=first), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("app-start")
    return _probe(out, APP_FIRST), out


@pytest.fixture(scope="module")
def control(tmp_path_factory) -> dict:
    return _probe(tmp_path_factory.mktemp("plain-start"), PLAIN_FIRST)


def _sources_of(facts: dict, package: str) -> list[str]:
    return [f for f in facts["cached_sources"] if f"/{package}/" in f]


def test_pyside_reads_no_module_source_at_start(started, control):
    facts, _ = started
    # Without qt_imports, PySide6 reads (and linecache keeps) the source of every module
    # imported after it: the control shows pyqtgraph's and our own files there.
    assert _sources_of(control, "pyqtgraph") and _sources_of(control, "ce_desktop")
    assert _sources_of(facts, "pyqtgraph") == []
    assert _sources_of(facts, "ce_desktop") == []
    assert _sources_of(facts, "numpy") == []


def test_pyqtgraph_makes_pyside_create_no_unused_class(started, control):
    facts, _ = started
    unused = ("PySide6.QtCore.QXmlStreamWriter", "PySide6.QtGui.QPdfWriter")
    # A plain pyqtgraph import makes PySide create every class, these two as well; the app's
    # import leaves the classes nobody uses uncreated...
    assert set(unused) <= set(control["made"])
    assert set(unused).isdisjoint(facts["made"])
    assert len(facts["made"]) < len(control["made"]) / 2
    # ...yet every name still resolves through pyqtgraph's modules, to the same object,
    assert facts["forwarded"] == [True, True, True]
    # and PySide's modules list all their names again once pyqtgraph is imported.
    assert facts["dir_sizes"] == control["dir_sizes"]
    assert min(facts["dir_sizes"]) > 100


LATER_VIEWS = (
    "ce_desktop.gui.views.binary_view",
    "ce_desktop.gui.views.loss_comparison",
    "ce_desktop.gui.views.exercise_panel",
    "ce_desktop.model.exercises",
    "ce_desktop.gui.views.shortcuts_dialog",
)


def test_views_built_after_the_first_paint_are_imported_then(started):
    facts, _ = started
    assert set(LATER_VIEWS).isdisjoint(facts["modules_built"])  # the window is built, not yet shown
    assert set(LATER_VIEWS[:4]) <= set(facts["modules_shown"])  # the hidden tabs and exercises are built
    assert "ce_desktop.gui.views.lesson_panel" in facts["modules_built"]


UNUSED_QT_LIBRARIES = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg", "PySide6.QtTest")


def test_qt_opengl_svg_and_test_libraries_are_not_loaded_at_start(started, control):
    facts, _ = started
    assert set(UNUSED_QT_LIBRARIES) <= set(control["modules_shown"])  # a plain pyqtgraph loads them
    assert set(UNUSED_QT_LIBRARIES).isdisjoint(facts["modules_shown"])
    # pyqtgraph's OpenGL helpers got a stand-in; importing the real module later still works.
    assert facts["real_opengl_later"] == "PySide6.QtOpenGLWidgets"


def test_window_exports_svg_and_png_after_a_light_start(started):
    facts, out = started
    root = ET.parse(out / "window.svg").getroot()
    assert root.tag.endswith("svg")
    assert (root.get("width"), root.get("height")) == ("640", "360")
    assert len(list(root.iter())) > 100  # the plots' paths and texts, not an empty page
    assert "PySide6.QtSvg" in facts["modules"]  # loaded when the SVG was asked for

    from PySide6 import QtGui

    image = QtGui.QImage(str(out / "window.png"))
    assert (image.width(), image.height()) == (640, 360)
    colours = {image.pixel(x, y) for x in range(0, 640, 16) for y in range(0, 360, 16)}
    assert len(colours) > 10  # bars, text and backgrounds were painted


@pytest.mark.parametrize("entry", ["ce_desktop.gui.window", "ce_desktop.gui.views.editors",
                                   "ce_desktop.gui.items.column_bars", "ce_desktop.gui.launch"])
def test_every_way_into_the_gui_imports_pyqtgraph_lightly(entry):
    """Whichever module of the GUI is imported first, pyqtgraph comes in through qt_imports."""
    code = (f"import sys; import {entry}; "
            f"print(sorted(set({list(UNUSED_QT_LIBRARIES)!r}) & set(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_no_openssl_at_start(started):
    """OpenSSL's hashes cost the window 3.5 MB of memory for nothing it draws (a temporary file's
    name once came from ``secrets``)."""
    facts, _ = started
    assert {"_hashlib", "hashlib", "secrets", "ssl"}.isdisjoint(facts["modules_shown"])
