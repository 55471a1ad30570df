"""Tests of ce_desktop.model.regions: bounds, grid axes, the probabilities at the cell centres.

References: cell centres worked out by hand, and the model's own logits with a float64
softmax written out here at every centre in a loop. No Qt.
"""

from __future__ import annotations

import numpy as np
import pytest

from ce_desktop.model import regions
from ce_desktop.model.classifier import MLP, LinearModel, polynomial_features


def test_data_bounds_by_hand():
    b = regions.data_bounds(np.array([[0.0, 1.0], [2.0, 5.0]]), margin=0.1)
    assert b == pytest.approx((-0.2, 2.2, 0.6, 5.4))
    one = regions.data_bounds(np.array([[3.0, -1.0]]), min_half_width=0.5)
    assert one == pytest.approx((2.5, 3.5, -1.5, -0.5))
    same = regions.data_bounds(np.array([[1.0, 1.0]] * 4))
    assert same.xmax > same.xmin and same.ymax > same.ymin
    line = regions.data_bounds(np.array([[0.0, 2.0], [4.0, 2.0]]))
    assert line.ymax - line.ymin == pytest.approx(1.0) and line.xmax - line.xmin == pytest.approx(4.8)
    huge = regions.data_bounds(np.array([[1e300, 0.0]]))
    assert huge.xmax > huge.xmin
    assert regions.data_bounds(np.zeros((0, 2))) == (-1.0, 1.0, -1.0, 1.0)
    with pytest.raises(ValueError):
        regions.data_bounds(np.array([[np.inf, 0.0]]))


def test_grid_axes_are_cell_centres():
    xs, ys = regions.grid_axes((0.0, 4.0, -1.0, 1.0), (4, 2))
    assert xs.tolist() == [0.5, 1.5, 2.5, 3.5]
    assert ys.tolist() == [-0.5, 0.5]
    xs, ys = regions.grid_axes((0.0, 1.0, 0.0, 1.0), 1)
    assert xs.tolist() == [0.5] and ys.tolist() == [0.5]
    with pytest.raises(ValueError):
        regions.grid_axes((1.0, 1.0, 0.0, 1.0), 3)
    with pytest.raises(ValueError):
        regions.grid_axes((0.0, 1.0, 0.0, 1.0), 0)


def _reference(model, params, degree, xs, ys):
    out = np.empty((len(ys), len(xs), model.n_classes))
    for r, y in enumerate(ys):
        for s, x in enumerate(xs):
            z = model.logits(params, polynomial_features(np.array([[x, y]]), degree))[0]
            e = np.exp(z - z.max())
            out[r, s] = e / e.sum()
    return out


@pytest.mark.parametrize("model, degree", [
    (LinearModel(2, 3), 1), (LinearModel(2, 10), 1), (LinearModel(5, 4), 2), (LinearModel(9, 2), 3),
    (MLP(2, 3, 5), 1), (MLP(5, 2, 4, "relu"), 2),
])
def test_probabilities_match_the_model_at_every_centre(model, degree):
    params = np.random.default_rng(4).normal(0, 2, model.n_params)
    probs = regions.grid_probabilities(model, params, degree, (-2.0, 3.0), (-1.0, 1.0), 7, 5)
    assert probs.shape == (5, 7, model.n_classes) and probs.dtype == np.float32
    xs, ys = regions.grid_axes((-2.0, 3.0, -1.0, 1.0), (7, 5))
    ref = _reference(model, params, degree, xs, ys)
    np.testing.assert_allclose(probs, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, atol=1e-6)


def test_out_buffer_is_reused_and_large_logits_stay_finite():
    m = LinearModel(2, 3)
    params = np.array([500.0, 0.0, -500.0, 0.0, 0.0, 300.0, 0.0, 0.0, 0.0])
    buf = np.empty((4, 6, 3), dtype=np.float32)
    got = regions.grid_probabilities(m, params, 1, (-3.0, 3.0), (-3.0, 3.0), 6, 4, out=buf)
    assert got is buf and np.all(np.isfinite(buf))
    pred, conf = regions.region_summary(buf)
    xs, _ = regions.grid_axes((-3.0, 3.0, -3.0, 3.0), (6, 4))
    assert pred[0].tolist() == [1 if x < 0 else 0 for x in xs]
    assert np.all(conf == 1.0)
    grid = regions.RegionGrid((-3.0, 3.0), (-3.0, 3.0), 6, 4, 1)
    np.testing.assert_array_equal(grid.probabilities(m, params), buf)
    with pytest.raises(ValueError):
        regions.grid_probabilities(m, params, 1, (-3.0, 3.0), (-3.0, 3.0), 6, 4, out=np.empty((4, 6, 3)))
    with pytest.raises(ValueError):
        regions.grid_probabilities(LinearModel(5, 3), np.zeros(18), 1, (0.0, 1.0), (0.0, 1.0), 2, 2)


def test_region_summary_by_hand():
    probs = np.array([[[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]], [[0.4, 0.4, 0.2], [0.1, 0.1, 0.8]]], dtype=np.float32)
    pred, conf = regions.region_summary(probs)
    assert pred.tolist() == [[1, 0], [0, 2]]  # a tie goes to the lower class, as argmax
    np.testing.assert_array_equal(conf, np.array([[0.5, 0.6], [0.4, 0.8]], dtype=np.float32))
    p_out, c_out = np.empty((2, 2), np.intp), np.empty((2, 2), np.float32)
    got = regions.region_summary(probs, p_out, c_out)
    assert got[0] is p_out and got[1] is c_out and p_out.tolist() == pred.tolist()
