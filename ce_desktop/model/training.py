"""Training a classifier on a dataset as a run you can step, step back and scrub: no Qt.

:class:`TrainingRun` is to a model's parameters what
:class:`~ce_desktop.model.descent_run.DescentRun` is to one sample's logits: it keeps every step's
parameters (so stepping back is exact), optimiser state, loss and accuracy, a current position,
and stop rules that record a :class:`TrainingStop` (a
:class:`~ce_desktop.model.descent_run.StopReason` and the numbers behind it, never a sentence).
A step is full-batch gradient descent, momentum or Adam (the arithmetic of
:func:`~ce_desktop.model.optim.optimizer_update`, the explorer's optimisers), on the whole data or
on a mini-batch; the recorded loss and accuracy are always over the whole data.

Mini-batches: with ``batch_size = B`` each epoch is ``ceil(N / B)`` steps over one permutation of
the samples (the last batch may be smaller, as PyTorch's ``DataLoader`` gives it); step ``k``
belongs to epoch ``k // ceil(N / B)``, whose permutation is
``numpy.random.default_rng([seed, epoch]).permutation(N)``. So a step's batch depends on its
number and the seed alone, and a run replays exactly.

Reproducibility: a linear model started with ``init="zeros"`` has ``W = 0`` and ``b = 0``, and
without a batch size every step is a full-batch step, so anyone can recompute the run.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt

from ce_desktop.model import dataset_loss, optim
from ce_desktop.model.classifier import MLP, Evaluation, LinearModel
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.descent_run import (
    DIVERGE_WINDOW,
    OSCILLATE_WINDOW,
    RESUMABLE,
    STALL_CHANGE,
    STALL_WINDOW,
    RunPosition,
    StopReason,
)
from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = ["PARAMETER_LIMIT", "MAX_TRAINING_VALUES", "Model", "TrainingSettings", "TrainingStop", "TrainingRun"]

#: A step that would take a parameter beyond this (or make it, or the loss, not finite) is not
#: taken, and the run stops with OVERFLOW.
PARAMETER_LIMIT = 1e6
#: Most numbers a run's history keeps: ``3 P + 4`` per step for ``P`` parameters (the parameters,
#: two optimiser buffers, losses and accuracy). About 64 MB.
MAX_TRAINING_VALUES = 8_000_000

Model = LinearModel | MLP


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    """How to train.

    Attributes
    ----------
    optimizer : str
        ``"sgd"``, ``"momentum"`` or ``"adam"`` (:data:`~ce_desktop.model.optim.OPTIMIZERS`).
    learning_rate, momentum, beta1, beta2, eps : float
        As in :class:`~ce_desktop.model.optim.OptimizerSettings`.
    batch_size : int or None
        None for full-batch steps; otherwise mini-batches of this many samples.
    seed : int
        Seeds the shuffling of the mini-batches.
    weight_decay : float
        L2 coefficient ``lambda >= 0``: the loss gains ``lambda / 2 * sum W²`` (weights, not biases).
    max_steps : int
        The run stops after this many steps (since its start or a resume).
    tolerance : float
        The run has converged when the full-data gradient's Euclidean norm falls below this.
    """

    optimizer: str = "sgd"
    learning_rate: float = 0.5
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int | None = None
    seed: int = 0
    weight_decay: float = 0.0
    max_steps: int = 1000
    tolerance: float = 1e-6

    def optimizer_settings(self) -> optim.OptimizerSettings:
        """The optimiser's own settings (checked)."""
        return optim.OptimizerSettings(
            self.optimizer, self.learning_rate, self.momentum, self.beta1, self.beta2, self.eps
        ).checked()

    def checked(self) -> TrainingSettings:
        """Return self after validating every field (``ValueError`` otherwise)."""
        self.optimizer_settings()
        if self.batch_size is not None and int(self.batch_size) < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size!r}")
        wd = float(self.weight_decay)
        if not (math.isfinite(wd) and wd >= 0.0):
            raise ValueError(f"weight decay must be a number >= 0, got {self.weight_decay!r}")
        if int(self.max_steps) < 1:
            raise ValueError(f"max steps must be at least 1, got {self.max_steps!r}")
        if not float(self.tolerance) >= 0.0:
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance!r}")
        return self


