"""Building a QAction: the one way the window makes a command, its shortcuts and its tip."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text

#: What :func:`make_action` takes as shortcuts: one key sequence or several.
Shortcut = str | QtGui.QKeySequence | QtGui.QKeySequence.StandardKey | QtCore.Qt.Key


def make_action(
    parent: QtCore.QObject,
    text: str,
    slot: Callable[..., object] | None = None,
    shortcuts: Shortcut | Iterable[Shortcut] = (),
    tip: str = "",
    *,
    plain: bool = False,
    checkable: bool = False,
    icon: QtGui.QIcon | None = None,
    widget: QtWidgets.QWidget | None = None,
) -> QtGui.QAction:
    """A QAction owned by ``parent`` that calls ``slot`` when triggered.

    Parameters
    ----------
    text : str
        The menu text; ``&`` marks the mnemonic ("&Save"). With ``plain=True`` the text comes
        from data (a preset's title, a file name) and is shown as it is
        (:func:`plain_text.menu_text`).
    slot : callable, optional
        Called with no arguments, or with the new checked state if ``checkable`` (so a slot
        with optional parameters never receives Qt's ``checked`` flag by mistake).
    shortcuts : key sequence or several
        ``"Ctrl+S"``, a ``QKeySequence.StandardKey``, a ``Qt.Key``, or a sequence of those (the
        first is the one menus show). They work anywhere in the action's window.
    tip : str
        Tooltip and status-bar tip; shown as text, never as HTML (:func:`plain_text.tooltip`).
    widget : QWidget, optional
        Also add the action to this widget (the window), so its shortcuts keep working while
        no visible menu holds it (the menu bar hidden in presentation mode).
    """
    a = QtGui.QAction(plain_text.menu_text(text) if plain else text, parent)
    if icon is not None:
        a.setIcon(icon)
    if checkable:
        a.setCheckable(True)
    if isinstance(shortcuts, (str, QtGui.QKeySequence, QtGui.QKeySequence.StandardKey, QtCore.Qt.Key)):
        shortcuts = (shortcuts,)
    a.setShortcuts([QtGui.QKeySequence(s) for s in shortcuts])
    a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
    if tip:
        a.setToolTip(plain_text.tooltip(tip))
        a.setStatusTip(tip)
    if slot is not None:
        if checkable:
            a.triggered.connect(lambda checked: slot(checked))
        else:
            a.triggered.connect(lambda _checked=False: slot())
    if widget is not None:
        widget.addAction(a)
    return a
