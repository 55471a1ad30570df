"""Tests of ce_desktop.model.core: the maths every view and the command line trust.

References are independent of the code under test: values worked out by hand (the
arithmetic is in the comments), scipy.special / scipy.stats, central finite differences,
and identities checked with hypothesis. No Qt is imported here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as sst
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from maths_reference import (
    central_difference,
    logits,
    pairs,
    probability_vectors,
    rng_pairs,
    target_and_logits,
)

from ce_desktop.model import binary, core, distributions, optim, simplex_geometry

LN2 = math.log(2.0)
PROPERTY = settings(deadline=None, max_examples=60)
SLOW_PROPERTY = settings(deadline=None, max_examples=20)


# --------------------------------------------------------------------------- the seed page's table

# Every row recomputed by hand (natural logs; ln 0.8 = -0.22314355, ln 0.4 = -0.91629073,
# ln 0.05 = -2.99573227, ln 0.99 = -0.01005034, ln 0.33 = -1.10866262, ln 0.6 = -0.51082562,
# ln 0.3 = -1.20397280, ln 0.1 = -2.30258509, ln 0.93 = -0.07257069, ln 0.04 = -3.21887582,
# ln 0.03 = -3.50655790, ln 0.7 = -0.35667494, ln 0.2 = -1.60943791, ln 0.4 = -0.91629073,
# ln 0.95 = -0.05129329, ln 0.02 = -3.91202301).
SEED_ROWS = [
    # (sample, y, y_hat, CE by hand, H(y) by hand, value printed on the seed page)
    # 1: -ln 0.8 = 0.22314355
    (1, [1, 0, 0], [0.8, 0.1, 0.1], 0.22314355, 0.0, 0.223),
    # 2: -ln 0.4 = 0.91629073
    (2, [0, 1, 0], [0.3, 0.4, 0.3], 0.91629073, 0.0, 0.916),
    # 3: -ln 0.05 = 2.99573227
    (3, [0, 0, 1], [0.9, 0.05, 0.05], 2.99573227, 0.0, 2.996),
    # 4: -ln 0.99 = 0.01005034
    (4, [1, 0, 0], [0.99, 0.005, 0.005], 0.01005034, 0.0, 0.010),
    # 5: -ln 0.33 = 1.10866262. The seed prints 1.099 (= ln 3, the loss of an exactly uniform guess): wrong.
    (5, [0, 1, 0], [0.33, 0.33, 0.34], 1.10866262, 0.0, 1.099),
    # 6: 0.7*0.51082562 + 0.2*1.20397280 + 0.1*2.30258509 = 0.35757794 + 0.24079456 + 0.23025851 = 0.82863101
    #    H = 0.7*0.35667494 + 0.2*1.60943791 + 0.1*2.30258509 = 0.24967246 + 0.32188758 + 0.23025851 = 0.80181855
    (6, [0.7, 0.2, 0.1], [0.6, 0.3, 0.1], 0.82863101, 0.80181855, 0.829),
    # 7: 0.4*0.22314355 + 0.3*2.30258509 + 0.3*2.30258509 = 0.08925742 + 0.69077553 + 0.69077553 = 1.47080848
    #    The seed prints 0.891: wrong.  H = 0.4*0.91629073 + 0.6*1.20397280 = 0.36651629 + 0.72238368 = 1.08889997
    (7, [0.4, 0.3, 0.3], [0.8, 0.1, 0.1], 1.47080848, 1.08889997, 0.891),
    # 8: 0.95*0.07257069 + 0.03*3.21887582 + 0.02*3.50655790 = 0.06894216 + 0.09656627 + 0.07013116 = 0.23563959
    #    The seed prints 0.021: wrong.  H = 0.95*0.05129329 + 0.03*3.50655790 + 0.02*3.91202301
    #    = 0.04872863 + 0.10519674 + 0.07824046 = 0.23216583
    (8, [0.95, 0.03, 0.02], [0.93, 0.04, 0.03], 0.23563959, 0.23216583, 0.021),
]
SEED_WRONG = {5, 7, 8}


@pytest.mark.parametrize("sample,y,p,ce,h,printed", SEED_ROWS, ids=[f"sample{r[0]}" for r in SEED_ROWS])
def test_seed_table_rows_against_hand_computation(sample, y, p, ce, h, printed):
    assert core.cross_entropy(y, p) == pytest.approx(ce, abs=2e-8)
    assert core.entropy(y) == pytest.approx(h, abs=2e-8)
    assert core.kl_divergence(y, p) == pytest.approx(ce - h, abs=4e-8)
    # The same number by scipy's xlogy, an independent implementation.
    assert core.cross_entropy(y, p) == pytest.approx(-np.sum(sps.xlogy(y, p)), rel=1e-12)
    # Rows the page got right agree to its three decimals; the wrong ones really are wrong.
    if sample in SEED_WRONG:
        assert abs(round(core.cross_entropy(y, p), 3) - printed) > 0.005
    else:
        assert round(core.cross_entropy(y, p), 3) == pytest.approx(printed, abs=1e-12)


@pytest.mark.parametrize("sample,y,p,ce,h,printed", SEED_ROWS, ids=[f"sample{r[0]}" for r in SEED_ROWS])
def test_seed_table_gradients_are_prediction_minus_target(sample, y, p, ce, h, printed):
    # With logits z = log p (softmax(z) = p), dCE/dz = p - y: e.g. sample 1 gives (-0.2, 0.1, 0.1).
    z = np.log(p)
    expected = np.array(p) - np.array(y)
    assert core.grad_logits(y, z) == pytest.approx(expected, abs=1e-12)
    numeric = central_difference(lambda v: core.cross_entropy_from_logits(y, v), z)
    assert numeric == pytest.approx(expected, abs=1e-7)


def test_seed_sample6_per_class_terms_by_hand():
    c = core.contributions([0.7, 0.2, 0.1], [0.6, 0.3, 0.1])
    # -y_i ln p_i: 0.7*0.51082562, 0.2*1.20397280, 0.1*2.30258509
    assert c.cross_entropy == pytest.approx([0.35757794, 0.24079456, 0.23025851], abs=1e-8)
    # -y_i ln y_i: 0.7*0.35667494, 0.2*1.60943791, 0.1*2.30258509
    assert c.entropy == pytest.approx([0.24967246, 0.32188758, 0.23025851], abs=1e-8)
    # y_i ln(y_i/p_i): 0.7 ln(7/6) = 0.7*0.15415068 = 0.10790548; 0.2 ln(2/3) = 0.2*(-0.40546511) = -0.08109302; 0
    assert c.kl_divergence == pytest.approx([0.10790548, -0.08109302, 0.0], abs=1e-8)
    # One KL term is negative, the sum is not.
    assert c.kl_divergence[1] < 0 < c.kl_divergence.sum()


# --------------------------------------------------------------------------- scipy as a reference


@pytest.mark.parametrize("case", range(25))
def test_against_scipy_on_random_cases(case):
    y, p = rng_pairs(1234)[case]
    c = core.contributions(y, p)
    assert c.cross_entropy == pytest.approx(-sps.xlogy(y, p), rel=1e-12, abs=1e-15)
    assert c.entropy == pytest.approx(sps.entr(y), rel=1e-12, abs=1e-15)
    assert c.kl_divergence == pytest.approx(sps.rel_entr(y, p), rel=1e-9, abs=1e-13)
    assert core.entropy(y) == pytest.approx(sst.entropy(y), rel=1e-12)
    assert core.kl_divergence(y, p) == pytest.approx(sst.entropy(y, p), rel=1e-9, abs=1e-14)
    assert core.entropy(y, base=2) == pytest.approx(sst.entropy(y, base=2), rel=1e-12)
    assert core.kl_divergence(y, p, base=2) == pytest.approx(sst.entropy(y, p, base=2), rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("seed", range(10))
def test_softmax_and_log_softmax_against_scipy(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=5.0, size=(4, int(rng.integers(2, 10))))
    t = float(rng.uniform(0.05, 20.0))
    assert core.softmax(z[0]) == pytest.approx(sps.softmax(z[0]), rel=1e-12, abs=1e-300)
    assert core.log_softmax(z[0]) == pytest.approx(sps.log_softmax(z[0]), rel=1e-12, abs=1e-12)
    assert core.softmax(z, temperature=t) == pytest.approx(sps.softmax(z / t, axis=-1), rel=1e-10, abs=1e-300)
    assert core.log_softmax(z, temperature=t) == pytest.approx(sps.log_softmax(z / t, axis=-1), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_cross_entropy_from_logits_against_scipy(seed):
    rng = np.random.default_rng(100 + seed)
    c = int(rng.integers(2, 10))
    y = rng.dirichlet(np.ones(c))
    z = rng.normal(scale=3.0, size=c)
    t = float(rng.uniform(0.2, 5.0))
    expected = -np.sum(y * sps.log_softmax(z / t))
    assert core.cross_entropy_from_logits(y, z, temperature=t) == pytest.approx(expected, rel=1e-12)
    assert core.cross_entropy_from_logits(y, z, base=2, temperature=t) == pytest.approx(expected / LN2, rel=1e-12)


# --------------------------------------------------------------------------- properties (hypothesis)


@PROPERTY
@given(pairs())
def test_ce_equals_entropy_plus_kl(yp):
    y, p = yp
    ce, h, kl = core.cross_entropy(y, p), core.entropy(y), core.kl_divergence(y, p)
    assert ce == pytest.approx(h + kl, rel=1e-9, abs=1e-12)
    assert ce >= h - 1e-12


@PROPERTY
@given(pairs(zeros_in_prediction=True))
def test_identity_holds_with_infinities(yp):
    y, p = yp
    ce, h, kl = core.cross_entropy(y, p), core.entropy(y), core.kl_divergence(y, p)
    assert not any(math.isnan(v) for v in (ce, h, kl))
    infinite = bool(np.any((y > 0) & (p == 0)))
    assert math.isinf(ce) == infinite == math.isinf(kl)
    assert math.isfinite(h)
    if not infinite:
        assert ce == pytest.approx(h + kl, rel=1e-9, abs=1e-12)


@PROPERTY
@given(pairs())
def test_kl_is_nonnegative_and_zero_only_at_equality(yp):
    y, p = yp
    kl = core.kl_divergence(y, p)
    assert kl >= 0
    assert core.kl_divergence(y, y) == 0.0
    # Pinsker's inequality: KL >= ||y - p||_1^2 / 2, so KL > 0 whenever y != p.
    l1 = float(np.abs(y - p).sum())
    assert kl >= 0.5 * l1**2 - 1e-12
    if l1 > 1e-6:
        assert kl > 0


@PROPERTY
@given(pairs())
def test_ce_at_least_entropy_with_equality_at_p_equals_y(yp):
    y, p = yp
    assert core.cross_entropy(y, p) >= core.entropy(y) - 1e-12
    assert core.cross_entropy(y, y) == pytest.approx(core.entropy(y), rel=1e-12, abs=1e-15)


@PROPERTY
@given(target_and_logits(), st.floats(0.05, 20.0))
def test_gradient_sums_to_zero(yz, t):
    y, z = yz
    assert abs(core.grad_logits(y, z).sum()) < 1e-12
    assert abs(core.grad_logits(y, z, temperature=t).sum()) < 1e-10


@PROPERTY
@given(st.integers(2, 8).flatmap(logits), st.floats(-1000.0, 1000.0), st.floats(0.05, 20.0))
def test_softmax_is_shift_invariant(z, shift, t):
    p = core.softmax(z, temperature=t)
    assert core.softmax(z + shift, temperature=t) == pytest.approx(p, rel=1e-9, abs=1e-12)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(p >= 0)
    assert core.log_softmax(z + shift, temperature=t) == pytest.approx(core.log_softmax(z, temperature=t), abs=1e-9)


@PROPERTY
@given(st.integers(2, 8).flatmap(logits), st.floats(0.05, 20.0))
def test_log_softmax_is_log_of_softmax(z, t):
    lsm = core.log_softmax(z, temperature=t)
    assert np.all(lsm <= 0)
    assert np.exp(lsm) == pytest.approx(core.softmax(z, temperature=t), rel=1e-9, abs=1e-300)


@PROPERTY
@given(pairs(zeros_in_prediction=True))
def test_contributions_add_up_to_the_totals(yp):
    y, p = yp
    c = core.contributions(y, p)
    assert c.cross_entropy.shape == c.entropy.shape == c.kl_divergence.shape == y.shape
    assert c.cross_entropy.sum() == pytest.approx(core.cross_entropy(y, p), rel=1e-12)
    assert c.entropy.sum() == pytest.approx(core.entropy(y), rel=1e-12, abs=1e-15)
    assert np.all(c.entropy >= 0) and np.all(c.cross_entropy >= 0)
    # Classes with y_i = 0 contribute exactly nothing to any of the three sums.
    for terms in c:
        assert np.all(terms[y == 0] == 0)
        assert not np.any(np.isnan(terms))


@SLOW_PROPERTY
@given(probability_vectors(zeros=False), st.integers(0, 2**32 - 1))
def test_plain_descent_on_a_soft_target_approaches_its_entropy_not_zero(y, seed):
    assume(y.min() > 0.05)
    z0 = np.random.default_rng(seed).normal(scale=2.0, size=y.size)
    traj = optim.gradient_descent(y, z0, learning_rate=1.0, steps=400)
    losses = [core.cross_entropy_from_logits(y, z) for z in traj]
    h = core.entropy(y)
    assert h > 0.15  # a soft target has a floor well above 0 ...
    assert losses[-1] == pytest.approx(h, abs=1e-6)  # ... and descent settles on it
    assert min(losses) >= h - 1e-12  # never below the floor
    assert core.softmax(traj[-1]) == pytest.approx(y, abs=1e-4)


@pytest.mark.parametrize("true_class,c", [(0, 2), (2, 3), (4, 10)])
def test_plain_descent_on_a_hard_target_falls_to_zero_monotonically(true_class, c):
    y = distributions.one_hot(true_class, c)
    z0 = np.random.default_rng(c).normal(size=c)
    traj = optim.gradient_descent(y, z0, learning_rate=0.5, steps=3000)
    losses = np.array([core.cross_entropy_from_logits(y, z) for z in traj])
    assert np.all(np.diff(losses) < 0)  # strictly falling: lr 0.5 is below 2/L (L <= 1/2)
    assert losses[-1] < 0.01 and losses[-1] > 0  # towards 0, never reaching it
    # ... because the true class's logit keeps growing and the others keep falling.
    assert np.all(np.diff(traj[:, true_class]) > 0)
    others = np.delete(traj, true_class, axis=1)
    assert np.all(np.diff(others, axis=0) < 0)
    gap = traj[:, true_class] - others.max(axis=1)
    assert gap[-1] > gap[len(gap) // 2] > gap[0]


# --------------------------------------------------------------------------- batches and units


@PROPERTY
@given(st.integers(2, 6), st.integers(1, 5), st.data())
def test_batch_inputs_give_one_result_per_row(c, n, data):
    ys = np.array([data.draw(probability_vectors(c)) for _ in range(n)])
    ps = np.array([data.draw(probability_vectors(c, zeros=False)) for _ in range(n)])
    zs = np.array([data.draw(logits(c)) for _ in range(n)])
    for fn in (core.cross_entropy, core.kl_divergence):
        out = fn(ys, ps)
        assert out.shape == (n,)
        assert out == pytest.approx([fn(y, p) for y, p in zip(ys, ps, strict=True)], rel=1e-12, abs=1e-15)
    assert core.entropy(ys) == pytest.approx([core.entropy(y) for y in ys], rel=1e-12, abs=1e-15)
    assert core.cross_entropy_from_logits(ys, zs) == pytest.approx(
        [core.cross_entropy_from_logits(y, z) for y, z in zip(ys, zs, strict=True)], rel=1e-12, abs=1e-15
    )
    assert core.softmax(zs) == pytest.approx(np.array([core.softmax(z) for z in zs]), rel=1e-12, abs=1e-300)
    rows = [core.grad_logits(y, z) for y, z in zip(ys, zs, strict=True)]
    assert core.grad_logits(ys, zs) == pytest.approx(np.array(rows))
    c2 = core.contributions(ys, ps)
    assert c2.kl_divergence.shape == (n, c)
    assert c2.cross_entropy.sum(axis=1) == pytest.approx(core.cross_entropy(ys, ps), rel=1e-12)


@pytest.mark.parametrize("case", range(8))
def test_bits_are_nats_divided_by_ln2(case):
    y, p = rng_pairs(99, 8)[case]
    z = np.log(p)
    for fn, args in [
        (core.cross_entropy, (y, p)),
        (core.entropy, (y,)),
        (core.kl_divergence, (y, p)),
        (core.cross_entropy_from_logits, (y, z)),
    ]:
        assert fn(*args, base=2) == pytest.approx(fn(*args) / LN2, rel=1e-12, abs=1e-15)
    c_nats, c_bits = core.contributions(y, p), core.contributions(y, p, base=2)
    for a, b in zip(c_nats, c_bits, strict=True):
        assert b == pytest.approx(a / LN2, rel=1e-12, abs=1e-15)
    assert binary.binary_cross_entropy(0.3, 0.6, base=2) == pytest.approx(binary.binary_cross_entropy(0.3, 0.6) / LN2)
    # Base 10 works too (decimal digits, "hartleys").
    assert core.entropy(y, base=10) == pytest.approx(sst.entropy(y, base=10), rel=1e-12)


def test_bits_by_hand():
    # A fair coin carries exactly 1 bit; a uniform guess over 4 classes costs log2 4 = 2 bits.
    assert core.entropy([0.5, 0.5], base=2) == pytest.approx(1.0, abs=1e-15)
    assert core.cross_entropy([1, 0, 0, 0], [0.25] * 4, base=2) == pytest.approx(2.0, abs=1e-15)


@pytest.mark.parametrize("base", [0, 1, -2, "two", float("nan"), float("inf")])
def test_invalid_base_is_refused(base):
    with pytest.raises(ValueError, match="base"):
        core.entropy([0.5, 0.5], base=base)


# --------------------------------------------------------------------------- zeros and infinities


def test_zero_times_log_zero_is_zero_without_warnings(fp_errors_raise):
    # pytest turns warnings into errors and the fixture makes numpy raise on any unsilenced FP event.
    assert core.entropy([1.0, 0.0, 0.0]) == 0.0
    assert core.cross_entropy([1.0, 0.0, 0.0], [1.0, 0.0, 0.0]) == 0.0
    assert core.kl_divergence([1.0, 0.0, 0.0], [1.0, 0.0, 0.0]) == 0.0
    c = core.contributions([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])
    assert c.entropy[2] == 0.0 and c.cross_entropy[2] == 0.0 and c.kl_divergence[2] == 0.0
    # No negative zero sneaks out either (it would print as "-0.000").
    assert not np.any(np.signbit(core.contributions([1.0, 0.0], [1.0, 0.0]).entropy))
    assert not np.any(np.signbit(core.contributions([1.0, 0.0], [1.0, 0.0]).cross_entropy))


def test_positive_target_on_zero_prediction_is_plus_infinity_never_nan(fp_errors_raise):
    y, p = [0.0, 1.0, 0.0], [0.5, 0.0, 0.5]
    assert core.cross_entropy(y, p) == math.inf
    assert core.kl_divergence(y, p) == math.inf
    assert core.entropy(y) == 0.0
    c = core.contributions(y, p)
    assert c.cross_entropy.tolist() == [0.0, math.inf, 0.0]
    assert c.kl_divergence.tolist() == [0.0, math.inf, 0.0]
    assert core.cross_entropy([0.5, 0.5], [1.0, 0.0], base=2) == math.inf
    ev = core.evaluate(y, p)
    assert ev.cross_entropy == ev.kl_divergence == ev.perplexity == math.inf
    assert not np.any(np.isnan(ev.gradient))
    # -inf logits mean probability 0, and the same infinite loss.
    assert core.cross_entropy_from_logits(y, [0.0, -math.inf, 0.0]) == math.inf
    assert core.softmax([0.0, -math.inf, 0.0]).tolist() == [0.5, 0.0, 0.5]
    assert core.cross_entropy_from_logits([0.5, 0, 0.5], [0.0, -math.inf, 0.0]) == pytest.approx(math.log(2))


def test_cross_entropy_from_logits_is_exact_where_softmax_underflows(fp_errors_raise):
    z = [1000.0, 0.0, -1000.0]
    # log softmax(z) = z - logsumexp(z) = z - (1000 + log(1 + e^-1000 + e^-2000)) = z - 1000 exactly in floats.
    assert core.log_softmax(z).tolist() == [0.0, -1000.0, -2000.0]
    assert core.softmax(z).tolist() == [1.0, 0.0, 0.0]
    assert core.cross_entropy_from_logits([0, 0, 1], z) == 2000.0
    assert core.cross_entropy_from_logits([0, 1, 0], z) == 1000.0
    assert core.cross_entropy_from_logits([1, 0, 0], z) == 0.0
    assert core.cross_entropy_from_logits([0.5, 0, 0.5], z) == 1000.0
    assert core.cross_entropy_from_logits([0, 0, 1], z, base=2) == pytest.approx(2000.0 / LN2, rel=1e-15)
    # The probability route cannot see this: p_3 underflowed to exactly 0.
    assert core.cross_entropy([0, 0, 1], core.softmax(z)) == math.inf
    # With a temperature the logits are divided first: z / 10 = (100, 0, -100) -> 200 nats.
    assert core.cross_entropy_from_logits([0, 0, 1], z, temperature=10) == pytest.approx(200.0, rel=1e-15)


def test_extreme_finite_logits_give_no_nan_and_no_warning(fp_errors_raise):
    assert core.softmax([1e308, -1e308]).tolist() == [1.0, 0.0]
    assert core.softmax([1e308, 0.0], temperature=0.5).tolist() == [1.0, 0.0]
    assert core.softmax([1e308, 1e308]).tolist() == [0.5, 0.5]
    assert core.log_softmax([1e308, -1e308])[0] == 0.0
    assert core.softmax([-1e4, 1e4], temperature=0.01).tolist() == [0.0, 1.0]


def test_evaluate_in_logits_mode_keeps_per_class_terms_exact():
    z = [1000.0, 0.0, -1000.0]
    ev = core.evaluate([0, 0, 1], core.softmax(z), logits=z)
    assert ev.cross_entropy == 2000.0
    assert ev.kl_divergence == 2000.0
    # The per-class terms add up to the total instead of showing inf next to a finite CE.
    assert ev.contributions.cross_entropy.tolist() == [0.0, 0.0, 2000.0]
    assert ev.contributions.kl_divergence.tolist() == [0.0, 0.0, 2000.0]
    assert ev.perplexity == math.inf  # e^2000 overflows: an honest infinity
    assert ev.gradient.tolist() == [1.0, 0.0, -1.0]


# --------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    "fn",
    [
        lambda bad: core.cross_entropy(bad, [0.5, 0.3, 0.2]),
        lambda bad: core.entropy(bad),
        lambda bad: core.kl_divergence(bad, [0.5, 0.3, 0.2]),
        lambda bad: core.contributions(bad, [0.5, 0.3, 0.2]),
        lambda bad: core.cross_entropy_from_logits(bad, [0.0, 1.0, 2.0]),
        lambda bad: core.grad_logits(bad, [0.0, 1.0, 2.0]),
        lambda bad: distributions.smooth_labels(bad, 0.1),
    ],
    ids=["cross_entropy", "entropy", "kl", "contributions", "ce_from_logits", "grad_logits", "smooth_labels"],
)
@pytest.mark.parametrize(
    "bad,message",
    [
        ([0.6, -0.1, 0.5], r"target has a negative entry -0\.1 at index 1"),
        ([0.5, 0.5, float("nan")], r"target has a non-finite entry nan at index 2"),
        ([float("inf"), 0.0, 0.0], r"target has a non-finite entry inf at index 0"),
        ([0.5, 0.3, 0.3], r"target must sum to 1, but sums to 1\.1"),
        ([1.0], r"target needs at least 2 classes, got 1"),
        ([[[1.0, 0.0]]], r"target must be 1-D .* or 2-D .*got 3-D"),
        (["a", "b", "c"], r"target must be numbers"),
    ],
)
def test_invalid_targets_say_what_and_where(fn, bad, message):
    with pytest.raises(ValueError, match=message):
        fn(bad)


@pytest.mark.parametrize(
    "p,message",
    [
        ([0.5, 0.6, -0.1], r"prediction has a negative entry -0\.1 at index 2"),
        ([0.5, float("nan"), 0.5], r"prediction has a non-finite entry nan at index 1"),
        ([0.2, 0.2, 0.2], r"prediction must sum to 1, but sums to 0\.6"),
        ([0.5, 0.5], r"target and prediction have different shapes: \(3,\) and \(2,\)"),
        ([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]], r"different shapes: \(3,\) and \(2, 3\)"),
    ],
)
def test_invalid_predictions_say_what_and_where(p, message):
    for fn in (core.cross_entropy, core.kl_divergence, core.contributions):
        with pytest.raises(ValueError, match=message):
            fn([0.5, 0.3, 0.2], p)


def test_batch_errors_name_the_row():
    with pytest.raises(ValueError, match=r"target row 1 must sum to 1, but sums to 0\.9"):
        core.entropy([[0.5, 0.5], [0.4, 0.5]])
    with pytest.raises(ValueError, match=r"negative entry -0\.5 at index \(1, 0\)"):
        core.entropy([[0.5, 0.5], [-0.5, 1.5]])


def test_sum_tolerance_is_one_in_a_million():
    assert distributions.SUM_TOLERANCE == 1e-6
    core.entropy([0.5 + 4e-7, 0.5])  # within tolerance: accepted
    core.entropy([0.5 - 4e-7, 0.5])
    with pytest.raises(ValueError, match="must sum to 1"):
        core.entropy([0.5 + 3e-6, 0.5])
    with pytest.raises(ValueError, match="must sum to 1"):
        core.entropy([0.5 - 3e-6, 0.5])


def test_fewer_than_two_classes_is_refused_everywhere():
    assert distributions.MIN_CLASSES == 2
    for call in (
        lambda: core.softmax([3.0]),
        lambda: core.log_softmax([3.0]),
        lambda: core.cross_entropy([1.0], [1.0]),
        lambda: core.cross_entropy_from_logits([1.0], [0.0]),
        lambda: distributions.one_hot(0, 1),
        lambda: distributions.logits_from_probabilities([1.0]),
        lambda: optim.optimizer_init([0.0]),
    ):
        with pytest.raises(ValueError, match="at least 2 classes"):
            call()


@pytest.mark.parametrize(
    "z,message",
    [
        ([0.0, float("nan")], r"logits has an invalid entry nan at index 1"),
        ([float("inf"), 0.0], r"logits has an invalid entry inf at index 0"),
        ([-math.inf, -math.inf], r"logits cannot all be -inf"),
        ([1.0, -math.inf, float("nan")], r"logits has an invalid entry nan at index 2"),
        ([float("nan"), 5.0, -math.inf], r"logits has an invalid entry nan at index 0"),
        ([[0.0, 1.0], [-math.inf, -math.inf]], r"logits cannot all be -inf"),
        ([[0.0, 1.0], [2.0, math.inf]], r"logits has an invalid entry inf at index \(1, 1\)"),
        ([0.0], r"logits needs at least 2 classes"),
    ],
)
def test_invalid_logits_are_refused(z, message):
    with pytest.raises(ValueError, match=message):
        distributions.validate_logits(z)
    with pytest.raises(ValueError, match=message):
        core.softmax(z)


def test_target_and_logits_of_different_lengths():
    with pytest.raises(ValueError, match=r"target and logits have different shapes: \(2,\) and \(3,\)"):
        core.cross_entropy_from_logits([0.5, 0.5], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"target and logits have different shapes"):
        core.grad_logits([0.5, 0.5], [0.0, 1.0, 2.0])


@pytest.mark.parametrize("t", [0, -1, float("nan"), float("inf"), "hot"])
def test_invalid_temperatures_are_refused(t):
    with pytest.raises(ValueError, match="temperature must be a positive"):
        core.softmax([0.0, 1.0], temperature=t)
    with pytest.raises(ValueError, match="temperature"):
        core.grad_logits([1.0, 0.0], [0.0, 1.0], temperature=t)


def test_validators_return_float_arrays_unchanged():
    out = distributions.validate_distribution([1, 0, 0])
    assert out.dtype == float and out.tolist() == [1.0, 0.0, 0.0]
    # Off 1 by rounding only: kept as given ([0.7, 0.2, 0.1] sums to 0.9999999999999999).
    assert distributions.validate_distribution([0.7, 0.2, 0.1]).tolist() == [0.7, 0.2, 0.1]
    # Off by 5e-7 (accepted): divided by its sum, 1 + 5e-7 (test_core_edges checks the numbers).
    assert distributions.validate_distribution([0.5 + 5e-7, 0.5]).tolist() == [
        (0.5 + 5e-7) / (1 + 5e-7),
        0.5 / (1 + 5e-7),
    ]
    assert distributions.validate_logits([-math.inf, 2]).tolist() == [-math.inf, 2.0]
    with pytest.raises(ValueError, match="^distribution must sum to 1"):
        distributions.validate_distribution([0.3, 0.3])


# --------------------------------------------------------------------------- gradients by finite differences


@pytest.mark.parametrize("t", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("seed", range(4))
def test_grad_logits_matches_finite_differences(t, seed):
    rng = np.random.default_rng(seed)
    c = int(rng.integers(2, 8))
    y = rng.dirichlet(np.ones(c)) if seed % 2 else distributions.one_hot(int(rng.integers(c)), c)
    z = rng.normal(scale=2.0, size=c)
    numeric = central_difference(lambda v: core.cross_entropy_from_logits(y, v, temperature=t), z)
    assert core.grad_logits(y, z, temperature=t) == pytest.approx(numeric, abs=2e-7)
    # At T = 1 it is the seed page's y_hat - y; at T != 1 it is (y_hat - y) / T.
    assert core.grad_logits(y, z, temperature=t) == pytest.approx((sps.softmax(z / t) - y) / t, abs=1e-12)


def test_grad_logits_on_a_batch_matches_finite_differences_per_row():
    rng = np.random.default_rng(7)
    y = rng.dirichlet(np.ones(4), size=3)
    z = rng.normal(size=(3, 4))
    g = core.grad_logits(y, z)
    for r in range(3):
        numeric = central_difference(lambda v, r=r: core.cross_entropy_from_logits(y[r], v), z[r])
        assert g[r] == pytest.approx(numeric, abs=2e-7)


# --------------------------------------------------------------------------- perplexity and evaluate


def test_perplexity():
    # A uniform guess over 3 classes costs ln 3 nats = log2 3 bits: perplexity 3 either way.
    assert core.perplexity(math.log(3)) == pytest.approx(3.0, rel=1e-14)
    assert core.perplexity(math.log2(3), base=2) == pytest.approx(3.0, rel=1e-14)
    assert core.perplexity(0.0) == 1.0
    assert core.perplexity(math.inf) == math.inf
    assert core.perplexity(5000.0) == math.inf  # overflow is an honest infinity, with no warning
    assert core.perplexity([0.0, math.log(2)]) == pytest.approx([1.0, 2.0])


@pytest.mark.parametrize("base", [None, 2])
def test_evaluate_agrees_with_the_separate_functions(base):
    y, p = [0.7, 0.2, 0.1], [0.6, 0.3, 0.1]
    ev = core.evaluate(y, p, base)
    assert isinstance(ev, core.Evaluation)
    assert ev.cross_entropy == pytest.approx(core.cross_entropy(y, p, base), rel=1e-14)
    assert ev.entropy == pytest.approx(core.entropy(y, base), rel=1e-14)
    assert ev.kl_divergence == pytest.approx(core.kl_divergence(y, p, base), rel=1e-9)
    # Perplexity is the same number in both units: e^CE_nats = 2^CE_bits = e^0.82863101 = 2.29033...
    assert ev.perplexity == pytest.approx(math.exp(0.82863101), rel=1e-8)
    assert ev.gradient == pytest.approx([-0.1, 0.1, 0.0], abs=1e-15)  # always in nats
    assert isinstance(ev.contributions, core.Contributions)


def test_evaluate_with_logits_and_temperature():
    z, t, y = np.array([2.0, 1.0, 0.1]), 2.0, np.array([1.0, 0.0, 0.0])
    p = sps.softmax(z / t)
    ev = core.evaluate(y, p, logits=z, temperature=t)
    assert ev.cross_entropy == pytest.approx(-sps.log_softmax(z / t)[0], rel=1e-12)
    assert ev.gradient == pytest.approx((p - y) / t, rel=1e-12)
    assert ev.contributions.cross_entropy.sum() == pytest.approx(ev.cross_entropy, rel=1e-12)
    assert ev.contributions.kl_divergence.sum() == pytest.approx(ev.kl_divergence, rel=1e-9)


# --------------------------------------------------------------------------- the module's surface


@pytest.mark.parametrize("module", [core, distributions, optim, binary, simplex_geometry])
def test_every_public_name_exists_and_is_documented(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"{module.__name__}.{name} has no docstring"
    # Each name has one home: no module's __all__ lists a name another one defines.
    defined_here = {
        n
        for n in module.__all__
        if getattr(getattr(module, n), "__module__", module.__name__) in (module.__name__, "builtins", "numpy")
    }
    assert defined_here == set(module.__all__)


def test_named_tuples_have_the_documented_fields():
    assert core.Contributions._fields == ("cross_entropy", "entropy", "kl_divergence")
    assert core.Evaluation._fields == (
        "cross_entropy",
        "entropy",
        "kl_divergence",
        "perplexity",
        "contributions",
        "gradient",
    )
    assert optim.OptimizerState._fields == ("step", "velocity", "second")


# --------------------------------------------------------------------------- one-pass helpers


@pytest.mark.parametrize(
    "z, t",
    [
        ([2.0, 1.0, 0.1], 1.0),
        ([1000.0, 0.0, -1000.0], 1.0),
        ([0.0, -np.inf, 3.0], 0.5),
        ([1e308, -1e308, 0.0], 2.0),
        ([[1.0, 2.0, 3.0], [0.0, 0.0, -np.inf]], 1.5),
    ],
)
def test_softmax_and_log_softmax_are_the_two_functions_bit_for_bit(z, t):
    p, lsm = core.softmax_and_log_softmax(z, t)
    np.testing.assert_array_equal(p, core.softmax(z, t))
    np.testing.assert_array_equal(lsm, core.log_softmax(z, t))
    # ... and both are right: scipy's on the finite cases.
    if np.all(np.isfinite(z)) and np.max(np.abs(z)) < 1e6:
        np.testing.assert_allclose(p, sps.softmax(np.asarray(z) / t, axis=-1), rtol=1e-12)


def test_softmax_and_log_softmax_reject_what_softmax_rejects():
    with pytest.raises(ValueError, match="invalid entry"):
        core.softmax_and_log_softmax([0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="temperature"):
        core.softmax_and_log_softmax([0.0, 1.0], 0.0)


@pytest.mark.parametrize("base", [None, 2])
def test_contributions_of_a_target_without_zeros_match_scipy(base):
    """The no-zero fast path (every soft target without a zero class) against scipy.special."""
    rng = np.random.default_rng(11)
    for c in (2, 3, 10, 1000):
        y = rng.dirichlet(np.ones(c))
        p = rng.dirichlet(np.ones(c))
        assert y.min() > 0
        k = 1.0 if base is None else math.log(base)
        got = core.contributions(y, p, base)
        np.testing.assert_allclose(got.cross_entropy, -sps.xlogy(y, p) / k, rtol=1e-13)
        np.testing.assert_allclose(got.entropy, sps.entr(y) / k, rtol=1e-13)
        np.testing.assert_allclose(got.kl_divergence, sps.rel_entr(y, p) / k, rtol=1e-12, atol=1e-300)
        ev = core.evaluate(y, p, base)
        assert ev.cross_entropy == pytest.approx(ev.entropy + ev.kl_divergence, rel=1e-12)
        assert ev.kl_divergence == pytest.approx(float(np.sum(sps.rel_entr(y, p))) / k, rel=1e-9, abs=1e-15)


def test_contributions_without_zeros_show_no_minus_zero_and_infinity_where_p_is_zero():
    c = core.contributions([0.5, 0.5], [1.0, 0.0])
    assert c.cross_entropy[0] == 0.0 and not np.signbit(c.cross_entropy[0])
    assert c.cross_entropy[1] == np.inf and c.kl_divergence[1] == np.inf
    same = core.contributions([0.25, 0.75], [0.25, 0.75])
    assert not np.any(np.signbit(same.kl_divergence))


def test_evaluate_in_logits_mode_checks_the_logits_and_equals_the_separate_functions():
    y, z = np.array([0.6, 0.3, 0.1]), np.array([1.5, -0.5, 0.25])
    for base, t in ((None, 1.0), (2, 0.7)):
        p = core.softmax(z, t)
        ev = core.evaluate(y, p, base, logits=z, temperature=t)
        assert ev.cross_entropy == core.cross_entropy_from_logits(y, z, base, t)
        k = 1.0 if base is None else math.log(base)
        np.testing.assert_allclose(ev.contributions.cross_entropy, -y * sps.log_softmax(z / t) / k, rtol=1e-13)
        np.testing.assert_allclose(ev.gradient, (sps.softmax(z / t) - y) / t, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="invalid entry"):
        core.evaluate(y, core.softmax(z), logits=[1.0, np.nan, 0.0])


def test_softmax_and_cross_entropy_are_the_two_functions_bit_for_bit():
    for y, z, t in (
        ([0.7, 0.2, 0.1], [2.0, 1.0, 0.1], 1.0),
        ([0.0, 0.0, 1.0], [1000.0, 0.0, -1000.0], 1.0),
        ([1.0, 0.0, 0.0], [0.0, -np.inf, 3.0], 0.5),
    ):
        p, ce = core.softmax_and_cross_entropy(y, z, t)
        np.testing.assert_array_equal(p, core.softmax(z, t))
        assert core.cross_entropy_and_kl(ce, core.entropy(y))[0] == core.cross_entropy_from_logits(y, z, None, t)
    # By hand: y = (1, 0), z = (0, 0): softmax (1/2, 1/2), CE = log 2.
    p, ce = core.softmax_and_cross_entropy([1.0, 0.0], [0.0, 0.0])
    assert list(p) == [0.5, 0.5] and ce == pytest.approx(math.log(2), rel=1e-15)
    with pytest.raises(ValueError, match="different shapes"):
        core.softmax_and_cross_entropy([0.5, 0.5], [0.0, 1.0, 2.0])


def test_from_nats_converts_by_hand_and_refuses_a_bad_base():
    # ln 8 nats = log2 8 = 3 bits; ln 100 nats = 2 "digits" (base 10).
    assert core.from_nats(math.log(8.0), 2) == pytest.approx(3.0, rel=1e-15)
    assert core.from_nats(math.log(100.0), 10) == pytest.approx(2.0, rel=1e-15)
    assert core.from_nats(1.25) == 1.25 and core.from_nats(math.inf, 2) == math.inf
    terms = np.array([0.0, math.log(2.0), math.log(4.0)])
    assert np.allclose(core.from_nats(terms, 2), [0.0, 1.0, 2.0], rtol=1e-15)
    for bad in (1, 0.5, -2, "two", math.nan):
        with pytest.raises(ValueError, match="base must be"):
            core.from_nats(1.0, bad)
