"""Tests of ce_desktop.model.binary: binary cross-entropy and the losses the comparison view sets beside CE.

References: values worked out by hand, scipy, central finite differences. No Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sps
from maths_reference import central_difference

from ce_desktop.model import binary, core


def _sigmoid(s):
    return 1.0 / (1.0 + np.exp(-s))


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.0, 3.5])
def test_true_class_losses_values_and_gradients(gamma):
    s = np.linspace(-4.0, 6.0, 11)
    q = _sigmoid(s)
    out = binary.true_class_losses(q, gamma)
    # Values straight from the formulas.
    assert out["cross_entropy"] == pytest.approx(-np.log(q), rel=1e-12)
    assert out["squared_error"] == pytest.approx((1 - q) ** 2 + (1 - q) ** 2, rel=1e-12)
    assert out["focal"] == pytest.approx(-((1 - q) ** gamma) * np.log(q), rel=1e-12, abs=1e-15)
    # Gradients with respect to the logit s of q = sigmoid(s), by central differences.
    for key in ("cross_entropy", "squared_error", "focal"):
        def loss_of_s(v, key=key):
            return float(binary.true_class_losses(_sigmoid(v), gamma)[key])

        numeric = np.array([central_difference(lambda v: loss_of_s(v[0]), [x])[0] for x in s])
        assert out[key + "_grad"] == pytest.approx(numeric, abs=1e-6), key
    if gamma == 0.0:
        assert out["focal"] == pytest.approx(out["cross_entropy"], rel=1e-12)


def test_true_class_losses_hand_values_and_edges():
    # q = 0.5: CE = ln 2 = 0.69314718, squared error = 2 * 0.25 = 0.5, focal (gamma 2) = 0.25 * ln 2 = 0.17328680.
    out = binary.true_class_losses(0.5, 2.0)
    assert float(out["cross_entropy"]) == pytest.approx(0.69314718, abs=1e-8)
    assert float(out["squared_error"]) == pytest.approx(0.5, abs=1e-15)
    assert float(out["focal"]) == pytest.approx(0.17328680, abs=1e-8)
    assert float(out["cross_entropy_grad"]) == pytest.approx(-0.5, abs=1e-15)  # q - 1
    # At q = 1 everything is 0 and finite.
    at_one = binary.true_class_losses(1.0)
    assert all(float(v) == 0.0 for v in at_one.values())
    for bad in (-0.1, 1.1, float("nan")):
        with pytest.raises(ValueError, match=r"q must lie in \[0, 1\]"):
            binary.true_class_losses(bad)


# --------------------------------------------------------------------------- binary cross-entropy


def test_binary_cross_entropy_by_hand():
    # y = 0.3, p = 0.6: 0.3 * 0.51082562 + 0.7 * 0.91629073 = 0.15324769 + 0.64140351 = 0.79465120
    assert binary.binary_cross_entropy(0.3, 0.6) == pytest.approx(0.79465120, abs=1e-8)
    # Hard labels: y = 1, p = 0.8 -> -ln 0.8; y = 0, p = 0.8 -> -ln 0.2 = 1.60943791
    assert binary.binary_cross_entropy(1.0, 0.8) == pytest.approx(0.22314355, abs=1e-8)
    assert binary.binary_cross_entropy(0.0, 0.8) == pytest.approx(1.60943791, abs=1e-8)


def test_binary_cross_entropy_is_elementwise_and_matches_the_two_class_form():
    rng = np.random.default_rng(3)
    y, p = rng.uniform(size=20), rng.uniform(0.01, 0.99, size=20)
    out = binary.binary_cross_entropy(y, p)
    assert out.shape == (20,)
    two_class = core.cross_entropy(np.stack([y, 1 - y], axis=1), np.stack([p, 1 - p], axis=1))
    assert out == pytest.approx(two_class, rel=1e-12)
    assert out == pytest.approx(-sps.xlogy(y, p) - sps.xlogy(1 - y, 1 - p), rel=1e-12)
    # Broadcasting a scalar target against many predictions.
    assert binary.binary_cross_entropy(1.0, p) == pytest.approx(-np.log(p), rel=1e-12)


def test_binary_cross_entropy_zeros_and_infinities(fp_errors_raise):
    assert binary.binary_cross_entropy([0.0, 1.0], [0.0, 1.0]).tolist() == [0.0, 0.0]
    assert binary.binary_cross_entropy(1.0, 0.0) == math.inf
    assert binary.binary_cross_entropy(0.0, 1.0) == math.inf
    assert binary.binary_cross_entropy(0.5, 0.0) == math.inf


@pytest.mark.parametrize("y,p,who", [(1.2, 0.5, "target"), (-0.1, 0.5, "target"), (0.5, 1.5, "prediction"),
                                     (0.5, float("nan"), "prediction")])
def test_binary_cross_entropy_refuses_values_outside_0_1(y, p, who):
    with pytest.raises(ValueError, match=f"{who} of binary cross-entropy must lie in \\[0, 1\\]"):
        binary.binary_cross_entropy(y, p)


def test_binary_cross_entropy_grad_logit_matches_finite_differences():
    for y in (0.0, 0.3, 1.0):
        for s in (-3.0, 0.0, 0.7, 4.0):
            numeric = central_difference(lambda v, y=y: binary.binary_cross_entropy(y, _sigmoid(v[0])), [s])[0]
            assert binary.binary_cross_entropy_grad_logit(y, _sigmoid(s)) == pytest.approx(numeric, abs=1e-7)
    assert binary.binary_cross_entropy_grad_logit([1.0, 0.0], [0.25, 0.25]).tolist() == [-0.75, 0.25]
