"""Probability distributions and logits as the maths takes them: checks and constructors.

Every function of :mod:`ce_desktop.model.core` takes its distributions through
:func:`validate_distribution` and its logits through :func:`validate_logits`, so what is
accepted, and how a sum a little off 1 is treated, is decided here once. The other
functions make and edit distributions the way the app does (a hard label, label smoothing,
dragging one class's bar, logits for a prediction). Numpy only; no Qt.
"""

from __future__ import annotations

import math

import numpy as np

from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "SUM_TOLERANCE",
    "ROUNDING_TOLERANCE",
    "MIN_CLASSES",
    "validate_distribution",
    "validate_logits",
    "check_temperature",
    "one_hot",
    "smooth_labels",
    "redistribute",
    "logits_from_probabilities",
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


def _where(index: tuple[int, ...]) -> str:
    return "at index " + (str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index)))


def _as_float_array(x: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from None
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (one sample) or 2-D (a batch), got {arr.ndim}-D")
    if arr.shape[-1] < MIN_CLASSES:
        raise ValueError(f"{name} needs at least {MIN_CLASSES} classes, got {arr.shape[-1]}")
    return arr


def validate_distribution(p: ArrayLike, name: str = "distribution") -> FloatArray:
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
        lo, total = float(arr.min()), float(arr.sum())
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


def validate_logits(z: ArrayLike, name: str = "logits") -> FloatArray:
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


def check_temperature(temperature: float) -> float:
    """A softmax temperature as a float: positive and finite (``ValueError`` otherwise)."""
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    return t



# --------------------------------------------------------------------------- making and editing distributions


def one_hot(index: int, num_classes: int) -> FloatArray:
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


def smooth_labels(y: ArrayLike, epsilon: float) -> FloatArray:
    """Label smoothing as in PyTorch: ``y (1 - eps) + eps / C``.

    ``epsilon`` in [0, 1]: 0 leaves ``y`` alone, 1 gives the uniform distribution.
    """
    y = validate_distribution(y, "target")
    e = float(epsilon)
    if not (0.0 <= e <= 1.0):
        raise ValueError(f"label smoothing must lie in [0, 1], got {epsilon!r}")
    num_classes: int = y.shape[-1]
    return y * (1.0 - e) + e / num_classes


def redistribute(p: ArrayLike, index: int, value: float) -> FloatArray:
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


def logits_from_probabilities(p: ArrayLike, floor: float | None = None) -> FloatArray:
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
    top: FloatArray = z.max(axis=-1, keepdims=True)
    z = z - top
    if floor is not None:
        f = float(floor)
        if not math.isfinite(f) or f >= 0:
            raise ValueError(f"floor must be a negative number, got {floor!r}")
        z = np.maximum(z, f)
    return z

