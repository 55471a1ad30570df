"""The convexity view alone on a DatasetState: the slice against the loss worked out by hand with
scipy, the verdict for a two-class linear model and for an MLP, the path and the marker at the run's
parameters, the parameters chosen in the combo boxes, and no recomputation while playing."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import data_to_viewport, hold_descent_clock, settle, show_view
from PySide6 import QtGui
from scipy import special

from ce_desktop.gui import themes
from ce_desktop.gui.dataset_state import DatasetState
from ce_desktop.gui.views.dataset_convexity import ConvexityView, contour_levels, grid_cells
from ce_desktop.model import workspace
from ce_desktop.model.classifier import LinearModel

SIZE = (640, 420)


def two_blobs(n: int = 120) -> DatasetState:
    spec = workspace.GeneratorSpec(name="blobs", samples=n, classes=2, seed=3)
    return DatasetState(workspace.DatasetSetup(data=spec.generate(), generator=spec))


def mlp_state() -> DatasetState:
    setup = workspace.default_setup().replace(model=workspace.ModelSettings(kind="mlp", hidden=8, init="random"))
    return DatasetState(setup)


def second_differences_ok(f: np.ndarray) -> bool:
    """Convex along rows, columns and both diagonals of the grid (up to rounding)."""
    tol = 1e-9 * max(1.0, float(np.max(np.abs(f))))
    d = [f[:, :-2] - 2 * f[:, 1:-1] + f[:, 2:], f[:-2] - 2 * f[1:-1] + f[2:],
         f[:-2, :-2] - 2 * f[1:-1, 1:-1] + f[2:, 2:], f[2:, :-2] - 2 * f[1:-1, 1:-1] + f[:-2, 2:]]
    return all(float(x.min()) >= -tol for x in d)


def linear_loss_by_hand(state: DatasetState, params: np.ndarray) -> float:
    """Mean CE of softmax(W x + b) on the state's points and hard labels (scipy's log_softmax)."""
    x = state.data.points
    c, d = state.num_classes, x.shape[1]
    w, b = params[: c * d].reshape(c, d), params[c * d:]
    z = x @ w.T + b
    return float(np.mean(-special.log_softmax(z, axis=1)[np.arange(len(x)), state.data.labels]))


@pytest.fixture
def state():
    s = two_blobs()
    s.run_steps(25)
    return s


@pytest.fixture
def view(state, qtbot):
    return show_view(qtbot, ConvexityView(state, delay_ms=0), SIZE)


def test_two_class_linear_slice_reads_convex(state, view):
    names = [view.combo_a.itemText(k) for k in range(view.combo_a.count())]
    assert names == ["W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "b[0]", "b[1]"]
    assert (view.combo_a.currentText(), view.combo_b.currentText()) == ("W[1,0]", "W[1,1]")
    assert view.is_convex() is True
    assert second_differences_ok(view.slice_values())
    assert "convex: one minimum" in view.title()


def test_the_slice_is_the_loss_with_two_parameters_moved(state, view):
    i, j = view.pair()
    a, b = view.slice_axes()
    values = view.slice_values()
    assert values.shape == (len(b), len(a))
    p0 = state.run.params
    for r, s in ((0, 0), (len(b) // 2, len(a) // 3), (len(b) - 1, len(a) - 1)):
        p = p0.copy()
        p[i], p[j] = a[s], b[r]
        assert values[r, s] == pytest.approx(linear_loss_by_hand(state, p), rel=1e-9)
    # the grid holds the current parameters, where the slice is the run's own loss
    assert a[0] <= p0[i] <= a[-1] and b[0] <= p0[j] <= b[-1]
    assert linear_loss_by_hand(state, p0) == pytest.approx(float(state.run.loss[state.position]), rel=1e-9)


def test_the_path_ends_at_the_current_parameters(state, view):
    i, j = view.pair()
    xs, ys = view.path_data()
    hist = state.run.params_history
    assert len(xs) == state.position + 1
    np.testing.assert_array_equal(xs, hist[: state.position + 1, i])
    np.testing.assert_array_equal(ys, hist[: state.position + 1, j])
    assert view.marker_position() == (pytest.approx(state.run.params[i]), pytest.approx(state.run.params[j]))
    state.go_to(10)  # scrubbing back: the path shortens and the slice goes through step 10
    settle()
    xs, ys = view.path_data()
    assert len(xs) == 11 and xs[-1] == state.run.params_at(10)[i] and ys[-1] == state.run.params_at(10)[j]
    assert view.slice_step() == 10


def test_the_slice_waits_while_playing_and_follows_when_paused(state, view):
    hold_descent_clock(state)
    start = state.position
    state.play()
    for _ in range(5):
        state.advance_frame()
        settle()
    assert view.slice_step() == start  # the slice stays; the path moves on
    assert len(view.path_data()[0]) == state.position + 1 == start + 6
    state.pause()
    settle()
    assert view.slice_step() == state.position


def test_choosing_the_parameters(state, view):
    names = view.parameter_names()
    view.combo_a.setCurrentIndex(names.index("b[1]"))
    settle()
    assert view.pair() == (names.index("b[1]"), names.index("W[1,1]"))
    assert view.plot.getPlotItem().getAxis("bottom").labelText == "b[1]"
    xs, _ = view.path_data()
    np.testing.assert_array_equal(xs, state.run.params_history[: state.position + 1, names.index("b[1]")])
    assert view.is_convex() is True
    # the same parameter in both boxes: the other box takes the one this box left
    view.combo_b.setCurrentIndex(names.index("b[1]"))
    settle()
    assert view.pair() == (names.index("W[1,1]"), names.index("b[1]"))
    with pytest.raises(ValueError):
        view.set_pair(2, 2)


def test_an_mlp_slice_need_not_be_convex(qtbot):
    state = mlp_state()
    state.run_steps(40)
    view = show_view(qtbot, ConvexityView(state, delay_ms=0), SIZE)
    assert view.combo_a.currentText().startswith("W1[")
    values = view.slice_values()
    convex = second_differences_ok(values)
    assert view.is_convex() is convex
    assert ("not convex" in view.title()) is (not convex)
    assert not convex  # this seeded MLP's slice of two first-layer weights has a second difference < 0


def test_a_new_model_gets_its_own_parameters(state, view):
    state.set_model(workspace.ModelSettings(kind="mlp", hidden=4, init="random"))
    settle()
    assert view.parameter_names()[0] == "W1[0,0]" and len(view.parameter_names()) == 4 * 2 + 4 + 2 * 4 + 2
    assert view.combo_a.count() == len(view.parameter_names())
    assert view.slice_step() == state.position == 0


@pytest.mark.parametrize("theme", [themes.LIGHT, themes.PROJECTOR], ids=lambda t: t.name)
def test_the_current_step_is_drawn_on_the_contours(qtbot, theme):
    state = two_blobs()
    state.run_steps(25)
    view = show_view(qtbot, ConvexityView(state, delay_ms=0), SIZE, theme=theme)
    x, y = view.marker_position()
    image = view.plot.grab().toImage()
    ratio = image.devicePixelRatio()
    p = data_to_viewport(view.plot, x, y)
    colour = image.pixelColor(int(p.x() * ratio), int(p.y() * ratio))
    want = QtGui.QColor(theme.prediction)
    assert max(abs(colour.red() - want.red()), abs(colour.green() - want.green()),
               abs(colour.blue() - want.blue())) <= 8
    for text in (view.title(), view.readout.text()):
        assert "nan" not in text.lower().replace("nats", "") and "-0.000" not in text


def test_grid_cells_and_levels():
    lin = LinearModel(2, 10)
    assert grid_cells(lin, 200) == 41 and grid_cells(lin, 10_000) == 15 and grid_cells(lin, 100_000) == 15
    lv = contour_levels(1.0, 2.0, 4)
    assert lv[0] > 1.0 and lv[-1] < 2.0 and np.all(np.diff(lv) > 0) and np.all(np.diff(np.diff(lv)) > 0)
