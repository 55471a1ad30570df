"""Losses of a two-class prediction: binary cross-entropy, and CE beside squared error and focal loss.

:func:`binary_cross_entropy` is the Bernoulli cross-entropy of probabilities (the binary
view); :func:`true_class_losses` writes CE, squared error (Brier score) and focal loss as
functions of the probability ``q = sigmoid(s)`` that a prediction gives the true class (the
comparison view). Numpy only; the conventions are the core's (``0 log 0 = 0``, an infinite
loss stays infinite, never NaN, never ``-0.0``).
"""

from __future__ import annotations

import math

import numpy as np

from ce_desktop.model import core
from ce_desktop.model.types import ArrayLike, FloatArray, FloatOrArray, LogBase

__all__ = ["binary_cross_entropy", "binary_cross_entropy_grad_logit", "true_class_losses"]


def binary_cross_entropy(y: ArrayLike, p: ArrayLike, base: LogBase = None) -> FloatOrArray:
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
    out = core.neg_xlogy(y, p) + core.neg_xlogy(1.0 - y, 1.0 - p)
    return _scalar(core.from_nats(out, base))


def binary_cross_entropy_grad_logit(y: ArrayLike, p: ArrayLike) -> FloatOrArray:
    """Derivative of binary cross-entropy (nats) with respect to the logit of ``p``: ``p - y``."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return _scalar(p - y)


def true_class_losses(q: ArrayLike, gamma: float = 2.0) -> dict[str, FloatArray]:
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


def _scalar(a: FloatArray) -> FloatOrArray:
    return float(a) if a.ndim == 0 else a
