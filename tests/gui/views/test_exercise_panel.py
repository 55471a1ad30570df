"""The predict-then-reveal panel, driven with real key and mouse events."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from scipy.special import xlogy

from ce_desktop.gui import themes
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.exercise_panel import SLIDER_STEPS, ExercisePanel

K = QtCore.Qt.Key
LEFT = QtCore.Qt.MouseButton.LeftButton


def ref_ce(y, p) -> float:
    return float(-np.sum(xlogy(np.asarray(y, float), np.asarray(p, float))))


@pytest.fixture
def panel(qtbot):
    p = ExercisePanel(ExplorerState())
    qtbot.addWidget(p)
    p.resize(640, 560)
    p.show()
    qtbot.waitExposed(p)
    return p


def start(panel, qtbot, seed=11, count=3):
    panel.seed_spin.setFocus()
    panel.seed_spin.selectAll()
    qtbot.keyClicks(panel.seed_spin, str(seed))
    panel.count_spin.selectAll()
    qtbot.keyClicks(panel.count_spin, str(count))
    qtbot.mouseClick(panel.new_button, LEFT)
    assert panel.round is not None and panel.round.seed == seed and len(panel.round) == count


def answer_through_the_panel(panel, qtbot) -> None:
    """Answer the question on screen any way (a 0 estimate, A, or the reach as it stands),
    then go on to the next one: with the keys and buttons a student uses."""
    q = panel.question
    if q.kind == "estimate":
        panel.estimate_edit.setFocus()
        qtbot.keyClicks(panel.estimate_edit, "0")
        qtbot.keyClick(panel.estimate_edit, K.Key_Return)
    elif q.kind == "compare":
        qtbot.mouseClick(panel.a_button, LEFT)
    else:
        panel.reach_slider.setFocus()
        qtbot.keyClick(panel.reach_slider, K.Key_Return)
    assert panel.revealed
    qtbot.mouseClick(panel.next_button, LEFT)
    assert not panel.revealed


def test_an_estimate_typed_and_revealed_with_enter_scores_a_full_point(panel, qtbot):
    start(panel, qtbot)
    q = panel.question
    assert q.kind == "estimate"
    truth = ref_ce(q.target, q.prediction)
    # The loss is hidden before the reveal: neither the numbers nor the result show it.
    hidden = f"{truth:.3f}"
    assert hidden not in panel.numbers.text() and hidden not in panel.result.text()
    assert panel.estimate_edit.hasFocus()
    qtbot.keyClicks(panel.estimate_edit, f"{truth:.2f}")
    qtbot.keyClick(panel.estimate_edit, K.Key_Return)
    assert panel.revealed
    assert "full point" in panel.result.text() and hidden in panel.result.text()
    assert panel.round.score == 1.0 and "score 1.0 of 3" in panel.header.text()
    qtbot.keyClick(panel.next_button, K.Key_Return)  # Enter again: next question
    assert not panel.revealed and panel.question.kind == "compare"


def test_a_wrong_estimate_scores_nothing_and_bad_text_is_refused(panel, qtbot):
    start(panel, qtbot)
    q = panel.question
    truth = ref_ce(q.target, q.prediction)
    qtbot.keyClicks(panel.estimate_edit, "abc")
    qtbot.keyClick(panel.estimate_edit, K.Key_Return)
    assert not panel.revealed and "not a number" in panel.result.text() and panel.round.index == 0
    panel.estimate_edit.clear()
    qtbot.keyClicks(panel.estimate_edit, f"{truth + 5:.2f}")
    qtbot.keyClick(panel.estimate_edit, K.Key_Return)
    assert panel.revealed and panel.round.score == 0.0 and "no point" in panel.result.text()


def test_compare_by_mouse_and_by_key(panel, qtbot):
    start(panel, qtbot, count=5)
    answer_through_the_panel(panel, qtbot)  # the estimate (not what this test is about)
    q = panel.question
    assert q.kind == "compare"
    lower = "A" if ref_ce(q.target, q.prediction) < ref_ce(q.target, q.other) else "B"
    button = panel.a_button if lower == "A" else panel.b_button
    qtbot.mouseClick(button, LEFT)
    assert panel.revealed and panel.round.results[-1].correct
    assert "right" in panel.result.text()


def test_compare_answered_with_the_b_key(panel, qtbot):
    start(panel, qtbot, seed=3, count=2)
    answer_through_the_panel(panel, qtbot)
    q = panel.question
    assert q.kind == "compare"
    panel.setFocus()
    qtbot.keyClick(panel, K.Key_B)
    right = ref_ce(q.target, q.other) < ref_ce(q.target, q.prediction)
    assert panel.revealed and panel.round.results[-1].correct == right
    assert panel.round.score == (1.0 if right else 0.0)


def test_reach_by_dragging_the_slider_to_the_hand_computed_probability(panel, qtbot):
    start(panel, qtbot, count=3)
    answer_through_the_panel(panel, qtbot)
    answer_through_the_panel(panel, qtbot)
    q = panel.question
    assert q.kind == "reach"
    target_q = math.exp(-q.goal)  # hard target: CE = -ln q
    slider = panel.reach_slider
    # Drag the handle with the mouse to the pixel for target_q.
    opt = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(opt)
    handle = slider.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                           QtWidgets.QStyle.SubControl.SC_SliderHandle, slider)
    groove = slider.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                           QtWidgets.QStyle.SubControl.SC_SliderGroove, slider)
    span = groove.width() - handle.width()
    x = groove.x() + handle.width() / 2 + span * (target_q * SLIDER_STEPS - slider.minimum()) / (
        slider.maximum() - slider.minimum())
    qtbot.mousePress(slider, LEFT, pos=handle.center())
    qtbot.mouseMove(slider, pos=QtCore.QPoint(int(round(x)), handle.center().y()))
    qtbot.mouseRelease(slider, LEFT, pos=QtCore.QPoint(int(round(x)), handle.center().y()))
    p = panel.answer()
    assert p[q.true_class] == pytest.approx(target_q, abs=0.01)
    # Fine-tune with the keyboard until it is as close as the slider allows, then reveal with Enter.
    slider.setFocus()
    step = K.Key_Right if p[q.true_class] < target_q else K.Key_Left
    for _ in range(30):
        if abs(panel.answer()[q.true_class] - target_q) < 0.001:
            break
        qtbot.keyClick(slider, step)
    assert abs(ref_ce(q.target, panel.answer()) - q.goal) < 0.02
    qtbot.keyClick(slider, K.Key_Return)
    assert panel.revealed and panel.round.results[-1].correct and "full point" in panel.result.text()


def test_reach_by_typing_and_show_in_explorer(panel, qtbot):
    start(panel, qtbot, count=3)
    answer_through_the_panel(panel, qtbot)
    answer_through_the_panel(panel, qtbot)
    q = panel.question
    panel.reach_spin.setFocus()
    panel.reach_spin.selectAll()
    qtbot.keyClicks(panel.reach_spin, f"{math.exp(-q.goal):.3f}")
    qtbot.keyClick(panel.reach_spin, K.Key_Return)
    assert panel.revealed and panel.round.results[-1].correct
    earlier = panel.round.results[0].points + panel.round.results[1].points
    assert "Round over" in panel.header.text() and panel.round.score == earlier + 1.0
    qtbot.mouseClick(panel.show_button, LEFT)
    np.testing.assert_allclose(panel.state.target, q.target)
    np.testing.assert_allclose(panel.state.prediction, panel.answer(), atol=1e-12)


def test_the_same_seed_repeats_the_set_and_the_theme_applies(panel, qtbot):
    start(panel, qtbot, seed=5)
    first = [q.prediction.copy() for q in panel.round.questions]
    start(panel, qtbot, seed=5)
    for a, q in zip(first, panel.round.questions, strict=True):
        np.testing.assert_array_equal(a, q.prediction)
        assert q.class_names == panel.state.class_names == ("cat", "dog", "bird")
    panel.apply_theme(themes.DARK)
    assert panel.pred_bars.opts["brush"].color().name() == QtGui.QColor(themes.DARK.prediction).name()
    assert panel.bars_plot.backgroundBrush().color().name() == themes.DARK.background.lower()
