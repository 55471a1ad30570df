"""The classroom parts inside the real MainWindow: Lesson menu, clicker keys, slide panels, exercises, help, CLI."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from conftest import hold_descent_clock, main_windows, play_frames, show_window
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.dialogs import CANCEL
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.shortcuts_dialog import ShortcutsDialog
from ce_desktop.gui.window import MainWindow
from ce_desktop.model import core, lessons, optim

K = QtCore.Qt.Key
SEED = lessons.get("cross-entropy")


@pytest.fixture
def win(qtbot, tmp_path):
    return show_window(qtbot, tmp_path / "settings")


def slide_index(predicate) -> int:
    return next(i for i, s in enumerate(SEED.slides, 1) if predicate(s))


def test_the_lesson_menu_opens_the_seed_lesson(win, qtbot):
    titles = [a.text() for a in win.menus["Lesson"].actions()]
    assert SEED.title in titles
    action = next(a for a in win.menus["Lesson"].actions() if a.text() == SEED.title)
    action.trigger()
    c = win.classroom
    assert c.lesson is SEED and c.lesson_panel.slide_number == 1
    assert c.lesson_dock.isVisible() and SEED.title in c.lesson_dock.windowTitle()
    assert win.state.scenario.same_as(SEED.slides[0].scenario)


def test_the_slide_commands_work_only_while_a_lesson_is_open(win, qtbot):
    c = win.classroom
    lesson_menu = win.menus["Lesson"].actions()
    assert all(a in lesson_menu for a in c.slide_actions)
    assert not any(a.isEnabled() for a in c.slide_actions)
    before = win.state.scenario
    qtbot.keyClick(win.target_editor, K.Key_PageDown)
    assert c.lesson is None and win.state.scenario is before
    c.open_lesson("cross-entropy")
    assert all(a.isEnabled() for a in c.slide_actions)
    qtbot.keyClick(win.target_editor, K.Key_PageDown)
    assert c.lesson_panel.slide_number == 2
    c.close_action.trigger()
    assert c.lesson is None and not any(a.isEnabled() for a in c.slide_actions)


def test_page_down_and_up_from_the_clicker_move_slides_wherever_the_focus_is(win, qtbot):
    win.classroom.open_lesson("cross-entropy")
    win.target_editor.setFocus()  # a bar editor has the focus, as after a drag
    qtbot.keyClick(win.target_editor, K.Key_PageDown)
    assert win.classroom.lesson_panel.slide_number == 2
    assert win.state.scenario.same_as(SEED.slides[1].scenario)
    qtbot.keyClick(win.target_editor, K.Key_PageDown)
    qtbot.keyClick(win.target_editor, K.Key_PageUp)
    assert win.classroom.lesson_panel.slide_number == 2
    # With the lesson panel focused, → and ← move slides too (not the descent's step keys).
    win.classroom.lesson_panel.setFocus()
    qtbot.keyClick(win.classroom.lesson_panel, K.Key_Right)
    assert win.classroom.lesson_panel.slide_number == 3
    qtbot.keyClick(win.classroom.lesson_panel, K.Key_Left)
    assert win.classroom.lesson_panel.slide_number == 2


def test_a_whole_lecture_with_the_clicker_alone(win, qtbot):
    """Every slide, PageDown only: each loads, shows its panels and fills its caption."""
    win.classroom.open_lesson("cross-entropy")
    panel = win.classroom.lesson_panel
    for k, slide in enumerate(SEED.slides, 1):
        assert panel.slide_number == k
        assert win.classroom.current_panels == slide.panels
        assert win.left_splitter.isVisibleTo(win) == ("editors" in slide.panels)
        assert win.readouts.isVisibleTo(win) == ("readouts" in slide.panels)
        text = panel.caption.text()
        assert "{" not in text and "nan" not in text.lower()
        qtbot.keyClick(win, K.Key_PageDown)
    assert panel.slide_number == len(SEED.slides)


def test_slides_choose_the_detail_tab_and_the_docks(win):
    c = win.classroom
    binary = slide_index(lambda s: "binary" in s.panels)
    c.open_lesson("cross-entropy", binary)
    assert win.tabs.currentWidget() is c.binary_view and win.tabs.isVisibleTo(win)
    comparison = slide_index(lambda s: s.panels[0] == "comparison")
    c.lesson_panel.go_to(comparison)
    assert win.tabs.currentWidget() is c.comparison_view
    # q on the comparison is the true class's probability of the slide.
    assert c.comparison_view.q == pytest.approx(SEED.slides[comparison - 1].scenario.prediction[0])
    formula_only = slide_index(lambda s: "formula" in s.panels and not {"contributions", "gradient"} & set(s.panels))
    c.lesson_panel.go_to(formula_only)
    assert win.tabs.currentWidget() is win.formula
    descent = slide_index(lambda s: s.descent_steps > 0)
    c.lesson_panel.go_to(descent)
    dock = win.docks.get("dock_descent")
    if dock is not None:
        assert dock.isVisibleTo(win)
    c.lesson_panel.go_to(1)
    if dock is not None:
        assert not dock.isVisibleTo(win)
    # Closing the lesson shows every panel again.
    c.close_lesson()
    assert not c.lesson_dock.isVisibleTo(win)
    assert all(w.isVisibleTo(win) for w in (win.left_splitter, win.readouts, win.tabs, win.contributions,
                                             win.gradient))


def test_a_descent_slide_opens_at_step_0_and_plays_its_steps_on_space(win, qtbot):
    k = slide_index(lambda s: s.descent_steps > 0)
    slide = SEED.slides[k - 1]
    win.activateWindow()
    win.classroom.open_lesson("cross-entropy", k)
    hold_descent_clock(win.descent)
    s = slide.scenario
    # Step 0: the slide's own logits, no run yet, the panel says so.
    np.testing.assert_array_equal(win.state.logits, s.logits)
    assert win.descent.run is None and not win.descent.playing
    assert win.descent_panel.step_label.text() == "Step 0"
    win.presentation.enter(full_screen=False)  # Space is the presenter's Play
    qtbot.keyClick(win.classroom.lesson_panel, QtCore.Qt.Key.Key_Space)
    assert win.descent.playing
    play_frames(win.descent, slide.descent_steps + 20)
    # It stops after the slide's steps, where plain gradient descent from the slide gets.
    assert not win.descent.playing and win.descent.run.index == slide.descent_steps
    expected = optim.optimize(s.target, s.logits, slide.descent_steps, s.descent.optimizer_settings(s.temperature))
    np.testing.assert_allclose(win.state.logits, expected[-1], rtol=1e-9, atol=1e-9)
    # The caption quotes the loss now shown, as the readouts do.
    ce = float(core.cross_entropy_from_logits(s.target, expected[-1]))
    assert f"CE is now {ce:.3f} nats" in win.classroom.lesson_panel.caption.text()
    # Space again carries on past the slide's steps.
    qtbot.keyClick(win.classroom.lesson_panel, QtCore.Qt.Key.Key_Space)
    play_frames(win.descent, 3)
    assert win.descent.run.index == slide.descent_steps + 3


def test_an_autoplay_slide_plays_on_entering(win, tmp_path):
    data = {"format": "ce-explorer-lesson", "version": 1, "name": "auto", "title": "Auto", "slides": [
        {"caption": "Watch.", "panels": ["editors", "descent"], "descent_steps": 4, "autoplay": True,
         "scenario": {"target": [1, 0, 0], "logits": [0, 0, 0]}}]}
    path = tmp_path / "auto.json"
    path.write_text(json.dumps(data))
    hold_descent_clock(win.descent)
    win.classroom.open_lesson_file(str(path))
    assert win.descent.playing
    play_frames(win.descent, 10)
    assert win.descent.run.index == 4 and not win.descent.playing


def test_a_bad_lesson_file_is_explained_and_changes_nothing(win, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ce-explorer-lesson", "version": 1, "name": "x", "title": "X", "slides": []}')
    before = win.state.scenario
    assert win.classroom.open_lesson_file(str(bad)) is None
    assert "has no slides" in win.statusBar().currentMessage()
    assert win.state.scenario is before and win.classroom.lesson is None
    box = next(w for w in win.findChildren(QtWidgets.QMessageBox) if w.isVisible())
    assert "bad.json: the lesson has no slides" in box.text()
    box.close()


def test_ctrl_e_opens_the_exercises_and_a_known_answer_scores(win, qtbot):
    qtbot.keyClick(win, K.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)
    c = win.classroom
    assert c.exercise_dock.isVisible() and c.exercise_panel.round is not None
    panel = c.exercise_panel
    q = panel.question
    assert q.kind == "estimate"
    truth = -sum(yi * math.log(pi) for yi, pi in zip(q.target, q.prediction, strict=True) if yi > 0)
    assert panel.estimate_edit.hasFocus()
    qtbot.keyClicks(panel.estimate_edit, f"{truth:.3f}")
    qtbot.keyClick(panel.estimate_edit, K.Key_Return)
    assert panel.round.score == 1.0 and "full point" in panel.result.text()


def test_f1_lists_every_action_shortcut_including_the_lesson_keys(win, qtbot):
    dialog = win.classroom.shortcuts_dialog()
    qtbot.addWidget(dialog)
    rows = dialog.visible_rows()
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    page_down = QtGui.QKeySequence("PgDown").toString(native)
    assert ("Lesson", "Next slide", page_down) in rows
    assert any(r[1] == "Exercises" and r[2] == QtGui.QKeySequence("Ctrl+E").toString(native) for r in rows)
    assert any(r[1] == "Undo" for r in rows)
    # Every action with a shortcut is there, and no shortcut is claimed twice.
    listed = {(r[1], r[2]) for r in rows}
    seen = {}
    for a in win.findChildren(QtGui.QAction):
        keys = [s.toString(native) for s in a.shortcuts() if not s.isEmpty()]
        if keys:
            shown = a.text().replace("&&", "\x00").replace("&", "").replace("\x00", "&").rstrip(".…")
            assert any(k in r[2] for r in rows for k in keys if r[1] == shown)
            for key in keys:
                assert key not in seen or seen[key] is a, f"{key} used by {seen.get(key).text()} and {a.text()}"
                seen[key] = a
    assert listed
    # F1 opens it.
    qtbot.keyClick(win, K.Key_F1)
    qtbot.waitUntil(
        lambda: any(isinstance(w, ShortcutsDialog) and w.isVisible() for w in QtWidgets.QApplication.topLevelWidgets())
    )
    for w in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(w, ShortcutsDialog):
            w.close()


def test_lesson_on_the_command_line_renders_that_slide(tmp_path, qtbot, run_main):
    out = tmp_path / "slide.png"
    k = slide_index(lambda s: "binary" in s.panels)
    code = run_main(
        [
            "--lesson",
            "cross-entropy",
            "--slide",
            str(k),
            "--screenshot",
            str(out),
            "--size",
            "1280x720",
            "--settings-dir",
            str(tmp_path / "s"),
        ]
    )
    assert code == 0 and out.exists()
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (1280, 720)
    colours = {img.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 720, 16)}
    assert len(colours) > 20  # a rendered window, not a blank image


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--lesson", "nope"], "unknown lesson 'nope'"),
        (["--lesson", "cross-entropy", "--slide", "0"], "has slides 1..27, not 0"),
        (["--lesson", "cross-entropy", "--slide", "99"], "not 99"),
        (["--slide", "2"], "--slide needs --lesson"),
    ],
)
def test_lesson_command_line_errors_exit_2(tmp_path, capsys, argv, message, qtbot, run_main):
    code = run_main(argv + ["--screenshot", str(tmp_path / "x.png"), "--settings-dir", str(tmp_path / "s")])
    assert code == 2
    assert message in capsys.readouterr().err


def test_binary_and_comparison_tabs_are_built_after_the_first_paint(qtbot, tmp_path):
    """Start-up: the two hidden tabs are empty pages until the window has painted once,
    then they are built in place (same tab, label and theme), or earlier when asked for."""
    from ce_desktop.gui.views.binary_view import BinaryView
    from ce_desktop.gui.views.loss_comparison import LossComparison

    w = MainWindow(ExplorerState(), settings_dir=tmp_path, theme="dark")
    qtbot.addWidget(w)
    c = w.classroom
    tabs = w.tabs
    labels = [tabs.tabText(k) for k in range(tabs.count())]
    k_bin, k_cmp = labels.index("Binary CE"), labels.index("CE vs squared error")
    from ce_desktop.gui.views.exercise_panel import ExercisePanel

    assert not w.findChildren(BinaryView) and not w.findChildren(LossComparison)
    assert not w.findChildren(ExercisePanel)
    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: bool(w.findChildren(BinaryView)) and bool(w.findChildren(LossComparison)), timeout=3000)
    assert tabs.widget(k_bin) is c.binary_view is w.views["binary"]
    assert tabs.widget(k_cmp) is c.comparison_view is w.views["comparison"]
    assert [tabs.tabText(k) for k in range(tabs.count())] == labels
    qtbot.waitUntil(lambda: bool(w.findChildren(ExercisePanel)), timeout=3000)
    assert c.exercise_dock.widget() is c.exercise_panel is w.views["exercises"] is w.views["dock_exercises"]
    assert c.binary_view.theme.name == "dark"  # themed when built
    w.set_theme("projector")
    assert c.comparison_view.theme.name == "projector"


def test_a_tab_asked_for_before_the_first_paint_is_built_at_once(qtbot, tmp_path):
    from ce_desktop.gui.views.loss_comparison import LossComparison

    w = MainWindow(ExplorerState(), settings_dir=tmp_path)
    qtbot.addWidget(w)
    assert not w.findChildren(LossComparison)
    view = w.views["comparison"]
    assert isinstance(view, LossComparison) and w.tabs.indexOf(view) >= 0
    w.classroom.show_tab(view)
    assert w.tabs.currentWidget() is view
    assert "binary" in w.views and len(w.views) == len(set(w.views))


def test_running_the_app_in_the_test_process_leaves_no_window_behind(tmp_path, qtbot, run_main):
    """run_gui's window outlives main() (the app runs it once per process); run_main deletes it."""
    before = {id(w) for w in main_windows()}  # earlier tests' windows, perhaps not deleted yet
    for k in (1, 2, 3):
        assert (
            run_main(
                [
                    "--lesson",
                    "cross-entropy",
                    "--slide",
                    str(k),
                    "--screenshot",
                    str(tmp_path / f"{k}.png"),
                    "--size",
                    "640x400",
                    "--settings-dir",
                    str(tmp_path / "s"),
                ]
            )
            == 0
        )
        assert (tmp_path / f"{k}.png").exists()
        assert {id(w) for w in main_windows()} <= before


