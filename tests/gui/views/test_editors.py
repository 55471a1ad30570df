"""The bar editors, driven with real mouse and key events on the real window."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import click_at, drag_bar, hold_descent_clock, play_frames, settle
from PySide6 import QtCore, QtGui, QtWidgets
from scipy import special

from ce_desktop.model import presets

K = QtCore.Qt.Key
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier
PIXEL = 0.02  # one or two pixels of a ~250-pixel-high plot, in probability units


def slider_handle(slider: QtWidgets.QSlider) -> QtCore.QRect:
    """Where the slider's handle is drawn."""
    opt = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(opt)
    return slider.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                         QtWidgets.QStyle.SubControl.SC_SliderHandle, slider)


def hand_ce(y, p):
    """-sum y log p with 0 log 0 = 0, written out independently of the app."""
    return -sum(a * math.log(b) for a, b in zip(y, p, strict=True) if a > 0)


def test_drag_prediction_bar_follows_pointer_and_renormalises(window, qtbot):
    s = window.state
    plot = window.views["prediction"]
    drag_bar(qtbot, plot, 1, 0.1, 0.6)
    p = s.prediction
    assert p[1] == pytest.approx(0.6, abs=PIXEL)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    # The others keep their proportion 0.8 : 0.1.
    assert p[0] / p[2] == pytest.approx(8.0, rel=1e-9)
    # Every view follows: the bars, the readouts, the per-class terms, the gradient.
    assert np.allclose(plot.bars.opts["height"], p)
    ce = hand_ce(s.target, p)
    assert window.readouts.ce.value.text() == f"{ce:.3f}"
    contrib = window.views["contributions"].series["cross_entropy"].opts["height"]
    assert contrib[0] == pytest.approx(-math.log(p[0]))
    assert np.allclose(window.views["gradient"].bars.opts["height"], p - s.target)
    assert plot.label_texts()[1] == f"{p[1]:.2f}"
    # One drag = one undo step, named after the bar.
    assert len(s.history) == 1
    assert s.history.undo_text == "Drag prediction: dog"


def test_drag_target_bar_keeps_sum_one_and_updates_entropy(window, qtbot):
    s = window.state
    plot = window.views["target"]
    drag_bar(qtbot, plot, 0, 1.0, 0.5)
    y = s.target
    assert y[0] == pytest.approx(0.5, abs=PIXEL)
    assert y.sum() == pytest.approx(1.0, abs=1e-12)
    # The rest of the target was 0: the remainder is shared evenly.
    assert y[1] == pytest.approx(y[2])
    h = -sum(v * math.log(v) for v in y if v > 0)
    assert window.readouts.entropy.value.text() == f"{h:.3f}"
    assert s.history.undo_text == "Drag target: cat"
    assert len(s.history) == 1


def test_bar_at_zero_can_be_grabbed_anywhere_in_its_column(window, qtbot):
    s = window.state
    assert s.target[2] == 0.0
    drag_bar(qtbot, window.views["target"], 2, 0.0, 0.3)  # on the (empty) bar itself
    assert s.target[2] == pytest.approx(0.3, abs=PIXEL)
    window.load_preset("zero-probability")
    assert s.prediction[0] == 0.0
    drag_bar(qtbot, window.views["prediction"], 0, 0.7, 0.4)  # high above the zero bar
    assert s.prediction[0] == pytest.approx(0.4, abs=PIXEL)


def test_drag_beyond_the_plot_clips_to_one(window, qtbot):
    drag_bar(qtbot, window.views["prediction"], 2, 0.1, 1.14)
    assert list(window.state.prediction) == [0.0, 0.0, 1.0]


def test_drag_that_misses_every_bar_changes_nothing(window, qtbot):
    s = window.state
    before = s.scenario
    drag_bar(qtbot, window.views["prediction"], -0.58, 0.5, 0.9)
    assert s.scenario is before
    assert len(s.history) == 0


def test_keyboard_nudges_home_end_and_bar_choice(window, qtbot):
    s = window.state
    plot = window.views["prediction"]
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


def test_double_click_on_target_bar_makes_it_the_true_class(window, qtbot):
    window.load_preset("soft-overconfident")
    click_at(qtbot, window.views["target"], 2, 0.5, double=True)
    assert list(window.state.raw_target) == [0.0, 0.0, 1.0]


