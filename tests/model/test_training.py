"""Tests of ce_desktop.model.training: a training run's steps, history, batches and stop rules.

References: updates written out by hand here (gradient descent, momentum, Adam, weight decay, a
mini-batch), using the model's gradient (checked against finite differences in
test_classifier.py); the convexity of logistic regression (small steps only go down). No Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ce_desktop.model import training
from ce_desktop.model.classifier import MLP, LinearModel
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.descent_run import StopReason
from ce_desktop.model.training import TrainingRun, TrainingSettings


def blobs(n_per_class=20, classes=3, spread=0.5, seed=0):
    """Well separated Gaussian blobs around the corners of a regular polygon of radius 3."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    t = np.repeat(np.arange(classes), n_per_class)
    return centres[t] + spread * rng.normal(size=(t.size, 2)), t


def test_linear_zeros_full_batch_starts_at_zero_and_takes_the_step_by_hand():
    x, t = blobs()
    n, c = len(t), 3
    model = LinearModel(2, c)
    run = TrainingRun(model, x, t, settings=TrainingSettings("sgd", learning_rate=0.1))
    assert np.array_equal(run.params_at(0), np.zeros(9))  # W = 0, b = 0
    assert run.loss[0] == pytest.approx(math.log(3.0), abs=1e-15)
    assert run.accuracy[0] == pytest.approx(1 / 3)  # every argmax is class 0, a third of the points
    # At zero every prediction is uniform: dL/dW = (1/N) (1/C - Y)^T X, dL/db = mean of (1/C - Y).
    y = np.eye(c)[t]
    g_w = (1.0 / c - y).T @ x / n
    g_b = (1.0 / c - y).mean(axis=0)
    assert run.step()
    w1 = model.unpack(run.params_at(1))
    assert w1.W == pytest.approx(-0.1 * g_w, abs=1e-15)
    assert w1.b == pytest.approx(-0.1 * g_b, abs=1e-15)


def _grad(model, p, x, t, opts=None, decay=0.0):
    return model.loss_and_gradients(p, x, t, opts, decay).gradient


def test_momentum_two_steps_by_hand():
    x, t = blobs(5)
    model = LinearModel(2, 3)
    run = TrainingRun(model, x, t, settings=TrainingSettings("momentum", learning_rate=0.2, momentum=0.5))
    run.run(2)
    p0 = np.zeros(9)
    v1 = _grad(model, p0, x, t)
    p1 = p0 - 0.2 * v1
    v2 = 0.5 * v1 + _grad(model, p1, x, t)
    p2 = p1 - 0.2 * v2
    assert run.params_at(1) == pytest.approx(p1, abs=1e-15)
    assert run.params_at(2) == pytest.approx(p2, abs=1e-15)
    assert run.optimizer_state(2).velocity == pytest.approx(v2, abs=1e-15)


