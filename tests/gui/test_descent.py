"""The descent controller and its views, driven through real widgets, keys and mouse events."""

from __future__ import annotations

import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from conftest import hold_descent_clock, play_frames, settle  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402
from scipy import special, stats  # noqa: E402

from ce_desktop.gui import themes  # noqa: E402
from ce_desktop.gui.descent import DescentController  # noqa: E402
from ce_desktop.gui.state import ExplorerState  # noqa: E402
from ce_desktop.gui.views.descent_panel import SPEEDS, DescentPanel, EditorKeyGuard, descent_actions, slider_to_lr
from ce_desktop.gui.views.simplex import SimplexView  # noqa: E402
from ce_desktop.gui.views.trajectory import MAX_LOGIT_CURVES, LogitPlot, TrajectoryPlot  # noqa: E402
from ce_desktop.model import presets, simplex_geometry

pg.setConfigOption("mouseRateLimit", -1)
K = QtCore.Qt.Key
LEFT = QtCore.Qt.MouseButton.LeftButton
NOBUTTON = QtCore.Qt.MouseButton.NoButton


class Bench(QtWidgets.QMainWindow):
    """The descent views around one state, with the Descent actions, as the window has them."""

    def __init__(self, state):
        super().__init__()
        self.state = state
        self.controller = DescentController(state, self)
        self.panel = DescentPanel(state, self.controller)
        self.trajectory = TrajectoryPlot(state, self.controller)
        self.logits = LogitPlot(state, self.controller)
        self.simplex = SimplexView(state, self.controller)
        self.editor_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)  # stands in for an editor
        self.editor_slider.setRange(0, 100)
        self.editor_plot = pg.PlotWidget()  # a focused plot (like a bar editor) keeps the arrows
        central = QtWidgets.QWidget()
        lay = QtWidgets.QGridLayout(central)
        lay.addWidget(self.panel, 0, 0)
        lay.addWidget(self.trajectory, 0, 1)
        lay.addWidget(self.logits, 1, 0)
        lay.addWidget(self.simplex, 1, 1)
        lay.addWidget(self.editor_slider, 2, 0)
        lay.addWidget(self.editor_plot, 2, 1)
        self.setCentralWidget(central)
        self.actions_ = descent_actions(self.controller, self)
        menu = self.menuBar().addMenu("Descent")
        for a in self.actions_.values():
            menu.addAction(a)
            self.addAction(a)
        self.guard = EditorKeyGuard(self)
        self.guard.watch_focus()  # as the window does: a filter on the focused editor only

    def closeEvent(self, ev):
        QtWidgets.QApplication.instance().removeEventFilter(self.guard)
        super().closeEvent(ev)


@pytest.fixture
def bench(qtbot):
    state = ExplorerState(presets.get("soft-close-match").scenario())
    b = Bench(state)
    qtbot.addWidget(b)
    b.resize(1100, 800)
    b.show()
    qtbot.waitExposed(b)
    for view in b.findChildren(pg.GraphicsView):
        view.scene().minDragTime = 0
    hold_descent_clock(b.controller)  # the tests take the frames (play_frames)
    yield b
    QtWidgets.QApplication.instance().removeEventFilter(b.guard)
    b.controller.pause()


def assert_state_shows_run(b):
    run = b.controller.run
    s = b.state
    if run.index == 0:
        return
    # The run shows its step in the mode the user edits in (defect 2 of issue 15).
    np.testing.assert_array_equal(s.prediction, run.prediction)
    if s.logits is not None:
        np.testing.assert_array_equal(s.logits, run.logits)
    assert s.evaluation.cross_entropy == pytest.approx(run.cross_entropy[run.index], rel=1e-12)
    assert s.evaluation.kl_divergence == pytest.approx(run.kl_divergence[run.index], rel=1e-9, abs=1e-15)


