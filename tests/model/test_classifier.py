"""Tests of ce_desktop.model.classifier: polynomial features, the linear model and the MLP.

References: values worked out by hand, the loss module's own definition (tested on its own), and
central finite differences of the loss for every option, on both models. No Qt.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from maths_reference import central_difference

from ce_desktop.model import classifier as clf
from ce_desktop.model import dataset_loss as dl
from ce_desktop.model.dataset_loss import LossOptions

# --------------------------------------------------------------------------- features


def test_polynomial_features_by_hand():
    # (x1, x2) = (2, 3): degree 1 (2, 3); degree 2 adds (4, 6, 9); degree 3 adds (8, 12, 18, 27).
    x = np.array([[2.0, 3.0], [1.0, -1.0]])
    assert clf.polynomial_features(x, 1).tolist() == [[2, 3], [1, -1]]
    assert clf.polynomial_features(x, 2)[0].tolist() == [2, 3, 4, 6, 9]
    assert clf.polynomial_features(x, 3)[0].tolist() == [2, 3, 4, 6, 9, 8, 12, 18, 27]
    assert clf.polynomial_features(x, 3)[1].tolist() == [1, -1, 1, -1, 1, 1, -1, 1, -1]
    assert clf.feature_names(2) == ("x1", "x2", "x1^2", "x1*x2", "x2^2")
    assert len(clf.feature_names(3)) == 9


def test_polynomial_features_degree_one_is_a_copy():
    x = np.array([[2.0, 3.0]])
    out = clf.polynomial_features(x, 1)
    out[0, 0] = 99.0
    assert x[0, 0] == 2.0


@pytest.mark.parametrize(("x", "degree", "message"), [
    ([[1.0, 2.0]], 0, "degree must be 1 to 3"),
    ([[1.0, 2.0]], 4, "degree must be 1 to 3"),
    ([[1.0, 2.0, 3.0]], 2, "need 2-D points"),
    ([1.0, 2.0], 1, "must be 2-D"),
    ([[1.0, np.nan]], 1, "finite"),
])
def test_polynomial_features_refuse_bad_input(x, degree, message):
    with pytest.raises(ValueError, match=message):
        clf.polynomial_features(x, degree)


# --------------------------------------------------------------------------- the linear model


def test_linear_model_layout_and_logits_by_hand():
    m = clf.LinearModel(2, 3)
    assert m.n_params == 3 * 2 + 3
    p = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 1.0, 0.0, -1.0])
    v = m.unpack(p)
    assert v.W.tolist() == [[1, 2], [3, 4], [0, 0]] and v.b.tolist() == [1, 0, -1]
    # x = (1, 1): W x + b = (1 + 2 + 1, 3 + 4 + 0, 0 + 0 - 1) = (4, 7, -1).
    assert m.logits(p, [[1.0, 1.0]]).tolist() == [[4.0, 7.0, -1.0]]
    v.b[0] = 5.0  # a view: writing it writes the vector
    assert p[6] == 5.0


def test_inits():
    m = clf.LinearModel(2, 4)
    assert np.array_equal(m.init("zeros"), np.zeros(12))
    a, b = m.init("random", 7), m.init("random", 7)
    assert np.array_equal(a, b) and not np.array_equal(a, m.init("random", 8))
    assert np.array_equal(m.unpack(a).b, np.zeros(4))
    mlp = clf.MLP(2, 3, 5, "relu")
    r = mlp.init("random", 1)
    assert r.shape == (mlp.n_params,) == (5 * 2 + 5 + 3 * 5 + 3,)
    assert np.array_equal(mlp.unpack(r).b1, np.zeros(5)) and np.array_equal(mlp.unpack(r).b2, np.zeros(3))
    with pytest.raises(ValueError, match="init must be one of"):
        m.init("ones")


def test_zero_linear_model_predicts_uniformly():
    # W = 0, b = 0: every logit is 0, so CE = ln C for every sample.
    m = clf.LinearModel(2, 4)
    x = np.random.default_rng(0).normal(size=(6, 2))
    ev = m.loss_and_gradients(m.init(), x, np.array([0, 1, 2, 3, 0, 1]))
    assert ev.loss == pytest.approx(math.log(4.0), abs=1e-15)
    assert ev.probabilities == pytest.approx(np.full((6, 4), 0.25), abs=1e-15)


def test_loss_is_the_dataset_loss_plus_half_the_weight_decay_times_the_squared_weights():
    m = clf.LinearModel(2, 3)
    rng = np.random.default_rng(1)
    p, x, t = rng.normal(size=9), rng.normal(size=(5, 2)), rng.integers(0, 3, 5)
    opts = LossOptions("sum", (1.0, 0.5, 2.0), 0.1)
    ev = m.loss_and_gradients(p, x, t, opts, weight_decay=0.3)
    ce = dl.cross_entropy(m.logits(p, x), t, opts.weight, "sum", 0.1)
    w = p[:6]
    assert ev.data_loss == pytest.approx(ce, rel=1e-15)
    assert ev.loss == pytest.approx(ce + 0.15 * np.sum(w * w), rel=1e-15)  # biases p[6:] not decayed


def test_bias_gradient_of_the_zero_model_by_hand():
    # W = 0, b = 0, C = 2, mean: d/db = mean over samples of (1/2 - y) = (1/2 - 3/4, 1/2 - 1/4)
    # for targets 0, 0, 0, 1.
    m = clf.LinearModel(2, 2)
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])
    g = m.loss_and_gradients(m.init(), x, np.array([0, 0, 0, 1])).gradient
    assert m.unpack(g).b == pytest.approx([-0.25, 0.25], abs=1e-15)
    # d/dW_c = mean of (1/2 - y_c) x: class 0: ((-1/2)(1,0) + (-1/2)(0,1) + (-1/2)(1,1) + (1/2)(2,0)) / 4.
    assert m.unpack(g).W[0] == pytest.approx([0.0, -0.25], abs=1e-15)


# --------------------------------------------------------------------------- the MLP


def test_mlp_logits_by_hand():
    # D = 1, H = 2, C = 2, tanh: W1 = (1, -1)^T, b1 = 0, W2 = [[1, 0], [0, 2]], b2 = (0, 1).
    # x = atanh(1/2): h = (1/2, -1/2); logits = (1/2, -1 + 1) = (1/2, 0).
    m = clf.MLP(1, 2, 2, "tanh")
    p = np.array([1.0, -1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 1.0])
    assert m.logits(p, [[math.atanh(0.5)]]) == pytest.approx(np.array([[0.5, 0.0]]), abs=1e-15)
    r = clf.MLP(1, 2, 2, "relu")
    # ReLU: h = (atanh(1/2), 0).
    assert r.logits(p, [[math.atanh(0.5)]]) == pytest.approx(np.array([[math.atanh(0.5), 1.0]]), abs=1e-15)


def test_zero_mlp_learns_only_its_output_bias():
    # h = act(0) = 0, so dW2 = gz^T h = 0 and dh = gz W2 = 0: only b2 has a gradient.
    m = clf.MLP(2, 3, 4, "tanh")
    x = np.random.default_rng(2).normal(size=(8, 2))
    g = m.unpack(m.loss_and_gradients(m.init(), x, np.arange(8) % 3).gradient)
    assert not g.W1.any() and not g.b1.any() and not g.W2.any()
    assert np.abs(g.b2).sum() > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"hidden": 1}, "hidden units"), ({"hidden": 65}, "hidden units"), ({"activation": "sigmoid"}, "activation"),
    ({"n_classes": 1}, "C >= 2"),
])
def test_mlp_refuses_bad_sizes(kwargs, message):
    args = {"n_features": 2, "n_classes": 3} | kwargs
    with pytest.raises(ValueError, match=message):
        clf.MLP(**args)


# --------------------------------------------------------------------------- gradients


def _models():
    return [clf.LinearModel(5, 3), clf.MLP(5, 3, 4, "tanh"), clf.MLP(5, 3, 4, "relu")]


OPTION_GRID = list(itertools.product(
    ("mean", "sum"), (None, (0.5, 1.0, 2.0)), (0.0, 0.2), (-100, 1), (0.0, 0.3), ("index", "prob"),
))


@pytest.mark.parametrize("model", _models(), ids=["linear", "mlp-tanh", "mlp-relu"])
@pytest.mark.parametrize(("reduction", "weight", "eps", "ignore", "decay", "kind"), OPTION_GRID)
def test_gradients_match_finite_differences(model, reduction, weight, eps, ignore, decay, kind):
    rng = np.random.default_rng(11)
    x = clf.polynomial_features(rng.normal(size=(6, 2)), 2)  # D = 5
    t = rng.integers(0, 3, size=6)
    t[0] = 1
    target = t if kind == "index" else rng.dirichlet(np.ones(3), size=6)
    p = model.init("random", 5) + 0.1 * rng.normal(size=model.n_params)
    if isinstance(model, clf.MLP):  # away from the ReLU's kink: no pre-activation near 0
        v = model.unpack(p)
        assert np.abs(x @ v.W1.T + v.b1).min() > 1e-3
    opts = LossOptions(reduction, weight, eps, ignore)
    g = model.loss_and_gradients(p, x, target, opts, decay).gradient
    fd = central_difference(lambda q: model.loss_and_gradients(q, x, target, opts, decay).loss, p)
    assert g == pytest.approx(fd, abs=1e-7)


def test_reduction_none_gives_the_sum_and_its_gradient():
    m = clf.LinearModel(2, 3)
    rng = np.random.default_rng(4)
    p, x, t = rng.normal(size=9), rng.normal(size=(5, 2)), rng.integers(0, 3, 5)
    none = m.loss_and_gradients(p, x, t, LossOptions("none"))
    total = m.loss_and_gradients(p, x, t, LossOptions("sum"))
    assert none.loss == total.loss and np.array_equal(none.gradient, total.gradient)


def test_accuracy():
    z = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 0.0]])
    # predictions 0, 1, 0, 0 (first on a tie)
    assert clf.accuracy(z, np.array([0, 1, 1, 0])) == 0.75
    assert clf.accuracy(z, np.array([0, 1, 1, 0]), ignore_index=1) == 1.0  # samples 0 and 3 count
    assert math.isnan(clf.accuracy(z, np.array([1, 1, 1, 1]), ignore_index=1))
    y = np.array([[0.6, 0.4], [0.2, 0.8], [0.3, 0.7], [0.5, 0.5]])
    assert clf.accuracy(z, y) == 0.75


def test_wrong_shapes_are_refused():
    m = clf.LinearModel(2, 3)
    with pytest.raises(ValueError, match="flat vector of 9"):
        m.logits(np.zeros(8), [[0.0, 0.0]])
    with pytest.raises(ValueError, match="2 features"):
        m.logits(np.zeros(9), [[0.0, 0.0, 0.0]])
