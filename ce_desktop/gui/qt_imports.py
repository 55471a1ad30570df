"""Import PySide6 and pyqtgraph for the window, without three start-up costs that buy us nothing.

``gui/window.py`` (and the tests' conftest) import this module before anything else of Qt's;
importing it is all there is to do. The measures concern how the libraries import, not
what they do afterwards. They use private API of both libraries (docs/private-api.md), so
each steps aside when the library is not a version it was written for
(:mod:`ce_desktop.gui.private_api`), when pyqtgraph is already imported, or when the
environment variable ``CE_DESKTOP_PLAIN_QT_IMPORTS`` is set to 1 (then both libraries import
exactly as they would without this module): the worst an upgrade can do is bring the cost
back; tests/test_startup.py notices that, and tests/test_qt_imports_off.py runs the app with
the measures off. Together, measured with benchmarks/run.py:
memory after start ~154 -> ~126 MB, start to first paint ~0.96 -> ~0.78 s.

* **PySide6 reads the source of every module imported after it.** For each new module,
  ``PySide6.support.feature`` calls ``inspect.getsource`` and searches it for "PySide6", to
  mark whether the module may switch PySide's opt-in ``from __feature__ import snake_case``
  names. That read ~330 files at start (~50-80 ms) and left their ~150,000 lines in
  ``linecache`` (~15 MB of the process's memory). The answer only matters once some module
  selects a feature, and none here does; we answer "uses PySide" for every module, which
  gives it PySide's normal names always (the module that selects a feature still gets it).

* **pyqtgraph copies every Qt class at import.** ``pyqtgraph.Qt`` copies each name of
  ``PySide6.QtCore``, ``QtGui`` and ``QtWidgets`` into its own ``QtCore``, ``QtGui`` and
  ``QtWidgets`` modules, which makes PySide create all ~1,000 classes and their enums that
  it would otherwise create on first use (~0.1 s, ~5 MB). While pyqtgraph is imported here,
  the three PySide modules list no names, so nothing is copied, and pyqtgraph's three
  modules look up any name they lack in PySide's module instead: ``pg.QtCore.QPointF`` is
  ``PySide6.QtCore.QPointF`` as before, created when first used.

* **pyqtgraph loads Qt's OpenGL, SVG and Test libraries.** The window draws no plot with
  OpenGL, exports SVG with QtSvg imported when asked (``pictures.export_widget_svg``) and
  never uses ``QTest``; loading them cost ~7.5 MB (QtOpenGL's bindings alone ~6.5 MB).
  While pyqtgraph is imported, ``PySide6.QtSvg`` and ``PySide6.QtTest`` are unavailable,
  which pyqtgraph notes and only reports if one of its SVG or test helpers is used; and
  ``PySide6.QtOpenGL`` / ``QtOpenGLWidgets``, which pyqtgraph's OpenGL helpers subclass at
  import, are stand-ins (:class:`NoOpenGLWidget`). So pyqtgraph's OpenGL drawing
  (``useOpenGL``) is off in this app; anything else importing those modules later (a test
  with pytest-qt, or ``from PySide6 import QtSvg``) gets the real ones.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import types

# Before PySide6: a module imported after it would have its source read (see above).
from ce_desktop.gui.private_api import pyqtgraph_private_ok, pyside_private_ok  # noqa: E402

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

#: Set to 1 to import PySide6 and pyqtgraph plainly, without any of the measures above.
PLAIN_IMPORTS_VARIABLE = "CE_DESKTOP_PLAIN_QT_IMPORTS"


def plain_imports_wanted() -> bool:
    """Whether the environment asks for plain imports (``CE_DESKTOP_PLAIN_QT_IMPORTS=1``)."""
    return os.environ.get(PLAIN_IMPORTS_VARIABLE, "") == "1"


def installed_pyqtgraph_version() -> str:
    """The installed pyqtgraph's version, read without importing it ("" if unknown).

    Read from the ``__version__ = "..."`` line of its ``__init__.py`` (about 0.3 ms;
    ``importlib.metadata`` would cost ~30 ms of start-up).
    """
    import importlib.util
    import re

    try:
        spec = importlib.util.find_spec("pyqtgraph")
        if spec is None or spec.origin is None:  # not installed, or a namespace package
            return ""
        with open(spec.origin, encoding="utf-8") as f:
            head = f.read(4000)
    except (ImportError, AttributeError, TypeError, OSError, ValueError):
        return ""
    m = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", head, re.MULTILINE)
    return m.group(1) if m else ""


def every_module_uses_pyside(module) -> bool:
    """Stands in for PySide's source scan: every module keeps PySide's normal names."""
    return True


def skip_pyside_source_scan() -> bool:
    """Stop PySide6 from reading each newly imported module's source (see the module doc).

    Returns whether it did (False when this PySide6 has no such scan, is not a version it
    was written for, or plain imports are asked for).
    """
    if plain_imports_wanted() or not pyside_private_ok():
        return False
    feature = sys.modules.get("PySide6.support.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    vars(feature)["_mod_uses_pyside"] = every_module_uses_pyside  # a module's namespace is its __dict__
    return True


#: pyqtgraph's Qt modules -> the PySide6 module each forwards the names it lacks to.
PYQTGRAPH_QT_MODULES = {
    "pyqtgraph.Qt.QtCore": QtCore,
    "pyqtgraph.Qt.QtGui": QtGui,
    "pyqtgraph.Qt.QtWidgets": QtWidgets,
}


class _ForwardingLoader(importlib.abc.Loader):
    """Loads one of pyqtgraph's Qt modules as usual, then makes it forward missing names."""

    def __init__(self, loader, source):
        self.loader = loader
        self.source = source

    def __getattr__(self, name):  # get_source, is_package, resources...: the usual loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        source = self.source

        def __getattr__(name):  # noqa: N807 (a module's __getattr__, PEP 562)
            value = getattr(source, name)
            # Kept in the module: pyqtgraph looks names up on every paint and mouse move, and a
            # second lookup is then a plain dictionary hit, not a Python call.
            setattr(module, name, value)
            return value

        module.__getattr__ = __getattr__


