"""Everything the dataset workspace trains, as one immutable value: no Qt.

A :class:`DatasetSetup` is the data as the user made it (generated, opened or edited), what is
done to its labels (:class:`LabelSettings`), the model (:class:`ModelSettings`), the loss
(:class:`~ce_desktop.model.dataset_loss.LossOptions`) and the training
(:class:`~ce_desktop.model.training.TrainingSettings`). From it :func:`labelled` gives the
labels the loss sees and :func:`build_run` a fresh
:class:`~ce_desktop.model.training.TrainingRun`; a run is reproducible from its setup and its
number of steps, so a saved file holds only those (see :mod:`~ce_desktop.model.scenario`).

Label smoothing is a loss option, as in PyTorch (``F.cross_entropy(label_smoothing=...)``):
the data keep their labels and the loss mixes in ``eps / C``. :func:`shown_targets` gives the
labels with the smoothing applied, which is what a point's pie shows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ce_desktop.model import classifier, dataset_generators
from ce_desktop.model.classifier import MLP, LinearModel
from ce_desktop.model.dataset import Dataset, DatasetError, annotator_disagreement, smooth, with_label_noise
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.training import Model, TrainingRun, TrainingSettings
from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "MODEL_KINDS",
    "ACTIVATIONS",
    "INITS",
    "DatasetSetup",
    "GeneratorSpec",
    "LabelSettings",
    "ModelSettings",
    "build_model",
    "build_run",
    "default_setup",
    "features",
    "labelled",
    "loss_target",
    "shown_targets",
]

MODEL_KINDS = ("linear", "mlp")
# The models' own limits (classifier.py), re-exported for the controls.
ACTIVATIONS = classifier.ACTIVATIONS
INITS = classifier.INITS
MIN_HIDDEN, MAX_HIDDEN = classifier.MIN_HIDDEN, classifier.MAX_HIDDEN


@dataclass(frozen=True)
class GeneratorSpec:
    """How a generated data set was made (what the Data controls show; regenerating uses it)."""

    name: str = "blobs"
    samples: int = 200
    classes: int = 3
    seed: int = 0

    def generate(self) -> Dataset:
        """The data set (``DatasetError`` on a bad name or count)."""
        return dataset_generators.generate(self.name, self.samples, self.classes, self.seed)


@dataclass(frozen=True)
class LabelSettings:
    """What is done to the data's labels before the loss sees them.

    Attributes
    ----------
    noise_percent : float
        Flip this many % of the hard labels (seeded by ``noise_seed``); 0 flips none.
    noise_seed : int
    neighbours : int
        Annotator disagreement: each label becomes the mean of its own and its ``neighbours``
        nearest points' labels; 0 keeps the labels.

    Noise is applied first, then disagreement. Noise needs hard labels.
    """

    noise_percent: float = 0.0
    noise_seed: int = 0
    neighbours: int = 0

    @property
    def changes_labels(self) -> bool:
        return self.noise_percent > 0 or self.neighbours > 0


@dataclass(frozen=True)
class ModelSettings:
    """The classifier: multinomial logistic regression on polynomial features, or an MLP.

    Attributes
    ----------
    kind : str
        ``"linear"`` (``softmax(W x + b)``) or ``"mlp"`` (one hidden layer).
    degree : int
        Polynomial features of the two coordinates, 1 to 3 (1: the coordinates themselves).
    hidden : int
        The MLP's hidden units, 2 to 64.
    activation : str
        ``"tanh"`` or ``"relu"``.
    init : str
        ``"zeros"`` or ``"random"`` (seeded by ``init_seed``).
    init_seed : int
    """

    kind: str = "linear"
    degree: int = 1
    hidden: int = 8
    activation: str = "tanh"
    init: str = "zeros"
    init_seed: int = 0

    def checked(self) -> ModelSettings:
        """Return self after validating every field (``ValueError`` otherwise)."""
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"the model must be linear or mlp, got {self.kind!r}")
        if not (isinstance(self.degree, int) and 1 <= self.degree <= classifier.MAX_DEGREE):
            raise ValueError(f"the degree must be 1, 2 or 3, got {self.degree!r}")
        if not (isinstance(self.hidden, int) and MIN_HIDDEN <= self.hidden <= MAX_HIDDEN):
            raise ValueError(f"the hidden layer must have {MIN_HIDDEN} to {MAX_HIDDEN} units, got {self.hidden!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"the activation must be tanh or relu, got {self.activation!r}")
        if self.init not in INITS:
            raise ValueError(f"the start must be zeros or random, got {self.init!r}")
        return self

    def describe(self) -> str:
        """"logistic regression, degree 2" or "MLP, 16 tanh units"."""
        if self.kind == "linear":
            return "logistic regression" + (f", degree {self.degree}" if self.degree > 1 else "")
        deg = f", degree {self.degree}" if self.degree > 1 else ""
        return f"MLP, {self.hidden} {self.activation} units{deg}"


def _default_data() -> Dataset:
    return GeneratorSpec().generate()


@dataclass(frozen=True)
class DatasetSetup:
    """The dataset workspace's whole input.

    Attributes
    ----------
    data : Dataset
        The points and their labels as made (before :class:`LabelSettings`).
    generator : GeneratorSpec or None
        How ``data`` was generated; None once it came from a file (edits keep it: the
        controls still show it, regenerating replaces the edits).
    source : str
        Where the data came from, for the title ("blobs", "iris_petals.csv").
    labels, model, loss, training
        See :class:`LabelSettings`, :class:`ModelSettings`, ``LossOptions``, ``TrainingSettings``.
    """

    data: Dataset = field(default_factory=_default_data)
    generator: GeneratorSpec | None = field(default_factory=GeneratorSpec)
    source: str = "blobs"
    labels: LabelSettings = field(default_factory=LabelSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    loss: LossOptions = field(default_factory=LossOptions)
    training: TrainingSettings = field(default_factory=lambda: TrainingSettings(learning_rate=0.5, max_steps=500))

    def replace(self, **changes: object) -> DatasetSetup:
        """A copy with ``changes`` (checked: ``ValueError`` / ``DatasetError`` on a bad value)."""
        out = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        return out.checked()

    def checked(self) -> DatasetSetup:
        """Return self after validating what one field alone cannot (``ValueError`` otherwise)."""
        self.model.checked()
        self.training.checked()
        c = self.data.num_classes
        if self.loss.reduction not in ("mean", "sum"):
            raise ValueError("a training run needs a reduced loss: reduction 'mean' or 'sum'")
        if self.loss.weight is not None:
            if len(self.loss.weight) != c:
                raise ValueError(f"the data have {c} classes, the class weights {len(self.loss.weight)}")
            if any(not (w >= 0 and np.isfinite(w)) for w in self.loss.weight):
                raise ValueError("class weights must be finite numbers >= 0")
        if not 0.0 <= self.loss.label_smoothing <= 1.0:
            raise ValueError(f"label smoothing must lie in 0..1, got {self.loss.label_smoothing!r}")
        if self.labels.noise_percent and not self.data.is_hard:
            raise DatasetError("label noise flips hard labels; these labels are soft")
        if not 0.0 <= self.labels.noise_percent <= 100.0:
            raise DatasetError(f"label noise must lie in 0..100 %, got {self.labels.noise_percent!r}")
        if not 0 <= self.labels.neighbours <= self.data.num_samples - 1:
            raise DatasetError(f"the number of neighbours must lie in 0..{self.data.num_samples - 1}")
        return self

    def same_as(self, other: DatasetSetup) -> bool:
        return self == other


def default_setup() -> DatasetSetup:
    """Three blobs of 200 points, hard labels, logistic regression from zeros."""
    return DatasetSetup().checked()


def labelled(setup: DatasetSetup) -> Dataset:
    """The data with :class:`LabelSettings` applied (noise, then disagreement): the loss's labels."""
    data = setup.data
    lab = setup.labels
    if lab.noise_percent > 0:
        data = with_label_noise(data, lab.noise_percent, lab.noise_seed)
    if lab.neighbours > 0:
        data = annotator_disagreement(data, lab.neighbours)
    return data