def send_mouse(widget, kind, pos, button, buttons):
    pos = QtCore.QPointF(pos)
    ev = QtGui.QMouseEvent(kind, pos, QtCore.QPointF(widget.mapToGlobal(pos.toPoint())), button, buttons,
                           QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(widget, ev)


# --------------------------------------------------------------------------- playing


def test_play_pause_and_the_views_follow(bench, qtbot):
    b = bench
    b.state.set_descent(steps_per_second=60.0, tolerance=0.0, max_steps=10_000)
    assert b.controller.interval_ms == 16  # ticks a little faster than 60/s; the clock paces the steps
    qtbot.mouseClick(b.panel.play_button, LEFT)
    assert b.controller.playing and "Pause" in b.panel.play_button.text()
    # Every sign on the button is in the button's font (⏸ is not in DejaVu Sans: it drew a box).
    metrics = QtGui.QFontMetrics(b.panel.play_button.font())
    assert all(metrics.inFontUcs4(ord(ch)) for ch in b.panel.play_button.text() if not ch.isspace())
    assert play_frames(b.controller, 6) == 6
    qtbot.mouseClick(b.panel.play_button, LEFT)
    assert not b.controller.playing and "Play" in b.panel.play_button.text()  # the timer stopped
    k = b.controller.run.index
    assert k == 6
    assert_state_shows_run(b)
    run = b.controller.run
    # The trajectory plot holds the run's numbers, with H(y) as the floor line.
    x, y = b.trajectory.ce_curve.getData()
    np.testing.assert_array_equal(y, run.cross_entropy)
    assert b.trajectory.floor.value() == pytest.approx(stats.entropy(b.state.target))
    assert b.trajectory.step_cursor.value() == k
    assert b.panel.step_label.text() == f"Step {k} of {run.last}"
    assert b.trajectory.scrubber.value() == k and b.trajectory.scrubber.maximum() == run.last
    # The logit plot draws one curve per class, the run's logits.
    assert len(b.logits.curves) == 3
    np.testing.assert_array_equal(b.logits.curves[1].getData()[1], run.logits_history[:, 1])
    # The simplex path is the run's predictions, drawn as a cached body and a live tail.
    px, py = b.simplex.path.getData()
    assert len(px) == run.last + 1
    xy = simplex_geometry.barycentric_to_cartesian(run.predictions)
    np.testing.assert_array_equal(px, xy[:, 0])
    bx, by = pg.PlotCurveItem.getData(b.simplex.path)
    tx, ty = b.simplex.path.tail.getData()
    np.testing.assert_array_equal(np.concatenate([bx, tx[1:]]), xy[:, 0])
    np.testing.assert_array_equal(np.concatenate([by, ty[1:]]), xy[:, 1])


def test_the_timer_takes_the_frames_when_no_test_does(qtbot):
    """Play's own timer plays the run (the other tests here take the frames themselves). The
    first step is due at once, so this waits for one tick, not for a number of frames in a time."""
    state = ExplorerState(presets.get("soft-close-match").scenario())
    c = DescentController(state)
    state.set_descent(steps_per_second=60.0, tolerance=0.0)
    c.play()
    qtbot.waitUntil(lambda: c.run.index >= 1, timeout=60_000)
    c.pause()
    np.testing.assert_array_equal(state.prediction, c.run.prediction)


def test_soft_run_settles_on_entropy_and_stops_by_itself(bench, qtbot):
    b = bench
    b.state.set_descent(steps_per_second=60.0)
    b.controller.play()
    play_frames(b.controller, 100_000)
    assert not b.controller.playing  # it stopped by itself
    run = b.controller.run
    assert run.stop_reason == "converged"
    assert "Converged" in b.panel.status_label.text()
    assert b.state.evaluation.cross_entropy == pytest.approx(stats.entropy(b.state.target), abs=1e-4)


def test_step_step_back_and_scrub(bench, qtbot):
    b = bench
    for _ in range(5):
        qtbot.mouseClick(b.panel.step_button, LEFT)
    run = b.controller.run
    assert run.index == 5 == run.last
    assert_state_shows_run(b)
    qtbot.mouseClick(b.panel.back_button, LEFT)
    assert run.index == 4 and run.last == 5
    np.testing.assert_array_equal(b.state.prediction, run.predictions[4])
    # Scrub with the slider's own keys: Home goes to the start, End to the newest step.
    b.trajectory.scrubber.setFocus()
    qtbot.keyClick(b.trajectory.scrubber, K.Key_Home)
    assert run.index == 0
    assert b.state.scenario.same_as(presets.get("soft-close-match").scenario())  # the exact start
    qtbot.keyClick(b.trajectory.scrubber, K.Key_End)
    assert run.index == 5
    assert_state_shows_run(b)
    qtbot.keyClick(b.trajectory.scrubber, K.Key_Left)
    assert run.index == 4


def test_reset_returns_to_the_start_and_leaves_no_undo_entry(bench, qtbot):
    b = bench
    start = b.state.scenario
    before = len(b.state.history)
    b.controller.run_steps(7)
    assert len(b.state.history) == before + 1
    qtbot.mouseClick(b.panel.reset_button, LEFT)
    assert b.controller.run is None
    assert b.state.scenario.same_as(start)
    assert len(b.state.history) == before
    assert not b.panel.reset_button.isEnabled()


def test_a_whole_run_with_pauses_and_steps_is_one_undo_step(bench, qtbot):
    b = bench
    s = b.state
    start = s.scenario
    before = len(s.history)
    s.set_descent(steps_per_second=60.0, tolerance=0.0)
    settings_scenario = s.scenario
    b.controller.play()
    play_frames(b.controller, 3)
    b.controller.pause()
    b.controller.step_forward()
    b.controller.step_back()
    b.controller.step_forward()
    b.controller.play()
    play_frames(b.controller, 4)
    b.controller.pause()
    assert b.controller.run.index == 8
    end = s.scenario
    assert len(s.history) == before + 2  # the settings change and the run
    assert s.history.undo_text == "Gradient descent run"
    assert s.undo()
    assert s.scenario.same_as(settings_scenario)
    assert s.redo() and s.scenario.same_as(end)
    assert s.undo() and s.undo() and s.scenario.same_as(start)


def test_editing_the_target_during_a_run_restarts_it(bench, qtbot):
    b = bench
    s = b.state
    s.set_descent(steps_per_second=60.0, tolerance=0.0)
    b.controller.play()
    play_frames(b.controller, 4)
    old_run = b.controller.run
    s.set_target_value(1, 0.5)  # an edit from another view
    assert b.controller.playing  # keeps playing, from the new state
    assert b.controller.run is not old_run
    assert "restarted" in b.panel.status_label.text()
    np.testing.assert_array_equal(b.controller.run.target, s.target)
    assert play_frames(b.controller, 3) == 3
    b.controller.pause()
    assert s.history.undo_text == "Gradient descent run"
    s.undo()  # the second run
    assert s.history.undo_text.startswith("Set target")


def test_new_learning_rate_during_a_run_continues_it(bench, qtbot):
    b = bench
    b.state.set_descent(tolerance=0.0)
    b.controller.run_steps(6)
    run = b.controller.run
    b.controller.go_to(4)
    le = b.panel.lr_entry.lineEdit()
    le.selectAll()
    qtbot.keyClicks(le, "2.5")
    qtbot.keyClick(le, K.Key_Return)
    assert b.state.descent.learning_rate == 2.5
    assert b.controller.run is run and run.last == 4 and run.index == 4
    assert "continuing from step 4" in b.panel.status_label.text()
    assert "lr 2.5" in b.trajectory.legend.getLabel(b.trajectory.ce_curve).text
    z4 = run.logits
    b.controller.step_forward()
    expected = z4 - 2.5 * (special.softmax(z4) - b.state.target)
    np.testing.assert_allclose(run.logits, expected, rtol=1e-13)


def test_undo_during_play_pauses_and_clears(bench, qtbot):
    b = bench
    b.state.set_descent(steps_per_second=60.0, tolerance=0.0)
    b.controller.play()
    assert play_frames(b.controller, 3) == 3
    b.state.undo()  # ends the run's group and undoes it
    assert not b.controller.playing
    assert b.controller.run is None
    assert "cleared" in b.panel.status_label.text()


def test_animation_holds_while_someone_drags(bench, qtbot):
    b = bench
    b.controller.run_steps(2)
    b.state.begin("Drag prediction: cat")  # a bar editor's drag is in progress
    b.controller.advance_frame()
    assert b.controller.run.index == 2
    b.state.commit()
    b.controller.advance_frame()
    assert b.controller.run.index == 3


def test_overflow_and_divergence_are_reported_never_nan(bench, qtbot):
    b = bench
    le = b.panel.lr_entry.lineEdit()
    le.selectAll()
    qtbot.keyClicks(le, "1000")
    qtbot.keyClick(le, K.Key_Return)
    assert b.state.descent.learning_rate == 1000
    b.controller.run_steps(500)
    run = b.controller.run
    assert run.stop_reason == "diverging"
    assert "too large" in b.panel.status_label.text()
    assert np.isfinite(b.state.evaluation.cross_entropy)
    assert "nan" not in b.trajectory.readout.text().lower()


def test_probability_zero_on_the_truth_still_descends(qtbot):
    state = ExplorerState(presets.get("zero-probability").scenario())
    c = DescentController(state)
    assert state.evaluation.cross_entropy == np.inf
    assert c.run_steps(5) == 5
    assert np.isfinite(state.evaluation.cross_entropy)
    assert c.run.cross_entropy[0] == pytest.approx(100.0, rel=0.01)  # from log-floor -100
    assert np.all(np.diff(c.run.cross_entropy) < 0)


# --------------------------------------------------------------------------- keyboard


def test_shortcuts_space_right_left(bench, qtbot):
    b = bench
    b.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is b, timeout=2000)
    b.panel.setFocus()
    qtbot.keyClick(b.panel, K.Key_Right)
    qtbot.keyClick(b.panel, K.Key_Right)
    assert b.controller.run.index == 2
    qtbot.keyClick(b.panel, K.Key_Left)
    assert b.controller.run.index == 1
    b.state.set_descent(steps_per_second=60.0)
    qtbot.keyClick(b.panel, K.Key_Space)
    assert b.controller.playing
    qtbot.keyClick(b.panel, K.Key_Space)
    assert not b.controller.playing
    qtbot.keyClick(b.panel, K.Key_R, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert b.controller.run is None


def test_focused_editors_keep_their_arrow_keys(bench, qtbot):
    b = bench
    b.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is b, timeout=2000)
    b.controller.run_steps(1)
    b.editor_slider.setFocus()
    b.editor_slider.setValue(50)
    qtbot.keyClick(b.editor_slider, K.Key_Right)
    assert b.editor_slider.value() == 51 and b.controller.run.index == 1
    b.editor_plot.setFocus()
    assert b.editor_plot.hasFocus()
    qtbot.keyClick(b.editor_plot, K.Key_Left)
    assert b.controller.run.index == 1  # the focused plot got the arrow, not the descent
    le = b.panel.lr_entry.lineEdit()
    le.setFocus()
    qtbot.keyClick(le, K.Key_Space)
    assert not b.controller.playing  # typing a space is not play


