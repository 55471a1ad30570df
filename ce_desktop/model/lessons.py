"""Lessons: sequences of slides, each a scenario plus a caption, stored as versioned JSON.

A lesson file looks like this (see the README, "Teaching with CE Explorer")::

    {
      "format": "ce-explorer-lesson",
      "version": 1,
      "name": "my-lesson",
      "title": "My lesson",
      "slides": [
        {"title": "Hard labels",
         "caption": "Only the true class counts: CE = {ce} {units}.",
         "panels": ["editors", "readouts"],
         "scenario": {"target": [1, 0, 0], "prediction": [0.7, 0.2, 0.1]}}
      ]
    }

A slide's scenario is either inline (the fields of a scenario file; ``format`` and
``version`` may be left out) or ``"scenario_file": "name.json"``, a scenario file in the
lesson's own folder (absolute paths, ``..`` and links leading out of the folder are
refused). Reading is JSON only, bounded in size, and checked in full before anything is
used: a lesson either loads completely or raises :class:`LessonError` saying what is wrong
and where.

Captions may contain placeholders such as ``{ce}`` that the app fills in with numbers it
computes itself (:func:`render_caption`), so a caption never has to quote a number.
A slide may instead show the dataset workspace (``"workspace": "dataset"``, with a
``"dataset"`` block, ``"train_steps"`` and panels of its own): see
:mod:`~ce_desktop.model.lessons_dataset` and ``docs/teaching.md``. This module is Qt-free.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ce_desktop import resources
from ce_desktop.model import formatting as fmt
from ce_desktop.model import lessons_dataset, user_files
from ce_desktop.model.lessons_dataset import DATASET_PANELS as DATASET_PANELS  # re-exported for the window
from ce_desktop.model.lessons_dataset import DATASET_PLACEHOLDERS
from ce_desktop.model.scenario import FORMAT_NAME as SCENARIO_FORMAT
from ce_desktop.model.scenario import FORMAT_VERSION as SCENARIO_VERSION
from ce_desktop.model.scenario import Scenario, ScenarioError
from ce_desktop.model.types import StrPath

if TYPE_CHECKING:  # the dataset side loads with the first dataset slide, not at start-up
    from ce_desktop.model.training import TrainingRun
    from ce_desktop.model.workspace import DatasetSetup

FORMAT_NAME = "ce-explorer-lesson"
#: Version written and understood by this build.
FORMAT_VERSION = 1
#: Largest lesson file we read, in bytes (a scenario file referred to has its own limit).
MAX_FILE_BYTES = 1_000_000
#: Most slides a lesson may have.
MAX_SLIDES = 200
#: Longest caption, title and description, in characters.
MAX_CAPTION = 2000
MAX_TITLE = 120
MAX_DESCRIPTION = 2000
#: Most descent steps a slide may ask for.
MAX_DESCENT_STEPS = 10_000
#: Names of the panels a slide can show; the window maps each to a dock or tab.
PANELS = ("editors", "readouts", "contributions", "gradient", "formula", "descent", "binary", "comparison")
#: Panels shown by a slide that does not say.
DEFAULT_PANELS = ("editors", "readouts", "contributions", "formula")
#: Plots a slide can name as its main plot (the one that gets most of the room).
MAIN_PLOTS = ("loss_plot", "binary", "comparison", "contributions", "gradient", "prediction", "target")


def default_main_plot(panels: Collection[str]) -> str:
    """The main plot of a slide that does not name one: the loss curve of a descent slide,
    else its binary, comparison, per-class or gradient plot, else the prediction editor."""
    shown = set(panels)
    for panel, plot in (("descent", "loss_plot"), ("binary", "binary"), ("comparison", "comparison"),
                        ("contributions", "contributions"), ("gradient", "gradient")):
        if panel in shown:
            return plot
    return "prediction"
#: Where the built-in lessons live (inside the package: see :mod:`ce_desktop.resources`).
BUILTIN_DIR = resources.lessons_dir()

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class LessonError(ValueError):
    """A lesson (or its file) that cannot be used; the message says why and where."""


@dataclass(frozen=True, eq=False)
class Slide:
    """One step of a lesson.

    Attributes
    ----------
    scenario : Scenario
        What the explorer shows (target, prediction or logits, names, units, ...).
    caption : str
        A short text in the app's words; may contain placeholders (:data:`PLACEHOLDERS`).
    title : str
        A heading for the slide.
    panels : tuple of str
        The panels to show, a subset of :data:`PANELS`, in no particular order.
    descent_steps : int
        Gradient-descent steps the slide plays (0: none), with the scenario's descent
        settings. The slide opens at step 0; the run plays them when the presenter presses
        Space (Play), or on entering when ``autoplay`` is set.
    main_plot : str
        The plot that gets most of the room, one of :data:`MAIN_PLOTS` (by default
        :func:`default_main_plot` of the panels).
    autoplay : bool
        Play the descent steps (or the training steps) as soon as the slide is shown.
    workspace : str
        ``"explorer"`` or ``"dataset"``. A dataset slide's panels are from
        :data:`~ce_desktop.model.lessons_dataset.DATASET_PANELS`, its main plot one of them
        (default ``"plane"``), and ``scenario`` is a plain one for the explorer beside it.
    dataset : DatasetSetup or None
        The dataset workspace's setup (dataset slides only).
    train_steps : int
        Training steps a dataset slide plays, as ``descent_steps`` (opens at step 0).
    select : int or None
        The point whose single-sample views a dataset slide shows, or None.
    """

    scenario: Scenario
    caption: str
    title: str = ""
    panels: tuple[str, ...] = DEFAULT_PANELS
    descent_steps: int = 0
    main_plot: str = ""
    autoplay: bool = False
    workspace: str = "explorer"
    dataset: DatasetSetup | None = None
    train_steps: int = 0
    select: int | None = None

    def __post_init__(self) -> None:
        if not self.main_plot:
            dataset_plot = "plane" if "plane" in self.panels else self.panels[0]
            object.__setattr__(self, "main_plot", default_main_plot(self.panels)
                               if self.workspace == "explorer" else dataset_plot)

    def shows(self, panel: str) -> bool:
        return panel in self.panels


@dataclass(frozen=True, eq=False)
class Lesson:
    """A named sequence of slides."""

    name: str
    title: str
    slides: tuple[Slide, ...]
    description: str = ""
    #: The file it came from (None when built in code).
    path: Path | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.slides)

    def slide(self, number: int) -> Slide:
        """Slide ``number``, counted from 1 (as on the command line)."""
        n = int(number)
        if not 1 <= n <= len(self.slides):
            raise LessonError(f"lesson {self.name!r} has slides 1..{len(self.slides)}, not {number}")
        return self.slides[n - 1]


# --------------------------------------------------------------------------- captions

#: Placeholders a caption may use, and what each becomes.
PLACEHOLDERS = {
    "ce": "cross-entropy, in the slide's units",
    "entropy": "H(y) of the (effective) target",
    "kl": "KL(y ‖ ŷ)",
    "perplexity": "the perplexity (base ** CE)",
    "units": "'nats' or 'bits'",
    "ce_nats": "cross-entropy in nats", "ce_bits": "cross-entropy in bits",
    "entropy_nats": "H(y) in nats", "entropy_bits": "H(y) in bits",
    "kl_nats": "KL in nats", "kl_bits": "KL in bits",
    "p_true": "the predicted probability of the true class (the target's largest entry)",
    "y_true": "the target's probability of that class",
    "true_class": "that class's name",
    "gradient": "the gradient ŷ − y, one number per class",
    "target": "the effective target, one number per class",
    "prediction": "the prediction, one number per class",
    "classes": "the number of classes",
}
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


def _vector(values: Iterable[float]) -> str:
    return "(" + ", ".join(fmt.number(v) for v in values) + ")"


def caption_values(scenario: Scenario) -> dict[str, str]:
    """Every placeholder's text for ``scenario``; the numbers come from the core (through Scenario)."""
    ev = scenario.evaluate()
    other_units = "bits" if scenario.units == "nats" else "nats"
    ev_other = scenario.replace(units=other_units).evaluate()
    by_unit = {scenario.units: ev, other_units: ev_other}
    y = scenario.effective_target
    k = int(np.argmax(y))
    out = {
        "ce": fmt.number(ev.cross_entropy),
        "entropy": fmt.number(ev.entropy),
        "kl": fmt.number(ev.kl_divergence),
        "perplexity": fmt.number(ev.perplexity),
        "units": scenario.units,
        "p_true": fmt.number(scenario.prediction[k]),
        "y_true": fmt.number(y[k]),
        "true_class": scenario.class_names[k],
        "gradient": _vector(ev.gradient),
        "target": _vector(y),
        "prediction": _vector(scenario.prediction),
        "classes": str(scenario.num_classes),
    }
    for unit in ("nats", "bits"):
        e = by_unit[unit]
        out[f"ce_{unit}"] = fmt.number(e.cross_entropy)
        out[f"entropy_{unit}"] = fmt.number(e.entropy)
        out[f"kl_{unit}"] = fmt.number(e.kl_divergence)
    return out


