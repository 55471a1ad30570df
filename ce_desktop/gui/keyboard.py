"""Keyboard first: every action of the window has a shortcut that works wherever the focus is.

:func:`install_keyboard` (run once the window has all its menus and docks)

* gives the dock toggles of View ▸ Panels their shortcuts (:data:`DOCK_SHORTCUTS`);
* adds every menu action to the window itself, so that its shortcut keeps working when the
  menu bar is hidden (presentation mode) — Qt only honours a shortcut of an action that sits
  on a visible widget;
* lets Tab leave tables (the arrow keys move between cells): a table that keeps Tab for its
  cells is a keyboard trap.

:func:`menu_actions` lists the actions of the window's menus (tests audit them).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

#: Dock object name → shortcut of its View ▸ Panels toggle.
DOCK_SHORTCUTS = {
    "dock_descent": "Ctrl+D",
    "dock_lesson": "Ctrl+Shift+L",
    "dock_exercises": "Ctrl+Shift+X",
}


def menu_actions(window: QtWidgets.QMainWindow) -> list[QtGui.QAction]:
    """Every command in the window's menu bar, submenus included (not separators or submenu titles)."""
    out: list[QtGui.QAction] = []

    def walk(menu: QtWidgets.QMenu) -> None:
        for a in menu.actions():
            sub = a.menu()  # typed QObject (QtGui's QAction); a QMenu when the action opens one
            if isinstance(sub, QtWidgets.QMenu):
                walk(sub)
            elif not a.isSeparator() and a not in out:
                out.append(a)

    for a in window.menuBar().actions():
        sub = a.menu()
        if isinstance(sub, QtWidgets.QMenu):
            walk(sub)
    return out


def install_keyboard(window: QtWidgets.QMainWindow) -> None:
    """Dock-toggle shortcuts, and every menu action's shortcut live without the menu bar."""
    for name, keys in DOCK_SHORTCUTS.items():
        dock = window.findChild(QtWidgets.QDockWidget, name)
        if dock is not None:
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QtGui.QKeySequence(keys))
            toggle.setToolTip(f"Show or hide the {dock.windowTitle().lower()} panel")
    for table in window.findChildren(QtWidgets.QTableView):
        table.setTabKeyNavigation(False)
    present = set(window.actions())
    for a in menu_actions(window):
        if a not in present and a.shortcuts():
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            window.addAction(a)
