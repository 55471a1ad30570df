"""make_action: the one builder of the window's commands (text, shortcuts, tip, slot)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from ce_desktop.gui.actions import make_action


@pytest.fixture
def host(qtbot):
    """A shown window without a menu bar: a shortcut works only through the window's own actions."""
    w = QtWidgets.QMainWindow()
    w.setCentralWidget(QtWidgets.QLabel("host"))
    w.menuBar().hide()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w)
    return w


def test_text_from_data_is_shown_as_it_is_and_menu_text_keeps_its_mnemonic(host):
    data = make_action(host, "Q&A <b>session</b>", plain=True)
    assert data.text() == "Q&&A <b>session</b>"
    menu = QtWidgets.QMenu(host)
    menu.addAction(data)
    assert data.iconText() == "Q&A <b>session</b>"  # what Qt shows: the ampersand, not an underline
    marked = make_action(host, "&Save")
    assert marked.text() == "&Save" and marked.iconText() == "Save"


def test_shortcuts_one_or_several_of_every_kind(host):
    one = make_action(host, "One", shortcuts="Ctrl+K")
    assert one.shortcuts() == [QtGui.QKeySequence("Ctrl+K")]
    several = make_action(host, "Several", shortcuts=("Ctrl+Shift+Z", "Ctrl+Y"))
    assert [s.toString() for s in several.shortcuts()] == ["Ctrl+Shift+Z", "Ctrl+Y"]
    keys = make_action(host, "Keys", shortcuts=(QtCore.Qt.Key.Key_B, QtCore.Qt.Key.Key_Period))
    assert [s.toString() for s in keys.shortcuts()] == ["B", "."]
    standard = make_action(host, "Standard", shortcuts=QtGui.QKeySequence.StandardKey.Copy)
    assert standard.shortcut() == QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Copy)
    chord = make_action(host, "Chord", shortcuts="Ctrl+P, 1")
    assert chord.shortcut().count() == 2
    assert make_action(host, "None").shortcuts() == []
    for a in (one, several, keys, standard, chord):
        assert a.shortcutContext() == QtCore.Qt.ShortcutContext.WindowShortcut


def test_the_tip_is_text_not_html(host):
    a = make_action(host, "Preset", tip="a <b>bold</b> claim & more")
    assert a.statusTip() == "a <b>bold</b> claim & more"
    doc = QtGui.QTextDocument()
    doc.setHtml(a.toolTip())  # Qt shows a tooltip that looks like HTML as HTML
    assert doc.toPlainText() == "a <b>bold</b> claim & more"
    plain = make_action(host, "Save", tip="Save the scenario")
    assert plain.toolTip() == "Save the scenario" == plain.statusTip()


def test_the_slot_never_receives_qts_checked_flag_unless_checkable(host):
    got = []

    def save(path=None):  # a slot with an optional parameter, as FileActions.save
        got.append(path)

    make_action(host, "Save", save).trigger()
    assert got == [None]
    toggles = []
    t = make_action(host, "Bits", toggles.append, checkable=True)
    assert t.isCheckable()
    t.trigger()
    t.trigger()
    assert toggles == [True, False]


def test_a_shortcut_works_with_no_menu_bar_when_added_to_the_window(host, qtbot):
    fired = []
    on_window = make_action(host, "Next", lambda: fired.append("next"), "Ctrl+K", widget=host)
    orphan = make_action(host, "Orphan", lambda: fired.append("orphan"), "Ctrl+J")
    assert on_window in host.actions() and orphan not in host.actions()
    QtTest.QTest.keyClick(host, QtCore.Qt.Key.Key_K, QtCore.Qt.KeyboardModifier.ControlModifier)
    QtTest.QTest.keyClick(host, QtCore.Qt.Key.Key_J, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: fired == ["next"])
    assert fired == ["next"]


def test_an_icon_is_set(host):
    pix = QtGui.QPixmap(8, 8)
    pix.fill(QtCore.Qt.GlobalColor.red)
    a = make_action(host, "Present", icon=QtGui.QIcon(pix))
    assert not a.icon().isNull()
    assert make_action(host, "Plain").icon().isNull()