# --------------------------------------------------------------------------- panel controls


def test_learning_rate_slider_is_log_scaled(bench, qtbot):
    b = bench
    sl = b.panel.lr_slider
    sl.setFocus()
    qtbot.keyClick(sl, K.Key_End)
    assert b.state.descent.learning_rate == 1000.0
    qtbot.keyClick(sl, K.Key_Home)
    assert b.state.descent.learning_rate == 0.001
    qtbot.keyClick(sl, K.Key_PageUp)  # one decade up
    assert b.state.descent.learning_rate == pytest.approx(0.01)
    assert b.panel.lr_entry.value() == pytest.approx(0.01)
    assert slider_to_lr(0) == 1.0 and slider_to_lr(100) == 10.0


def test_speed_and_optimizer(bench, qtbot):
    b = bench
    sl = b.panel.speed_slider
    sl.setFocus()
    qtbot.keyClick(sl, K.Key_Home)
    assert b.state.descent.steps_per_second == SPEEDS[0] == 0.25
    assert "slow motion" in b.panel.speed_label.text()
    assert b.controller.interval_ms == 4000
    combo = b.panel.optimizer_combo
    combo.setFocus()
    qtbot.keyClick(combo, K.Key_Down)
    assert b.state.descent.optimizer == "momentum"
    assert b.panel.momentum_entry.isVisible() and not b.panel.beta1_entry.isVisible()
    qtbot.keyClick(combo, K.Key_Down)
    assert b.state.descent.optimizer == "adam"
    assert b.panel.beta2_entry.isVisible()
    assert "Adam" in b.trajectory.legend.getLabel(b.trajectory.ce_curve).text


