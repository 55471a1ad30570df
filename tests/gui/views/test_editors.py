"""The bar editors (and the bar plots that share their class axis), each alone on its state,
driven with real mouse and key events."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import (
    class_name_editor,
    click_at,
    double_click_class_name,
    drag_bar,
    held_drag,
    settle,
    show_view,
)
from PySide6 import QtCore, QtGui
from scipy import special

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.contributions import ContributionPlot
from ce_desktop.gui.views.editors import PredictionEditor, SoftmaxView, TargetEditor
from ce_desktop.gui.views.gradient import GradientPlot
from ce_desktop.model import presets

K = QtCore.Qt.Key
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier
PIXEL = 0.02  # one or two pixels of a ~250-pixel-high plot, in probability units
#: About the size each view has in the window at 1280 × 720.
SIZES = {TargetEditor: (535, 192), PredictionEditor: (535, 193), SoftmaxView: (400, 193),
         ContributionPlot: (471, 212), GradientPlot: (266, 212)}


def shown(qtbot, view_class, preset: str | None = None):
    """(state, view): a new state (``preset``'s scenario, or the app's) and the one view, shown."""
    state = ExplorerState(presets.get(preset).scenario() if preset else None)
    return state, show_view(qtbot, view_class(state), SIZES[view_class])


def hand_ce(y, p):
    """-sum y log p with 0 log 0 = 0, written out independently of the app."""
    return -sum(a * math.log(b) for a, b in zip(y, p, strict=True) if a > 0)


def test_drag_prediction_bar_follows_pointer_and_renormalises(qtbot):
    s, plot = shown(qtbot, PredictionEditor)
    drag_bar(qtbot, plot, 1, 0.1, 0.6)
    p = s.prediction
    assert p[1] == pytest.approx(0.6, abs=PIXEL)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    # The others keep their proportion 0.8 : 0.1.
    assert p[0] / p[2] == pytest.approx(8.0, rel=1e-9)
    assert s.evaluation.cross_entropy == pytest.approx(hand_ce(s.target, p))
    # The editor draws the new numbers: bars and labels.
    assert np.allclose(plot.bars.values(), p)
    assert plot.label_texts()[1] == f"{p[1]:.2f}"
    # One drag = one undo step, named after the bar.
    assert len(s.history) == 1
    assert s.history.undo_text == "Drag prediction: dog"


def test_drag_target_bar_keeps_sum_one_and_updates_entropy(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    drag_bar(qtbot, plot, 0, 1.0, 0.5)
    y = s.target
    assert y[0] == pytest.approx(0.5, abs=PIXEL)
    assert y.sum() == pytest.approx(1.0, abs=1e-12)
    # The rest of the target was 0: the remainder is shared evenly.
    assert y[1] == pytest.approx(y[2])
    h = -sum(v * math.log(v) for v in y if v > 0)
    assert s.evaluation.entropy == pytest.approx(h)
    assert np.allclose(plot.bars.values(), y)
    assert s.history.undo_text == "Drag target: cat"
    assert len(s.history) == 1


def test_a_target_bar_at_zero_can_be_grabbed_on_its_line(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    assert s.target[2] == 0.0
    drag_bar(qtbot, plot, 2, 0.0, 0.3)  # on the (empty) bar itself
    assert s.target[2] == pytest.approx(0.3, abs=PIXEL)


def test_a_prediction_bar_at_zero_can_be_grabbed_anywhere_in_its_column(qtbot):
    s, plot = shown(qtbot, PredictionEditor, "zero-probability")
    assert s.prediction[0] == 0.0
    drag_bar(qtbot, plot, 0, 0.7, 0.4)  # high above the zero bar
    assert s.prediction[0] == pytest.approx(0.4, abs=PIXEL)


def test_drag_beyond_the_plot_clips_to_one(qtbot):
    s, plot = shown(qtbot, PredictionEditor)
    drag_bar(qtbot, plot, 2, 0.1, 1.14)
    assert list(s.prediction) == [0.0, 0.0, 1.0]


def test_drag_that_misses_every_bar_changes_nothing(qtbot):
    s, plot = shown(qtbot, PredictionEditor)
    before = s.scenario
    drag_bar(qtbot, plot, -0.58, 0.5, 0.9)
    assert s.scenario is before
    assert len(s.history) == 0


def test_keyboard_nudges_home_end_and_bar_choice(qtbot):
    s, plot = shown(qtbot, PredictionEditor)
    click_at(qtbot, plot, 1, 0.5)  # a click selects the bar and focuses the plot
    assert plot.hasFocus() and plot.focused_bar == 1
    qtbot.keyClick(plot, K.Key_Up)
    assert s.prediction[1] == pytest.approx(0.1 + 1 / 20)
    qtbot.keyClick(plot, K.Key_Up, SHIFT)
    assert s.prediction[1] == pytest.approx(0.1 + 1 / 20 + 1 / 200)
    qtbot.keyClick(plot, K.Key_Down)
    assert s.prediction[1] == pytest.approx(0.1 + 1 / 200)
    qtbot.keyClick(plot, K.Key_End)
    assert list(s.prediction) == [0.0, 1.0, 0.0]
    qtbot.keyClick(plot, K.Key_Home)
    assert s.prediction[1] == 0.0 and s.prediction.sum() == pytest.approx(1.0)
    qtbot.keyClick(plot, K.Key_Right)
    assert plot.focused_bar == 2
    qtbot.keyClick(plot, K.Key_Right)
    assert plot.focused_bar == 2  # stays on the last bar
    qtbot.keyClick(plot, K.Key_Left)
    qtbot.keyClick(plot, K.Key_Left)
    assert plot.focused_bar == 0
    assert s.history.undo_text == "Set prediction: dog"
    assert len(s.history) == 5


def test_double_click_on_target_bar_makes_it_the_true_class(qtbot):
    s, plot = shown(qtbot, TargetEditor, "soft-overconfident")
    click_at(qtbot, plot, 2, 0.5, double=True)
    assert list(s.raw_target) == [0.0, 0.0, 1.0]


def test_logits_mode_drag(qtbot):
    s, plot = shown(qtbot, PredictionEditor, "logits")
    assert s.logits_mode
    drag_bar(qtbot, plot, 1, 1.0, 3.0)
    z = s.logits
    assert z[1] == pytest.approx(3.0, abs=0.1)
    assert z[0] == 2.0 and z[2] == pytest.approx(0.1)
    assert np.allclose(s.prediction, special.softmax(z))
    assert np.allclose(plot.bars.values(), z)
    assert s.history.undo_text == "Drag logit: dog"
    # A logit may go negative: the range is symmetric.
    drag_bar(qtbot, plot, 2, 0.1, -3.0)
    assert s.logits[2] == pytest.approx(-3.0, abs=0.1)
    lo, hi = plot.getPlotItem().getViewBox().viewRange()[1]
    assert lo == pytest.approx(-hi)


def test_the_softmax_view_shows_softmax_of_the_logits_over_the_temperature(qtbot):
    s, view = shown(qtbot, SoftmaxView, "logits")
    assert np.allclose(view.bars.values(), special.softmax([2.0, 1.0, 0.1]))
    s.set_logit(1, 3.0)
    assert np.allclose(view.bars.values(), special.softmax([2.0, 3.0, 0.1]))
    s.set_temperature(2.0)
    assert np.allclose(view.bars.values(), special.softmax(np.array([2.0, 3.0, 0.1]) / 2.0))


def test_logit_range_stays_during_a_drag_and_grows_after_it(qtbot):
    s, plot = shown(qtbot, PredictionEditor, "logits")
    vb = plot.getPlotItem().getViewBox()
    hi_before = vb.viewRange()[1][1]
    top = hi_before * 0.97  # inside the view, beyond the current bar limit
    drag_bar(qtbot, plot, 0, 2.0, top)
    # The value is where the pointer was (the range did not move during the drag) ...
    assert s.logits[0] == pytest.approx(top, rel=0.02)
    # ... and once released the range grows to hold it with room to spare.
    hi_after = vb.viewRange()[1][1]
    assert hi_after > hi_before
    assert hi_after > s.logits[0] * 1.1
    assert vb.viewRange()[1][0] == pytest.approx(-hi_after)


def test_logits_mode_draws_hatched_bars_of_the_same_prediction(qtbot):
    s, plot = shown(qtbot, PredictionEditor)
    assert plot.bars.opts["brush"].style() == QtCore.Qt.BrushStyle.SolidPattern
    p = s.prediction.copy()
    s.set_logits_mode(True)
    assert np.allclose(special.softmax(plot.bars.values()), p)  # the bars are logits of the same ŷ
    assert plot.bars.opts["brush"].style() != QtCore.Qt.BrushStyle.SolidPattern


@pytest.mark.parametrize("view_class", [TargetEditor, PredictionEditor, GradientPlot])
@pytest.mark.parametrize("n", [2, 10, 20])
def test_a_new_number_of_classes_makes_a_bar_and_a_label_per_class(qtbot, view_class, n):
    s, view = shown(qtbot, view_class)
    s.set_num_classes(n)
    settle()
    assert len(view.bars.values()) == n
    assert len(view.label_texts()) == n
    if view_class is PredictionEditor:  # wide enough for ten labels side by side
        assert (view.shown_labels() == view.label_texts()) == (n <= 12)
        assert (view.shown_labels() == []) == (n > 12)


def test_label_smoothing_shows_in_the_target_bars_and_title(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    s.set_label_smoothing(0.10)
    eps, c = 0.10, 3
    assert np.allclose(plot.bars.values(), [1 - eps + eps / c, eps / c, eps / c])
    assert "ε = 0.10" in plot.getPlotItem().titleLabel.text


def test_the_target_bars_follow_every_preset(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    for preset in presets.PRESETS:
        s.load(preset.scenario())
        settle()
        assert len(plot.bars.values()) == len(s.target)
        assert np.allclose(plot.bars.values(), s.target)


def test_the_prediction_editors_description_follows_a_drag_once_it_ends(qtbot):
    """The description spells out every class's number; it is written once the drag's step is
    committed (not on every move), and then names the values the drag left."""
    s, plot = shown(qtbot, PredictionEditor)
    before = plot.accessibleDescription()
    assert "dog 0.100" in before
    with held_drag(plot, 1, 0.1, 0.5, steps=4):
        assert s.prediction[1] == pytest.approx(0.5, abs=PIXEL)  # the drag moved the bar ...
        assert plot.accessibleDescription() == before  # ... but mid-drag the text is left alone
    p = s.prediction
    qtbot.waitUntil(lambda: f"dog {p[1]:.3f}" in plot.accessibleDescription(), timeout=2000)
    assert f"cat {p[0]:.3f}; dog {p[1]:.3f}; bird {p[2]:.3f}" in plot.accessibleDescription()


def test_value_labels_hide_where_they_would_not_fit_side_by_side(qtbot):
    """Ten classes in the narrow gradient plot: its labels (about 26 px each in ~21 px per
    class) would overlap and clip at the edge, so they hide. Three classes: it shows its numbers."""
    s, g = shown(qtbot, GradientPlot)
    assert g.shown_labels() == g.label_texts() and len(g.shown_labels()) == 3  # 3 classes
    s.apply(presets.get("ten-digits").scenario(), "ten digits")
    settle()
    per_class = g.getPlotItem().getViewBox().width() / 10
    widest = QtGui.QFontMetrics(g.label_font()).horizontalAdvance(g.label_sample())
    assert widest + 4 > per_class  # the labels would not fit here ...
    assert len(g.label_texts()) == 10 and g.shown_labels() == []  # ... so none is drawn
    s.apply(presets.get("good-prediction").scenario(), "back to three")
    settle()
    assert g.shown_labels() == g.label_texts() and g.label_texts()[0] == "-0.20"


def test_value_labels_show_where_they_fit_side_by_side(qtbot):
    """The wider prediction editor keeps its ten labels."""
    s, p = shown(qtbot, PredictionEditor, "ten-digits")
    per_class = p.getPlotItem().getViewBox().width() / 10
    widest = QtGui.QFontMetrics(p.label_font()).horizontalAdvance(p.label_sample())
    assert widest + 4 <= per_class
    assert p.shown_labels() == p.label_texts() and len(p.shown_labels()) == 10
    assert p.label_texts()[7] == "0.50"


@pytest.mark.parametrize("view_class", [TargetEditor, PredictionEditor, ContributionPlot, GradientPlot])
@pytest.mark.parametrize("n", [3, 30, 100, 1000])
def test_class_axis_names_classes_at_a_round_stride_and_marks_the_rest_only_where_marks_stay_apart(
        qtbot, view_class, n):
    """Every name where all fit, else class 1 and every 2nd, 5th, 10th, ... class by number,
    none overlapping; a short mark for each unnamed class, unless the marks would be
    closer than MIN_MINOR_TICK_PX and merge into a band (1000 classes on a few hundred pixels)."""
    from ce_desktop.gui.views.bar_chart import MIN_MINOR_TICK_PX
    from ce_desktop.gui.views.class_text import short_name

    s, plot = shown(qtbot, view_class)
    s.set_num_classes(n)
    settle()
    named, minor = plot.fixed_ticks("bottom")
    vb = plot.getPlotItem().getViewBox()
    px_per_class = vb.mapViewToScene(QtCore.QPointF(1, 0)).x() - vb.mapViewToScene(QtCore.QPointF(0, 0)).x()
    positions = [i for i, _ in named]
    # Class 1, then every stride-th class by number, the stride a round number.
    gaps = {b - a for a, b in zip(positions[1:], positions[2:], strict=False)}
    stride = gaps.pop() if gaps else (positions[1] + 1 if len(positions) > 1 else 1)
    assert not gaps and stride in (1, 2, 5, 10, 20, 50, 100, 200, 500), positions[:5]
    assert positions[0] == 0
    if stride == 1:
        assert positions == list(range(n))
    else:
        assert all((i + 1) % stride == 0 for i in positions[1:]), positions[:5]
        assert positions[-1] + stride >= n  # none missing at the end
    names = s.class_names
    assert [t for _, t in named] == [short_name(names[i], n) for i in positions]
    # The names do not overlap: two neighbours are further apart than the widest is wide.
    if len(named) > 1:
        fm = QtGui.QFontMetrics(plot.tick_font())
        widest = max(fm.horizontalAdvance(t) for _, t in named)
        gaps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
        assert min(gaps) * px_per_class >= widest, stride
    if px_per_class >= MIN_MINOR_TICK_PX + 0.5:
        # Every class has a name or a mark, and none has both.
        assert sorted(positions + [i for i, _ in minor]) == list(range(n))
        assert all(text == "" for _, text in minor)
    elif px_per_class < MIN_MINOR_TICK_PX - 0.5:
        assert minor == [], px_per_class
    if n == 3:
        assert minor == []
    if n == 1000 and view_class is PredictionEditor:
        assert minor == []


@pytest.mark.parametrize("view_class", [TargetEditor, PredictionEditor, GradientPlot])
def test_double_click_a_class_name_to_rename_it(qtbot, view_class):
    s, plot = shown(qtbot, view_class)
    before_target = s.target.copy()
    double_click_class_name(qtbot, plot, 1)
    editor = class_name_editor(plot)
    assert editor is not None and editor.isVisible() and editor.text() == "dog"
    assert editor.hasSelectedText()  # typing replaces the old name
    qtbot.keyClicks(editor, "wolf cub")
    qtbot.keyClick(editor, K.Key_Return)
    assert s.class_names[1] == "wolf cub"
    assert s.history.undo_text == "Rename dog" and len(s.history) == 1
    assert (1, "wolf cub") in plot.fixed_ticks("bottom")[0]
    assert np.array_equal(s.target, before_target)  # the double-click did not pick a class
    qtbot.waitUntil(lambda: class_name_editor(plot) is None)


def test_a_class_renamed_elsewhere_is_renamed_on_the_axis(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    s.rename_class(1, "wolf")  # the table, a file, undo
    assert (1, "wolf") in plot.fixed_ticks("bottom")[0]
    assert (1, "dog") not in plot.fixed_ticks("bottom")[0]


def test_esc_keeps_the_name_and_an_empty_name_is_refused_with_a_message(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    said: list[str] = []
    plot.message.connect(said.append)
    double_click_class_name(qtbot, plot, 2)
    editor = class_name_editor(plot)
    qtbot.keyClicks(editor, "zebra")
    qtbot.keyClick(editor, K.Key_Escape)
    assert s.class_names[2] == "bird" and len(s.history) == 0 and said == []
    qtbot.waitUntil(lambda: class_name_editor(plot) is None)
    double_click_class_name(qtbot, plot, 2)
    editor = class_name_editor(plot)
    qtbot.keyClick(editor, K.Key_Delete)  # the selected name goes
    qtbot.keyClicks(editor, "   ")
    qtbot.keyClick(editor, K.Key_Return)
    assert s.class_names[2] == "bird" and len(s.history) == 0
    assert len(said) == 1 and "not changed" in said[0] and "empty" in said[0]


def test_a_double_click_on_a_bar_still_makes_that_class_the_true_class(qtbot):
    s, plot = shown(qtbot, TargetEditor)
    click_at(qtbot, plot, 2, 0.5, double=True)
    assert s.target.tolist() == [0.0, 0.0, 1.0]
    assert class_name_editor(plot) is None


def test_ctrl_while_dragging_a_bar_snaps_it_to_round_values(qtbot):
    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    state = ExplorerState()
    editor = show_view(qtbot, PredictionEditor(state), (500, 360))
    # Without Ctrl the bar goes where the pointer is (0.503 is not a multiple of 0.05).
    drag_bar(qtbot, editor, 1, float(state.prediction[1]), 0.503)
    free = float(state.prediction[1])
    assert free == pytest.approx(0.503, abs=PIXEL)
    # With Ctrl it snaps to the nearest 0.05.
    drag_bar(qtbot, editor, 1, free, 0.678, modifiers=ctrl)
    assert float(state.prediction[1]) == pytest.approx(0.70, abs=1e-12)
    assert state.prediction.sum() == pytest.approx(1.0, abs=1e-12)
    # In logits mode the step is 0.5.
    state.set_logits_mode(True)
    settle()
    z = float(state.display_logits()[0])
    drag_bar(qtbot, editor, 0, z, z + 1.37, modifiers=ctrl)
    assert float(state.display_logits()[0]) == pytest.approx(round((z + 1.37) * 2) / 2, abs=1e-9)
