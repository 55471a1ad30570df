"""ce_desktop.core at the edges of its input: targets a little off 1, predictions a rounding
step from the target, logits at the ends of the float range.

References are independent of the code: scipy.special, central finite differences, exact
rational arithmetic (fractions) and hand-worked values (the arithmetic is in the comments).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sps

from ce_desktop import core

# Sums to 1 + 5e-7: inside SUM_TOLERANCE (1e-6), so accepted, but far from rounding.
OFF_TARGET = np.array([0.7, 0.2, 0.1 + 5e-7])
LOGITS = np.array([0.4, -1.3, 0.9])


def central_difference(f, z: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """d f / d z_i by central differences."""
    out = np.empty_like(z)
    for i in range(z.size):
        e = np.zeros_like(z)
        e[i] = h
        out[i] = (f(z + e) - f(z - e)) / (2 * h)
    return out


# --------------------------------------------------------------------------- a target off by 5e-7


def test_a_target_a_little_off_one_is_normalised_where_it_enters():
    out = core.validate_distribution(OFF_TARGET, "target")
    assert abs(out.sum() - 1.0) <= 1e-15
    np.testing.assert_allclose(out, OFF_TARGET / OFF_TARGET.sum(), rtol=1e-15)
    # A batch row too; a row that sums to 1 up to rounding is left exactly as it is.
    rows = core.validate_distribution([OFF_TARGET, [0.7, 0.2, 0.1]])
    assert abs(rows[0].sum() - 1.0) <= 1e-15 and rows[1].tolist() == [0.7, 0.2, 0.1]
    # Rounding-level sums are kept bit for bit: [0.7, 0.2, 0.1] sums to 0.9999999999999999.
    assert core.validate_distribution([0.7, 0.2, 0.1]).tolist() == [0.7, 0.2, 0.1]


@pytest.mark.parametrize("logits_mode", [False, True])
def test_the_gradient_of_an_off_target_is_the_gradient_of_the_reported_loss(logits_mode):
    y = OFF_TARGET

    def reported_ce(z):
        p = core.softmax(z)
        return core.evaluate(y, p, logits=z if logits_mode else None).cross_entropy

    p = core.softmax(LOGITS)
    ev = core.evaluate(y, p, logits=LOGITS if logits_mode else None)
    assert abs(ev.gradient.sum()) <= 1e-15
    np.testing.assert_allclose(ev.gradient, central_difference(reported_ce, LOGITS), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(core.grad_logits(y, LOGITS), ev.gradient)
    # The loss is that of the normalised target: CE = H(y) + KL(y || p), by scipy.
    yn = y / y.sum()
    h, kl = float(np.sum(sps.entr(yn))), float(np.sum(sps.rel_entr(yn, p)))
    assert ev.entropy == pytest.approx(h, rel=1e-12)
    assert ev.kl_divergence == pytest.approx(kl, rel=1e-9)
    assert ev.cross_entropy == pytest.approx(h + kl, rel=1e-12)
    assert core.cross_entropy_from_logits(y, LOGITS) == pytest.approx(h + kl, rel=1e-12)
    assert core.cross_entropy(y, p) == pytest.approx(h + kl, rel=1e-12)
