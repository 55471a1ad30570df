"""Presentation mode in the real window: F5 / toolbar button / Esc, text size, slide panels, --presentation."""

from __future__ import annotations

import pytest
from conftest import settle, show_window
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import launch, presentation
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.window import MainWindow
from ce_desktop.model import lessons

K = QtCore.Qt.Key
CTRL = QtCore.Qt.KeyboardModifier.ControlModifier
SEED = lessons.get("cross-entropy")


@pytest.fixture
def win(qtbot, tmp_path):
    return show_window(qtbot, tmp_path / "settings", active=True)


def slide_index(predicate) -> int:
    return next(i for i, s in enumerate(SEED.slides, 1) if predicate(s))


def readout_px(w) -> int:
    return int(w.readouts.ce.value.styleSheet().split("font-size:")[1].split("px")[0])


def layout_of(w) -> dict:
    """Everything presentation mode changes, as plain values."""
    def where(widget):
        if not widget.isVisibleTo(w):
            return None
        return (widget.mapTo(w, QtCore.QPoint(0, 0)).toTuple(), widget.size().toTuple())

    docks = {d.objectName(): (d.isVisibleTo(w), w.dockWidgetArea(d), d.titleBarWidget() is None, where(d))
             for d in w.findChildren(QtWidgets.QDockWidget)}
    return {
        "geometry": w.geometry().getRect(),
        "full_screen": w.isFullScreen(),
        "menu_bar": w.menuBar().isVisibleTo(w),
        "status_bar": w.statusBar().isVisibleTo(w),
        "toolbars": [tb.isVisibleTo(w) for tb in w.findChildren(QtWidgets.QToolBar)],
        "docks": docks,
        "splitters": {sp.objectName(): sp.sizes() for sp in w.findChildren(QtWidgets.QSplitter)
                      if sp.objectName() and sp.isVisibleTo(w)},
        "font_scale": w.font_scale,
        "readout_px": readout_px(w),
        "readouts_parent": w.readouts.parentWidget(),
        "central": w.centralWidget(),
        "tabs": [w.tabs.isTabVisible(i) for i in range(w.tabs.count())],
        "tab_bar": w.tabs.tabBar().isVisibleTo(w),
        "current_tab": w.tabs.currentIndex(),
        "widgets": {name: where(getattr(w, name)) for name in
                    ("target_editor", "prediction_editor", "readouts", "contributions", "gradient", "tabs")},
    }


def settled_layout(w, qtbot) -> dict:
    """``layout_of(w)`` once the window's deferred layout steps (a dock's height settling by a
    pixel, a splitter restore) have all run, however long the machine takes for them."""
    settle()
    return layout_of(w)


def test_f5_enters_and_esc_restores_exactly_the_previous_layout(win, qtbot):
    before = settled_layout(win, qtbot)
    assert before["menu_bar"] and before["status_bar"] and any(before["toolbars"])
    qtbot.keyClick(win, K.Key_F5)
    p = win.presentation
    assert p.active and p.action.isChecked()
    qtbot.waitUntil(win.isFullScreen, timeout=2000)
    settle()  # the layout of the new size
    assert not win.menuBar().isVisibleTo(win) and not win.statusBar().isVisibleTo(win)
    assert not any(tb.isVisibleTo(win) for tb in win.findChildren(QtWidgets.QToolBar))
    for dock in win.findChildren(QtWidgets.QDockWidget):  # no title bars
        assert dock.titleBarWidget() is not None and dock.titleBarWidget().height() == 0
    # Larger text: the remembered presentation size (150 % by default).
    assert win.font_scale == presentation.DEFAULT_FONT_SCALE
    assert readout_px(win) == pytest.approx(before["readout_px"] * 1.5, abs=1)
    # The readouts run across the whole width, above the editors.
    ro = win.readouts.mapTo(win, QtCore.QPoint(0, 0))
    assert ro.y() < win.target_editor.mapTo(win, QtCore.QPoint(0, 0)).y()
    assert win.readouts.width() > 0.9 * win.width()
    qtbot.keyClick(win, K.Key_Escape)
    assert not p.active and not p.action.isChecked()
    qtbot.waitUntil(lambda: not win.isFullScreen(), timeout=2000)
    assert settled_layout(win, qtbot) == before  # after the deferred splitter restore


def test_the_toolbar_button_and_the_view_menu_toggle_it(win, qtbot):
    button = win.controls.widgetForAction(win.presentation.action)
    assert isinstance(button, QtWidgets.QToolButton) and button.isVisible()
    assert "F5" in button.toolTip()
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert win.presentation.active
    qtbot.keyClick(win, K.Key_F5)  # F5 toggles back out
    assert not win.presentation.active
    assert win.presentation.action in win.menus["View"].actions()