def test_themes_restyle_without_recomputing(bench, qtbot):
    b = bench
    b.controller.run_steps(3)
    data = b.trajectory.ce_curve.getData()[1].copy()
    for view in (b.panel, b.trajectory, b.logits, b.simplex):
        view.apply_theme(themes.DARK)
    assert b.trajectory.ce_curve.opts["pen"].color().name() == themes.DARK.cross_entropy.lower()
    assert b.simplex.prediction_point.opts["brush"].color().name() == themes.DARK.prediction.lower()
    assert b.trajectory.ce_marker.opts["brush"].color().name() == themes.DARK.cross_entropy.lower()
    np.testing.assert_array_equal(b.trajectory.ce_curve.getData()[1], data)


# --------------------------------------------------------------------------- many classes


def test_logit_plot_caps_the_curves_for_many_classes(qtbot):
    state = ExplorerState(presets.get("ten-digits").scenario())
    c = DescentController(state)
    plot = LogitPlot(state, c)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    assert len(plot.curves) == 10
    state.set_num_classes(40)
    assert len(plot.curves) == MAX_LOGIT_CURVES
    assert 7 in plot.shown_classes  # the true class is always drawn
    assert "10 of 40" in plot.note.text()
    c.run_steps(3)
    np.testing.assert_array_equal(plot.curves[plot.shown_classes.index(7)].getData()[1],
                                  c.run.logits_history[:, 7])


# --------------------------------------------------------------------------- the simplex


def test_simplex_drag_sets_the_prediction(bench, qtbot):
    b = bench
    sv = b.simplex
    s = b.state
    before = len(s.history)
    vp = sv.plot.viewport()
    start = sv.data_to_viewport(s.prediction)
    goal = np.array([0.2, 0.3, 0.5])
    end = sv.data_to_viewport(goal)
    T = QtCore.QEvent.Type
    send_mouse(vp, T.MouseMove, start, NOBUTTON, NOBUTTON)
    send_mouse(vp, T.MouseButtonPress, start, LEFT, LEFT)
    for k in range(1, 7):
        p = QtCore.QPointF(start) + (QtCore.QPointF(end) - QtCore.QPointF(start)) * (k / 6)
        send_mouse(vp, T.MouseMove, p, NOBUTTON, LEFT)
        QtWidgets.QApplication.processEvents()
    send_mouse(vp, T.MouseButtonRelease, QtCore.QPointF(end), LEFT, NOBUTTON)
    settle()
    np.testing.assert_allclose(s.prediction, goal, atol=0.01)
    assert len(s.history) == before + 1
    assert s.history.undo_text == SimplexView.DRAG_LABEL
    xy = sv.prediction_point.getData()
    np.testing.assert_allclose([xy[0][0], xy[1][0]], [0.3 + 0.25, 0.5 * np.sqrt(3) / 2], atol=0.01)


def test_simplex_drag_outside_lands_on_the_edge(bench, qtbot):
    b = bench
    sv = b.simplex
    vp = sv.plot.viewport()
    start = sv.data_to_viewport(b.state.prediction)
    # Below the bottom edge, under the point (0.5, 0.5, 0) of the cat–dog edge.
    scene = sv.viewbox.mapViewToScene(QtCore.QPointF(0.5, -0.08))
    end = QtCore.QPointF(sv.plot.mapFromScene(scene))
    T = QtCore.QEvent.Type
    send_mouse(vp, T.MouseButtonPress, start, LEFT, LEFT)
    send_mouse(vp, T.MouseMove, QtCore.QPointF(end), NOBUTTON, LEFT)
    send_mouse(vp, T.MouseButtonRelease, QtCore.QPointF(end), LEFT, NOBUTTON)
    settle()
    np.testing.assert_allclose(b.state.prediction, [0.5, 0.5, 0.0], atol=0.01)
    assert b.state.prediction[2] == 0.0
    assert b.state.evaluation.cross_entropy == np.inf  # the target wants bird: honest ∞


def test_simplex_click_and_heat_map(bench, qtbot):
    b = bench
    sv = b.simplex
    vp = sv.plot.viewport()
    p = sv.data_to_viewport([1 / 3, 1 / 3, 1 / 3])
    T = QtCore.QEvent.Type
    send_mouse(vp, T.MouseButtonPress, QtCore.QPointF(p), LEFT, LEFT)
    send_mouse(vp, T.MouseButtonRelease, QtCore.QPointF(p), LEFT, NOBUTTON)
    settle()
    np.testing.assert_allclose(b.state.prediction, [1 / 3] * 3, atol=0.01)
    # The landscape's lowest cell is at the target (KL = 0 there).
    grid = np.nan_to_num(sv.kl_landscape(), nan=np.inf)
    iy, ix = np.unravel_index(np.argmin(grid), grid.shape)
    from ce_desktop.model import simplex_geometry
    xy = simplex_geometry.barycentric_to_cartesian(b.state.target)
    assert abs((ix + 0.5) / grid.shape[1] - xy[0]) < 0.02
    assert abs((iy + 0.5) / grid.shape[0] * np.sqrt(3) / 2 - xy[1]) < 0.02