#: Qt modules pyqtgraph imports if it can, and copes without (it notes the ImportError).
UNAVAILABLE_TO_PYQTGRAPH = ("PySide6.QtSvg", "PySide6.QtTest")


class NoOpenGLWidget(QtWidgets.QWidget):
    """Stands in for ``QOpenGLWidget`` while pyqtgraph is imported; never made here."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("CE Explorer imports pyqtgraph without OpenGL (see ce_desktop/gui/qt_imports.py)")


def _opengl_stand_ins() -> dict[str, types.ModuleType]:
    """Empty modules for PySide6.QtOpenGL and PySide6.QtOpenGLWidgets (the latter with NoOpenGLWidget)."""
    gl = types.ModuleType("PySide6.QtOpenGL", "Stand-in while pyqtgraph is imported (ce_desktop.gui.qt_imports).")
    widgets = types.ModuleType("PySide6.QtOpenGLWidgets", gl.__doc__)
    vars(widgets)["QOpenGLWidget"] = NoOpenGLWidget  # typeshed's ModuleType takes no new attributes
    return {gl.__name__: gl, widgets.__name__: widgets}


class _PyqtgraphImportFinder(importlib.abc.MetaPathFinder):
    """While pyqtgraph is imported: its three Qt modules forward names (_ForwardingLoader),
    and the modules of UNAVAILABLE_TO_PYQTGRAPH cannot be imported."""

    def find_spec(self, name, path, target=None):
        if name in UNAVAILABLE_TO_PYQTGRAPH:
            raise ModuleNotFoundError(f"{name} is not loaded at start (ce_desktop.gui.qt_imports)", name=name)
        source = PYQTGRAPH_QT_MODULES.get(name)
        if source is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _ForwardingLoader(spec.loader, source)
        return spec


def import_pyqtgraph():
    """Import pyqtgraph without its copy of every Qt class and without Qt's OpenGL, SVG and
    Test libraries (see the module doc); returns it.

    Plainly imported when it is imported already (a test, a benchmark), on another binding,
    not a version this was written for, or when plain imports are asked for.
    """
    if ("pyqtgraph" in sys.modules or os.environ.get("PYQTGRAPH_QT_LIB") != "PySide6" or plain_imports_wanted()
            or not pyqtgraph_private_ok(installed_pyqtgraph_version())):
        import pyqtgraph

        return pyqtgraph
    sources = list(PYQTGRAPH_QT_MODULES.values())
    listings = [m.__dict__.get("__dir__") for m in sources]
    stand_ins = {name: m for name, m in _opengl_stand_ins().items() if name not in sys.modules}
    finder = _PyqtgraphImportFinder()
    sys.meta_path.insert(0, finder)
    sys.modules.update(stand_ins)
    for m in sources:
        m.__dir__ = list  # dir(m) == []: pyqtgraph.Qt's _copy_attrs copies nothing
    try:
        import pyqtgraph
    finally:
        sys.meta_path.remove(finder)
        for name in stand_ins:
            del sys.modules[name]
        for m, listing in zip(sources, listings, strict=True):
            if listing is None:
                del m.__dir__
            else:
                m.__dir__ = listing
    return pyqtgraph


skip_pyside_source_scan()
pg = import_pyqtgraph()
