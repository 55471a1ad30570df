"""Per-class terms and the gradient bars, against hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest


def test_kl_term_can_be_negative_and_legend_says_so(window):
    window.load_preset("soft-overconfident")
    c = window.views["contributions"]
    y, p = [0.4, 0.3, 0.3], [0.8, 0.1, 0.1]
    kl = c.series["kl_divergence"].opts["height"]
    assert kl[0] == pytest.approx(0.4 * math.log(0.4 / 0.8))
    assert kl[0] < 0
    ce = c.series["cross_entropy"].opts["height"]
    h = c.series["entropy"].opts["height"]
    for i in range(3):
        assert ce[i] == pytest.approx(-y[i] * math.log(p[i]))
        assert h[i] == pytest.approx(-y[i] * math.log(y[i]))
    assert "can be &lt; 0" in c.legend_html()
    c._on_hovered("kl_divergence", 0)
    assert "negative" in c.series["kl_divergence"].toolTip()
    # Negative value labels sit below their bar.
    assert "-0.28" in c.label_texts()


def test_gradient_bars_are_prediction_minus_target(window):
    g = window.views["gradient"]
    assert np.allclose(g.bars.opts["height"], [0.8 - 1, 0.1, 0.1])
    assert g.label_texts() == ["-0.20", "+0.10", "+0.10"]
    g._on_hovered(0)
    assert "raises its logit" in g.bars.toolTip()


def test_gradient_divides_by_temperature(window):
    window.load_preset("logits")
    window.state.set_temperature(2.0)
    g = window.views["gradient"]
    z = np.array([2.0, 1.0, 0.1]) / 2.0
    p = np.exp(z) / np.exp(z).sum()
    assert np.allclose(g.bars.opts["height"], (p - [1, 0, 0]) / 2.0)
    assert "(ŷ − y)/T" in g.getPlotItem().titleLabel.text


def test_infinite_terms_are_drawn_finite_with_an_infinity_label(window):
    window.load_preset("zero-probability")
    c = window.views["contributions"]
    for item in c.series.values():
        assert np.all(np.isfinite(item.opts["height"]))
    top = c.getPlotItem().getViewBox().viewRange()[1][1]
    assert c.series["cross_entropy"].opts["height"][0] == pytest.approx(top / c.headroom(2))
    assert c.series["cross_entropy"].opts["height"][0] >= 0.5 * top
    assert c.label_texts().count("∞") == 2  # the CE and KL terms of "cat"
