"""The mathematics of CE Explorer: softmax, cross-entropy, entropy, KL, gradients, descent.

This module depends on numpy only; nothing here knows about Qt (a test proves it).
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
from typing import NamedTuple

import numpy as np

__all__ = [
    "SUM_TOLERANCE",
    "ROUNDING_TOLERANCE",
    "LOGIT_LIMIT",
    "MAX_RUN_VALUES",
    "SIMPLEX_CORNERS",
    "MIN_CLASSES",
    "OPTIMIZERS",
    "Contributions",
    "OptimizerSettings",
    "OptimizerState",
    "Evaluation",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_from_logits",
    "entropy",
    "kl_divergence",
    "cross_entropy_and_kl",
    "binary_cross_entropy",
    "binary_cross_entropy_grad_logit",
    "contributions",
    "grad_logits",
    "gradient_descent",
    "optimizer_init",
    "optimizer_step",
    "optimize",
    "optimizer_path",
    "max_run_steps",
    "evaluate",
    "perplexity",
    "log_probabilities",
    "one_hot",
    "smooth_labels",
    "redistribute",
    "logits_from_probabilities",
    "validate_distribution",
    "validate_logits",
    "true_class_losses",
    "trajectory_losses",
    "barycentric_to_cartesian",
    "cartesian_to_barycentric",
    "project_to_simplex",
]

#: Largest allowed ``|sum(p) - 1|`` for a probability distribution.
SUM_TOLERANCE = 1e-6
#: A distribution whose sum is this close to 1 is used exactly as given: that is rounding
#: ([0.7, 0.2, 0.1] sums to 0.9999999999999999, and dividing by the sum would change its
#: last bits, so a saved and reopened scenario would differ). One farther off (but within
#: :data:`SUM_TOLERANCE`) is divided by its sum where it enters, so that the loss, its
#: gradient ``p - y`` and ``H + KL`` all belong to the same distribution.
ROUNDING_TOLERANCE = 1e-12
#: Fewest classes a distribution may have.
MIN_CLASSES = 2
#: Names of the optimisers understood by :func:`optimizer_step`.
OPTIMIZERS = ("sgd", "momentum", "adam")
#: Largest ``|logit|`` of a descent run and of a scenario: a run starts within it and stops
#: before a step that would leave it (the window's run and ``descend`` alike). Every loss of
#: such logits is far inside the float range (CE <= 2e6 / T nats).
LOGIT_LIMIT = 1e6
#: Most numbers a descent run keeps: the window's history holds ``4 C + 6`` per step (logits,
#: optimiser buffers, prediction, losses), so :func:`max_run_steps` steps; ``descend --json``,
#: which prints every step, takes as many. About 32 MB.
MAX_RUN_VALUES = 4_000_000


# --------------------------------------------------------------------------- validation


def _where(index: tuple[int, ...]) -> str:
    return "at index " + (str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index)))


def _as_float_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from None
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (one sample) or 2-D (a batch), got {arr.ndim}-D")
    if arr.shape[-1] < MIN_CLASSES:
        raise ValueError(f"{name} needs at least {MIN_CLASSES} classes, got {arr.shape[-1]}")
    return arr


def validate_distribution(p, name: str = "distribution") -> np.ndarray:
    """Check that ``p`` holds probability distributions and return it as floats.

    Parameters
    ----------
    p : array_like, shape (C,) or (N, C)
        Candidate distribution(s), classes on the last axis.
    name : str
        Used in error messages ("target", "prediction", ...).

    Returns
    -------
    numpy.ndarray
        ``p`` as a float array. A row whose sum is off 1 by more than rounding
        (:data:`ROUNDING_TOLERANCE`) but within :data:`SUM_TOLERANCE` comes back divided
        by its sum (a new array); every other row is returned as given. Every core
        function takes its distributions through here, so all of its numbers belong to
        the distribution returned.

    Raises
    ------
    ValueError
        If an entry is negative, NaN or infinite, if there are fewer than two
        classes, or if a row does not sum to 1 within :data:`SUM_TOLERANCE`.
    """
    arr = _as_float_array(p, name)
    if arr.ndim == 1:
        # Fast path (every drag move validates twice): a smallest entry >= 0 and a sum within
        # the tolerance of 1 also rule out NaN and infinities. Anything else takes the path
        # below, which names the problem.
        lo, total = arr.min(), arr.sum()
        if lo >= 0.0:
            off = abs(total - 1.0)
            if off <= ROUNDING_TOLERANCE:
                return arr
            if off <= SUM_TOLERANCE:
                return arr / total
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        raise ValueError(f"{name} has a non-finite entry {float(arr[idx])!r} {_where(idx)}")
    neg = arr < 0
    if neg.any():
        idx = tuple(np.argwhere(neg)[0])
        raise ValueError(f"{name} has a negative entry {arr[idx]:.6g} {_where(idx)}")
    sums = arr.sum(axis=-1)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if np.any(off):
        if arr.ndim == 1:
            raise ValueError(f"{name} must sum to 1, but sums to {float(sums):.9g}")
        row = int(np.argwhere(off)[0][0])
        raise ValueError(f"{name} row {row} must sum to 1, but sums to {float(sums[row]):.9g}")
    rescale = np.abs(sums - 1.0) > ROUNDING_TOLERANCE
    if np.any(rescale):
        return np.where(rescale[..., None], arr / sums[..., None], arr)
    return arr


def validate_logits(z, name: str = "logits") -> np.ndarray:
    """Check logits: real numbers, ``-inf`` allowed (probability 0), at least one finite per row.

    Raises
    ------
    ValueError
        On NaN or ``+inf`` entries, rows that are all ``-inf``, or fewer than two classes.
    """
    arr = _as_float_array(z, name)
    if arr.ndim == 1:
        # Fast path (several times per animation frame): the largest entry is a finite number
        # only if no entry is NaN (max propagates it) or +inf, and not every entry is -inf.
        top = arr.max()
        if -np.inf < top < np.inf:
            return arr
    bad = np.isnan(arr) | (arr == np.inf)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        raise ValueError(f"{name} has an invalid entry {float(arr[idx])!r} {_where(idx)}")
    if np.any(np.all(arr == -np.inf, axis=-1)):
        raise ValueError(f"{name} cannot all be -inf")
    return arr


def _same_shape(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names} have different shapes: {a.shape} and {b.shape}")


def _log_base(base) -> float:
    if base is None:
        return 1.0
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise ValueError(f"base must be a number > 1 or None, got {base!r}") from None
    if not math.isfinite(b) or b <= 1.0:
        raise ValueError(f"base must be a number > 1 or None, got {base!r}")
    return math.log(b)


def _check_temperature(temperature) -> float:
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    return t


# --------------------------------------------------------------------------- softmax


def log_softmax(z, temperature: float = 1.0) -> np.ndarray:
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


def softmax(z, temperature: float = 1.0) -> np.ndarray:
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


def softmax_and_log_softmax(z, temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``softmax(z, T)`` and ``log_softmax(z, T)`` at once, with one check and one ``exp``.

    The two arrays are exactly (bit for bit) what the two functions return; a descent step
    needs both.
    """
    return _softmax_parts(_shifted_logits(z, temperature))


