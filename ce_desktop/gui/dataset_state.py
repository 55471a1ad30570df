"""The dataset workspace's state: one :class:`~ce_desktop.model.workspace.DatasetSetup`, its
training run, the point chosen, undo, and the animation that plays the run.

Every view of the workspace draws from a :class:`DatasetState` and writes through its methods;
no view reads another. The maths is in the model package (workspace, training, dataset_loss);
this class only keeps the current value, announces what changed (one signal per aspect) and
caches what several views read each frame (probabilities, per-sample losses).

Edits and the run:

* the data, the labels, the loss or the model change: a new run starts **from the parameters
  the model has now** (a linear model's shape does not change with the data, so what it has
  learned is kept; a new model or degree starts from its own initial parameters), and keeps
  playing if it was playing;
* training settings (learning rate, optimiser, batch size, weight decay): a new run also
  starts from the current parameters, so earlier runs stay intact for undo;
* a run (from Play to pause, with single steps and scrubbing) is one undo step.

Undo entries are :class:`Snapshot` values: the setup, the run object and the step shown, so
undoing an edit puts back the very run that was showing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore

from ce_desktop.gui.frame_clock import FrameClock
from ce_desktop.gui.training_words import describe_training_stop, number
from ce_desktop.model import regions, workspace
from ce_desktop.model.dataset import Dataset, DatasetError
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.descent_run import StopReason
from ce_desktop.model.history import History
from ce_desktop.model.training import TrainingRun, TrainingSettings
from ce_desktop.model.workspace import DatasetSetup, GeneratorSpec, LabelSettings, ModelSettings

__all__ = ["DatasetState", "Snapshot"]

STEPS_PER_SECOND = 60.0
HISTORY_LIMIT = 100


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What an undo step puts back."""

    setup: DatasetSetup
    run: TrainingRun
    position: int


def _same(a: Snapshot, b: Snapshot) -> bool:
    return a.setup is b.setup and a.run is b.run and a.position == b.position


