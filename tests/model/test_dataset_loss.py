"""Tests of ce_desktop.model.dataset_loss: cross-entropy over N samples as PyTorch defines it.

References: values worked out by hand in the comments, identities between the options, central
finite differences, and torch.nn.functional.cross_entropy itself where torch is installed. No Qt.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from maths_reference import central_difference

from ce_desktop.model import dataset_loss as dl
from ce_desktop.model.dataset_loss import cross_entropy, cross_entropy_grad

LN2, LN3 = math.log(2.0), math.log(3.0)

# Two samples, three classes, chosen so that every log-softmax is a log of a simple fraction:
#   z_1 = (0, 0, 0)     -> softmax (1/3, 1/3, 1/3),  -log p = (ln 3, ln 3, ln 3)
#   z_2 = (0, ln 2, 0)  -> softmax (1/4, 1/2, 1/4),  -log p = (ln 4, ln 2, ln 4)
Z = np.array([[0.0, 0.0, 0.0], [0.0, LN2, 0.0]])
T = np.array([0, 1])  # class indices: sample 1 is class 0, sample 2 class 1
ONE_HOT = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
W = np.array([1.0, 2.0, 3.0])


def test_class_indices_by_hand():
    # loss_1 = ln 3, loss_2 = ln 2.
    assert cross_entropy(Z, T, reduction="none") == pytest.approx([LN3, LN2], abs=1e-15)
    assert cross_entropy(Z, T, reduction="sum") == pytest.approx(LN3 + LN2, abs=1e-15)
    assert cross_entropy(Z, T) == pytest.approx((LN3 + LN2) / 2, abs=1e-15)


def test_class_weights_by_hand_divide_by_the_weights_of_the_samples_classes():
    # loss_1 = w_0 ln 3 = ln 3, loss_2 = w_1 ln 2 = 2 ln 2; sum = ln 3 + 2 ln 2 = ln 12.
    # The mean divides by w_0 + w_1 = 3 (not by N = 2): ln 12 / 3.
    assert cross_entropy(Z, T, W, reduction="none") == pytest.approx([LN3, 2 * LN2], abs=1e-15)
    assert cross_entropy(Z, T, W, reduction="sum") == pytest.approx(math.log(12.0), abs=1e-15)
    assert cross_entropy(Z, T, W) == pytest.approx(math.log(12.0) / 3, abs=1e-15)


def test_probability_targets_with_weights_divide_by_n_so_they_differ_from_class_indices():
    # The same per-sample losses (w_c y_c picks w_0 ln 3 and w_1 ln 2), the same sum ln 12, but the
    # mean divides by N = 2: ln 12 / 2 = 1.2425 against ln 12 / 3 = 0.8283 for class indices,
    # larger by the factor N / (w_0 + w_1) = 2 / 3 -> 3 / 2.
    assert cross_entropy(Z, ONE_HOT, W, reduction="none") == pytest.approx([LN3, 2 * LN2], abs=1e-15)
    prob = cross_entropy(Z, ONE_HOT, W)
    idx = cross_entropy(Z, T, W)
    assert prob == pytest.approx(math.log(12.0) / 2, abs=1e-15)
    assert prob - idx == pytest.approx(math.log(12.0) / 6, abs=1e-15)
    assert prob / idx == pytest.approx(1.5, abs=1e-15)


def test_label_smoothing_by_hand():
    # eps = 0.3, C = 3: the target becomes 0.7 one-hot + 0.1 everywhere.
    # Sample 1: q = (0.8, 0.1, 0.1) on a uniform prediction: ln 3.
    # Sample 2: q = (0.1, 0.8, 0.1): 0.1 ln 4 + 0.8 ln 2 + 0.1 ln 4 = 1.2 ln 2.
    assert cross_entropy(Z, T, reduction="none", label_smoothing=0.3) == pytest.approx([LN3, 1.2 * LN2], abs=1e-15)
    assert cross_entropy(Z, ONE_HOT, reduction="none", label_smoothing=0.3) == pytest.approx(
        [LN3, 1.2 * LN2], abs=1e-15)


def test_label_smoothing_with_weights_by_hand():
    # a_nc = 0.7 w_t [c = t] + 0.1 w_c with w = (1, 2, 3):
    # sample 1 (t = 0): a = (0.8, 0.2, 0.3) -> 1.3 ln 3; sample 2 (t = 1): a = (0.1, 1.6, 0.3)
    # -> 0.1 ln 4 + 1.6 ln 2 + 0.3 ln 4 = 2.4 ln 2. Class indices: mean over w_0 + w_1 = 3.
    # Probabilities: w_c ((1 - eps) y_c + eps / C) gives the same rows; the mean divides by 2.
    total = 1.3 * LN3 + 2.4 * LN2
    for target in (T, ONE_HOT):
        assert cross_entropy(Z, target, W, "none", 0.3) == pytest.approx([1.3 * LN3, 2.4 * LN2], abs=1e-15)
    assert cross_entropy(Z, T, W, "mean", 0.3) == pytest.approx(total / 3, abs=1e-15)
    assert cross_entropy(Z, ONE_HOT, W, "mean", 0.3) == pytest.approx(total / 2, abs=1e-15)


def test_ignore_index_by_hand():
    # Ignoring class 1 leaves sample 1 alone: none = (ln 3, 0), sum = ln 3, mean = ln 3 / 1;
    # with weights the mean divides by w_0 = 1 only.
    assert cross_entropy(Z, T, reduction="none", ignore_index=1) == pytest.approx([LN3, 0.0], abs=1e-15)
    assert cross_entropy(Z, T, reduction="sum", ignore_index=1) == pytest.approx(LN3, abs=1e-15)
    assert cross_entropy(Z, T, ignore_index=1) == pytest.approx(LN3, abs=1e-15)
    assert cross_entropy(Z, T, W, ignore_index=1) == pytest.approx(LN3, abs=1e-15)
    # Smoothing does not bring an ignored sample back.
    assert cross_entropy(Z, T, reduction="none", ignore_index=1, label_smoothing=0.5)[1] == 0.0


def test_ignore_index_has_no_effect_on_probability_targets():
    y = np.array([[0.2, 0.5, 0.3], [0.0, 0.1, 0.9]])
    assert cross_entropy(Z, y, ignore_index=1) == cross_entropy(Z, y)


def test_every_sample_ignored_gives_nan_mean_like_torch_zero_sum_and_zero_gradient():
    t = np.array([2, 2])
    assert math.isnan(cross_entropy(Z, t, ignore_index=2))
    assert math.isnan(cross_entropy(Z, t, W, ignore_index=2, label_smoothing=0.1))
    assert cross_entropy(Z, t, reduction="sum", ignore_index=2) == 0.0
    assert np.array_equal(cross_entropy_grad(Z, t, ignore_index=2), np.zeros((2, 3)))


def test_gradient_by_hand():
    # Row n is (softmax(z_n) - onehot(t_n)) / N for the plain mean:
    # (1/3 - 1, 1/3, 1/3) / 2 and (1/4, 1/2 - 1, 1/4) / 2.
    want = np.array([[-2 / 3, 1 / 3, 1 / 3], [1 / 4, -1 / 2, 1 / 4]])
    assert cross_entropy_grad(Z, T) == pytest.approx(want / 2, abs=1e-15)
    assert cross_entropy_grad(Z, T, reduction="sum") == pytest.approx(want, abs=1e-15)
    # Weighted: row n times w_{t_n}, over w_0 + w_1 = 3.
    assert cross_entropy_grad(Z, T, W) == pytest.approx(want * np.array([[1.0], [2.0]]) / 3, abs=1e-15)


def test_one_sample_as_pytorch_accepts_it():
    assert cross_entropy([0.0, 0.0, 0.0], 2) == pytest.approx(LN3, abs=1e-15)
    assert cross_entropy([0.0, 0.0, 0.0], 2, reduction="none") == pytest.approx(LN3, abs=1e-15)
    assert cross_entropy_grad([0.0, LN2, 0.0], 1) == pytest.approx([0.25, -0.5, 0.25], abs=1e-15)


# --------------------------------------------------------------------------- identities


def _random_case(rng, n=7, c=4):
    z = rng.normal(size=(n, c)) * 2
    t = rng.integers(0, c, size=n)
    y = rng.dirichlet(np.ones(c), size=n)
    w = rng.uniform(0.2, 3.0, size=c)
    return z, t, y, w


@pytest.mark.parametrize("seed", range(5))
def test_sum_is_mean_times_n_without_weights(seed):
    z, t, y, _ = _random_case(np.random.default_rng(seed))
    for target in (t, y):
        assert cross_entropy(z, target, reduction="sum") == pytest.approx(len(z) * cross_entropy(z, target), rel=1e-14)
        assert cross_entropy(z, target, reduction="sum") == pytest.approx(
            cross_entropy(z, target, reduction="none").sum(), rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_smoothing_zero_is_no_smoothing_and_one_is_the_uniform_target(seed):
    z, t, y, w = _random_case(np.random.default_rng(seed))
    for target, weight in itertools.product((t, y), (None, w)):
        assert cross_entropy(z, target, weight, "none", 0.0) == pytest.approx(
            cross_entropy(z, target, weight, "none"), abs=0)
    # eps = 1: every sample's target is uniform, whatever its label.
    uniform = np.full_like(y, 1 / y.shape[1])
    assert cross_entropy(z, t, reduction="none", label_smoothing=1.0) == pytest.approx(
        cross_entropy(z, uniform, reduction="none"), rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_one_hot_probabilities_equal_class_indices_only_without_weights(seed):
    z, t, _, w = _random_case(np.random.default_rng(seed))
    one_hot = np.eye(z.shape[1])[t]
    for reduction in dl.REDUCTIONS:
        assert cross_entropy(z, one_hot, reduction=reduction) == pytest.approx(
            cross_entropy(z, t, reduction=reduction), rel=1e-14)
    # With weights the per-sample losses agree but the means differ by N / sum_n w_{t_n}.
    assert cross_entropy(z, one_hot, w, "none") == pytest.approx(cross_entropy(z, t, w, "none"), rel=1e-14)
    ratio = cross_entropy(z, one_hot, w) / cross_entropy(z, t, w)
    assert ratio == pytest.approx(w[t].sum() / len(t), rel=1e-13)


def test_equal_weights_leave_the_mean_unchanged():
    z, t, _, _ = _random_case(np.random.default_rng(9))
    assert cross_entropy(z, t, np.full(4, 2.5)) == pytest.approx(cross_entropy(z, t), rel=1e-14)


# --------------------------------------------------------------------------- gradient


@pytest.mark.parametrize(
    ("kind", "reduction", "weighted", "eps", "ignore"),
    list(itertools.product(("index", "prob"), dl.REDUCTIONS, (False, True), (0.0, 0.25), (-100, 1))),
)
def test_gradient_matches_finite_differences(kind, reduction, weighted, eps, ignore):
    z, t, y, w = _random_case(np.random.default_rng(3), n=5, c=3)
    t[0] = 1  # at least one sample of the class that may be ignored
    target = t if kind == "index" else y
    weight = w if weighted else None

    def total(zz):
        return float(np.sum(cross_entropy(zz, target, weight, reduction, eps, ignore)))

    g = cross_entropy_grad(z, target, weight, reduction, eps, ignore)
    assert g == pytest.approx(central_difference(total, z), abs=1e-8)


def test_loss_and_logit_gradient_gives_both_at_once():
    z, t, _, w = _random_case(np.random.default_rng(4))
    prepared = dl.prepare_target(t, 4, w, 0.1)
    both = dl.loss_and_logit_gradient(z, prepared)
    assert both.loss == cross_entropy(z, t, w, label_smoothing=0.1)
    assert np.array_equal(both.gradient, cross_entropy_grad(z, t, w, label_smoothing=0.1))
    assert both.probabilities.sum(axis=1) == pytest.approx(np.ones(len(z)), abs=1e-15)
    half = np.arange(3)
    assert dl.loss_and_logit_gradient(z[half], prepared.rows(half)).loss == pytest.approx(
        cross_entropy(z[half], t[half], w, label_smoothing=0.1), rel=1e-15)


def test_loss_floor_by_hand_and_reached_at_the_smoothed_target():
    # Soft targets (1/2, 1/2, 0) and (1/4, 1/4, 1/2), no weights: floors H = ln 2 and 1.5 ln 2.
    y = np.array([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]])
    prepared = dl.prepare_target(y, 3)
    assert dl.loss_floor(prepared, "none") == pytest.approx([LN2, 1.5 * LN2], abs=1e-15)
    assert dl.loss_floor(prepared) == pytest.approx(1.25 * LN2, abs=1e-15)
    # Hard labels without smoothing: floor 0. With weights and smoothing the floor is reached at
    # logits log(a_n), and no logits go below it.
    assert dl.loss_floor(dl.prepare_target(T, 3), "sum") == 0.0
    prepared = dl.prepare_target(T, 3, W, 0.3)
    floor = dl.loss_floor(prepared)
    assert dl.loss_and_logit_gradient(np.log(prepared.coefficients), prepared).loss == pytest.approx(floor, rel=1e-14)
    rng = np.random.default_rng(5)
    for _ in range(20):
        assert cross_entropy(rng.normal(size=(2, 3)), T, W, label_smoothing=0.3) > floor
    with pytest.raises(ValueError, match="no floor"):
        dl.loss_floor(dl.prepare_target(T, 3, [-1.0, 1.0, 1.0]))


# --------------------------------------------------------------------------- errors and text


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((Z, np.array([0, 3])), {}, "not a class"),
        ((Z, np.array([0.0, 1.0])), {}, "probability targets must have shape"),
        ((Z, np.array([True, False])), {}, "class indices"),
        ((Z, T), {"reduction": "average"}, "reduction must be one of"),
        ((Z, T), {"label_smoothing": 1.5}, "label_smoothing"),
        ((Z, T), {"weight": [1.0, 2.0]}, "one number per class"),
        ((np.array([[0.0, np.nan, 1.0], [0.0, 0.0, 0.0]]), T), {}, "finite"),
        ((Z, np.array([[0.5, 0.5, np.inf], [1.0, 0.0, 0.0]])), {}, "finite"),
    ],
)
def test_bad_input_is_refused(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy(*args, **kwargs)


def test_surprises_are_sentences():
    assert len(dl.SURPRISES) >= 4
    for sentence in dl.SURPRISES:
        assert sentence[0].isupper() and sentence.endswith(".")


def test_loss_options_carry_the_arguments():
    opts = dl.LossOptions("sum", (1.0, 2.0, 3.0), 0.1, 2)
    assert opts.weight_array() == pytest.approx(W)
    assert dl.LossOptions().weight_array() is None


# --------------------------------------------------------------------------- torch itself


def test_matches_torch_on_random_cases():
    torch = pytest.importorskip("torch")
    fn = torch.nn.functional
    rng = np.random.default_rng(2026)
    for _ in range(150):
        n, c = int(rng.integers(1, 7)), int(rng.integers(2, 6))
        z = rng.normal(size=(n, c)) * 3
        weight = rng.uniform(0.1, 3.0, size=c) if rng.random() < 0.6 else None
        eps = float(rng.choice([0.0, 0.1, 0.5, 1.0]))
        reduction = str(rng.choice(dl.REDUCTIONS))
        if rng.random() < 0.5:
            target = rng.integers(0, c, size=n)
            ignore = int(rng.choice([-100, 0, 1]))
        else:
            target, ignore = rng.dirichlet(np.ones(c), size=n), -100
        zt = torch.tensor(z, requires_grad=True)
        wt = None if weight is None else torch.tensor(weight)
        loss = fn.cross_entropy(zt, torch.tensor(target), weight=wt, reduction=reduction,
                                label_smoothing=eps, ignore_index=ignore)
        loss.sum().backward()
        ours = cross_entropy(z, target, weight, reduction, eps, ignore)
        grad = cross_entropy_grad(z, target, weight, reduction, eps, ignore)
        np.testing.assert_allclose(ours, loss.detach().numpy(), rtol=1e-12, atol=1e-14, equal_nan=True)
        np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-10, atol=1e-14, equal_nan=True)