def _softmax_parts(shifted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(softmax, log-softmax) of shifted logits, by the same operations as the two functions."""
    e, total = _exp_and_total(shifted)
    return e / total, shifted - np.log(total)


def _exp_and_total(shifted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``exp`` of shifted logits and each row's sum (kept as a column); the sum is >= 1."""
    with np.errstate(under="ignore"):
        e = np.exp(shifted)
    return e, e.sum(axis=-1, keepdims=True)


def _shifted_logits(z, temperature) -> np.ndarray:
    """``(z - max z) / T``: every row's largest entry is 0, the rest are ``<= 0`` or ``-inf``.

    Shifting before dividing keeps huge finite logits (``1e308`` at ``T = 0.5``) from
    overflowing to ``inf - inf = NaN``; a gap wider than the float range becomes ``-inf``,
    i.e. probability 0, which is the correctly rounded answer.
    """
    return _shift(validate_logits(z), _check_temperature(temperature))


def _shift(arr: np.ndarray, t: float) -> np.ndarray:
    """:func:`_shifted_logits` of logits already checked."""
    with np.errstate(over="ignore"):
        return (arr - arr.max(axis=-1, keepdims=True)) / t


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

    cross_entropy: np.ndarray
    entropy: np.ndarray
    kl_divergence: np.ndarray


def _xlogy_neg(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``-y log p`` with ``0 log anything = 0`` and ``y>0, p=0 -> +inf``."""
    out = np.zeros(np.broadcast(y, p).shape)
    mask = y > 0
    with np.errstate(divide="ignore"):
        # "+ 0.0" turns -1 * log(1) = -0.0 into 0.0, so no display ever shows "-0".
        out[mask] = -y[mask] * np.log(np.broadcast_to(p, out.shape)[mask]) + 0.0
    return out


def contributions(y, p, base=None) -> Contributions:
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


def _contributions(y: np.ndarray, p: np.ndarray) -> Contributions:
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


def cross_entropy(y, p, base=None):
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


def _losses(y, p, base) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(CE, H, KL) of a target and a prediction, each a number per row, by the one rule."""
    y = validate_distribution(y, "target")
    p = validate_distribution(p, "prediction")
    _same_shape(y, p, "target and prediction")
    k = _log_base(base)
    h = _xlogy_neg(y, y).sum(axis=-1) / k
    ce, kl = _cross_entropy_and_kl_rows(_xlogy_neg(y, p).sum(axis=-1) / k, h)
    return ce, h, kl


def cross_entropy_from_logits(y, z, base=None, temperature: float = 1.0):
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
    return _scalar(_cross_entropy_and_kl_rows(ce, _xlogy_neg(y, y).sum(axis=-1) / k)[0])


def _raw_cross_entropy_from_logits(y: np.ndarray, z, k: float, temperature) -> np.ndarray:
    """``-sum_i y_i log softmax(z / T)_i`` per row, in the unit of ``k``, before the CE >= H rule."""
    lsm = log_softmax(z, temperature)
    _same_shape(y, lsm, "target and logits")
    terms = _ce_terms(y, lsm)
    ce = terms.sum(axis=-1)
    if not np.all(ce < np.inf):  # rare: the checked logits are taken again here, not every time
        z, t = validate_logits(z), _check_temperature(temperature)
        with np.errstate(over="ignore"):  # finite terms whose sum is beyond the float range: +inf
            ce = _wide_gap_terms(terms, y, z, lsm, t)[0].sum(axis=-1)
    return ce / k


def _wide_gap_terms(terms: np.ndarray, y, z: np.ndarray, lsm: np.ndarray, t: float):
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


def _ce_terms(y: np.ndarray, lsm: np.ndarray) -> np.ndarray:
    """``-y_i log ŷ_i`` in nats from checked ``y`` and log-softmax ``lsm`` (0 where ``y_i = 0``)."""
    # Shaped like lsm, a new C-ordered array: zeros_like of a target broadcast over a
    # trajectory would be laid out by columns, and numpy would then add each row's terms in
    # another order than it adds one sample's, a rounding step apart.
    terms = np.zeros_like(lsm)
    mask = y > 0
    terms[mask] = -y[mask] * lsm[mask]
    return terms


def from_nats(value, base=None):
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


def _cross_entropy_and_kl_rows(ce, h):
    """:func:`cross_entropy_and_kl` of arrays (one number per row; ``h`` finite): the same operations."""
    ce = np.maximum(ce, h)
    kl = ce - h  # inf - h = inf: no NaN, as h is finite
    moved = h + kl != ce
    if np.any(moved):
        ce = np.where(moved, h + kl, ce)
        kl = ce - h
    return ce, kl


def softmax_and_cross_entropy(y, z, temperature: float = 1.0) -> tuple[np.ndarray, float]:
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
        z, t = validate_logits(z), _check_temperature(temperature)
        with np.errstate(over="ignore"):  # finite terms whose sum is beyond the float range: +inf
            ce = float(_wide_gap_terms(terms, y, z, lsm, t)[0].sum(axis=-1))
    return p, ce


def entropy(y, base=None):
    """Shannon entropy ``H(y) = -sum_i y_i log y_i`` (``0 log 0 = 0``).

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        Between 0 (one-hot) and ``log C`` (uniform), in the chosen unit.
    """
    y = validate_distribution(y, "target")
    return _scalar(_xlogy_neg(y, y).sum(axis=-1) / _log_base(base))


def kl_divergence(y, p, base=None):
    """Kullback-Leibler divergence ``D_KL(y || p) = sum_i y_i log(y_i / p_i)``.

    Returns
    -------
    float or numpy.ndarray of shape (N,)
        ``>= 0``, zero when ``y == p``; ``+inf`` when ``y_i > 0`` and ``p_i = 0``.
        Exactly ``cross_entropy(y, p) - entropy(y)`` (:func:`cross_entropy_and_kl`).
    """
    return _scalar(_losses(y, p, base)[2])


def binary_cross_entropy(y, p, base=None):
    """Bernoulli cross-entropy ``-[y log p + (1 - y) log(1 - p)]``, elementwise.

    Parameters
    ----------
    y : array_like
        Target probabilities in [0, 1] (soft targets allowed).
    p : array_like, broadcastable with ``y``
        Predicted probabilities in [0, 1].
    base : float or None
        None for nats, 2 for bits.

    Returns
    -------
    float or numpy.ndarray
        ``+inf`` where the target puts weight on an outcome ``p`` gives probability 0.
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    for name, a in (("target", y), ("prediction", p)):
        if not np.all(np.isfinite(a)) or np.any((a < 0) | (a > 1)):
            raise ValueError(f"{name} of binary cross-entropy must lie in [0, 1]")
    y, p = np.broadcast_arrays(y, p)
    out = _xlogy_neg(y, p) + _xlogy_neg(1.0 - y, 1.0 - p)
    return _scalar(out / _log_base(base))


def binary_cross_entropy_grad_logit(y, p):
    """Derivative of binary cross-entropy (nats) with respect to the logit of ``p``: ``p - y``."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return _scalar(p - y)


def true_class_losses(q, gamma: float = 2.0) -> dict[str, np.ndarray]:
    """Losses of a prediction that gives probability ``q`` to the true class, and their logit gradients.

    Used to compare cross-entropy with squared error (Brier score) and focal loss for a
    hard target. ``q`` is the probability of the true class, written as ``sigmoid(s)`` of
    a logit ``s`` (a two-class model), so gradients are with respect to ``s``.

    Parameters
    ----------
    q : array_like
        Probabilities of the true class, in [0, 1]. At ``q = 0`` cross-entropy and focal
        loss are ``+inf`` and the gradients take their limits (-1, 0 and -1).
    gamma : float
        Focusing parameter of the focal loss, a finite number ``>= 0`` (0 gives cross-entropy).

    Returns
    -------
    dict
        Keys ``"cross_entropy"``, ``"squared_error"``, ``"focal"`` and the same with
        ``"_grad"`` appended; each an array shaped like ``q``. CE is ``-log q``; squared
        error is ``(1 - q)^2 + (0 - (1 - q))^2 = 2 (1 - q)^2``; focal is ``-(1-q)^gamma log q``.
        At ``q = 1`` every value is ``0.0`` (never ``-0.0``).

    Raises
    ------
    ValueError
        If some ``q`` lies outside [0, 1] or ``gamma`` is negative or not finite (a negative
        ``gamma`` would make the focal loss infinite at ``q = 1``).
    """
    q = np.asarray(q, dtype=float)
    if not np.all(np.isfinite(q)) or np.any((q < 0) | (q > 1)):
        raise ValueError("q must lie in [0, 1]")
    try:
        gamma = float(gamma)
    except (TypeError, ValueError):
        raise ValueError(f"gamma must be a number >= 0, got {gamma!r}") from None
    if not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f"gamma must be a finite number >= 0, got {gamma!r}")
    one_minus = 1.0 - q
    with np.errstate(divide="ignore"):
        log_q = np.log(q)  # -inf at q = 0: the honest loss there is +inf
    # q log q -> 0 as q -> 0, so the gradients stay finite at q = 0.
    q_log_q = np.where(q > 0, q * np.where(q > 0, log_q, 0.0), 0.0)
    # dq/ds for q = sigmoid(s) is q (1 - q).
    dq = q * one_minus
    ce = -log_q
    se = 2.0 * one_minus**2
    focal = -(one_minus**gamma) * log_q
    # d/ds of -(1-q)^g log q with dq/ds = q (1 - q), simplified so q = 1 needs no special case.
    focal_grad = gamma * one_minus**gamma * q_log_q - one_minus ** (gamma + 1.0)
    # "+ 0.0" turns the -0.0 that every formula gives at q = 1 into 0.0 (no "-0.000" on screen).
    return {
        "cross_entropy": ce + 0.0,
        "squared_error": se + 0.0,
        "focal": focal + 0.0,
        "cross_entropy_grad": -one_minus + 0.0,  # (-1/q) * q(1-q)
        "squared_error_grad": -4.0 * one_minus * dq + 0.0,
        "focal_grad": focal_grad + 0.0,
    }


def perplexity(value, base=None):
    """``base ** value`` (``e ** value`` for nats): the effective number of equally likely choices."""
    b = math.e if base is None else float(base)
    with np.errstate(over="ignore"):
        return _scalar(np.power(b, np.asarray(value, dtype=float)))


def log_probabilities(p, base=None, logits=None, temperature: float = 1.0) -> np.ndarray:
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
        return np.log(arr) / k


# --------------------------------------------------------------------------- gradients and descent


def grad_logits(y, z, temperature: float = 1.0) -> np.ndarray:
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
    t = _check_temperature(temperature)
    return _grad(y, validate_logits(z), t)


def _grad(y: np.ndarray, z: np.ndarray, t: float) -> np.ndarray:
    """:func:`grad_logits` of a checked target and checked logits."""
    p = _softmax_parts(_shift(z, t))[0]
    _same_shape(y, p, "target and logits")
    return (p - y) / t


class OptimizerSettings(NamedTuple):
    """Hyper-parameters of an optimiser (unused fields are ignored by the others).

    Attributes
    ----------
    name : str
        ``"sgd"`` (plain gradient descent), ``"momentum"`` (heavy ball) or ``"adam"``.
    learning_rate : float
        Step size, ``> 0``.
    momentum : float
        Heavy-ball coefficient ``beta`` in ``v <- beta v + g; z <- z - lr v``.
    beta1, beta2, eps : float
        Adam's moment decay rates and denominator guard (as in Kingma & Ba, with bias correction).
    temperature : float
        Softmax temperature used for the prediction and the gradient.
    """

    name: str = "sgd"
    learning_rate: float = 0.5
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    temperature: float = 1.0

    def checked(self) -> "OptimizerSettings":
        """Return self after validating every field (``ValueError`` otherwise)."""
        if self.name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.name!r}")
        lr = float(self.learning_rate)
        if not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate must be a positive number, got {self.learning_rate!r}")
        for field in ("momentum", "beta1", "beta2"):
            v = float(getattr(self, field))
            if not (0.0 <= v < 1.0):
                raise ValueError(f"{field} must lie in [0, 1), got {v!r}")
        if not (float(self.eps) > 0):
            raise ValueError(f"eps must be positive, got {self.eps!r}")
        _check_temperature(self.temperature)
        return self


