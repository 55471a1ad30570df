"""Optimisers on the logits: plain gradient descent, momentum and Adam, as pure functions.

A step is :func:`optimizer_step` (new logits and a new :class:`OptimizerState` from the old
ones); :func:`optimizer_path` yields a whole run one step at a time. Every run, the window's
(:class:`~ce_desktop.model.descent_run.DescentRun`) and the command line's alike, stops by
one rule: before a step that would take a logit beyond ±:data:`LOGIT_LIMIT`. Numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ce_desktop.model import core
from ce_desktop.model.distributions import check_temperature, validate_distribution, validate_logits
from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "OPTIMIZERS",
    "LOGIT_LIMIT",
    "MAX_RUN_VALUES",
    "OptimizerSettings",
    "OptimizerState",
    "optimizer_init",
    "optimizer_step",
    "optimizer_update",
    "optimize",
    "optimizer_path",
    "max_run_steps",
    "gradient_descent",
]

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

    def checked(self) -> OptimizerSettings:
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
        check_temperature(self.temperature)
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
    velocity: FloatArray
    second: FloatArray


def optimizer_init(z0: ArrayLike) -> OptimizerState:
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


def optimizer_step(
    y: ArrayLike, z: ArrayLike, state: OptimizerState, settings: OptimizerSettings
) -> tuple[FloatArray, OptimizerState]:
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
    g = core.grad_logits(y, z, s.temperature)  # checks the target, the logits and T
    z = np.asarray(z, dtype=float)  # as checked there
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


def optimizer_update(
    params: FloatArray, gradient: FloatArray, state: OptimizerState, settings: OptimizerSettings
) -> tuple[FloatArray, OptimizerState]:
    """One step of the chosen optimiser on any parameter vector, given its gradient: a pure function.

    The same arithmetic as :func:`optimizer_step` (which computes the gradient of CE on the
    logits first), for a model's flat parameters (:mod:`~ce_desktop.model.training`). No limit
    is applied here and the settings are taken as checked; overflow gives ``inf`` silently, for
    the caller to test. ``state`` comes from :func:`optimizer_init`-like zero buffers shaped like
    ``params`` (``OptimizerState(0, zeros, zeros)``).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _step(settings, float(settings.learning_rate), state.step + 1, params, gradient, state)


def _step(
    s: OptimizerSettings, lr: float, t: int, z: FloatArray, g: FloatArray, state: OptimizerState
) -> tuple[FloatArray, OptimizerState]:
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


def optimize(y: ArrayLike, z0: ArrayLike, steps: int, settings: OptimizerSettings | None = None) -> FloatArray:
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


def optimizer_path(
    y: ArrayLike, z0: ArrayLike, steps: int, settings: OptimizerSettings | None = None
) -> Iterator[FloatArray]:
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
    if y.shape != z.shape:
        raise ValueError(f"target and logits have different shapes: {y.shape} and {z.shape}")
    state = optimizer_init(z)
    return _path(y, z, state, n, settings)


def _path(
    y: FloatArray, z: FloatArray, state: OptimizerState, n: int, settings: OptimizerSettings
) -> Iterator[FloatArray]:
    yield z
    for _ in range(n):
        z, state = optimizer_step(y, z, state, settings)
        yield z


def max_run_steps(num_classes: int) -> int:
    """Most steps a descent run of ``num_classes`` classes keeps (:data:`MAX_RUN_VALUES`):
    222,221 for 3 classes, 997 for 1,000."""
    return max(2, MAX_RUN_VALUES // (4 * int(num_classes) + 6)) - 1


def gradient_descent(y: ArrayLike, z0: ArrayLike, learning_rate: float, steps: int) -> FloatArray:
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

