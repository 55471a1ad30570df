"""core.log_probabilities: log p_i per class, against numpy/scipy references."""

import math

import numpy as np
import pytest
from scipy import special

from ce_desktop.model import core


def test_natural_log_of_hand_values():
    out = core.log_probabilities([0.8, 0.1, 0.1])
    assert out == pytest.approx([math.log(0.8), math.log(0.1), math.log(0.1)])
    assert out[0] == pytest.approx(-0.22314355, abs=1e-8)  # the seed's -log(0.8) = 0.223


def test_bits_divide_by_log_2():
    out = core.log_probabilities([0.5, 0.25, 0.25], base=2)
    assert out == pytest.approx([-1.0, -2.0, -2.0])


def test_zero_probability_is_minus_infinity_without_warning():
    out = core.log_probabilities([0.0, 0.5, 0.5])
    assert out[0] == -math.inf
    assert np.all(np.isfinite(out[1:]))


def test_logits_match_scipy_log_softmax_with_temperature():
    z = np.array([2.0, 1.0, 0.1])
    out = core.log_probabilities(None, logits=z, temperature=2.0)
    assert out == pytest.approx(special.log_softmax(z / 2.0))


def test_logits_stay_finite_where_softmax_underflows():
    z = np.array([1000.0, 0.0, -1000.0])
    out = core.log_probabilities(None, logits=z)
    assert out[2] == pytest.approx(-2000.0)


def test_invalid_distribution_raises():
    with pytest.raises(ValueError):
        core.log_probabilities([0.5, 0.6])