def render_caption(caption: str, scenario: Scenario) -> str:
    """The caption with each ``{placeholder}`` replaced by its value for ``scenario``.

    Only the names in :data:`PLACEHOLDERS` are replaced (no format-string machinery, so a
    caption cannot reach anything else); other braces are left as they are.
    """
    if "{" not in caption:
        return caption
    values = caption_values(scenario)
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), caption)


def render_dataset_caption(caption: str, setup: DatasetSetup, run: TrainingRun) -> str:
    """A dataset slide's caption with each placeholder of :data:`DATASET_PLACEHOLDERS` replaced by
    its value for ``run`` at its current step (the window's run, or :func:`slide_run`)."""
    if "{" not in caption:
        return caption
    values = lessons_dataset.caption_values(setup, run)
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), caption)


def slide_run(slide: Slide) -> TrainingRun:
    """A dataset slide's run after its ``train_steps`` steps (replayed from its setup)."""
    if slide.dataset is None:
        raise LessonError("slide_run needs a dataset slide")
    return lessons_dataset.slide_run(slide.dataset, slide.train_steps)


def render_slide_caption(slide: Slide) -> str:
    """The caption as the slide opens with its steps played: the scenario's numbers for an explorer
    slide, the run's after ``train_steps`` steps for a dataset slide."""
    if slide.dataset is None:
        return render_caption(slide.caption, slide.scenario)
    return render_dataset_caption(slide.caption, slide.dataset, slide_run(slide))


