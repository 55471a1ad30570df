"""The mathematics of CE Explorer: softmax, cross-entropy, entropy, KL and their gradient.

This module depends on numpy only; nothing here knows about Qt (a test proves it). Its
neighbours: :mod:`~ce_desktop.model.distributions` (the checks every function here applies,
and making distributions), :mod:`~ce_desktop.model.optim` (optimisers on the logits),
:mod:`~ce_desktop.model.binary` (binary CE and the losses compared with CE) and
:mod:`~ce_desktop.model.simplex_geometry` (the simplex view's triangle).
Every function takes either one sample (a 1-D array of ``C`` classes) or a batch
(a 2-D array of shape ``(N, C)``, one result per row). Classes are always on the
last axis.

Units: ``base=None`` gives nats (natural logarithm); ``base=2`` gives bits; any
other ``base > 1`` is allowed.

Conventions
-----------
* ``0 * log 0 = 0``: a class whose target is 0 contributes nothing, silently.
* A class with ``y_i > 0`` and ``p_i = 0`` makes the loss ``+inf``. Nothing is
  clipped to an epsilon: an infinite loss is the honest answer.
* Invalid input raises ``ValueError`` with a message saying what and where.
* Nothing returns NaN for valid input.
* Every cross-entropy and KL divergence the core returns obeys, exactly in floats,
  ``CE >= H(y)``, ``KL >= 0``, ``CE == H + KL`` and ``CE - H - KL == 0`` (see
  :func:`cross_entropy_and_kl`): rounding alone never puts CE below its floor.
"""

from __future__ import annotations

import math
from typing import NamedTuple, TypeVar

import numpy as np

from ce_desktop.model.distributions import check_temperature, validate_distribution, validate_logits
from ce_desktop.model.types import ArrayLike, BoolArray, FloatArray, FloatOrArray, LogBase

__all__ = [
    "Contributions",
    "Evaluation",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_from_logits",
    "entropy",
    "kl_divergence",
    "cross_entropy_and_kl",
    "neg_xlogy",
    "contributions",
    "grad_logits",
    "evaluate",
    "perplexity",
    "log_probabilities",
    "trajectory_losses",
]

#: A loss or terms in nats: a float, or an array of them (kept as given by :func:`from_nats`).
_F = TypeVar("_F", float, FloatArray)


def _same_shape(a: FloatArray, b: FloatArray, names: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names} have different shapes: {a.shape} and {b.shape}")


def _log_base(base: LogBase) -> float:
    if base is None:
        return 1.0
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise ValueError(f"base must be a number > 1 or None, got {base!r}") from None
    if not math.isfinite(b) or b <= 1.0:
        raise ValueError(f"base must be a number > 1 or None, got {base!r}")
    return math.log(b)


# --------------------------------------------------------------------------- softmax