class OptimizerState(NamedTuple):
    """Everything an optimiser carries between steps (pure data; never mutated).

    Attributes
    ----------
    step : int
        Number of steps taken so far.
    velocity : numpy.ndarray
        Momentum buffer, or Adam's first moment.
    second : numpy.ndarray
        Adam's second moment (zeros for the others).
    """

    step: int
    velocity: np.ndarray
    second: np.ndarray


def optimizer_init(z0) -> OptimizerState:
    """The optimiser state before the first step: zero buffers shaped like ``z0``.

    Raises
    ------
    ValueError
        If ``z0`` is not valid logits or a finite logit lies beyond ±:data:`LOGIT_LIMIT`.
    """
    z = validate_logits(z0)
    if np.max(np.abs(z[np.isfinite(z)])) > LOGIT_LIMIT:
        raise ValueError(f"starting logits must lie within ±{LOGIT_LIMIT:,.0f}")
    return OptimizerState(0, np.zeros_like(z), np.zeros_like(z))


def optimizer_step(y, z, state: OptimizerState, settings: OptimizerSettings):
    """One step of the chosen optimiser on the logits: a pure function.

    Parameters
    ----------
    y : array_like, shape (C,)
        Target distribution.
    z : array_like, shape (C,)
        Current logits.
    state : OptimizerState
        From :func:`optimizer_init` or the previous call.
    settings : OptimizerSettings

    Returns
    -------
    (numpy.ndarray, OptimizerState)
        The new logits and the new optimiser state. Inputs are not modified.

    Raises
    ------
    FloatingPointError
        If the step would take a finite logit beyond ±:data:`LOGIT_LIMIT` (a learning rate
        far too large; also where the step overflows the float range): the stop rule of
        every descent run, so no run returns NaN or leaves the range a scenario holds.
        A ``-inf`` logit (probability 0) stays ``-inf``.
    """
    s = settings.checked()
    z = validate_logits(z)
    g = _grad(validate_distribution(y, "target"), z, _check_temperature(s.temperature))
    lr = float(s.learning_rate)
    t = state.step + 1
    # Overflow is detected below and reported as FloatingPointError, not as a RuntimeWarning.
    with np.errstate(over="ignore", invalid="ignore"):
        new_z, new_state = _step(s, lr, t, z, g, state)
    # One test for both: NaN and inf fail "<=" too.
    if not np.abs(new_z[np.isfinite(z)]).max() <= LOGIT_LIMIT:
        raise FloatingPointError(f"the next step would take a logit beyond ±{LOGIT_LIMIT:,.0f}: "
                                 "the learning rate is far too large")
    return new_z, new_state