def _check_placeholders(caption: str, where: str, known: Collection[str] = tuple(PLACEHOLDERS)) -> None:
    unknown = sorted({m for m in _PLACEHOLDER_RE.findall(caption) if m not in known})
    if unknown:
        raise LessonError(f"{where}: unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}; "
                          f"known: {', '.join(known)}")


# --------------------------------------------------------------------------- reading


def _text(data: dict[str, Any], key: str, where: str, limit: int, required: bool = False) -> str:
    if key not in data:
        if required:
            raise LessonError(f"{where}: missing '{key}'")
        return ""
    v = data[key]
    if not isinstance(v, str):
        raise LessonError(f"{where}: '{key}' must be a string")
    if len(v) > limit:
        raise LessonError(f"{where}: '{key}' is {len(v)} characters long; at most {limit} are allowed")
    return v


def _safe_scenario_path(folder: Path | None, name: Any, where: str) -> Path:
    """Resolve a scenario file name inside ``folder``; refuse anything that could leave it."""
    if folder is None:
        raise LessonError(f"{where}: 'scenario_file' can only be used in a lesson loaded from a file")
    if not isinstance(name, str) or not name.strip():
        raise LessonError(f"{where}: 'scenario_file' must be a file name")
    if "\x00" in name or len(name) > 255:
        raise LessonError(f"{where}: 'scenario_file' is not a usable file name")
    pure = Path(name)
    if pure.is_absolute() or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise LessonError(f"{where}: 'scenario_file' must be relative to the lesson's folder, not {name!r}")
    parts = re.split(r"[\\/]", name)
    if ".." in parts:
        raise LessonError(f"{where}: 'scenario_file' may not use '..' ({name!r}); keep scenarios beside the lesson")
    try:
        base = folder.resolve()
        target = (base / pure).resolve()
    except RuntimeError:  # what Path.resolve raises for a loop of symbolic links (Python < 3.13)
        raise LessonError(f"{where}: 'scenario_file' {name!r} is a loop of symbolic links") from None
    except OSError as exc:
        raise LessonError(f"{where}: 'scenario_file' {name!r}: {exc.strerror or exc}") from None
    if target != base and base not in target.parents:
        raise LessonError(f"{where}: 'scenario_file' {name!r} leads outside the lesson's folder")
    return target