def test_esc_does_nothing_outside_presentation(win, qtbot):
    assert not win.presentation.leave_action.isEnabled()
    before = layout_of(win)
    qtbot.keyClick(win, K.Key_Escape)
    assert layout_of(win) == before


def test_text_size_is_live_bounded_and_remembered_apart_from_the_normal_size(win, qtbot, tmp_path):
    qtbot.keyClick(win, K.Key_F5)
    px = readout_px(win)
    qtbot.keyClick(win, K.Key_Equal, CTRL)
    assert win.font_scale == 160 and readout_px(win) > px
    assert "160 %" in win.presentation.font_menu.title()
    for _ in range(15):
        qtbot.keyClick(win, K.Key_Equal, CTRL)
    assert win.font_scale == presentation.FONT_RANGE[1] == 250
    for _ in range(20):
        qtbot.keyClick(win, K.Key_Minus, CTRL)
    assert win.font_scale == presentation.FONT_RANGE[0] == 100
    qtbot.keyClick(win, K.Key_Equal, CTRL)
    qtbot.keyClick(win, K.Key_Equal, CTRL)
    qtbot.keyClick(win, K.Key_Escape)
    # The normal size is back, and the settings keep both sizes apart.
    assert win.font_scale == 100 and win.settings.font_scale == 100
    assert win.settings.extra(presentation.SETTINGS_KEY) == 120
    assert "100 %" in win.presentation.font_menu.title()
    qtbot.keyClick(win, K.Key_F5)
    assert win.font_scale == 120  # remembered
    qtbot.keyClick(win, K.Key_0, CTRL)
    assert win.font_scale == presentation.DEFAULT_FONT_SCALE
    qtbot.keyClick(win, K.Key_Escape)
    # Outside presentation Ctrl+= changes (and saves) the normal size, up to 300 %.
    qtbot.keyClick(win, K.Key_Equal, CTRL)
    assert win.font_scale == 110 and win.settings.font_scale == 110


def test_closing_while_presenting_saves_the_normal_text_size(win, qtbot):
    win.set_font_scale(120)
    win.presentation.enter()
    assert win.font_scale == 150
    win.close()
    assert win.settings.font_scale == 120
    assert win.settings.extra(presentation.SETTINGS_KEY) == 150


def test_only_the_slides_panels_show_and_follow_the_clicker(win, qtbot):
    c = win.classroom
    first = slide_index(lambda s: set(s.panels) == {"editors", "readouts", "contributions"})
    c.open_lesson("cross-entropy", first)
    before = settled_layout(win, qtbot)  # the caption dock's height settles
    qtbot.keyClick(win, K.Key_F5)
    tabs = win.tabs
    visible = [tabs.tabText(i) for i in range(tabs.count()) if tabs.isTabVisible(i)]
    assert visible == ["Per class && gradient"]
    assert not tabs.tabBar().isVisibleTo(win)  # one tab: no tab bar
    assert not win.readouts.explanation.isVisibleTo(win)  # the caption explains
    # PageDown (what a clicker sends) still moves slides with the menu bar hidden; the tabs follow.
    comparison = slide_index(lambda s: "comparison" in s.panels)
    while c.lesson_panel.slide_number < comparison:
        qtbot.keyClick(win, K.Key_PageDown)
    slide = SEED.slides[comparison - 1]
    assert c.current_panels == slide.panels
    assert tabs.currentWidget() is c.comparison_view and c.comparison_view.isVisibleTo(win)
    assert not win.contributions.isVisibleTo(win)
    assert [tabs.isTabVisible(i) for i in range(tabs.count())].count(True) == 1
    # A slide with two tab panels shows exactly those two, with a tab bar.
    two = slide_index(lambda s: {"formula", "contributions"} <= set(s.panels) and "binary" not in s.panels
                      and "comparison" not in s.panels and "gradient" not in s.panels)
    c.lesson_panel.go_to(two)
    shown = {tabs.widget(i) for i in range(tabs.count()) if tabs.isTabVisible(i)}
    assert shown == {win.contributions.parentWidget(), win.formula}
    assert tabs.tabBar().isVisibleTo(win)
    # Back to the first slide, then leave: exactly the layout from before.
    c.lesson_panel.go_to(first)
    qtbot.keyClick(win, K.Key_Escape)
    assert settled_layout(win, qtbot) == before