@dataclasses.dataclass(frozen=True)
class TrainingStop:
    """A stop rule that fired, and the numbers a sentence about it needs.

    Attributes
    ----------
    reason : StopReason
        CONVERGED, MAX_STEPS, STALLED, DIVERGING, OSCILLATING, OVERFLOW or HISTORY_FULL.
    step : int
        The last recorded step when it stopped.
    steps : int
        Steps since the rules started counting (the start, a resume, new optimiser settings).
    value, threshold : float
        What the rule tested and the bound it crossed: CONVERGED the gradient norm and the
        tolerance; OVERFLOW the largest ``|parameter|`` the refused step would have given
        (``inf`` or NaN too) and :data:`PARAMETER_LIMIT`; the others as in
        :class:`~ce_desktop.model.descent_run.Stop`, on the loss.
    loss, start_loss : float
        The loss (with the L2 penalty) at ``step`` and where the rules started counting, nats.
    accuracy : float
        At ``step``.
    learning_rate : float
    window : int
        The steps OSCILLATING looked at (0 for the others).
    """

    reason: StopReason
    step: int
    steps: int
    value: float
    threshold: float
    loss: float
    start_loss: float
    accuracy: float
    learning_rate: float
    window: int = 0

    @property
    def resumable(self) -> bool:
        """True if Play may carry on past this stop."""
        return self.reason in RESUMABLE