def test_adam_two_steps_by_hand():
    x, t = blobs(5)
    model = MLP(2, 3, 4, "tanh")
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    run = TrainingRun(model, x, t, settings=TrainingSettings("adam", learning_rate=lr), init="random", init_seed=3)
    run.run(2)
    p = model.init("random", 3)
    m = v = np.zeros_like(p)
    for step in (1, 2):
        g = _grad(model, p, x, t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
        assert run.params_at(step) == pytest.approx(p, abs=1e-14)
    # The first step moves every parameter by lr |g| / (|g| + eps), just under lr: m_hat = g and
    # v_hat = g^2 after one step, whatever the size of g.
    g0 = np.abs(_grad(model, run.params_at(0), x, t))
    moved = np.abs(run.params_at(1) - run.params_at(0))
    assert moved == pytest.approx(lr * g0 / (g0 + eps), rel=1e-9)
    assert np.all(moved[g0 > 0] <= lr)


def test_weight_decay_adds_lambda_w_to_the_step_and_spares_the_bias():
    x, t = blobs(5)
    model = LinearModel(2, 3)
    p0 = np.arange(9, dtype=float) / 10
    run = TrainingRun(model, x, t, settings=TrainingSettings(learning_rate=0.1, weight_decay=0.5), params=p0)
    run.step()
    g = _grad(model, p0, x, t)
    decay = np.concatenate([0.5 * p0[:6], np.zeros(3)])
    assert run.params_at(1) == pytest.approx(p0 - 0.1 * (g + decay), abs=1e-15)
    assert run.loss[0] - run.data_loss[0] == pytest.approx(0.25 * np.sum(p0[:6] ** 2), abs=1e-15)


def test_mini_batches_cover_each_epoch_once_and_are_seeded():
    x, t = blobs(4, classes=3)  # N = 12
    model = LinearModel(2, 3)
    settings = TrainingSettings(learning_rate=0.1, batch_size=5, seed=4)
    run = TrainingRun(model, x, t, settings=settings)
    sizes = [len(run.batch(k)) for k in range(3)]
    assert sizes == [5, 5, 2]  # ceil(12 / 5) = 3 batches, the last one smaller
    for epoch in range(3):
        seen = np.concatenate([run.batch(3 * epoch + j) for j in range(3)])
        assert sorted(seen.tolist()) == list(range(12))
    assert not np.array_equal(run.batch(0), run.batch(3))  # a new shuffle each epoch
    again = TrainingRun(model, x, t, settings=settings)
    other = TrainingRun(model, x, t, settings=TrainingSettings(learning_rate=0.1, batch_size=5, seed=5))
    assert np.array_equal(again.batch(4), run.batch(4))
    assert not all(np.array_equal(other.batch(k), run.batch(k)) for k in range(3))


def test_a_mini_batch_step_uses_the_batch_mean_and_records_the_whole_data():
    x, t = blobs(4, classes=3)
    model = LinearModel(2, 3)
    w = (1.0, 2.0, 0.5)
    opts = LossOptions("mean", w, 0.1)
    run = TrainingRun(model, x, t, opts, TrainingSettings(learning_rate=0.3, batch_size=5, seed=1))
    idx = run.batch(0)
    run.step()
    # The batch's own weighted mean: it divides by the weights of the batch's classes only.
    g = _grad(model, np.zeros(9), x[idx], t[idx], opts)
    assert run.params_at(1) == pytest.approx(-0.3 * g, abs=1e-15)
    whole = model.loss_and_gradients(run.params_at(1), x, t, opts).loss
    assert run.loss[1] == pytest.approx(whole, rel=1e-15)


def test_small_steps_on_separable_blobs_only_go_down():
    # Logistic regression's loss is convex and smooth: with a small enough learning rate, gradient
    # descent lowers it at every step.
    x, t = blobs(30, classes=3, spread=0.4, seed=2)
    run = TrainingRun(LinearModel(2, 3), x, t, settings=TrainingSettings(learning_rate=0.05, max_steps=300))
    run.run(300)
    assert run.last == 300
    assert np.all(np.diff(run.loss) < 0)
    assert run.accuracy[-1] == 1.0
    assert run.stop_reason == StopReason.MAX_STEPS


def test_probability_targets_train_towards_their_entropy_floor():
    x, t = blobs(10, classes=2)
    y = np.where(np.eye(2)[t] == 1, 0.8, 0.2)  # soft labels: CE cannot go below H(0.8, 0.2)
    run = TrainingRun(LinearModel(2, 2), x, y, settings=TrainingSettings(learning_rate=0.5, max_steps=400))
    run.run(400)
    h = -(0.8 * math.log(0.8) + 0.2 * math.log(0.2))
    assert run.loss_floor == pytest.approx(h, rel=1e-14)
    assert run.loss.min() >= h
    assert run.loss[-1] < h + 0.05


def test_step_back_and_scrub_are_exact_and_forward_replays():
    x, t = blobs(5)
    run = TrainingRun(MLP(2, 3, 6, "relu"), x, t, settings=TrainingSettings("adam", learning_rate=0.05),
                      init="random", init_seed=1)
    run.run(15)
    history = run.params_history.copy()
    assert run.go_to(4) and np.array_equal(run.params, history[4])
    assert run.step_back() and run.index == 3
    assert run.step() and np.array_equal(run.params, history[4])
    assert run.last == 15 and np.array_equal(run.params_history, history)
    assert not run.go_to(4)
    assert run.go_to(99) and run.index == 15
    run.go_to(0)
    assert not run.step_back()
    assert run.logits(x).shape == (15, 3)
    # Sample by sample, at the step shown: the mean of the per-sample losses is the recorded loss.
    run.go_to(7)
    assert run.per_sample_loss().mean() == pytest.approx(run.loss[7], rel=1e-14)
    assert run.probabilities().sum(axis=1) == pytest.approx(np.ones(15), abs=1e-15)


def test_new_settings_drop_the_later_steps_and_stop_rules_do_not():
    x, t = blobs(5)
    run = TrainingRun(LinearModel(2, 3), x, t, settings=TrainingSettings(learning_rate=0.1))
    run.run(10)
    run.go_to(6)
    assert not run.set_settings(TrainingSettings(learning_rate=0.1, max_steps=50))
    assert run.last == 10
    assert run.set_settings(TrainingSettings("momentum", learning_rate=0.1))
    assert run.last == 6 and run.optimizer_state().step == 0
    run.step()
    assert run.last == 7


def test_max_steps_stop_and_resume():
    x, t = blobs(5)
    run = TrainingRun(LinearModel(2, 3), x, t, settings=TrainingSettings(learning_rate=0.1, max_steps=5))
    assert run.run(100) == 5
    stop = run.stop
    assert stop.reason == StopReason.MAX_STEPS and stop.value == 5 and stop.threshold == 5
    assert stop.resumable and run.finished and not run.step()
    assert run.resume() and run.run(100) == 5 and run.last == 10


def test_converged_when_the_gradient_is_small():
    x, t = blobs(5)
    run = TrainingRun(LinearModel(2, 3), x, t, settings=TrainingSettings(learning_rate=0.5, tolerance=0.05))
    run.run(1000)
    stop = run.stop
    assert stop.reason == StopReason.CONVERGED and stop.value < 0.05 == stop.threshold
    assert run.gradient_norm[-1] == stop.value and np.all(run.gradient_norm[:-1] >= 0.05)
    assert not stop.resumable


def test_stalled_on_data_that_cannot_be_separated():
    # Two classes on the same two points: the best model predicts 1/2 there; the loss settles.
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    t = np.array([0, 1, 0, 1])
    run = TrainingRun(LinearModel(2, 2), x, t, settings=TrainingSettings(learning_rate=1.0, tolerance=0.0,
                                                                            max_steps=10_000))
    run.run(10_000)
    assert run.stop_reason == StopReason.STALLED
    assert run.stop.value <= run.stop.threshold
    assert run.loss[-1] == pytest.approx(math.log(2.0), abs=1e-10)


def test_overflow_refuses_the_step():
    x, t = blobs(5)
    run = TrainingRun(LinearModel(2, 3), x, t, LossOptions("sum"), TrainingSettings(learning_rate=1e9))
    run.run(10)
    assert run.stop_reason == StopReason.OVERFLOW
    assert run.stop.value > training.PARAMETER_LIMIT == run.stop.threshold
    assert np.all(np.abs(run.params_history) <= training.PARAMETER_LIMIT)


def test_history_full(monkeypatch):
    monkeypatch.setattr(training, "MAX_TRAINING_VALUES", 5 * (3 * 9 + 4))
    x, t = blobs(5)
    run = TrainingRun(LinearModel(2, 3), x, t, settings=TrainingSettings(learning_rate=0.01))
    assert run.run(100) == 4
    assert run.stop_reason == StopReason.HISTORY_FULL


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"options": LossOptions("none")}, "reduced loss"),
    ({"target": np.array([0, 0, 0])}, "numbers of samples"),
    ({"params": np.zeros(3)}, "9 finite numbers"),
    ({"settings": TrainingSettings(batch_size=0)}, "batch size"),
    ({"settings": TrainingSettings(weight_decay=-1.0)}, "weight decay"),
    ({"settings": TrainingSettings(optimizer="lbfgs")}, "optimizer must be one of"),
    ({"target": np.array([1, 1, 1, 1]), "options": LossOptions(ignore_index=1)}, "not a number"),
])
def test_bad_runs_are_refused(kwargs, message):
    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    args = {"model": LinearModel(2, 3), "x": x, "target": np.array([0, 1, 2, 0])} | kwargs
    with pytest.raises(ValueError, match=message):
        TrainingRun(**args)
