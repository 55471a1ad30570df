"""Plot ranges follow the data shown (hysteresis only during a gesture), and numbers use
formatting's one rule per kind of quantity (issue 15, defects 9 and 11)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import settle, show_view
from PySide6 import QtWidgets

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.contributions import ContributionPlot
from ce_desktop.gui.views.editors import PredictionEditor
from ce_desktop.gui.views.gradient import GradientPlot
from ce_desktop.gui.views.readouts import ReadoutPanel
from ce_desktop.model import presets
from ce_desktop.model.scenario import Scenario


def _shown(qtbot, widget, size=(640, 360)):
    return show_view(qtbot, widget, size)


def test_per_class_axis_follows_the_preset_shown(qtbot):
    state = ExplorerState()
    plot = _shown(qtbot, ContributionPlot(state))
    state.load(presets.get("excellent").scenario())
    settle()
    fresh = plot.getPlotItem().viewRange()[1]
    state.load(presets.get("confident-and-wrong").scenario())
    settle()
    # −log 0.05 ≈ 3.0 (seed sample 3): the axis grows past it.
    assert plot.getPlotItem().viewRange()[1][1] > 3.0
    state.load(presets.get("excellent").scenario())
    settle()
    after = plot.getPlotItem().viewRange()[1]
    # The CE term of "Excellent" is −log 0.99 ≈ 0.01: the same axis as when it came first, not 0–4.
    assert after == pytest.approx(fresh)
    assert after[1] < 2.0


def test_decomposition_bar_draws_one_state_at_one_width_before_and_after_undo(qtbot):
    state = ExplorerState()
    panel = _shown(qtbot, ReadoutPanel(state), (640, 240))
    before = panel.bar.scale
    state.load(presets.get("confident-and-wrong").scenario())
    settle()
    assert panel.bar.scale > before
    state.undo()
    settle()
    assert panel.bar.scale == pytest.approx(before)


def test_range_holds_during_a_drag_and_refits_after(qtbot):
    state = ExplorerState(Scenario.create((1.0, 0.0, 0.0), (1 / 3, 1 / 3, 1 / 3)))
    editor = _shown(qtbot, PredictionEditor(state))
    contributions = _shown(qtbot, ContributionPlot(state))
    start = contributions.getPlotItem().viewRange()[1]
    state.begin("Drag prediction: cat")
    state.set_prediction_value(0, 0.98, "Drag prediction: cat")
    settle()
    # While the gesture lasts the axis stays (the term shrank from log 3 to ~0.02).
    assert contributions.getPlotItem().viewRange()[1] == pytest.approx(start)
    state.commit()
    settle()
    assert contributions.getPlotItem().viewRange()[1][1] < start[1]
    del editor


def test_gradient_labels_at_ten_classes_sum_to_zero_and_say_nats(qtbot):
    # One-hot target on class 1, ŷ = 0.7 there and 0.3/9 on each of the nine others:
    # ∂CE/∂z = ŷ − y = (−0.3, 0.0333, ..., 0.0333), which sums to 0.
    y = (1.0,) + (0.0,) * 9
    p = (0.7,) + (0.3 / 9,) * 9
    state = ExplorerState(Scenario.create(y, p))
    state.set_units("bits")
    plot = _shown(qtbot, GradientPlot(state), (1100, 400))
    texts = plot.label_texts()
    assert len(texts) == 10
    values = [float(t) for t in texts]
    assert texts[0] == "-0.30"
    assert all(v > 0 for v in values[1:])  # none reads "0.0": every logit but the first moves
    assert round(sum(values), 2) == 0.0
    assert all(abs(v - g) < 0.01 for v, g in zip(values, np.subtract(p, y), strict=True))
    assert "(nats)" in plot.getPlotItem().titleLabel.text


def test_readouts_use_the_loss_and_perplexity_rules(qtbot):
    # KL of ŷ very close to y is tiny but not zero: "< 0.001", never 4.792e-05 or 0.000.
    y = (0.5, 0.5)
    p = (0.505, 0.495)
    state = ExplorerState(Scenario.create(y, p))
    panel = _shown(qtbot, ReadoutPanel(state), (640, 240))
    assert panel.kl.value.text() == "< 0.001"
    texts = " ".join(panel.texts())
    assert "e-0" not in texts and "e+" not in texts
    n = 1000
    y = np.zeros(n)
    y[0] = 1.0
    p = np.full(n, 1.0 / n)
    state.load(Scenario.create(tuple(y), tuple(p)))
    settle()
    assert panel.perplexity.value.text() == "1,000"


def test_calculation_shows_ce_minus_h_so_that_it_holds(qtbot):
    import re

    from ce_desktop.gui.views.formula import FormulaView
    # A soft target and a ŷ at which CE, H and KL rounded to 3 decimals break CE − H = KL.
    for a in np.linspace(0.80, 0.99, 400):
        state = ExplorerState(Scenario.create((0.95, 0.05), (a, 1 - a)))
        ev = state.evaluation
        r = [round(v, 3) for v in (ev.cross_entropy, ev.entropy, ev.kl_divergence)]
        if abs(r[0] - r[1] - r[2]) > 1e-9:
            break
    else:
        pytest.fail("no case found")
    view = FormulaView(state)
    qtbot.addWidget(view)
    text = QtWidgets.QLabel(view.html()).text()
    plain = re.sub("<[^>]+>", "", text)
    m = re.search(r"= CE − H = ([0-9.]+) − ([0-9.]+) = ([0-9.]+)", plain)
    assert m, plain
    ce, h, kl = (float(g) for g in m.groups())
    assert ce - h == pytest.approx(kl, abs=1e-9)
    assert "more decimals" in plain


def test_the_h_label_of_a_hard_target_is_inside_the_plot(qtbot):
    # H(y) = 0 puts the floor line on the bottom edge; its label sits above the line, not below
    # it where the axis clipped it.
    from ce_desktop.gui.descent import DescentController
    from ce_desktop.gui.views.trajectory import TrajectoryPlot
    state = ExplorerState()
    controller = DescentController(state)
    plot = _shown(qtbot, TrajectoryPlot(state, controller), (800, 300))
    assert plot.floor.value() == 0.0
    label = plot.floor.label
    view_rect = plot.plot.getPlotItem().getViewBox().sceneBoundingRect()
    box = label.sceneBoundingRect()
    assert label.isVisible() and "H(y) = 0.000" in label.toPlainText()
    assert view_rect.top() <= box.top() and box.bottom() <= view_rect.bottom() + 1


@pytest.mark.parametrize("width", [320, 900])
def test_the_gradient_title_is_never_cut_at_the_plot_edge(qtbot, width):
    """Presentation at 1280×720 showed "Gradient ŷ − y (nat": a narrow plot shows the short title."""
    from PySide6 import QtGui

    from ce_desktop.gui import themes

    state = ExplorerState(presets.get("good-prediction").scenario())
    plot = GradientPlot(state)
    plot.apply_theme(themes.get("projector").scaled(1.5))  # 150 % text
    _shown(qtbot, plot, (width, 360))
    html = plot.getPlotItem().titleLabel.text
    text = QtGui.QTextDocumentFragment.fromHtml(html).toPlainText()
    font = QtGui.QFont()
    font.setPixelSize(plot.theme.font_px(15))
    font.setBold(True)
    assert QtGui.QFontMetrics(font).horizontalAdvance(text) <= plot.width()
    assert "ŷ − y" in text and "nats" in text  # the short form still says what it is
    assert text.startswith("■ Gradient") == (width == 900)