def _slide_from_dict(data: Any, index: int, folder: Path | None) -> Slide:
    where = f"slide {index + 1}"
    if not isinstance(data, dict):
        raise LessonError(f"{where}: must be a JSON object")
    workspace = data.get("workspace", "explorer")
    if workspace not in ("explorer", "dataset"):
        raise LessonError(f"{where}: 'workspace' must be 'explorer' or 'dataset', got {workspace!r}")
    allowed = {"title", "caption", "panels", "scenario", "scenario_file", "descent_steps", "main_plot", "autoplay"}
    if workspace == "dataset":
        allowed |= lessons_dataset.KEYS
    unknown = sorted(set(data) - allowed - {"workspace"})
    if unknown:
        raise LessonError(f"{where}: unknown field(s) {', '.join(unknown)}")
    title = _text(data, "title", where, MAX_TITLE)
    caption = _text(data, "caption", where, MAX_CAPTION, required=True)
    if workspace == "dataset":
        _check_placeholders(caption, where, tuple(DATASET_PLACEHOLDERS))
        return _dataset_slide(data, where, title, caption)
    _check_placeholders(caption, where)

    panels = data.get("panels", list(DEFAULT_PANELS))
    if not isinstance(panels, list) or not all(isinstance(p, str) for p in panels):
        raise LessonError(f"{where}: 'panels' must be a list of panel names")
    bad = [p for p in panels if p not in PANELS]
    if bad:
        raise LessonError(f"{where}: unknown panel(s) {', '.join(map(repr, bad))}; known: {', '.join(PANELS)}")
    if not panels:
        raise LessonError(f"{where}: 'panels' must name at least one panel")
    panels_t = tuple(dict.fromkeys(panels))

    steps = data.get("descent_steps", 0)
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise LessonError(f"{where}: 'descent_steps' must be a whole number")
    if not 0 <= steps <= MAX_DESCENT_STEPS:
        raise LessonError(f"{where}: 'descent_steps' must lie in 0..{MAX_DESCENT_STEPS}, got {steps}")

    main_plot = data.get("main_plot", default_main_plot(panels_t))
    if main_plot not in MAIN_PLOTS:
        raise LessonError(f"{where}: 'main_plot' must be one of {', '.join(MAIN_PLOTS)}, got {main_plot!r}")
    autoplay = data.get("autoplay", False)
    if not isinstance(autoplay, bool):
        raise LessonError(f"{where}: 'autoplay' must be true or false")
    if autoplay and not steps:
        raise LessonError(f"{where}: 'autoplay' needs 'descent_steps'")

    if ("scenario" in data) == ("scenario_file" in data):
        raise LessonError(f"{where}: needs exactly one of 'scenario' or 'scenario_file'")
    try:
        if "scenario" in data:
            raw = data["scenario"]
            if not isinstance(raw, dict):
                raise LessonError(f"{where}: 'scenario' must be a JSON object")
            raw = {"format": SCENARIO_FORMAT, "version": SCENARIO_VERSION, **raw}
            scenario = Scenario.from_dict(raw)
        else:
            path = _safe_scenario_path(folder, data["scenario_file"], where)
            scenario = Scenario.load(path)
        if title and not scenario.title:
            scenario = scenario.replace(title=title)  # the window's title then names the slide
    except ScenarioError as exc:
        raise LessonError(f"{where}: {exc}") from None
    return Slide(scenario, caption, title, panels_t, steps, main_plot, autoplay)


def _dataset_slide(data: dict[str, Any], where: str, title: str, caption: str) -> Slide:
    try:
        part = lessons_dataset.parse(data)
    except ValueError as exc:
        raise LessonError(f"{where}: {exc}") from None
    c = part.setup.data.num_classes
    # The explorer beside the slide: its selected point's class (or the first) against a uniform guess.
    true = part.setup.data.labels[part.select or 0]
    target = [1.0 if k == true else 0.0 for k in range(c)]
    names = [" ".join(n.split()) for n in part.setup.data.class_names]
    scenario = Scenario.create(target, [1.0 / c] * c, class_names=names, title=title)
    return Slide(scenario, caption, title, part.panels, 0, part.main_plot, part.autoplay, "dataset",
                 part.setup, part.train_steps, part.select)


