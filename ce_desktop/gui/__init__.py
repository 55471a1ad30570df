"""Everything that needs Qt: the state object, the window, views, plot items, classroom and presentation.

Importing any module of this package imports PySide6 and pyqtgraph through :mod:`qt_imports`
first, whatever the order of that module's own imports (an import sorter once put a view, which
imports pyqtgraph plainly, ahead of them, and the app started 16 MB heavier).
"""

from ce_desktop.gui import qt_imports  # noqa: F401  (first: PySide6, then pyqtgraph, imported lightly)