def log_softmax(z: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Logarithm of the softmax, computed stably.

    Parameters
    ----------
    z : array_like, shape (C,) or (N, C)
        Logits. ``-inf`` is allowed and gives ``-inf`` (probability 0).
    temperature : float, default 1
        Divides the logits before the softmax; must be positive.

    Returns
    -------
    numpy.ndarray, same shape as ``z``
        ``log softmax(z / T)``: all entries ``<= 0``; finite wherever ``z`` is finite,
        even for logits such as ``[1000, 0, -1000]`` where the softmax itself underflows,
        unless the entry itself is beyond the float range: a logit more than ~1.8e308 / T
        below the largest (``[1e308, -1e308]``) has ``log p = -2e308``, which rounds to
        ``-inf``. The cross-entropy functions still give such a class its finite term.
    """
    shifted = _shifted_logits(z, temperature)
    return shifted - np.log(_exp_and_total(shifted)[1])


def softmax(z: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Softmax of logits, computed stably: ``exp(z_i / T) / sum_j exp(z_j / T)``.

    Parameters
    ----------
    z : array_like, shape (C,) or (N, C)
        Logits; ``-inf`` gives probability exactly 0.
    temperature : float, default 1
        Higher temperatures flatten the distribution; must be positive.

    Returns
    -------
    numpy.ndarray, same shape as ``z``
        Non-negative, each row summing to 1. Invariant to adding a constant to every logit.
    """
    e, total = _exp_and_total(_shifted_logits(z, temperature))
    return e / total


def softmax_and_log_softmax(z: ArrayLike, temperature: float = 1.0) -> tuple[FloatArray, FloatArray]:
    """``softmax(z, T)`` and ``log_softmax(z, T)`` at once, with one check and one ``exp``.

    The two arrays are exactly (bit for bit) what the two functions return; a descent step
    needs both.
    """
    return _softmax_parts(_shifted_logits(z, temperature))


def _softmax_parts(shifted: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(softmax, log-softmax) of shifted logits, by the same operations as the two functions."""
    e, total = _exp_and_total(shifted)
    return e / total, shifted - np.log(total)


def _exp_and_total(shifted: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``exp`` of shifted logits and each row's sum (kept as a column); the sum is >= 1."""
    with np.errstate(under="ignore"):
        e = np.exp(shifted)
    return e, e.sum(axis=-1, keepdims=True)


def _shifted_logits(z: ArrayLike, temperature: float) -> FloatArray:
    """``(z - max z) / T``: every row's largest entry is 0, the rest are ``<= 0`` or ``-inf``.

    Shifting before dividing keeps huge finite logits (``1e308`` at ``T = 0.5``) from
    overflowing to ``inf - inf = NaN``; a gap wider than the float range becomes ``-inf``,
    i.e. probability 0, which is the correctly rounded answer.
    """
    return _shift(validate_logits(z), check_temperature(temperature))


def _shift(arr: FloatArray, t: float) -> FloatArray:
    """:func:`_shifted_logits` of logits already checked."""
    if arr.ndim == 2 and arr.shape[1] <= 32 and arr.shape[0] >= 64:  # a dataset's many rows: class by
        top: FloatArray = arr[:, :1].copy()  # class is ten times faster than max along the short axis
        for j in range(1, arr.shape[1]):
            np.maximum(top, arr[:, j : j + 1], out=top)
    else:
        top = arr.max(axis=-1, keepdims=True)  # numpy's stubs type a reduction as Any
    with np.errstate(over="ignore"):
        return (arr - top) / t


# --------------------------------------------------------------------------- losses


class Contributions(NamedTuple):
    """Per-class terms of the three sums, each shaped like the target.

    Attributes
    ----------
    cross_entropy : numpy.ndarray
        ``-y_i log p_i`` (``+inf`` where ``y_i > 0`` and ``p_i = 0``).
    entropy : numpy.ndarray
        ``-y_i log y_i`` (always finite and ``>= 0``).
    kl_divergence : numpy.ndarray
        ``y_i log(y_i / p_i)``. One class's term can be negative (where ``p_i > y_i``);
        only the sum is guaranteed ``>= 0``.
    """

    cross_entropy: FloatArray
    entropy: FloatArray
    kl_divergence: FloatArray


def neg_xlogy(y: FloatArray, p: FloatArray) -> FloatArray:
    """``-y log p`` elementwise, for arrays ``y >= 0`` and ``p`` in [0, 1] that broadcast together.

    ``0 log anything = 0`` (a class the target rules out adds nothing), ``y > 0, p = 0``
    gives ``+inf``; never NaN, and ``0.0`` rather than ``-0.0``. Inputs are not checked:
    the callers have checked them. Returns a new array of the broadcast shape.
    """
    out = np.zeros(np.broadcast(y, p).shape)
    mask = y > 0
    with np.errstate(divide="ignore"):
        # "+ 0.0" turns -1 * log(1) = -0.0 into 0.0, so no display ever shows "-0".
        out[mask] = -y[mask] * np.log(np.broadcast_to(p, out.shape)[mask]) + 0.0
    return out


def contributions(y: ArrayLike, p: ArrayLike, base: LogBase = None) -> Contributions:
    """Per-class terms of CE, H and KL for target ``y`` and prediction ``p``.

    Parameters
    ----------
    y, p : array_like, shape (C,) or (N, C)
        Target and predicted distributions.
    base : float or None
        Logarithm base: None for nats, 2 for bits.

    Returns
    -------
    Contributions
        Three arrays shaped like ``y``; the sums over the last axis are, to rounding,
        :func:`cross_entropy`, :func:`entropy` and :func:`kl_divergence`.
    """
    y = validate_distribution(y, "target")
    p = validate_distribution(p, "prediction")
    _same_shape(y, p, "target and prediction")
    return _in_units(_contributions(y, p), _log_base(base))


def _contributions(y: FloatArray, p: FloatArray) -> Contributions:
    """:func:`contributions` in nats, of checked arrays (three new arrays)."""
    # Each logarithm once, only where y > 0 (0 log anything = 0); the app calls this on
    # every drag move, so the work is kept to a few array operations. A target with no zero
    # class (most soft targets) needs no mask: the same numbers, less work.
    every = bool(y.min() > 0.0)
    if every:
        ym, pm = y, p
    else:
        mask = y > 0
        ym, pm = y[mask], p[mask]
    log_y = np.log(ym)
    if pm.size and pm.min() > 0.0:
        log_p = np.log(pm)
    else:
        with np.errstate(divide="ignore"):
            log_p = np.log(pm)  # log 0 = -inf: that class's CE and KL terms are +inf
    # "0.0 - x" rather than "-x": -(1 * log 1) would be -0.0, and no display may show "-0".
    terms = (0.0 - ym * log_p, 0.0 - ym * log_y, ym * (log_y - log_p))
    if every:
        ce, h, kl = terms
    else:
        ce, h, kl = np.zeros_like(y), np.zeros_like(y), np.zeros_like(y)
        ce[mask], h[mask], kl[mask] = terms
    return Contributions(ce, h, kl)


def _in_units(c: Contributions, k: float) -> Contributions:
    """Per-class terms in nats divided, in place, by ``k`` (the natural log of the base)."""
    if k != 1.0:  # dividing by 1 changes nothing
        for terms in c:
            terms /= k
    return c


def cross_entropy(y: ArrayLike, p: ArrayLike, base: LogBase = None) -> FloatOrArray:
    """Cross-entropy ``H(y, p) = -sum_i y_i log p_i``.

    Parameters
    ----------
    y : array_like, shape (C,) or (N, C)
        Target distribution, hard (one-hot) or soft.
    p : array_like, same shape
        Predicted distribution.
    base : float or None
        None for nats, 2 for bits.

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        ``>= entropy(y)`` exactly (:func:`cross_entropy_and_kl`); ``+inf`` when a class
        with ``y_i > 0`` has ``p_i = 0``.
    """
    return _scalar(_losses(y, p, base)[0])


def _losses(y: ArrayLike, p: ArrayLike, base: LogBase) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(CE, H, KL) of a target and a prediction, each a number per row, by the one rule."""
    y = validate_distribution(y, "target")
    p = validate_distribution(p, "prediction")
    _same_shape(y, p, "target and prediction")
    k = _log_base(base)
    h = neg_xlogy(y, y).sum(axis=-1) / k
    ce, kl = _cross_entropy_and_kl_rows(neg_xlogy(y, p).sum(axis=-1) / k, h)
    return ce, h, kl


def cross_entropy_from_logits(
    y: ArrayLike, z: ArrayLike, base: LogBase = None, temperature: float = 1.0
) -> FloatOrArray:
    """Cross-entropy of target ``y`` against ``softmax(z / T)``, through log-softmax.

    Exact where the softmax underflows: for ``z = [1000, 0, -1000]`` and
    ``y = [0, 0, 1]`` it returns 2000 nats, where ``cross_entropy(y, softmax(z))``
    would return ``+inf``.

    Parameters
    ----------
    y : array_like, shape (C,) or (N, C)
        Target distribution.
    z : array_like, same shape
        Logits (``-inf`` allowed: gives ``+inf`` loss if the target wants that class).
    base : float or None
        None for nats, 2 for bits.
    temperature : float, default 1
        Divides the logits.

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        ``>= entropy(y)`` exactly (:func:`cross_entropy_and_kl`).
    """
    y = validate_distribution(y, "target")
    k = _log_base(base)
    ce = _raw_cross_entropy_from_logits(y, z, k, temperature)
    return _scalar(_cross_entropy_and_kl_rows(ce, neg_xlogy(y, y).sum(axis=-1) / k)[0])


def _raw_cross_entropy_from_logits(y: FloatArray, z: ArrayLike, k: float, temperature: float) -> FloatArray:
    """``-sum_i y_i log softmax(z / T)_i`` per row, in the unit of ``k``, before the CE >= H rule."""
    lsm = log_softmax(z, temperature)
    _same_shape(y, lsm, "target and logits")
    terms = _ce_terms(y, lsm)
    ce: FloatArray = terms.sum(axis=-1)
    if not np.all(ce < np.inf):  # rare: the checked logits are taken again here, not every time
        z, t = validate_logits(z), check_temperature(temperature)
        with np.errstate(over="ignore"):  # finite terms whose sum is beyond the float range: +inf
            ce = _wide_gap_terms(terms, y, z, lsm, t)[0].sum(axis=-1)
    return ce / k


def _wide_gap_terms(
    terms: FloatArray, y: FloatArray, z: FloatArray, lsm: FloatArray, t: float
) -> tuple[FloatArray, BoolArray]:
    """Give the CE terms of classes whose gap to the largest logit overflowed their finite value.

    ``-y_i log p_i = y_i (max z - z_i) / T + y_i log(sum_j e^((z_j - max z) / T))``. Where the
    gap ``max z - z_i`` is beyond the float range (logits ``1e308`` and ``-1e308``), ``lsm``
    holds ``-inf`` for a finite logit; computed from half the gap instead, the term is finite
    whenever its true value is (``0.1 * 2e308 = 2e307``). Only called when a sum came out
    infinite, so the common case does no extra work. Changes ``terms`` in place and returns
    it with the mask of the classes changed.
    """
    y = np.broadcast_to(y, z.shape)
    wide = (y > 0) & (lsm == -np.inf) & np.isfinite(z)
    if wide.any():
        top = np.broadcast_to(z.max(axis=-1, keepdims=True), z.shape)[wide]
        log_total = np.broadcast_to(-lsm.max(axis=-1, keepdims=True), z.shape)[wide]  # the top class's -log p
        yw = y[wide]
        half_gap = top * 0.5 - z[wide] * 0.5
        with np.errstate(over="ignore"):  # beyond the float range even so: +inf, the rounded value
            terms[wide] = (yw * half_gap) / t * 2.0 + yw * log_total
    return terms, wide


def _ce_terms(y: FloatArray, lsm: FloatArray) -> FloatArray:
    """``-y_i log ŷ_i`` in nats from checked ``y`` and log-softmax ``lsm`` (0 where ``y_i = 0``)."""
    # Shaped like lsm, a new C-ordered array: zeros_like of a target broadcast over a
    # trajectory would be laid out by columns, and numpy would then add each row's terms in
    # another order than it adds one sample's, a rounding step apart.
    terms = np.zeros_like(lsm)
    mask = y > 0
    terms[mask] = -y[mask] * lsm[mask]
    return terms


def from_nats(value: _F, base: LogBase = None) -> _F:
    """A loss (or per-class terms) in nats expressed in the units of ``base`` (None: nats,
    2: bits). ``base`` must be a number > 1."""
    k = _log_base(base)
    return value if k == 1.0 else value / k


def cross_entropy_and_kl(ce: float, h: float) -> tuple[float, float]:
    """The reported CE and KL(y‖ŷ) of one sample, from its computed cross-entropy and H(y).

    Parameters
    ----------
    ce : float
        ``-sum y_i log p_i`` as summed in floats (``+inf`` allowed).
    h : float
        ``H(y)`` in the same unit, finite and ``>= 0``.

    Returns
    -------
    (float, float)
        ``(CE, KL)`` with, exactly in floats, ``CE >= h``, ``KL >= 0``, ``h + KL == CE`` and
        ``CE - h == KL``; ``(inf, inf)`` for an infinite CE.

    Notes
    -----
    Where ``p`` is within rounding of ``y``, the computed sum can land a rounding step
    below ``h`` (about 30 % of such pairs); the true CE is never below H (Gibbs), so CE is
    ``h`` and KL is 0 there. When ``ce - h`` is rounded (``h < ce / 2``), ``h + (ce - h)``
    can round to a neighbour of ``ce``: CE then moves there, one rounding step, and both
    identities hold (one such move always suffices; the tests check it). CE stays within
    one rounding step of the computed sum.
    """
    if ce < h:
        ce = h
    kl = ce - h
    if h + kl != ce:
        ce = h + kl
        kl = ce - h
    return ce, kl


def _cross_entropy_and_kl_rows(ce: FloatArray, h: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """:func:`cross_entropy_and_kl` of arrays (one number per row; ``h`` finite): the same operations."""
    ce = np.maximum(ce, h)
    kl = ce - h  # inf - h = inf: no NaN, as h is finite
    moved = h + kl != ce
    if np.any(moved):
        ce = np.where(moved, h + kl, ce)
        kl = ce - h
    return ce, kl


def softmax_and_cross_entropy(y: ArrayLike, z: ArrayLike, temperature: float = 1.0) -> tuple[FloatArray, float]:
    """``softmax(z, T)`` and the summed cross-entropy ``-sum y log softmax(z, T)`` in nats for one
    sample, from one check and one ``exp``. A descent step records both: the softmax is
    exactly :func:`softmax`'s, and ``cross_entropy_and_kl(ce, entropy(y))`` is exactly the
    CE and KL of :func:`cross_entropy_from_logits` and :func:`trajectory_losses`."""
    y = validate_distribution(y, "target")
    p, lsm = softmax_and_log_softmax(z, temperature)
    _same_shape(y, lsm, "target and logits")
    terms = _ce_terms(y, lsm)
    ce = float(terms.sum(axis=-1))
    if ce == math.inf:  # rare: the checked logits are taken again here, not on every step
        z, t = validate_logits(z), check_temperature(temperature)
        with np.errstate(over="ignore"):  # finite terms whose sum is beyond the float range: +inf
            ce = float(_wide_gap_terms(terms, y, z, lsm, t)[0].sum(axis=-1))
    return p, ce


def entropy(y: ArrayLike, base: LogBase = None) -> FloatOrArray:
    """Shannon entropy ``H(y) = -sum_i y_i log y_i`` (``0 log 0 = 0``).

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        Between 0 (one-hot) and ``log C`` (uniform), in the chosen unit.
    """
    y = validate_distribution(y, "target")
    return _scalar(neg_xlogy(y, y).sum(axis=-1) / _log_base(base))


def kl_divergence(y: ArrayLike, p: ArrayLike, base: LogBase = None) -> FloatOrArray:
    """Kullback-Leibler divergence ``D_KL(y || p) = sum_i y_i log(y_i / p_i)``.

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        ``>= 0``, zero when ``y == p``; ``+inf`` when ``y_i > 0`` and ``p_i = 0``.
        Exactly ``cross_entropy(y, p) - entropy(y)`` (:func:`cross_entropy_and_kl`).
    """
    return _scalar(_losses(y, p, base)[2])


def perplexity(value: ArrayLike, base: LogBase = None) -> FloatOrArray:
    """``base ** value`` (``e ** value`` for nats): the effective number of equally likely choices."""
    b = math.e if base is None else float(base)
    with np.errstate(over="ignore"):
        return _scalar(np.power(b, np.asarray(value, dtype=float)))


def log_probabilities(
    p: ArrayLike, base: LogBase = None, logits: ArrayLike | None = None, temperature: float = 1.0
) -> FloatArray:
    """``log p_i`` for each class, in the chosen unit (used to write the formula out).

    Parameters
    ----------
    p : array_like, shape (C,) or (N, C)
        A probability distribution (ignored when ``logits`` are given).
    base : float or None
        None for the natural logarithm (nats), 2 for bits.
    logits : array_like or None
        When given, the result is ``log softmax(logits / T)`` (exact where ``p`` underflows).
    temperature : float, default 1
        Divides the logits.

    Returns
    -------
    numpy.ndarray, same shape as ``p``
        All entries ``<= 0``; ``-inf`` exactly where the probability is 0.
    """
    k = _log_base(base)
    if logits is not None:
        return log_softmax(logits, temperature) / k
    arr = validate_distribution(p, "prediction")
    with np.errstate(divide="ignore"):
        log_p: FloatArray = np.log(arr) / k
    return log_p


# --------------------------------------------------------------------------- the gradient


def grad_logits(y: ArrayLike, z: ArrayLike, temperature: float = 1.0) -> FloatArray:
    """Gradient of the cross-entropy (nats) with respect to the logits.

    For ``p = softmax(z / T)``, ``dCE/dz = (p - y) / T``; at ``T = 1`` this is the
    seed page's ``y_hat - y``. Each row sums to 0.

    Parameters
    ----------
    y : array_like, shape (C,) or (N, C)
        Target distribution.
    z : array_like, same shape
        Logits.
    temperature : float, default 1

    Returns
    -------
    numpy.ndarray, same shape as ``z``
    """
    y = validate_distribution(y, "target")
    t = check_temperature(temperature)
    return _grad(y, validate_logits(z), t)


def _grad(y: FloatArray, z: FloatArray, t: float) -> FloatArray:
    """:func:`grad_logits` of a checked target and checked logits."""
    p = _softmax_parts(_shift(z, t))[0]
    _same_shape(y, p, "target and logits")
    return (p - y) / t


def trajectory_losses(
    y: ArrayLike, logits: ArrayLike, base: LogBase = None, temperature: float = 1.0
) -> tuple[FloatArray, float, FloatArray]:
    """CE, H and KL of one target against each row of a batch of logits (a descent path).

    Computed exactly as :func:`evaluate` does in logits mode (through log-softmax, then
    :func:`cross_entropy_and_kl`), so a trajectory's numbers equal the readouts at each step.

    Parameters
    ----------
    y : array_like, shape (C,)
        Target distribution.
    logits : array_like, shape (N, C) or (C,)
        Logits, one row per step.
    base : float or None
        None for nats, 2 for bits.
    temperature : float, default 1

    Returns
    -------
    (numpy.ndarray, float, numpy.ndarray)
        ``cross_entropy`` of shape (N,) (``+inf`` only where a wanted class has logit
        ``-inf``), ``entropy`` (one number) and ``kl_divergence`` of shape (N,), ``>= 0``.
    """
    y = validate_distribution(y, "target")
    if y.ndim != 1:
        raise ValueError("trajectory_losses takes one target (1-D)")
    z = np.atleast_2d(validate_logits(logits))
    raw = _raw_cross_entropy_from_logits(np.broadcast_to(y, z.shape), z, _log_base(base), temperature)
    h = float(entropy(y, base))
    ce, kl = _cross_entropy_and_kl_rows(raw, h)
    return ce, h, kl


# --------------------------------------------------------------------------- one evaluation


class Evaluation(NamedTuple):
    """Every derived number the app shows for one (target, prediction) pair.

    Attributes
    ----------
    cross_entropy, entropy, kl_divergence, perplexity : float
        In the unit of ``base``; ``perplexity`` is ``base ** cross_entropy``.
    contributions : Contributions
    gradient : numpy.ndarray
        ``dCE/dz`` in nats (the gradient the optimiser uses), ``(p - y) / T``.
    """

    cross_entropy: float
    entropy: float
    kl_divergence: float
    perplexity: float
    contributions: Contributions
    gradient: FloatArray


def evaluate(
    y: ArrayLike, p: ArrayLike, base: LogBase = None, logits: ArrayLike | None = None, temperature: float = 1.0
) -> Evaluation:
    """All the numbers for one sample at once (the app calls this once per change).

    When ``logits`` are given, the cross-entropy is computed from them through
    log-softmax (exact where ``p`` underflows) and the gradient uses them. CE, H and KL
    are exactly those of :func:`cross_entropy` (or :func:`cross_entropy_from_logits`),
    :func:`entropy` and :func:`kl_divergence`, and obey :func:`cross_entropy_and_kl`.
    """
    y_arr = validate_distribution(y, "target")
    p_arr = validate_distribution(p, "prediction")
    _same_shape(y_arr, p_arr, "target and prediction")
    k = _log_base(base)
    t = check_temperature(temperature)
    c = _contributions(y_arr, p_arr)
    if logits is not None:
        # Per-class terms from log-softmax too, so that they add up to the exact CE even
        # where p underflows to 0 (z = [1000, 0, -1000]: term 2000, not inf). The same
        # operations as cross_entropy_from_logits, so CE is that function's number exactly.
        z = validate_logits(logits)
        lsm = _softmax_parts(_shift(z, t))[1]
        _same_shape(y_arr, lsm, "target and logits")
        kl_terms = np.zeros_like(y_arr)
        mask = y_arr > 0
        kl_terms[mask] = y_arr[mask] * (np.log(y_arr[mask]) - lsm[mask])
        c = Contributions(_ce_terms(y_arr, lsm), c.entropy, kl_terms)
    # Sums in nats, then the unit: as cross_entropy and entropy do, so the numbers are theirs.
    ce, h = float(c.cross_entropy.sum(axis=-1)), float(c.entropy.sum(axis=-1))
    if ce == math.inf and logits is not None:
        _, wide = _wide_gap_terms(c.cross_entropy, y_arr, z, lsm, t)
        c.kl_divergence[wide] = c.cross_entropy[wide] - c.entropy[wide]
        with np.errstate(over="ignore"):  # finite terms whose sum is beyond the float range: +inf
            ce = float(c.cross_entropy.sum(axis=-1))
    if k != 1.0:
        ce, h = ce / k, h / k
    ce, kl = cross_entropy_and_kl(ce, h)
    grad = p_arr - y_arr
    if t != 1.0:
        grad /= t
    return Evaluation(ce, h, kl, _perplexity_of(ce, base), _in_units(c, k), grad)


def _perplexity_of(ce: float, base: LogBase) -> float:
    """:func:`perplexity` of one float, without the overflow guard where it cannot overflow."""
    b = math.e if base is None else float(base)
    if ce * math.log(b) < 709.0:  # e^709 < the largest float
        return float(np.power(b, ce))
    return float(perplexity(ce, base))


def _scalar(a: ArrayLike) -> FloatOrArray:
    """A 0-D result as a Python float, any other as a float array."""
    arr = np.asarray(a, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr
