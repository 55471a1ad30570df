"""Gradient descent on the logits as a run you can play, pause, step back and scrub.

:class:`DescentRun` is the run itself, with no Qt in it: the logits, optimiser state,
prediction and CE/KL of every step taken so far, a current position (for step back and
the scrubber) and the stop rules. Its steps are the core's pure ``optimizer_step``, so
tests drive it directly without waiting for a timer.

:class:`DescentController` animates a run from a ``QTimer`` on the GUI thread and writes
the current step's logits into the :class:`~ce_desktop.gui.state.ExplorerState`, so every view
(bars, readouts, plots) moves with it. A whole run, including pauses, single steps and
scrubbing, is one undo step ("Gradient descent run").

What happens when the user edits something during a run (the panel says so too):

* the target, the prediction, the logits, the number of classes or the temperature: the run
  **restarts from the edited state** (its history so far is cleared) and keeps playing if
  it was playing; while a drag is in progress the animation holds still;
* the learning rate or the optimiser: the run **continues from the current step** with the
  new settings (steps after the current one, if the user had scrubbed back, are dropped);
* undo, redo, or loading a scenario or preset: the run is cleared and paused.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PySide6 import QtCore

from ce_desktop.model import core
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError
from ce_desktop.gui.state import Aspect

#: Stop rules look at windows of this many steps.
DIVERGE_WINDOW = 10
OSCILLATE_WINDOW = 20
STALL_WINDOW = 10
#: The loss "stopped changing" when every step of the window changes it by less than this
#: (relative to max(1, CE)): about 10,000 times the rounding error of a double.
STALL_CHANGE = 1e-12

CONVERGED = "converged"
MAX_STEPS = "max_steps"
STALLED = "stalled"
DIVERGING = "diverging"
OSCILLATING = "oscillating"
OVERFLOW = "overflow"
HISTORY_FULL = "history_full"
#: Stops after which Play (or Step) may carry on: the user asked for more on purpose.
RESUMABLE = frozenset({MAX_STEPS, STALLED, DIVERGING, OSCILLATING})

OPTIMIZER_TITLES = {"sgd": "gradient descent", "momentum": "momentum", "adam": "Adam"}


def _fmt(x: float) -> str:
    """A number for a status message: 4 significant digits, ∞ for infinity, never "-0"."""
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if math.isnan(x):
        return "—"
    return f"{x + 0.0:.4g}"


def _steps(n: int) -> str:
    return "1 step" if n == 1 else f"{n:,} steps"


def optimizer_label(settings: DescentSettings) -> str:
    """A short name of an optimiser with its parameters, for legends: "Adam, lr 0.1"."""
    name = OPTIMIZER_TITLES.get(settings.optimizer, settings.optimizer)
    extra = ""
    if settings.optimizer == "momentum":
        extra = f", β {_fmt(settings.momentum)}"
    elif settings.optimizer == "adam":
        extra = f", β₁ {_fmt(settings.beta1)}, β₂ {_fmt(settings.beta2)}"
    return f"{name}, lr {_fmt(settings.learning_rate)}{extra}"


class DescentRun:
    """One gradient-descent run on the logits: its history, position and stop rules.

    Parameters
    ----------
    target : array_like, shape (C,)
        The (effective) target distribution.
    logits : array_like, shape (C,)
        Finite starting logits (``ExplorerState.descent_start_logits()``).
    settings : DescentSettings
        Optimiser, learning rate and its parameters, max steps and tolerance.
    temperature : float
        Softmax temperature used for the prediction and the gradient.
    base : None or 2
        Units of the recorded losses (nats or bits); the tolerance is always in nats.

    Notes
    -----
    Row ``k`` of every history array is the state after ``k`` steps (row 0: the start).
    ``index`` is the step currently shown; stepping forward from an earlier index replays
    the recorded steps (the steps are deterministic), and only at the end computes a new one.

    Raises
    ------
    ValueError
        If the target or logits are invalid (not finite, wrong shape) or the settings are.
    """

    def __init__(self, target, logits, settings: DescentSettings, temperature: float = 1.0, base=None):
        y = core.validate_distribution(target, "target")
        z0 = core.validate_logits(logits)
        if y.ndim != 1 or z0.shape != y.shape:
            raise ValueError("descent needs one target and logits with the same number of classes")
        if not np.all(np.isfinite(z0)):
            raise ValueError("descent needs finite starting logits")
        self._y = y.copy()
        self._temperature = float(temperature)
        self._base = base
        self._settings = settings.checked()
        self._opt = settings.optimizer_settings(self._temperature)
        c = y.shape[0]
        self._c = c
        # The history is bounded (core.MAX_RUN_VALUES numbers): 222,221 steps for 3 classes.
        self._max_records = core.max_run_steps(c) + 1
        self._cap = 0
        self._n = 0
        self._alloc(min(64, self._max_records))
        self._index = 0
        self._segment_start = 0
        self._stop_reason: str | None = None
        self._stop_message = ""
        self._entropy_nats = float(core.entropy(y))
        self._entropy = float(core.entropy(y, base))
        self._append(z0, core.optimizer_init(z0))
        self._check_stop()

    # ------------------------------------------------------------------ storage

    def _alloc(self, cap: int) -> None:
        c = self._c
        new = {
            "_z": np.empty((cap, c)),
            "_p": np.empty((cap, c)),
            "_vel": np.empty((cap, c)),
            "_sec": np.empty((cap, c)),
            "_t": np.empty(cap, dtype=np.int64),
            "_ce": np.empty(cap),
            "_kl": np.empty(cap),
            "_ce_nats": np.empty(cap),
            "_kl_nats": np.empty(cap),
        }
        for name, arr in new.items():
            if self._n:
                arr[: self._n] = getattr(self, name)[: self._n]
            setattr(self, name, arr)
        self._cap = cap

    def _append(self, z: np.ndarray, state: core.OptimizerState) -> None:
        if self._n == self._cap:
            self._alloc(min(2 * self._cap, self._max_records))
        k = self._n
        # One pass (this runs every frame); the same numbers as core.trajectory_losses.
        p, nats = core.softmax_and_cross_entropy(self._y, z, self._temperature)
        self._z[k] = z
        self._p[k] = p
        self._vel[k] = state.velocity
        self._sec[k] = state.second
        self._t[k] = state.step
        self._ce_nats[k], self._kl_nats[k] = core.cross_entropy_and_kl(nats, self._entropy_nats)
        if self._base is None:
            self._ce[k], self._kl[k] = self._ce_nats[k], self._kl_nats[k]
        else:
            self._ce[k], self._kl[k] = core.cross_entropy_and_kl(core.from_nats(nats, self._base), self._entropy)
        self._n = k + 1

    def _view(self, name: str) -> np.ndarray:
        v = getattr(self, name)[: self._n]
        v.flags.writeable = False
        return v

    # ------------------------------------------------------------------ reading

    @property
    def target(self) -> np.ndarray:
        return self._y.copy()

    @property
    def temperature(self) -> float:
        return self._temperature

    @property
    def base(self):
        return self._base

    @property
    def settings(self) -> DescentSettings:
        return self._settings

    @property
    def optimizer_settings(self) -> core.OptimizerSettings:
        return self._opt

    @property
    def index(self) -> int:
        """The step currently shown (0 = the start)."""
        return self._index

    @property
    def last(self) -> int:
        """The number of steps computed so far (the last index)."""
        return self._n - 1

    @property
    def at_end(self) -> bool:
        return self._index == self._n - 1

    @property
    def finished(self) -> bool:
        """True when the run has stopped and the newest step is shown."""
        return self._stop_reason is not None and self.at_end

    @property
    def stop_reason(self) -> str | None:
        """None while running; else one of CONVERGED, MAX_STEPS, STALLED, DIVERGING, ..."""
        return self._stop_reason

    @property
    def stop_message(self) -> str:
        return self._stop_message

    @property
    def logits(self) -> np.ndarray:
        """The logits at the current step."""
        return self._z[self._index].copy()

    @property
    def prediction(self) -> np.ndarray:
        """softmax(logits / T) at the current step."""
        return self._p[self._index].copy()

    @property
    def logits_history(self) -> np.ndarray:
        """Every step's logits, shape (last + 1, C), read-only."""
        return self._view("_z")

    @property
    def predictions(self) -> np.ndarray:
        """Every step's prediction, shape (last + 1, C), read-only."""
        return self._view("_p")

    @property
    def cross_entropy(self) -> np.ndarray:
        """CE after each step, in the run's units, shape (last + 1,), read-only."""
        return self._view("_ce")

    @property
    def kl_divergence(self) -> np.ndarray:
        """KL(y || ŷ) after each step, in the run's units, read-only."""
        return self._view("_kl")

    @property
    def kl_nats(self) -> np.ndarray:
        """KL after each step in nats (what the tolerance is compared with), read-only."""
        return self._view("_kl_nats")

    @property
    def entropy(self) -> float:
        """H(y) in the run's units: the floor of the cross-entropy."""
        return self._entropy

    def optimizer_state(self, k: int | None = None) -> core.OptimizerState:
        """The optimiser's state after step ``k`` (default: the current step)."""
        k = self._index if k is None else int(k)
        if not 0 <= k < self._n:
            raise IndexError(f"step {k} is outside 0..{self._n - 1}")
        return core.OptimizerState(int(self._t[k]), self._vel[k].copy(), self._sec[k].copy())

    # ------------------------------------------------------------------ moving

    def step(self) -> bool:
        """Move one step forward; compute it if it is new. False if the run has stopped."""
        if self._index < self._n - 1:
            self._index += 1
            return True
        if self._stop_reason is not None:
            return False
        if self._n >= self._max_records:
            self._stop(HISTORY_FULL, f"Stopped after {_steps(self.last)}: the run's history is full "
                       f"(at most {self._max_records - 1} steps for {self._c} classes).")
            return False
        k = self._n - 1
        try:
            z, st = core.optimizer_step(self._y, self._z[k], self.optimizer_state(k), self._opt)
        except FloatingPointError:  # the core's one stop rule for every run: ±core.LOGIT_LIMIT
            self._stop(OVERFLOW, f"Stopped at step {k}: the next step would take a logit beyond "
                       f"±{core.LOGIT_LIMIT:,.0f} — the learning rate ({_fmt(self._opt.learning_rate)}) "
                       f"is far too large.")
            return False
        self._append(z, st)
        self._index = self._n - 1
        self._check_stop()
        return True

    def step_back(self) -> bool:
        """Show the previous step (nothing is recomputed). False at step 0."""
        if self._index == 0:
            return False
        self._index -= 1
        return True

    def go_to(self, k: int) -> bool:
        """Show step ``k``, clamped to 0..last. True if the position changed."""
        k = min(max(int(k), 0), self._n - 1)
        if k == self._index:
            return False
        self._index = k
        return True

    def resume(self) -> bool:
        """After a stop in :data:`RESUMABLE`, allow more steps (rules count from here)."""
        if self._stop_reason not in RESUMABLE or not self.at_end:
            return False
        self._stop_reason = None
        self._stop_message = ""
        self._segment_start = self._n - 1
        return True

    # ------------------------------------------------------------------ changing

    def set_settings(self, settings: DescentSettings) -> bool:
        """Continue with new settings from the current step.

        A new optimiser, learning rate or optimiser parameter drops the steps after the
        current one (they were computed with the old settings); a new optimiser also starts
        with empty buffers. New stop rules (max steps, tolerance) are re-checked at once.
        Returns True if recorded steps were dropped.
        """
        settings = settings.checked()
        opt = settings.optimizer_settings(self._temperature)
        dropped = False
        if opt != self._opt:
            dropped = self._index < self._n - 1
            self._n = self._index + 1
            if opt.name != self._opt.name:
                k = self._index
                self._vel[k] = 0.0
                self._sec[k] = 0.0
                self._t[k] = 0
            self._opt = opt
            self._segment_start = self._index
        self._settings = settings
        self._stop_reason = None
        self._stop_message = ""
        self._check_stop()
        return dropped

    def set_base(self, base) -> None:
        """Record the losses in other units (None: nats, 2: bits)."""
        self._base = base
        self._entropy = float(core.entropy(self._y, base))
        if self._n:
            ce, _, kl = core.trajectory_losses(self._y, self._z[: self._n], base, self._temperature)
            self._ce[: self._n] = ce
            self._kl[: self._n] = kl

    # ------------------------------------------------------------------ stop rules

    def _stop(self, reason: str, message: str) -> None:
        self._stop_reason = reason
        self._stop_message = message

    @property
    def _units(self) -> str:
        return "bits" if self._base == 2 else "nats"

    def _check_stop(self) -> None:
        """Set the stop reason if the newest step meets a stop rule."""
        k = self._n - 1
        s = self._segment_start
        ce = self._ce_nats
        kl_n = self._kl_nats[k]
        tol = float(self._settings.tolerance)
        u = self._units
        if kl_n < tol:
            where = "at the start" if k == 0 else f"after {_steps(k)}"
            if self._entropy_nats > 0:
                floor = f"CE = {_fmt(self._ce[k])} {u} sits on its floor H(y) = {_fmt(self._entropy)} {u}."
            else:
                floor = (f"CE = {_fmt(self._ce[k])} {u} is within the tolerance of its floor H(y) = 0, "
                         "which a hard target reaches only as the logits run off to infinity.")
            self._stop(CONVERGED, f"Converged {where}: KL = {_fmt(self._kl[k])} {u} is below the "
                       f"tolerance {_fmt(tol)} nats. {floor}")
            return
        if k - s >= int(self._settings.max_steps):
            if self._entropy_nats == 0.0:
                true = int(np.argmax(self._y))
                self._stop(MAX_STEPS, f"Stopped at the maximum of {_steps(k - s)}. With a hard target CE "
                           f"({_fmt(self._ce[k])} {u}) reaches 0 only as the logits run off to infinity: the "
                           f"true class's logit is now {_fmt(self._z[k, true])}. Press Play to go on.")
            else:
                self._stop(MAX_STEPS, f"Stopped at the maximum of {_steps(k - s)}; KL is still "
                           f"{_fmt(self._kl[k])} {u}, above the tolerance. Press Play to go on.")
            return
        if k - s >= 2 * DIVERGE_WINDOW:
            recent = ce[k - DIVERGE_WINDOW + 1 : k + 1].min()
            before = ce[k - 2 * DIVERGE_WINDOW + 1 : k - DIVERGE_WINDOW + 1].min()
            if recent > 1.5 * ce[s] + 0.1 and recent >= before:
                self._stop(DIVERGING, f"Diverging: the loss rose from {_fmt(self._ce[s])} to "
                           f"{_fmt(self._ce[k])} {u} and is not coming down — the learning rate "
                           f"({_fmt(self._opt.learning_rate)}) is too large.")
                return
        if k - s >= 2 * OSCILLATE_WINDOW:
            w = OSCILLATE_WINDOW
            diffs = np.diff(ce[k - w : k + 1])
            rises = int(np.count_nonzero(diffs > 1e-10 * max(1.0, ce[k])))
            kl = self._kl_nats
            recent = kl[k - w + 1 : k + 1].min()
            before = kl[k - 2 * w + 1 : k - w + 1].min()
            if rises >= w // 4 and recent >= before * (1.0 - 1e-3):
                self._stop(OSCILLATING, f"Oscillating: the loss went up in {rises} of the last {w} steps "
                           f"and gets no lower (KL ≈ {_fmt(self._kl[k])} {u}) — the steps overshoot; "
                           f"try a smaller learning rate ({_fmt(self._opt.learning_rate)} now).")
                return
        if k - s >= STALL_WINDOW:
            diffs = np.abs(np.diff(ce[k - STALL_WINDOW : k + 1]))
            if np.all(diffs <= STALL_CHANGE * max(1.0, ce[k])):
                self._stop(STALLED, f"The loss stopped changing after {_steps(k)} (by less than "
                           f"{STALL_CHANGE:g} per step), with KL = {_fmt(self._kl[k])} {u} still above "
                           f"the tolerance.")


