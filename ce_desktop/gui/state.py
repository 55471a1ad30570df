"""ExplorerState: the one source of truth that every view draws from and writes to.

It owns the current :class:`~ce_desktop.model.scenario.Scenario`, the numbers derived from it
(computed once per scenario by the core), and the undo history. It uses QtCore only (for
signals). Every setter validates first; on bad input it raises
:class:`~ce_desktop.model.scenario.ScenarioError` and nothing changes. Each :class:`Aspect`
of the scenario has its own signal, emitted only when that aspect really changed; a change
that leaves the scenario as it was emits nothing.
"""

from __future__ import annotations

import enum
import types
import weakref
from collections.abc import Callable

import numpy as np
from PySide6 import QtCore

from ce_desktop.model import core, distributions
from ce_desktop.model.history import History
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError, default_names

#: Fewest and most classes the window offers (the core and files allow up to 1000).
MIN_CLASSES = distributions.MIN_CLASSES
MAX_CLASSES = 1000

#: The undo label of a descent run (one step for as long as it plays).
RUN_LABEL = "Gradient descent run"


def _default_scenario() -> Scenario:
    return Scenario.create(
        [1.0, 0.0, 0.0],
        [0.8, 0.1, 0.1],
        class_names=("cat", "dog", "bird"),
        title="Good prediction",
    )


class Aspect(enum.Enum):
    """One aspect of the scenario that a view can follow; the value names its signal.

    Declared in the order the state emits them: a whole-scenario replacement and the class
    list first (views rebuild), then settings, then the numbers (views redraw).
    """

    #: A whole new scenario: a file, a preset, a lesson slide, undo or redo.
    REPLACED = "scenarioReplaced"
    #: The number of classes or their names.
    CLASSES = "classesChanged"
    UNITS = "unitsChanged"
    #: Editing through logits (on) or probabilities (off).
    EDIT_MODE = "editModeChanged"
    TEMPERATURE = "temperatureChanged"
    SMOOTHING = "smoothingChanged"
    #: Optimiser, learning rate, speed, stop rules of gradient descent.
    DESCENT = "descentSettingsChanged"
    #: The scenario's title or description.
    TITLE = "titleChanged"
    #: The effective target (the target or the label smoothing changed).
    TARGET = "targetChanged"
    #: The prediction, or the logits it comes from.
    PREDICTION = "predictionChanged"

    # Members are singletons that equal only themselves, so the identity hash is a valid one;
    # Enum's own __hash__ is a Python function, called for every member of every set of
    # aspects the state and its relays build or intersect, on every drag move.
    __hash__ = object.__hash__


#: The aspects in the order they are announced (iterating the Enum class itself is slower).
_ASPECT_ORDER = tuple(Aspect)


#: What every number of the loss depends on: views that show CE, H, KL or the gradient follow these.
LOSS_ASPECTS = (Aspect.REPLACED, Aspect.CLASSES, Aspect.UNITS, Aspect.EDIT_MODE, Aspect.TEMPERATURE,
                Aspect.TARGET, Aspect.PREDICTION)


