"""The sentences the descent panel shows: a run's stop (reason and numbers) put into words.

The run itself (tests/model/test_descent_run.py) knows no wording; these tests build stops
with round numbers and compare with sentences written out here, then check real runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ce_desktop.gui.descent import describe_stop, optimizer_label
from ce_desktop.model.descent_run import DescentRun, Stop, StopReason
from ce_desktop.model.scenario import DescentSettings

SOFT = np.array([0.7, 0.2, 0.1])
SOFT_P = np.array([0.6, 0.3, 0.1])
HARD = np.array([1.0, 0.0, 0.0])
HARD_P = np.array([0.8, 0.1, 0.1])


def stop(reason, **numbers) -> Stop:
    base = dict(step=12, steps=12, value=0.0, threshold=0.0, cross_entropy=0.85, kl_divergence=0.05,
                entropy=0.8, start_cross_entropy=1.25, base=None, learning_rate=0.5)
    base.update(numbers)
    return Stop(reason, **base)


def run_to_end(run: DescentRun) -> DescentRun:
    while run.step():
        pass
    return run


@pytest.mark.parametrize("s, text", [
    (stop(StopReason.CONVERGED, step=0, steps=0, threshold=1e-4, kl_divergence=5e-5),
     "Converged at the start: KL (< 0.001 nats) is below the tolerance 0.0001 nats. "
     "CE = 0.850 nats sits on its floor H(y) = 0.800 nats."),
    (stop(StopReason.CONVERGED, step=1, steps=1, threshold=0.001, entropy=0.0, base=2),
     "Converged after 1 step: KL (0.050 bits) is below the tolerance 0.001 nats. CE = 0.850 bits is within "
     "the tolerance of its floor H(y) = 0, which a hard target reaches only as the logits run off to infinity."),
    (stop(StopReason.MAX_STEPS, step=1500, steps=1000),
     "Stopped at the maximum of 1,000 steps; KL is still 0.050 nats, above the tolerance. Press Play to go on."),
    (stop(StopReason.MAX_STEPS, entropy=0.0, target_logit=7.25),
     "Stopped at the maximum of 12 steps. With a hard target CE (0.850 nats) reaches 0 only as the logits run "
     "off to infinity: the true class's logit is now 7.25. Press Play to go on."),
    (stop(StopReason.DIVERGING, cross_entropy=9.5, learning_rate=1000.0),
     "Diverging: the loss rose from 1.250 to 9.500 nats and is not coming down — the learning rate (1000) "
     "is too large."),
    (stop(StopReason.OSCILLATING, value=7, threshold=5, window=20, learning_rate=10.0),
     "Oscillating: the loss went up in 7 of the last 20 steps and gets no lower (KL ≈ 0.050 nats) — the steps "
     "overshoot; try a smaller learning rate (10 now)."),
    (stop(StopReason.STALLED, threshold=1e-12),
     "The loss stopped changing after 12 steps (by less than 1e-12 per step), with KL = 0.050 nats still above "
     "the tolerance."),
    (stop(StopReason.OVERFLOW, step=3, threshold=1e6, learning_rate=1e9),
     "Stopped at step 3: the next step would take a logit beyond ±1,000,000 — the learning rate (1e+09) is "
     "far too large."),
    (stop(StopReason.HISTORY_FULL, step=19, threshold=19, classes=3),
     "Stopped after 19 steps: the run's history is full (at most 19 steps for 3 classes)."),
])
def test_each_stop_in_words(s, text):
    assert describe_stop(s) == text


def test_infinite_and_negative_zero_numbers_read_as_the_app_writes_them():
    text = describe_stop(stop(StopReason.DIVERGING, start_cross_entropy=-0.0, cross_entropy=math.inf))
    assert "from 0.000 to ∞ nats" in text and "-0" not in text


def test_every_reason_has_its_own_sentence():
    texts = {describe_stop(stop(r, window=20)) for r in StopReason}
    assert len(texts) == len(StopReason)


def test_real_runs_are_worded_with_their_numbers():
    hard = run_to_end(DescentRun(HARD, np.log(HARD_P), DescentSettings(learning_rate=0.5, max_steps=300)))
    assert "infinity" in describe_stop(hard.stop) and "300 steps" in describe_stop(hard.stop)
    start = DescentRun(SOFT, np.log(SOFT), DescentSettings())
    assert describe_stop(start.stop).startswith("Converged at the start")
    big = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=1000.0)))
    text = describe_stop(big.stop)
    assert text.startswith("Diverging") and "(1000) is too large" in text and "nan" not in text.lower()
    flat = DescentRun(HARD, [0.0, 0.0, 0.0], DescentSettings(learning_rate=1e308), temperature=0.01)
    flat.step()
    assert describe_stop(flat.stop).startswith("Stopped at step 0:") and "beyond ±1,000,000" in describe_stop(flat.stop)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize(
    "y,p", [(SOFT, SOFT_P), (HARD, HARD_P), (np.array([0.4, 0.3, 0.3]), np.array([0.8, 0.1, 0.1]))]
)
def test_learning_rate_1000_is_never_worded_nan(optimizer, y, p):
    run = run_to_end(DescentRun(y, np.log(p), DescentSettings(optimizer, 1000.0, max_steps=2000)))
    assert "nan" not in describe_stop(run.stop).lower()


def test_optimizer_label_names_the_optimizer():
    assert optimizer_label(DescentSettings("adam", 0.1)) == "Adam, lr 0.1, β₁ 0.9, β₂ 0.999"
    assert optimizer_label(DescentSettings("momentum", 0.5, momentum=0.95)) == "momentum, lr 0.5, β 0.95"
    assert optimizer_label(DescentSettings()) == "gradient descent, lr 1"