def test_simplex_needs_three_classes(bench, qtbot):
    b = bench
    b.state.set_num_classes(4)
    assert not b.simplex.available
    assert b.simplex.stack.currentIndex() == 1
    assert "exactly 3 classes" in b.simplex.message_label.text()
    b.controller.run_steps(2)  # the path is not drawn, nothing breaks
    b.state.set_num_classes(3)
    assert b.simplex.stack.currentIndex() == 0


# --------------------------------------------------------------------------- settings and extremes


def test_units_change_during_a_run_keeps_it(bench, qtbot):
    b = bench
    b.controller.run_steps(4)
    run = b.controller.run
    b.state.set_units("bits")
    assert b.controller.run is run and run.last == 4
    assert run.cross_entropy[4] == pytest.approx(b.state.evaluation.cross_entropy, rel=1e-12)
    assert run.cross_entropy[4] == pytest.approx(
        -np.sum(b.state.target * special.log_softmax(run.logits_history[4])) / np.log(2), rel=1e-12)
    np.testing.assert_array_equal(b.trajectory.ce_curve.getData()[1], run.cross_entropy)
    assert "bits" in b.trajectory.readout.text()


def test_class_count_change_while_playing(bench, qtbot):
    b = bench
    b.state.set_descent(steps_per_second=60.0, tolerance=0.0)
    b.controller.play()
    assert play_frames(b.controller, 2) == 2
    b.state.set_num_classes(5)
    assert b.controller.playing and b.controller.run.target.shape == (5,)
    assert play_frames(b.controller, 2) == 2 and b.controller.run.index == 2
    assert len(b.logits.curves) == 5
    b.state.set_num_classes(2)
    assert play_frames(b.controller, 2) == 2 and b.controller.run.index == 2
    b.controller.pause()
    assert len(b.logits.curves) == 2 and b.simplex.stack.currentIndex() == 1
    assert_state_shows_run(b)


@pytest.mark.parametrize("T", [0.01, 100.0])
def test_extreme_temperature_and_learning_rate_stay_finite(qtbot, T):
    state = ExplorerState(presets.get("soft-overconfident").scenario())
    state.set_logits_mode(True)
    state.set_temperature(T)
    state.set_descent(learning_rate=1000.0, max_steps=3000)
    c = DescentController(state)
    c.run_steps(3000)
    run = c.run
    assert run.finished, c.status
    assert np.all(np.isfinite(run.logits_history)) and not np.any(np.isnan(run.cross_entropy))
    assert np.isfinite(state.evaluation.cross_entropy)
    assert "nan" not in c.status.lower()


def test_thousand_classes_through_the_views(qtbot):
    from ce_desktop.model import distributions

    state = ExplorerState()
    state.set_num_classes(1000)
    state.set_target(distributions.one_hot(3, 1000))
    b = Bench(state)
    qtbot.addWidget(b)
    b.show()
    qtbot.waitExposed(b)
    b.state.set_descent(learning_rate=1000.0)
    assert b.controller.run_steps(20) >= 1
    assert np.isfinite(b.state.evaluation.cross_entropy)
    assert len(b.logits.curves) == MAX_LOGIT_CURVES and 3 in b.logits.shown_classes
    assert not b.simplex.available
    QtWidgets.QApplication.instance().removeEventFilter(b.guard)


# --------------------------------------------------------------------------- in the real window


def test_window_has_the_descent_dock_and_menu(window, qtbot):
    texts = [a.text() for a in window.menus["Descent"].actions()]
    assert texts == ["Play / pause", "Step forward", "Step back", "Reset the run"]
    assert window.descent_views["tabs"].count() == 3
    assert "dock_descent" in window.docks


def test_window_arrows_nudge_a_focused_bar_editor_not_the_run(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window, timeout=2000)
    editor = window.prediction_editor
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=2000)
    editor.focused_bar = 0
    qtbot.keyClick(editor, K.Key_Right)
    assert editor.focused_bar == 1  # the editor chose the next bar
    assert window.descent.run is None  # and no descent step was taken
    before = window.state.prediction.copy()
    qtbot.keyClick(editor, K.Key_Up)
    assert window.state.prediction[1] > before[1]  # Up still nudges the chosen bar
    # With the focus elsewhere, → steps the run and Space plays.
    window.descent_views["panel"].setFocus()
    qtbot.keyClick(window.descent_views["panel"], K.Key_Right)
    assert window.descent.run is not None and window.descent.run.index == 1
    qtbot.keyClick(window.descent_views["panel"], K.Key_Space)
    assert window.descent.playing
    qtbot.keyClick(window.descent_views["panel"], K.Key_Space)
    assert not window.descent.playing


