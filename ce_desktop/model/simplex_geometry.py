"""Geometry of the probability simplex: where a 3-class distribution sits in a triangle, and back.

The simplex view draws each distribution of three classes as a point of an equilateral
triangle (:data:`SIMPLEX_CORNERS`); a point dragged outside it is brought back by
:func:`project_to_simplex`. Numpy only.
"""

from __future__ import annotations

import math

import numpy as np

from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = ["SIMPLEX_CORNERS", "barycentric_to_cartesian", "cartesian_to_barycentric", "project_to_simplex"]

#: Corners of the simplex view's triangle: class 1 bottom left, class 2 bottom right, class 3 on top.
SIMPLEX_CORNERS: FloatArray = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3.0) / 2.0]])



def barycentric_to_cartesian(p: ArrayLike) -> FloatArray:
    """Where a 3-class distribution sits in the equilateral triangle of side 1.

    Parameters
    ----------
    p : array_like, shape (3,) or (N, 3)
        Weights of the three corners (:data:`SIMPLEX_CORNERS`); normally a distribution,
        but any weights summing to 1 are mapped (points outside the triangle then).

    Returns
    -------
    numpy.ndarray, shape (2,) or (N, 2)
        ``p @ SIMPLEX_CORNERS``: class 1 at (0, 0), class 2 at (1, 0), class 3 at (1/2, sqrt(3)/2).
    """
    arr = np.asarray(p, dtype=float)
    if arr.shape[-1] != 3:
        raise ValueError(f"the simplex view needs exactly 3 classes, got {arr.shape[-1]}")
    return arr @ SIMPLEX_CORNERS


def cartesian_to_barycentric(xy: ArrayLike) -> FloatArray:
    """Inverse of :func:`barycentric_to_cartesian`: corner weights of points in the plane.

    Parameters
    ----------
    xy : array_like, shape (2,) or (N, 2)

    Returns
    -------
    numpy.ndarray, shape (3,) or (N, 3)
        Weights summing to 1; all in [0, 1] exactly when the point lies in the triangle
        (a weight is negative outside). Use :func:`project_to_simplex` to clamp.
    """
    arr = np.asarray(xy, dtype=float)
    if arr.shape[-1] != 2:
        raise ValueError(f"points must have 2 coordinates, got {arr.shape[-1]}")
    x, yc = arr[..., 0], arr[..., 1]
    p3 = yc / SIMPLEX_CORNERS[2, 1]
    p2 = x - p3 / 2.0
    p1 = 1.0 - p2 - p3
    return np.stack([p1, p2, p3], axis=-1)


def project_to_simplex(v: ArrayLike) -> FloatArray:
    """The nearest probability distribution to ``v`` (Euclidean projection onto the simplex).

    The sort-based algorithm of Held, Wolfe & Crowder (1974) / Duchi et al. (2008). For three
    classes the triangle of :func:`barycentric_to_cartesian` is a similar copy of the simplex,
    so this is also the nearest point of the triangle to a point dragged outside it.

    Parameters
    ----------
    v : array_like, shape (C,)
        Any finite real vector.

    Returns
    -------
    numpy.ndarray, shape (C,)
        Non-negative, summing to 1 (to rounding); ``v`` itself if it already is a distribution.
    """
    v = np.asarray(v, dtype=float)
    if v.ndim != 1 or v.shape[0] < 1 or not np.all(np.isfinite(v)):
        raise ValueError("project_to_simplex takes one finite 1-D vector")
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.arange(1, v.shape[0] + 1)
    rho = int(np.nonzero(u - css / k > 0)[0][-1])
    theta = css[rho] / (rho + 1.0)
    out: FloatArray = np.maximum(v - theta, 0.0)
    total: float = out.sum()
    return out / total

