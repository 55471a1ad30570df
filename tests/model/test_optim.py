"""Tests of ce_desktop.model.optim: gradient descent, momentum and Adam on the logits.

References: steps worked out by hand and direct reimplementations written out here. No Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sps

from ce_desktop.model import optim

# --------------------------------------------------------------------------- descent and optimisers


def test_gradient_descent_two_steps_by_hand():
    # y = (1, 0), z0 = (0, 0), lr = 1.
    # Step 1: p = (1/2, 1/2), g = p - y = (-1/2, 1/2), z1 = (1/2, -1/2).
    # Step 2: p = (s, 1 - s) with s = 1 / (1 + e^-1) = 0.7310586, g = (s - 1, 1 - s), z2 = z1 - g.
    s = 1.0 / (1.0 + math.exp(-1.0))
    traj = optim.gradient_descent([1, 0], [0, 0], learning_rate=1.0, steps=2)
    assert traj.shape == (3, 2)
    assert traj[0].tolist() == [0.0, 0.0]
    assert traj[1] == pytest.approx([0.5, -0.5], abs=1e-15)
    assert traj[2] == pytest.approx([0.5 + (1 - s), -0.5 - (1 - s)], abs=1e-15)
    assert traj[2] == pytest.approx([0.7689414, -0.7689414], abs=1e-7)


def test_gradient_descent_zero_steps_and_errors():
    traj = optim.gradient_descent([0.5, 0.5], [1.0, 2.0], 0.1, 0)
    assert traj.tolist() == [[1.0, 2.0]]
    with pytest.raises(ValueError, match="steps must be >= 0"):
        optim.gradient_descent([0.5, 0.5], [1.0, 2.0], 0.1, -1)
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        optim.gradient_descent([0.5, 0.5], [1.0, 2.0], 0.0, 3)
    with pytest.raises(ValueError, match="different shapes"):
        optim.gradient_descent([0.5, 0.5], [1.0, 2.0, 3.0], 0.1, 3)
    with pytest.raises(ValueError, match="one sample"):
        optim.gradient_descent([[0.5, 0.5]], [[1.0, 2.0]], 0.1, 3)


def test_gradient_descent_is_optimize_with_sgd():
    y, z0 = [0.6, 0.3, 0.1], [0.0, 2.0, -1.0]
    a = optim.gradient_descent(y, z0, 0.7, 25)
    b = optim.optimize(y, z0, 25, optim.OptimizerSettings("sgd", 0.7))
    assert np.array_equal(a, b)
    # And each row really is the previous one minus lr times the gradient.
    for k in range(25):
        assert a[k + 1] == pytest.approx(a[k] - 0.7 * (sps.softmax(a[k]) - y), abs=1e-14)


def _reference_momentum(y, z, lr, beta, steps, t=1.0):
    v = np.zeros_like(z)
    out = [z.copy()]
    for _ in range(steps):
        g = (sps.softmax(z / t) - y) / t
        v = beta * v + g
        z = z - lr * v
        out.append(z.copy())
    return np.array(out)


def _reference_adam(y, z, lr, b1, b2, eps, steps, t=1.0):
    m = np.zeros_like(z)
    v = np.zeros_like(z)
    out = [z.copy()]
    for k in range(1, steps + 1):
        g = (sps.softmax(z / t) - y) / t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**k)
        v_hat = v / (1 - b2**k)
        z = z - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(z.copy())
    return np.array(out)


@pytest.mark.parametrize("t", [1.0, 2.5])
def test_momentum_against_a_direct_reimplementation(t):
    y, z0 = np.array([0.2, 0.5, 0.3]), np.array([1.0, -1.0, 0.5])
    settings_ = optim.OptimizerSettings("momentum", learning_rate=0.3, momentum=0.8, temperature=t)
    got = optim.optimize(y, z0, 40, settings_)
    assert got == pytest.approx(_reference_momentum(y, z0, 0.3, 0.8, 40, t), abs=1e-12)


@pytest.mark.parametrize("t", [1.0, 0.7])
def test_adam_against_a_direct_reimplementation(t):
    y, z0 = np.array([0.0, 1.0, 0.0, 0.0]), np.array([0.3, -0.2, 1.5, 0.0])
    settings_ = optim.OptimizerSettings("adam", learning_rate=0.05, beta1=0.85, beta2=0.99, eps=1e-7, temperature=t)
    got = optim.optimize(y, z0, 60, settings_)
    assert got == pytest.approx(_reference_adam(y, z0, 0.05, 0.85, 0.99, 1e-7, 60, t), abs=1e-12)


def test_adam_first_step_by_hand():
    # After one step m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps): lr * sign(g).
    y, z0 = [1.0, 0.0], [0.0, 0.0]  # g = (-0.5, 0.5)
    z1, state = optim.optimizer_step(y, z0, optim.optimizer_init(z0), optim.OptimizerSettings("adam", 0.1))
    assert z1 == pytest.approx([0.1, -0.1], abs=1e-8)
    assert state.step == 1
    assert state.velocity == pytest.approx([-0.05, 0.05])  # (1 - 0.9) * g
    assert state.second == pytest.approx([0.00025, 0.00025])  # (1 - 0.999) * g^2


def test_optimizer_step_is_pure():
    z0 = np.array([0.0, 1.0, 2.0])
    s0 = optim.optimizer_init(z0)
    assert s0.step == 0 and s0.velocity.tolist() == [0.0] * 3 and s0.second.tolist() == [0.0] * 3
    before = (z0.copy(), s0.velocity.copy())
    z1, s1 = optim.optimizer_step([1, 0, 0], z0, s0, optim.OptimizerSettings("momentum", 0.5))
    assert np.array_equal(z0, before[0]) and np.array_equal(s0.velocity, before[1])
    # Calling again with the same inputs gives the same answer.
    z1b, s1b = optim.optimizer_step([1, 0, 0], z0, s0, optim.OptimizerSettings("momentum", 0.5))
    assert np.array_equal(z1, z1b) and np.array_equal(s1.velocity, s1b.velocity)
    assert isinstance(s1, optim.OptimizerState) and s1.step == 1


def test_optimizer_settings_are_checked():
    assert optim.OPTIMIZERS == ("sgd", "momentum", "adam")
    assert optim.OptimizerSettings().name == "sgd"
    cases = [
        (dict(name="rmsprop"), "optimizer must be one of sgd, momentum, adam"),
        (dict(learning_rate=-1.0), "learning rate must be a positive number"),
        (dict(learning_rate=float("inf")), "learning rate must be a positive number"),
        (dict(momentum=1.0), r"momentum must lie in \[0, 1\)"),
        (dict(beta1=-0.1), r"beta1 must lie in \[0, 1\)"),
        (dict(beta2=1.5), r"beta2 must lie in \[0, 1\)"),
        (dict(eps=0.0), "eps must be positive"),
        (dict(temperature=0.0), "temperature"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            optim.OptimizerSettings(**kwargs).checked()


def test_overflowing_logits_raise_floating_point_error_not_nan():
    # Heavy-ball momentum with lr = 1e308 on a hard target: the velocity keeps pushing the
    # logits up until they pass the float range (about 1.8e308) within a few steps.
    with pytest.raises(FloatingPointError, match="learning rate is far too large"):
        optim.optimize([1.0, 0.0], [0.0, 0.0], 8, optim.OptimizerSettings("momentum", 1e308))


def test_a_large_learning_rate_oscillates_but_stays_finite():
    traj = optim.gradient_descent([0.5, 0.5], [0.0, 1.0], 1000.0, 50)
    assert np.all(np.isfinite(traj))