def test_window_keys_follow_the_focus_from_editor_to_editor(window, qtbot):
    """The key guard sits on whichever editor has the focus, and leaves it with the focus."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window, timeout=2000)
    panel = window.descent_views["panel"]
    slider = panel.speed_slider  # a slider does not claim the arrows from shortcuts by itself
    for _ in range(2):  # twice: the guard must come back to a widget it left
        slider.setFocus()
        qtbot.waitUntil(slider.hasFocus, timeout=2000)
        value = slider.value()
        qtbot.keyClick(slider, K.Key_Left)
        assert window.descent.run is None and slider.value() != value
        panel.setFocus()
        qtbot.waitUntil(panel.hasFocus, timeout=2000)
        qtbot.keyClick(panel, K.Key_Right)
        assert window.descent.run is not None and window.descent.run.index == 1
        window.descent.reset()
        assert window.descent.run is None


def test_window_steps_option(window, qtbot):
    from argparse import Namespace

    from ce_desktop.gui.launch import _apply_startup_options

    _apply_startup_options(window, Namespace(units=None, steps=7, lesson=None, slide=None, presentation=False))
    assert window.descent.run.last == 7
    assert window.state.history.undo_text == "Gradient descent run"
    np.testing.assert_array_equal(window.state.prediction, window.descent.run.prediction)


@pytest.mark.parametrize("speed", [60.0, 24.0, 0.25, 240.0])
def test_the_clock_paces_the_steps_not_the_timers_whole_milliseconds(qapp, speed):
    """Ticks come every floor(1000/speed) ms; over 20 s of them exactly speed × 20 steps are due
    (a 17 ms timer alone would play "60 steps/s" at 58.8), never two in one tick."""
    state = ExplorerState()
    state.set_descent(steps_per_second=speed)
    c = DescentController(state)
    c.frames.restart()
    tick = c.interval_ms
    assert tick == int(1000 / speed)
    due = [c.frame_due(t) for t in np.arange(0, 20_000, tick)]
    assert sum(due) == pytest.approx(speed * 20, abs=1)
    assert due[0]  # the first step comes at once


def test_after_a_stall_the_steps_do_not_rush_to_catch_up(qapp):
    state = ExplorerState()
    state.set_descent(steps_per_second=60.0)
    c = DescentController(state)
    c.frames.restart()
    assert c.frame_due(0.0)
    assert not c.frame_due(5.0)  # the next step is due at 16.7 ms
    # The machine stalls for half a second (30 steps' worth). The next 100 ms of ticks show
    # about 100 ms of steps (one per tick at most), not the 30 owed.
    ticks = np.arange(500.0, 600.0, c.interval_ms)
    due = [c.frame_due(t) for t in ticks]
    assert due[0]
    assert 6 <= sum(due) <= 8


def test_a_run_curve_redraws_its_body_every_chunk_and_shows_the_rest_as_a_tail(qapp):
    """The loss curves: getData is the whole run; the cached body changes once per CHUNK steps
    and the live tail joins it at the body's last point."""
    from ce_desktop.gui.items.run_curve import RunCurve

    curve = RunCurve()
    chunk = RunCurve.CHUNK
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=3 * chunk + 5))
    x = np.arange(y.size, dtype=float)
    bodies = []
    for n in range(1, y.size + 1):
        curve.set_run_data(x[:n], y[:n])
        bx, by = pg.PlotCurveItem.getData(curve)  # what the body item itself draws
        tx, ty = curve.tail.getData()
        np.testing.assert_array_equal(curve.getData()[1], y[:n])
        assert tx[0] == bx[-1] and ty[0] == by[-1]  # the tail starts where the body ends
        np.testing.assert_array_equal(np.concatenate([by, ty[1:]]), y[:n])  # together: the run
        bodies.append(len(by))
    assert sorted(set(bodies)) == [1, chunk + 1, 2 * chunk + 1, 3 * chunk + 1]
    # Data before the body's end that change (a run cut and regrown) redraw the body.
    z = y.copy()
    z[5] += 1.0
    curve.set_run_data(x, z)
    np.testing.assert_array_equal(pg.PlotCurveItem.getData(curve)[1], z[: 3 * chunk + 1])
    curve.setData([], [])
    tail = curve.tail.getData()[1]
    assert len(curve.getData()[1]) == 0 and len(tail if tail is not None else []) == 0
    # A curve with a phase ends its body at steps phase, phase + CHUNK, ...: together with
    # its tail it is still the whole run.
    shifted = RunCurve(phase=5)
    ends = set()
    for n in range(1, y.size + 1):
        shifted.set_run_data(x[:n], y[:n])
        by = pg.PlotCurveItem.getData(shifted)[1]
        ty = shifted.tail.getData()[1]
        np.testing.assert_array_equal(np.concatenate([by, ty[1:]]), y[:n])
        ends.add(len(by) - 1)
    assert ends == {0, 5, 5 + chunk, 5 + 2 * chunk}  # the run has 3 * chunk + 5 points


def test_the_logit_curves_are_run_curves_that_rebuild_their_bodies_on_different_frames(qtbot, tmp_path):
    """Ten logit curves, each a cached body and a live tail; no two rebuild on the same frame,
    and each still draws its class's whole logit history."""
    from ce_desktop.gui.items.run_curve import RunCurve

    state = ExplorerState(presets.get("soft-overconfident").scenario())
    assert state.set_num_classes(10)
    controller = DescentController(state)
    plot = LogitPlot(state, controller)
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    controller.run_steps(100)
    run = controller.run
    assert len(plot.curves) == 10 and all(isinstance(c, RunCurve) for c in plot.curves)
    assert len({c.phase for c in plot.curves}) == 10
    for j, curve in enumerate(plot.curves):
        np.testing.assert_array_equal(curve.getData()[1], run.logits_history[:, plot.shown_classes[j]])
        body = pg.PlotCurveItem.getData(curve)[1]
        tail = curve.tail.getData()[1]
        np.testing.assert_array_equal(np.concatenate([body, tail[1:]]), run.logits_history[:, plot.shown_classes[j]])


def test_a_polyline_breaks_at_points_that_are_not_finite_and_bounds_what_it_draws(qapp):
    from ce_desktop.gui.items.polyline import Polyline

    line = Polyline()
    line.setData([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, np.nan, 4.0, np.inf, 6.0])
    runs = [[(p.x(), p.y()) for p in poly] for poly in line._polys]
    assert runs == [[(0.0, 1.0), (1.0, 2.0)], [(3.0, 4.0)], [(5.0, 6.0)]]
    x, y = line.getData()
    assert len(x) == len(y) == 6
    box = line.boundingRect()
    for px, py in [(0.0, 1.0), (5.0, 6.0), (3.0, 4.0)]:
        assert box.contains(QtCore.QPointF(px, py))
    line.setData([], [])
    assert line._polys == [] and line.boundingRect().isEmpty()