class DatasetState(QtCore.QObject):
    """The dataset workspace's one source of truth.

    Signals
    -------
    setupChanged()
        The setup changed (data, labels, model, loss or training); a new run was made.
    dataChanged()
        The points or their labels changed (also emits setupChanged).
    positionChanged(int)
        The step shown changed, or a new run started (carries the index).
    selectionChanged(int)
        The chosen point (-1: none).
    classChanged(int)
        The class a click adds.
    playingChanged(bool), statusChanged(str), historyChanged()
    gestureStarted(), gestureFinished()
        A point drag began / ended (views may defer slow work until it ends).
    message(str)
        A sentence for the status bar (a refused edit says why).
    """

    setupChanged = QtCore.Signal()
    dataChanged = QtCore.Signal()
    positionChanged = QtCore.Signal(int)
    selectionChanged = QtCore.Signal(int)
    classChanged = QtCore.Signal(int)
    playingChanged = QtCore.Signal(bool)
    statusChanged = QtCore.Signal(str)
    historyChanged = QtCore.Signal()
    gestureStarted = QtCore.Signal()
    gestureFinished = QtCore.Signal()
    message = QtCore.Signal(str)

    RUN_LABEL = "Training run"

    def __init__(self, setup: DatasetSetup | None = None, parent=None):
        super().__init__(parent)
        self._setup = (setup or workspace.default_setup()).checked()
        self._labelled = workspace.labelled(self._setup)
        self._shown = workspace.shown_targets(self._setup, self._labelled)
        self._run = workspace.build_run(self._setup, self._labelled)
        self._selected = -1
        self._class = 0
        self._cache: dict[str, object] = {}
        self._cache_key: tuple[int, int] = (-1, -1)
        self._region_grid: regions.RegionGrid | None = None
        self._region_key: tuple | None = None
        self._region_out: np.ndarray | None = None
        self._history: History[Snapshot] = History(HISTORY_LIMIT, same=_same)
        self._drag: tuple[int, Snapshot] | None = None
        self._run_open = False
        self._status = "Press Play (Space) to train the model on these points."
        #: The animation's clock (gui/frame_clock.py), as the explorer's descent has.
        self.frames = FrameClock(STEPS_PER_SECOND, self)
        self.frames.frame.connect(self.advance_frame)

    # ------------------------------------------------------------------ reading

    @property
    def setup(self) -> DatasetSetup:
        return self._setup

    @property
    def data(self) -> Dataset:
        """The data with the label settings applied (what the loss sees, before smoothing)."""
        return self._labelled

    @property
    def shown_targets(self) -> np.ndarray:
        """The labels the loss compares with, smoothing included (N, C)."""
        return self._shown

    @property
    def run(self) -> TrainingRun:
        return self._run

    @property
    def position(self) -> int:
        return self._run.index

    @property
    def class_names(self) -> tuple[str, ...]:
        return self._labelled.class_names

    @property
    def num_classes(self) -> int:
        return self._labelled.num_classes

    @property
    def num_samples(self) -> int:
        return self._labelled.num_samples

    @property
    def selected(self) -> int:
        """The chosen point's index, or -1."""
        return self._selected

    @property
    def add_class(self) -> int:
        """The class a click on the plane adds."""
        return self._class

    @property
    def playing(self) -> bool:
        return self.frames.active

    @property
    def status(self) -> str:
        return self._status

    @property
    def history(self) -> History[Snapshot]:
        return self._history

    @property
    def gesture_active(self) -> bool:
        return self._drag is not None

    def _cached(self, name: str, make):
        key = (id(self._run), self._run.index)
        if key != self._cache_key:
            self._cache.clear()
            self._cache_key = key
        value = self._cache.get(name)
        if value is None:
            value = self._cache[name] = make()
        return value

    def logits(self) -> np.ndarray:
        """The model's logits for every point at the step shown (N, C)."""
        return self._cached("logits", lambda: self._run.logits())

    def probabilities(self) -> np.ndarray:
        """ŷ for every point at the step shown (N, C)."""
        return self._cached("probabilities", lambda: self._run.probabilities())

    def per_sample_loss(self) -> np.ndarray:
        """Each point's CE at the step shown, in nats (N,; with the loss's smoothing)."""
        return self._cached("per_sample_loss", lambda: self._run.per_sample_loss())

    def grid_probabilities(self, x_range: tuple[float, float], y_range: tuple[float, float],
                           nx: int, ny: int) -> np.ndarray:
        """ŷ of the model at the step shown at the centres of an ``ny`` × ``nx`` grid: (ny, nx, C)
        float32 (:class:`~ce_desktop.model.regions.RegionGrid`; the grid's features are kept
        while the rectangle, the cells and the degree stay, and the output buffer is reused)."""
        key = (float(x_range[0]), float(x_range[1]), float(y_range[0]), float(y_range[1]), int(nx), int(ny),
               self._setup.model.degree)
        if self._region_grid is None or self._region_key != key:
            self._region_grid = regions.RegionGrid(key[0:2], key[2:4], nx, ny, self._setup.model.degree)
            self._region_key = key
            self._region_out = None
        out = self._region_out
        if out is not None and out.shape[-1] != self.num_classes:
            out = None
        self._region_out = self._region_grid.probabilities(self._run.model, self._run.params, out)
        return self._region_out

    def sample_scenario_parts(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(y, z) of point ``i`` at the step shown: its label (before smoothing) and logits."""
        return self._labelled.targets[i], self.logits()[i]

    # ------------------------------------------------------------------ edits

    def _snapshot(self) -> Snapshot:
        return Snapshot(self._setup, self._run, self._run.index)

    def _try(self, fn, *args):
        try:
            return fn(*args)
        except (ValueError, DatasetError) as exc:
            self.message.emit(str(exc))
            return None

    def _install(self, setup: DatasetSetup, keep_params: bool = True) -> None:
        """Make ``setup`` current with a new run (from the current parameters when they fit)."""
        setup = setup.checked()
        data_changed = setup.data is not self._setup.data or setup.labels != self._setup.labels
        labelled = workspace.labelled(setup) if data_changed else self._labelled
        keep = keep_params and setup.model == self._setup.model and setup.data.num_classes == self.num_classes
        run = workspace.build_run(setup, labelled, self._run.params if keep else None)
        self._setup, self._labelled, self._run = setup, labelled, run
        self._shown = workspace.shown_targets(setup, labelled)
        if self._selected >= labelled.num_samples:
            self._selected = -1
            self.selectionChanged.emit(-1)
        if self._class >= labelled.num_classes:
            self._class = 0
            self.classChanged.emit(0)
        self._cache_key = (-1, -1)
        if data_changed:
            self.dataChanged.emit()
        self.setupChanged.emit()
        self.positionChanged.emit(run.index)

    def apply(self, setup: DatasetSetup, label: str, keep_params: bool = True) -> bool:
        """Make ``setup`` current (one undo step ``label``); False, with a message, if refused."""
        before = self._snapshot()
        try:
            self._install(setup, keep_params)
        except (ValueError, DatasetError) as exc:
            self.message.emit(str(exc))
            return False
        self._close_run()
        self._history.record(label, before, self._snapshot())
        self.historyChanged.emit()
        if self.playing and self._run.finished:
            self.pause()
        return True

    def generate(self, spec: GeneratorSpec) -> bool:
        """New generated data (regenerating replaces any edits)."""
        try:
            data = spec.generate()
        except DatasetError as exc:
            self.message.emit(str(exc))
            return False
        return self.open_data(data, spec.name, spec, f"Generate {spec.name}")

    def open_data(self, data: Dataset, source: str, generator: GeneratorSpec | None = None,
                  label: str | None = None) -> bool:
        """Replace the data (generated or opened): labels, loss weights and model start afresh."""
        s = self._setup
        labels = LabelSettings() if not data.is_hard and s.labels.noise_percent else s.labels
        if labels.neighbours > data.num_samples - 1:
            labels = LabelSettings(labels.noise_percent, labels.noise_seed, 0)
        loss = s.loss
        if loss.weight is not None and len(loss.weight) != data.num_classes:
            loss = LossOptions(loss.reduction, None, loss.label_smoothing, loss.ignore_index)
        if loss.ignore_index >= data.num_classes:
            loss = LossOptions(loss.reduction, loss.weight, loss.label_smoothing)
        new = DatasetSetup(data, generator, source, labels, s.model, loss, s.training)
        return self.apply(new, label or f"Open {source}", keep_params=False)

    def _change(self, label: str, keep_params: bool = True, **changes) -> bool:
        try:
            setup = self._setup.replace(**changes)
        except (ValueError, DatasetError) as exc:
            self.message.emit(str(exc))
            return False
        return self.apply(setup, label, keep_params)

    def set_labels(self, labels: LabelSettings) -> bool:
        return self._change("Change the labels", labels=labels)

    def set_model(self, model: ModelSettings) -> bool:
        return self._change("Change the model", keep_params=False, model=model)

    def set_loss(self, loss: LossOptions) -> bool:
        return self._change("Change the loss", loss=loss)

    def set_training(self, training: TrainingSettings) -> bool:
        return self._change("Change the training settings", training=training)

    def _with_data(self, data: Dataset, label: str) -> bool:
        return self._change(label, data=data)

    def set_add_class(self, cls: int) -> None:
        cls = int(cls)
        if 0 <= cls < self.num_classes and cls != self._class:
            self._class = cls
            self.classChanged.emit(cls)

    def add_point(self, x: float, y: float, cls: int | None = None) -> bool:
        """Add a point of class ``cls`` (the chosen class by default) at (x, y); one undo step."""
        c = self._class if cls is None else int(cls)
        data = self._try(self._setup.data.with_point_added, float(x), float(y), c)
        if data is None:
            return False
        ok = self._with_data(data, f"Add a point of {self.class_names[c]}")
        if ok:
            self.select(data.num_samples - 1)
        return ok

    def remove_point(self, i: int) -> bool:
        """Delete point ``i``; one undo step."""
        if self._setup.data.num_samples <= 1:
            self.message.emit("The data need at least one point.")
            return False
        data = self._try(self._setup.data.with_point_removed, int(i))
        if data is None:
            return False
        sel = self._selected
        ok = self._with_data(data, "Delete a point")
        if ok:
            self.select(-1 if sel == i else (sel - 1 if sel > i else sel))
        return ok

    def begin_move(self, i: int) -> None:
        """A point drag starts (the whole drag is one undo step)."""
        if self._drag is None:
            self._drag = (int(i), self._snapshot())
            self.gestureStarted.emit()

    def move_point(self, i: int, x: float, y: float) -> bool:
        """Move point ``i`` to (x, y) (inside a drag, or as one undo step on its own)."""
        data = self._try(self._setup.data.with_point_moved, int(i), float(x), float(y))
        if data is None:
            return False
        if self._drag is None:
            return self._with_data(data, "Move a point")
        setup = self._try(lambda: self._setup.replace(data=data))
        if setup is None:
            return False
        if setup.labels.neighbours:
            # Neighbour labels are recomputed when the drag ends (they take a while on 10,000 points).
            self._move_fast(setup)
        else:
            self._install(setup)
        return True

    def _move_fast(self, setup: DatasetSetup) -> None:
        labelled = self._labelled
        i = self._drag[0] if self._drag else 0
        pts = np.array(labelled.points)
        pts[i] = setup.data.points[i]
        moved = Dataset(pts, labelled.targets, labelled.class_names, labelled.feature_names)
        run = workspace.build_run(setup, moved, self._run.params)
        self._setup, self._labelled, self._run = setup, moved, run
        self._cache_key = (-1, -1)
        self.dataChanged.emit()
        self.setupChanged.emit()
        self.positionChanged.emit(0)

    def end_move(self) -> None:
        """The drag ends: one undo step "Move a point"."""
        if self._drag is None:
            return
        _, before = self._drag
        self._drag = None
        if self._setup.labels.neighbours and self._setup is not before.setup:
            self._install(self._setup)  # now with the neighbours' labels
        self._close_run()
        self._history.record("Move a point", before, self._snapshot())
        self.historyChanged.emit()
        self.gestureFinished.emit()

    def select(self, i: int) -> None:
        """Choose point ``i`` (-1: none); not an edit."""
        i = int(i)
        if not -1 <= i < self.num_samples:
            i = -1
        if i != self._selected:
            self._selected = i
            self.selectionChanged.emit(i)

    # ------------------------------------------------------------------ undo

    def undo(self) -> bool:
        self._close_run()
        self.pause()
        return self._restore(self._history.undo())

    def redo(self) -> bool:
        self.pause()
        return self._restore(self._history.redo())

    def _restore(self, snap: Snapshot | None) -> bool:
        if snap is None:
            return False
        data_changed = snap.setup.data is not self._setup.data or snap.setup.labels != self._setup.labels
        self._setup, self._run = snap.setup, snap.run
        if data_changed:
            self._labelled = workspace.labelled(snap.setup)
        self._shown = workspace.shown_targets(snap.setup, self._labelled)
        snap.run.go_to(min(snap.position, snap.run.last))
        if self._selected >= self.num_samples:
            self._selected = -1
            self.selectionChanged.emit(-1)
        self._cache_key = (-1, -1)
        if data_changed:
            self.dataChanged.emit()
        self.setupChanged.emit()
        self.positionChanged.emit(self._run.index)
        self.historyChanged.emit()
        self._report()
        return True

    def load(self, setup: DatasetSetup, steps: int = 0, position: int | None = None,
             start: np.ndarray | None = None, label: str = "Open a dataset") -> bool:
        """Make a saved setup current and replay its run: ``steps`` steps from ``start``
        (the model's initial parameters when None), showing ``position``. One undo step."""
        before = self._snapshot()
        try:
            setup = setup.checked()
            labelled = workspace.labelled(setup)
            run = workspace.build_run(setup, labelled, start)
        except (ValueError, DatasetError) as exc:
            self.message.emit(str(exc))
            return False
        self.pause()
        run.run(int(steps))
        run.go_to(run.last if position is None else max(0, min(int(position), run.last)))
        self._history.record(label, before, Snapshot(setup, run, run.index))
        self._restore(Snapshot(setup, run, run.index))
        return True

    def clear_history(self) -> None:
        """Forget every undo and redo step."""
        self._close_run()
        self._history.clear()
        self.historyChanged.emit()

    # ------------------------------------------------------------------ the run

    def _open_run(self) -> None:
        if not self._run_open:
            self._run_open = True
            self._history.begin(self.RUN_LABEL, self._snapshot(), extend=True)

    def _close_run(self) -> None:
        if self._run_open:
            self._run_open = False
            self._history.commit(self._snapshot())
            self.historyChanged.emit()

    def play(self) -> None:
        """Start or resume training; after a stop that allows it, carry on past it."""
        run = self._run
        if self.playing:
            return
        if run.finished and not run.resume():
            self._set_status(self._stop_text() + " Change a setting, or press Reset.")
            return
        self._open_run()
        self.frames.start()
        self.playingChanged.emit(True)
        self._set_status("Training…")

    def pause(self) -> None:
        if not self.playing:
            return
        self.frames.stop()
        self._close_run()
        self.playingChanged.emit(False)
        self._set_status(self._position_text("Paused at step"))

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step_forward(self) -> bool:
        """One step (→); pauses first."""
        self.pause()
        run = self._run
        if run.finished and not run.resume():
            self._set_status(self._stop_text())
            return False
        self._open_run()
        moved = run.step()
        self._close_run()
        if moved:
            self.positionChanged.emit(run.index)
        self._report()
        return moved

    def step_back(self) -> bool:
        """One step back (←); pauses first."""
        self.pause()
        if not self._run.step_back():
            self._set_status("At the start of the run: nothing to step back to.")
            return False
        self.positionChanged.emit(self._run.index)
        self._set_status(self._position_text())
        return True

    def go_to(self, k: int) -> bool:
        """Show step ``k`` (the scrubber); pauses first."""
        self.pause()
        if not self._run.go_to(int(k)):
            return False
        self.positionChanged.emit(self._run.index)
        self._set_status(self._position_text())
        return True

    def reset(self) -> bool:
        """Start again from the model's initial parameters (one undo step)."""
        self.pause()
        return self.apply(self._setup, "Reset the training", keep_params=False)

    def run_steps(self, n: int) -> int:
        """Take up to ``n`` steps at once (no animation). Returns the steps taken."""
        self.pause()
        self._open_run()
        taken = 0
        run = self._run
        for _ in range(int(n)):
            if not run.step() and not (run.stop_reason is StopReason.MAX_STEPS and run.resume() and run.step()):
                break
            taken += 1
        self._close_run()
        if taken:
            self.positionChanged.emit(run.index)
        self._report()
        return taken

    def frame_due(self, elapsed_ms: float) -> bool:
        """Whether a frame is due ``elapsed_ms`` after Play (FramePacer); counts it if so."""
        return self.frames.due(elapsed_ms)

    @QtCore.Slot()
    def advance_frame(self) -> None:
        """One animation frame: one training step, shown."""
        if self._drag is not None:
            return  # the user is dragging a point: hold still until the drag ends
        run = self._run
        self._open_run()  # an edit during play closed the run's undo step: the frames after it start another
        if run.step():
            self.positionChanged.emit(run.index)
        if run.finished:
            self.frames.stop()
            self._close_run()
            self.playingChanged.emit(False)
            self._set_status(self._stop_text())

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.statusChanged.emit(text)

    def _stop_text(self) -> str:
        stop = self._run.stop
        return describe_training_stop(stop) if stop is not None else self._position_text()

    def _report(self) -> None:
        self._set_status(self._stop_text() if self._run.finished else self._position_text())

    def _position_text(self, prefix: str = "Step") -> str:
        r = self._run
        k = r.index
        return (f"{prefix} {k:,} of {r.last:,}: loss {number(float(r.loss[k]))} nats, "
                f"accuracy {100 * float(r.accuracy[k]):.1f} %.")
