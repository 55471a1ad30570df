"""The views together in the real window: one change reaches every view that shows it, the
window's own pixels stay true after partial repaints, no text anywhere shows NaN, and what a
view says (a refused edit) reaches the status bar.

Each view alone is tested under tests/gui/views/ (its state and that one view); what is here
is the interplay, which only the whole window has.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import (
    LEFT,
    NO_BUTTON,
    _send,
    all_texts,
    class_name_editor,
    data_to_viewport,
    double_click_class_name,
    drag_bar,
    held_drag,
    hold_descent_clock,
    play_frames,
    settle,
    type_into_cell,
)
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.model import presets

K = QtCore.Qt.Key
PIXEL = 0.02  # one or two pixels of a ~250-pixel-high plot, in probability units


def assert_no_nan_or_negative_zero(window):
    # Show every tab so that the lazily refreshed views hold current text.
    for k in range(window.tabs.count()):
        window.tabs.setCurrentIndex(k)
        QtWidgets.QApplication.processEvents()
    texts = all_texts(window)
    assert texts
    for t in texts:
        assert "nan" not in t.lower().replace("nats", ""), t
        assert "-0.000" not in t and "−0.000" not in t, t


def test_a_drag_on_the_prediction_editor_reaches_every_view(window, qtbot):
    s = window.state
    drag_bar(qtbot, window.views["prediction"], 1, 0.1, 0.6)
    p = s.prediction
    assert p[1] == pytest.approx(0.6, abs=PIXEL)
    ce = -math.log(p[0])  # y = cat, by hand
    assert window.readouts.ce.value.text() == f"{ce:.3f}"
    contrib = window.views["contributions"].series["cross_entropy"].values()
    assert contrib[0] == pytest.approx(-math.log(p[0]))
    assert np.allclose(window.views["gradient"].bars.values(), p - s.target)
    assert len(s.history) == 1


def test_accessible_descriptions_follow_a_drag_once_it_ends(window, qtbot):
    """Descriptions spell out every class's number; they are written once the drag's step is
    committed (not on every move), and then name the values the drag left, in every view."""
    s = window.state
    plot = window.views["prediction"]
    gradient = window.views["gradient"]
    before = plot.accessibleDescription()
    assert "dog 0.100" in before
    with held_drag(plot, 1, 0.1, 0.5, steps=4):
        assert s.prediction[1] == pytest.approx(0.5, abs=PIXEL)  # the drag moved the bar ...
        assert plot.accessibleDescription() == before  # ... but mid-drag the text is left alone
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
    image = window.grab().toImage() if fresh else window.screen().grabWindow(window.winId()).toImage()
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.array(np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1))


def test_partial_repaints_leave_no_stale_pixels(window, qtbot, monkeypatch):
    """Views repaint only what changed (their items, the opaque numbers). After drags in both
    modes and a descent run, what is on screen equals a full repaint, pixel for pixel."""
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


def test_zero_probability_on_the_truth_shows_infinity_and_no_nan_anywhere(window):
    window.load_preset("zero-probability")
    assert window.readouts.ce.value.text() == "∞"
    c = window.views["contributions"]
    assert "∞" in c.label_texts()
    assert all(math.isfinite(v) for v in c.series["cross_entropy"].values())
    assert_no_nan_or_negative_zero(window)


def test_dragging_the_true_class_to_zero_gives_infinity_and_no_nan_anywhere(window, qtbot):
    drag_bar(qtbot, window.views["prediction"], 0, 0.8, -0.1)
    assert window.state.prediction[0] == 0.0
    assert window.readouts.ce.value.text() == "∞"
    assert_no_nan_or_negative_zero(window)


def test_no_nan_anywhere_in_any_preset_in_any_unit(window):
    for p in presets.PRESETS:
        window.load_preset(p.name)
        for units in ("nats", "bits"):
            window.state.set_units(units)
            assert_no_nan_or_negative_zero(window)


def test_a_class_count_typed_in_the_controls_reaches_every_bar_plot(window, qtbot):
    spin = window.controls.classes
    spin.selectAll()
    qtbot.keyClicks(spin, "20")
    qtbot.keyClick(spin, K.Key_Return)
    for name in ("target", "prediction", "gradient"):
        assert len(window.views[name].bars.values()) == 20
    assert window.views["prediction"].shown_labels() == []  # past 12 classes, no labels


def test_a_refused_entry_in_the_table_is_said_in_the_status_bar(window, qtbot):
    from ce_desktop.gui.views.table import COL_Y

    window.tabs.setCurrentIndex(2)
    table = window.views["table"]
    qtbot.waitUntil(table.isVisible)
    type_into_cell(qtbot, table, 1, COL_Y, "abc")
    assert "not changed" in window.statusBar().currentMessage()


def test_renaming_a_class_on_an_axis_keeps_space_from_the_window_and_says_a_refusal(window, qtbot):
    """The space typed into the name is text, not Play (the window's Space shortcut); an
    empty name is refused in the status bar."""
    plot = window.views["prediction"]
    double_click_class_name(qtbot, plot, 1)
    qtbot.keyClicks(class_name_editor(plot), "wolf cub")
    qtbot.keyClick(class_name_editor(plot), K.Key_Return)
    assert window.state.class_names[1] == "wolf cub"
    assert not window.descent.playing and window.descent.run is None
    qtbot.waitUntil(lambda: class_name_editor(plot) is None)
    double_click_class_name(qtbot, plot, 2)
    editor = class_name_editor(plot)
    qtbot.keyClick(editor, K.Key_Delete)
    qtbot.keyClicks(editor, "   ")
    qtbot.keyClick(editor, K.Key_Return)
    assert window.state.class_names[2] == "bird"
    assert "not changed" in window.statusBar().currentMessage() and "empty" in window.statusBar().currentMessage()