def test_logits_mode_drag_and_temperature(window, qtbot):
    s = window.state
    window.load_preset("logits")
    assert s.logits_mode
    plot = window.views["prediction"]
    softmax_view = window.views["softmax"]
    assert softmax_view.isVisible()
    drag_bar(qtbot, plot, 1, 1.0, 3.0)
    z = s.logits
    assert z[1] == pytest.approx(3.0, abs=0.1)
    assert z[0] == 2.0 and z[2] == pytest.approx(0.1)
    assert np.allclose(s.prediction, special.softmax(z))
    assert np.allclose(softmax_view.bars.opts["height"], special.softmax(z))
    assert s.history.undo_text == "Drag logit: dog"
    # A logit may go negative: the range is symmetric.
    drag_bar(qtbot, plot, 2, 0.1, -3.0)
    assert s.logits[2] == pytest.approx(-3.0, abs=0.1)
    lo, hi = plot.getPlotItem().getViewBox().viewRange()[1]
    assert lo == pytest.approx(-hi)
    # Temperature through the spin box (typed, Enter).
    spin = window.controls.temperature
    spin.selectAll()
    qtbot.keyClicks(spin, "2")
    qtbot.keyClick(spin, K.Key_Return)
    assert s.temperature == 2.0
    assert np.allclose(s.prediction, special.softmax(s.logits / 2.0))
    ce = -float(np.dot(s.target, special.log_softmax(s.logits / 2.0)))
    assert window.readouts.ce.value.text() == f"{ce:.3f}"


def test_logit_range_stays_during_a_drag_and_grows_after_it(window, qtbot):
    s = window.state
    window.load_preset("logits")
    plot = window.views["prediction"]
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


def test_switching_to_logits_keeps_the_prediction(window, qtbot):
    s = window.state
    p = s.prediction.copy()
    combo = window.controls.mode
    combo.setFocus()
    qtbot.keyClick(combo, K.Key_Down)
    assert s.logits_mode
    assert np.allclose(s.prediction, p)
    assert window.views["prediction"].bars.opts["brush"].style() != QtCore.Qt.BrushStyle.SolidPattern


@pytest.mark.parametrize("n", [2, 10, 20])
def test_number_of_classes_from_the_spin_box(window, qtbot, n):
    s = window.state
    spin = window.controls.classes
    spin.selectAll()
    qtbot.keyClicks(spin, str(n))
    qtbot.keyClick(spin, K.Key_Return)
    assert s.num_classes == n
    for name in ("target", "prediction", "gradient"):
        view = window.views[name]
        assert len(view.bars.opts["height"]) == n
    labels = window.views["prediction"].label_texts()
    assert len(labels) == n
    shown = [t.isVisible() for t in window.views["prediction"]._labels]
    assert all(shown) == (n <= 12)
    assert s.prediction.sum() == pytest.approx(1.0)


def test_label_smoothing_slider_is_one_step_and_smooths_by_hand_formula(window, qtbot):
    s = window.state
    slider = window.controls.smoothing
    slider.setFocus()
    for _ in range(10):
        qtbot.keyClick(slider, K.Key_Right)
    assert s.label_smoothing == pytest.approx(0.10)
    eps, c = 0.10, 3
    assert np.allclose(s.target, [1 - eps + eps / c, eps / c, eps / c])
    assert np.allclose(window.views["target"].bars.opts["height"], s.target)
    assert "ε = 0.10" in window.views["target"].getPlotItem().titleLabel.text
    assert window.controls.smoothing_entry.value() == pytest.approx(0.10)


def test_smoothing_has_an_exact_entry(qtbot):
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.views.controls import ControlsBar
    state = ExplorerState()
    bar = ControlsBar(state)
    qtbot.addWidget(bar)
    bar.show()
    entry = bar.smoothing_entry
    entry.setFocus()
    entry.selectAll()
    qtbot.keyClicks(entry, "0.137")
    qtbot.keyClick(entry, QtCore.Qt.Key.Key_Return)
    assert state.label_smoothing == pytest.approx(0.137)
    eps = 0.137
    assert np.allclose(state.target, [1 - eps + eps / 3, eps / 3, eps / 3])
    assert bar.smoothing.value() == 14  # the slider follows, to its nearest step
    state.undo()
    assert state.label_smoothing == 0.0 and entry.value() == 0.0


