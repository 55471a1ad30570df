"""Lesson slides on the dataset workspace: reading their fields and filling in their captions. No Qt.

A slide with ``"workspace": "dataset"`` holds a ``"dataset"`` block (the scenario file's block
without ``run``, :func:`~ce_desktop.model.workspace_file.setup_from_dict`; a ``generator`` alone
makes the data), ``"train_steps"`` (the training steps the slide plays), an optional
``"select"`` (a point whose single-sample views are shown) and panels from
:data:`DATASET_PANELS`. Its caption's placeholders (:data:`DATASET_PLACEHOLDERS`) are computed
from the run: :func:`caption_values` of a run at any step, :func:`slide_run` for the run after
the slide's steps. :mod:`~ce_desktop.model.lessons` calls :func:`parse`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ce_desktop.model import formatting as fmt
from ce_desktop.model.scenario import ScenarioError

if TYPE_CHECKING:  # imported where used: a lesson's module loads at start-up, its datasets on first use
    from ce_desktop.model.training import TrainingRun
    from ce_desktop.model.workspace import DatasetSetup

__all__ = [
    "DATASET_PANELS",
    "DEFAULT_DATASET_PANELS",
    "DATASET_PLACEHOLDERS",
    "MAX_TRAIN_STEPS",
    "DatasetSlide",
    "caption_values",
    "parse",
    "slide_run",
]

#: Panels a dataset slide can show (and name as its main plot).
DATASET_PANELS = ("plane", "training", "per_sample", "likelihood", "convexity", "sample")
#: Panels of a dataset slide that does not say.
DEFAULT_DATASET_PANELS = ("plane", "training")
#: Most training steps a slide may play (its caption replays them when the slide is checked).
MAX_TRAIN_STEPS = 5_000

#: Placeholders of a dataset slide's caption, and what each becomes (at the run's current step).
DATASET_PLACEHOLDERS = {
    "loss": "the loss the run minimises: the reduced cross-entropy over the data (mean or sum, "
            "with the slide's weights and smoothing; without the L2 penalty)",
    "start_loss": "that loss at step 0",
    "accuracy": "the share of points whose most probable class is their label's, as a percentage",
    "floor": "the lowest loss any model could reach, reduced as the loss: for the mean, the mean H(y) of "
             "the targets (0 for hard labels without smoothing)",
    "log_likelihood": "the log-likelihood of the labels, log L = −Σ ℓₙ over the samples (ℓₙ each sample's "
                      "cross-entropy; weighted with class weights), in nats; whatever the reduction",
    "samples": "the number of points N",
    "classes": "the number of classes C",
    "units": "'nats' (the dataset workspace uses the natural logarithm)",
}


@dataclass(frozen=True, eq=False)
class DatasetSlide:
    """What a slide's dataset fields say (see the module's docstring)."""

    setup: DatasetSetup
    train_steps: int
    select: int | None
    panels: tuple[str, ...]
    main_plot: str
    autoplay: bool


#: A slide's keys that belong to the dataset workspace (any other key is the lesson's business).
KEYS = frozenset({"workspace", "dataset", "train_steps", "select", "panels", "main_plot", "autoplay"})


def _whole(data: dict[str, Any], key: str, low: int, high: int, default: int | None) -> int | None:
    if key not in data:
        return default
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"'{key}' must be a whole number")
    if not low <= v <= high:
        raise ValueError(f"'{key}' must lie in {low}..{high}, got {v}")
    return v


def parse(data: dict[str, Any]) -> DatasetSlide:
    """The dataset fields of a slide (``workspace`` is ``"dataset"``).

    Raises
    ------
    ValueError
        (a ScenarioError for the ``dataset`` block) naming the field; the caller adds the slide.
    """
    if "dataset" not in data:
        raise ValueError("a dataset slide needs a 'dataset' block")
    for key in ("scenario", "scenario_file", "descent_steps"):
        if key in data:
            hint = " (a dataset slide plays 'train_steps')" if key == "descent_steps" else ""
            raise ValueError(f"'{key}' belongs to explorer slides, not to a dataset slide{hint}")
    block = data["dataset"]
    if isinstance(block, dict) and "run" in block:
        raise ScenarioError("a slide's 'dataset' has no 'run': say 'train_steps'")
    from ce_desktop.model.workspace_file import setup_from_dict

    try:
        setup = setup_from_dict(block)
    except ScenarioError as exc:
        raise ScenarioError(str(exc)) from None
    steps = _whole(data, "train_steps", 0, MAX_TRAIN_STEPS, 0)
    select = _whole(data, "select", 0, setup.data.num_samples - 1, None)
    panels = data.get("panels", list(DEFAULT_DATASET_PANELS))
    if not isinstance(panels, list) or not all(isinstance(p, str) for p in panels):
        raise ValueError("'panels' must be a list of panel names")
    bad = [p for p in panels if p not in DATASET_PANELS]
    if bad:
        raise ValueError(f"unknown panel(s) {', '.join(map(repr, bad))}; a dataset slide's panels are "
                         f"{', '.join(DATASET_PANELS)}")
    if not panels:
        raise ValueError("'panels' must name at least one panel")
    shown = tuple(dict.fromkeys(panels))
    main_plot = data.get("main_plot", "plane" if "plane" in shown else shown[0])
    if main_plot not in DATASET_PANELS:
        raise ValueError(f"'main_plot' must be one of {', '.join(DATASET_PANELS)}, got {main_plot!r}")
    autoplay = data.get("autoplay", False)
    if not isinstance(autoplay, bool):
        raise ValueError("'autoplay' must be true or false")
    if autoplay and not steps:
        raise ValueError("'autoplay' needs 'train_steps'")
    assert steps is not None
    return DatasetSlide(setup, steps, select, shown, main_plot, autoplay)


def slide_run(setup: DatasetSetup, steps: int) -> TrainingRun:
    """The slide's run after its ``steps`` steps (replayed from the setup), at its last step."""
    from ce_desktop.model.workspace_file import replay

    return replay(setup, steps)


def caption_values(setup: DatasetSetup, run: TrainingRun) -> dict[str, str]:
    """Every placeholder's text, from ``run`` at its current step (numbers from the model package)."""
    k = run.index
    per_sample = run.per_sample_loss()
    floor = run.loss_floor
    acc = float(run.accuracy[k])
    return {
        "loss": fmt.loss(run.data_loss[k]),
        "start_loss": fmt.loss(run.data_loss[0]),
        "accuracy": "–" if math.isnan(acc) else f"{fmt.number(100.0 * acc, 1)} %",
        "floor": "–" if math.isnan(floor) else fmt.loss(floor),
        "log_likelihood": fmt.number(-float(per_sample.sum())),
        "samples": fmt.count(setup.data.num_samples),
        "classes": str(setup.data.num_classes),
        "units": "nats",
    }