class TrainingRun(RunPosition):
    """One training run: every step's parameters, losses and accuracy, a position, stop rules.

    Parameters
    ----------
    model : LinearModel or MLP
    x : array_like, shape (N, D)
        The model's inputs (already polynomial features if the model wants them).
    target : array_like
        Class indices (int, N) or probabilities (N, C), as :func:`~ce_desktop.model.dataset_loss.cross_entropy`.
    options : LossOptions, optional
        The loss's reduction, class weights, smoothing and ignored class.
    settings : TrainingSettings, optional
    params : array_like, optional
        The starting parameters; by default ``model.init(init, init_seed)``.
    init : str
        ``"zeros"`` or ``"random"``.
    init_seed : int

    Notes
    -----
    Row ``k`` of every history array is the state after ``k`` steps. Stepping forward from an
    earlier position replays the recorded steps. After each new step the rules are checked in
    the order converged, max steps, diverging, oscillating (full batch only: a mini-batch's loss
    wobbles by nature), stalled. One step costs one pass over the data (loss, gradient and
    accuracy, whose gradient the next full-batch step reuses), plus one over the batch for a
    mini-batch step; memory is ``3 P + 4`` numbers per step, at most :data:`MAX_TRAINING_VALUES`.

    Raises
    ------
    ValueError
        On invalid inputs, or a starting loss that is not a number (every sample ignored, or
        the weights of the samples' classes summing to 0).
    """

    _params: FloatArray
    _vel: FloatArray
    _sec: FloatArray
    _t: npt.NDArray[np.int64]
    _loss: FloatArray
    _data_loss: FloatArray
    _acc: FloatArray
    _gnorm: FloatArray

    def __init__(
        self, model: Model, x: ArrayLike, target: ArrayLike, options: LossOptions | None = None,
        settings: TrainingSettings | None = None, params: ArrayLike | None = None, init: str = "zeros",
        init_seed: int = 0,
    ):
        self._model = model
        self._x: FloatArray = np.array(x, dtype=float)
        if self._x.ndim != 2 or self._x.shape[1] != model.n_features:
            raise ValueError(f"inputs must have shape (N, {model.n_features}), got {self._x.shape}")
        self._options = options or LossOptions()
        if self._options.reduction == "none":
            raise ValueError("a training run needs a reduced loss: reduction 'mean' or 'sum'")
        c = model.n_classes
        opts = self._options
        self._target = dataset_loss.prepare_target(target, c, opts.weight, opts.label_smoothing, opts.ignore_index)
        if self._target.coefficients.shape[0] != self._x.shape[0]:
            raise ValueError("inputs and targets have different numbers of samples")
        t = np.asarray(target)
        self._labels = t if np.issubdtype(t.dtype, np.integer) else np.argmax(t, axis=1)
        self._counted = ~self._target.ignored
        self._settings = (settings or TrainingSettings()).checked()
        self._opt = self._settings.optimizer_settings()
        p0 = model.init(init, init_seed) if params is None else np.array(params, dtype=float)
        if p0.shape != (model.n_params,) or not np.all(np.isfinite(p0)):
            raise ValueError(f"starting parameters must be {model.n_params} finite numbers")
        self._np = model.n_params
        self._max_records = max(2, MAX_TRAINING_VALUES // (3 * self._np + 4))
        self._cap = 0
        self._n = 0
        self._alloc(min(64, self._max_records))
        self._index = 0
        self._segment_start = 0
        self._stop: TrainingStop | None = None
        self._perm_epoch = -1
        self._perm: npt.NDArray[np.intp] = np.arange(0)
        self._last_gradient = np.zeros(self._np)
        ev = self._evaluate(p0)
        if not math.isfinite(ev.loss):
            raise ValueError("the loss is not a number: every sample is ignored, "
                             "or the weights of their classes sum to 0")
        zeros = np.zeros(self._np)
        self._append(p0, optim.OptimizerState(0, zeros, zeros), ev)
        self._check_stop()

    # ------------------------------------------------------------------ storage

    def _alloc(self, cap: int) -> None:
        p = self._np
        new = {
            "_params": np.empty((cap, p)), "_vel": np.empty((cap, p)), "_sec": np.empty((cap, p)),
            "_t": np.empty(cap, dtype=np.int64), "_loss": np.empty(cap), "_data_loss": np.empty(cap),
            "_acc": np.empty(cap), "_gnorm": np.empty(cap),
        }
        for name, arr in new.items():
            if self._n:
                arr[: self._n] = getattr(self, name)[: self._n]
            setattr(self, name, arr)
        self._cap = cap

    def _evaluate(self, params: FloatArray) -> Evaluation:
        return self._model.loss_and_gradients(
            params, self._x, self._target, self._options, float(self._settings.weight_decay)
        )

    def _append(self, params: FloatArray, state: optim.OptimizerState, ev: Evaluation) -> None:
        if self._n == self._cap:
            self._alloc(min(2 * self._cap, self._max_records))
        k = self._n
        self._params[k] = params
        self._vel[k] = state.velocity
        self._sec[k] = state.second
        self._t[k] = state.step
        self._loss[k] = ev.loss
        self._data_loss[k] = ev.data_loss
        self._acc[k] = self._accuracy(ev.logits)
        self._gnorm[k] = float(np.linalg.norm(ev.gradient))
        self._last_gradient = ev.gradient  # the full-data gradient at the newest step
        self._newest = ev  # its logits, probabilities and per-sample losses: what a view reads next
        self._n = k + 1

    def _accuracy(self, logits: FloatArray) -> float:
        n = int(np.count_nonzero(self._counted))
        if n == 0:
            return math.nan
        return float(np.count_nonzero((np.argmax(logits, axis=1) == self._labels) & self._counted)) / n

    # ------------------------------------------------------------------ reading

    @property
    def model(self) -> Model:
        return self._model

    @property
    def options(self) -> LossOptions:
        return self._options

    @property
    def settings(self) -> TrainingSettings:
        return self._settings

    @property
    def stop(self) -> TrainingStop | None:
        """Why and where the run stopped, with the numbers; None while it may go on."""
        return self._stop

    @property
    def params(self) -> FloatArray:
        """The parameters at the current step (a copy)."""
        p: FloatArray = self._params[self._index].copy()
        return p

    def params_at(self, k: int) -> FloatArray:
        """The parameters after step ``k`` (a copy)."""
        k = self._checked_index(k)
        p: FloatArray = self._params[k].copy()
        return p

    @property
    def params_history(self) -> FloatArray:
        """Every step's parameters, shape (last + 1, P), read-only."""
        return self._view("_params")

    @property
    def loss(self) -> FloatArray:
        """The loss with its L2 penalty after each step, nats, read-only."""
        return self._view("_loss")

    @property
    def data_loss(self) -> FloatArray:
        """The cross-entropy alone after each step, nats, read-only."""
        return self._view("_data_loss")

    @property
    def accuracy(self) -> FloatArray:
        """The accuracy on the whole data after each step (ignored samples left out), read-only."""
        return self._view("_acc")

    @property
    def gradient_norm(self) -> FloatArray:
        """The full-data gradient's norm after each step, read-only."""
        return self._view("_gnorm")

    def _newest_evaluation(self) -> Evaluation | None:
        """The evaluation of the newest step, when it is the one shown (no pass over the data again)."""
        return self._newest if self._index == self._n - 1 else None

    def logits(self, x: ArrayLike | None = None) -> FloatArray:
        """The model's logits at the current step, on ``x`` (default: the training inputs)."""
        ev = self._newest_evaluation() if x is None else None
        if ev is not None:
            return ev.logits
        return self._model.logits(self._params[self._index], self._x if x is None else x)

    def per_sample_loss(self) -> FloatArray:
        """Each sample's cross-entropy ``loss_n`` at the current step (0 for ignored ones), shape (N,)."""
        ev = self._newest_evaluation()
        if ev is not None and ev.per_sample is not None:
            return ev.per_sample
        loss = dataset_loss.loss_and_logit_gradient(self.logits(), self._target, "none").loss
        return np.asarray(loss, dtype=float)

    def probabilities(self) -> FloatArray:
        """softmax of the logits at the current step, shape (N, C)."""
        ev = self._newest_evaluation()
        if ev is not None:
            return ev.probabilities
        return dataset_loss.loss_and_logit_gradient(self.logits(), self._target, "none").probabilities

    @property
    def loss_floor(self) -> float:
        """The lowest cross-entropy any parameters could reach (:func:`~ce_desktop.model.dataset_loss.loss_floor`),
        reduced as the run's loss; NaN with negative class weights."""
        try:
            return float(dataset_loss.loss_floor(self._target, self._options.reduction))
        except ValueError:
            return math.nan

    def optimizer_state(self, k: int | None = None) -> optim.OptimizerState:
        """The optimiser's state after step ``k`` (default: the current step)."""
        k = self._checked_index(self._index if k is None else k)
        return optim.OptimizerState(int(self._t[k]), self._vel[k].copy(), self._sec[k].copy())

    def _checked_index(self, k: int) -> int:
        k = int(k)
        if not 0 <= k < self._n:
            raise IndexError(f"step {k} is outside 0..{self._n - 1}")
        return k

    def batch(self, k: int) -> npt.NDArray[np.intp]:
        """The samples step ``k`` (from row ``k`` to ``k + 1``) uses: all of them for full batch."""
        n = self._x.shape[0]
        if self._full_batch():
            return np.arange(n)
        b = int(self._settings.batch_size or n)
        per_epoch = -(-n // b)
        epoch, j = divmod(int(k), per_epoch)
        if epoch != self._perm_epoch:
            self._perm = np.random.default_rng([int(self._settings.seed), epoch]).permutation(n)
            self._perm_epoch = epoch
        return self._perm[j * b: (j + 1) * b]

    # ------------------------------------------------------------------ moving

    def _full_batch(self) -> bool:
        b = self._settings.batch_size
        return b is None or int(b) >= self._x.shape[0]

    def _step_gradient(self, k: int) -> FloatArray:
        if self._full_batch():
            return self._last_gradient
        idx = self.batch(k)
        ev = self._model.loss_and_gradients(
            self._params[k], self._x[idx], self._target.rows(idx), self._options, float(self._settings.weight_decay)
        )
        return ev.gradient

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
        g = self._step_gradient(k)
        new, st = optim.optimizer_update(self._params[k], g, self.optimizer_state(k), self._opt)
        top = float(np.max(np.abs(new))) if np.all(np.isfinite(new)) else math.inf
        ev = self._evaluate(new) if top <= PARAMETER_LIMIT else None
        if ev is None or not math.isfinite(ev.loss):
            self._set_stop(StopReason.OVERFLOW, top, PARAMETER_LIMIT)
            return False
        self._append(new, st, ev)
        self._index = self._n - 1
        self._check_stop()
        return True

    def run(self, steps: int) -> int:
        """Take up to ``steps`` steps from the end (until a stop); return how many were taken."""
        self._index = self._n - 1
        taken = 0
        while taken < int(steps) and self.step():
            taken += 1
        return taken

    def set_settings(self, settings: TrainingSettings) -> bool:
        """Continue with new settings from the current step; True if recorded steps were dropped.

        Anything but new stop rules (max steps, tolerance) drops the steps after the current one;
        a new optimiser also starts with empty buffers; the rules count from here.
        """
        settings = settings.checked()
        same = dataclasses.replace(settings, max_steps=self._settings.max_steps, tolerance=self._settings.tolerance)
        dropped = False
        if same != self._settings:
            k = self._index
            dropped = k < self._n - 1
            self._n = k + 1
            if settings.optimizer != self._settings.optimizer:
                self._vel[k] = 0.0
                self._sec[k] = 0.0
                self._t[k] = 0
            self._opt = settings.optimizer_settings()
            self._segment_start = k
            self._settings = settings
            ev = self._evaluate(self._params[k])  # weight decay may have changed the loss
            self._n = k
            self._append(self._params[k].copy(), self._state_at(k), ev)
        self._settings = settings
        self._stop = None
        self._check_stop()
        return dropped

    def _state_at(self, k: int) -> optim.OptimizerState:
        return optim.OptimizerState(int(self._t[k]), self._vel[k].copy(), self._sec[k].copy())

    # ------------------------------------------------------------------ stop rules

    def _set_stop(self, reason: StopReason, value: float, threshold: float, window: int = 0) -> None:
        k, s = self._n - 1, self._segment_start
        self._stop = TrainingStop(
            reason=reason, step=k, steps=k - s, value=float(value), threshold=float(threshold),
            loss=float(self._loss[k]), start_loss=float(self._loss[s]), accuracy=float(self._acc[k]),
            learning_rate=float(self._opt.learning_rate), window=window,
        )

    def _check_stop(self) -> None:
        k, s = self._n - 1, self._segment_start
        loss = self._loss
        tol = float(self._settings.tolerance)
        if self._gnorm[k] < tol:
            self._set_stop(StopReason.CONVERGED, self._gnorm[k], tol)
            return
        max_steps = int(self._settings.max_steps)
        if k - s >= max_steps:
            self._set_stop(StopReason.MAX_STEPS, k - s, max_steps)
            return
        if k - s >= 2 * DIVERGE_WINDOW:
            recent = loss[k - DIVERGE_WINDOW + 1: k + 1].min()
            before = loss[k - 2 * DIVERGE_WINDOW + 1: k - DIVERGE_WINDOW + 1].min()
            limit = 1.5 * loss[s] + 0.1
            if recent > limit and recent >= before:
                self._set_stop(StopReason.DIVERGING, recent, limit)
                return
        if self._full_batch() and k - s >= 2 * OSCILLATE_WINDOW:
            w = OSCILLATE_WINDOW
            rises = int(np.count_nonzero(np.diff(loss[k - w: k + 1]) > 1e-10 * max(1.0, abs(loss[k]))))
            recent = loss[k - w + 1: k + 1].min()
            before = loss[k - 2 * w + 1: k - w + 1].min()
            if rises >= w // 4 and recent >= before - 1e-3 * abs(before):
                self._set_stop(StopReason.OSCILLATING, rises, w // 4, window=w)
                return
        if k - s >= STALL_WINDOW:
            diffs = np.abs(np.diff(loss[k - STALL_WINDOW: k + 1]))
            scale = max(1.0, abs(loss[k]))
            if np.all(diffs <= STALL_CHANGE * scale):
                self._set_stop(StopReason.STALLED, diffs.max() / scale, STALL_CHANGE)