def test_smoothing_slider_mouse_drag_is_one_undo_step(window, qtbot):
    s = window.state
    slider = window.controls.smoothing
    start = QtCore.QPointF(slider_handle(slider).center())
    end = QtCore.QPointF(slider.width() * 0.5, start.y())
    from conftest import LEFT, NO_BUTTON, _send
    T = QtCore.QEvent.Type
    _send(slider, T.MouseButtonPress, start, LEFT, LEFT)
    for k in range(1, 6):
        _send(slider, T.MouseMove, start + (end - start) * (k / 5), NO_BUTTON, LEFT)
    _send(slider, T.MouseButtonRelease, end, LEFT, NO_BUTTON)
    assert s.label_smoothing > 0.2
    assert len(s.history) == 1
    assert s.history.undo_text == "Label smoothing"


def test_true_class_combo(window, qtbot):
    window.load_preset("soft-close-match")
    combo = window.controls.true_class
    combo.setFocus()
    qtbot.keyClick(combo, K.Key_Down)  # "— (soft)" -> "cat"
    assert list(window.state.raw_target) == [1.0, 0.0, 0.0]
    assert window.state.history.undo_text == "True class: cat"


def test_every_preset_through_the_combo(window, qtbot):
    combo = window.controls.preset
    combo.setFocus()
    for k, preset in enumerate(presets.PRESETS, start=1):
        combo.blockSignals(True)
        combo.setCurrentIndex(k - 1)
        combo.blockSignals(False)
        qtbot.keyClick(combo, K.Key_Down)  # the user steps to preset k
        assert window.state.scenario.title == preset.title
        assert combo.currentIndex() == 0
        assert np.allclose(window.views["target"].bars.opts["height"], window.state.target)


def test_accessible_descriptions_follow_a_drag_once_it_ends(window, qtbot):
    """Descriptions spell out every class's number; they are written once the drag's step is
    committed (not on every move), and then name the values the drag left."""
    from conftest import LEFT, NO_BUTTON, _send, data_to_viewport

    s = window.state
    plot = window.views["prediction"]
    gradient = window.views["gradient"]
    before = plot.accessibleDescription()
    assert "dog 0.100" in before
    vp = plot.viewport()
    T = QtCore.QEvent.Type
    start, end = data_to_viewport(plot, 1, 0.1), data_to_viewport(plot, 1, 0.5)
    _send(vp, T.MouseMove, start, NO_BUTTON, NO_BUTTON)
    _send(vp, T.MouseButtonPress, start, LEFT, LEFT)
    for k in range(1, 5):
        _send(vp, T.MouseMove, start + (end - start) * (k / 4), NO_BUTTON, LEFT)
        QtWidgets.QApplication.processEvents()
    assert s.prediction[1] == pytest.approx(0.5, abs=PIXEL)  # the drag moved the bar ...
    assert plot.accessibleDescription() == before  # ... but mid-drag the text is left alone
    _send(vp, T.MouseButtonRelease, end, LEFT, NO_BUTTON)
    p, g = s.prediction, s.prediction - s.target
    ce = -math.log(p[0])
    qtbot.waitUntil(lambda: f"dog {p[1]:.3f}" in plot.accessibleDescription()
                    and f"dog +{g[1]:.3f}" in gradient.accessibleDescription()
                    and f"Cross-entropy {ce:.3f} nats" in window.readouts.accessibleDescription(), timeout=2000)
    assert f"cat {p[0]:.3f}; dog {p[1]:.3f}; bird {p[2]:.3f}" in plot.accessibleDescription()
    assert f"cat {g[0]:.3f}; dog +{g[1]:.3f}; bird +{g[2]:.3f}" in gradient.accessibleDescription()
    assert f"{ce:.3f} = 0.000 + {ce:.3f}" in window.readouts.bar.toolTip()


def _window_pixels(window, fresh: bool) -> np.ndarray:
    """The window as it is on screen (its backing store, after all the partial repaints), or
    (``fresh``) as a full repaint from scratch would draw it."""
    from PySide6 import QtGui

    image = window.grab().toImage() if fresh else window.screen().grabWindow(window.winId()).toImage()
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.array(np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1))


