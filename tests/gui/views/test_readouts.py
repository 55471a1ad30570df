"""The readouts and the CE = H + KL bar alone on their state: numbers against hand-worked values, ∞ and never NaN."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from conftest import show_view
from PySide6 import QtCore, QtGui
from scipy import special

from ce_desktop.gui import themes
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.readouts import ReadoutPanel
from ce_desktop.model import presets

SIZE = (740, 150)  # about what the panel has at the window's 1280 × 720


@pytest.fixture
def state():
    return ExplorerState()


@pytest.fixture
def panel(state, qtbot):
    return show_view(qtbot, ReadoutPanel(state), SIZE)


def assert_no_nan_or_negative_zero(panel):
    texts = panel.texts() + [panel.bar.toolTip(), panel.accessibleDescription()]
    assert any(texts)
    for t in texts:
        assert "nan" not in t.lower().replace("nats", ""), t
        assert "-0.000" not in t and "−0.000" not in t, t


def drag_prediction_to(state, index: int, value: float) -> None:
    """What a drag of a prediction bar does to the state: one gesture, then its end."""
    label = f"Drag prediction: {state.class_names[index]}"
    state.begin(label)
    state.set_prediction_value(index, value, label)
    state.commit()


def test_seed_sample_1_by_hand(panel):
    # y = [1, 0, 0], ŷ = [0.8, 0.1, 0.1]: CE = -log 0.8 = 0.223 (seed page), H = 0, KL = CE.
    assert panel.ce.value.text() == "0.223"
    assert panel.entropy.value.text() == "0.000"
    assert panel.kl.value.text() == "0.223"
    assert panel.perplexity.value.text() == f"{1 / 0.8:.2f}"  # e^{-log 0.8} = 1.25
    assert panel.ce.unit.text() == "nats"
    assert panel.bar.ce == pytest.approx(-math.log(0.8))


def test_bits_divide_by_log_2(panel, state):
    state.set_units("bits")
    assert panel.ce.value.text() == f"{-math.log2(0.8):.3f}"  # 0.322 bits
    assert panel.ce.unit.text() == "bits"
    assert "2<sup>CE</sup>" in panel.perplexity.title.text()
    assert panel.perplexity.value.text() == "1.25"  # 2^{-log2 0.8} = 1/0.8 as well


def test_logits_over_a_temperature(panel, state):
    state.load(presets.get("logits").scenario())
    state.set_temperature(2.0)
    z = np.array([2.0, 1.0, 0.1])
    ce = -float(np.dot(state.target, special.log_softmax(z / 2.0)))
    assert panel.ce.value.text() == f"{ce:.3f}"


def test_soft_target_decomposition(panel, state):
    state.load(presets.get("soft-overconfident").scenario())
    y, p = [0.4, 0.3, 0.3], [0.8, 0.1, 0.1]
    ce = -sum(a * math.log(b) for a, b in zip(y, p, strict=True))
    h = -sum(a * math.log(a) for a in y)
    assert panel.ce.value.text() == f"{ce:.3f}" == "1.471"  # the seed page's 0.891 is a misprint
    assert panel.entropy.value.text() == f"{h:.3f}"
    assert panel.kl.value.text() == f"{ce - h:.3f}"
    assert panel.bar.entropy == pytest.approx(h) and panel.bar.kl == pytest.approx(ce - h)
    assert "1.471" in panel.bar.toolTip()


def test_zero_probability_on_the_truth_shows_infinity_and_no_nan(panel, state):
    state.load(presets.get("zero-probability").scenario())
    assert panel.ce.value.text() == "∞"
    assert panel.kl.value.text() == "∞"
    assert panel.perplexity.value.text() == "∞"
    assert panel.entropy.value.text() == "0.000"
    assert "cat" in panel.explanation.text() and "0" in panel.explanation.text()
    assert_no_nan_or_negative_zero(panel)


def test_dragging_the_true_class_to_zero_gives_infinity(panel, state):
    drag_prediction_to(state, 0, 0.0)
    assert panel.ce.value.text() == "∞"
    assert "−log 0 = ∞" in panel.explanation.text()
    assert_no_nan_or_negative_zero(panel)


def test_no_nan_in_any_preset_in_any_unit(panel, state):
    for p in presets.PRESETS:
        state.load(p.scenario())
        for units in ("nats", "bits"):
            state.set_units(units)
            assert_no_nan_or_negative_zero(panel)


def test_the_big_numbers_are_drawn_in_their_colour_on_an_opaque_backdrop(panel):
    """The readout numbers paint themselves (no style-sheet paint): the text is really drawn,
    in its quantity's colour, and the whole box is filled with the card's background."""
    t = themes.LIGHT
    for readout, quantity in ((panel.ce, "cross_entropy"), (panel.kl, "kl_divergence")):
        label = readout.value
        assert label.testAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        img = label.grab().toImage()
        colours = Counter(QtGui.QColor(img.pixel(x, y)).name()
                          for x in range(img.width()) for y in range(img.height()))
        assert colours.most_common(1)[0][0] == t.background.lower()  # the backdrop
        assert colours[getattr(t, quantity).lower()] > 20  # the digits' solid strokes


def _ink_box(label):
    """Width and height of the pixels drawn in the label's text colour (its inked glyphs)."""
    img = label.grab().toImage()
    ink = label.palette().color(label.foregroundRole()).name()
    xs, ys = [], []
    for y in range(img.height()):
        for x in range(img.width()):
            if QtGui.QColor(img.pixel(x, y)).name() == ink:
                xs.append(x)
                ys.append(y)
    return (max(xs) - min(xs) + 1, max(ys) - min(ys) + 1) if xs else (0, 0)


def test_an_infinite_loss_is_drawn_as_tall_as_the_digits(panel, state):
    """"∞" alone is drawn larger: in the app's fonts the sign is only as tall as a small
    letter, which next to big digits read as a smaller number."""
    digits_height = _ink_box(panel.entropy.value)[1]  # "0.000"
    drag_prediction_to(state, 0, 0.0)  # the true class to 0: CE = ∞
    assert panel.ce.value.text() == "∞"
    width, height = _ink_box(panel.ce.value)
    assert height >= 0.7 * digits_height
    assert width <= panel.ce.value.width()  # and it fits its box
