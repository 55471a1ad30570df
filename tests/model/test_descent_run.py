"""The pure descent run (no Qt at all, no timers) and the core helpers it uses.

The sentences the window shows for a stop are tested in tests/gui/test_descent_wording.py;
here a stop is its reason and its numbers.

References are independent of the code under test: hand-worked steps, scipy.special /
scipy.stats, and direct reimplementations of momentum and Adam written out here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from ce_desktop.model import core, descent_run, distributions, optim
from ce_desktop.model.descent_run import DescentRun, FramePacer, StopReason
from ce_desktop.model.history import History
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError

SOFT = np.array([0.7, 0.2, 0.1])
SOFT_P = np.array([0.6, 0.3, 0.1])
HARD = np.array([1.0, 0.0, 0.0])
HARD_P = np.array([0.8, 0.1, 0.1])


def ce_ref(y, z, T=1.0, base=math.e):
    """Cross-entropy of y against softmax(z / T) via scipy, in the given base."""
    return float(-np.sum(np.asarray(y) * special.log_softmax(np.asarray(z) / T))) / math.log(base)


def run_to_end(run: DescentRun, limit: int = 100_000) -> DescentRun:
    for _ in range(limit):
        if not run.step():
            break
    return run


# --------------------------------------------------------------------------- core helpers


class TestTrajectoryLosses:
    def test_matches_scipy_per_row(self):
        rng = np.random.default_rng(1)
        z = rng.normal(scale=3, size=(7, 4))
        y = np.array([0.5, 0.25, 0.25, 0.0])
        ce, h, kl = core.trajectory_losses(y, z)
        h_ref = stats.entropy(y)
        assert h == pytest.approx(h_ref, rel=1e-12)
        for i in range(7):
            assert ce[i] == pytest.approx(ce_ref(y, z[i]), rel=1e-12)
            p = special.softmax(z[i])
            assert kl[i] == pytest.approx(np.sum(special.rel_entr(y, p)), rel=1e-9, abs=1e-13)
            assert kl[i] >= 0

    def test_bits_and_temperature(self):
        z = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
        ce, h, kl = core.trajectory_losses(SOFT, z, base=2, temperature=0.5)
        assert ce[0] == pytest.approx(ce_ref(SOFT, z[0], 0.5, 2), rel=1e-12)
        assert ce[1] == pytest.approx(math.log2(3), rel=1e-12)
        assert h == pytest.approx(stats.entropy(SOFT, base=2), rel=1e-12)
        np.testing.assert_allclose(kl, ce - h, rtol=1e-12)

    def test_equals_the_readouts_of_evaluate(self):
        z = np.array([3.0, -1.0, 0.5])
        ev = core.evaluate(SOFT, core.softmax(z), None, z)
        ce, h, kl = core.trajectory_losses(SOFT, z)
        assert (ce[0], h, kl[0]) == (ev.cross_entropy, ev.entropy, ev.kl_divergence)

    def test_minus_infinity_logit_gives_infinite_loss_not_nan(self):
        ce, _, kl = core.trajectory_losses([0.0, 1.0, 0.0], [[0.0, -np.inf, 0.0]])
        assert ce[0] == math.inf and kl[0] == math.inf

    def test_huge_gap_is_exact(self):
        ce, _, _ = core.trajectory_losses([0.0, 0.0, 1.0], [[1000.0, 0.0, -1000.0]])
        assert ce[0] == pytest.approx(2000.0)


# --------------------------------------------------------------------------- history extension


class TestHistoryExtend:
    def test_extend_reopens_the_newest_entry(self):
        h = History()
        h.begin("run", 0)
        h.commit(1)
        h.begin("run", 1, extend=True)
        h.commit(2)
        assert len(h) == 1 and h.undo() == 0

    def test_no_extend_after_other_label_or_undo_or_mismatch(self):
        h = History()
        h.begin("run", 0)
        h.commit(1)
        h.record("edit", 1, 2)
        h.begin("run", 2, extend=True)
        h.commit(3)
        assert len(h) == 3
        h.undo()
        h.begin("run", 2, extend=True)  # something was undone: start fresh
        h.commit(4)
        assert len(h) == 3 and h.undo() == 2
        h2 = History()
        h2.begin("run", 0)
        h2.commit(1)
        h2.begin("run", 5, extend=True)  # not where the entry ended
        h2.commit(6)
        assert len(h2) == 2

    def test_extend_back_to_the_start_records_nothing(self):
        h = History()
        h.begin("run", 0)
        h.commit(1)
        h.begin("run", 1, extend=True)
        assert not h.commit(0)
        assert len(h) == 0


# --------------------------------------------------------------------------- the run's steps


class TestSteps:
    def test_first_two_steps_by_hand(self):
        # z0 = 0, y = (1, 0, 0), lr = 1: p0 = 1/3 each, so z1 = z0 - (p0 - y) = (2/3, -1/3, -1/3).
        run = DescentRun(HARD, [0.0, 0.0, 0.0], DescentSettings(learning_rate=1.0))
        run.step()
        np.testing.assert_allclose(run.logits, [2 / 3, -1 / 3, -1 / 3], rtol=1e-14)
        # p1 = (e^(2/3), e^(-1/3), e^(-1/3)) / sum; z2 = z1 - (p1 - y).
        e1, e2 = math.exp(2 / 3), math.exp(-1 / 3)
        s = e1 + 2 * e2
        p1 = np.array([e1, e2, e2]) / s
        run.step()
        np.testing.assert_allclose(run.logits, np.array([2 / 3, -1 / 3, -1 / 3]) - (p1 - HARD), rtol=1e-14)
        assert run.cross_entropy[1] == pytest.approx(-math.log(e1 / s), rel=1e-14)
        assert run.cross_entropy[0] == pytest.approx(math.log(3), rel=1e-14)

    @pytest.mark.parametrize("lr", [0.1, 1.0, 3.5])
    def test_sgd_equals_core_gradient_descent(self, lr):
        z0 = np.log(SOFT_P)
        run = DescentRun(SOFT, z0, DescentSettings(learning_rate=lr, tolerance=0.0, max_steps=40))
        for _ in range(25):
            assert run.step()
        np.testing.assert_array_equal(run.logits_history, optim.gradient_descent(SOFT, z0, lr, 25))
        for k, z in enumerate(run.logits_history):
            assert run.cross_entropy[k] == pytest.approx(ce_ref(SOFT, z), rel=1e-12)
            np.testing.assert_allclose(run.predictions[k], special.softmax(z), rtol=1e-12)

    def test_temperature(self):
        T = 0.5
        z0 = np.array([0.3, -0.2, 0.1])
        run = DescentRun(SOFT, z0, DescentSettings(learning_rate=0.2), temperature=T)
        run.step()
        expected = z0 - 0.2 * (special.softmax(z0 / T) - SOFT) / T
        np.testing.assert_allclose(run.logits, expected, rtol=1e-14)
        assert run.cross_entropy[1] == pytest.approx(ce_ref(SOFT, expected, T), rel=1e-12)

    def test_momentum_against_direct_reimplementation(self):
        lr, beta = 0.5, 0.8
        z = np.log(SOFT_P)
        run = DescentRun(SOFT, z, DescentSettings("momentum", lr, momentum=beta, tolerance=0.0))
        v = np.zeros(3)
        for _ in range(30):
            g = special.softmax(z) - SOFT
            v = beta * v + g
            z = z - lr * v
            run.step()
            np.testing.assert_allclose(run.logits, z, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(run.optimizer_state().velocity, v, rtol=1e-12, atol=1e-15)

    def test_adam_against_direct_reimplementation(self):
        lr, b1, b2, eps = 0.05, 0.85, 0.99, 1e-8
        z = np.log(HARD_P)
        run = DescentRun(HARD, z, DescentSettings("adam", lr, beta1=b1, beta2=b2, tolerance=0.0))
        m = np.zeros(3)
        s = np.zeros(3)
        for t in range(1, 31):
            g = special.softmax(z) - HARD
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g**2
            z = z - lr * (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps)
            run.step()
            np.testing.assert_allclose(run.logits, z, rtol=1e-12, atol=1e-14)
        assert run.optimizer_state().step == 30

    def test_soft_target_settles_on_entropy(self):
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=1.0, tolerance=1e-10)))
        assert run.stop_reason == StopReason.CONVERGED
        h = stats.entropy(SOFT)
        assert run.entropy == pytest.approx(h, rel=1e-12)
        assert run.cross_entropy[-1] == pytest.approx(h, abs=1e-9)
        assert np.all(np.diff(run.cross_entropy) <= 1e-15)  # small lr: monotone
        np.testing.assert_allclose(run.predictions[-1], SOFT, atol=1e-4)
        assert np.all(np.isfinite(run.logits_history))

    def test_hard_target_falls_towards_zero_while_logits_grow(self):
        run = DescentRun(HARD, np.log(HARD_P), DescentSettings(learning_rate=0.5, max_steps=300))
        run_to_end(run)
        assert run.stop_reason == StopReason.MAX_STEPS and run.last == 300
        ce = run.cross_entropy
        assert np.all(np.diff(ce) < 0)  # strictly decreasing
        assert 0 < ce[-1] < 0.03 * ce[0]
        z = run.logits_history
        assert np.all(np.diff(z[:, 0]) > 0) and np.all(np.diff(z[:, 1]) < 0)
        gap = z[:, 0] - z[:, 1]
        assert gap[-1] > gap[100] > gap[0]
        stop = run.stop
        assert (stop.step, stop.steps, stop.value, stop.threshold) == (300, 300, 300, 300)
        assert stop.entropy == 0.0 and stop.target_logit == z[-1, 0]
        assert stop.cross_entropy == ce[-1] and stop.start_cross_entropy == ce[0]

    def test_bits(self):
        run = DescentRun(SOFT, np.log(SOFT_P), DescentSettings(), base=2)
        run.step()
        assert run.cross_entropy[1] == pytest.approx(ce_ref(SOFT, run.logits, base=2), rel=1e-12)
        assert run.entropy == pytest.approx(stats.entropy(SOFT, base=2))
        run.set_base(None)
        assert run.cross_entropy[1] == pytest.approx(ce_ref(SOFT, run.logits), rel=1e-12)
        assert run.kl_divergence[1] == pytest.approx(run.kl_nats[1])


# --------------------------------------------------------------------------- moving in the history


class TestPosition:
    def test_step_back_and_replay(self):
        run = DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=0.3, tolerance=0))
        for _ in range(5):
            run.step()
        z5 = run.logits
        assert run.step_back() and run.index == 4 and run.last == 5
        np.testing.assert_array_equal(run.logits, run.logits_history[4])
        assert run.step() and run.index == 5
        np.testing.assert_array_equal(run.logits, z5)
        assert run.go_to(0) and run.index == 0 and not run.step_back()
        assert not run.go_to(-3)
        assert run.go_to(99) and run.index == 5

    def test_history_is_read_only(self):
        run = DescentRun(SOFT, np.log(SOFT_P), DescentSettings())
        with pytest.raises(ValueError):
            run.logits_history[0, 0] = 1.0

    def test_new_learning_rate_continues_from_current_step(self):
        z0 = np.log(SOFT_P)
        run = DescentRun(SOFT, z0, DescentSettings(learning_rate=0.2, tolerance=0))
        for _ in range(6):
            run.step()
        run.go_to(3)
        assert run.set_settings(DescentSettings(learning_rate=2.0, tolerance=0))
        assert run.last == 3 and run.index == 3
        run.step()
        first = optim.gradient_descent(SOFT, z0, 0.2, 3)[-1]
        np.testing.assert_allclose(run.logits, optim.gradient_descent(SOFT, first, 2.0, 1)[-1], rtol=1e-14)

    def test_new_optimizer_starts_with_empty_buffers(self):
        run = DescentRun(SOFT, np.log(SOFT_P), DescentSettings("momentum", 0.5, tolerance=0))
        run.step()
        run.step()
        assert np.any(run.optimizer_state().velocity != 0)
        run.set_settings(DescentSettings("adam", 0.5, tolerance=0))
        st = run.optimizer_state()
        assert st.step == 0 and not np.any(st.velocity) and not np.any(st.second)

    def test_stop_rules_are_rechecked_when_changed(self):
        run = DescentRun(SOFT, np.log(SOFT_P), DescentSettings(max_steps=3, tolerance=0))
        run_to_end(run)
        assert run.stop_reason == StopReason.MAX_STEPS and run.last == 3
        run.set_settings(DescentSettings(max_steps=10, tolerance=0))
        assert run.stop_reason is None
        run_to_end(run)
        assert run.last == 10
        run.set_settings(DescentSettings(max_steps=10, tolerance=1.0))
        assert run.stop_reason == StopReason.CONVERGED

    def test_resume_after_max_steps(self):
        run = run_to_end(DescentRun(HARD, np.log(HARD_P), DescentSettings(max_steps=5)))
        assert run.finished and run.resume()
        run_to_end(run)
        assert run.last == 10 and run.stop_reason == StopReason.MAX_STEPS


# --------------------------------------------------------------------------- stop rules and extremes


class TestStopRules:
    def test_converged_at_the_start(self):
        run = DescentRun(SOFT, np.log(SOFT), DescentSettings())
        assert run.finished and run.stop_reason == StopReason.CONVERGED and run.stop.step == 0
        assert run.stop.value == run.kl_nats[0] < run.stop.threshold == DescentSettings().tolerance
        assert not run.step() and run.last == 0

    def test_stalled_when_tolerance_is_zero(self):
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=1.0, tolerance=0.0)))
        assert run.stop_reason == StopReason.STALLED
        assert run.last < 500
        ce = run.cross_entropy
        assert run.stop.value == np.abs(np.diff(ce[-descent_run.STALL_WINDOW - 1 :])).max() / max(1.0, ce[-1])
        assert run.stop.value <= run.stop.threshold == descent_run.STALL_CHANGE
        assert run.cross_entropy[-1] == pytest.approx(stats.entropy(SOFT), abs=1e-12)

    def test_diverging_learning_rate(self):
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=1000.0)))
        assert run.stop_reason == StopReason.DIVERGING
        assert run.cross_entropy[-1] > 10 * run.cross_entropy[0]
        stop, ce = run.stop, run.cross_entropy
        # The rule: the last 10 steps' lowest CE is above 1.5 CE(start) + 0.1 (nats).
        assert stop.threshold == pytest.approx(1.5 * ce_ref(SOFT, np.log(SOFT_P)) + 0.1, rel=1e-12)
        assert stop.value == ce[-descent_run.DIVERGE_WINDOW :].min() > stop.threshold
        assert stop.learning_rate == 1000.0 and stop.cross_entropy == ce[-1]

    def test_oscillating_learning_rate(self):
        y, p = np.array([0.4, 0.3, 0.3]), np.array([0.8, 0.1, 0.1])
        run = run_to_end(DescentRun(y, np.log(p), DescentSettings(learning_rate=10.0)))
        assert run.stop_reason == StopReason.OSCILLATING
        assert np.sum(np.diff(run.cross_entropy) > 0) >= 5
        stop, w = run.stop, descent_run.OSCILLATE_WINDOW
        assert stop.window == w and stop.threshold == w // 4
        rises = np.diff(run.cross_entropy[-w - 1 :]) > 1e-10 * max(1.0, run.cross_entropy[-1])
        assert stop.value == np.count_nonzero(rises)
        assert stop.value >= stop.threshold

    def test_momentum_bouncing_but_converging_is_not_called_oscillating(self):
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings("momentum", 1.0, momentum=0.95)))
        assert np.sum(np.diff(run.cross_entropy) > 1e-12) > 5  # it does go up now and then
        assert run.stop_reason == StopReason.CONVERGED

    def test_logits_beyond_the_scenario_range_stop_first(self):
        with pytest.raises(ScenarioError, match="within ±1,000,000"):
            Scenario.create(SOFT, logits=[optim.LOGIT_LIMIT * 1.1, 0, 0])
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=1e9)))
        assert run.stop_reason == StopReason.OVERFLOW
        assert np.max(np.abs(run.logits_history)) <= optim.LOGIT_LIMIT

    def test_float_overflow_from_the_core_stops_with_a_message(self):
        run = DescentRun(HARD, [0.0, 0.0, 0.0], DescentSettings(learning_rate=1e308), temperature=0.01)
        assert not run.step()
        assert run.stop_reason == StopReason.OVERFLOW and run.stop.threshold == optim.LOGIT_LIMIT == 1e6
        assert run.last == 0 and run.stop.step == 0 and run.stop.value == 0.0

    @pytest.mark.parametrize("optimizer, lr", [("sgd", 3e6), ("momentum", 4e5), ("adam", 5e5)])
    def test_the_run_stops_where_the_core_path_stops(self, optimizer, lr):
        """The window's run and the pure path (the command line's) stop by the one rule, at the
        same step: the last step whose logits lie within ±LOGIT_LIMIT."""
        settings = DescentSettings(optimizer, lr, max_steps=100_000, tolerance=0.0)
        run = run_to_end(DescentRun(HARD, [0.0, 0.0, 0.0], settings))
        assert run.stop_reason == StopReason.OVERFLOW
        path = []
        with pytest.raises(FloatingPointError):
            for z in optim.optimizer_path(HARD, [0.0, 0.0, 0.0], 100_000, settings.optimizer_settings(1.0)):
                path.append(z)
        np.testing.assert_array_equal(run.logits_history, np.stack(path))
        assert run.stop.step == run.last and run.stop.value == np.max(np.abs(run.logits_history[-1]))
        assert np.max(np.abs(run.logits_history)) <= optim.LOGIT_LIMIT

    def test_history_full(self, monkeypatch):
        monkeypatch.setattr(optim, "MAX_RUN_VALUES", 20 * (4 * 3 + 6))
        run = run_to_end(DescentRun(HARD, np.log(HARD_P), DescentSettings(max_steps=10_000)))
        assert run.stop_reason == StopReason.HISTORY_FULL and run.last == 19
        assert (run.stop.step, run.stop.threshold, run.stop.classes) == (19, 19, 3)

    @pytest.mark.parametrize("optimizer", optim.OPTIMIZERS)
    @pytest.mark.parametrize(
        "y,p", [(SOFT, SOFT_P), (HARD, HARD_P), (np.array([0.4, 0.3, 0.3]), np.array([0.8, 0.1, 0.1]))]
    )
    @pytest.mark.parametrize("T", [0.01, 1.0, 100.0])
    def test_learning_rate_1000_never_nan(self, optimizer, y, p, T):
        run = run_to_end(DescentRun(y, np.log(p), DescentSettings(optimizer, 1000.0, max_steps=2000), temperature=T))
        assert run.stop_reason is not None
        for arr in (run.logits_history, run.predictions, run.cross_entropy, run.kl_divergence):
            assert not np.any(np.isnan(arr))
        assert np.all(np.isfinite(run.logits_history))
        stop = run.stop
        numbers = [
            stop.value,
            stop.threshold,
            stop.cross_entropy,
            stop.kl_divergence,
            stop.entropy,
            stop.start_cross_entropy,
            stop.target_logit,
        ]
        assert not any(math.isnan(x) for x in numbers), stop

    def test_thousand_classes(self):
        y = distributions.one_hot(7, 1000)
        z = np.zeros(1000)
        run = DescentRun(y, z, DescentSettings(learning_rate=5.0, max_steps=50))
        run_to_end(run)
        assert run.last == 50 and run.stop_reason == StopReason.MAX_STEPS
        assert run.cross_entropy[-1] < run.cross_entropy[0] == pytest.approx(math.log(1000))

    def test_bad_input_is_refused(self):
        with pytest.raises(ValueError):
            DescentRun(SOFT, [0.0, -np.inf, 0.0], DescentSettings())
        with pytest.raises(ValueError):
            DescentRun(SOFT, [0.0, 0.0], DescentSettings())


class TestStop:
    def test_reasons_are_stable_strings(self):
        # Saved nowhere, but compared with strings by callers: the values are part of the API.
        assert StopReason.CONVERGED == "converged" and StopReason.HISTORY_FULL == "history_full"
        assert {r.value for r in StopReason} == {
            "converged",
            "max_steps",
            "stalled",
            "diverging",
            "oscillating",
            "overflow",
            "history_full",
        }

    def test_which_stops_may_be_resumed(self):
        assert descent_run.RESUMABLE == {
            StopReason.MAX_STEPS,
            StopReason.STALLED,
            StopReason.DIVERGING,
            StopReason.OSCILLATING,
        }
        run = DescentRun(SOFT, np.log(SOFT), DescentSettings())  # converged at the start
        assert not run.stop.resumable and not run.resume() and run.stop is not None

    def test_a_stop_in_bits_carries_bits(self):
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(learning_rate=1.0, tolerance=1e-10), base=2))
        stop = run.stop
        assert stop.units == "bits" and stop.base == 2
        assert stop.entropy == pytest.approx(stats.entropy(SOFT, base=2), rel=1e-12)
        assert stop.cross_entropy == run.cross_entropy[-1] and stop.kl_divergence == run.kl_divergence[-1]
        assert stop.value == run.kl_nats[-1] < stop.threshold == 1e-10  # the tolerance is in nats
        assert stop.steps == stop.step == run.last

    def test_steps_count_from_a_resume(self):
        run = run_to_end(DescentRun(HARD, np.log(HARD_P), DescentSettings(max_steps=5)))
        run.resume()
        run_to_end(run)
        assert (run.stop.step, run.stop.steps) == (10, 5)
        assert run.stop.start_cross_entropy == run.cross_entropy[5]

    def test_stop_is_cleared_by_new_settings(self):
        run = run_to_end(DescentRun(SOFT, np.log(SOFT_P), DescentSettings(max_steps=3, tolerance=0)))
        assert run.stop is not None
        run.set_settings(DescentSettings(max_steps=10, tolerance=0))
        assert run.stop is None and run.stop_reason is None and not run.finished


class TestFramePacer:
    """Step k is due at k / speed seconds; time is an input, so nothing waits."""

    def test_sixty_steps_per_second_from_a_faster_timer(self):
        pacer = FramePacer(60.0)
        ticks = np.arange(0, 10_000, 16)  # a 16 ms timer: 62.5 ticks a second
        shown = sum(pacer.due(t) for t in ticks)
        # Frames due in [0, 9984] ms: k = 0 .. floor(9984 * 60 / 1000) = 599.
        assert shown == 600

    def test_first_frame_at_once_then_on_the_pace(self):
        pacer = FramePacer(60.0)
        assert pacer.due(0.0)
        assert not pacer.due(16.0)  # step 1 is due at 16.67 ms
        assert pacer.due(16.7)
        assert not pacer.due(16.7)  # counted once

    def test_a_stall_jumps_ahead_instead_of_rushing(self):
        pacer = FramePacer(10.0)
        assert pacer.due(0.0)
        # 1 s late: frames 1..10 are all due, but at most two follow (the newest and one).
        assert pacer.due(1000.0) and pacer.due(1000.0) and not pacer.due(1000.0)
        assert pacer.due(1100.0) and not pacer.due(1100.0)

    def test_restart_and_a_new_pace(self):
        pacer = FramePacer(10.0)
        assert pacer.due(0.0) and not pacer.due(50.0)
        pacer.restart(100.0)
        assert pacer.steps_per_second == 100.0
        assert pacer.due(0.0) and pacer.due(10.0) and not pacer.due(15.0)
        pacer.steps_per_second = 1.0  # keeps the count: frames 0 and 1 shown, frame 2 due at 2 s
        assert not pacer.due(1999.0) and pacer.due(2000.0)


@pytest.mark.parametrize("base, t, y", [(None, 1.0, SOFT), (2, 0.5, SOFT), (None, 1.0, HARD), (2, 2.0, HARD)])
def test_each_recorded_step_equals_core_trajectory_losses_and_softmax_exactly(base, t, y):
    """The run computes a step's numbers in one pass; they are core's numbers bit for bit."""
    run = DescentRun(
        y, np.array([0.3, -0.2, 0.1]), DescentSettings("adam", 0.3, tolerance=0.0), temperature=t, base=base
    )
    for _ in range(40):
        run.step()
    ce, h, kl = core.trajectory_losses(y, run.logits_history, base, t)
    np.testing.assert_array_equal(run.cross_entropy, ce)
    np.testing.assert_array_equal(run.kl_divergence, kl)
    assert run.entropy == h
    np.testing.assert_array_equal(run.predictions, core.softmax(run.logits_history, t))
    assert run.cross_entropy[-1] == pytest.approx(ce_ref(y, run.logits, t, 2 if base else math.e), rel=1e-12)


def test_a_target_a_little_off_one_descends_to_its_normalised_self():
    # Sums to 1 + 5e-7 (accepted): the run uses y / sum(y), so that p -> y is reachable, the
    # gradient p - y sums to 0 and KL falls to the tolerance.
    y = np.array([0.7, 0.2, 0.1 + 5e-7])
    run = run_to_end(DescentRun(y, [0.0, 0.0, 0.0], DescentSettings(learning_rate=1.0, tolerance=1e-10)))
    assert abs(run.target.sum() - 1.0) <= 1e-15
    np.testing.assert_allclose(run.target, y / y.sum(), rtol=1e-15)
    assert run.stop_reason == StopReason.CONVERGED
    assert run.entropy == pytest.approx(float(np.sum(special.entr(y / y.sum()))), rel=1e-12)


@pytest.mark.parametrize("base", [None, 2])
def test_a_run_that_starts_on_its_target_keeps_ce_h_plus_kl_exactly(base):
    """Logits log y: the prediction is y to rounding, where the summed CE can land a rounding
    step below H(y). Every recorded step keeps CE >= H and CE == H + KL exactly."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        c = int(rng.integers(2, 12))
        y = rng.dirichlet(np.ones(c))
        run = DescentRun(y, np.log(y), DescentSettings(learning_rate=0.1, tolerance=0.0, max_steps=5), base=base)
        run_to_end(run)
        h, ce, kl = run.entropy, run.cross_entropy, run.kl_divergence
        assert np.all(ce >= h) and np.all(kl >= 0)
        assert np.all(ce == h + kl) and np.all(ce - h - kl == 0)
        ce_t, h_t, kl_t = core.trajectory_losses(y, run.logits_history, base)
        np.testing.assert_array_equal(ce, ce_t)
        np.testing.assert_array_equal(kl, kl_t)
        assert h == h_t
