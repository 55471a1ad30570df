"""The lesson panel driven by real key and mouse events; the shortcut help built from QActions."""

from __future__ import annotations

import math

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import themes
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.lesson_panel import LessonPanel
from ce_desktop.gui.views.shortcuts_dialog import ShortcutsDialog, collect_shortcuts
from ce_desktop.model import lessons

K = QtCore.Qt.Key
SEED = lessons.get("cross-entropy")


@pytest.fixture
def panel(qtbot):
    state = ExplorerState()
    p = LessonPanel(state)
    qtbot.addWidget(p)
    p.resize(500, 400)
    p.show()
    qtbot.waitExposed(p)
    p.set_lesson(SEED)
    p.setFocus()
    return p


def test_opening_a_lesson_loads_its_first_slide(panel):
    assert panel.slide_number == 1
    assert panel.state.scenario.same_as(SEED.slides[0].scenario)
    assert panel.position.text() == f"slide 1 of {len(SEED.slides)}"
    assert panel.slide_title.text() == SEED.slides[0].title
    assert not panel.prev_button.isEnabled() and panel.next_button.isEnabled()


def test_page_keys_and_arrows_move_through_the_slides(panel, qtbot):
    n = len(SEED.slides)
    qtbot.keyClick(panel, K.Key_PageDown)
    assert panel.slide_number == 2 and panel.state.scenario.same_as(SEED.slides[1].scenario)
    qtbot.keyClick(panel, K.Key_Right)
    assert panel.slide_number == 3
    qtbot.keyClick(panel, K.Key_PageUp)
    assert panel.slide_number == 2
    qtbot.keyClick(panel, K.Key_Left)
    qtbot.keyClick(panel, K.Key_Left)  # already at the first slide: stays
    assert panel.slide_number == 1 and panel.state.scenario.same_as(SEED.slides[0].scenario)
    qtbot.keyClick(panel, K.Key_End)
    assert panel.slide_number == n and panel.position.text() == f"slide {n} of {n}"
    assert not panel.next_button.isEnabled()
    qtbot.keyClick(panel, K.Key_PageDown)
    assert panel.slide_number == n
    qtbot.keyClick(panel, K.Key_Home)
    assert panel.slide_number == 1
    # With a modifier the keys are not the panel's (the window may use them).
    qtbot.keyClick(panel, K.Key_PageDown, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert panel.slide_number == 1


def test_the_buttons_move_too_and_report_the_slide(panel, qtbot):
    with qtbot.waitSignal(panel.slideShown) as blocker:
        qtbot.mouseClick(panel.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args[0] is SEED.slides[1] and panel.slide_number == 2
    qtbot.mouseClick(panel.prev_button, QtCore.Qt.MouseButton.LeftButton)
    assert panel.slide_number == 1


def test_every_slide_renders_with_its_numbers_filled_in(panel, qtbot):
    for k, slide in enumerate(SEED.slides, 1):
        assert panel.slide_number == k
        text = panel.caption.text()
        assert text and "{" not in text and "nan" not in text.lower()
        ce = panel.state.evaluation.cross_entropy
        if "{ce}" in slide.caption:
            assert (f"{ce:.3f}" if math.isfinite(ce) else "∞") in text
        qtbot.keyClick(panel, K.Key_PageDown)


def test_the_caption_follows_the_state_and_each_slide_is_one_undo_step(panel, qtbot):
    qtbot.keyClick(panel, K.Key_End)
    qtbot.keyClick(panel, K.Key_Home)  # slide 1: y = cat, ŷ(cat) = 0.6
    panel.state.set_prediction_value(0, 0.25)
    assert f"CE = {-math.log(0.25):.3f} nats" in panel.caption.text()  # 1.386, by hand
    panel.restart_slide()
    assert f"CE = {-math.log(0.6):.3f} nats" in panel.caption.text()
    qtbot.keyClick(panel, K.Key_PageDown)
    assert panel.state.undo()
    assert panel.state.scenario.same_as(SEED.slides[0].scenario)


def test_no_lesson_and_theme(panel):
    panel.apply_theme(themes.PROJECTOR)
    assert themes.PROJECTOR.foreground in panel.caption.styleSheet()
    assert f"{themes.PROJECTOR.font_px(15)}px" in panel.caption.styleSheet()
    panel.set_lesson(None)
    assert panel.slide_number == 0 and "Lesson menu" in panel.caption.text()
    assert not panel.next_button.isEnabled()
    assert panel.go_to(1) is False


# --------------------------------------------------------------------------- the shortcut help


@pytest.fixture
def menu_window(qtbot):
    """A plain QMainWindow with menus and actions of its own (not the app's window)."""
    w = QtWidgets.QMainWindow()
    qtbot.addWidget(w)
    view = w.menuBar().addMenu("&View")
    theme = view.addMenu("&Theme")
    dark = theme.addAction("&Dark")
    dark.setShortcut(QtGui.QKeySequence("Ctrl+Shift+D"))
    nxt = QtGui.QAction("&Next slide", w)
    nxt.setShortcuts([QtGui.QKeySequence("PgDown"), QtGui.QKeySequence("Right")])
    w.menuBar().addMenu("&Lesson").addAction(nxt)
    plain = view.addAction("No shortcut")
    assert plain.shortcuts() == []
    hidden = QtGui.QAction("Help", w)
    hidden.setShortcuts([QtGui.QKeySequence("F1"), QtGui.QKeySequence("?")])
    w.addAction(hidden)
    w.show()
    return w


def test_the_help_lists_every_shortcut_from_the_actions(menu_window, qtbot):
    host = menu_window
    entries = collect_shortcuts(host)
    table = {(e.group, e.action): e.keys for e in entries}
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    assert table[("View › Theme", "Dark")] == (QtGui.QKeySequence("Ctrl+Shift+D").toString(native),)
    assert table[("Lesson", "Next slide")] == (QtGui.QKeySequence("PgDown").toString(native),
                                               QtGui.QKeySequence("Right").toString(native))
    assert table[("Other", "Help")] == ("F1", "?")
    assert not any(e.action == "No shortcut" for e in entries)
    # A shortcut added later shows up: the list is generated, not written by hand.
    late = QtGui.QAction("&Presentation", host)
    late.setShortcut(QtGui.QKeySequence("F5"))
    host.addAction(late)
    dialog = ShortcutsDialog(host)
    qtbot.addWidget(dialog)
    rows = dialog.visible_rows()
    assert ("Other", "Presentation", "F5") in rows
    assert len(rows) == 4
    qtbot.keyClicks(dialog.filter, "slide")
    assert [r[1] for r in dialog.visible_rows()] == ["Next slide"]
