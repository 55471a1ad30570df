"""Gradient descent on the logits as a run you can play, pause, step back and scrub.

The run itself, with its stop rules, is Qt-free:
:class:`~ce_desktop.model.descent_run.DescentRun`. This module words it
(:func:`describe_stop`, :func:`optimizer_label`) and plays it.

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

import numpy as np
from PySide6 import QtCore

from ce_desktop.gui.frame_clock import FrameClock
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.training_words import number as _fmt
from ce_desktop.gui.training_words import steps as _steps
from ce_desktop.model import formatting as fmt
from ce_desktop.model.descent_run import DescentRun, Stop, StopReason
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError

OPTIMIZER_TITLES = {"sgd": "gradient descent", "momentum": "momentum", "adam": "Adam"}


def optimizer_label(settings: DescentSettings) -> str:
    """A short name of an optimiser with its parameters, for legends: "Adam, lr 0.1"."""
    name = OPTIMIZER_TITLES.get(settings.optimizer, settings.optimizer)
    extra = ""
    if settings.optimizer == "momentum":
        extra = f", β {_fmt(settings.momentum)}"
    elif settings.optimizer == "adam":
        extra = f", β₁ {_fmt(settings.beta1)}, β₂ {_fmt(settings.beta2)}"
    return f"{name}, lr {_fmt(settings.learning_rate)}{extra}"


def describe_stop(stop: Stop) -> str:
    """The sentence the panel shows when a run stops: why, with its numbers and units."""
    r, u, k = stop.reason, stop.units, stop.step
    # Losses as everywhere in the app (model/formatting.py: 3 decimals, "< 0.001"); settings as typed.
    ce, kl, lr = fmt.loss(stop.cross_entropy), fmt.loss(stop.kl_divergence), _fmt(stop.learning_rate)
    if r is StopReason.CONVERGED:
        where = "at the start" if k == 0 else f"after {_steps(k)}"
        if stop.entropy > 0:
            floor = f"CE = {ce} {u} sits on its floor H(y) = {fmt.loss(stop.entropy)} {u}."
        else:
            floor = (f"CE = {ce} {u} is within the tolerance of its floor H(y) = 0, "
                     "which a hard target reaches only as the logits run off to infinity.")
        return f"Converged {where}: KL ({kl} {u}) is below the tolerance {_fmt(stop.threshold)} nats. {floor}"
    if r is StopReason.MAX_STEPS:
        if stop.entropy == 0.0:
            return (f"Stopped at the maximum of {_steps(stop.steps)}. With a hard target CE ({ce} {u}) "
                    f"reaches 0 only as the logits run off to infinity: the true class's logit is now "
                    f"{_fmt(stop.target_logit)}. Press Play to go on.")
        return (f"Stopped at the maximum of {_steps(stop.steps)}; KL is still {kl} {u}, above the tolerance. "
                "Press Play to go on.")
    if r is StopReason.DIVERGING:
        return (f"Diverging: the loss rose from {fmt.loss(stop.start_cross_entropy)} to {ce} {u} and is not "
                f"coming down — the learning rate ({lr}) is too large.")
    if r is StopReason.OSCILLATING:
        return (f"Oscillating: the loss went up in {int(stop.value)} of the last {stop.window} steps and gets "
                f"no lower (KL ≈ {kl} {u}) — the steps overshoot; try a smaller learning rate ({lr} now).")
    if r is StopReason.STALLED:
        return (f"The loss stopped changing after {_steps(k)} (by less than {stop.threshold:g} per step), "
                f"with KL = {kl} {u} still above the tolerance.")
    if r is StopReason.OVERFLOW:
        return (f"Stopped at step {k}: the next step would take a logit beyond ±{stop.threshold:,.0f} — "
                f"the learning rate ({lr}) is far too large.")
    return (f"Stopped after {_steps(k)}: the run's history is full "
            f"(at most {int(stop.threshold)} steps for {stop.classes} classes).")


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
        self._start: Scenario | None = None  # the scenario the run started from (set with the run)
        self._writing = False
        self._extend = False
        self._own_gesture = False  # the run's undo step is open (from its first step until it pauses)
        self._revision = state.revision
        self._status = "Press Play (Space) to start gradient descent from the current prediction."
        #: The animation's clock (gui/frame_clock.py): the pace comes from the wall clock.
        self.frames = FrameClock(float(state.descent.steps_per_second), self)
        self.frames.frame.connect(self.advance_frame)
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
        return self.frames.active

    @property
    def status(self) -> str:
        return self._status

    @property
    def interval_ms(self) -> int:
        return self.frames.interval_ms

    # ------------------------------------------------------------------ commands

    def play(self) -> None:
        """Start or resume playing; after a stop that allows it, carry on past it."""
        run = self._ensure_run()
        if run is None or self.playing:
            return
        if run.finished and not run.resume():
            self._set_status(self._stop_text(run) + " Change y, ŷ or the learning rate, or press Reset.")
            return
        self.frames.start()
        self.playingChanged.emit(True)
        self._set_status(f"Playing ({optimizer_label(run.settings)}).")

    def pause(self) -> None:
        if not self.playing:
            return
        self.frames.stop()
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
            self._set_status(self._stop_text(run))
            return False
        moved = run.step()
        if moved:
            self._write(run)
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
        self._write(run)
        self.positionChanged.emit(run.index)
        self._set_status(self._position_text(run))
        return True

    def go_to(self, k: int) -> bool:
        """Show step ``k`` of the run (the scrubber); pauses first."""
        self.pause()
        run = self._run
        if run is None or not run.go_to(k):
            return False
        self._write(run)
        self.positionChanged.emit(run.index)
        self._set_status(self._position_text(run))
        return True

    def reset(self) -> None:
        """Go back to where the run started and clear it (Ctrl+R)."""
        self.pause()
        run = self._run
        if run is not None and self._run_matches_state():
            run.go_to(0)
            self._write(run)
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
            self._write(run)
            self.positionChanged.emit(run.index)
        self._report_position(run)
        return taken

    # ------------------------------------------------------------------ the animation

    def frame_due(self, elapsed_ms: float) -> bool:
        """Whether a new step is due ``elapsed_ms`` after Play, at the set speed; counts it if so.

        See :class:`~ce_desktop.model.descent_run.FramePacer`.
        """
        return self.frames.due(elapsed_ms)

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
            self._write(run)
            self.positionChanged.emit(run.index)
        if run.finished:
            self.frames.stop()
            self._close_gesture()
            self.playingChanged.emit(False)
            self._set_status(self._stop_text(run))

    # ------------------------------------------------------------------ internals

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.statusChanged.emit(text)

    def _stop_text(self, run: DescentRun) -> str:
        """Why a finished run stopped (the position, should it have no stop)."""
        stop = run.stop
        return describe_stop(stop) if stop is not None else self._position_text(run)

    def _report_position(self, run: DescentRun) -> None:
        if run.finished:
            self._set_status(self._stop_text(run))
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
        self.frames.set_pace(float(self._state.descent.steps_per_second))

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

    def _step_scenario(self, run: DescentRun) -> Scenario:
        """The state's scenario showing the run's current step, in the mode the user edits in.

        Built from the run's own checked logits and softmax (no second softmax): step 0 is
        the start; later steps keep probability mode if the run started in it.
        """
        now, start = self._state.scenario, self._start
        assert start is not None, "_new_run sets the start with the run, and both are cleared together"
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

    def _write(self, run: DescentRun) -> None:
        """Show the run's current step in the state, inside the run's one undo step.

        While playing the step stays open from frame to frame; a single step closes it.
        """
        s = self._state
        self._writing = True
        try:
            self._open_gesture()
            try:
                s.show_run_step(self._step_scenario(run))
            finally:
                if not self.playing:
                    self._close_gesture()
        except (ScenarioError, ValueError) as exc:
            self.frames.stop()
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
            if a.logits is not None and b.logits is not None:  # both or neither (just checked)
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
                self._set_status(self._stop_text(run))
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
