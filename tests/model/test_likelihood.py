"""Tests of ce_desktop.model.likelihood: the product of the samples' likelihoods and its log.

References: powers of two worked out by hand and checked with math.ldexp, products and logs
computed one sample at a time in plain Python, and identities (log L = −Σ ℓ). No Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ce_desktop.model import dataset_loss as dl
from ce_desktop.model import likelihood as lk


def test_half_repeated_underflows_at_1075():
    # 0.5**n = 2**-n: 2**-1074 is the smallest subnormal; 2**-1075 is half of it and rounds (to even) to 0.
    p = np.full(1100, 0.5)
    cum = lk.cumulative_likelihood(p)
    assert cum.product[1073] == math.ldexp(1.0, -1074) > 0.0
    assert cum.underflow_index == 1075
    assert cum.product[1074] == 0.0
    # 2**-1022 is the smallest normal: the product is below it from n = 1023.
    assert math.ldexp(1.0, -1022) == lk.SMALLEST_NORMAL
    assert cum.subnormal_index == 1023
    assert cum.log_likelihood_at_underflow == pytest.approx(-1075 * math.log(2.0), rel=1e-12)
    assert cum.log_likelihood_at_subnormal == pytest.approx(-1023 * math.log(2.0), rel=1e-12)
    assert np.all(np.isfinite(cum.log_likelihood))


def test_losses_give_the_log_likelihood_with_no_round_trip():
    ell = np.array([0.1, 800.0, 2.5])  # exp(-800) is 0 in float64, but its log is not lost
    cum = lk.cumulative_likelihood(losses=ell)
    assert cum.log_likelihood.tolist() == [-0.1, -800.1, -(0.1 + 800.0) - 2.5]
    assert cum.underflow_index == 2 and cum.subnormal_index == 2
    assert cum.log_likelihood_at_underflow == -800.1


def test_against_a_plain_python_loop():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.01, 1.0, 300)
    cum = lk.cumulative_likelihood(p)
    prod, log_sum = 1.0, 0.0
    for n, v in enumerate(p.tolist()):
        prod *= v
        log_sum += math.log(v)
        assert cum.product[n] == pytest.approx(prod, rel=1e-12, abs=0.0)
        assert cum.log_likelihood[n] == pytest.approx(log_sum, rel=1e-12)


def test_zero_probability_gives_minus_infinity_never_nan():
    cum = lk.cumulative_likelihood(np.array([0.5, 0.0, 0.5]))
    assert cum.log_likelihood[0] == math.log(0.5)
    assert cum.log_likelihood[1] == -math.inf and cum.log_likelihood[2] == -math.inf
    assert cum.underflow_index == 2 and cum.log_likelihood_at_underflow == -math.inf
    by_loss = lk.cumulative_likelihood(losses=np.array([1.0, math.inf, 1.0]))
    assert not np.any(np.isnan(by_loss.log_likelihood))
    assert by_loss.log_likelihood[2] == -math.inf and by_loss.product[1] == 0.0
    s = lk.likelihood_summary(losses=np.array([1.0, math.inf]))
    assert s.log_likelihood == -math.inf and not s.underflowed and s.mantissa == 0.0 and s.exponent is None


def test_one_sample_and_none():
    one = lk.cumulative_likelihood(np.array([0.25]))
    assert one.product.tolist() == [0.25] and one.log_likelihood[0] == math.log(0.25)
    assert one.underflow_index is None and one.subnormal_index is None
    empty = lk.cumulative_likelihood(np.array([]))
    assert empty.product.shape == (0,) and empty.underflow_index is None
    s = lk.likelihood_summary(np.array([]))
    assert s.n == 0 and s.product == 1.0 and s.log_likelihood == 0.0 and math.isnan(s.mean_loss)


def test_sample_likelihoods_are_the_true_class_probability_for_hard_labels():
    z = np.array([[2.0, 0.0, -1.0], [0.0, 3.0, 1.0]])
    t = np.array([0, 2])
    ell = dl.cross_entropy(z, t, reduction="none")
    e = np.exp(z)
    yhat = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(lk.sample_likelihoods(ell), yhat[[0, 1], t], rtol=1e-14)


def test_sample_likelihoods_for_soft_labels_are_a_weighted_geometric_mean():
    z = np.array([[1.0, -0.5, 0.25]])
    y = np.array([[0.5, 0.25, 0.25]])
    ell = dl.cross_entropy(z, y, reduction="none")
    e = np.exp(z[0])
    yhat = e / e.sum()
    expected = yhat[0] ** 0.5 * yhat[1] ** 0.25 * yhat[2] ** 0.25
    assert lk.sample_likelihoods(ell)[0] == pytest.approx(expected, rel=1e-14)
    assert lk.sample_likelihoods([0.0, math.inf]).tolist() == [1.0, 0.0]


def test_summary_numbers():
    ell = np.full(2000, math.log(2.0))  # L = 2**-2000 = 10**(-2000 log10 2)
    s = lk.likelihood_summary(losses=ell)
    assert s.n == 2000 and s.mean_loss == pytest.approx(math.log(2.0), rel=1e-15)
    assert s.log_likelihood == pytest.approx(-2000 * math.log(2.0), rel=1e-15)
    assert s.product == 0.0 and s.underflowed and s.underflow_index == 1075
    x = -2000 * math.log10(2.0)  # -602.06
    assert s.log10_likelihood == pytest.approx(x, rel=1e-14)
    assert s.exponent == -603
    assert s.mantissa == pytest.approx(10 ** (x + 603), rel=1e-10)
    assert 1.0 <= s.mantissa < 10.0
    small = lk.likelihood_summary(np.array([0.5, 0.5]))
    assert small.product == 0.25 and not small.underflowed
    assert small.exponent == -1 and small.mantissa == pytest.approx(2.5)
    assert small.log_likelihood == pytest.approx(math.log(0.25), rel=1e-15)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        lk.cumulative_likelihood()
    with pytest.raises(ValueError):
        lk.cumulative_likelihood(np.array([0.5, math.nan]))
    with pytest.raises(ValueError):
        lk.cumulative_likelihood(losses=np.array([-math.inf]))
    with pytest.raises(ValueError):
        lk.cumulative_likelihood(np.array([0.5]), losses=np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        lk.sample_likelihoods(np.zeros((2, 2)))