def test_leaving_after_the_slide_changed_shows_the_current_slides_panels(win, qtbot):
    c = win.classroom
    c.open_lesson("cross-entropy", 1)
    qtbot.keyClick(win, K.Key_F5)
    descent = slide_index(lambda s: "descent" in s.panels)
    c.lesson_panel.go_to(descent)
    qtbot.keyClick(win, K.Key_Escape)
    assert win.menuBar().isVisibleTo(win) and c.lesson_dock.isVisibleTo(win)
    assert win.docks["dock_descent"].isVisibleTo(win)
    assert win.readouts.isVisibleTo(win) == ("readouts" in SEED.slides[descent - 1].panels)
    assert win.readouts.parentWidget() is not None and win.right_splitter.indexOf(win.readouts) == 0
    assert all(tb.isVisibleTo(win) for tb in win.findChildren(QtWidgets.QToolBar))


def test_every_shortcut_works_with_the_menu_bar_hidden(win, qtbot):
    qtbot.keyClick(win, K.Key_F5)
    assert not win.menuBar().isVisibleTo(win)
    qtbot.keyClick(win, K.Key_B, CTRL)  # View ▸ Show losses in bits (a menu-only action before)
    assert win.state.units == "bits"
    qtbot.keyClick(win, K.Key_3, CTRL | QtCore.Qt.KeyboardModifier.ShiftModifier)  # projector theme
    assert win.theme.name == "projector"
    qtbot.keyClick(win, K.Key_P, CTRL)  # preset chord: Ctrl+P, 3
    qtbot.keyClick(win, K.Key_3)
    assert win.state.scenario.title == "Confident and wrong"
    qtbot.keyClick(win, K.Key_Escape)
    assert win.theme.name == "projector" and not win.presentation.active


def test_projector_presentation_of_a_descent_slide_fits_1280x720(qtbot, tmp_path):
    """The brief's case: nothing of the slide is squeezed below its minimum at 150 %."""
    w = MainWindow(ExplorerState(), settings_dir=tmp_path / "s", theme="projector", font_scale=100)
    qtbot.addWidget(w)
    w.classroom.open_lesson("cross-entropy", slide_index(lambda s: "descent" in s.panels))
    w.presentation.enter(full_screen=False, font_scale=150)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    settle()
    panel = w.descent_views["panel"]
    for widget in (w.target_editor, w.gradient, panel.play_button, panel.lr_slider, w.classroom.lesson_panel):
        assert widget.isVisibleTo(w)
        assert widget.height() >= widget.minimumSizeHint().height(), widget
    caption = w.classroom.lesson_panel
    assert caption.height() >= caption.preferred_height(caption.width()) - 2  # the whole caption shows
    assert not panel.stop_rules.isVisibleTo(w) and not panel.optimizer_row.isVisibleTo(w)
    w.presentation.leave()
    assert panel.optimizer_row.isVisibleTo(w)


def test_presentation_on_the_command_line_with_screenshot(tmp_path, monkeypatch, qtbot, run_main):
    seen = {}
    original = launch.save_screenshot

    def spy(window, path, size):
        seen.update(active=window.presentation.active, menu=window.menuBar().isVisibleTo(window),
                    scale=window.font_scale, full=bool(window.windowState() & QtCore.Qt.WindowState.WindowFullScreen),
                    theme=window.theme.name)
        original(window, path, size)

    monkeypatch.setattr(launch, "save_screenshot", spy)
    out = tmp_path / "slide.png"
    k = slide_index(lambda s: "descent" in s.panels)
    code = run_main(["--lesson", "cross-entropy", "--slide", str(k), "--presentation", "--theme", "projector",
                     "--font-scale", "170", "--screenshot", str(out), "--size", "1280x720",
                     "--settings-dir", str(tmp_path / "s")])
    assert code == 0
    assert seen == {"active": True, "menu": False, "scale": 170, "full": False, "theme": "projector"}
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (1280, 720)
    assert len({img.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 720, 16)}) > 20


def test_font_scale_on_the_command_line_is_the_presentations_and_the_desk_keeps_its_own(qtbot, tmp_path):
    import argparse

    settings = tmp_path / "s"
    first = MainWindow(ExplorerState(), settings_dir=settings)
    first.set_font_scale(110)  # the desk size the user chose earlier
    first.close()
    args = argparse.Namespace(presentation=True, font_scale=170)
    w = MainWindow(ExplorerState(), settings_dir=settings, font_scale=args.font_scale)  # as run_gui builds it
    qtbot.addWidget(w)
    presentation.start_from_args(w, args, full_screen=False)
    assert w.presentation.active and w.font_scale == 170
    w.presentation.leave()
    assert w.font_scale == 110 and w.settings.font_scale == 110
    assert w.settings.extra(presentation.SETTINGS_KEY) == 170


# --------------------------------------------------------------------------- black and white screen


def grab_colours(w) -> set:
    img = w.grab().toImage()
    return {img.pixelColor(x, y).name() for x in range(0, img.width(), 37) for y in range(0, img.height(), 37)}


