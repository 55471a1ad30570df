"""The dataset workspace in a scenario file (format version 2): reading and writing, no Qt.

A version-2 scenario file may say which workspace the window shows (``"workspace"``) and hold a
``"dataset"`` block: a whole :class:`~ce_desktop.model.workspace.DatasetSetup` and the run made
from it (``"run": {"steps": K, "position": k}``). The run is not stored: a run is reproducible
from its setup and its number of steps, so loading replays it (:func:`replay`).
:func:`setup_to_dict` and :func:`setup_from_dict` convert the setup; lesson slides use the same
block without ``run`` (:mod:`~ce_desktop.model.lessons_dataset`). :class:`Session` is the whole
file: the explorer's :class:`~ce_desktop.model.scenario.Scenario`, the workspace, the setup and
the run's steps and position. The format is described in ``docs/file-format.md``.

Reading is checked in full, field by field, before anything is built; every problem is a
:class:`~ce_desktop.model.scenario.ScenarioError` whose message names the field
(``'dataset.model.degree' ...``). A file is read up to :data:`MAX_FILE_BYTES`, larger than a
scenario file of the explorer alone, because it may hold up to 100,000 points.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ce_desktop.model import user_files
from ce_desktop.model.dataset import MAX_SAMPLES, Dataset
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.scenario import Scenario, ScenarioError, from_json_file, from_json_text
from ce_desktop.model.training import PARAMETER_LIMIT, TrainingRun, TrainingSettings
from ce_desktop.model.types import FloatArray, StrPath
from ce_desktop.model.workspace import (
    DatasetSetup,
    GeneratorSpec,
    LabelSettings,
    ModelSettings,
    build_model,
    build_run,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_RUN_STEPS",
    "WORKSPACES",
    "Session",
    "replay",
    "setup_from_dict",
    "setup_to_dict",
]

#: Largest scenario file with a dataset block we read, in bytes. 100,000 points with soft labels
#: of 10 classes, every number written at full precision (at most 24 characters), take about 32 MB.
MAX_FILE_BYTES = 40_000_000
#: Most training steps a saved run may have (replayed on load).
MAX_RUN_STEPS = 100_000
#: The workspaces a file may ask the window to show.
WORKSPACES = ("explorer", "dataset")

_SETUP_KEYS = (
    "points", "labels", "targets", "class_names", "feature_names", "generator", "source",
    "label_settings", "model", "loss", "training",
)
_MAX_SOURCE = 200
_T = TypeVar("_T")

# The settings blocks: each key's JSON type ("int", "float", "str", "int?" for int or null).
_GENERATOR_TYPES = {"name": "str", "samples": "int", "classes": "int", "seed": "int"}
_LABEL_TYPES = {"noise_percent": "float", "noise_seed": "int", "neighbours": "int"}
_MODEL_TYPES = {"kind": "str", "degree": "int", "hidden": "int", "activation": "str", "init": "str",
                "init_seed": "int"}
_LOSS_TYPES = {"reduction": "str", "weight": "floats?", "label_smoothing": "float", "ignore_index": "int"}
_TRAINING_TYPES = {
    "optimizer": "str", "learning_rate": "float", "momentum": "float", "beta1": "float", "beta2": "float",
    "eps": "float", "batch_size": "int?", "seed": "int", "weight_decay": "float", "max_steps": "int",
    "tolerance": "float",
}


def _default_training() -> TrainingSettings:
    """A setup's training settings where its block leaves keys out: DatasetSetup's own default."""
    factory = next(f.default_factory for f in dataclasses.fields(DatasetSetup) if f.name == "training")
    out = factory() if callable(factory) else None
    assert isinstance(out, TrainingSettings)
    return out


_DEFAULT_TRAINING = _default_training()


# --------------------------------------------------------------------------- writing


def setup_to_dict(setup: DatasetSetup) -> dict[str, Any]:
    """The setup as plain JSON types: hard labels as a ``labels`` list of class numbers, soft
    ones as ``targets`` rows; every setting block in full."""
    data = setup.data
    out: dict[str, Any] = {"points": data.points.tolist()}
    if data.is_hard:
        out["labels"] = [int(v) for v in data.labels]
    else:
        out["targets"] = data.targets.tolist()
    out["class_names"] = list(data.class_names)
    out["feature_names"] = list(data.feature_names)
    out["generator"] = None if setup.generator is None else dataclasses.asdict(setup.generator)
    out["source"] = setup.source
    out["label_settings"] = dataclasses.asdict(setup.labels)
    out["model"] = dataclasses.asdict(setup.model)
    loss = dataclasses.asdict(setup.loss)
    loss["weight"] = None if setup.loss.weight is None else [float(w) for w in setup.loss.weight]
    out["loss"] = loss
    out["training"] = dataclasses.asdict(setup.training)
    return out


def dumps(obj: dict[str, Any]) -> str:
    """JSON text indented as a scenario file is, except that each point and target row takes
    one line and the hard labels one line: a file of 10,000 points stays readable and small."""
    rows: dict[str, str] = {}

    def mark(value: Any) -> str:
        key = f"@@ce-rows-{len(rows)}@@"
        rows[key] = value
        return key

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            out = {}
            for k, v in o.items():
                if k in ("points", "targets") and isinstance(v, list):
                    out[k] = mark("[\n" + ",\n".join(json.dumps(r, allow_nan=False) for r in v) + "\n]")
                elif k == "labels" and isinstance(v, list):
                    out[k] = mark(json.dumps(v))
                else:
                    out[k] = walk(v)
            return out
        return o

    text = json.dumps(walk(obj), indent=2, allow_nan=False)
    for key, value in rows.items():
        quoted = json.dumps(key)
        at = text.index(quoted)
        line_start = text.rindex("\n", 0, at) + 1
        indent = " " * (len(text[line_start:at]) - len(text[line_start:at].lstrip()))
        block = value.replace("\n", "\n" + indent + "  ").replace("\n" + indent + "  ]", "\n" + indent + "]")
        text = text[:at] + block + text[at + len(quoted):]
    return text + "\n"


# --------------------------------------------------------------------------- reading


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    """A finite JSON number (JSON allows integers beyond every float: those are refused)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return abs(v) <= 1e300 if isinstance(v, int) else math.isfinite(v)