def test_the_live_tail_and_the_step_cursor_are_drawn_where_the_data_are(qtbot):
    """The tail (the last points of a run) and the cursor appear on screen in their colours."""
    from ce_desktop.gui.items.run_curve import RunCurve
    from ce_desktop.gui.items.step_cursor import StepCursor

    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    pi = plot.getPlotItem()
    pi.disableAutoRange()
    pi.setRange(xRange=(0, 60), yRange=(0, 10), padding=0)
    curve = RunCurve()
    curve.add_to(pi)
    curve.setPen(pg.mkPen("#ff0000", width=3))
    n = RunCurve.CHUNK + 20
    x = np.arange(n, dtype=float)
    curve.set_run_data(x, np.full(n, 5.0))
    cursor = StepCursor()
    pi.addItem(cursor, ignoreBounds=True)
    cursor.setPen(pg.mkPen("#0000ff", width=1))
    cursor.setValue(20.0)
    plot.show()
    qtbot.waitExposed(plot)
    image = plot.grab().toImage()
    vb = pi.getViewBox()

    def pixel(px, py):
        pos = plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(px, py)))
        return QtGui.QColor(image.pixel(pos))

    tail_colour = pixel(RunCurve.CHUNK + 10, 5.0)  # a point only the tail draws
    assert tail_colour.red() > 200 and tail_colour.green() < 80 and tail_colour.blue() < 80
    cursor_colour = pixel(20.0, 8.0)
    assert cursor_colour.blue() > 200 and cursor_colour.red() < 80
    assert cursor.value() == 20.0


# --------------------------------------------------------------------------- unusual β in a file


def test_a_files_unusual_momentum_and_betas_are_shown_exactly_and_edits_stay_valid(qtbot, tmp_path):
    """Any β in [0, 1) is valid in a file: 0.99999 shows as 0.99999 (not the box's 0.9999 limit),
    0.12345 as 0.12345 (not 0.123); the arrows then write values that are still valid, below 1."""
    from ce_desktop.model.scenario import DescentSettings, Scenario

    path = tmp_path / "unusual.json"
    Scenario.create(
        [1, 0, 0],
        [0.5, 0.3, 0.2],
        descent=DescentSettings(optimizer="adam", momentum=0.12345, beta1=0.9995, beta2=0.99999),
    ).save(path)
    state = ExplorerState(Scenario.load(path))
    b = Bench(state)
    qtbot.addWidget(b)
    b.show()
    qtbot.waitExposed(b)
    p = b.panel
    for spin, value, text in (
        (p.momentum_entry, 0.12345, "0.12345"),
        (p.beta1_entry, 0.9995, "0.9995"),
        (p.beta2_entry, 0.99999, "0.99999"),
    ):
        assert spin.value() == value and spin.text() == text
    # Up at the top stays below 1; Down writes the next value down, still exact and valid.
    p.beta2_entry.setFocus()
    qtbot.keyClick(p.beta2_entry, K.Key_Up)
    assert state.descent.beta2 == 0.99999 and p.beta2_entry.value() < 1
    qtbot.keyClick(p.beta2_entry, K.Key_Down)
    assert state.descent.beta2 == pytest.approx(0.99999 - p.beta2_entry.singleStep())
    assert 0 <= state.descent.beta2 < 1 and state.descent.checked()
    assert p.beta2_entry.text() == f"{state.descent.beta2:.5f}"
    # Typing 1 (not allowed) is held at the box's top, which is below 1.
    line = p.beta1_entry.lineEdit()
    p.beta1_entry.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "1")
    qtbot.keyClick(line, K.Key_Return)
    assert 0.9995 <= state.descent.beta1 < 1
    # An ordinary value puts the usual decimals back (0.9 as 0.900, not 0.90000).
    state.set_descent(beta1=0.9, beta2=0.999, momentum=0.5)
    assert (p.beta1_entry.text(), p.beta2_entry.text(), p.momentum_entry.text()) == ("0.900", "0.9990", "0.500")
    # A tiny momentum is shown as it is, not as 0.
    state.set_descent(optimizer="momentum", momentum=1e-7)
    assert p.momentum_entry.value() == 1e-7 and p.momentum_entry.text() == "0.0000001"
    b.controller.pause()


def test_while_playing_the_scrubber_trails_by_a_few_frames_and_is_exact_once_paused(bench, qtbot):
    """The scrubber is repainted every SCRUBBER_EVERY frames of a run (it sits at the growing
    end), and shows the exact step as soon as the run pauses."""
    from ce_desktop.gui.views.trajectory import SCRUBBER_EVERY

    b = bench
    b.state.set_descent(steps_per_second=120.0, tolerance=0.0, max_steps=10_000)
    c = b.controller
    c.play()
    lags = []
    c.positionChanged.connect(lambda k: lags.append(c.run.last - b.trajectory.scrubber.maximum()))
    play_frames(c, 4 * SCRUBBER_EVERY)
    c.pause()
    assert max(lags) <= SCRUBBER_EVERY - 1
    assert max(lags) >= 1  # it does trail while playing (else this test checks nothing)
    run = c.run
    assert b.trajectory.scrubber.maximum() == run.last and b.trajectory.scrubber.value() == run.index