def _step(s: OptimizerSettings, lr: float, t: int, z, g, state: OptimizerState):
    if s.name == "sgd":
        new_z = z - lr * g
        new_state = OptimizerState(t, state.velocity, state.second)
    elif s.name == "momentum":
        v = s.momentum * state.velocity + g
        new_z = z - lr * v
        new_state = OptimizerState(t, v, state.second)
    else:
        m = s.beta1 * state.velocity + (1.0 - s.beta1) * g
        v2 = s.beta2 * state.second + (1.0 - s.beta2) * g * g
        m_hat = m / (1.0 - s.beta1**t)
        v_hat = v2 / (1.0 - s.beta2**t)
        new_z = z - lr * m_hat / (np.sqrt(v_hat) + s.eps)
        new_state = OptimizerState(t, m, v2)
    return new_z, new_state


def optimize(y, z0, steps: int, settings: OptimizerSettings | None = None) -> np.ndarray:
    """Run ``steps`` optimiser steps from ``z0``; return every iterate, shape ``(steps + 1, C)``.

    The rows of :func:`optimizer_path`; raises as it does.
    """
    path = optimizer_path(y, z0, steps, settings)
    z = next(path)
    out = np.empty((int(steps) + 1, z.shape[0]))
    out[0] = z
    for i, z in enumerate(path, 1):
        out[i] = z
    return out


