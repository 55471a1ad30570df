"""Themes: WCAG contrast, the Okabe–Ito hues, and a live restyle of every view."""

from __future__ import annotations

import pytest

from ce_desktop.gui import themes
from ce_desktop.gui.themes import contrast_ratio

QUANTITIES = ("target", "prediction", "cross_entropy", "entropy", "kl_divergence", "gradient")


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#123456", "#123456") == pytest.approx(1.0)
    # #767676 on white is the well-known lightest grey that passes AA (4.54:1).
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#FFFFFF") < 4.5


def test_projector_theme_meets_wcag_aa():
    t = themes.PROJECTOR
    assert t.background.upper() == "#FFFFFF"
    assert contrast_ratio(t.foreground, t.background) >= 4.5
    assert contrast_ratio(t.muted, t.background) >= 4.5
    for q in QUANTITIES:
        # Text in these colours (the readouts) needs 4.5:1; graphics need 3:1.
        assert contrast_ratio(getattr(t, q), t.background) >= 4.5, q
    assert t.bar_pen_width >= 2 * themes.LIGHT.bar_pen_width
    assert t.font_scale > 1


@pytest.mark.parametrize("name", ["light", "dark", "projector"])
def test_every_theme_has_readable_text_and_distinct_colours(name):
    t = themes.get(name)
    assert contrast_ratio(t.foreground, t.background) >= 4.5
    colours = {getattr(t, q).upper() for q in QUANTITIES}
    assert len(colours) == len(QUANTITIES)
    for q in QUANTITIES:
        assert contrast_ratio(getattr(t, q), t.background) >= 2.0, q


def test_light_theme_uses_okabe_ito_hues():
    palette = {c.upper() for c in themes.OKABE_ITO.values()}
    for q in ("target", "prediction", "cross_entropy", "entropy", "kl_divergence"):
        assert getattr(themes.LIGHT, q).upper() in palette


def test_unknown_theme_names_the_valid_ones():
    with pytest.raises(KeyError, match="projector"):
        themes.get("neon")


@pytest.mark.parametrize("name", ["dark", "projector"])
def test_switching_theme_restyles_every_plot_without_recomputing(window, name):
    s = window.state
    revision, evaluation = s.revision, s.evaluation
    target_bars = window.views["target"].bars
    pred_bars = window.views["prediction"].bars
    kl_bars = window.views["contributions"].series["kl_divergence"]
    before = (target_bars.opts["brush"].color().name(), pred_bars.opts["pen"].widthF(),
              kl_bars.opts["brush"].color().name(), window.views["gradient"].backgroundBrush().color().name())
    window.set_theme(name)
    t = window.theme
    after = (target_bars.opts["brush"].color().name(), pred_bars.opts["pen"].widthF(),
             kl_bars.opts["brush"].color().name(), window.views["gradient"].backgroundBrush().color().name())
    assert target_bars.opts["brush"].color().name().lower() == t.target.lower()
    assert kl_bars.opts["brush"].color().name().lower() == t.kl_divergence.lower()
    assert pred_bars.opts["pen"].widthF() == pytest.approx(t.bar_pen_width)
    assert after != before
    assert t.kl_divergence in window.readouts.kl.value.styleSheet()
    # Restyle only: the state did not change and nothing was recomputed.
    assert s.revision == revision and s.evaluation is evaluation


def test_font_scale_grows_readouts(window):
    size = lambda: int(window.readouts.ce.value.styleSheet().split("font-size:")[1].split("px")[0])  # noqa: E731
    before = size()
    window.set_font_scale(200)
    assert size() == pytest.approx(2 * before, abs=1)