def test_the_floor_line_follows_the_target_units_and_file_when_no_run_exists(qtbot):
    """The dashed H(y) line is the lesson's central claim: before any run it must show this H(y)."""
    from conftest import drag_bar

    from ce_desktop.gui.views.editors import TargetEditor

    state = ExplorerState(presets.get("soft-close-match").scenario())
    controller = DescentController(state)
    box = QtWidgets.QWidget()
    lay = QtWidgets.QHBoxLayout(box)
    editor = TargetEditor(state)
    plot = TrajectoryPlot(state, controller)
    lay.addWidget(editor)
    lay.addWidget(plot)
    qtbot.addWidget(box)
    box.resize(1000, 400)
    box.show()
    qtbot.waitExposed(box)
    assert controller.run is None
    assert plot.floor.value() == pytest.approx(stats.entropy(state.target), abs=1e-12)

    drag_bar(qtbot, editor, 0, float(state.target[0]), 1.2)  # a real drag past the top: the target becomes hard
    assert state.target[0] == pytest.approx(1.0)
    assert controller.run is None
    assert plot.floor.value() == pytest.approx(stats.entropy(state.target), abs=1e-12)

    state.set_target([0.5, 0.5, 0.0])
    state.set_units("bits")
    assert plot.floor.value() == pytest.approx(1.0, abs=1e-12)  # H(½, ½) = 1 bit, by hand

    state.load(presets.get("soft-overconfident").scenario())
    assert plot.floor.value() == pytest.approx(stats.entropy(state.target), abs=1e-12)


def test_before_a_run_the_loss_plot_shows_step_0_where_a_run_from_here_starts(qtbot):
    """Slide 13 said "CE is now 1.464" over a loss plot whose axis stopped at 1.1 with nothing
    on it: with no run, step 0 (the state itself) is on the plot, and follows a prediction drag (when the drag ends)."""
    from conftest import drag_bar

    from ce_desktop.gui.views.editors import PredictionEditor
    from ce_desktop.model.scenario import Scenario

    state = ExplorerState(Scenario.create([1.0, 0.0, 0.0], [0.2, 0.5, 0.3]))
    controller = DescentController(state)
    box = QtWidgets.QWidget()
    lay = QtWidgets.QHBoxLayout(box)
    editor = PredictionEditor(state)
    plot = TrajectoryPlot(state, controller)
    lay.addWidget(editor)
    lay.addWidget(plot)
    qtbot.addWidget(box)
    box.resize(1000, 400)
    box.show()
    qtbot.waitExposed(box)
    assert controller.run is None
    ce = -math.log(0.2)  # 1.609 nats, by hand
    assert plot.ce_marker.isVisible() and plot.ce_marker.pos().y() == pytest.approx(ce, abs=1e-12)
    top = plot.plot.getPlotItem().viewRange()[1][1]
    assert top > ce  # the point is inside the axis
    drag_bar(qtbot, editor, 0, 0.2, 0.9)  # a real drag of the true class's bar
    assert controller.run is None
    assert plot.ce_marker.pos().y() == pytest.approx(-math.log(state.prediction[0]), abs=1e-12)
    assert plot.ce_marker.pos().y() < 0.5
    state.set_prediction([0.0, 0.5, 0.5])  # CE = ∞: no point, no NaN axis
    assert not plot.ce_marker.isVisible()
    assert all(math.isfinite(v) for v in plot.plot.getPlotItem().viewRange()[1])


def test_stepping_a_run_in_probability_mode_keeps_the_mode_the_user_chose(qtbot):
    """Issue 15, defect 2: stepping a run started in probability mode used to switch the Edit
    box to "z logits" (and the editor into two plots), and stepping back to 0 switched it back."""
    from ce_desktop.gui.views.controls import ControlsBar
    from ce_desktop.gui.views.editors import PredictionEditor

    state = ExplorerState(presets.get("soft-close-match").scenario())
    assert not state.logits_mode
    b = Bench(state)
    controls = ControlsBar(state)
    editor = PredictionEditor(state)
    b.addToolBar(controls)
    b.centralWidget().layout().addWidget(editor, 3, 0, 1, 2)
    qtbot.addWidget(b)
    b.resize(1100, 900)
    b.show()
    qtbot.waitExposed(b)
    assert controls.mode.currentText() == "ŷ probabilities"
    for k in range(1, 4):
        qtbot.mouseClick(b.panel.step_button, LEFT)
        run = b.controller.run
        assert run.index == k
        assert controls.mode.currentText() == "ŷ probabilities" and not state.logits_mode
        assert not editor.logits_mode
        np.testing.assert_array_equal(editor.values(), run.prediction)
        assert state.evaluation.cross_entropy == pytest.approx(run.cross_entropy[k], rel=1e-12)
    for k in (2, 1, 0):
        qtbot.mouseClick(b.panel.back_button, LEFT)
        assert b.controller.run.index == k
        assert controls.mode.currentText() == "ŷ probabilities" and not state.logits_mode
    assert state.scenario.same_as(presets.get("soft-close-match").scenario())
    # A run started in logits mode shows logits, as before.
    controls.mode.setFocus()
    qtbot.keyClick(controls.mode, K.Key_Down)  # the next entry: "z logits"
    assert state.logits_mode
    qtbot.mouseClick(b.panel.step_button, LEFT)
    assert state.logits_mode and controls.mode.currentText() == "z logits"
    np.testing.assert_array_equal(state.logits, b.controller.run.logits)
