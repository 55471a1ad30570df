"""A scenario as plain data: target, prediction or logits, class names, settings.

Scenarios are immutable; every edit makes a new one (cheap: a few small arrays).
They are saved as versioned JSON (see ``docs/file-format.md``). Reading a file is
JSON only (no eval, no pickle), checked in full before anything is applied, and
bounded in size and class count.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ce_desktop.model import core, distributions, optim, user_files
from ce_desktop.model.types import ArrayLike, FloatArray, LogBase, StrPath

FORMAT_NAME = "ce-explorer-scenario"
#: Version written by this build. Every older version stays readable (tests/data/). Version 2
#: added the dataset workspace (``workspace``, ``dataset``: see :mod:`~ce_desktop.model.workspace_file`).
FORMAT_VERSION = 2
#: Largest scenario file :meth:`Scenario.load` reads, in bytes (the explorer's part; a file with a
#: dataset block is read by :class:`~ce_desktop.model.workspace_file.Session`, up to 40 MB).
MAX_FILE_BYTES = 2_000_000
#: Most classes a scenario may have.
MAX_CLASSES = 1000
#: Longest class name, in characters.
MAX_NAME_LENGTH = 40
UNITS = ("nats", "bits")


class ScenarioError(ValueError):
    """A scenario (or its file) that cannot be used; the message says why."""


@dataclass(frozen=True)
class DescentSettings:
    """How gradient descent runs: optimiser, its parameters, speed and stopping rules."""

    optimizer: str = "sgd"
    learning_rate: float = 1.0
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    steps_per_second: float = 10.0
    max_steps: int = 500
    #: Stop when KL(y || y_hat) falls below this (nats).
    tolerance: float = 1e-4

    def checked(self) -> DescentSettings:
        """Return self after validating every field (``ScenarioError`` otherwise)."""
        try:
            self.optimizer_settings(1.0)
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        try:
            speed, steps, tolerance = float(self.steps_per_second), float(self.max_steps), float(self.tolerance)
        except (TypeError, ValueError):
            raise ScenarioError("speed, max steps and tolerance must be numbers") from None
        if not (0.01 <= speed <= 240):
            raise ScenarioError(f"speed must lie in 0.01..240 steps per second, got {self.steps_per_second!r}")
        # Checked as a float first: int(1e400) would raise OverflowError, not a clear message.
        if not (math.isfinite(steps) and steps == int(steps) and 1 <= steps <= 1_000_000):
            raise ScenarioError(f"max steps must be a whole number in 1..1000000, got {self.max_steps!r}")
        if not (0 <= tolerance < 10):
            raise ScenarioError(f"tolerance must lie in [0, 10), got {self.tolerance!r}")
        return self

    def optimizer_settings(self, temperature: float) -> optim.OptimizerSettings:
        """The core's settings for this descent at the given softmax temperature."""
        return optim.OptimizerSettings(
            self.optimizer,
            float(self.learning_rate),
            float(self.momentum),
            float(self.beta1),
            float(self.beta2),
            1e-8,
            float(temperature),
        ).checked()