def test_partial_repaints_leave_no_stale_pixels(window, qtbot, monkeypatch):
    """Views repaint only what changed (their items, the opaque numbers). After drags in both
    modes and a descent run, what is on screen equals a full repaint, pixel for pixel."""
    from conftest import LEFT, NO_BUTTON, _send, data_to_viewport

    from ce_desktop.gui.views import accessible

    monkeypatch.setattr(accessible, "SETTLE_MS", 0)  # the texts written after a gesture are settled by settle()

    plot = window.views["prediction"]
    vp = plot.viewport()
    T = QtCore.QEvent.Type

    def drag(x, heights):
        start = data_to_viewport(plot, x, heights[0])
        _send(vp, T.MouseMove, start, NO_BUTTON, NO_BUTTON)
        _send(vp, T.MouseButtonPress, start, LEFT, LEFT)
        for h in heights[1:]:
            _send(vp, T.MouseMove, data_to_viewport(plot, x, h), NO_BUTTON, LEFT)
            QtWidgets.QApplication.processEvents()
        _send(vp, T.MouseButtonRelease, data_to_viewport(plot, x, heights[-1]), LEFT, NO_BUTTON)
        settle()  # with the accessible texts

    drag(1, [0.1] + [0.05 + 0.9 * abs(np.sin(k / 7)) for k in range(40)])
    np.testing.assert_array_equal(_window_pixels(window, False), _window_pixels(window, True))
    window.state.set_logits_mode(True)
    window.state.set_descent(steps_per_second=60.0, tolerance=0.0, max_steps=10_000, learning_rate=0.5)
    ctl = window.descent
    hold_descent_clock(ctl)
    ctl.play()
    assert play_frames(ctl, 60) == 60
    ctl.pause()
    settle()
    np.testing.assert_array_equal(_window_pixels(window, False), _window_pixels(window, True))
    drag(0, list(np.linspace(float(window.state.display_logits()[0]), -3.0, 25)))
    np.testing.assert_array_equal(_window_pixels(window, False), _window_pixels(window, True))


def test_value_labels_show_only_where_they_fit_side_by_side(window, qtbot):
    """Ten classes in the narrow gradient plot: its labels (about 26 px each in ~21 px per
    class) would overlap and clip at the edge, so they hide; the wider editors keep theirs.
    Three classes: every plot shows its numbers."""
    from ce_desktop.model import presets

    g, p = window.views["gradient"], window.views["prediction"]
    assert g._show_labels and all(t.isVisible() for t in g._labels)  # 3 classes
    window.state.apply(presets.get("ten-digits").scenario(), "ten digits")
    settle()
    per_class = g.getPlotItem().getViewBox().width() / 10
    widest = QtGui.QFontMetrics(g._label_font).horizontalAdvance(g.label_sample())
    assert widest + 4 > per_class  # the labels would not fit here ...
    assert not g._show_labels and not any(t.isVisible() for t in g._labels)  # ... so none is drawn
    assert p._show_labels and all(t.isVisible() for t in p._labels)
    assert p.label_texts()[7] == "0.50"
    window.state.apply(presets.get("good-prediction").scenario(), "back to three")
    settle()
    assert g._show_labels and g.label_texts()[0] == "-0.20"


@pytest.mark.parametrize("n", [3, 30, 100, 1000])
def test_class_axis_names_classes_at_a_round_stride_and_marks_the_rest_only_where_marks_stay_apart(window, qtbot, n):
    """Every name where all fit, else class 1 and every 2nd, 5th, 10th, ... class by number,
    none overlapping; a short mark for each unnamed class, unless the marks would be
    closer than MIN_MINOR_TICK_PX and merge into a band (1000 classes on a few hundred pixels)."""
    from ce_desktop.gui.views.bar_chart import MIN_MINOR_TICK_PX
    from ce_desktop.gui.views.class_text import short_name

    window.state.set_num_classes(n)
    settle()
    for name in ("target", "prediction", "contributions", "gradient"):
        plot = window.views[name]
        named, minor = plot.getPlotItem().getAxis("bottom")._tickLevels
        vb = plot.getPlotItem().getViewBox()
        px_per_class = vb.mapViewToScene(QtCore.QPointF(1, 0)).x() - vb.mapViewToScene(QtCore.QPointF(0, 0)).x()
        positions = [i for i, _ in named]
        # Class 1, then every stride-th class by number, the stride a round number.
        gaps = {b - a for a, b in zip(positions[1:], positions[2:], strict=False)}
        stride = gaps.pop() if gaps else (positions[1] + 1 if len(positions) > 1 else 1)
        assert not gaps and stride in (1, 2, 5, 10, 20, 50, 100, 200, 500), (name, positions[:5])
        assert positions[0] == 0, name
        if stride == 1:
            assert positions == list(range(n)), name
        else:
            assert all((i + 1) % stride == 0 for i in positions[1:]), (name, positions[:5])
            assert positions[-1] + stride >= n, name  # none missing at the end
        names = window.state.class_names
        assert [t for _, t in named] == [short_name(names[i], n) for i in positions], name
        # The names do not overlap: two neighbours are further apart than the widest is wide.
        if len(named) > 1:
            fm = QtGui.QFontMetrics(plot._tick_font)
            widest = max(fm.horizontalAdvance(t) for _, t in named)
            gaps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
            assert min(gaps) * px_per_class >= widest, (name, stride)
        if px_per_class >= MIN_MINOR_TICK_PX + 0.5:
            # Every class has a name or a mark, and none has both.
            assert sorted(positions + [i for i, _ in minor]) == list(range(n)), name
            assert all(text == "" for _, text in minor)
        elif px_per_class < MIN_MINOR_TICK_PX - 0.5:
            assert minor == [], (name, px_per_class)
    if n == 3:
        assert all(window.views[v].getPlotItem().getAxis("bottom")._tickLevels[1] == [] for v in ("target", "gradient"))
    if n == 1000:
        assert window.views["prediction"].getPlotItem().getAxis("bottom")._tickLevels[1] == []