def optimizer_path(y, z0, steps: int, settings: OptimizerSettings | None = None):
    """The logits of a descent run, one step at a time: ``z0``, then after each of ``steps`` steps.

    Returns an iterator, so that a long run need not be kept (``descend`` keeps only the rows
    it prints); the inputs are checked when it is called, before any step.

    Raises
    ------
    ValueError
        On invalid input, or starting logits beyond ±:data:`LOGIT_LIMIT`.
    FloatingPointError
        From :func:`optimizer_step`, in place of the first step that would leave
        ±:data:`LOGIT_LIMIT`; the values yielded before it are the run up to there.
    """
    settings = (settings or OptimizerSettings()).checked()
    n = int(steps)
    if n < 0:
        raise ValueError(f"steps must be >= 0, got {steps!r}")
    z = validate_logits(z0)
    if z.ndim != 1:
        raise ValueError("optimize works on one sample (1-D logits)")
    y = validate_distribution(y, "target")
    _same_shape(y, z, "target and logits")
    state = optimizer_init(z)
    return _path(y, z, state, n, settings)


def _path(y, z, state, n: int, settings: OptimizerSettings):
    yield z
    for _ in range(n):
        z, state = optimizer_step(y, z, state, settings)
        yield z


def max_run_steps(num_classes: int) -> int:
    """Most steps a descent run of ``num_classes`` classes keeps (:data:`MAX_RUN_VALUES`):
    222,221 for 3 classes, 997 for 1,000."""
    return max(2, MAX_RUN_VALUES // (4 * int(num_classes) + 6)) - 1


def gradient_descent(y, z0, learning_rate: float, steps: int) -> np.ndarray:
    """Plain gradient descent on the logits: ``z <- z - lr (softmax(z) - y)``.

    Parameters
    ----------
    y : array_like, shape (C,)
        Target distribution.
    z0 : array_like, shape (C,)
        Starting logits.
    learning_rate : float
        Step size, ``> 0``.
    steps : int
        Number of steps, ``>= 0``.

    Returns
    -------
    numpy.ndarray, shape (steps + 1, C)
        Row 0 is ``z0``; row k the logits after k steps. For a soft target the
        loss approaches ``entropy(y)``; for a hard target it approaches 0 while the
        true class's logit grows without bound.
    """
    return optimize(y, z0, steps, OptimizerSettings("sgd", learning_rate))


def trajectory_losses(y, logits, base=None, temperature: float = 1.0):
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
    gradient: np.ndarray


def evaluate(y, p, base=None, logits=None, temperature: float = 1.0) -> Evaluation:
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
    t = _check_temperature(temperature)
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


def _perplexity_of(ce: float, base) -> float:
    """:func:`perplexity` of one float, without the overflow guard where it cannot overflow."""
    b = math.e if base is None else float(base)
    if ce * math.log(b) < 709.0:  # e^709 < the largest float
        return float(np.power(b, ce))
    return float(perplexity(ce, base))


# --------------------------------------------------------------------------- helpers for the UI


def one_hot(index: int, num_classes: int) -> np.ndarray:
    """A hard label: ``num_classes`` zeros with a 1 at ``index``."""
    n = int(num_classes)
    if n < MIN_CLASSES:
        raise ValueError(f"need at least {MIN_CLASSES} classes, got {num_classes!r}")
    i = int(index)
    if not 0 <= i < n:
        raise ValueError(f"class index {index!r} is outside 0..{n - 1}")
    out = np.zeros(n)
    out[i] = 1.0
    return out


def smooth_labels(y, epsilon: float) -> np.ndarray:
    """Label smoothing as in PyTorch: ``y (1 - eps) + eps / C``.

    ``epsilon`` in [0, 1]: 0 leaves ``y`` alone, 1 gives the uniform distribution.
    """
    y = validate_distribution(y, "target")
    e = float(epsilon)
    if not (0.0 <= e <= 1.0):
        raise ValueError(f"label smoothing must lie in [0, 1], got {epsilon!r}")
    return y * (1.0 - e) + e / y.shape[-1]


def redistribute(p, index: int, value: float) -> np.ndarray:
    """Set class ``index`` to ``value`` and rescale the others so the sum stays 1.

    The other classes keep their proportions to one another; if they are all 0,
    the remainder ``1 - value`` is shared evenly among them. ``value`` is clipped
    to [0, 1] (a drag past the plot's edge means "all" or "nothing").

    Parameters
    ----------
    p : array_like, shape (C,)
        A probability distribution.
    index : int
        The class being set.
    value : float
        Its new probability.

    Returns
    -------
    numpy.ndarray, shape (C,)
        A new distribution summing to 1 (to rounding), with ``out[index] == value``.
    """
    p = validate_distribution(p, "distribution")
    if p.ndim != 1:
        raise ValueError("redistribute works on one distribution (1-D)")
    n = p.shape[0]
    i = int(index)
    if not 0 <= i < n:
        raise ValueError(f"class index {index!r} is outside 0..{n - 1}")
    v = float(value)
    if math.isnan(v):
        raise ValueError("value must be a number, got NaN")
    v = min(max(v, 0.0), 1.0)
    others = np.delete(p, i)
    rest = others.sum()
    if rest > 0:
        # Shares first (each <= 1), then scaled: (1 - v) / rest overflows when the others
        # add up to a subnormal number such as 3e-310 (a softmax of logits ~700 apart).
        others = (others / rest) * (1.0 - v)
    else:
        others = np.full(n - 1, (1.0 - v) / (n - 1))
    out = np.insert(others, i, v)
    # Put the rounding error where it does least harm: into the largest other class.
    err = 1.0 - out.sum()
    if err != 0.0 and n > 1:
        j = int(np.argmax(np.where(np.arange(n) == i, -1.0, out)))
        out[j] = max(out[j] + err, 0.0)
    return out


def logits_from_probabilities(p, floor: float | None = None) -> np.ndarray:
    """Logits whose softmax is ``p``: ``log p`` shifted so the largest logit is 0.

    Parameters
    ----------
    p : array_like, shape (C,) or (N, C)
        Probability distribution(s).
    floor : float or None
        Zero probabilities have logit ``-inf`` unless ``floor`` (a negative number) is
        given; then every logit is at least ``floor``, which keeps the logits finite
        (needed to start gradient descent) at the cost of a tiny probability
        ``~exp(floor)`` for the zero classes.

    Returns
    -------
    numpy.ndarray, same shape as ``p``
    """
    p = validate_distribution(p, "prediction")
    with np.errstate(divide="ignore"):
        z = np.log(p)
    z = z - z.max(axis=-1, keepdims=True)
    if floor is not None:
        f = float(floor)
        if not math.isfinite(f) or f >= 0:
            raise ValueError(f"floor must be a negative number, got {floor!r}")
        z = np.maximum(z, f)
    return z


# --------------------------------------------------------------------------- the probability simplex

#: Corners of the simplex view's triangle: class 1 bottom left, class 2 bottom right, class 3 on top.
SIMPLEX_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3.0) / 2.0]])


