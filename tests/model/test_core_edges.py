"""ce_desktop.model.core at the edges of its input: targets a little off 1, predictions a rounding
step from the target, logits at the ends of the float range.

References are independent of the code: scipy.special, central finite differences, exact
rational arithmetic (fractions) and hand-worked values (the arithmetic is in the comments).
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from maths_reference import central_difference

from ce_desktop.model import core, distributions, optim

# Sums to 1 + 5e-7: inside SUM_TOLERANCE (1e-6), so accepted, but far from rounding.
OFF_TARGET = np.array([0.7, 0.2, 0.1 + 5e-7])
LOGITS = np.array([0.4, -1.3, 0.9])


# --------------------------------------------------------------------------- a target off by 5e-7


def test_a_target_a_little_off_one_is_normalised_where_it_enters():
    out = distributions.validate_distribution(OFF_TARGET, "target")
    assert abs(out.sum() - 1.0) <= 1e-15
    np.testing.assert_allclose(out, OFF_TARGET / OFF_TARGET.sum(), rtol=1e-15)
    # A batch row too; a row that sums to 1 up to rounding is left exactly as it is.
    rows = distributions.validate_distribution([OFF_TARGET, [0.7, 0.2, 0.1]])
    assert abs(rows[0].sum() - 1.0) <= 1e-15 and rows[1].tolist() == [0.7, 0.2, 0.1]
    # Rounding-level sums are kept bit for bit: [0.7, 0.2, 0.1] sums to 0.9999999999999999.
    assert distributions.validate_distribution([0.7, 0.2, 0.1]).tolist() == [0.7, 0.2, 0.1]


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


# --------------------------------------------------------------------------- CE >= H, CE = H + KL exactly


@st.composite
def near_equal_pairs(draw):
    """(y, p): a distribution and a prediction a few rounding steps away from it (p ~ y)."""
    c = draw(st.integers(2, 12))
    w = np.array(draw(st.lists(st.floats(1e-3, 1.0), min_size=c, max_size=c)))
    y = w / w.sum()
    nudge = np.array(draw(st.lists(st.integers(-4, 4), min_size=c, max_size=c)), dtype=float)
    p = y * (1.0 + nudge * 2.0**-52)
    return y, p


def assert_exact_identity(ce, h, kl):
    """CE >= H, KL >= 0, CE == H + KL and CE - H - KL == 0, all exactly in floats."""
    ce, h, kl = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (ce, h, kl))
    assert np.all(ce >= h), (ce, h)
    assert np.all(kl >= 0.0), kl
    assert np.all(ce == h + kl), (ce, h, kl)
    assert np.all(ce - h - kl == 0.0), (ce, h, kl)


@settings(deadline=None, max_examples=300)
@given(near_equal_pairs(), st.sampled_from([None, 2]))
def test_near_equal_pairs_keep_ce_at_least_h_and_ce_equal_to_h_plus_kl_exactly(pair, base):
    y, p = pair
    k = 1.0 if base is None else math.log(2.0)
    ev = core.evaluate(y, p, base)
    assert_exact_identity(ev.cross_entropy, ev.entropy, ev.kl_divergence)
    # Still the accurate cross-entropy (scipy), and the separate functions give the same numbers.
    assert ev.cross_entropy == pytest.approx(float(-np.sum(sps.xlogy(y, p))) / k, rel=1e-12)
    assert core.cross_entropy(y, p, base) == ev.cross_entropy
    assert core.entropy(y, base) == ev.entropy
    assert core.kl_divergence(y, p, base) == ev.kl_divergence
    # Logits whose softmax is ~y: the logits route, the trajectory and a descent step agree too.
    z = np.log(p)
    ev_z = core.evaluate(y, core.softmax(z), base, logits=z)
    assert_exact_identity(ev_z.cross_entropy, ev_z.entropy, ev_z.kl_divergence)
    assert core.cross_entropy_from_logits(y, z, base) == ev_z.cross_entropy
    ce, h, kl = core.trajectory_losses(y, np.stack([z, z + 1e-9 * np.arange(z.size)]), base)
    assert_exact_identity(ce, h, kl)
    assert ce[0] == ev_z.cross_entropy and kl[0] == ev_z.kl_divergence and h == ev_z.entropy


def test_near_equal_pairs_fell_below_h_before_this_rule():
    """Without the rule, about 30 % of such pairs gave CE a rounding step below H(y)."""
    rng = np.random.default_rng(3)
    below = 0
    for _ in range(400):
        c = int(rng.integers(2, 12))
        y = rng.dirichlet(np.ones(c))
        p = y * (1.0 + rng.integers(-4, 5, c) * 2.0**-52)
        raw = float(-np.sum(sps.xlogy(y, p)))  # the plain sum, as scipy computes it
        below += raw < float(np.sum(sps.entr(y)))
        ev = core.evaluate(y, p)
        assert_exact_identity(ev.cross_entropy, ev.entropy, ev.kl_divergence)
    assert below > 40  # the cases exist: the rule is what keeps them out


def test_the_rule_moves_ce_by_one_rounding_step_where_h_plus_ce_minus_h_is_not_ce():
    # H = 2^-53, computed CE = 1 + 2^-52: CE - H = 1 + 2^-53 is a tie and rounds to even, 1.0;
    # then H + 1.0 = 1 + 2^-53 rounds to 1.0 again, not to CE. The nearest CE for which both
    # identities hold is 1.0 (one step down), with KL = 1 - 2^-53 (exact).
    ce, kl = core.cross_entropy_and_kl(1.0 + 2.0**-52, 2.0**-53)
    assert (ce, kl) == (1.0, 1.0 - 2.0**-53)
    assert_exact_identity(ce, 2.0**-53, kl)
    # A computed CE below H (by rounding) is H, with KL 0; an infinite CE has infinite KL.
    assert core.cross_entropy_and_kl(0.8 - 2.0**-53, 0.8) == (0.8, 0.0)
    assert core.cross_entropy_and_kl(math.inf, 0.7) == (math.inf, math.inf)
    assert core.cross_entropy_and_kl(1.5, 1.25) == (1.5, 0.25)


@settings(deadline=None, max_examples=500)
@given(st.floats(0.0, 1e3), st.floats(0.0, 1e3))
def test_the_rule_holds_for_any_pair_of_floats(a, b):
    h, raw = min(a, b), max(a, b)
    ce, kl = core.cross_entropy_and_kl(raw, h)
    assert_exact_identity(ce, h, kl)
    assert abs(ce - raw) <= math.ulp(raw)  # at most one rounding step from the computed CE


def test_the_rule_holds_on_a_grid_of_ties():
    """Halfway cases, where CE - H and H + KL round to even: CE just above a power of two, H a
    few steps of the last bit of CE (the pairs a random draw almost never meets)."""
    for scale in (2.0**-20, 1.0, 2.0**30):
        for j in range(64):
            raw = scale * (1.0 + j * 2.0**-52)
            for i in range(64):
                h = scale * i * 2.0**-56
                ce, kl = core.cross_entropy_and_kl(raw, h)
                assert_exact_identity(ce, h, kl)
                assert abs(ce - raw) <= math.ulp(raw)


# --------------------------------------------------------------------------- logits at the ends of the float range


def exact_ce_from_logits(y, z, t=1.0) -> Fraction:
    """-sum y_i log softmax(z / T)_i = sum y_i (max z - z_i) / T + log sum_j exp((z_j - max z) / T),
    the first sum in exact rational arithmetic (it is what overflows), the second in floats
    (it lies between 0 and log C)."""
    m = max(Fraction(v) for v in z)
    gaps = [(m - Fraction(v)) / Fraction(t) for v in z]
    log_total = math.log(sum(math.exp(-float(g)) if g < 800 else 0.0 for g in gaps))
    return sum(Fraction(w) * g for w, g in zip(y, gaps, strict=True) if w > 0) + Fraction(log_total)


def test_logits_wider_apart_than_the_float_range_give_the_finite_loss(fp_errors_raise):
    # z - max z = -2e308 is beyond the float range, but the loss is not: by hand,
    # 0.7 * 0 + 0.2 * 2e308 + 0.1 * 2e308 + log(1 + 2 e^-2e308) = 0.3 * 2e308 = 6e307 nats.
    y, z = np.array([0.7, 0.2, 0.1]), np.array([1e308, -1e308, -1e308])
    truth = float(exact_ce_from_logits(y, z))
    assert truth == pytest.approx(6e307, rel=1e-15)
    assert core.cross_entropy_from_logits(y, z) == pytest.approx(truth, rel=1e-15)
    assert core.cross_entropy_from_logits(y, z, base=2) == pytest.approx(truth / math.log(2), rel=1e-15)
    p, raw = core.softmax_and_cross_entropy(y, z)
    assert p.tolist() == [1.0, 0.0, 0.0] and raw == pytest.approx(truth, rel=1e-15)
    ev = core.evaluate(y, p, logits=z)
    assert ev.cross_entropy == pytest.approx(truth, rel=1e-15)
    assert_exact_identity(ev.cross_entropy, ev.entropy, ev.kl_divergence)
    # Per class: 0.2 * 2e308 = 4e307 and 0.1 * 2e308 = 2e307; KL term = CE term - H term.
    np.testing.assert_allclose(ev.contributions.cross_entropy, [0.0, 4e307, 2e307], rtol=1e-15)
    np.testing.assert_allclose(ev.contributions.kl_divergence,
                               ev.contributions.cross_entropy - ev.contributions.entropy, rtol=1e-15)
    assert ev.perplexity == math.inf  # e^(6e307) is beyond every float: the honest infinity
    ce, h, kl = core.trajectory_losses(y, np.stack([z, [1.0, 2.0, 3.0]]))
    assert ce[0] == ev.cross_entropy and kl[0] == ev.kl_divergence and np.isfinite(ce).all()
    # A temperature below 1 widens the gaps to 4e308; the loss, 1.2e308, still fits.
    assert core.cross_entropy_from_logits(y, z, temperature=0.5) == pytest.approx(1.2e308, rel=1e-15)


@settings(deadline=None, max_examples=200)
@given(st.floats(0.5, 1.79), st.floats(0.5, 1.79),
       st.lists(st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(0.0, 1.79), st.integers(300, 308)), max_size=4),
       st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1.0)), min_size=6, max_size=6),
       st.sampled_from([0.5, 1.0, 4.0]))
def test_huge_logits_give_the_exact_loss_or_infinity_only_beyond_the_float_range(top, bottom, others, w, t):
    # The largest logit near +1e308, another near -1e308: gaps from 1e308 to 3.6e308, and T
    # widens or narrows them; the other logits anywhere from -1.8e308 to 1.8e308.
    z = np.array([top * 1e308, -bottom * 1e308] + [s * m * 10.0**e for s, m, e in others])
    y = np.array(w[: z.size])
    assume(y.sum() > 0)
    y /= y.sum()
    truth = exact_ce_from_logits(y, z, t)
    with np.errstate(all="raise"):
        got = core.cross_entropy_from_logits(y, z, temperature=t)
        ev = core.evaluate(y, core.softmax(z, t), logits=z, temperature=t)
    assert not math.isnan(got) and ev.cross_entropy == got
    largest = Fraction(sys.float_info.max)
    if truth < largest * Fraction(999, 1000):
        assert got == pytest.approx(float(truth), rel=1e-12)
    elif truth > largest * Fraction(1001, 1000):  # more than the largest float: no finite answer
        assert got == math.inf


def test_infinity_only_where_a_wanted_class_has_probability_zero_or_beyond_the_float_range(fp_errors_raise):
    # Logit -inf for a class the target wants: the true loss is infinite.
    assert core.cross_entropy_from_logits([0.5, 0.5, 0.0], [0.0, -np.inf, 1.0]) == math.inf
    ev = core.evaluate([0.5, 0.5, 0.0], core.softmax([0.0, -np.inf, 1.0]), logits=[0.0, -np.inf, 1.0])
    assert ev.cross_entropy == math.inf and ev.kl_divergence == math.inf
    # Each term finite (0.5 * 3.4e308 = 1.7e308) but the loss, 3.4e308, beyond the largest float:
    # +inf is the rounded value, and no overflow warning escapes.
    z = [1.7e308, -1.7e308, -1.7e308]
    assert core.cross_entropy_from_logits([0.0, 0.5, 0.5], z) == math.inf
    assert core.softmax_and_cross_entropy([0.0, 0.5, 0.5], z)[1] == math.inf
    assert core.evaluate([0.0, 0.5, 0.5], core.softmax(z), logits=z).cross_entropy == math.inf
    # -inf for a class the target does not want: finite, by hand 0.5 * 0 + 0.5 * 0 + log 2 = log 2.
    assert core.cross_entropy_from_logits([0.5, 0.5, 0.0], [0.0, 0.0, -np.inf]) == pytest.approx(math.log(2), rel=1e-15)


# --------------------------------------------------------------------------- the one bound of a descent run


def test_a_step_beyond_the_logit_limit_stops_the_run_before_it():
    assert optim.LOGIT_LIMIT == 1e6
    # y = (1, 0), z = (0, 0): the gradient is (0.5 - 1, 0.5) = (-0.5, 0.5); a learning rate of
    # 1e7 would move the logits to (5e6, -5e6): beyond ±1e6, so the step is refused.
    with pytest.raises(FloatingPointError, match="beyond ±1,000,000: the learning rate is far too large"):
        optim.optimizer_step([1.0, 0.0], [0.0, 0.0], optim.optimizer_init([0.0, 0.0]),
                             optim.OptimizerSettings("sgd", 1e7))
    # lr 2e6 moves them to exactly (1e6, -1e6): on the bound, allowed.
    z, _ = optim.optimizer_step(
        [1.0, 0.0], [0.0, 0.0], optim.optimizer_init([0.0, 0.0]), optim.OptimizerSettings("sgd", 2e6)
    )
    assert z.tolist() == [1e6, -1e6]
    # The pure run yields every step up to the one that would leave the bound, then raises.
    # Momentum 0.9, lr 1.2e6: step 1 moves by 1.2e6 * 0.5 to (6e5, -6e5), where softmax is
    # (1, 0) and the gradient 0; step 2 moves by 1.2e6 * 0.9 * 0.5 = 5.4e5 more, to 1.14e6.
    seen = []
    with pytest.raises(FloatingPointError, match="beyond ±1,000,000"):
        for z in optim.optimizer_path([1.0, 0.0], [0.0, 0.0], 10, optim.OptimizerSettings("momentum", 1.2e6)):
            seen.append(z)
    assert [s.tolist() for s in seen] == [[0.0, 0.0], [6e5, -6e5]]
    # Starting logits beyond the bound are refused up front.
    with pytest.raises(ValueError, match="within ±1,000,000"):
        optim.optimizer_init([2e6, 0.0])
    # A -inf logit (probability 0) stays -inf and is no step beyond the bound.
    z, _ = optim.optimizer_step(
        [0.5, 0.5, 0.0],
        [0.0, 1.0, -np.inf],
        optim.optimizer_init([0.0, 1.0, -np.inf]),
        optim.OptimizerSettings("sgd", 1.0),
    )
    assert z[2] == -np.inf and np.all(np.isfinite(z[:2]))


def test_optimize_is_its_path_stacked():
    y, z0 = [0.6, 0.3, 0.1], [0.5, -1.0, 2.0]
    for name in optim.OPTIMIZERS:
        s = optim.OptimizerSettings(name, 0.3)
        path = list(optim.optimizer_path(y, z0, 25, s))
        assert len(path) == 26
        np.testing.assert_array_equal(np.stack(path), optim.optimize(y, z0, 25, s))
