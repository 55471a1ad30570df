"""Tests of ce_desktop.model.loss_surface: parameter names, slices of the loss, convexity.

References: each model's own unpack (a one-hot vector unpacked), a brute-force loop of
loss_and_gradients at every grid point, scipy.optimize.minimize for the slice's minimum, and
second differences of functions known to be convex or not. No Qt.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from scipy.optimize import minimize

from ce_desktop.model import loss_surface as ls
from ce_desktop.model.classifier import MLP, LinearModel
from ce_desktop.model.dataset_loss import LossOptions


def _where_the_one_is(model, k):
    e = np.zeros(model.n_params)
    e[k] = 1.0
    for name, part in zip(model.unpack(e)._fields, model.unpack(e), strict=True):
        idx = np.argwhere(part == 1.0)
        if idx.size:
            return f"{name}[{','.join(str(int(v)) for v in idx[0])}]"
    raise AssertionError(k)


@pytest.mark.parametrize("model", [LinearModel(2, 3), LinearModel(5, 2), MLP(2, 3, 4), MLP(9, 2, 3, "relu")])
def test_parameter_names_follow_unpack(model):
    names = ls.parameter_names(model)
    assert len(names) == model.n_params
    assert list(names) == [_where_the_one_is(model, k) for k in range(model.n_params)]


def test_parameter_names_by_hand():
    assert ls.parameter_names(LinearModel(2, 2)) == ("W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "b[0]", "b[1]")
    names = ls.parameter_names(MLP(2, 2, 4))
    assert names[0] == "W1[0,0]" and names[8] == "b1[0]" and names[12] == "W2[0,0]" and names[-1] == "b2[1]"
    assert "W2[1,3]" in names and "b1[3]" in names


def test_default_pair():
    names = ls.parameter_names(LinearModel(2, 2))
    i, j = ls.default_pair(LinearModel(2, 2))
    assert (names[i], names[j]) == ("W[1,0]", "W[1,1]")
    i, j = ls.default_pair(LinearModel(1, 3))
    assert (ls.parameter_names(LinearModel(1, 3))[i], ls.parameter_names(LinearModel(1, 3))[j]) == ("W[1,0]", "b[1]")
    m = MLP(2, 2, 4)
    assert [ls.parameter_names(m)[k] for k in ls.default_pair(m)] == ["W1[0,0]", "W1[0,1]"]


def _data(seed, n=40, d=2, c=3, soft=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    t = rng.dirichlet(np.ones(c), n) if soft else rng.integers(0, c, n)
    return x, t


def _brute(model, x, t, opts, p0, i, j, a, b, lam):
    out = np.empty((len(b), len(a)))
    for r, s in itertools.product(range(len(b)), range(len(a))):
        p = p0.copy()
        p[i], p[j] = a[s], b[r]
        out[r, s] = model.loss_and_gradients(p, x, t, opts, lam).loss
    return out


CASES = [
    (LinearModel(2, 3), False, LossOptions(), 0.0),
    (LinearModel(2, 2), False, LossOptions(weight=(2.0, 0.5)), 0.3),
    (LinearModel(2, 4), True, LossOptions(label_smoothing=0.1, reduction="sum"), 0.0),
    (LinearModel(5, 3), False, LossOptions(ignore_index=1, label_smoothing=0.2), 0.1),
    (LinearModel(2, 3), True, LossOptions(reduction="none", weight=(1.0, 2.0, 3.0)), 0.0),
    (MLP(2, 3, 4), False, LossOptions(), 0.2),
    (MLP(2, 2, 3, "relu"), True, LossOptions(reduction="sum"), 0.0),
]


@pytest.mark.parametrize("model, soft, opts, lam", CASES)
def test_slice_equals_a_brute_force_loop(model, soft, opts, lam):
    x, t = _data(1, d=model.n_features, c=model.n_classes, soft=soft)
    p0 = model.init("random", seed=2) + 0.1
    a = np.linspace(-2.0, 1.5, 5)
    b = np.linspace(-1.0, 2.0, 4)
    pairs = [(0, 1), (1, model.n_params - 1), (model.n_params - 2, 0), ls.default_pair(model)]
    if isinstance(model, LinearModel):
        pairs.append((0, model.n_features))  # two classes' weights
    for i, j in pairs:
        got = ls.loss_slice(model, x, t, opts, p0, i, j, a, b, weight_decay=lam)
        assert got.shape == (4, 5)
        np.testing.assert_allclose(got, _brute(model, x, t, opts, p0, i, j, a, b, lam), rtol=1e-11, atol=1e-12)


def test_slice_is_nan_when_every_sample_is_ignored():
    m = LinearModel(2, 2)
    x = np.zeros((3, 2))
    out = ls.loss_slice(m, x, np.array([1, 1, 1]), LossOptions(ignore_index=1), m.init(), 0, 1, [0.0, 1.0], [0.0])
    assert np.all(np.isnan(out))


@pytest.mark.parametrize("seed", range(5))
def test_linear_slice_is_convex(seed):
    rng = np.random.default_rng(seed)
    c = int(rng.integers(2, 5))
    m = LinearModel(2, c)
    x, t = _data(seed, n=60, c=c, soft=bool(seed % 2))
    p0 = rng.normal(0, 2, m.n_params)
    i, j = rng.choice(m.n_params, 2, replace=False)
    a, b = np.linspace(-6, 6, 25), np.linspace(-6, 6, 23)
    vals = ls.loss_slice(m, x, t, None, p0, int(i), int(j), a, b)
    check = ls.convexity_check(vals)
    assert check.convex, check
    assert ls.is_convex_on_grid(vals)


def test_an_mlp_slice_that_is_not_convex_is_found():
    found = None
    for seed in range(20):
        m = MLP(2, 2, 3)
        x, t = _data(seed, n=30, c=2)
        p0 = m.init("random", seed=seed)
        i, j = ls.default_pair(m)
        a, b = np.linspace(-8, 8, 21), np.linspace(-8, 8, 21)
        vals = ls.loss_slice(m, x, t, None, p0, i, j, a, b)
        check = ls.convexity_check(vals)
        if not check.convex:
            found = (vals, check)
            break
    assert found is not None
    vals, check = found
    r, s = check.where
    # The reported point really has a negative second difference in some direction.
    d2 = [vals[r, s - 1] - 2 * vals[r, s] + vals[r, s + 1] if 0 < s < vals.shape[1] - 1 else np.inf,
          vals[r - 1, s] - 2 * vals[r, s] + vals[r + 1, s] if 0 < r < vals.shape[0] - 1 else np.inf]
    if 0 < r < vals.shape[0] - 1 and 0 < s < vals.shape[1] - 1:
        d2 += [vals[r - 1, s - 1] - 2 * vals[r, s] + vals[r + 1, s + 1],
               vals[r + 1, s - 1] - 2 * vals[r, s] + vals[r - 1, s + 1]]
    assert min(d2) == pytest.approx(check.worst) and check.worst < 0


def test_convexity_check_by_hand():
    a = np.linspace(-1, 1, 9)
    aa, bb = np.meshgrid(a, a)
    assert ls.is_convex_on_grid(aa**2 + bb**2)
    assert ls.is_convex_on_grid(aa + 3 * bb)  # affine: every second difference is 0
    saddle = aa * bb  # convex along rows and columns, not along the diagonals
    check = ls.convexity_check(saddle)
    assert not check.convex and check.worst == pytest.approx(-2 * (a[1] - a[0]) ** 2)
    assert not ls.is_convex_on_grid(-(aa**2))
    assert ls.convexity_check(np.zeros((1, 1))).convex


def test_linear_slice_minimum_agrees_with_scipy():
    m = LinearModel(2, 2)
    x, t = _data(7, n=80, c=2)  # random labels: not separable, so the minimum is finite
    p0 = m.init("zeros")
    i, j = ls.default_pair(m)

    def f(v):
        p = p0.copy()
        p[i], p[j] = v
        return m.loss_and_gradients(p, x, t).loss

    best = minimize(f, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12})
    a = np.linspace(best.x[0] - 1, best.x[0] + 1, 81)
    b = np.linspace(best.x[1] - 1, best.x[1] + 1, 81)
    vals = ls.loss_slice(m, x, t, None, p0, i, j, a, b)
    r, s = np.unravel_index(np.argmin(vals), vals.shape)
    assert abs(a[s] - best.x[0]) <= a[1] - a[0] and abs(b[r] - best.x[1]) <= b[1] - b[0]
    assert vals.min() >= best.fun - 1e-9
    assert vals.min() - best.fun < 1e-3


def test_large_slice_stays_in_its_memory_budget():
    m = LinearModel(2, 10)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10_000, 2))
    t = rng.integers(0, 10, 10_000)
    p0 = rng.normal(size=m.n_params)
    a = b = np.linspace(-3, 3, 41)
    tracemalloc.start()
    try:
        vals = ls.loss_slice(m, x, t, None, p0, 0, 3, a, b)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
    # Spot-check three grid points against the model itself.
    for r, s in [(0, 0), (20, 7), (40, 40)]:
        p = p0.copy()
        p[0], p[3] = a[s], b[r]
        assert vals[r, s] == pytest.approx(m.loss_and_gradients(p, x, t).loss, rel=1e-11)


def test_slice_range():
    rng_ = ls.slice_range([0.0, 1.0, 2.0], [5.0, 5.0, 5.0], margin=0.25, min_half_width=0.1)
    assert rng_.a_min == pytest.approx(-0.5) and rng_.a_max == pytest.approx(2.5)
    assert rng_.b_min == pytest.approx(4.9) and rng_.b_max == pytest.approx(5.1)  # never zero width
    with_centre = ls.slice_range([0.0], [0.0], centre=(4.0, -4.0), margin=0.0)
    assert with_centre.a_min <= 0.0 and with_centre.a_max >= 4.0 and with_centre.b_min <= -4.0
    one = ls.slice_range([], [], centre=(1e300, 0.0))
    assert one.a_max > one.a_min and one.b_max - one.b_min == pytest.approx(2.0)
    xa, xb = one.axes(5, 3)
    assert xa.shape == (5,) and xb.shape == (3,)
    with pytest.raises(ValueError):
        ls.slice_range([], [])
    with pytest.raises(ValueError):
        ls.slice_range([0.0, np.nan], [0.0, 0.0])


def test_bad_slices_are_refused():
    m = LinearModel(2, 2)
    x, t = _data(0, c=2)
    with pytest.raises(ValueError):
        ls.loss_slice(m, x, t, None, m.init(), 1, 1, [0.0], [0.0])
    with pytest.raises(ValueError):
        ls.loss_slice(m, x, t, None, m.init(), 0, m.n_params, [0.0], [0.0])
    with pytest.raises(ValueError):
        ls.convexity_check(np.array([[0.0, np.nan, 1.0]]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_batched_losses_equal_one_evaluation_each(reduction):
    from ce_desktop.model import dataset_loss as dl

    rng = np.random.default_rng(5)
    z = rng.normal(0, 3, (4, 6, 3))
    prep = dl.prepare_target(np.array([0, 2, 1, 1, -100, 0]), 3, weight=(1.0, 2.0, 0.5), label_smoothing=0.1)
    got = dl.batched_losses(z, prep, reduction)
    want = np.array([dl.loss_and_logit_gradient(z[g], prep, reduction).loss for g in range(4)])
    np.testing.assert_allclose(got, want, rtol=1e-13)
    none = dl.prepare_target(np.array([-100, -100]), 3)
    assert np.all(np.isnan(dl.batched_losses(rng.normal(size=(2, 2, 3)), none, "mean")))
    assert dl.batched_losses(np.zeros((0, 6, 3)), prep, reduction).shape[0] == 0
    with pytest.raises(ValueError):
        dl.batched_losses(z[0], prep, reduction)
