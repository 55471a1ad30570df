"""Per-class terms and the gradient bars, each view alone on its state, against hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import hover_at, show_view

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.contributions import ContributionPlot
from ce_desktop.gui.views.gradient import GradientPlot
from ce_desktop.model import presets

SIZE = (480, 220)  # about what each has at the window's 1280 × 720


def shown(qtbot, view_class, preset=None, size=SIZE):
    state = ExplorerState(presets.get(preset).scenario() if preset else None)
    return state, show_view(qtbot, view_class(state), size)


def test_kl_term_can_be_negative_and_legend_says_so(qtbot):
    _state, c = shown(qtbot, ContributionPlot, "soft-overconfident")
    y, p = [0.4, 0.3, 0.3], [0.8, 0.1, 0.1]
    kl = c.series["kl_divergence"].values()
    assert kl[0] == pytest.approx(0.4 * math.log(0.4 / 0.8))
    assert kl[0] < 0
    ce = c.series["cross_entropy"].values()
    h = c.series["entropy"].values()
    for i in range(3):
        assert ce[i] == pytest.approx(-y[i] * math.log(p[i]))
        assert h[i] == pytest.approx(-y[i] * math.log(y[i]))
    assert "can be &lt; 0" in c.legend_html()
    assert "can be &lt; 0" in c.getPlotItem().titleLabel.text  # the legend is in the title
    # The pointer over cat's KL bar (hanging below 0): its tooltip says a term can be negative.
    hover_at(c, 0 + 0.28, kl[0] / 2)
    assert "negative" in c.series["kl_divergence"].toolTip()
    assert "cat" in c.series["kl_divergence"].toolTip()
    # Negative value labels sit below their bar.
    assert "-0.28" in c.label_texts()


def test_gradient_bars_are_prediction_minus_target(qtbot):
    _state, g = shown(qtbot, GradientPlot, size=(480, 220))
    assert np.allclose(g.bars.values(), [0.8 - 1, 0.1, 0.1])
    assert g.label_texts() == ["-0.20", "+0.10", "+0.10"]
    assert g.shown_labels() == ["-0.20", "+0.10", "+0.10"]
    hover_at(g, 0, -0.1)  # on cat's bar, below 0
    assert "raises its logit" in g.bars.toolTip() and g.bars.toolTip().startswith("cat")
    hover_at(g, 1, 0.05)
    assert "lowers its logit" in g.bars.toolTip() and g.bars.toolTip().startswith("dog")


def test_gradient_divides_by_temperature(qtbot):
    state, g = shown(qtbot, GradientPlot, "logits")
    state.set_temperature(2.0)
    z = np.array([2.0, 1.0, 0.1]) / 2.0
    p = np.exp(z) / np.exp(z).sum()
    assert np.allclose(g.bars.values(), (p - [1, 0, 0]) / 2.0)
    assert "(ŷ − y)/T" in g.getPlotItem().titleLabel.text


def test_infinite_terms_are_drawn_finite_with_an_infinity_label(qtbot):
    _state, c = shown(qtbot, ContributionPlot, "zero-probability")
    for item in c.series.values():
        assert np.all(np.isfinite(item.values()))
    top = c.getPlotItem().getViewBox().viewRange()[1][1]
    assert c.series["cross_entropy"].values()[0] == pytest.approx(top / c.headroom(2))
    assert c.series["cross_entropy"].values()[0] >= 0.5 * top
    assert c.label_texts().count("∞") == 2  # the CE and KL terms of "cat"
    assert c.shown_labels().count("∞") == 2  # and both are drawn
