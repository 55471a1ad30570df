"""Gradient descent on the logits as a run you can step, step back and scrub: no Qt.

:class:`DescentRun` holds the logits, optimiser state, prediction and CE/KL of every step
taken so far, a current position (for step back and the scrubber) and the stop rules. Its
steps are the core's pure ``optimizer_step``, so tests drive it directly, and the GUI's
``DescentController`` plays it from a timer. When a stop rule fires the run records a
:class:`Stop`: a :class:`StopReason` and the numbers behind it, never a sentence; the
wording belongs to whoever shows it (``ce_desktop.gui.descent.describe_stop``).

:class:`FramePacer` says when the next animation frame is due, from a clock reading the
caller passes in, so the pace is tested without waiting for time to pass.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ce_desktop.model import core, distributions, optim
from ce_desktop.model.scenario import DescentSettings
from ce_desktop.model.types import ArrayLike, FloatArray, LogBase

__all__ = ["DescentRun", "FramePacer", "Stop", "StopReason", "RESUMABLE"]

#: Stop rules look at windows of this many steps.
DIVERGE_WINDOW = 10
OSCILLATE_WINDOW = 20
STALL_WINDOW = 10
#: The loss "stopped changing" when every step of the window changes it by less than this
#: (relative to max(1, CE)): about 10,000 times the rounding error of a double.
STALL_CHANGE = 1e-12


class StopReason(str, enum.Enum):
    """Why a run stopped. The values are stable strings (they compare equal to them)."""

    def __str__(self) -> str:
        return self.value

    #: KL(y || ŷ) fell below the tolerance: CE sits on its floor H(y).
    CONVERGED = "converged"
    #: The run took ``max_steps`` steps since it started or was last resumed.
    MAX_STEPS = "max_steps"
    #: The loss stopped changing (by less than :data:`STALL_CHANGE` per step) above the tolerance.
    STALLED = "stalled"
    #: The loss rose well above where it started and is not coming down.
    DIVERGING = "diverging"
    #: The loss keeps going up and down and gets no lower.
    OSCILLATING = "oscillating"
    #: The next step would take a logit beyond ``±optim.LOGIT_LIMIT`` (or overflow a float).
    OVERFLOW = "overflow"
    #: The run's history holds as many steps as ``optim.max_run_steps`` allows.
    HISTORY_FULL = "history_full"


#: Stops after which Play (or Step) may carry on: the user asked for more on purpose.
RESUMABLE = frozenset({StopReason.MAX_STEPS, StopReason.STALLED, StopReason.DIVERGING, StopReason.OSCILLATING})


@dataclasses.dataclass(frozen=True)
class Stop:
    """A stop rule that fired: the reason and the numbers a sentence about it needs.

    Attributes
    ----------
    reason : StopReason
    step : int
        The last recorded step (the run's ``last``) when it stopped; 0 is the start.
    steps : int
        Steps taken since the stop rules last started counting (the start, a resume or new
        optimiser settings): what ``max_steps`` limits.
    value, threshold : float
        What the rule tested, and the bound it crossed:

        ============  ===============================================  ==============================
        reason        value                                            threshold
        ============  ===============================================  ==============================
        CONVERGED     KL at ``step``, nats                             the tolerance, nats
        MAX_STEPS     ``steps``                                        ``max_steps``
        STALLED       largest change of CE per step in the window,     :data:`STALL_CHANGE`
                      relative to max(1, CE)
        DIVERGING     lowest CE of the last :data:`DIVERGE_WINDOW`     1.5 CE at the segment's start
                      steps, nats                                      + 0.1, nats
        OSCILLATING   steps of the last ``window`` on which CE rose    ``window // 4``
        OVERFLOW      largest ``|logit|`` at ``step``                  ``optim.LOGIT_LIMIT``
        HISTORY_FULL  ``step``                                         the most steps the run keeps
        ============  ===============================================  ==============================
    cross_entropy, kl_divergence : float
        CE and KL(y || ŷ) at ``step``, in the run's units.
    entropy : float
        H(y) in the run's units, the floor of CE; 0 for a hard (one-hot) target, which CE
        reaches only as the logits run off to infinity.
    start_cross_entropy : float
        CE where the stop rules started counting, in the run's units.
    base : None or 2
        The run's units: None for nats, 2 for bits.
    learning_rate : float
        The optimiser's learning rate when it stopped.
    window : int
        The number of steps the rule looked at (OSCILLATING; 0 for the others).
    target_logit : float
        The logit, at ``step``, of the class the target gives most probability (for a hard
        target: how far it has run towards infinity).
    classes : int
        The number of classes.
    """

    reason: StopReason
    step: int
    steps: int
    value: float
    threshold: float
    cross_entropy: float
    kl_divergence: float
    entropy: float
    start_cross_entropy: float
    base: LogBase
    learning_rate: float
    window: int = 0
    target_logit: float = 0.0
    classes: int = 0

    @property
    def resumable(self) -> bool:
        """True if Play may carry on past this stop (see :data:`RESUMABLE`)."""
        return self.reason in RESUMABLE

    @property
    def units(self) -> str:
        """``"bits"`` or ``"nats"``: the units of the losses above."""
        return "bits" if self.base == 2 else "nats"


class FramePacer:
    """Which animation frames are due, at a pace in steps per second, from a clock reading.

    Step k (k = 0, 1, ...) is due at ``k / steps_per_second`` seconds after :meth:`restart`.
    A timer that ticks a little faster than that (whole milliseconds, rounded down) has
    ticks with nothing due, which :meth:`due` skips. After a stall (a busy machine) the
    count jumps ahead rather than rushing to catch up: at most two frames follow a stall.

    Parameters
    ----------
    steps_per_second : float
        The pace, > 0.
    """

    def __init__(self, steps_per_second: float):
        self._sps = float(steps_per_second)
        self._shown = 0

    @property
    def steps_per_second(self) -> float:
        """The pace; setting it keeps the count (call :meth:`restart` with the clock)."""
        return self._sps

    @steps_per_second.setter
    def steps_per_second(self, value: float) -> None:
        self._sps = float(value)

    def restart(self, steps_per_second: float | None = None) -> None:
        """Count frames from 0 again (the clock was restarted), at a new pace if given."""
        if steps_per_second is not None:
            self._sps = float(steps_per_second)
        self._shown = 0

    def due(self, elapsed_ms: float) -> bool:
        """Whether a new frame is due ``elapsed_ms`` milliseconds after the restart; counts it if so."""
        due = int(elapsed_ms * self._sps / 1000.0) + 1
        if self._shown >= due:
            return False
        self._shown = max(self._shown, due - 2) + 1
        return True


class StopRecord(Protocol):
    """What a run's stop record has in common: its reason (:class:`Stop`, ``TrainingStop``)."""

    @property
    def reason(self) -> StopReason: ...

    @property
    def resumable(self) -> bool: ...


class RunPosition:
    """Where a recorded run is shown, moving through it, and whether it has stopped: what
    :class:`DescentRun` and :class:`~ce_desktop.model.training.TrainingRun` share. Row ``k`` of a run's history is the
    state after ``k`` steps; ``_n`` rows are computed, row ``_index`` is shown."""

    _index: int
    _n: int
    _segment_start: int
    _stop: StopRecord | None

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
        return self._stop is not None and self.at_end

    @property
    def stop_reason(self) -> StopReason | None:
        """The stop's reason, or None while the run may go on."""
        return None if self._stop is None else self._stop.reason

    def _view(self, name: str) -> FloatArray:
        """The first ``_n`` rows of the history array ``name``, read-only."""
        v: FloatArray = getattr(self, name)[: self._n]
        v.flags.writeable = False
        return v

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
        """After a stop in :data:`RESUMABLE`, allow more steps (the rules count from here)."""
        if self._stop is None or not self._stop.resumable or not self.at_end:
            return False
        self._stop = None
        self._segment_start = self._n - 1
        return True


class DescentRun(RunPosition):
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
    After each new step the stop rules are checked in this order: converged (KL below the
    tolerance), the maximum of steps, diverging, oscillating, stalled; a step that would
    leave ±``optim.LOGIT_LIMIT`` (or overflow) is not taken and stops the run with OVERFLOW.
    The first that fires is :attr:`stop`; no run ever records NaN. One step costs one
    softmax (the optimiser's gradient) plus one for the recorded losses, and O(C) memory.

    Raises
    ------
    ValueError
        If the target or logits are invalid (not finite, wrong shape) or the settings are.
    """

    # The history, one row per step, allocated (and grown) by _alloc.
    _z: FloatArray
    _p: FloatArray
    _vel: FloatArray
    _sec: FloatArray
    _t: npt.NDArray[np.int64]
    _ce: FloatArray
    _kl: FloatArray
    _ce_nats: FloatArray
    _kl_nats: FloatArray

    def __init__(
        self, target: ArrayLike, logits: ArrayLike, settings: DescentSettings, temperature: float = 1.0,
        base: LogBase = None,
    ):
        y = distributions.validate_distribution(target, "target")
        z0 = distributions.validate_logits(logits)
        if y.ndim != 1 or z0.shape != y.shape:
            raise ValueError("descent needs one target and logits with the same number of classes")
        if not np.all(np.isfinite(z0)):
            raise ValueError("descent needs finite starting logits")
        self._y: FloatArray = y.copy()
        self._temperature = float(temperature)
        self._base = base
        self._settings = settings.checked()
        self._opt = settings.optimizer_settings(self._temperature)
        c = y.shape[0]
        self._c = c
        # The history is bounded (optim.MAX_RUN_VALUES numbers): 222,221 steps for 3 classes.
        self._max_records = optim.max_run_steps(c) + 1
        self._cap = 0
        self._n = 0
        self._alloc(min(64, self._max_records))
        self._index = 0
        self._segment_start = 0
        self._stop: Stop | None = None
        self._entropy_nats = float(core.entropy(y))
        self._entropy = float(core.entropy(y, base))
        self._append(z0, optim.optimizer_init(z0))
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

    def _append(self, z: FloatArray, state: optim.OptimizerState) -> None:
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

    # ------------------------------------------------------------------ reading

    @property
    def target(self) -> FloatArray:
        y: FloatArray = self._y.copy()  # numpy's stubs type ndarray.copy as Any under Python 3.10
        return y

    @property
    def temperature(self) -> float:
        return self._temperature

    @property
    def base(self) -> LogBase:
        return self._base

    @property
    def settings(self) -> DescentSettings:
        return self._settings

    @property
    def optimizer_settings(self) -> optim.OptimizerSettings:
        return self._opt

    @property
    def stop(self) -> Stop | None:
        """Why and where the run stopped, with the numbers; None while it may go on."""
        return self._stop

    @property
    def logits(self) -> FloatArray:
        """The logits at the current step."""
        z: FloatArray = self._z[self._index].copy()  # Any to numpy's stubs (a row; copy under 3.10)
        return z

    @property
    def prediction(self) -> FloatArray:
        """softmax(logits / T) at the current step."""
        p: FloatArray = self._p[self._index].copy()
        return p

    @property
    def logits_history(self) -> FloatArray:
        """Every step's logits, shape (last + 1, C), read-only."""
        return self._view("_z")

    @property
    def predictions(self) -> FloatArray:
        """Every step's prediction, shape (last + 1, C), read-only."""
        return self._view("_p")

    @property
    def cross_entropy(self) -> FloatArray:
        """CE after each step, in the run's units, shape (last + 1,), read-only."""
        return self._view("_ce")

    @property
    def kl_divergence(self) -> FloatArray:
        """KL(y || ŷ) after each step, in the run's units, read-only."""
        return self._view("_kl")

    @property
    def kl_nats(self) -> FloatArray:
        """KL after each step in nats (what the tolerance is compared with), read-only."""
        return self._view("_kl_nats")

    @property
    def entropy(self) -> float:
        """H(y) in the run's units: the floor of the cross-entropy."""
        return self._entropy

    def optimizer_state(self, k: int | None = None) -> optim.OptimizerState:
        """The optimiser's state after step ``k`` (default: the current step)."""
        k = self._index if k is None else int(k)
        if not 0 <= k < self._n:
            raise IndexError(f"step {k} is outside 0..{self._n - 1}")
        return optim.OptimizerState(int(self._t[k]), self._vel[k].copy(), self._sec[k].copy())

    # ------------------------------------------------------------------ moving

    def step(self) -> bool:
        """Move one step forward; compute it if it is new. False if the run has stopped."""
        if self._index < self._n - 1:
            self._index += 1
            return True
        if self._stop is not None:
            return False
        if self._n >= self._max_records:
            self._set_stop(StopReason.HISTORY_FULL, self.last, self._max_records - 1)
            return False
        k = self._n - 1
        try:
            z, st = optim.optimizer_step(self._y, self._z[k], self.optimizer_state(k), self._opt)
        except FloatingPointError:  # the core's one stop rule for every run: ±optim.LOGIT_LIMIT
            self._set_stop(StopReason.OVERFLOW, float(np.max(np.abs(self._z[k]))), optim.LOGIT_LIMIT)
            return False
        self._append(z, st)
        self._index = self._n - 1
        self._check_stop()
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
        self._stop = None
        self._check_stop()
        return dropped

    def set_base(self, base: LogBase) -> None:
        """Record the losses in other units (None: nats, 2: bits)."""
        self._base = base
        self._entropy = float(core.entropy(self._y, base))
        if self._n:
            ce, _, kl = core.trajectory_losses(self._y, self._z[: self._n], base, self._temperature)
            self._ce[: self._n] = ce
            self._kl[: self._n] = kl

    # ------------------------------------------------------------------ stop rules

    def _set_stop(self, reason: StopReason, value: float, threshold: float, window: int = 0) -> None:
        """Record a stop at the newest step (this runs once per run, not per frame)."""
        k, s = self._n - 1, self._segment_start
        self._stop = Stop(
            reason=reason, step=k, steps=k - s, value=float(value), threshold=float(threshold),
            cross_entropy=float(self._ce[k]), kl_divergence=float(self._kl[k]), entropy=self._entropy,
            start_cross_entropy=float(self._ce[s]), base=self._base, learning_rate=float(self._opt.learning_rate),
            window=window, target_logit=float(self._z[k, int(np.argmax(self._y))]), classes=self._c,
        )

    def _check_stop(self) -> None:
        """Record a :class:`Stop` if the newest step meets a stop rule."""
        k = self._n - 1
        s = self._segment_start
        ce = self._ce_nats
        kl_n = self._kl_nats[k]
        tol = float(self._settings.tolerance)
        if kl_n < tol:
            self._set_stop(StopReason.CONVERGED, kl_n, tol)
            return
        max_steps = int(self._settings.max_steps)
        if k - s >= max_steps:
            self._set_stop(StopReason.MAX_STEPS, k - s, max_steps)
            return
        if k - s >= 2 * DIVERGE_WINDOW:
            recent = ce[k - DIVERGE_WINDOW + 1 : k + 1].min()
            before = ce[k - 2 * DIVERGE_WINDOW + 1 : k - DIVERGE_WINDOW + 1].min()
            limit = 1.5 * ce[s] + 0.1
            if recent > limit and recent >= before:
                self._set_stop(StopReason.DIVERGING, recent, limit)
                return
        if k - s >= 2 * OSCILLATE_WINDOW:
            w = OSCILLATE_WINDOW
            diffs = np.diff(ce[k - w : k + 1])
            rises = int(np.count_nonzero(diffs > 1e-10 * max(1.0, ce[k])))
            kl = self._kl_nats
            recent = kl[k - w + 1 : k + 1].min()
            before = kl[k - 2 * w + 1 : k - w + 1].min()
            if rises >= w // 4 and recent >= before * (1.0 - 1e-3):
                self._set_stop(StopReason.OSCILLATING, rises, w // 4, window=w)
                return
        if k - s >= STALL_WINDOW:
            diffs = np.abs(np.diff(ce[k - STALL_WINDOW : k + 1]))
            scale = max(1.0, ce[k])
            if np.all(diffs <= STALL_CHANGE * scale):
                self._set_stop(StopReason.STALLED, diffs.max() / scale, STALL_CHANGE)