@pytest.mark.parametrize("key, colour", [(K.Key_B, "#000000"), (K.Key_Period, "#000000"),
                                         (K.Key_W, "#ffffff"), (K.Key_Comma, "#ffffff")])
def test_b_and_w_blank_the_screen_and_the_next_key_brings_the_slide_back(win, qtbot, key, colour):
    win.classroom.open_lesson("cross-entropy", 1)
    qtbot.keyClick(win, K.Key_F5)
    p = win.presentation
    assert p.active
    slide = win.classroom.lesson_panel.slide_number
    qtbot.keyClick(win, key)
    assert p.blanked
    blank = win.findChild(QtWidgets.QWidget, "blank_screen")
    assert blank.isVisible() and blank.geometry() == win.rect()
    assert grab_colours(win) == {colour}  # nothing of the slide shows through
    # The next key (a clicker's PageDown here) only brings the slide back: it does not move on.
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), K.Key_PageDown)
    assert not p.blanked and not blank.isVisible() and p.active
    assert win.classroom.lesson_panel.slide_number == slide
    assert len(grab_colours(win)) > 5
    qtbot.keyClick(win, K.Key_PageDown)  # and then the clicker works as before
    assert win.classroom.lesson_panel.slide_number == slide + 1


def test_a_click_brings_the_slide_back_and_reaches_nothing_below(win, qtbot):
    qtbot.keyClick(win, K.Key_F5)
    p = win.presentation
    before = win.state.scenario
    qtbot.keyClick(win, K.Key_B)
    assert p.blanked
    # Click where the prediction's bars are: the click only takes the black away.
    editor = win.prediction_editor
    at = editor.mapTo(win, editor.rect().center())
    blank = win.findChild(QtWidgets.QWidget, "blank_screen")
    qtbot.mouseClick(blank, QtCore.Qt.MouseButton.LeftButton, pos=at)
    assert not p.blanked and p.active
    assert win.state.scenario is before
    # Esc while blank also only brings the slide back; the next Esc leaves presentation mode.
    qtbot.keyClick(win, K.Key_Period)
    assert p.blanked
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), K.Key_Escape)
    assert not p.blanked and p.active
    qtbot.keyClick(win, K.Key_Escape)
    assert not p.active


def test_leaving_presentation_takes_the_blank_away(win, qtbot):
    qtbot.keyClick(win, K.Key_F5)
    qtbot.keyClick(win, K.Key_W)
    assert win.presentation.blanked
    win.presentation.leave()
    assert not win.presentation.blanked
    assert not win.findChild(QtWidgets.QWidget, "blank_screen").isVisible()


def test_b_w_period_and_comma_do_nothing_outside_presentation(win, qtbot):
    p = win.presentation
    assert not p.black_action.isEnabled() and not p.white_action.isEnabled()
    before = layout_of(win)
    scenario = win.state.scenario
    for key in (K.Key_B, K.Key_Period, K.Key_W, K.Key_Comma):
        qtbot.keyClick(win, key)
        assert not p.blanked and not p.active
    assert layout_of(win) == before and win.state.scenario is scenario
    # A text field still types the letters.
    field = win.descent_views["panel"].lr_entry.lineEdit()
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "b.w,")
    assert not p.blanked


def test_the_help_lists_the_blank_screen_keys(win, qtbot):
    dialog = win.classroom.shortcuts_dialog()
    qtbot.addWidget(dialog)
    rows = dialog.visible_rows()
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    for text, keys in (("Black screen", (K.Key_B, K.Key_Period)), ("White screen", (K.Key_W, K.Key_Comma))):
        row = next(r for r in rows if r[1] == text)
        for key in keys:
            assert QtGui.QKeySequence(key).toString(native) in row[2]


def test_b_still_answers_a_focused_exercise_while_presenting(win, qtbot):
    """An exercise that asks "A or B?" keeps its B key; elsewhere B is the black screen."""
    qtbot.keyClick(win, K.Key_X, CTRL | QtCore.Qt.KeyboardModifier.ShiftModifier)  # the exercises dock
    panel = win.classroom.exercise_panel
    panel.new_round(seed=3, count=2)
    # Answer the estimate (not what this test is about) as a student does: type, Enter, "Next question".
    qtbot.keyClicks(panel.estimate_edit, "1")
    qtbot.keyClick(panel.estimate_edit, K.Key_Return)
    qtbot.mouseClick(panel.next_button, QtCore.Qt.MouseButton.LeftButton)
    assert panel.question.kind == "compare"
    qtbot.keyClick(win, K.Key_F5)
    assert win.presentation.active
    panel.setFocus()
    qtbot.keyClick(panel, K.Key_B)
    assert panel.revealed and not win.presentation.blanked
    qtbot.keyClick(panel, K.Key_B)  # answered: now B is the black screen
    assert win.presentation.blanked
