"""A data set of 2-D points with a label distribution per point, and what is done to its labels.

A :class:`Dataset` is immutable: editing a point or changing the labels returns a new one, so
an undo stack can keep the old one. Hard labels are one-hot rows of ``targets``; soft labels
(label smoothing, :func:`annotator_disagreement`, a CSV file of probabilities) are any rows
that sum to 1. Generators are in :mod:`~ce_desktop.model.dataset_generators`, CSV files and
the built-in data sets in :mod:`~ce_desktop.model.dataset_csv`. Numpy only, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "MAX_CLASSES",
    "MAX_NAME_LENGTH",
    "MAX_SAMPLES",
    "MIN_CLASSES",
    "ROW_SUM_TOLERANCE",
    "Dataset",
    "DatasetError",
    "annotator_disagreement",
    "check_seed",
    "default_class_names",
    "one_hot_targets",
    "smooth",
    "with_label_noise",
]

MIN_CLASSES = 2
MAX_CLASSES = 10
#: The most points a data set may have (a CSV file of this many rows opens in well under 2 s).
MAX_SAMPLES = 100_000
#: How far a row of targets may be from summing to 1.
ROW_SUM_TOLERANCE = 1e-6
#: The longest class or feature name.
MAX_NAME_LENGTH = 40
#: Rows of the distance matrix :func:`annotator_disagreement` holds at once are chosen so that
#: it stays near this many float64 numbers (32 MB).
_CHUNK_NUMBERS = 4_000_000

#: Class numbers, one per point.
IntArray = npt.NDArray[np.intp]


class DatasetError(ValueError):
    """A data set, an edit or a label operation that cannot be made; the message says why."""


def default_class_names(n: int) -> tuple[str, ...]:
    """``("class 1", ..., "class n")``, as the explorer names classes."""
    return tuple(f"class {i + 1}" for i in range(n))


def one_hot_targets(labels: ArrayLike, num_classes: int) -> FloatArray:
    """The one-hot rows, shape (N, C), of integer class labels in ``0..num_classes-1``.

    Raises
    ------
    DatasetError
        If a label is not a whole number in that range.
    """
    lab = np.asarray(labels)
    if lab.ndim != 1:
        raise DatasetError("labels must be a list of class numbers")
    if lab.size and not np.issubdtype(lab.dtype, np.integer):
        as_float = lab.astype(np.float64)
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            raise DatasetError("labels must be whole class numbers")
        lab = as_float.astype(np.int64)
    if lab.size and (lab.min() < 0 or lab.max() >= num_classes):
        raise DatasetError(f"a label lies outside 0..{num_classes - 1}")
    out = np.zeros((lab.size, num_classes), dtype=np.float64)
    out[np.arange(lab.size), lab.astype(np.intp)] = 1.0
    return out


def _frozen(a: FloatArray) -> FloatArray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def _check_names(names: Sequence[str], what: str) -> tuple[str, ...]:
    out = tuple(names)
    for s in out:
        if not isinstance(s, str) or not s.strip():
            raise DatasetError(f"every {what} name must be a non-empty text")
        if s != s.strip():
            raise DatasetError(f"the {what} name {s!r} has spaces at its start or end")
        if len(s) > MAX_NAME_LENGTH:
            shown = s[:MAX_NAME_LENGTH]
            raise DatasetError(f"the {what} name {shown!r}... is longer than {MAX_NAME_LENGTH} characters")
    if len(set(out)) != len(out):
        twice = next(s for s in out if out.count(s) > 1)
        raise DatasetError(f"the {what} name {twice!r} is used twice")
    return out


@dataclass(frozen=True, eq=False)
class Dataset:
    """N points in the plane, each with a distribution over C classes.

    Attributes
    ----------
    points : numpy.ndarray, shape (N, 2), float64
        Finite coordinates; read-only.
    targets : numpy.ndarray, shape (N, C), float64
        Row i is point i's label distribution: no negative entry, summing to 1 within
        :data:`ROW_SUM_TOLERANCE` (kept as given, not renormalised). One-hot rows are hard
        labels. Read-only.
    class_names : tuple of C str
        Unique, non-empty, at most :data:`MAX_NAME_LENGTH` characters.
    feature_names : tuple of 2 str
        The names of the two coordinates (a CSV file's first two column names).

    Raises
    ------
    DatasetError
        On creation, when any of that does not hold, or 1 <= N <= 100,000 and 2 <= C <= 10
        do not; the message is plain English.
    """

    points: FloatArray
    targets: FloatArray
    class_names: tuple[str, ...]
    feature_names: tuple[str, str] = field(default=("x1", "x2"))

    def __post_init__(self) -> None:
        try:
            points = np.asarray(self.points, dtype=np.float64)
            targets = np.asarray(self.targets, dtype=np.float64)
        except (TypeError, ValueError):
            raise DatasetError("points and targets must be numbers") from None
        if points.ndim != 2 or points.shape[1] != 2:
            raise DatasetError(f"points must be pairs (x1, x2), got an array of shape {points.shape}")
        n = points.shape[0]
        if not 1 <= n <= MAX_SAMPLES:
            raise DatasetError(f"a data set has 1 to {MAX_SAMPLES:,} points, not {n:,}")
        if not np.all(np.isfinite(points)):
            i = int(np.flatnonzero(~np.all(np.isfinite(points), axis=1))[0])
            raise DatasetError(f"point {i + 1} has a coordinate that is not a finite number")
        if targets.ndim != 2 or targets.shape[0] != n:
            raise DatasetError(f"targets must have one row per point ({n}), got an array of shape {targets.shape}")
        c = targets.shape[1]
        if not MIN_CLASSES <= c <= MAX_CLASSES:
            raise DatasetError(f"a data set has {MIN_CLASSES} to {MAX_CLASSES} classes, not {c}")
        names = _check_names(self.class_names, "class")
        if len(names) != c:
            raise DatasetError(f"{len(names)} class names for {c} classes")
        features = _check_names(self.feature_names, "feature")
        if len(features) != 2:
            raise DatasetError("a data set has two features")
        bad = ~np.all(np.isfinite(targets), axis=1) | np.any(targets < 0, axis=1)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise DatasetError(f"point {i + 1}'s label has a probability that is negative or not a finite number")
        off = np.abs(targets.sum(axis=1) - 1.0) > ROW_SUM_TOLERANCE
        if np.any(off):
            i = int(np.flatnonzero(off)[0])
            raise DatasetError(f"point {i + 1}'s label probabilities sum to {targets[i].sum():.9g}, not 1")
        object.__setattr__(self, "points", _frozen(points))
        object.__setattr__(self, "targets", _frozen(targets))
        object.__setattr__(self, "class_names", names)
        object.__setattr__(self, "feature_names", (features[0], features[1]))

    @classmethod
    def from_labels(
        cls,
        points: ArrayLike,
        labels: ArrayLike,
        class_names: Sequence[str] | int,
        feature_names: tuple[str, str] = ("x1", "x2"),
    ) -> Dataset:
        """A data set of hard labels: ``labels[i]`` is point i's class number.

        ``class_names`` is the names, or the number of classes (named "class 1", ...).
        """
        names = default_class_names(class_names) if isinstance(class_names, int) else tuple(class_names)
        if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
            raise DatasetError(f"a data set has {MIN_CLASSES} to {MAX_CLASSES} classes, not {len(names)}")
        return cls(np.asarray(points, dtype=np.float64), one_hot_targets(labels, len(names)), names, feature_names)

    # ------------------------------------------------------------------ derived

    @property
    def num_samples(self) -> int:
        """N, the number of points."""
        return int(self.points.shape[0])

    @property
    def num_classes(self) -> int:
        """C, the number of classes."""
        return int(self.targets.shape[1])

    @property
    def labels(self) -> IntArray:
        """Each point's most probable class, shape (N,) (the first of equal ones)."""
        labels: IntArray = np.argmax(self.targets, axis=1)
        return labels

    @property
    def is_hard(self) -> bool:
        """Whether every row of targets is one-hot (every entry exactly 0 or 1)."""
        t = self.targets
        return bool(np.all((t == 0.0) | (t == 1.0)))

    def class_counts(self) -> IntArray:
        """How many points have each class as their :attr:`labels`, shape (C,)."""
        return np.bincount(self.labels, minlength=self.num_classes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return (
            self.class_names == other.class_names
            and self.feature_names == other.feature_names
            and np.array_equal(self.points, other.points)
            and np.array_equal(self.targets, other.targets)
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value, and holds arrays

    # ------------------------------------------------------------------ edits

    def _replace(self, points: FloatArray, targets: FloatArray) -> Dataset:
        return Dataset(points, targets, self.class_names, self.feature_names)

    def _index(self, i: int) -> int:
        if not isinstance(i, (int, np.integer)) or not 0 <= int(i) < self.num_samples:
            raise DatasetError(f"there is no point {i!r} (the points are 0..{self.num_samples - 1})")
        return int(i)

    def _class(self, cls: int) -> int:
        if not isinstance(cls, (int, np.integer)) or not 0 <= int(cls) < self.num_classes:
            raise DatasetError(f"there is no class {cls!r} (the classes are 0..{self.num_classes - 1})")
        return int(cls)

    def with_point_added(self, x: float, y: float, cls: int) -> Dataset:
        """A new data set with a point of hard class ``cls`` at (x, y), appended last."""
        c = self._class(cls)
        row = np.zeros((1, self.num_classes))
        row[0, c] = 1.0
        return self._replace(np.vstack([self.points, [[x, y]]]), np.vstack([self.targets, row]))

    def with_point_moved(self, i: int, x: float, y: float) -> Dataset:
        """A new data set with point ``i`` at (x, y); its label is kept."""
        k = self._index(i)
        points = self.points.copy()
        points[k] = (x, y)
        return self._replace(points, self.targets)

    def with_point_removed(self, i: int) -> Dataset:
        """A new data set without point ``i`` (the last point cannot be removed)."""
        k = self._index(i)
        if self.num_samples == 1:
            raise DatasetError("a data set keeps at least one point")
        return self._replace(np.delete(self.points, k, axis=0), np.delete(self.targets, k, axis=0))

    def with_targets(self, targets: ArrayLike) -> Dataset:
        """The same points with other label distributions."""
        return self._replace(self.points, np.asarray(targets, dtype=np.float64))


# ---------------------------------------------------------------------- labels


def smooth(dataset: Dataset, eps: float) -> Dataset:
    """Label smoothing as PyTorch's ``label_smoothing``: ``y * (1 - eps) + eps / C``.

    Applied to whatever the targets are (hard or already soft). ``eps = 0`` gives the same
    targets; ``eps = 1`` the uniform distribution for every point.

    Raises
    ------
    DatasetError
        If ``eps`` is not a number in [0, 1].
    """
    e = _number(eps, "label smoothing")
    if not 0.0 <= e <= 1.0:
        raise DatasetError(f"label smoothing must lie in 0..1, got {eps!r}")
    return dataset.with_targets(dataset.targets * (1.0 - e) + e / dataset.num_classes)


def with_label_noise(dataset: Dataset, percent: float, seed: int) -> Dataset:
    """Flip ``percent`` % of the hard labels, each to a different class.

    Exactly ``round(percent * N / 100)`` points (Python's rounding: halves to even), chosen
    without repetition, each get a class drawn uniformly from the C - 1 others. The same seed
    gives the same flips.

    Raises
    ------
    DatasetError
        If the labels are soft, or ``percent`` is not in 0..100.
    """
    p = _number(percent, "label noise")
    if not 0.0 <= p <= 100.0:
        raise DatasetError(f"label noise must lie in 0..100 %, got {percent!r}")
    if not dataset.is_hard:
        raise DatasetError("label noise flips hard labels; these labels are soft")
    n, c = dataset.num_samples, dataset.num_classes
    k = round(p * n / 100.0)
    rng = np.random.default_rng(check_seed(seed))
    chosen = rng.choice(n, size=k, replace=False)
    labels = dataset.labels.copy()
    # Adding 1..C-1 modulo C reaches each other class exactly once: uniform over the others.
    labels[chosen] = (labels[chosen] + rng.integers(1, c, size=k)) % c
    return dataset.with_targets(one_hot_targets(labels, c))


def annotator_disagreement(dataset: Dataset, neighbours: int) -> Dataset:
    """Soft labels as if annotators disagreed near class borders.

    Point i's new label is the mean of the targets of itself and of its ``neighbours``
    nearest other points (Euclidean distance; among points at equal distance the lower index
    counts first, so no seed is needed). For hard labels that is the fraction of those
    ``neighbours + 1`` points in each class: a point whose neighbours share its class keeps a
    one-hot label; one on a border gets a mix. ``neighbours = 0`` changes nothing.

    Vectorised, a block of rows of the distance matrix at a time (about 32 MB), so N = 10,000
    takes one to two seconds on two cores and N = 100,000 stays in memory.

    Raises
    ------
    DatasetError
        If ``neighbours`` is not a whole number in 0..N-1.
    """
    n = dataset.num_samples
    if not isinstance(neighbours, (int, np.integer)) or not 0 <= int(neighbours) <= n - 1:
        raise DatasetError(f"the number of neighbours must be a whole number in 0..{n - 1}, got {neighbours!r}")
    k = int(neighbours)
    if k == 0:
        return dataset
    pts, targets = dataset.points, dataset.targets
    chunk = max(1, _CHUNK_NUMBERS // n)
    out = np.empty_like(targets)
    d = np.empty((min(chunk, n), n))
    dy = np.empty_like(d)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        m = stop - start
        dist, dist_y = d[:m], dy[:m]
        np.subtract.outer(pts[start:stop, 0], pts[:, 0], out=dist)
        np.square(dist, out=dist)
        np.subtract.outer(pts[start:stop, 1], pts[:, 1], out=dist_y)
        np.square(dist_y, out=dist_y)
        dist += dist_y
        dist[np.arange(m), np.arange(start, stop)] = -1.0  # the point itself always counts, first
        # Everything up to the (k+1)-th smallest distance counts. Where more points than
        # that share the last distance, the lower indices count (a stable sort of that row).
        kth = np.partition(dist, k, axis=1)[:, k : k + 1]
        within = dist <= kth
        counts = within.sum(axis=1)
        plain = counts == k + 1
        chosen = np.empty((m, k + 1), dtype=np.intp)
        chosen[plain] = np.nonzero(within[plain])[1].reshape(-1, k + 1)
        for row in np.flatnonzero(~plain):
            chosen[row] = np.argsort(dist[row], kind="stable")[: k + 1]
        out[start:stop] = targets[chosen].mean(axis=1)
    return dataset.with_targets(out)


def _number(value: object, what: str) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DatasetError(f"{what} must be a number, got {value!r}") from None
    if not np.isfinite(v):
        raise DatasetError(f"{what} must be a finite number, got {value!r}")
    return v


def check_seed(seed: object) -> int:
    """``seed`` as an int; a DatasetError if it is not a whole number >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise DatasetError(f"a seed is a whole number >= 0, got {seed!r}")
    return int(seed)
