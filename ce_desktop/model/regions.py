"""The decision regions of a classifier on the plane: its probabilities at the centres of a grid. No Qt.

The plane view colours each cell by the predicted class and lightens it by the confidence; it
redraws every frame of a training, so :func:`grid_probabilities` is written for speed: a linear
model of degree 1 is computed from one row and one column of logits (``z = x w_0 + y w_1 + b``
is a sum of a function of the column and one of the row), the softmax runs in place in float32,
and the caller may pass the output buffers back in each frame.

float32 holds about seven significant digits: a probability is off by at most about ``1e-6``
of itself, far below what a colour (256 levels) shows, and a cell's predicted class can differ
from float64's only where two classes tie to that precision, on the boundary itself.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ce_desktop.model.classifier import MLP, LinearModel, polynomial_features
from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "Bounds",
    "data_bounds",
    "grid_axes",
    "RegionGrid",
    "grid_probabilities",
    "region_summary",
]

Model = LinearModel | MLP
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.intp]


class Bounds(NamedTuple):
    """A rectangle of the plane."""

    xmin: float
    xmax: float
    ymin: float
    ymax: float


def _padded(lo: float, hi: float, margin: float, min_half_width: float) -> tuple[float, float]:
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    half = max(half * (1.0 + 2.0 * margin), min_half_width, 1e-9 * abs(mid))
    return mid - half, mid + half


def data_bounds(points: ArrayLike, margin: float = 0.1, min_half_width: float = 0.5) -> Bounds:
    """The points' bounding box, widened by ``margin`` of its size on every side.

    Parameters
    ----------
    points : array_like, shape (N, 2)
        Finite points; N may be 0.
    margin : float
        The fraction of the box's width (height) added on the left and right (bottom and top).
    min_half_width : float
        Each side reaches at least this far from the box's middle, so one point, or many points
        on a vertical or horizontal line, still get an area around them.

    Returns
    -------
    Bounds
        Never of zero width or height (at huge coordinates at least ``1e-9`` of them); ``(-1, 1,
        -1, 1)`` for no points.

    Raises
    ------
    ValueError
        If the points are not (N, 2) finite numbers, the margin is negative or ``min_half_width``
        is not positive.
    """
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points must be finite")
    if not margin >= 0.0 or not min_half_width > 0.0:
        raise ValueError("margin must be >= 0 and min_half_width > 0")
    if pts.shape[0] == 0:
        return Bounds(-1.0, 1.0, -1.0, 1.0)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    x0, x1 = _padded(float(lo[0]), float(hi[0]), margin, min_half_width)
    y0, y1 = _padded(float(lo[1]), float(hi[1]), margin, min_half_width)
    return Bounds(x0, x1, y0, y1)


def _centres(lo: float, hi: float, n: int) -> FloatArray:
    if n < 1:
        raise ValueError(f"a grid needs at least one cell along each axis, got {n}")
    if not (np.isfinite(lo) and np.isfinite(hi)) or not hi > lo:
        raise ValueError(f"a grid axis needs finite bounds with max > min, got {lo!r}, {hi!r}")
    width = (hi - lo) / n
    out: FloatArray = lo + (np.arange(n, dtype=np.float64) + 0.5) * width
    return out


def grid_axes(bounds: tuple[float, float, float, float], cells: int | tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """The centres of a grid's cells along x and along y.

    Parameters
    ----------
    bounds : (xmin, xmax, ymin, ymax)
        The rectangle (for example :func:`data_bounds`); each max must exceed its min.
    cells : int or (nx, ny)
        Cells along each axis (one number for both).

    Returns
    -------
    xs : numpy.ndarray, shape (nx,)
        ``xmin + (k + 1/2) (xmax − xmin) / nx``: the cells tile the rectangle exactly, so the
        first and last centres are half a cell inside its edges.
    ys : numpy.ndarray, shape (ny,)
    """
    nx, ny = (cells, cells) if isinstance(cells, int) else cells
    xmin, xmax, ymin, ymax = (float(v) for v in bounds)
    return _centres(xmin, xmax, int(nx)), _centres(ymin, ymax, int(ny))


def _check_out(out: Float32Array | None, shape: tuple[int, int, int]) -> Float32Array:
    if out is None:
        return np.empty(shape, dtype=np.float32)
    if out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float32 array of shape {shape}, got {out.dtype} {out.shape}")
    return out


class RegionGrid:
    """A grid of the plane with its cells' polynomial features made once, for many models' probabilities.

    The plane view keeps one while the rectangle and the cell counts stay, and asks it for
    :meth:`probabilities` every frame: the features (7 ms for 200 × 200 cells at degree 3) are
    not made again.

    Parameters
    ----------
    x_range, y_range : (float, float)
        The rectangle; cells as in :func:`grid_axes`.
    nx, ny : int
        Cells along x and y.
    degree : int
        The polynomial features' degree, 1 to 3.
    """

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float], nx: int, ny: int, degree: int):
        self.xs, self.ys = grid_axes((x_range[0], x_range[1], y_range[0], y_range[1]), (int(nx), int(ny)))
        self.degree = int(degree)
        gx, gy = np.meshgrid(self.xs, self.ys)
        self.features: FloatArray = polynomial_features(np.stack([gx.ravel(), gy.ravel()], axis=1), self.degree)
        # (D, M): W @ features_t is many times faster than features @ W.T for a tall, thin matrix
        self._features_t: FloatArray = np.ascontiguousarray(self.features.T)
        self._features32: Float32Array | None = None  # made on the first MLP

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.ys.shape[0], self.xs.shape[0]

    def probabilities(self, model: Model, params: ArrayLike, out: Float32Array | None = None) -> Float32Array:
        """The model's probabilities at the cell centres, shape (ny, nx, C): see :func:`grid_probabilities`."""
        p = np.asarray(params, dtype=float)
        c = model.n_classes
        if model.n_features != self.features.shape[1]:
            raise ValueError(f"the model takes {model.n_features} features; degree {self.degree} makes "
                             f"{self.features.shape[1]}")
        ny, nx = self.shape
        buf = _check_out(out, (ny, nx, c))
        flat = buf.reshape(-1, c)
        if isinstance(model, LinearModel) and self.degree == 1:
            W, b = model.unpack(p)  # z = x w_0 + y w_1 + b: a function of the column plus one of the row
            zx = (self.xs[:, None] * W[:, 0] + b).astype(np.float32)  # (nx, C)
            zy = (self.ys[:, None] * W[:, 1]).astype(np.float32)  # (ny, C)
            np.add(zy[:, None, :], zx[None, :, :], out=buf)
        elif isinstance(model, LinearModel):
            W, b = model.unpack(p)
            np.copyto(flat, (W @ self._features_t + b[:, None]).T, casting="same_kind")
        else:
            # The MLP in float32 (the grid's colours need nothing finer): the hidden layer of
            # 40,000 cells x H units is most of a frame's time, and tanh is twice as fast in float32.
            v = model.unpack(p)
            if self._features32 is None:
                self._features32 = np.ascontiguousarray(self.features, dtype=np.float32)
            pre = self._features32 @ v.W1.T.astype(np.float32)
            pre += v.b1.astype(np.float32)
            hidden = np.tanh(pre, out=pre) if model.activation == "tanh" else np.maximum(pre, 0.0, out=pre)
            np.matmul(hidden, v.W2.T.astype(np.float32), out=flat)
            flat += v.b2.astype(np.float32)
        _softmax_in_place(flat)
        return buf


