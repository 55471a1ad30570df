"""CE vs squared error vs focal loss: binary.true_class_losses checked independently, and the view on top of it."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from conftest import settle
from PySide6 import QtCore, QtGui, QtWidgets
from scipy.special import expit

from ce_desktop.gui import themes
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.binary_view import data_to_viewport
from ce_desktop.gui.views.loss_comparison import Q_GRID, LossComparison
from ce_desktop.model import binary
from ce_desktop.model.scenario import Scenario

pg.setConfigOption("mouseRateLimit", -1)
T = QtCore.QEvent.Type
LEFT, NONE = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.NoButton


def brier_two_class(q: float) -> float:
    """Brier score of the prediction (q, 1 - q) against the one-hot target (1, 0): sum of squared errors."""
    return (q - 1.0) ** 2 + ((1.0 - q) - 0.0) ** 2


def focal(q: float, gamma: float) -> float:
    return -((1.0 - q) ** gamma) * math.log(q)


def d_ds(f, q: float, h: float = 1e-6) -> float:
    """Derivative of f(sigmoid(s)) with respect to the logit s at q = sigmoid(s), by central differences."""
    s = math.log(q / (1.0 - q))
    return (f(expit(s + h)) - f(expit(s - h))) / (2 * h)


# --------------------------------------------------------------------------- the core function


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("q", [0.001, 0.05, 0.3, 0.5, 0.9, 0.999])
def test_true_class_losses_against_definitions_and_finite_differences(q, gamma):
    out = {k: float(v) for k, v in binary.true_class_losses(q, gamma).items()}
    assert out["cross_entropy"] == pytest.approx(-math.log(q), rel=1e-12)
    assert out["squared_error"] == pytest.approx(brier_two_class(q), rel=1e-12)
    assert out["focal"] == pytest.approx(focal(q, gamma), rel=1e-12)
    assert out["cross_entropy_grad"] == pytest.approx(d_ds(lambda v: -math.log(v), q), abs=1e-6)
    assert out["squared_error_grad"] == pytest.approx(d_ds(brier_two_class, q), abs=1e-6)
    assert out["focal_grad"] == pytest.approx(d_ds(lambda v: focal(v, gamma), q), abs=1e-6)


def test_confidently_wrong_cross_entropy_still_pushes_while_squared_error_stalls():
    out = binary.true_class_losses(np.array([1e-4, 0.01]))
    assert np.all(np.abs(out["cross_entropy_grad"]) > 0.98)
    assert np.all(np.abs(out["squared_error_grad"]) < 0.04)


def test_true_class_losses_at_the_ends():
    at0 = {k: float(v) for k, v in binary.true_class_losses(0.0, 2.0).items()}
    assert at0["cross_entropy"] == math.inf and at0["focal"] == math.inf
    assert at0["squared_error"] == 2.0
    # The gradients' limits as q -> 0: CE -(1 - q) -> -1; SE -4 (1 - q)^2 q -> 0; focal -> -1.
    assert (at0["cross_entropy_grad"], at0["squared_error_grad"], at0["focal_grad"]) == (-1.0, 0.0, -1.0)
    assert d_ds(lambda v: focal(v, 2.0), 1e-9) == pytest.approx(-1.0, abs=1e-6)
    at1 = binary.true_class_losses(1.0, 2.0)
    for key, v in at1.items():
        assert float(v) == 0.0 and math.copysign(1.0, float(v)) == 1.0, key  # 0.0, never -0.0


@pytest.mark.parametrize("gamma", [-1.0, float("nan"), float("inf"), "two", None])
def test_true_class_losses_refuses_a_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma must be"):
        binary.true_class_losses(0.5, gamma)


# --------------------------------------------------------------------------- the view


@pytest.fixture
def make(qtbot):
    def _make(target=(1.0, 0.0, 0.0), prediction=(0.1, 0.45, 0.45)):
        state = ExplorerState(Scenario.create(list(target), list(prediction), class_names=("cat", "dog", "bird")))
        view = LossComparison(state)
        qtbot.addWidget(view)
        view.resize(820, 480)
        view.show()
        qtbot.waitExposed(view)
        return state, view
    return _make


def test_the_view_shows_the_three_losses_of_the_true_class_probability(make):
    state, view = make(target=(0.0, 1.0, 0.0), prediction=(0.5, 0.2, 0.3))
    assert view.true_class == 1 and view.q == pytest.approx(0.2)
    v = view.values()
    assert v["cross_entropy"] == pytest.approx(-math.log(0.2), rel=1e-12)
    assert v["squared_error"] == pytest.approx(2 * 0.8**2, rel=1e-12)
    assert v["focal"] == pytest.approx(0.64 * -math.log(0.2), rel=1e-12)
    text = view.table.text()
    for value in (-math.log(0.2), 1.28, 0.64 * -math.log(0.2), 0.8, 4 * 0.8**2 * 0.2):
        assert f"{value:.3f}" in text
    # The curves are the formulas on the grid, the gradients their sizes.
    _, ce = view.loss_curves["cross_entropy"].getData()
    np.testing.assert_allclose(ce, -np.log(Q_GRID), rtol=1e-12)
    _, se_grad = view.grad_curves["squared_error"].getData()
    np.testing.assert_allclose(se_grad, 4 * (1 - Q_GRID) ** 2 * Q_GRID, rtol=1e-12, atol=1e-15)
    # The markers sit at q on every curve.
    for key in ("cross_entropy", "squared_error", "focal"):
        x, y = view.loss_points[key].getData()
        assert x[0] == pytest.approx(0.2) and y[0] == pytest.approx(v[key])


def test_changing_gamma_redraws_only_the_focal_curve(make, qtbot):
    state, view = make()
    ce_before = view.loss_curves["cross_entropy"].getData()[1].copy()
    view.gamma_spin.setFocus()
    view.gamma_spin.selectAll()
    qtbot.keyClicks(view.gamma_spin, "0")
    qtbot.keyClick(view.gamma_spin, QtCore.Qt.Key.Key_Return)
    assert view.gamma == 0.0
    _, foc = view.loss_curves["focal"].getData()
    np.testing.assert_allclose(foc, -np.log(Q_GRID), rtol=1e-12)  # gamma = 0: focal is CE
    np.testing.assert_array_equal(view.loss_curves["cross_entropy"].getData()[1], ce_before)
    view.set_gamma(5.0)
    _, fg = view.grad_curves["focal"].getData()
    q = Q_GRID[100]
    assert fg[100] == pytest.approx(abs(d_ds(lambda v: focal(v, 5.0), q)), abs=1e-6)


def test_dragging_on_the_gradient_plot_sets_q_in_one_undo_step(make, qtbot):
    state, view = make()
    before = state.scenario
    view.plot.scene().minDragTime = 0
    a = data_to_viewport(view.plot, view.grad_plot, 0.1, 0.5)
    b = data_to_viewport(view.plot, view.grad_plot, 0.7, 0.5)
    vp = view.plot.viewport()

    def send(kind, pos, button, buttons):
        QtWidgets.QApplication.sendEvent(
            vp,
            QtGui.QMouseEvent(
                kind,
                QtCore.QPointF(pos),
                QtCore.QPointF(vp.mapToGlobal(pos)),
                button,
                buttons,
                QtCore.Qt.KeyboardModifier.NoModifier,
            ),
        )

    send(T.MouseMove, a, NONE, NONE)
    send(T.MouseButtonPress, a, LEFT, LEFT)
    for k in range(1, 6):
        send(T.MouseMove, a + (b - a) * (k / 5), NONE, LEFT)
    send(T.MouseButtonRelease, b, LEFT, NONE)
    settle()
    assert view.q == pytest.approx(0.7, abs=0.01)
    # The other classes keep their proportions (0.45 : 0.45).
    assert state.prediction[1] == pytest.approx(state.prediction[2])
    assert view.values()["cross_entropy"] == pytest.approx(-math.log(view.q), rel=1e-12)
    assert view.q_lines[0].value() == pytest.approx(view.q)
    state.undo()
    assert state.scenario.same_as(before)


def test_zero_probability_on_the_truth_reads_infinity(make):
    state, view = make(prediction=(0.0, 0.5, 0.5))
    assert view.q == 0.0
    text = view.table.text()
    assert text.count("∞") == 2 and "nan" not in text.lower()  # CE and focal; squared error is 2
    assert "2.000" in text
    _, y = view.loss_points["cross_entropy"].getData()
    assert math.isfinite(y[0])  # drawn at the top edge


def test_the_theme_restyles_the_curves(make):
    state, view = make()
    view.apply_theme(themes.DARK)
    assert (
        view.loss_curves["cross_entropy"].opts["pen"].color().name() == QtGui.QColor(themes.DARK.cross_entropy).name()
    )
    view.apply_theme(themes.PROJECTOR)
    assert view.grad_curves["focal"].opts["pen"].widthF() == themes.PROJECTOR.line_width
    styles = {view.loss_curves[k].opts["pen"].style() for k in ("cross_entropy", "squared_error", "focal")}
    assert len(styles) == 3  # told apart without colour too


def test_the_legend_gives_way_in_a_small_plot(make, qtbot):
    state, view = make()
    view.resize(600, 400)
    qtbot.waitUntil(lambda: not view.legend.isVisible())
    view.resize(1500, 600)
    qtbot.waitUntil(lambda: view.legend.isVisible())


def test_confident_and_wrong_point_is_on_screen(make):
    # Slide 25: the true class gets 0.01, CE = −log 0.01 = 4.605 nats, above the old 0..4 axis.
    state, view = make(target=(0.0, 0.0, 1.0), prediction=(0.98, 0.01, 0.01))
    top = view.loss_plot.getViewBox().viewRange()[1][1]
    assert top > -math.log(0.01)
    _, y = view.loss_points["cross_entropy"].getData()
    assert y[0] == pytest.approx(-math.log(0.01))
    assert view.loss_points["cross_entropy"].opts["symbol"] == "o"  # a point, not the "off the top" triangle
    # Back to a good prediction: the axis follows the data back down (no gesture).
    state.set_prediction((0.1, 0.1, 0.8))
    assert view.loss_plot.getViewBox().viewRange()[1][1] < top


def test_soft_target_says_plainly_that_it_shows_the_true_class_alone(make):
    state, view = make(target=(0.6, 0.3, 0.1), prediction=(0.2, 0.3, 0.5))
    y, p = np.array([0.6, 0.3, 0.1]), np.array([0.2, 0.3, 0.5])
    readout_ce = float(-(y * np.log(p)).sum())
    assert not view.shows_readout_ce()
    note = view.note.text()
    assert view.note.isVisible()
    assert f"{-math.log(0.2):.3f}" in note and f"{readout_ce:.3f}" in note and "“cat”" in note
    # A hard target: the tab's CE is the readout's CE, in the readout's unit, and no note.
    state.set_target((1.0, 0.0, 0.0))
    state.set_units("bits")
    assert view.shows_readout_ce()
    assert view.values()["cross_entropy"] == pytest.approx(-math.log2(0.2), rel=1e-12)
    assert view.values()["squared_error"] == pytest.approx(2 * 0.8**2, rel=1e-12)  # no unit to convert
    assert not view.note.isVisible()
    assert "bits" in view.table.text() and "no unit" in view.table.text()


def test_axes_say_z_and_no_nats_for_squared_error(make):
    _state, view = make()
    assert view.loss_plot.getAxis("left").labelText == "loss"
    assert "∂loss/∂z" in view.grad_plot.getAxis("left").labelText
    assert "∂/∂s" not in view.table.text()


def test_the_loss_axis_holds_during_a_drag_and_refits_when_it_ends(make):
    """Dragging q up from confident-and-wrong (CE 4.6): the axis stays put under the pointer,
    then fits the new point once the drag ends, as the other plots do."""
    state, view = make(target=(1.0, 0.0, 0.0), prediction=(0.01, 0.495, 0.495))
    vb = view.loss_plot.getViewBox()
    top = vb.viewRange()[1][1]
    assert top > -math.log(0.01)
    view.plot.scene().minDragTime = 0
    a = data_to_viewport(view.plot, view.loss_plot, 0.01, 2.0)
    b = data_to_viewport(view.plot, view.loss_plot, 0.9, 2.0)
    vp = view.plot.viewport()

    def send(kind, pos, button, buttons):
        QtWidgets.QApplication.sendEvent(vp, QtGui.QMouseEvent(
            kind, QtCore.QPointF(pos), QtCore.QPointF(vp.mapToGlobal(pos)), button, buttons,
            QtCore.Qt.KeyboardModifier.NoModifier))

    send(T.MouseMove, a, NONE, NONE)
    send(T.MouseButtonPress, a, LEFT, LEFT)
    for k in range(1, 6):
        send(T.MouseMove, a + (b - a) * (k / 5), NONE, LEFT)
    settle()
    assert view.q == pytest.approx(0.9, abs=0.02)
    assert vb.viewRange()[1][1] == pytest.approx(top)  # held while the pointer is down
    send(T.MouseButtonRelease, b, LEFT, NONE)
    settle()
    # −log 0.9 = 0.105, squared error 2 (0.1)² = 0.02: the axis no longer holds the old 4.6.
    assert vb.viewRange()[1][1] < -math.log(0.01)
    assert view.loss_points["cross_entropy"].getData()[1][0] == pytest.approx(-math.log(view.q))