# --------------------------------------------------------------------------- lesson files


#: A one-slide lesson, as a lesson file holds it.
LESSON_FILE = {
    "format": "ce-explorer-lesson",
    "version": 1,
    "name": "mine",
    "title": "Mine",
    "slides": [{"caption": "x", "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}],
}


def _lesson_with_a_link_loop(folder):
    os.symlink(folder / "a.json", folder / "b.json")
    os.symlink(folder / "b.json", folder / "a.json")
    data = dict(LESSON_FILE, slides=LESSON_FILE["slides"] + [{"caption": "y", "scenario_file": "a.json"}])
    path = folder / "loop.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_lesson_whose_scenario_file_is_a_link_loop_is_a_message_box(win, tmp_path):
    path = _lesson_with_a_link_loop(tmp_path)
    before = win.state.scenario
    assert win.classroom.open_lesson_file(str(path)) is None
    box = next(w for w in win.findChildren(QtWidgets.QMessageBox) if w.isVisible())
    assert "Cannot open the lesson" in box.windowTitle()
    assert "loop.json: slide 2: 'scenario_file' 'a.json'" in box.text()
    assert win.state.scenario is before and win.classroom.lesson is None
    box.close()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_lesson_whose_scenario_file_is_a_link_loop_exits_2_with_one_line(tmp_path, capsys, qtbot, run_main):
    path = _lesson_with_a_link_loop(tmp_path)
    code = run_main(
        ["--lesson", str(path), "--screenshot", str(tmp_path / "x.png"), "--settings-dir", str(tmp_path / "s")]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "loop.json: slide 2: 'scenario_file' 'a.json'" in lines[0], err
    assert not (tmp_path / "x.png").exists()


# --------------------------------------------------------------------------- lessons and unsaved changes


class SaveQuestion:
    """Stands in for the window's prompts: answers "Save the changes?" and records each time it was asked."""

    def __init__(self, answer=CANCEL):
        self.answer = answer
        self.asked: list[tuple[str, str]] = []

    def save_changes(self, name, doing):
        self.asked.append((name, doing))
        return self.answer


def test_on_the_desk_space_plays_a_descent_slide_and_playing_is_no_edit(win, qtbot):
    """Space with the caption focused plays the slide (as everywhere on the desk), not the
    next slide; the played steps are the slide's, so the document stays unmodified. An edit
    is a change, and a run from the edit stays one."""
    k = slide_index(lambda s: s.descent_steps > 0)
    slide = SEED.slides[k - 1]
    win.activateWindow()
    c = win.classroom
    c.open_lesson("cross-entropy", k)
    hold_descent_clock(win.descent)
    assert c.lesson_panel.hasFocus() and not win.file_actions.modified
    qtbot.keyClick(c.lesson_panel, QtCore.Qt.Key.Key_Space)
    assert c.lesson_panel.slide_number == k and win.descent.playing
    play_frames(win.descent, slide.descent_steps + 5)
    assert win.descent.run.index == slide.descent_steps
    assert not win.file_actions.modified and not win.isWindowModified()
    qtbot.keyClick(c.lesson_panel, QtCore.Qt.Key.Key_Left)  # the caption keeps ← / →: a slide back
    assert c.lesson_panel.slide_number == k - 1
    qtbot.keyClick(c.lesson_panel, QtCore.Qt.Key.Key_Right)
    # An edit of the slide (↓ on the target's chosen bar), then a run from it: modified.
    win.target_editor.setFocus()
    qtbot.keyClick(win.target_editor, QtCore.Qt.Key.Key_Down)
    assert win.file_actions.modified
    qtbot.mouseClick(win.descent_panel.play_button, QtCore.Qt.MouseButton.LeftButton)
    play_frames(win.descent, 3)
    assert win.descent.run.index > 0 and win.file_actions.modified