def grid_probabilities(
    model: Model, params: ArrayLike, degree: int, x_range: tuple[float, float], y_range: tuple[float, float],
    nx: int, ny: int, out: Float32Array | None = None,
) -> Float32Array:
    """The model's class probabilities at the centres of an ``ny`` × ``nx`` grid of the plane.

    Parameters
    ----------
    model : LinearModel or MLP
        Taking ``polynomial_features(points, degree)`` as input (so ``n_features`` is 2, 5 or 9).
    params : array_like, shape (P,)
    degree : int
        The polynomial features' degree, 1 to 3.
    x_range, y_range : (float, float)
        The grid's rectangle; cells as in :func:`grid_axes`.
    nx, ny : int
        Cells along x and y.
    out : numpy.ndarray of float32, shape (ny, nx, C), optional
        Written and returned instead of a new array (pass the last frame's back in).

    Returns
    -------
    numpy.ndarray of float32, shape (ny, nx, C)
        ``[r, s, c]`` is ``softmax(model.logits(φ(x_s, y_r)))_c``: row ``r`` is the ``r``-th y
        from ``ymin`` up, column ``s`` the ``s``-th x. Each cell sums to 1 within float32 rounding;
        a probability below about ``1e-45`` (a logit ~100 below the top) is 0, and the top class
        of a cell is never below ``1/C``. See the module's note on float32.

    Notes
    -----
    Makes the grid's features each call; a view that redraws every frame keeps a
    :class:`RegionGrid` instead (the same numbers).
    """
    return RegionGrid(x_range, y_range, nx, ny, degree).probabilities(model, params, out)


def _softmax_in_place(z: Float32Array) -> None:
    """Each row of ``z`` (M, C) becomes its softmax, with no array of its size allocated but one column."""
    top = z[:, :1].copy()
    for k in range(1, z.shape[1]):  # class by class: far faster than max along a short axis
        np.maximum(top, z[:, k:k + 1], out=top)
    z -= top
    with np.errstate(under="ignore"):
        np.exp(z, out=z)
    total = z[:, :1].copy()
    for k in range(1, z.shape[1]):
        total += z[:, k:k + 1]
    z /= total


def region_summary(
    probs: ArrayLike, predicted_out: IntArray | None = None, confidence_out: Float32Array | None = None,
) -> tuple[IntArray, npt.NDArray[np.floating[Any]]]:
    """The predicted class and the confidence of every cell.

    Parameters
    ----------
    probs : array_like, shape (ny, nx, C)
        From :func:`grid_probabilities`.
    predicted_out, confidence_out : numpy.ndarray, optional
        Buffers of shape (ny, nx), ``intp`` and ``probs``' dtype, written and returned.

    Returns
    -------
    predicted : numpy.ndarray of intp, shape (ny, nx)
        The most probable class; on an exact tie the lowest index (as ``numpy.argmax``).
    confidence : numpy.ndarray, shape (ny, nx), probs' dtype
        Its probability, the largest of the cell: between ``1/C`` and 1.
    """
    pr = np.asarray(probs)
    if pr.ndim != 3 or pr.shape[2] < 1:
        raise ValueError(f"probabilities must have shape (ny, nx, C), got {pr.shape}")
    shape = pr.shape[:2]
    pred = np.empty(shape, dtype=np.intp) if predicted_out is None else predicted_out
    conf: npt.NDArray[np.floating[Any]] = np.empty(shape, dtype=pr.dtype) if confidence_out is None else confidence_out
    if pred.shape != shape or conf.shape != shape:
        raise ValueError(f"output buffers must have shape {shape}")
    flat = pr.reshape(-1, pr.shape[2])
    np.argmax(flat, axis=1, out=pred.reshape(-1))
    conf.reshape(-1)[:] = np.take_along_axis(flat, pred.reshape(-1, 1), axis=1)[:, 0]
    return pred, conf
