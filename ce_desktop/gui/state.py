"""ExplorerState: the one source of truth that every view draws from and writes to.

It owns the current :class:`~ce_desktop.model.scenario.Scenario`, the numbers derived from it
(computed once per change by the core), and the undo history. It uses QtCore only (for
signals). Every setter validates first; on bad input it raises
:class:`~ce_desktop.model.scenario.ScenarioError` and nothing changes. A change that leaves the
scenario as it was emits nothing.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from ce_desktop.model import core, distributions
from ce_desktop.model.history import History
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError, default_names

#: Fewest and most classes the window offers (the core and files allow up to 1000).
MIN_CLASSES = distributions.MIN_CLASSES
MAX_CLASSES = 1000


def _default_scenario() -> Scenario:
    return Scenario.create(
        [1.0, 0.0, 0.0],
        [0.8, 0.1, 0.1],
        class_names=("cat", "dog", "bird"),
        title="Good prediction",
    )


class ExplorerState(QtCore.QObject):
    """The explorer's state: scenario, derived numbers, undo history.

    Signals
    -------
    changed(frozenset)
        After every real change, with the aspects that changed, among
        ``"target"``, ``"prediction"``, ``"classes"`` (count or names), ``"units"``,
        ``"settings"`` (temperature, smoothing, mode, descent settings), ``"scenario"``
        (a whole new scenario was loaded, or undo/redo).
    historyChanged()
        The undo/redo texts or availability changed.
    """

    changed = QtCore.Signal(object)
    historyChanged = QtCore.Signal()

    def __init__(self, scenario: Scenario | None = None, parent=None):
        super().__init__(parent)
        self._scenario = scenario or _default_scenario()
        self._evaluation = self._scenario.evaluate()
        self._history: History[Scenario] = History(limit=1000, same=lambda a, b: a.same_as(b))
        #: Bumped on every change; lets views and the descent controller detect staleness cheaply.
        self.revision = 0

    # ------------------------------------------------------------------ reading

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @property
    def evaluation(self) -> core.Evaluation:
        """CE, H, KL, perplexity, contributions and gradient, in the current units."""
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

    def apply(self, scenario: Scenario, label: str, aspects=("scenario",)) -> bool:
        """Make ``scenario`` current, recording ``label`` for undo. False if nothing changed."""
        old = self._scenario
        if scenario.same_as(old):
            return False
        self._set(scenario)
        if self._history.in_group:
            # Inside a drag or a run the history is untouched until commit(), which announces it.
            self.changed.emit(frozenset(aspects))
            return True
        self._history.record(label, old, scenario)
        self.historyChanged.emit()
        self.changed.emit(frozenset(aspects))
        return True

    def _set(self, scenario: Scenario) -> None:
        self._evaluation = scenario.evaluate()
        self._scenario = scenario
        self.revision += 1

    def _replace(self, label: str, aspects, **changes) -> bool:
        return self.apply(self._scenario.replace(**changes), label, aspects)

    # ------------------------------------------------------------------ grouping

    def begin(self, label: str, extend: bool = False) -> None:
        """Start one undo step that spans many changes (a drag, a descent run).

        ``extend=True`` continues the newest undo step if it has the same label and nothing
        happened since (see :meth:`History.begin`).
        """
        self._history.begin(label, self._scenario, extend)

    def commit(self) -> None:
        """Finish the step started by :meth:`begin`."""
        if self._history.commit(self._scenario):
            pass
        self.historyChanged.emit()

    @property
    def in_group(self) -> bool:
        return self._history.in_group

    def undo(self) -> bool:
        if self._history.in_group:
            self.commit()
        s = self._history.undo()
        return self._restore(s)

    def redo(self) -> bool:
        if self._history.in_group:
            self.commit()
        s = self._history.redo()
        return self._restore(s)

    def _restore(self, s: Scenario | None) -> bool:
        if s is None:
            return False
        self._set(s)
        self.historyChanged.emit()
        self.changed.emit(frozenset({"scenario"}))
        return True

    # ------------------------------------------------------------------ edits

    def load(self, scenario: Scenario, label: str = "Load scenario") -> bool:
        """Replace everything (a preset, a file, a lesson slide): one undo step."""
        return self.apply(scenario, label, ("scenario",))

    def set_target(self, y, label: str = "Set target") -> bool:
        """Set the target distribution; any label smoothing is folded into it."""
        return self._replace(label, ("target",), target=np.asarray(y, float), label_smoothing=0.0)

    def set_target_value(self, index: int, value: float, label: str | None = None) -> bool:
        """Set the effective target of one class; the others rescale (distributions.redistribute)."""
        y = self._redistribute(self.target, index, value)
        return self.set_target(y, label or f"Set target: {self._name(index)}")

    def set_true_class(self, index: int) -> bool:
        """Make the target one-hot on ``index`` (label smoothing, if set, still applies)."""
        y = self._call(distributions.one_hot, index, self.num_classes)
        return self._replace(f"True class: {self._name(index)}", ("target",), target=y)

    def set_label_smoothing(self, epsilon: float) -> bool:
        return self._replace(f"Label smoothing ε = {float(epsilon):.3g}", ("target", "settings"), label_smoothing=float(epsilon))

    def set_prediction(self, p, label: str = "Set prediction") -> bool:
        """Set the prediction; in logits mode the logits become ``log p`` (max 0, floor -100)."""
        p = np.asarray(p, float)
        if self.logits_mode:
            z = self._call(distributions.logits_from_probabilities, p, -100.0) * self.temperature
            return self._replace(label, ("prediction",), logits=z)
        return self._replace(label, ("prediction",), prediction=p)

    def set_prediction_value(self, index: int, value: float, label: str | None = None) -> bool:
        p = self._redistribute(self.prediction, index, value)
        return self.set_prediction(p, label or f"Set prediction: {self._name(index)}")

    def set_logits(self, z, label: str = "Set logits") -> bool:
        """Set the logits (switches to logits mode)."""
        # "settings" only when this switches the mode: a descent run writes logits every frame,
        # and views restyle or re-read their settings on "settings".
        aspects = ("prediction",) if self.logits_mode else ("prediction", "settings")
        return self._replace(label, aspects, logits=np.asarray(z, float))

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
            return self._replace("Edit logits", ("prediction", "settings"), logits=z)
        return self._replace("Edit probabilities", ("prediction", "settings"), logits=None, prediction=self.prediction)

    def set_temperature(self, t: float) -> bool:
        return self._replace(f"Temperature T = {float(t):.3g}", ("prediction", "settings"), temperature=float(t))

    def set_units(self, units: str) -> bool:
        return self._replace(f"Units: {units}", ("units",), units=units)

    def set_descent(self, **changes) -> bool:
        """Change descent settings (optimizer, learning_rate, steps_per_second, ...)."""
        fields = {**self.descent.__dict__, **changes}
        try:
            d = DescentSettings(**fields).checked()
        except TypeError as exc:
            raise ScenarioError(str(exc)) from None
        return self._replace("Descent settings", ("settings",), descent=d)

    def rename_class(self, index: int, name: str) -> bool:
        """Rename one class (spaces tidied, cut to the longest name allowed); an empty name is
        refused with :class:`ScenarioError`."""
        self._check_index(index)
        if not str(name).strip():
            raise ScenarioError("a class name cannot be empty")
        names = list(self.class_names)
        names[index] = name
        return self._replace(f"Rename {self._name(index)}", ("classes",), class_names=tuple(names))

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
        return self.apply(new, f"{n} classes", ("classes", "target", "prediction"))

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