def _double_click_class_name(qtbot, plot, index: int) -> None:
    """A real double-click on class ``index``'s name under the plot."""
    pi = plot.getPlotItem()
    axis = pi.getAxis("bottom").sceneBoundingRect()
    x = pi.getViewBox().mapViewToScene(QtCore.QPointF(index, 0.0)).x()
    pos = plot.mapFromScene(QtCore.QPointF(x, axis.top() + 0.4 * axis.height()))
    vp = plot.viewport()
    qtbot.mouseClick(vp, QtCore.Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(vp, QtCore.Qt.MouseButton.LeftButton, pos=pos)


@pytest.mark.parametrize("view", ["target", "prediction", "gradient"])
def test_double_click_a_class_name_to_rename_it(window, qtbot, view):
    plot = window.views[view]
    before_target = window.state.target.copy()
    _double_click_class_name(qtbot, plot, 1)
    editor = plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor")
    assert editor is not None and editor.isVisible() and editor.text() == "dog"
    assert editor.hasSelectedText()  # typing replaces the old name
    qtbot.keyClicks(editor, "wolf cub")
    qtbot.keyClick(editor, K.Key_Return)
    assert window.state.class_names[1] == "wolf cub"
    assert not window.descent.playing and window.descent.run is None  # the space was typed, not Play
    assert window.state.history.undo_text == "Rename dog" and len(window.state.history) == 1
    assert (1, "wolf cub") in plot.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert np.array_equal(window.state.target, before_target)  # the double-click did not pick a class
    qtbot.waitUntil(lambda: plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor") is None)


def test_esc_keeps_the_name_and_an_empty_name_is_refused_with_a_message(window, qtbot):
    plot = window.views["target"]
    _double_click_class_name(qtbot, plot, 2)
    editor = plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor")
    qtbot.keyClicks(editor, "zebra")
    qtbot.keyClick(editor, K.Key_Escape)
    assert window.state.class_names[2] == "bird" and len(window.state.history) == 0
    qtbot.waitUntil(lambda: plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor") is None)
    _double_click_class_name(qtbot, plot, 2)
    editor = plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor")
    qtbot.keyClick(editor, K.Key_Delete)  # the selected name goes
    qtbot.keyClicks(editor, "   ")
    qtbot.keyClick(editor, K.Key_Return)
    assert window.state.class_names[2] == "bird" and len(window.state.history) == 0
    assert "not changed" in window.statusBar().currentMessage() and "empty" in window.statusBar().currentMessage()


def test_a_double_click_on_a_bar_still_makes_that_class_the_true_class(window, qtbot):
    click_at(qtbot, window.views["target"], 2, 0.5, double=True)
    assert window.state.target.tolist() == [0.0, 0.0, 1.0]
    assert window.views["target"].viewport().findChild(QtWidgets.QLineEdit, "class_name_editor") is None


def test_ctrl_while_dragging_a_bar_snaps_it_to_round_values(qtbot):
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.views.editors import PredictionEditor

    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    holder = QtWidgets.QWidget()
    state = ExplorerState()
    editor = PredictionEditor(state)
    QtWidgets.QVBoxLayout(holder).addWidget(editor)
    qtbot.addWidget(holder)
    holder.resize(500, 360)
    holder.show()
    qtbot.waitExposed(holder)
    settle()
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