def shown_targets(setup: DatasetSetup, data: Dataset | None = None) -> FloatArray:
    """The labels the loss compares with, smoothing included (N, C): what a point's pie shows."""
    d = labelled(setup) if data is None else data
    eps = setup.loss.label_smoothing
    return smooth(d, eps).targets if eps > 0 else d.targets


def loss_target(data: Dataset) -> FloatArray | np.ndarray:
    """Class indices for hard labels (as a PyTorch user passes them, which decides how class
    weights divide the mean), probabilities for soft ones."""
    return data.labels if data.is_hard else data.targets


def features(setup: DatasetSetup, points: ArrayLike) -> FloatArray:
    """The model's inputs for ``points`` (N, 2): polynomial features of the setup's degree."""
    return classifier.polynomial_features(points, setup.model.degree)


def build_model(setup: DatasetSetup) -> Model:
    m = setup.model.checked()
    d = len(classifier.feature_names(m.degree))
    c = setup.data.num_classes
    if m.kind == "linear":
        return LinearModel(d, c)
    return MLP(d, c, m.hidden, m.activation)


def build_run(setup: DatasetSetup, data: Dataset | None = None, start: ArrayLike | None = None) -> TrainingRun:
    """A fresh run (no steps) of the setup; ``data`` is :func:`labelled` (computed if None).

    ``start`` are the parameters it starts from (default: the model's own start,
    ``setup.model.init`` seeded by ``init_seed``): the window keeps what a model has learned when
    the data change.

    Raises ``ValueError`` when the loss cannot start (every sample ignored, weights summing to 0)
    or ``start`` does not fit the model.
    """
    d = labelled(setup) if data is None else data
    model = build_model(setup)
    return TrainingRun(model, features(setup, d.points), loss_target(d), setup.loss, setup.training,
                       params=start, init=setup.model.init, init_seed=setup.model.init_seed)
