"""The loss over a plane through parameter space: two parameters move, the rest stay. No Qt.

For a linear model the loss is convex in its parameters (cross-entropy is convex in the logits,
and the logits are affine in ``W`` and ``b``), so any slice through two of them has one valley;
for an MLP the hidden layer breaks that. :func:`loss_slice` computes the slice on a grid,
:func:`slice_range` chooses the grid around a training path, and :func:`convexity_check` tests
a grid of values for convexity along rows, columns and both diagonals.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ce_desktop.model import dataset_loss
from ce_desktop.model.classifier import MLP, LinearModel
from ce_desktop.model.dataset_loss import LossOptions, PreparedTarget
from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "MEMORY_BUDGET",
    "parameter_names",
    "default_pair",
    "loss_slice",
    "SliceRange",
    "slice_range",
    "ConvexityCheck",
    "convexity_check",
    "is_convex_on_grid",
]

Model = LinearModel | MLP

#: Bytes of temporary arrays :func:`loss_slice` allows itself per chunk of grid points.
MEMORY_BUDGET = 32 * 1024 * 1024
#: Copies of a chunk's logits alive at once while its loss is computed (logits, log-softmax, products).
_COPIES = 4


def _matrix_names(name: str, rows: int, cols: int) -> list[str]:
    return [f"{name}[{r},{c}]" for r in range(rows) for c in range(cols)]


def parameter_names(model: Model) -> tuple[str, ...]:
    """A name for each entry of the model's flat parameter vector, in its order.

    ``"W[c,d]"`` then ``"b[c]"`` for a linear model (``W`` row by row, as
    :meth:`~ce_desktop.model.classifier.LinearModel.unpack` lays it out); ``"W1[h,d]"``,
    ``"b1[h]"``, ``"W2[c,h]"``, ``"b2[c]"`` for an MLP. Indices count from 0.
    """
    if isinstance(model, LinearModel):
        c, d = model.n_classes, model.n_features
        return tuple(_matrix_names("W", c, d) + [f"b[{k}]" for k in range(c)])
    h, d, c = model.hidden, model.n_features, model.n_classes
    return tuple(
        _matrix_names("W1", h, d) + [f"b1[{k}]" for k in range(h)]
        + _matrix_names("W2", c, h) + [f"b2[{k}]" for k in range(c)]
    )


def default_pair(model: Model) -> tuple[int, int]:
    """Two parameter indices that make a good slice to look at.

    A linear model: class 1's first two weights ``W[1,0]``, ``W[1,1]`` (with one feature,
    ``W[1,0]`` and ``b[1]``): for two classes they set the boundary's direction. An MLP: the
    first hidden unit's two first weights ``W1[0,0]``, ``W1[0,1]`` (with one feature ``W1[0,0]``
    and ``W1[1,0]``), where the hidden layer's non-convexity shows.
    """
    d = model.n_features
    if isinstance(model, LinearModel):
        return (d, d + 1) if d >= 2 else (1, model.n_classes * d + 1)
    return 0, 1  # W1[0,0], W1[0,1] (or W1[1,0] when D = 1): the first entries either way


def _check_index(model: Model, k: int, name: str) -> int:
    k = int(k)
    if not 0 <= k < model.n_params:
        raise ValueError(f"{name} must be a parameter index 0..{model.n_params - 1}, got {k}")
    return k


def _grid_axis(values: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a 1-D array of finite numbers")
    return arr


def _is_weight(model: Model, k: int) -> bool:
    """Whether parameter ``k`` is decayed by L2 (a weight, not a bias)."""
    if isinstance(model, LinearModel):
        return k < model.n_classes * model.n_features
    h, d, c = model.hidden, model.n_features, model.n_classes
    return k < h * d or h * d + h <= k < h * d + h + c * h


def _chunk(n_grid: int, row_values: int) -> int:
    """How many grid points fit in :data:`MEMORY_BUDGET` at ``row_values`` numbers each."""
    per_point = max(1, row_values) * 8 * _COPIES
    return max(1, min(n_grid, MEMORY_BUDGET // per_point))


def loss_slice(
    model: Model, x: ArrayLike, target: ArrayLike | PreparedTarget, options: LossOptions | None,
    params: ArrayLike, i: int, j: int, a_values: ArrayLike, b_values: ArrayLike, weight_decay: float = 0.0,
) -> FloatArray:
    """The loss on a grid over two parameters, every other parameter held at ``params``.

    Parameters
    ----------
    model : LinearModel or MLP
    x : array_like, shape (N, D)
        The model's inputs (polynomial features already made).
    target : array_like or PreparedTarget
        As for ``model.loss_and_gradients``.
    options : LossOptions or None
    params : array_like, shape (P,)
        Where the plane passes through: the grid point ``(params[i], params[j])`` is ``params``.
    i, j : int
        The two parameters that move (different).
    a_values, b_values : array_like, 1-D
        The values of ``params[i]`` (columns) and ``params[j]`` (rows).
    weight_decay : float
        L2 as in training: ``weight_decay / 2 · Σ W²`` over the weights (not the biases).

    Returns
    -------
    numpy.ndarray, shape (len(b_values), len(a_values))
        ``out[r, s]`` is ``model.loss_and_gradients(p, x, target, options, weight_decay).loss``
        with ``p[i] = a_values[s]``, ``p[j] = b_values[r]`` (up to rounding): nats, the reduced
        loss plus the penalty (for ``reduction="none"`` the sum). NaN everywhere where the
        mean divides by 0 (every sample ignored). An empty axis gives an empty array.

    Notes
    -----
    For a linear model, moving ``W[c,d]`` or ``b[c]`` changes only the logit of class ``c``,
    affinely: ``z_c(a, b) = z_c0 + (a − a0) u + (b − b0) v``. The classes that do not move are
    merged into one, whose logit is the log-sum-exp of theirs and whose coefficient is the sum
    of theirs, which changes each sample's loss by a constant; so each grid point costs N × 3
    numbers instead of N × C. An MLP's logits are computed point by point. Either way the grid
    is cut into chunks of at most :data:`MEMORY_BUDGET` bytes of temporaries, and the loss is
    :func:`~ce_desktop.model.dataset_loss.batched_losses`, the loss module's own definition.
    """
    opts = options or LossOptions()
    i = _check_index(model, i, "i")
    j = _check_index(model, j, "j")
    if i == j:
        raise ValueError("the two parameters of a slice must differ")
    a = _grid_axis(a_values, "a_values")
    b = _grid_axis(b_values, "b_values")
    p0 = np.array(params, dtype=float)
    if p0.shape != (model.n_params,) or not np.all(np.isfinite(p0)):
        raise ValueError(f"params must be {model.n_params} finite numbers")
    xs = np.asarray(x, dtype=float)
    if xs.ndim != 2 or xs.shape[1] != model.n_features:
        raise ValueError(f"inputs must have shape (N, {model.n_features}), got {xs.shape}")
    c = model.n_classes
    prep = target if isinstance(target, PreparedTarget) else dataset_loss.prepare_target(
        target, c, opts.weight, opts.label_smoothing, opts.ignore_index)
    if prep.coefficients.shape[0] != xs.shape[0]:
        raise ValueError("inputs and targets have different numbers of samples")
    reduction = "sum" if opts.reduction == "none" else opts.reduction
    aa, bb = np.meshgrid(a, b)  # (len(b), len(a)), rows follow b
    flat_a, flat_b = aa.ravel(), bb.ravel()
    if isinstance(model, LinearModel):
        data = _linear_slice(model, xs, prep, reduction, p0, i, j, flat_a, flat_b)
    else:
        data = _mlp_slice(model, xs, prep, reduction, p0, i, j, flat_a, flat_b)
    lam = float(weight_decay)
    if lam:
        data = data + 0.5 * lam * _penalty(model, p0, i, j, flat_a, flat_b)
    out: FloatArray = data.reshape(aa.shape)
    return out


def _penalty(model: Model, p0: FloatArray, i: int, j: int, a: FloatArray, b: FloatArray) -> FloatArray:
    base = p0.copy()
    base[[i, j]] = 0.0
    total: FloatArray = np.full(a.shape, model.weight_penalty(base))
    if _is_weight(model, i):
        total += a * a
    if _is_weight(model, j):
        total += b * b
    return total


def _linear_column(model: LinearModel, x: FloatArray, k: int) -> tuple[int, FloatArray]:
    """Which logit column parameter ``k`` moves, and by how much per unit: ``x[:, d]`` or 1."""
    c, d = model.n_classes, model.n_features
    if k < c * d:
        return k // d, x[:, k % d]
    return k - c * d, np.ones(x.shape[0])


def _linear_slice(
    model: LinearModel, x: FloatArray, prep: PreparedTarget, reduction: str, p0: FloatArray, i: int, j: int,
    a: FloatArray, b: FloatArray,
) -> FloatArray:
    z0 = model.logits(p0, x)
    ci, u = _linear_column(model, x, i)
    cj, v = _linear_column(model, x, j)
    moving = [ci] if ci == cj else [ci, cj]
    rest = [k for k in range(model.n_classes) if k not in moving]
    coef = prep.coefficients
    cols = [coef[:, k] for k in moving]
    fixed: FloatArray = z0[:, moving].copy()  # (N, K): the moving columns at the centre
    if rest:
        # Merge the classes that stay: -Σ_rest a_k (z_k - lse) = [-Σ_rest a_k z_k + A r] - A (r - lse),
        # with r the log-sum-exp of the rest and A = Σ_rest a_k; the bracket does not move.
        zr = z0[:, rest]
        top = zr.max(axis=1)
        r = top + np.log(np.exp(zr - top[:, None]).sum(axis=1))
        a_rest = coef[:, rest].sum(axis=1)
        offset = float(np.sum(-np.einsum("nk,nk->n", coef[:, rest], zr) + a_rest * r))
        fixed = np.concatenate([fixed, r[:, None]], axis=1)
        cols.append(a_rest)
    else:
        offset = 0.0
    merged = PreparedTarget(np.stack(cols, axis=1), prep.ignored, prep.sample_weights, prep.totals)
    if reduction == "mean":
        d = prep.denominator
        offset = math.nan if d == 0.0 else offset / d
    da, db = a - p0[i], b - p0[j]
    n, k_cols = fixed.shape
    out = np.empty(a.shape[0])
    step = _chunk(a.shape[0], n * k_cols)
    col_i, col_j = 0, moving.index(cj)
    for s in range(0, a.shape[0], step):
        e = min(s + step, a.shape[0])
        z = np.broadcast_to(fixed, (e - s, n, k_cols)).copy()
        z[:, :, col_i] += da[s:e, None] * u
        z[:, :, col_j] += db[s:e, None] * v
        out[s:e] = dataset_loss.batched_losses(z, merged, reduction)
    result: FloatArray = out + offset
    return result


def _mlp_slice(
    model: MLP, x: FloatArray, prep: PreparedTarget, reduction: str, p0: FloatArray, i: int, j: int,
    a: FloatArray, b: FloatArray,
) -> FloatArray:
    n, c = x.shape[0], model.n_classes
    out = np.empty(a.shape[0])
    step = _chunk(a.shape[0], n * max(c, model.hidden))
    p = p0.copy()
    for s in range(0, a.shape[0], step):
        e = min(s + step, a.shape[0])
        z = np.empty((e - s, n, c))
        for g in range(s, e):
            p[i], p[j] = a[g], b[g]
            z[g - s] = model.logits(p, x)
        out[s:e] = dataset_loss.batched_losses(z, prep, reduction)
    return out


class SliceRange(NamedTuple):
    """Grid bounds for a slice: ``a`` along the columns, ``b`` along the rows."""

    a_min: float
    a_max: float
    b_min: float
    b_max: float

    def axes(self, n_a: int = 41, n_b: int = 41) -> tuple[FloatArray, FloatArray]:
        """``n_a`` and ``n_b`` evenly spaced values from each minimum to its maximum, both included."""
        return np.linspace(self.a_min, self.a_max, int(n_a)), np.linspace(self.b_min, self.b_max, int(n_b))


def _bounds(values: FloatArray, margin: float, min_half_width: float) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo
    pad = margin * span
    mid = 0.5 * (lo + hi)
    half = max(0.5 * span + pad, min_half_width, 1e-9 * abs(mid))
    return mid - half, mid + half


def slice_range(
    path_a: ArrayLike, path_b: ArrayLike, centre: tuple[float, float] | None = None, margin: float = 0.25,
    min_half_width: float = 1.0,
) -> SliceRange:
    """Bounds of a grid that holds a training path and the centre, with room around them.

    Parameters
    ----------
    path_a, path_b : array_like, 1-D
        The two parameters along the path (``run.params_history[:, i]`` and ``[:, j]``); may be
        empty when ``centre`` is given.
    centre : (float, float), optional
        A point that must be inside too (the current parameters).
    margin : float
        Extra room on each side, as a fraction of the span of the path and centre.
    min_half_width : float
        Each axis reaches at least this far either side of its middle: a path that has not
        moved (one step, or all zeros) still gets a grid of width ``2 · min_half_width``.

    Returns
    -------
    SliceRange
        Never zero width (also at huge values, where ``min_half_width`` would vanish in rounding,
        the width is at least ``1e-9`` of the value), finite for finite inputs.

    Raises
    ------
    ValueError
        On non-finite values, paths of different lengths, no point at all, a negative margin or
        a non-positive ``min_half_width``.
    """
    pa = np.asarray(path_a, dtype=float).ravel()
    pb = np.asarray(path_b, dtype=float).ravel()
    if pa.shape != pb.shape:
        raise ValueError(f"the two paths differ in length: {pa.shape[0]} and {pb.shape[0]}")
    if centre is not None:
        pa = np.append(pa, float(centre[0]))
        pb = np.append(pb, float(centre[1]))
    if pa.size == 0:
        raise ValueError("a slice range needs a path or a centre")
    if not (np.all(np.isfinite(pa)) and np.all(np.isfinite(pb))):
        raise ValueError("path and centre must be finite")
    if not margin >= 0.0 or not min_half_width > 0.0:
        raise ValueError("margin must be >= 0 and min_half_width > 0")
    a_lo, a_hi = _bounds(pa, margin, min_half_width)
    b_lo, b_hi = _bounds(pb, margin, min_half_width)
    return SliceRange(a_lo, a_hi, b_lo, b_hi)


class ConvexityCheck(NamedTuple):
    """The result of :func:`convexity_check`.

    Attributes
    ----------
    convex : bool
        Every second difference is ``>= -tol``.
    worst : float
        The most negative second difference (``inf`` when the grid has none, below 3 × 3 along
        every direction).
    where : (int, int) or None
        ``(row, column)`` of the grid point at the middle of the worst one.
    tol : float
        The tolerance used.
    """

    convex: bool
    worst: float
    where: tuple[int, int] | None
    tol: float


def convexity_check(values: ArrayLike, tol: float | None = None) -> ConvexityCheck:
    """Whether a function on an evenly spaced grid is convex along its rows, columns and diagonals.

    Parameters
    ----------
    values : array_like, shape (R, S)
        ``f`` at ``(a_s, b_r)`` with evenly spaced ``a`` and ``b`` (as :func:`loss_slice` on
        :meth:`SliceRange.axes`).
    tol : float, optional
        How negative a second difference ``f(x − h) − 2 f(x) + f(x + h)`` may be and still count
        as rounding; default ``1e-9 · max(1, max |f|)``.

    Returns
    -------
    ConvexityCheck
        A convex function passes; passing is necessary, not sufficient, for convexity on the
        plane (four directions are checked, not every one). On an uneven grid the diagonals do
        not lie on lines, so the answer means nothing there.

    Raises
    ------
    ValueError
        On a non-2-D array or a value that is not finite.
    """
    f = np.asarray(values, dtype=float)
    if f.ndim != 2:
        raise ValueError(f"values must be a 2-D grid, got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("values must be finite to check convexity")
    if tol is not None:
        t = float(tol)
    else:
        t = 1e-9 * max(1.0, float(np.max(np.abs(f)))) if f.size else 0.0
    worst, where = math.inf, None
    diffs = (
        (f[:, :-2] - 2.0 * f[:, 1:-1] + f[:, 2:], (0, 1)),
        (f[:-2, :] - 2.0 * f[1:-1, :] + f[2:, :], (1, 0)),
        (f[:-2, :-2] - 2.0 * f[1:-1, 1:-1] + f[2:, 2:], (1, 1)),
        (f[2:, :-2] - 2.0 * f[1:-1, 1:-1] + f[:-2, 2:], (1, 1)),
    )
    for d2, (dr, dc) in diffs:
        if d2.size == 0:
            continue
        k = int(np.argmin(d2))
        if d2.flat[k] < worst:
            r, s = np.unravel_index(k, d2.shape)
            worst, where = float(d2.flat[k]), (int(r) + dr, int(s) + dc)
    return ConvexityCheck(worst >= -t, worst, where, t)


def is_convex_on_grid(values: ArrayLike, tol: float | None = None) -> bool:
    """:func:`convexity_check`'s verdict alone."""
    return convexity_check(values, tol).convex