def _differ(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is b:
        return False
    # A scenario's arrays are finite (validated), so == is exact equality.
    return a is None or b is None or a.shape != b.shape or not (a == b).all()


def changed_aspects(old: Scenario, new: Scenario) -> frozenset[Aspect]:
    """The aspects in which ``new`` differs from ``old`` (never :attr:`Aspect.REPLACED`).

    The one place old and new scenarios are compared; empty exactly when
    ``new.same_as(old)``.
    """
    if old is new:
        return frozenset()
    out = set()
    # The prediction first: a drag or a descent frame changes it, and this runs on every move.
    if _differ(old.prediction, new.prediction) or _differ(old.logits, new.logits):
        out.add(Aspect.PREDICTION)
    if (old.logits is None) != (new.logits is None):
        out.add(Aspect.EDIT_MODE)
    if old.label_smoothing != new.label_smoothing:
        out.add(Aspect.SMOOTHING)
        out.add(Aspect.TARGET)
    elif _differ(old.target, new.target):
        out.add(Aspect.TARGET)
    if old.class_names != new.class_names:
        out.add(Aspect.CLASSES)
    if old.units != new.units:
        out.add(Aspect.UNITS)
    if old.temperature != new.temperature:
        out.add(Aspect.TEMPERATURE)
    if old.descent != new.descent:
        out.add(Aspect.DESCENT)
    if old.title != new.title or old.description != new.description:
        out.add(Aspect.TITLE)
    return frozenset(out)


class _AspectRelay(QtCore.QObject):
    """Calls one slot once per state change in any of several aspects (see connect_aspects)."""

    def __init__(self, state: ExplorerState, slot: Callable[[frozenset], None], aspects, parent):
        super().__init__(parent)
        self._state = state
        # A method is held weakly: the relay is its object's child, and a strong reference back
        # would make a cycle that only Python's collector frees, at an arbitrary moment, taking
        # the widget's C++ side with it (possibly in the middle of a paint).
        # (The object and the function apart, not a WeakMethod: its __call__ is Python code,
        # run for every relay on every drag move; a weakref.ref is called in C.)
        if isinstance(slot, types.MethodType):  # a bound method
            self._owner: weakref.ref[object] | None = weakref.ref(slot.__self__)
            self._func: Callable[..., None] = slot.__func__
        else:
            self._owner, self._func = None, slot
        self._aspects = frozenset(aspects)
        self._seen = -1

    @QtCore.Slot()
    def on_aspect(self) -> None:
        s = self._state
        if s.revision == self._seen:
            return  # another of this slot's aspects in the same change: called already
        self._seen = s.revision
        changed = s.last_change & self._aspects
        if not changed:
            return
        if self._owner is None:
            self._func(changed)
            return
        owner = self._owner()
        if owner is not None:
            self._func(owner, changed)


class ExplorerState(QtCore.QObject):
    """The explorer's state: scenario, derived numbers, undo history.

    Signals
    -------
    scenarioReplaced(), classesChanged(), unitsChanged(), editModeChanged(),
    temperatureChanged(), smoothingChanged(), descentSettingsChanged(), titleChanged(),
    targetChanged(), predictionChanged()
        One per :class:`Aspect`, each emitted only when that aspect really changed, in
        that order, once the state holds the new scenario (slots read it from the state).
    scenarioChanged()
        Once after every change, whatever changed (the document's modified flag).
    gestureStarted(), gestureFinished()
        A drag or a playing descent run began / ended (:meth:`begin` / :meth:`commit`):
        its changes make one undo step.
    historyChanged()
        The undo/redo availability or texts changed.

    Only the state emits its signals; outside code changes it through its methods.
    """

    scenarioReplaced = QtCore.Signal()
    classesChanged = QtCore.Signal()
    unitsChanged = QtCore.Signal()
    editModeChanged = QtCore.Signal()
    temperatureChanged = QtCore.Signal()
    smoothingChanged = QtCore.Signal()
    descentSettingsChanged = QtCore.Signal()
    titleChanged = QtCore.Signal()
    targetChanged = QtCore.Signal()
    predictionChanged = QtCore.Signal()
    scenarioChanged = QtCore.Signal()
    gestureStarted = QtCore.Signal()
    gestureFinished = QtCore.Signal()
    historyChanged = QtCore.Signal()

    def __init__(self, scenario: Scenario | None = None, parent=None):
        super().__init__(parent)
        self._scenario = scenario or _default_scenario()
        self._evaluation = self._scenario.evaluate()
        self._history: History[Scenario] = History(limit=1000, same=lambda a, b: a.same_as(b))
        self._history_shown = self._history_key()
        self._yielding = False  # the open group gives way to any other edit (a playing run)
        #: The aspects of the newest change (what the signals being emitted announce).
        self.last_change: frozenset[Aspect] = frozenset()
        #: Bumped on every change; lets views and the descent controller detect staleness cheaply.
        self.revision = 0

    # ------------------------------------------------------------------ subscribing

    def signal(self, aspect: Aspect):
        """The signal of one aspect (``state.signal(Aspect.TARGET)`` is ``state.targetChanged``)."""
        return getattr(self, aspect.value)

    def connect_aspects(self, slot: Callable[[frozenset], None], *aspects: Aspect) -> None:
        """Call ``slot(changed)`` once per change in any of ``aspects``.

        ``changed`` is the frozenset of those aspects that changed. The connection lasts as
        long as the slot's object when that is a QObject, else as long as the state.
        """
        owner = getattr(slot, "__self__", None)
        relay = _AspectRelay(self, slot, aspects, owner if isinstance(owner, QtCore.QObject) else self)
        for a in aspects:
            self.signal(a).connect(relay.on_aspect)

    # ------------------------------------------------------------------ reading

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def evaluation(self) -> core.Evaluation:
        """CE, H, KL, perplexity, contributions and gradient, in the current units.

        Computed once per scenario, however many views read it.
        """
        return self._evaluation

    @property
    def target(self) -> np.ndarray:
        """The effective target (after label smoothing): what the loss uses."""
        return self._scenario.effective_target

    @property
    def raw_target(self) -> np.ndarray:
        return self._scenario.target

    @property
    def prediction(self) -> np.ndarray:
        return self._scenario.prediction

    @property
    def logits(self) -> np.ndarray | None:
        return self._scenario.logits

    @property
    def logits_mode(self) -> bool:
        return self._scenario.logits_mode

    @property
    def class_names(self) -> tuple[str, ...]:
        return self._scenario.class_names

    @property
    def num_classes(self) -> int:
        return self._scenario.num_classes

    @property
    def units(self) -> str:
        return self._scenario.units

    @property
    def base(self):
        return self._scenario.base

    @property
    def temperature(self) -> float:
        return self._scenario.temperature

    @property
    def label_smoothing(self) -> float:
        return self._scenario.label_smoothing

    @property
    def descent(self) -> DescentSettings:
        return self._scenario.descent

    @property
    def history(self) -> History[Scenario]:
        """The undo history, to read (texts, availability); change it through the state."""
        return self._history

    def display_logits(self) -> np.ndarray:
        """The logits to show: the edited ones, or ``log p`` (max 0) in probability mode."""
        if self._scenario.logits is not None:
            return self._scenario.logits
        return distributions.logits_from_probabilities(self._scenario.prediction)

    def descent_start_logits(self) -> np.ndarray:
        """Finite logits to start gradient descent from.

        In probability mode a zero probability has logit ``-inf``, from which descent can
        never move; it starts instead from ``log p`` floored at -100 (a probability of about
        e^-100), and the window says so.
        """
        if self._scenario.logits is not None:
            return self._scenario.logits
        return distributions.logits_from_probabilities(self._scenario.prediction, floor=-100.0)

    # ------------------------------------------------------------------ the one way in

    def apply(self, scenario: Scenario, label: str, replaced: bool = False) -> bool:
        """Make ``scenario`` current, recording ``label`` for undo. False if nothing changed.

        ``replaced`` announces :attr:`Aspect.REPLACED` too (a whole new scenario). An edit
        while a playing descent run holds the undo step ends that step first: the edit is
        an undo step of its own.
        """
        old = self._scenario
        aspects = changed_aspects(old, scenario)
        if not aspects:
            return False
        if self._yielding:
            self.commit()
        self._set(scenario, aspects | {Aspect.REPLACED} if replaced else aspects)
        if not self._history.in_group:
            # Inside a drag or a run the history is untouched until commit().
            self._history.record(label, old, scenario)
            self._announce_history()
        self._announce()
        return True

    def show_run_step(self, scenario: Scenario) -> bool:
        """Show one step of a descent run, inside the run's undo step if one is open.

        ``scenario`` is trusted: built by the run from logits it has checked, with the
        prediction it has computed already (no second softmax). False if nothing changed.
        """
        old = self._scenario
        aspects = changed_aspects(old, scenario)
        if not aspects:
            return False
        self._set(scenario, aspects)
        if not self._history.in_group:
            self._history.record(RUN_LABEL, old, scenario)
            self._announce_history()
        self._announce()
        return True

    def start_from(self, scenario: Scenario) -> bool:
        """Make ``scenario`` current with nothing before it to undo (the app's start).

        Announces :attr:`Aspect.REPLACED` with what changed, and clears the history.
        """
        self.commit()
        aspects = changed_aspects(self._scenario, scenario)
        if aspects:
            self._set(scenario, aspects | {Aspect.REPLACED})
        self.clear_history()
        if aspects:
            self._announce()
        return bool(aspects)

    def clear_history(self) -> None:
        """Forget every undo and redo step (an open group is committed first)."""
        self.commit()
        self._history.clear()
        self._announce_history()

    def _set(self, scenario: Scenario, aspects: frozenset[Aspect]) -> None:
        self._evaluation = scenario.evaluate()
        self._scenario = scenario
        self.last_change = frozenset(aspects)
        self.revision += 1

    def _announce(self) -> None:
        """Emit the signal of every aspect of the newest change, then scenarioChanged."""
        aspects, revision = self.last_change, self.revision
        for a in _ASPECT_ORDER:
            if a in aspects:
                self.signal(a).emit()
                if self.revision != revision:
                    return  # a slot changed the state again: that change announced itself
        self.scenarioChanged.emit()

    def _history_key(self):
        h = self._history
        return (h.can_undo, h.can_redo, h.undo_text, h.redo_text)

    def _announce_history(self) -> None:
        key = self._history_key()
        if key != self._history_shown:
            self._history_shown = key
            self.historyChanged.emit()

    def _replace(self, label: str, **changes) -> bool:
        return self.apply(self._scenario.replace(**changes), label)

    # ------------------------------------------------------------------ gestures

    def begin(self, label: str, extend: bool = False, yields: bool = False) -> None:
        """Start one undo step that spans many changes (a drag, a descent run).

        A group still open is committed first. ``extend=True`` continues the newest undo
        step if it has the same label and nothing happened since (see :meth:`History.begin`).
        ``yields=True`` (a playing run) lets any other edit end the group and record itself.
        """
        self.commit()
        self._history.begin(label, self._scenario, extend)
        self._yielding = bool(yields)
        self.gestureStarted.emit()

    def commit(self) -> None:
        """Finish the step started by :meth:`begin` (nothing if none is open)."""
        if not self._history.in_group:
            return
        self._history.commit(self._scenario)
        self._yielding = False
        self.gestureFinished.emit()
        self._announce_history()

    @property
    def gesture_active(self) -> bool:
        """True while the user drags something (a group opened without ``yields``)."""
        return self._history.in_group and not self._yielding

    @property
    def in_undo_group(self) -> bool:
        """True while a drag or a playing descent run holds an undo step open."""
        return self._history.in_group

    def undo(self) -> bool:
        self.commit()
        return self._restore(self._history.undo())

    def redo(self) -> bool:
        self.commit()
        return self._restore(self._history.redo())

    def _restore(self, s: Scenario | None) -> bool:
        if s is None:
            return False
        aspects = changed_aspects(self._scenario, s)
        self._set(s, aspects | {Aspect.REPLACED})
        self._announce_history()
        self._announce()
        return True

    # ------------------------------------------------------------------ edits

    def load(self, scenario: Scenario, label: str = "Load scenario") -> bool:
        """Replace everything (a preset, a file, a lesson slide): one undo step."""
        return self.apply(scenario, label, replaced=True)

    def set_target(self, y, label: str = "Set target") -> bool:
        """Set the target distribution; any label smoothing is folded into it."""
        return self._replace(label, target=np.asarray(y, float), label_smoothing=0.0)

    def set_target_value(self, index: int, value: float, label: str | None = None) -> bool:
        """Set the effective target of one class; the others rescale (distributions.redistribute)."""
        y = self._redistribute(self.target, index, value)
        return self.set_target(y, label or f"Set target: {self._name(index)}")

    def set_true_class(self, index: int) -> bool:
        """Make the target one-hot on ``index`` (label smoothing, if set, still applies)."""
        y = self._call(distributions.one_hot, index, self.num_classes)
        return self._replace(f"True class: {self._name(index)}", target=y)

    def set_label_smoothing(self, epsilon: float) -> bool:
        return self._replace(f"Label smoothing ε = {float(epsilon):.3g}", label_smoothing=float(epsilon))

    def set_prediction(self, p, label: str = "Set prediction") -> bool:
        """Set the prediction; in logits mode the logits become ``log p`` (max 0, floor -100)."""
        p = np.asarray(p, float)
        if self.logits_mode:
            z = self._call(distributions.logits_from_probabilities, p, -100.0) * self.temperature
            return self._replace(label, logits=z)
        return self._replace(label, prediction=p)

    def set_prediction_value(self, index: int, value: float, label: str | None = None) -> bool:
        p = self._redistribute(self.prediction, index, value)
        return self.set_prediction(p, label or f"Set prediction: {self._name(index)}")

    def set_logits(self, z, label: str = "Set logits") -> bool:
        """Set the logits (switches to logits mode)."""
        return self._replace(label, logits=np.asarray(z, float))

    def set_logit(self, index: int, value: float, label: str | None = None) -> bool:
        z = np.array(self.display_logits() if self.logits_mode else self.descent_start_logits(), float)
        self._check_index(index)
        z[index] = float(value)
        return self.set_logits(z, label or f"Set logit: {self._name(index)}")

    def set_logits_mode(self, on: bool) -> bool:
        """Edit the prediction through logits (True) or directly as probabilities (False)."""
        if bool(on) == self.logits_mode:
            return False
        if on:
            z = self._call(distributions.logits_from_probabilities, self.prediction, -100.0) * self.temperature
            return self._replace("Edit logits", logits=z)
        return self._replace("Edit probabilities", logits=None, prediction=self.prediction)

    def set_temperature(self, t: float) -> bool:
        return self._replace(f"Temperature T = {float(t):.3g}", temperature=float(t))

    def set_units(self, units: str) -> bool:
        return self._replace(f"Units: {units}", units=units)

    def set_descent(self, **changes) -> bool:
        """Change descent settings (optimizer, learning_rate, steps_per_second, ...)."""
        fields = {**self.descent.__dict__, **changes}
        try:
            d = DescentSettings(**fields).checked()
        except TypeError as exc:
            raise ScenarioError(str(exc)) from None
        return self._replace("Descent settings", descent=d)

    def rename_class(self, index: int, name: str) -> bool:
        """Rename one class (spaces tidied, cut to the longest name allowed); an empty name is
        refused with :class:`ScenarioError`."""
        self._check_index(index)
        if not str(name).strip():
            raise ScenarioError("a class name cannot be empty")
        names = list(self.class_names)
        names[index] = name
        return self._replace(f"Rename {self._name(index)}", class_names=tuple(names))

    def set_num_classes(self, n: int) -> bool:
        """Add classes (target 0, an equal share of the prediction) or drop the last ones."""
        n = int(n)
        if not MIN_CLASSES <= n <= MAX_CLASSES:
            raise ScenarioError(f"the number of classes must lie in {MIN_CLASSES}..{MAX_CLASSES}, got {n}")
        c = self.num_classes
        if n == c:
            return False
        s = self._scenario
        names = list(s.class_names[:n]) + list(default_names(n)[c:])
        y = _resize(s.target, n)
        if s.logits is not None:
            z = s.logits[:n] if n < c else np.concatenate([s.logits, np.full(n - c, float(np.mean(s.logits)))])
            new = s.replace(target=y, logits=z, class_names=tuple(names))
        else:
            if n < c:
                p = _resize(s.prediction, n)
            else:
                p = np.concatenate([s.prediction * (c / n), np.full(n - c, 1.0 / n)])
            new = s.replace(target=y, prediction=p, class_names=tuple(names))
        return self.apply(new, f"{n} classes")

    # ------------------------------------------------------------------ helpers

    def _name(self, index: int) -> str:
        try:
            return self.class_names[int(index)]
        except (IndexError, ValueError, TypeError):
            return f"class {index}"

    def _check_index(self, index: int) -> None:
        if not 0 <= int(index) < self.num_classes:
            raise ScenarioError(f"class index {index} is outside 0..{self.num_classes - 1}")

    def _redistribute(self, p, index, value) -> np.ndarray:
        return self._call(distributions.redistribute, p, index, value)

    @staticmethod
    def _call(fn, *args):
        try:
            return fn(*args)
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None


def _resize(p: np.ndarray, n: int) -> np.ndarray:
    """Keep the first ``n`` entries and renormalise (uniform if nothing is left)."""
    if n <= p.shape[0]:
        q = p[:n].astype(float)
    else:
        q = np.concatenate([p, np.zeros(n - p.shape[0])])
    s = q.sum()
    return q / s if s > 0 else np.full(n, 1.0 / n)