def _check_value(v: Any, kind: str, name: str) -> Any:
    """``v`` converted to the block's field type, or a ScenarioError naming ``name``."""
    if kind.endswith("?") and v is None:
        return None
    base = kind.rstrip("?")
    if base == "str":
        if not isinstance(v, str):
            raise ScenarioError(f"'{name}' must be a string")
        return v
    if base == "int":
        if not _is_int(v) or abs(v) > 2**53:
            raise ScenarioError(f"'{name}' must be a whole number")
        return int(v)
    if base == "float":
        if not _is_number(v):
            raise ScenarioError(f"'{name}' must be a finite number")
        return float(v)
    # floats: a list of numbers
    if not isinstance(v, list) or not all(_is_number(w) for w in v):
        raise ScenarioError(f"'{name}' must be a list of numbers or null")
    if len(v) > 10:
        raise ScenarioError(f"'{name}' has {len(v)} entries; a data set has at most 10 classes")
    return tuple(float(w) for w in v)


def _block(obj: Any, types: dict[str, str], name: str) -> dict[str, Any]:
    """The keys of a settings object, each checked against ``types`` (all optional)."""
    if not isinstance(obj, dict):
        raise ScenarioError(f"'{name}' must be an object")
    unknown = sorted(set(obj) - set(types))
    if unknown:
        raise ScenarioError(f"unknown field(s) in '{name}': {', '.join(unknown)}")
    return {k: _check_value(v, types[k], f"{name}.{k}") for k, v in obj.items()}


def _checked(build: Callable[[], _T], name: str) -> _T:
    """Run ``build()``; a ValueError (DatasetError included) becomes a ScenarioError naming ``name``."""
    try:
        return build()
    except ScenarioError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScenarioError(f"'{name}': {exc}") from None


