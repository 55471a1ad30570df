"""The keyboard-shortcut help (F1 or ?): generated from the window's QActions, never hand-written.

Every action that has at least one shortcut is listed with its menu, its text (without
the ``&`` mnemonic markers) and all of its key sequences in the platform's notation, so
the list cannot drift from what the keys really do. A filter box narrows it down.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtGui, QtWidgets

from ce_desktop.gui import plain_text


@dataclass(frozen=True)
class ShortcutEntry:
    group: str
    action: str
    keys: tuple[str, ...]
    tip: str = ""


def _clean(text: str) -> str:
    """Menu text without mnemonic markers or a trailing ellipsis ("&Open…" -> "Open")."""
    t = text.replace("&&", "\x00").replace("&", "").replace("\x00", "&")
    return t.rstrip(".…").strip()


def _menu_titles(window: QtWidgets.QWidget) -> dict[QtGui.QAction, str]:
    """Map each action to the menu path it sits in ("View › Theme")."""
    out: dict[QtGui.QAction, str] = {}

    def walk(menu: QtWidgets.QMenu, path: str) -> None:
        for a in menu.actions():
            sub = a.menu()  # typed QObject (QtGui's QAction); a QMenu when the action opens one
            if isinstance(sub, QtWidgets.QMenu):
                walk(sub, f"{path} › {_clean(sub.title())}" if path else _clean(sub.title()))
            elif not a.isSeparator():
                out.setdefault(a, path)

    bar = window.menuBar() if isinstance(window, QtWidgets.QMainWindow) else None
    if bar is not None:
        for a in bar.actions():
            sub = a.menu()
            if isinstance(sub, QtWidgets.QMenu):
                walk(sub, _clean(sub.title()))
    return out


def collect_shortcuts(window: QtWidgets.QWidget) -> list[ShortcutEntry]:
    """Every action under ``window`` with a shortcut, grouped by menu, in menu order.

    Actions are found as children of the window (``findChildren``), in its menus, and
    added to it with ``addAction``; each is listed once.
    """
    menus = _menu_titles(window)
    seen: list[QtGui.QAction] = []
    for a in list(menus) + list(window.actions()) + window.findChildren(QtGui.QAction):
        if a not in seen:
            seen.append(a)
    entries = []
    for a in seen:
        seqs = [s for s in a.shortcuts() if not s.isEmpty()]
        if not seqs or a.isSeparator():
            continue
        keys = tuple(s.toString(QtGui.QKeySequence.SequenceFormat.NativeText) for s in seqs)
        text = _clean(a.text()) or _clean(a.toolTip()) or a.objectName()
        tip = a.statusTip() or (a.toolTip() if _clean(a.toolTip()) != text else "")
        entries.append(ShortcutEntry(menus.get(a, "Other"), text, keys, tip))
    order = {g: i for i, g in enumerate(dict.fromkeys(menus.values()))}
    entries.sort(key=lambda e: order.get(e.group, len(order)))  # stable: menu order within a group
    return entries


class ShortcutsDialog(QtWidgets.QDialog):
    """A searchable table of the window's shortcuts.

    ``extra`` adds keys that no action carries (e.g. ↑/↓ in a focused bar editor) as
    ``(keys, what)`` pairs, listed last under "In a focused editor".
    """

    EXTRA_GROUP = "In a focused editor"

    def __init__(self, window: QtWidgets.QWidget, parent=None, extra=()):
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.entries = collect_shortcuts(window)
        self.entries += [ShortcutEntry(self.EXTRA_GROUP, str(what), (str(keys),)) for keys, what in extra]
        self.filter = QtWidgets.QLineEdit()
        self.filter.setPlaceholderText("Filter: type part of an action or a key")
        self.filter.setAccessibleName("Filter shortcuts")
        self.filter.setClearButtonEnabled(True)
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Shortcut"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAccessibleName("Keyboard shortcuts")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.filter)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.filter.textChanged.connect(self._fill)
        self._fill("")
        self.resize(560, 520)

    def _fill(self, text: str) -> None:
        needle = text.strip().lower()
        rows = [e for e in self.entries
                if not needle or needle in e.action.lower() or needle in e.group.lower()
                or any(needle in k.lower() for k in e.keys)]
        self.table.setRowCount(len(rows))
        for r, e in enumerate(rows):
            for c, value in enumerate((e.group, e.action, "   or   ".join(e.keys))):
                item = QtWidgets.QTableWidgetItem(value)
                if e.tip:
                    item.setToolTip(plain_text.tooltip(e.tip))
                self.table.setItem(r, c, item)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """The table's rows as text (tests, accessibility)."""
        def cell(r: int, c: int) -> str:
            item = self.table.item(r, c)
            return item.text() if item is not None else ""

        return [(cell(r, 0), cell(r, 1), cell(r, 2)) for r in range(self.table.rowCount())]