def default_names(n: int) -> tuple[str, ...]:
    """``("class 1", ..., "class n")``."""
    return tuple(f"class {i + 1}" for i in range(n))


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything needed to reproduce what the explorer shows.

    Attributes
    ----------
    target : numpy.ndarray, shape (C,)
        The target before label smoothing (hard or soft).
    prediction : numpy.ndarray, shape (C,)
        The predicted distribution. In logits mode it is ``softmax(logits / temperature)``.
    logits : numpy.ndarray or None
        Set in logits mode (the logits are then the thing being edited), else None.
    class_names : tuple of str
    temperature : float
        Softmax temperature of the logits mode (> 0).
    label_smoothing : float
        epsilon in [0, 1]; the effective target is ``smooth_labels(target, epsilon)``.
    units : str
        ``"nats"`` or ``"bits"``.
    title, description : str
        Shown in the window title / presets list.
    descent : DescentSettings
    """

    target: FloatArray
    prediction: FloatArray
    logits: FloatArray | None = None
    class_names: tuple[str, ...] = ()
    temperature: float = 1.0
    label_smoothing: float = 0.0
    units: str = "nats"
    title: str = ""
    description: str = ""
    descent: DescentSettings = field(default_factory=DescentSettings)

    # ------------------------------------------------------------------ building

    @classmethod
    def create(
        cls,
        target: ArrayLike,
        prediction: ArrayLike | None = None,
        *,
        logits: ArrayLike | None = None,
        class_names: Sequence[str] | None = None,
        temperature: float = 1.0,
        label_smoothing: float = 0.0,
        units: str = "nats",
        title: str = "",
        description: str = "",
        descent: DescentSettings | None = None,
    ) -> Scenario:
        """Build and validate a scenario; give either ``prediction`` or ``logits``.

        Raises
        ------
        ScenarioError
            If anything is invalid; the message names the field.
        """
        try:
            # Normalised by the core where it enters (see distributions.ROUNDING_TOLERANCE).
            y = distributions.validate_distribution(target, "target")
            if y.ndim != 1:
                raise ValueError("target must be one distribution (1-D)")
            n = y.shape[0]
            if n > MAX_CLASSES:
                raise ValueError(f"at most {MAX_CLASSES} classes are supported, got {n}")
            t = float(temperature)
            if not (math.isfinite(t) and 0.01 <= t <= 100):
                raise ValueError(f"temperature must lie in 0.01..100, got {temperature!r}")
            if logits is not None:
                z = distributions.validate_logits(logits)
                if z.shape != y.shape:
                    raise ValueError(f"logits have {z.shape[-1]} classes but the target has {n}")
                if not np.all(np.isfinite(z)):
                    raise ValueError("logits must be finite numbers")
                if np.max(np.abs(z)) > optim.LOGIT_LIMIT:  # the bound of every descent run too
                    raise ValueError(f"logits must lie within ±{optim.LOGIT_LIMIT:,.0f}")
                z = z.copy()
                p = core.softmax(z, t)
            else:
                if prediction is None:
                    raise ValueError("give a prediction or logits")
                z = None
                # Divided by its sum if it is off 1 by more than rounding (the core's one rule).
                p = distributions.validate_distribution(prediction, "prediction")
                if p.shape != y.shape:
                    raise ValueError(f"prediction has {p.shape[-1]} classes but the target has {n}")
                p = p.copy()  # never share the caller's array
            eps = float(label_smoothing)
            if not (0.0 <= eps <= 1.0):
                raise ValueError(f"label smoothing must lie in [0, 1], got {label_smoothing!r}")
            if units not in UNITS:
                raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
            if isinstance(class_names, _CleanNames):
                # A scenario's own names (replace(), every drag move): clean already.
                names: tuple[str, ...] = class_names
            else:
                names = default_names(n) if class_names is None else tuple(str(s) for s in class_names)
                names = _CleanNames(_clean_name(s, i) for i, s in enumerate(names))
            if len(names) != n:
                raise ValueError(f"{len(names)} class names given for {n} classes")
            d = (descent or DescentSettings()).checked()
        except ScenarioError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise ScenarioError(str(exc)) from None
        return cls(y.copy(), p, z, names, t, eps, units, str(title)[:200], str(description)[:2000], d)

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with some fields changed (``prediction`` follows ``logits``)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields.update(changes)
        fields["class_names"] = fields["class_names"] or None
        if "logits" in changes and changes["logits"] is not None:
            fields["prediction"] = None
        elif fields["logits"] is not None and ("temperature" in changes):
            fields["prediction"] = None
        return Scenario.create(**fields)

    # ------------------------------------------------------------------ derived

    @property
    def num_classes(self) -> int:
        return int(self.target.shape[0])

    @property
    def logits_mode(self) -> bool:
        return self.logits is not None

    @property
    def effective_target(self) -> FloatArray:
        """The target after label smoothing: what the loss is computed against."""
        if self.label_smoothing == 0.0:
            return self.target
        return distributions.smooth_labels(self.target, self.label_smoothing)

    @property
    def base(self) -> LogBase:
        """Logarithm base for the core: None (nats) or 2 (bits)."""
        return 2 if self.units == "bits" else None

    def evaluate(self) -> core.Evaluation:
        """Every number the app shows, in the scenario's units."""
        return core.evaluate(self.effective_target, self.prediction, self.base, self.logits, self.temperature)

    def same_as(self, other: Scenario) -> bool:
        """True when the two scenarios hold exactly the same data."""
        if self is other:
            return True
        if not isinstance(other, Scenario):
            return False
        # The arrays first, the prediction first of all: a drag or a descent step changes it,
        # and this runs several times per frame (undo, the document's modified flag).
        for name in _ARRAY_FIELDS:
            a, b = getattr(self, name), getattr(other, name)
            if a is b:
                continue
            # A scenario's arrays are finite (validated), so == is exact equality.
            if a is None or b is None or a.shape != b.shape or not (a == b).all():
                return False
        for name in _OTHER_FIELDS:
            if getattr(self, name) != getattr(other, name):
                return False
        return True

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The scenario in the current file format (plain JSON types)."""
        out: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "title": self.title,
            "description": self.description,
            "class_names": list(self.class_names),
            "target": [float(v) for v in self.target],
            "label_smoothing": self.label_smoothing,
            "units": self.units,
            "temperature": self.temperature,
            "descent": dataclasses.asdict(self.descent),
        }
        if self.logits is not None:
            out["logits"] = [float(v) for v in self.logits]
        else:
            out["prediction"] = [float(v) for v in self.prediction]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        """Build a scenario from a parsed file, of any supported version.

        Of a version-2 file only the explorer's part is read: ``workspace`` and ``dataset`` are
        left to :class:`~ce_desktop.model.workspace_file.Session`.

        Raises
        ------
        ScenarioError
            Naming the first problem found. Nothing is applied anywhere before this returns.
        """
        if not isinstance(data, dict):
            raise ScenarioError("a scenario must be a JSON object")
        if data.get("format") != FORMAT_NAME:
            raise ScenarioError(f"not a CE Explorer scenario (format is {data.get('format')!r})")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ScenarioError("the scenario has no valid version number")
        if version > FORMAT_VERSION:
            raise ScenarioError(
                f"this scenario was written in format version {version}, newer than this "
                f"CE Explorer understands ({FORMAT_VERSION}); please update the app"
            )
        if version < 1:
            raise ScenarioError(f"unknown scenario format version {version}")
        allowed = {
            "format", "version", "title", "description", "class_names", "target",
            "prediction", "logits", "label_smoothing", "units", "temperature", "descent", "run",
        }
        if version >= 2:
            allowed |= {"workspace", "dataset"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ScenarioError(f"unknown field(s) in scenario: {', '.join(unknown)}")
        if "target" not in data:
            raise ScenarioError("the scenario has no 'target'")
        if ("prediction" in data) == ("logits" in data):
            raise ScenarioError("a scenario needs exactly one of 'prediction' or 'logits'")
        target = _number_list(data["target"], "target")
        pred = _number_list(data["prediction"], "prediction") if "prediction" in data else None
        logits = _number_list(data["logits"], "logits") if "logits" in data else None
        names = data.get("class_names")
        if names is not None:
            if not isinstance(names, list) or not all(isinstance(s, str) for s in names):
                raise ScenarioError("'class_names' must be a list of strings")
        descent_data = data.get("descent", {})
        if not isinstance(descent_data, dict):
            raise ScenarioError("'descent' must be an object")
        known = {f.name: f for f in dataclasses.fields(DescentSettings)}
        bad = sorted(set(descent_data) - set(known))
        if bad:
            raise ScenarioError(f"unknown field(s) in 'descent': {', '.join(bad)}")
        for k, v in descent_data.items():
            expected = str if k == "optimizer" else (int, float)
            if isinstance(v, bool) or not isinstance(v, expected):
                raise ScenarioError(f"'descent.{k}' has the wrong type")
            if _too_large(v):
                raise ScenarioError(f"'descent.{k}' is too large a number")
        descent = DescentSettings(**descent_data)
        for key in ("label_smoothing", "temperature"):
            v = data.get(key, 0.0 if key == "label_smoothing" else 1.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ScenarioError(f"'{key}' must be a number")
            if _too_large(v):
                raise ScenarioError(f"'{key}' is too large a number")
        for key in ("title", "description", "units"):
            if key in data and not isinstance(data[key], str):
                raise ScenarioError(f"'{key}' must be a string")
        return cls.create(
            target,
            pred,
            logits=logits,
            class_names=names,
            temperature=data.get("temperature", 1.0),
            label_smoothing=data.get("label_smoothing", 0.0),
            units=data.get("units", "nats"),
            title=data.get("title", ""),
            description=data.get("description", ""),
            descent=descent,
        )

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """Parse a scenario from JSON text (a leading byte-order mark is allowed)."""
        return from_json_text(text, MAX_FILE_BYTES, cls.from_dict)

    @classmethod
    def load(cls, path: StrPath) -> Scenario:
        """Read a scenario file. ``ScenarioError`` (with the file name) on any problem.

        Only a regular file is read, without waiting and at most :data:`MAX_FILE_BYTES`
        (see :func:`user_files.read_json_file`).
        """
        return from_json_file(path, MAX_FILE_BYTES, cls.from_dict)

    def save(self, path: StrPath) -> None:
        """Write atomically: a temporary file beside the target, then a rename.

        Raises ``user_files.FileError`` if ``path`` is a folder, pipe, device or socket
        (nothing is written), ``OSError`` if the write fails (any old file is intact).
        """
        user_files.check_save_target(path)
        user_files.write_file_atomic(path, self.to_json().encode("utf-8"))


#: Scenario's fields holding arrays (compared elementwise by same_as), the most changeable first.
_ARRAY_FIELDS = ("prediction", "logits", "target")
_OTHER_FIELDS = tuple(f.name for f in dataclasses.fields(Scenario) if f.name not in _ARRAY_FIELDS)


_T = TypeVar("_T")


def from_json_text(text: str, limit: int, from_dict: Callable[[Any], _T]) -> _T:
    """``from_dict`` of JSON ``text`` of at most ``limit`` characters; ``ScenarioError`` on any problem."""
    try:
        data = user_files.parse_json(text, limit, "file")
    except user_files.FileError as exc:
        raise ScenarioError(str(exc)) from None
    return from_dict(data)


def from_json_file(path: StrPath, limit: int, from_dict: Callable[[Any], _T]) -> _T:
    """``from_dict`` of a scenario file's JSON (a regular file, never waiting, at most ``limit``
    bytes); ``ScenarioError`` starting with the file's name on any problem."""
    p = Path(path)
    try:
        data = user_files.read_json_file(p, limit, "scenario")
    except user_files.FileError as exc:
        raise ScenarioError(str(exc)) from None
    try:
        return from_dict(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{p.name}: {exc}") from None


def _number_list(value: Any, name: str) -> list[float]:
    if not isinstance(value, list):
        raise ScenarioError(f"'{name}' must be a list of numbers")
    if len(value) > MAX_CLASSES:
        raise ScenarioError(f"'{name}' has {len(value)} classes; at most {MAX_CLASSES} are supported")
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ScenarioError(f"'{name}' entry {i} is not a number: {v!r}")
        if _too_large(v):
            raise ScenarioError(f"'{name}' entry {i} is too large a number")
    return [float(v) for v in value]


def _too_large(v: Any) -> bool:
    """An integer beyond every float (JSON allows 1000...0; ``float()`` of it raises OverflowError)."""
    return isinstance(v, int) and abs(v) > sys.float_info.max


class _CleanNames(tuple[str, ...]):
    """Class names that went through :func:`_clean_name` (a plain tuple otherwise), so that
    ``replace`` does not clean 1000 names again on every drag move."""

    __slots__ = ()


def _clean_name(name: str, index: int) -> str:
    s = " ".join(str(name).split())[:MAX_NAME_LENGTH]
    return s or f"class {index + 1}"
