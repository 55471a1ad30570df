"""The live calculation: the seed page's worked examples, written out with current numbers."""

from __future__ import annotations

import pytest


@pytest.fixture
def formula(window, qtbot):
    window.tabs.setCurrentIndex(1)
    f = window.views["formula"]
    qtbot.waitUntil(f.isVisible)
    return f


def test_sample_1_hard_label(formula, window):
    text = formula.toPlainText()
    # −[1·log(0.8) + 0·log(0.1) + 0·log(0.1)] = −log(0.8) = 0.223, as on the seed page.
    assert "−[1·log(0.8) + 0·log(0.1) + 0·log(0.1)]" in text
    assert "= −log(0.8)" in text
    assert "= 0.223 nats" in text
    # The y_i = 0 terms are shown as dropped (struck through).
    html = formula.toHtml()
    assert html.count("line-through") >= 2
    assert "drop out" in text


def test_sample_6_soft_label_fills_in_the_logs(formula, window):
    window.load_preset("soft-close-match")
    text = formula.toPlainText()
    assert "−[0.7·log(0.6) + 0.2·log(0.3) + 0.1·log(0.1)]" in text
    # The seed page's second line: −[0.7(−0.511) + 0.2(−1.204) + 0.1(−2.303)] = 0.829.
    assert "−[0.7(−0.511) + 0.2(−1.204) + 0.1(−2.303)]" in text
    assert "= 0.829 nats" in text


def test_formula_follows_a_drag_and_bits(formula, window, qtbot):
    window.state.set_prediction_value(0, 0.5)
    assert "−log(0.5)" in formula.toPlainText()
    assert "0.693" in formula.toPlainText()
    window.state.set_units("bits")
    text = formula.toPlainText()
    assert "log₂(0.5)" in text
    assert "= 1.000 bits" in text  # −log₂ 0.5 = 1 bit


def test_infinite_case_is_explained(formula, window):
    window.load_preset("zero-probability")
    text = formula.toPlainText()
    assert "= ∞ nats" in text
    assert "log(0) = −∞" in text and "cat" in text
    assert "nan" not in text.lower().replace("nats", "")


def test_many_classes_count_the_dropped_terms(formula, window):
    window.load_preset("ten-digits")
    text = formula.toPlainText()
    assert "(+ 9 terms with y = 0, dropped)" in text


def test_hidden_formula_is_refreshed_when_shown(window, qtbot):
    window.tabs.setCurrentIndex(0)
    f = window.views["formula"]
    window.state.set_prediction_value(0, 0.25)
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(f.isVisible)
    assert "−log(0.25)" in f.toPlainText()
