"""The live calculation alone on its state: the seed page's worked examples, written out with current numbers."""

from __future__ import annotations

import pytest
from conftest import settle, show_view

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.formula import FormulaView
from ce_desktop.model import presets


@pytest.fixture
def state():
    return ExplorerState()


@pytest.fixture
def formula(state, qtbot):
    return show_view(qtbot, FormulaView(state), (740, 220))


def test_sample_1_hard_label(formula):
    text = formula.toPlainText()
    # −[1·log(0.8) + 0·log(0.1) + 0·log(0.1)] = −log(0.8) = 0.223, as on the seed page.
    assert "−[1·log(0.8) + 0·log(0.1) + 0·log(0.1)]" in text
    assert "= −log(0.8)" in text
    assert "= 0.223 nats" in text
    # The y_i = 0 terms are shown as dropped (struck through).
    html = formula.toHtml()
    assert html.count("line-through") >= 2
    assert "drop out" in text


def test_sample_6_soft_label_fills_in_the_logs(formula, state):
    state.load(presets.get("soft-close-match").scenario())
    text = formula.toPlainText()
    assert "−[0.7·log(0.6) + 0.2·log(0.3) + 0.1·log(0.1)]" in text
    # The seed page's second line: −[0.7(−0.511) + 0.2(−1.204) + 0.1(−2.303)] = 0.829.
    assert "−[0.7(−0.511) + 0.2(−1.204) + 0.1(−2.303)]" in text
    assert "= 0.829 nats" in text


def test_formula_follows_a_drag_and_bits(formula, state):
    state.set_prediction_value(0, 0.5)
    assert "−log(0.5)" in formula.toPlainText()
    assert "0.693" in formula.toPlainText()
    state.set_units("bits")
    text = formula.toPlainText()
    assert "log₂(0.5)" in text
    assert "= 1.000 bits" in text  # −log₂ 0.5 = 1 bit


def test_infinite_case_is_explained(formula, state):
    state.load(presets.get("zero-probability").scenario())
    text = formula.toPlainText()
    assert "= ∞ nats" in text
    assert "log(0) = −∞" in text and "cat" in text
    assert "nan" not in text.lower().replace("nats", "")


def test_many_classes_count_the_dropped_terms(formula, state):
    state.load(presets.get("ten-digits").scenario())
    text = formula.toPlainText()
    assert "(+ 9 terms with y = 0, dropped)" in text


def test_hidden_formula_is_refreshed_when_shown(formula, state, qtbot):
    formula.hide()  # as in a tab that is not the current one
    state.set_prediction_value(0, 0.25)
    settle()
    assert "−log(0.25)" not in formula.toPlainText()  # a hidden view does no work ...
    formula.show()
    qtbot.waitUntil(formula.isVisible)
    assert "−log(0.25)" in formula.toPlainText()  # ... and catches up once shown