class DescentController(QtCore.QObject):
    """Plays a :class:`DescentRun` on the GUI thread and writes each step into the state.

    Signals
    -------
    positionChanged(int)
        The step shown changed (a new step, step back, scrub); carries the index.
    runChanged()
        A new run started, the run was cleared, or its recorded steps or units changed.
    playingChanged(bool)
    statusChanged(str)
        A sentence for the panel: what the run is doing or why it stopped.
    """

    RUN_LABEL = "Gradient descent run"
    #: Shown in the panel so the user knows what an edit during a run does.
    EDIT_POLICY = (
        "Editing y or ŷ during a run restarts it from your edit; a new learning rate or "
        "optimiser continues from the current step."
    )

    positionChanged = QtCore.Signal(int)
    runChanged = QtCore.Signal()
    playingChanged = QtCore.Signal(bool)
    statusChanged = QtCore.Signal(str)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self._state = state
        self._run: DescentRun | None = None
        self._start = None  # the scenario the run started from
        self._writing = False
        self._extend = False
        self._own_gesture = False  # the run's undo step is open (from its first step until it pauses)
        self._revision = state.revision
        self._status = "Press Play (Space) to start gradient descent from the current prediction."
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_tick)
        # The pace comes from this clock, not from the timer's whole milliseconds: a 17 ms
        # timer would play "60 steps/s" at 58.8.
        self._clock = QtCore.QElapsedTimer()
        self._steps_per_second: float | None = None
        self._shown_since_play = 0
        self._apply_speed()
        state.connect_aspects(self._on_state_changed, *(a for a in Aspect if a is not Aspect.TITLE))
        state.gestureFinished.connect(self._on_gesture_finished)

    # ------------------------------------------------------------------ reading

    @property
    def state(self):
        return self._state

    @property
    def run(self) -> DescentRun | None:
        return self._run

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def status(self) -> str:
        return self._status

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    # ------------------------------------------------------------------ commands

    def play(self) -> None:
        """Start or resume playing; after a stop that allows it, carry on past it."""
        run = self._ensure_run()
        if run is None or self.playing:
            return
        if run.finished and not run.resume():
            self._set_status(run.stop_message + " Change y, ŷ or the learning rate, or press Reset.")
            return
        self._restart_clock()
        self._timer.start()
        self.playingChanged.emit(True)
        self._set_status(f"Playing ({optimizer_label(run.settings)}).")

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        self._close_gesture()
        self.playingChanged.emit(False)
        if self._run is not None:
            self._set_status(self._position_text(self._run, "Paused at step"))

    def toggle(self) -> None:
        """Play/pause (Space)."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def step_forward(self) -> bool:
        """One step forward (→); pauses first. True if the step shown changed."""
        self.pause()
        run = self._ensure_run()
        if run is None:
            return False
        if run.finished and not run.resume():
            self._set_status(run.stop_message)
            return False
        moved = run.step()
        if moved:
            self._write()
            self.positionChanged.emit(run.index)
        self._report_position(run)
        return moved

    def step_back(self) -> bool:
        """One step back (←); pauses first. True if the step shown changed."""
        self.pause()
        run = self._run
        if run is None or not run.step_back():
            self._set_status("At the start of the run: nothing to step back to.")
            return False
        self._write()
        self.positionChanged.emit(run.index)
        self._set_status(self._position_text(run))
        return True

    def go_to(self, k: int) -> bool:
        """Show step ``k`` of the run (the scrubber); pauses first."""
        self.pause()
        run = self._run
        if run is None or not run.go_to(k):
            return False
        self._write()
        self.positionChanged.emit(run.index)
        self._set_status(self._position_text(run))
        return True

    def reset(self) -> None:
        """Go back to where the run started and clear it (Ctrl+R)."""
        self.pause()
        run = self._run
        if run is not None and self._run_matches_state():
            run.go_to(0)
            self._write()
        self._run = None
        self._start = None
        self._extend = False
        self.runChanged.emit()
        self.positionChanged.emit(0)
        self._set_status("Reset to where the run started. Press Play to run again.")

    def run_steps(self, n: int) -> int:
        """Take up to ``n`` steps at once (no animation; ``--steps N``). Returns the steps taken."""
        self.pause()
        run = self._ensure_run()
        if run is None:
            return 0
        taken = 0
        for _ in range(int(n)):
            if not run.step():
                break
            taken += 1
        if taken:
            self._write()
            self.positionChanged.emit(run.index)
        self._report_position(run)
        return taken

    # ------------------------------------------------------------------ the animation

    @QtCore.Slot()
    def _on_tick(self) -> None:
        """(timer) Take a frame when the clock says one is due."""
        if self.frame_due(self._clock.elapsed()):
            self.advance_frame()

    def frame_due(self, elapsed_ms: float) -> bool:
        """Whether a new step is due ``elapsed_ms`` after Play, at the set speed; counts it if so.

        Step k (k = 0, 1, ...) is due at k / speed seconds. The timer ticks a little faster
        than that (whole milliseconds, rounded down), so a tick with nothing due is skipped.
        After a stall (a busy machine) the count jumps ahead rather than rushing to catch up.
        """
        due = int(elapsed_ms * self._steps_per_second / 1000.0) + 1
        if self._shown_since_play >= due:
            return False
        self._shown_since_play = max(self._shown_since_play, due - 2) + 1
        return True

    def _restart_clock(self) -> None:
        self._clock.start()
        self._shown_since_play = 0

    @QtCore.Slot()
    def advance_frame(self) -> None:
        """One animation frame: take (or replay) one step and show it."""
        state = self._state
        if state.gesture_active:
            return  # the user is dragging something: hold still until the drag ends
        if state.revision != self._revision:
            self._on_state_changed(frozenset({Aspect.PREDICTION}))
        run = self._run
        if run is None:
            self.pause()
            return
        if run.step():
            self._write()
            self.positionChanged.emit(run.index)
        if run.finished:
            self._timer.stop()
            self._close_gesture()
            self.playingChanged.emit(False)
            self._set_status(run.stop_message)

    # ------------------------------------------------------------------ internals

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.statusChanged.emit(text)

    def _report_position(self, run: DescentRun) -> None:
        if run.finished:
            self._set_status(run.stop_message)
        else:
            self._set_status(self._position_text(run))

    def _position_text(self, run: DescentRun, prefix: str = "Step") -> str:
        k = run.index
        u = "bits" if run.base == 2 else "nats"
        text = (f"{prefix} {k:,} of {run.last:,}: CE = {_fmt(run.cross_entropy[k])} {u}, "
                f"KL = {_fmt(run.kl_divergence[k])} {u}.")
        if run.entropy == 0.0 and k > 0:
            text += " Hard target: CE falls toward 0 only as the logits grow without bound."
        return text

    def _apply_speed(self) -> None:
        sps = float(self._state.descent.steps_per_second)
        if sps != self._steps_per_second:
            self._steps_per_second = sps
            self._timer.setInterval(max(1, int(1000.0 / sps)))
            if self._timer.isActive():
                self._restart_clock()

    def _ensure_run(self) -> DescentRun | None:
        if self._run is not None:
            return self._run
        return self._new_run()

    def _new_run(self) -> DescentRun | None:
        s = self._state
        try:
            run = DescentRun(s.target, s.descent_start_logits(), s.descent, s.temperature, s.base)
        except (ValueError, ScenarioError) as exc:
            self._run = None
            self._set_status(f"Cannot start gradient descent: {exc}")
            self.runChanged.emit()
            return None
        self._run = run
        self._start = s.scenario
        self._extend = False
        self._revision = s.revision
        self.runChanged.emit()
        self.positionChanged.emit(0)
        return run

    def _step_scenario(self) -> Scenario:
        """The state's scenario showing the run's current step, in the mode the user edits in.

        Built from the run's own checked logits and softmax (no second softmax): step 0 is
        the start; later steps keep probability mode if the run started in it.
        """
        run, now, start = self._run, self._state.scenario, self._start
        if run.index == 0:
            return dataclasses.replace(now, prediction=start.prediction, logits=start.logits)
        p = np.array(run.prediction)
        # A probability that underflowed to 0 where the target is not 0 would show CE = ∞ for a
        # finite loss: such a step (a diverging run) can only be shown exactly through its logits.
        if start.logits is None and not np.any((p == 0.0) & (run.target > 0.0)):
            return dataclasses.replace(now, prediction=p, logits=None)
        return dataclasses.replace(now, prediction=p, logits=np.array(run.logits))

    def _open_gesture(self) -> None:
        """Open the run's one undo step (it gives way to any edit the user makes)."""
        if not self._own_gesture:
            self._state.begin(self.RUN_LABEL, extend=self._extend, yields=True)
            self._own_gesture = True

    def _close_gesture(self) -> None:
        if self._own_gesture:
            self._own_gesture = False
            self._state.commit()
            self._extend = True

    @QtCore.Slot()
    def _on_gesture_finished(self) -> None:
        """(state.gestureFinished) An edit, a drag or undo ended the run's undo step."""
        self._own_gesture = False

    def _write(self) -> None:
        """Show the run's current step in the state, inside the run's one undo step.

        While playing the step stays open from frame to frame; a single step closes it.
        """
        run, s = self._run, self._state
        self._writing = True
        try:
            self._open_gesture()
            try:
                s.show_run_step(self._step_scenario())
            finally:
                if not self.playing:
                    self._close_gesture()
        except (ScenarioError, ValueError) as exc:
            self._timer.stop()
            self._close_gesture()
            self.playingChanged.emit(False)
            self._set_status(f"Stopped: step {run.index} cannot be shown ({exc}).")
        finally:
            self._writing = False
            self._revision = s.revision

    def _run_matches_state(self) -> bool:
        """True when the state still shows the run's current step (only settings changed)."""
        run, s = self._run, self._state
        if run is None or self._start is None:
            return False
        y = s.target
        if y.shape != run.target.shape or not np.array_equal(y, run.target) or s.temperature != run.temperature:
            return False
        if run.index == 0:
            a, b = s.scenario, self._start
            if (a.logits is None) != (b.logits is None):
                return False
            if a.logits is not None:
                return bool(np.array_equal(a.logits, b.logits))
            return bool(np.array_equal(a.prediction, b.prediction))
        if s.logits is None:  # a run started in probability mode shows its steps so
            return self._start.logits is None and bool(np.array_equal(s.prediction, run.prediction))
        return bool(np.array_equal(s.logits, run.logits))

    def _on_state_changed(self, aspects: frozenset) -> None:
        """(state: every aspect but the title) Follow or clear the run."""
        if self._writing:
            return
        s = self._state
        self._apply_speed()
        loaded = Aspect.REPLACED in aspects  # undo, redo, a file or a preset
        run = self._run
        if run is None:
            self._revision = s.revision
            return
        if self._run_matches_state():
            if s.base != run.base:
                run.set_base(s.base)
            old = run.settings
            try:
                run.set_settings(s.descent)
            except ScenarioError as exc:
                self._set_status(f"Descent settings not usable: {exc}")
            self._revision = s.revision
            if loaded:
                self.pause()
            self.runChanged.emit()
            self.positionChanged.emit(run.index)
            new = run.settings
            if old.optimizer_settings(run.temperature) != new.optimizer_settings(run.temperature):
                self._set_status(f"Now {optimizer_label(new)}: continuing from step {run.index}.")
            elif run.finished:
                self._set_status(run.stop_message)
            return
        was_playing = self.playing
        if loaded:
            self.pause()
        self._run = None
        self._start = None
        if was_playing and not loaded:
            self._new_run()
            self._set_status("You changed y or ŷ: the run restarted from your edit (history cleared).")
        else:
            self._revision = s.revision
            self.runChanged.emit()
            self.positionChanged.emit(0)
            if loaded:
                self._set_status("The run was cleared (undo, redo or a new scenario). Press Play to start again.")
            else:
                self._set_status("You changed y or ŷ: the run was cleared. Press Play to descend from here.")
