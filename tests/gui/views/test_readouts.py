"""Readouts and the CE = H + KL bar: numbers against hand-worked values, ∞ and never NaN."""

from __future__ import annotations

import math

import pytest
from conftest import all_texts, drag_bar
from PySide6 import QtCore, QtWidgets


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


def test_seed_sample_1_by_hand(window):
    # y = [1, 0, 0], ŷ = [0.8, 0.1, 0.1]: CE = -log 0.8 = 0.223 (seed page), H = 0, KL = CE.
    r = window.readouts
    assert r.ce.value.text() == "0.223"
    assert r.entropy.value.text() == "0.000"
    assert r.kl.value.text() == "0.223"
    assert r.perplexity.value.text() == f"{1 / 0.8:.2f}"  # e^{-log 0.8} = 1.25
    assert r.ce.unit.text() == "nats"
    assert r.bar.ce == pytest.approx(-math.log(0.8))


def test_bits_switch_divides_by_log_2(window, qtbot):
    combo = window.controls.units
    combo.setFocus()
    qtbot.keyClick(combo, QtCore.Qt.Key.Key_Down)
    assert window.state.units == "bits"
    assert window.readouts.ce.value.text() == f"{-math.log2(0.8):.3f}"  # 0.322 bits
    assert window.readouts.ce.unit.text() == "bits"
    assert "2<sup>CE</sup>" in window.readouts.perplexity.title.text()
    assert window.readouts.perplexity.value.text() == "1.25"  # 2^{-log2 0.8} = 1/0.8 as well


def test_soft_target_decomposition(window):
    window.load_preset("soft-overconfident")
    y, p = [0.4, 0.3, 0.3], [0.8, 0.1, 0.1]
    ce = -sum(a * math.log(b) for a, b in zip(y, p, strict=True))
    h = -sum(a * math.log(a) for a in y)
    r = window.readouts
    assert r.ce.value.text() == f"{ce:.3f}" == "1.471"  # the seed page's 0.891 is a misprint
    assert r.entropy.value.text() == f"{h:.3f}"
    assert r.kl.value.text() == f"{ce - h:.3f}"
    assert r.bar.entropy == pytest.approx(h) and r.bar.kl == pytest.approx(ce - h)
    assert "1.471" in r.bar.toolTip()


def test_zero_probability_on_the_truth_shows_infinity_and_no_nan(window):
    window.load_preset("zero-probability")
    r = window.readouts
    assert r.ce.value.text() == "∞"
    assert r.kl.value.text() == "∞"
    assert r.perplexity.value.text() == "∞"
    assert r.entropy.value.text() == "0.000"
    assert "cat" in r.explanation.text() and "0" in r.explanation.text()
    c = window.views["contributions"]
    assert "∞" in c.label_texts()
    assert all(math.isfinite(v) for v in c.series["cross_entropy"].opts["height"])
    assert_no_nan_or_negative_zero(window)


def test_dragging_the_true_class_to_zero_gives_infinity(window, qtbot):
    drag_bar(qtbot, window.views["prediction"], 0, 0.8, -0.1)
    assert window.state.prediction[0] == 0.0
    assert window.readouts.ce.value.text() == "∞"
    assert_no_nan_or_negative_zero(window)


def test_no_nan_in_any_preset_in_any_unit(window):
    from ce_desktop.model import presets

    for p in presets.PRESETS:
        window.load_preset(p.name)
        for units in ("nats", "bits"):
            window.state.set_units(units)
            assert_no_nan_or_negative_zero(window)


def test_the_big_numbers_are_drawn_in_their_colour_on_an_opaque_backdrop(window, qtbot):
    """The readout numbers paint themselves (no style-sheet paint): the text is really drawn,
    in its quantity's colour, and the whole box is filled with the card's background."""
    from collections import Counter

    from PySide6 import QtGui

    from ce_desktop.gui import themes

    t = themes.LIGHT
    for readout, quantity in ((window.readouts.ce, "cross_entropy"), (window.readouts.kl, "kl_divergence")):
        label = readout.value
        assert label.testAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        img = label.grab().toImage()
        colours = Counter(QtGui.QColor(img.pixel(x, y)).name()
                          for x in range(img.width()) for y in range(img.height()))
        assert colours.most_common(1)[0][0] == t.background.lower()  # the backdrop
        assert colours[getattr(t, quantity).lower()] > 20  # the digits' solid strokes


def _ink_box(label):
    """Width and height of the pixels drawn in the label's text colour (its inked glyphs)."""
    from PySide6 import QtGui

    img = label.grab().toImage()
    ink = label.palette().color(label.foregroundRole()).name()
    xs, ys = [], []
    for y in range(img.height()):
        for x in range(img.width()):
            if QtGui.QColor(img.pixel(x, y)).name() == ink:
                xs.append(x)
                ys.append(y)
    return (max(xs) - min(xs) + 1, max(ys) - min(ys) + 1) if xs else (0, 0)


def test_an_infinite_loss_is_drawn_as_tall_as_the_digits(window, qtbot):
    """"∞" alone is drawn larger: in the app's fonts the sign is only as tall as a small
    letter, which next to big digits read as a smaller number."""
    from conftest import drag_bar

    r = window.readouts
    digits_height = _ink_box(r.entropy.value)[1]  # "0.000"
    drag_bar(qtbot, window.views["prediction"], 0, 0.8, -0.2)  # the true class to 0: CE = ∞
    assert r.ce.value.text() == "∞"
    width, height = _ink_box(r.ce.value)
    assert height >= 0.7 * digits_height
    assert width <= r.ce.value.width()  # and it fits its box
