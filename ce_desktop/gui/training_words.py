"""Runs in words: why a training run stopped, with its numbers; the number and step wording the
explorer's descent (gui/descent.py) shares."""

from __future__ import annotations

import math

from ce_desktop.model.descent_run import StopReason
from ce_desktop.model.training import TrainingStop

__all__ = ["describe_training_stop", "number", "steps"]


def number(x: float) -> str:
    """4 significant digits, ∞ for infinity, — for not a number, never "-0"."""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if math.isnan(x):
        return "—"
    return f"{x + 0.0:.4g}"


def steps(n: int) -> str:
    """"1 step", "1,200 steps"."""
    return "1 step" if n == 1 else f"{n:,} steps"


def describe_training_stop(stop: TrainingStop) -> str:
    """The sentence shown when a training run stops: why, with its numbers."""
    r, k = stop.reason, stop.step
    acc = f"{100 * stop.accuracy:.1f} %"
    loss = number(stop.loss)
    if r is StopReason.CONVERGED:
        return (f"Converged after {steps(stop.steps)}: the gradient's norm is below {stop.threshold:g}. "
                f"Loss {loss} nats, accuracy {acc}.")
    if r is StopReason.MAX_STEPS:
        return f"Stopped at the maximum of {steps(stop.steps)}: loss {loss} nats, accuracy {acc}. Press Play to go on."
    if r is StopReason.DIVERGING:
        return (f"Diverging: the loss rose from {number(stop.start_loss)} to {loss} nats — the learning rate "
                f"({number(stop.learning_rate)}) is too large.")
    if r is StopReason.OSCILLATING:
        return (f"Oscillating: the loss went up in {int(stop.value)} of the last {stop.window} steps — "
                f"try a smaller learning rate ({number(stop.learning_rate)} now).")
    if r is StopReason.STALLED:
        return f"The loss stopped changing after {steps(k)}: loss {loss} nats, accuracy {acc}."
    if r is StopReason.OVERFLOW:
        return (f"Stopped at step {k}: the next step would take a parameter beyond ±{stop.threshold:,.0f} — "
                f"the learning rate ({number(stop.learning_rate)}) is far too large.")
    return f"Stopped after {steps(k)}: the run's history is full."