def barycentric_to_cartesian(p) -> np.ndarray:
    """Where a 3-class distribution sits in the equilateral triangle of side 1.

    Parameters
    ----------
    p : array_like, shape (3,) or (N, 3)
        Weights of the three corners (:data:`SIMPLEX_CORNERS`); normally a distribution,
        but any weights summing to 1 are mapped (points outside the triangle then).

    Returns
    -------
    numpy.ndarray, shape (2,) or (N, 2)
        ``p @ SIMPLEX_CORNERS``: class 1 at (0, 0), class 2 at (1, 0), class 3 at (1/2, sqrt(3)/2).
    """
    arr = np.asarray(p, dtype=float)
    if arr.shape[-1] != 3:
        raise ValueError(f"the simplex view needs exactly 3 classes, got {arr.shape[-1]}")
    return arr @ SIMPLEX_CORNERS


def cartesian_to_barycentric(xy) -> np.ndarray:
    """Inverse of :func:`barycentric_to_cartesian`: corner weights of points in the plane.

    Parameters
    ----------
    xy : array_like, shape (2,) or (N, 2)

    Returns
    -------
    numpy.ndarray, shape (3,) or (N, 3)
        Weights summing to 1; all in [0, 1] exactly when the point lies in the triangle
        (a weight is negative outside). Use :func:`project_to_simplex` to clamp.
    """
    arr = np.asarray(xy, dtype=float)
    if arr.shape[-1] != 2:
        raise ValueError(f"points must have 2 coordinates, got {arr.shape[-1]}")
    x, yc = arr[..., 0], arr[..., 1]
    p3 = yc / SIMPLEX_CORNERS[2, 1]
    p2 = x - p3 / 2.0
    p1 = 1.0 - p2 - p3
    return np.stack([p1, p2, p3], axis=-1)


def project_to_simplex(v) -> np.ndarray:
    """The nearest probability distribution to ``v`` (Euclidean projection onto the simplex).

    The sort-based algorithm of Held, Wolfe & Crowder (1974) / Duchi et al. (2008). For three
    classes the triangle of :func:`barycentric_to_cartesian` is a similar copy of the simplex,
    so this is also the nearest point of the triangle to a point dragged outside it.

    Parameters
    ----------
    v : array_like, shape (C,)
        Any finite real vector.

    Returns
    -------
    numpy.ndarray, shape (C,)
        Non-negative, summing to 1 (to rounding); ``v`` itself if it already is a distribution.
    """
    v = np.asarray(v, dtype=float)
    if v.ndim != 1 or v.shape[0] < 1 or not np.all(np.isfinite(v)):
        raise ValueError("project_to_simplex takes one finite 1-D vector")
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.arange(1, v.shape[0] + 1)
    rho = int(np.nonzero(u - css / k > 0)[0][-1])
    theta = css[rho] / (rho + 1.0)
    out = np.maximum(v - theta, 0.0)
    return out / out.sum()


def _scalar(a):
    a = np.asarray(a)
    return float(a) if a.ndim == 0 else a
