"""Seeded generators of 2-D data sets: blobs, two moons, XOR, rings, spirals, overlapping classes.

Every generator gives each class ``samples // C`` points, the first ``samples % C`` classes one
more, so the classes are as balanced as the count allows; the points are then shuffled. The
same name, count, classes and seed give the same data, bit for bit (numpy's ``default_rng``).
Coordinates lie within about [-4, 4]. Numpy only, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ce_desktop.model.dataset import MAX_CLASSES, MIN_CLASSES, Dataset, DatasetError, IntArray, check_seed
from ce_desktop.model.types import FloatArray

__all__ = ["GENERATORS", "MAX_GENERATED", "MIN_GENERATED", "class_sizes", "generate"]

#: The names :func:`generate` knows, in the order a menu shows them.
GENERATORS = ("blobs", "moons", "xor", "rings", "spirals", "overlapping")
MIN_GENERATED = 10
MAX_GENERATED = 10_000

_Generator = Callable[[IntArray, np.random.Generator], FloatArray]


def class_sizes(samples: int, classes: int) -> list[int]:
    """How many points each class gets: as equal as possible, the first classes one more."""
    base, extra = divmod(samples, classes)
    return [base + (1 if c < extra else 0) for c in range(classes)]


def generate(name: str, samples: int, classes: int, seed: int) -> Dataset:
    """A generated data set of hard labels.

    Parameters
    ----------
    name : str
        One of :data:`GENERATORS`:

        - ``"blobs"``: a round Gaussian cloud per class, centres evenly on a circle, well apart.
        - ``"moons"``: two interleaved half circles (scikit-learn's ``make_moons``); only for
          two classes: there is no natural third moon, so other counts are refused.
        - ``"xor"``: a C x C checkerboard on [-3, 3]^2 whose cell (i, j) is class (i + j) mod C;
          for two classes the XOR of the signs of x1 and x2. Each class gets C cells.
        - ``"rings"``: concentric rings, class c at radius c + 1, with a little radial noise.
        - ``"spirals"``: C interleaved spiral arms.
        - ``"overlapping"``: Gaussian clouds whose centres are closer than their spread, so
          the classes overlap and no boundary separates them: the case for soft labels.
    samples : int
        10..10,000 points in all.
    classes : int
        2..10 classes.
    seed : int
        Any whole number >= 0.

    Raises
    ------
    DatasetError
        For an unknown name, a count out of range, a bad seed, or moons with C != 2.
    """
    if name not in _GENERATORS:
        raise DatasetError(f"no generator called {name!r}; the generators are {', '.join(GENERATORS)}")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)):
        raise DatasetError(f"the number of points must be a whole number, got {samples!r}")
    if not MIN_GENERATED <= samples <= MAX_GENERATED:
        raise DatasetError(f"the number of points must lie in {MIN_GENERATED}..{MAX_GENERATED:,}, got {samples}")
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)):
        raise DatasetError(f"the number of classes must be a whole number, got {classes!r}")
    if not MIN_CLASSES <= classes <= MAX_CLASSES:
        raise DatasetError(f"the number of classes must lie in {MIN_CLASSES}..{MAX_CLASSES}, got {classes}")
    if name == "moons" and classes != 2:
        raise DatasetError("the two moons are two classes; choose 2 classes, or rings, spirals or blobs for more")
    rng = np.random.default_rng(check_seed(seed))
    labels = np.repeat(np.arange(classes), class_sizes(int(samples), int(classes)))
    points = _GENERATORS[name](labels, rng)
    order = rng.permutation(labels.size)
    return Dataset.from_labels(points[order], labels[order], int(classes))


def _angles(labels: IntArray) -> FloatArray:
    """Each class's direction on the circle, 2 pi c / C, per point."""
    angles: FloatArray = 2.0 * np.pi * labels / _num_classes(labels)
    return angles


def _num_classes(labels: IntArray) -> int:
    return int(labels.max()) + 1


def _clouds(labels: IntArray, rng: np.random.Generator, radius: float, spread: float) -> FloatArray:
    a = _angles(labels) + np.pi / 4
    centres = radius * np.column_stack([np.cos(a), np.sin(a)])
    return centres + rng.normal(0.0, spread, size=(labels.size, 2))


def _blobs(labels: IntArray, rng: np.random.Generator) -> FloatArray:
    # Neighbouring centres on a circle of radius 2.5 are 2 * 2.5 * sin(pi / C) apart: at least
    # 1.55 (C = 10), over 3 standard deviations of 0.45.
    return _clouds(labels, rng, 2.5, 0.45)


def _overlapping(labels: IntArray, rng: np.random.Generator) -> FloatArray:
    # Neighbouring centres 1.5 apart (a chord of the circle), with a spread of 1: the clouds
    # overlap at any C.
    c = _num_classes(labels)
    radius = 0.75 / np.sin(np.pi / c)
    return _clouds(labels, rng, float(radius), 1.0)


def _moons(labels: IntArray, rng: np.random.Generator) -> FloatArray:
    t = rng.uniform(0.0, np.pi, size=labels.size)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    xy = np.where(labels[:, None] == 0, upper, lower) + rng.normal(0.0, 0.1, size=(labels.size, 2))
    # Centred on the origin and scaled to about [-3, 3] like the others.
    out: FloatArray = 2.0 * (xy - np.array([0.5, 0.25]))
    return out


def _xor(labels: IntArray, rng: np.random.Generator) -> FloatArray:
    c = _num_classes(labels)
    cell = 6.0 / c
    out = np.empty((labels.size, 2))
    for k in range(c):
        idx = np.flatnonzero(labels == k)
        # The cells (i, j) with (i + j) mod C == k: for each row i, the column j = (k - i) mod C.
        rows = np.arange(idx.size) % c
        cols = (k - rows) % c
        # Away from the cell's edges by 5 % of its side, so the classes are separable.
        u = rng.uniform(0.05, 0.95, size=(idx.size, 2))
        out[idx, 0] = -3.0 + (cols + u[:, 0]) * cell
        out[idx, 1] = -3.0 + (rows + u[:, 1]) * cell
    return out


def _rings(labels: IntArray, rng: np.random.Generator) -> FloatArray:
    c = _num_classes(labels)
    t = rng.uniform(0.0, 2.0 * np.pi, size=labels.size)
    step = 3.5 / c  # the outermost ring at radius 3.5
    r = (labels + 1) * step + rng.normal(0.0, 0.12 * step, size=labels.size)
    return np.column_stack([r * np.cos(t), r * np.sin(t)])


def _spirals(labels: IntArray, rng: np.random.Generator) -> FloatArray:
    t = rng.uniform(0.0, 1.0, size=labels.size)
    r = 0.3 + 3.2 * t
    a = _angles(labels) + 1.5 * 2.0 * np.pi * t  # one and a half turns per arm
    xy = np.column_stack([r * np.cos(a), r * np.sin(a)])
    return xy + rng.normal(0.0, 0.12, size=(labels.size, 2))


_GENERATORS: dict[str, _Generator] = {
    "blobs": _blobs,
    "moons": _moons,
    "xor": _xor,
    "rings": _rings,
    "spirals": _spirals,
    "overlapping": _overlapping,
}