def _rows(value: Any, name: str, width: int | None) -> list[list[float]]:
    """A list of rows of numbers (each ``width`` long, or as long as the first row)."""
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"'{name}' must be a non-empty list of rows of numbers")
    if len(value) > MAX_SAMPLES:
        raise ScenarioError(f"'{name}' has {len(value):,} rows; a data set has at most {MAX_SAMPLES:,} points")
    w = width if width is not None else (len(value[0]) if isinstance(value[0], list) else -1)
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != w:
            raise ScenarioError(f"'{name}' row {i + 1} must be a list of {w} numbers" if w >= 0
                                else f"'{name}' row {i + 1} must be a list of numbers")
        for v in row:
            if type(v) is not float and not _is_int(v):  # a bool or a string is no number
                raise ScenarioError(f"'{name}' row {i + 1} holds {v!r}, which is not a number")
            if _is_int(v) and abs(v) > 1e300:
                raise ScenarioError(f"'{name}' row {i + 1} holds too large a number")
    return value


def _names(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ScenarioError(f"'{name}' must be a list of strings")
    if len(value) > 10:
        raise ScenarioError(f"'{name}' has {len(value)} names; a data set has at most 10 classes")
    return tuple(value)


def _data(obj: dict[str, Any], where: str, generator: GeneratorSpec | None) -> Dataset:
    """The block's data: given as points and labels/targets, or generated from ``generator``."""
    names = _names(obj["class_names"], f"{where}.class_names") if "class_names" in obj else None
    features = _names(obj["feature_names"], f"{where}.feature_names") if "feature_names" in obj else None
    if features is not None and len(features) != 2:
        raise ScenarioError(f"'{where}.feature_names' must name the two coordinates")
    if "points" not in obj:
        if "labels" in obj or "targets" in obj:
            raise ScenarioError(f"'{where}' has labels but no 'points'")
        if generator is None:
            raise ScenarioError(f"'{where}' needs 'points' (with 'labels' or 'targets'), or a 'generator'")
        data: Dataset = _checked(generator.generate, f"{where}.generator")
        if names is None and features is None:
            return data
        given: tuple[str, str] = (features[0], features[1]) if features is not None else data.feature_names
        return _checked(lambda: Dataset(data.points, data.targets, names or data.class_names, given),
                        f"{where}.class_names")
    if ("labels" in obj) == ("targets" in obj):
        raise ScenarioError(f"'{where}' needs exactly one of 'labels' (hard) or 'targets' (soft)")
    if names is None:
        raise ScenarioError(f"'{where}' needs 'class_names' (one per class)")
    points = np.asarray(_rows(obj["points"], f"{where}.points", 2), dtype=np.float64)
    feats: tuple[str, str] = (features[0], features[1]) if features is not None else ("x1", "x2")
    if "labels" in obj:
        labels = obj["labels"]
        if not isinstance(labels, list) or not all(_is_int(v) for v in labels):
            raise ScenarioError(f"'{where}.labels' must be a list of class numbers (0, 1, ...)")
        if len(labels) != len(points):
            raise ScenarioError(f"'{where}.labels' has {len(labels)} entries for {len(points)} points")
        return _checked(lambda: Dataset.from_labels(points, np.asarray(labels, dtype=np.int64), names, feats),
                        f"{where}.labels")
    targets = np.asarray(_rows(obj["targets"], f"{where}.targets", len(names)), dtype=np.float64)
    if len(targets) != len(points):
        raise ScenarioError(f"'{where}.targets' has {len(targets)} rows for {len(points)} points")
    return _checked(lambda: Dataset(points, targets, names, feats), f"{where}.targets")


def setup_from_dict(obj: Any, where: str = "dataset") -> DatasetSetup:
    """A :class:`DatasetSetup` from its dict (as :func:`setup_to_dict` writes it).

    Every key but the data is optional (the defaults of :class:`DatasetSetup`'s parts). The data
    are ``points`` with ``labels`` or ``targets`` and ``class_names``, or, with no points, made by
    the ``generator`` (a lesson slide can say just ``{"generator": {"name": "moons", ...}}``).

    Raises
    ------
    ScenarioError
        Naming the first bad field, as ``'<where>.<field>'``; also for more than 100,000 points.
    """
    if not isinstance(obj, dict):
        raise ScenarioError(f"'{where}' must be an object")
    unknown = sorted(set(obj) - set(_SETUP_KEYS))
    if unknown:
        raise ScenarioError(f"unknown field(s) in '{where}': {', '.join(unknown)}")
    gen_obj = obj.get("generator")
    generator = None
    if gen_obj is not None:
        generator = GeneratorSpec(**_block(gen_obj, _GENERATOR_TYPES, f"{where}.generator"))
        _checked(generator.generate, f"{where}.generator")  # checks every field; 10,000 points at most
    data = _data(obj, where, generator)
    source = obj.get("source", generator.name if generator is not None else "")
    if not isinstance(source, str):
        raise ScenarioError(f"'{where}.source' must be a string")
    label_settings = LabelSettings(**_block(obj.get("label_settings", {}), _LABEL_TYPES, f"{where}.label_settings"))
    model = ModelSettings(**_block(obj.get("model", {}), _MODEL_TYPES, f"{where}.model"))
    _checked(model.checked, f"{where}.model")
    loss = LossOptions(**_block(obj.get("loss", {}), _LOSS_TYPES, f"{where}.loss"))
    if loss.reduction not in ("mean", "sum"):
        raise ScenarioError(f"'{where}.loss.reduction' must be 'mean' or 'sum', got {loss.reduction!r}")
    training_fields = _block(obj.get("training", {}), _TRAINING_TYPES, f"{where}.training")
    training = dataclasses.replace(_DEFAULT_TRAINING, **training_fields)
    _checked(training.checked, f"{where}.training")
    if training.batch_size is not None and training.batch_size > MAX_SAMPLES:
        raise ScenarioError(f"'{where}.training.batch_size' must be at most {MAX_SAMPLES:,}")
    setup = DatasetSetup(data, generator, source[:_MAX_SOURCE], label_settings, model, loss, training)
    return _checked(setup.checked, where)


# --------------------------------------------------------------------------- the run


def replay(setup: DatasetSetup, steps: int, position: int | None = None,
           start: FloatArray | None = None) -> TrainingRun:
    """The run of ``setup`` after ``steps`` steps, shown at ``position`` (default: the last),
    from the parameters ``start`` (default: the model's own start, ``setup.model.init``).

    A run that stopped on a resumable rule (max steps, stalled, ...) before ``steps`` is resumed,
    as the user did to get there; one that cannot go on ends where it stopped.

    Raises
    ------
    ValueError
        If the loss cannot start (see :func:`~ce_desktop.model.workspace.build_run`).
    """
    run = build_run(setup, start=start)
    while run.last < steps:
        if run.run(steps - run.last) == 0 and not run.resume():
            break
    run.go_to(run.last if position is None else position)
    return run


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True, eq=False)
class Session:
    """A whole scenario file: the explorer's scenario and, optionally, the dataset workspace.

    Attributes
    ----------
    scenario : Scenario
        What the explorer shows (every file has one).
    workspace : str
        ``"explorer"`` or ``"dataset"``: which one the window shows.
    dataset : DatasetSetup or None
        The dataset workspace's setup, None when the file has none (every version-1 file).
    run_steps : int
        Training steps taken from the setup (0..:data:`MAX_RUN_STEPS`).
    run_position : int
        The step shown, 0..``run_steps``.
    run_start : numpy.ndarray or None
        The parameters the run started from, when not the model's own start (the window keeps
        what a model has learned when the data change, and a run continues from there).
    """

    scenario: Scenario
    workspace: str = "explorer"
    dataset: DatasetSetup | None = None
    run_steps: int = 0
    run_position: int = 0
    run_start: FloatArray | None = None

    def __post_init__(self) -> None:
        if self.workspace not in WORKSPACES:
            raise ScenarioError(f"'workspace' must be 'explorer' or 'dataset', got {self.workspace!r}")
        if self.workspace == "dataset" and self.dataset is None:
            raise ScenarioError("'workspace' is 'dataset' but there is no 'dataset' block")
        if not (_is_int(self.run_steps) and 0 <= self.run_steps <= MAX_RUN_STEPS):
            raise ScenarioError(f"'dataset.run.steps' must be a whole number in 0..{MAX_RUN_STEPS:,}")
        if not (_is_int(self.run_position) and 0 <= self.run_position <= self.run_steps):
            raise ScenarioError(f"'dataset.run.position' must be a whole number in 0..{self.run_steps} (the steps)")
        if self.run_start is not None:
            n = build_model(self.dataset).n_params if self.dataset is not None else -1
            start = np.asarray(self.run_start, dtype=float)
            if start.shape != (n,) or not np.all(np.isfinite(start)) or np.max(np.abs(start)) > PARAMETER_LIMIT:
                raise ScenarioError(f"'dataset.run.start' must be {n} finite numbers (the model's parameters)")
            object.__setattr__(self, "run_start", start)

    def same_as(self, other: Session) -> bool:
        starts_same = (self.run_start is None and other.run_start is None) or (
            self.run_start is not None and other.run_start is not None
            and np.array_equal(self.run_start, other.run_start))
        return (self.scenario.same_as(other.scenario) and self.workspace == other.workspace
                and self.dataset == other.dataset and self.run_steps == other.run_steps
                and self.run_position == other.run_position and starts_same)

    def replay(self) -> TrainingRun | None:
        """The saved run, replayed and at its position (None without a dataset)."""
        if self.dataset is None:
            return None
        return replay(self.dataset, self.run_steps, self.run_position, self.run_start)

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The file's content (current format version); ``workspace`` and ``dataset`` only when set."""
        out = self.scenario.to_dict()
        out["workspace"] = self.workspace
        if self.dataset is not None:
            block = setup_to_dict(self.dataset)
            block["run"] = {"steps": self.run_steps, "position": self.run_position}
            if self.run_start is not None:
                block["run"]["start"] = [float(v) for v in self.run_start]
            out["dataset"] = block
        return out

    def to_json(self) -> str:
        return dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> Session:
        """A session from a parsed file of any version (a version-1 file: the explorer, no dataset).

        Raises
        ------
        ScenarioError
            Naming the first problem found.
        """
        scenario = Scenario.from_dict(data)  # checks format, version and every explorer field
        assert isinstance(data, dict)
        workspace = data.get("workspace", "explorer")
        if not isinstance(workspace, str):
            raise ScenarioError("'workspace' must be a string")
        block = data.get("dataset")
        if block is None:
            return cls(scenario, workspace)
        if not isinstance(block, dict):
            raise ScenarioError("'dataset' must be an object")
        run = block.get("run", {"steps": 0, "position": 0})
        if not isinstance(run, dict):
            raise ScenarioError("'dataset.run' must be an object")
        bad = sorted(set(run) - {"steps", "position", "start"})
        if bad:
            raise ScenarioError(f"unknown field(s) in 'dataset.run': {', '.join(bad)}")
        steps = _check_value(run.get("steps", 0), "int", "dataset.run.steps")
        position = _check_value(run.get("position", steps), "int", "dataset.run.position")
        setup = setup_from_dict({k: v for k, v in block.items() if k != "run"})
        start = run.get("start")
        if start is not None:
            if not isinstance(start, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in start):
                raise ScenarioError("'dataset.run.start' must be a list of numbers")
            start = np.array(start, dtype=float)
        return cls(scenario, workspace, setup, steps, position, start)

    @classmethod
    def from_json(cls, text: str) -> Session:
        """Parse a file's text (at most :data:`MAX_FILE_BYTES` characters; a BOM is allowed)."""
        return from_json_text(text, MAX_FILE_BYTES, cls.from_dict)

    @classmethod
    def load(cls, path: StrPath) -> Session:
        """Read a scenario file of any version; ``ScenarioError`` starting with the file's name.

        Read as :meth:`Scenario.load` reads (a regular file, never waiting), up to
        :data:`MAX_FILE_BYTES`.
        """
        return from_json_file(path, MAX_FILE_BYTES, cls.from_dict)

    def save(self, path: StrPath) -> None:
        """Write atomically (as :meth:`Scenario.save`)."""
        user_files.check_save_target(path)
        user_files.write_file_atomic(path, self.to_json().encode("utf-8"))