def lesson_from_dict(data: Any, folder: Path | None = None, path: Path | None = None) -> Lesson:
    """Build a lesson from parsed JSON; ``folder`` is where ``scenario_file`` names are looked up.

    Raises
    ------
    LessonError
        Naming the first problem found (and the slide it is on).
    """
    if not isinstance(data, dict):
        raise LessonError("a lesson must be a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise LessonError(f"not a CE Explorer lesson (format is {data.get('format')!r}, expected {FORMAT_NAME!r})")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise LessonError("the lesson has no valid version number")
    if version > FORMAT_VERSION:
        raise LessonError(f"this lesson was written in format version {version}, newer than this "
                          f"CE Explorer understands ({FORMAT_VERSION}); please update the app")
    if version < 1:
        raise LessonError(f"unknown lesson format version {version}")
    unknown = sorted(set(data) - {"format", "version", "name", "title", "description", "slides"})
    if unknown:
        raise LessonError(f"unknown field(s) in lesson: {', '.join(unknown)}")
    name = _text(data, "name", "lesson", 64, required=True)
    if not _NAME_RE.match(name):
        raise LessonError(f"lesson name {name!r} must be 1-64 letters, digits, '-', '_' or '.', "
                          "starting with a letter or digit (it is typed on the command line)")
    title = _text(data, "title", "lesson", MAX_TITLE, required=True)
    description = _text(data, "description", "lesson", MAX_DESCRIPTION)
    slides = data.get("slides")
    if not isinstance(slides, list):
        raise LessonError("the lesson needs a list of 'slides'")
    if not slides:
        raise LessonError("the lesson has no slides")
    if len(slides) > MAX_SLIDES:
        raise LessonError(f"the lesson has {len(slides)} slides; at most {MAX_SLIDES} are allowed")
    parsed = tuple(_slide_from_dict(s, i, folder) for i, s in enumerate(slides))
    return Lesson(name, title, parsed, description, path)


def lesson_from_json(text: str, folder: Path | None = None, path: Path | None = None) -> Lesson:
    """Parse a lesson from JSON text (JSON only; ``NaN``/``Infinity`` are refused; a BOM is allowed)."""
    try:
        data = user_files.parse_json(text, MAX_FILE_BYTES, "lesson")
    except user_files.FileError as exc:
        raise LessonError(str(exc)) from None
    return lesson_from_dict(data, folder, path)


def load(path: StrPath) -> Lesson:
    """Read a lesson file; ``LessonError`` starting with the file's name on any problem.

    Read as scenario files are (:func:`user_files.read_json_file`): a regular file only,
    never waiting, at most :data:`MAX_FILE_BYTES`.
    """
    p = Path(path)
    try:
        data = user_files.read_json_file(p, MAX_FILE_BYTES, "lesson")
    except user_files.FileError as exc:
        raise LessonError(str(exc)) from None
    try:
        return lesson_from_dict(data, folder=p.parent, path=p)
    except LessonError as exc:
        raise LessonError(f"{p.name}: {exc}") from None


# --------------------------------------------------------------------------- built-in lessons


def _load_builtin() -> tuple[Lesson, ...]:
    if not BUILTIN_DIR.is_dir():
        return ()
    out = []
    for p in sorted(BUILTIN_DIR.glob("*.json")):
        try:
            out.append(load(p))
        except LessonError as exc:  # a damaged install loses that lesson, not the whole app
            warnings.warn(f"built-in lesson skipped: {exc}", RuntimeWarning, stacklevel=2)
    # The seed page's lesson comes first, whatever the file names sort to.
    out.sort(key=lambda lesson: (lesson.name != SEED_LESSON, lesson.name))
    return tuple(out)


#: Name of the built-in lesson that walks through the seed page.
SEED_LESSON = "cross-entropy"
_BUILTIN: tuple[Lesson, ...] | None = None


def builtin_lessons() -> tuple[Lesson, ...]:
    """The built-in lessons, loaded from :data:`BUILTIN_DIR` the first time they are asked for
    (also as ``lessons.LESSONS``). Not at import: a dataset slide generates its points and the
    app's start should not pay for that before anyone opens a lesson."""
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = _load_builtin()
    return _BUILTIN


@dataclass(frozen=True)
class LessonSummary:
    """What the Lesson menu shows of a built-in lesson, read without checking its slides."""

    name: str
    title: str
    slides: int


def builtin_summaries() -> tuple[LessonSummary, ...]:
    """Name, title and slide count of each built-in lesson, in :func:`builtin_lessons`' order,
    read from the files' JSON alone (the menu at start-up); a file that is not even JSON is left out."""
    import json

    if _BUILTIN is not None:
        return tuple(LessonSummary(x.name, x.title, len(x.slides)) for x in _BUILTIN)
    out = []
    for p in sorted(BUILTIN_DIR.glob("*.json")) if BUILTIN_DIR.is_dir() else ():
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            out.append(LessonSummary(str(data["name"]), str(data["title"]), len(data["slides"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    out.sort(key=lambda x: (x.name != SEED_LESSON, x.name))
    return tuple(out)


def __getattr__(name: str) -> Any:
    if name == "LESSONS":
        return builtin_lessons()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def names() -> list[str]:
    return [lesson.name for lesson in builtin_lessons()]


def get(name_or_path: StrPath) -> Lesson:
    """A built-in lesson by name, or a lesson file by path.

    Raises
    ------
    LessonError
        If no built-in lesson has that name and no such file exists (listing the names),
        or if the file is not a valid lesson.
    """
    text = str(name_or_path)
    for lesson in builtin_lessons():
        if lesson.name == text:
            return lesson
    p = Path(text).expanduser()
    if p.suffix.lower() == ".json" or p.exists() or "/" in text or "\\" in text:
        return load(p)
    raise LessonError(f"unknown lesson {text!r}; choose from: {', '.join(names())}, or give a lesson file (.json)")
