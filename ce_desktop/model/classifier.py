"""Classifiers of points: multinomial logistic regression and a one-hidden-layer MLP. No Qt.

A model is a small frozen description (its sizes) and its parameters are **one flat float
vector**, so that an optimiser updates them as one array and a training run keeps one row per
step; :meth:`LinearModel.unpack` and :meth:`MLP.unpack` give named views into it (writing through
a view writes the vector). Every model has

* ``init(kind, seed)``: the starting vector, ``"zeros"`` or seeded ``"random"``;
* ``logits(params, X)``: shape ``(N, C)``;
* ``loss_and_gradients(params, X, target, options, weight_decay)``: the loss
  (:mod:`~ce_desktop.model.dataset_loss`, PyTorch's definition) plus the L2 penalty, and its
  gradient for every parameter, as one flat vector laid out like ``params``.

L2 weight decay adds ``(weight_decay / 2) * sum of squared weights`` to the loss, over the weight
matrices only (not the biases), so its gradient is ``weight_decay * W``. Inputs are plain arrays
``X`` of shape ``(N, D)``; :func:`polynomial_features` makes the ``D`` columns of a polynomial
model from 2-D points. Everything is vectorised over the samples.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np

from ce_desktop.model import dataset_loss
from ce_desktop.model.dataset_loss import LossOptions, PreparedTarget
from ce_desktop.model.types import ArrayLike, FloatArray

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MAX_DEGREE",
    "MIN_HIDDEN",
    "MAX_HIDDEN",
    "polynomial_features",
    "feature_names",
    "LinearParams",
    "MLPParams",
    "LinearModel",
    "MLP",
    "Evaluation",
    "accuracy",
]

#: Hidden-layer activations of :class:`MLP`.
ACTIVATIONS = ("tanh", "relu")
#: Ways to start the parameters.
INITS = ("zeros", "random")
MAX_DEGREE = 3
MIN_HIDDEN = 2
MAX_HIDDEN = 64


def _check_points(x: ArrayLike, d: int | None = None) -> FloatArray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"inputs must be 2-D (N samples by D features), got shape {arr.shape}")
    if d is not None and arr.shape[1] != d:
        raise ValueError(f"inputs must have {d} features, got {arr.shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("inputs must be finite")
    return arr


def polynomial_features(x: ArrayLike, degree: int) -> FloatArray:
    """The monomials of 2-D points up to ``degree`` (1 to 3), without the constant.

    Parameters
    ----------
    x : array_like, shape (N, 2)
        Points ``(x1, x2)``; with ``degree=1`` any number of columns is returned as it is.
    degree : int
        1, 2 or 3.

    Returns
    -------
    numpy.ndarray, shape (N, D)
        Columns by total degree, and within one degree by falling power of ``x1``
        (:func:`feature_names`): degree 1 ``x1, x2`` (D = 2); degree 2 adds ``x1², x1·x2, x2²``
        (D = 5); degree 3 adds ``x1³, x1²·x2, x1·x2², x2³`` (D = 9). The bias is the model's.
    """
    deg = int(degree)
    if not 1 <= deg <= MAX_DEGREE:
        raise ValueError(f"degree must be 1 to {MAX_DEGREE}, got {degree!r}")
    pts = _check_points(x)
    if deg == 1:
        out: FloatArray = pts.copy()
        return out
    if pts.shape[1] != 2:
        raise ValueError(f"polynomial features of degree > 1 need 2-D points, got {pts.shape[1]} columns")
    x1, x2 = pts[:, 0], pts[:, 1]
    cols = [x1 ** (k - j) * x2**j for k in range(1, deg + 1) for j in range(k + 1)]
    return np.stack(cols, axis=1)


def feature_names(degree: int) -> tuple[str, ...]:
    """The names of :func:`polynomial_features`' columns, in order (``"x1^2*x2"`` style)."""
    def name(a: int, b: int) -> str:
        parts = [f"x1^{a}" if a > 1 else "x1"] * (a > 0) + [f"x2^{b}" if b > 1 else "x2"] * (b > 0)
        return "*".join(parts)
    return tuple(name(k - j, j) for k in range(1, int(degree) + 1) for j in range(k + 1))


class LinearParams(NamedTuple):
    """Views into a linear model's flat vector: ``W`` (C, D) first, row by row, then ``b`` (C,)."""

    W: FloatArray
    b: FloatArray


class MLPParams(NamedTuple):
    """Views into an MLP's flat vector, in this order: ``W1`` (H, D), ``b1`` (H,), ``W2`` (C, H), ``b2`` (C,)."""

    W1: FloatArray
    b1: FloatArray
    W2: FloatArray
    b2: FloatArray


class Evaluation(NamedTuple):
    """What one pass of a model over the data gives.

    Attributes
    ----------
    loss : float
        The reduced cross-entropy plus the L2 penalty (what the gradient is of). For
        ``reduction="none"`` the sum of the per-sample losses.
    data_loss : float
        The cross-entropy alone (no penalty), reduced as asked (the sum for ``"none"``).
    gradient : numpy.ndarray
        d loss / d params, laid out like the parameters.
    logits, probabilities : numpy.ndarray, shape (N, C)
    """

    loss: float
    data_loss: float
    gradient: FloatArray
    logits: FloatArray
    probabilities: FloatArray
    #: Each sample's cross-entropy (no penalty), shape (N,).
    per_sample: FloatArray | None = None


def _check_params(params: ArrayLike, n: int) -> FloatArray:
    p = np.asarray(params, dtype=float)
    if p.shape != (n,):
        raise ValueError(f"parameters must be a flat vector of {n} numbers, got shape {p.shape}")
    return p


def _prepared(target: ArrayLike | PreparedTarget, c: int, options: LossOptions) -> PreparedTarget:
    if isinstance(target, PreparedTarget):
        return target
    return dataset_loss.prepare_target(target, c, options.weight, options.label_smoothing, options.ignore_index)


def _reduced(loss: float | FloatArray) -> float:
    return float(np.sum(loss))


def _check_init(kind: str) -> None:
    if kind not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, got {kind!r}")


@dataclasses.dataclass(frozen=True)
class LinearModel:
    """Multinomial logistic regression: ``ŷ = softmax(W x + b)``, ``W`` of shape (C, D).

    Attributes
    ----------
    n_features : int
        D, the number of input columns (2 for points, more for polynomial features).
    n_classes : int
        C, at least 2.
    """

    n_features: int
    n_classes: int

    def __post_init__(self) -> None:
        if int(self.n_features) < 1 or int(self.n_classes) < 2:
            raise ValueError(f"a linear model needs D >= 1 and C >= 2, got D={self.n_features}, C={self.n_classes}")

    @property
    def n_params(self) -> int:
        """C·D + C."""
        return self.n_classes * self.n_features + self.n_classes

    def unpack(self, params: FloatArray) -> LinearParams:
        """Views ``W`` (C, D) and ``b`` (C,) into ``params`` (no copy)."""
        p = _check_params(params, self.n_params)
        c, d = self.n_classes, self.n_features
        return LinearParams(p[: c * d].reshape(c, d), p[c * d:])

    def init(self, kind: str = "zeros", seed: int = 0) -> FloatArray:
        """The starting parameters: all zeros (every class equally likely everywhere), or ``W``
        drawn from N(0, 1/D) by ``numpy.random.default_rng(seed)`` and ``b = 0``."""
        _check_init(kind)
        p = np.zeros(self.n_params)
        if kind == "random":
            w = self.unpack(p).W
            w[:] = np.random.default_rng(seed).normal(0.0, 1.0 / math.sqrt(self.n_features), w.shape)
        return p

    def logits(self, params: FloatArray, x: ArrayLike) -> FloatArray:
        """``X Wᵀ + b``, shape (N, C)."""
        W, b = self.unpack(params)
        # (W Xᵀ)ᵀ, not X Wᵀ: the same sums, many times faster on this BLAS for a tall, thin X
        out: FloatArray = (W @ _check_points(x, self.n_features).T).T + b
        return out

    def weight_penalty(self, params: FloatArray) -> float:
        """``sum W²``: the L2 penalty is ``weight_decay / 2`` times this (biases are not decayed)."""
        W = self.unpack(params).W
        return float(np.dot(W.ravel(), W.ravel()))

    def loss_and_gradients(
        self, params: FloatArray, x: ArrayLike, target: ArrayLike | PreparedTarget,
        options: LossOptions | None = None, weight_decay: float = 0.0,
    ) -> Evaluation:
        """The loss (CE of :mod:`~ce_desktop.model.dataset_loss` + ``weight_decay/2 · sum W²``)
        and its gradient for every parameter (one flat vector, laid out like ``params``).

        ``target`` is class indices (int, N), probabilities (N, C), or a
        :class:`~ce_desktop.model.dataset_loss.PreparedTarget` made once for a run.
        """
        opts = options or LossOptions()
        x = _check_points(x, self.n_features)
        W, b = self.unpack(params)
        z = (W @ x.T).T + b  # as in logits
        res = dataset_loss.loss_and_logit_gradient(z, _prepared(target, self.n_classes, opts), opts.reduction)
        g = np.empty(self.n_params)
        g_w, gb = self.unpack(g)
        np.matmul(res.gradient.T, x, out=g_w)
        np.matmul(np.ones(x.shape[0]), res.gradient, out=gb)  # the column sums, far faster for N x C
        data = _reduced(res.loss)
        lam = float(weight_decay)
        loss = data
        if lam:
            g_w += lam * W
            loss = data + 0.5 * lam * self.weight_penalty(params)
        return Evaluation(loss, data, g, z, res.probabilities, res.per_sample)


@dataclasses.dataclass(frozen=True)
class MLP:
    """One hidden layer: ``h = act(W1 x + b1)``, ``ŷ = softmax(W2 h + b2)``.

    Attributes
    ----------
    n_features : int
        D.
    n_classes : int
        C, at least 2.
    hidden : int
        H, 2 to 64 units.
    activation : str
        ``"tanh"`` or ``"relu"`` (whose derivative at 0 is taken as 0, as PyTorch does).
    """

    n_features: int
    n_classes: int
    hidden: int = 8
    activation: str = "tanh"

    def __post_init__(self) -> None:
        if int(self.n_features) < 1 or int(self.n_classes) < 2:
            raise ValueError(f"an MLP needs D >= 1 and C >= 2, got D={self.n_features}, C={self.n_classes}")
        if not MIN_HIDDEN <= int(self.hidden) <= MAX_HIDDEN:
            raise ValueError(f"hidden units must be {MIN_HIDDEN} to {MAX_HIDDEN}, got {self.hidden!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")

    @property
    def n_params(self) -> int:
        """H·D + H + C·H + C."""
        h, d, c = self.hidden, self.n_features, self.n_classes
        return h * d + h + c * h + c

    def unpack(self, params: FloatArray) -> MLPParams:
        """Views ``W1, b1, W2, b2`` into ``params`` (no copy)."""
        p = _check_params(params, self.n_params)
        h, d, c = self.hidden, self.n_features, self.n_classes
        i1 = h * d
        i2 = i1 + h
        i3 = i2 + c * h
        return MLPParams(p[:i1].reshape(h, d), p[i1:i2], p[i2:i3].reshape(c, h), p[i3:])

    def init(self, kind: str = "zeros", seed: int = 0) -> FloatArray:
        """All zeros, or seeded random weights (biases 0): ``W1`` from N(0, 1/D) (N(0, 2/D) for
        ReLU) and ``W2`` from N(0, 1/H), by ``numpy.random.default_rng(seed)``.

        With zeros every hidden unit is the same and stays the same (only ``b2`` learns at
        first): the symmetry a random start breaks.
        """
        _check_init(kind)
        p = np.zeros(self.n_params)
        if kind == "random":
            rng = np.random.default_rng(seed)
            v = self.unpack(p)
            gain = 2.0 if self.activation == "relu" else 1.0
            v.W1[:] = rng.normal(0.0, math.sqrt(gain / self.n_features), v.W1.shape)
            v.W2[:] = rng.normal(0.0, math.sqrt(1.0 / self.hidden), v.W2.shape)
        return p

    def _hidden(self, v: MLPParams, x: FloatArray) -> FloatArray:
        pre = x @ v.W1.T + v.b1
        out: FloatArray = np.tanh(pre) if self.activation == "tanh" else np.maximum(pre, 0.0)
        return out

    def logits(self, params: FloatArray, x: ArrayLike) -> FloatArray:
        """``act(X W1ᵀ + b1) W2ᵀ + b2``, shape (N, C)."""
        v = self.unpack(params)
        out: FloatArray = self._hidden(v, _check_points(x, self.n_features)) @ v.W2.T + v.b2
        return out

    def weight_penalty(self, params: FloatArray) -> float:
        """``sum W1² + sum W2²`` (biases are not decayed)."""
        v = self.unpack(params)
        return float(np.dot(v.W1.ravel(), v.W1.ravel()) + np.dot(v.W2.ravel(), v.W2.ravel()))

    def loss_and_gradients(
        self, params: FloatArray, x: ArrayLike, target: ArrayLike | PreparedTarget,
        options: LossOptions | None = None, weight_decay: float = 0.0,
    ) -> Evaluation:
        """As :meth:`LinearModel.loss_and_gradients`, by backpropagation through the hidden layer."""
        opts = options or LossOptions()
        x = _check_points(x, self.n_features)
        v = self.unpack(params)
        h = self._hidden(v, x)
        z = h @ v.W2.T + v.b2
        res = dataset_loss.loss_and_logit_gradient(z, _prepared(target, self.n_classes, opts), opts.reduction)
        gz = res.gradient
        g = np.empty(self.n_params)
        gv = self.unpack(g)
        np.matmul(gz.T, h, out=gv.W2)
        np.matmul(np.ones(x.shape[0]), gz, out=gv.b2)
        gh = gz @ v.W2
        gpre = gh * (1.0 - h * h) if self.activation == "tanh" else gh * (h > 0.0)
        np.matmul(gpre.T, x, out=gv.W1)
        np.matmul(np.ones(x.shape[0]), gpre, out=gv.b1)
        data = _reduced(res.loss)
        lam = float(weight_decay)
        loss = data
        if lam:
            gv.W1[:] += lam * v.W1
            gv.W2[:] += lam * v.W2
            loss = data + 0.5 * lam * self.weight_penalty(params)
        return Evaluation(loss, data, g, z, res.probabilities, res.per_sample)


def accuracy(logits: FloatArray, target: ArrayLike, ignore_index: int = -100) -> float:
    """The fraction of samples whose largest logit is their class.

    For class indices the ignored samples are left out; for probability targets a sample's
    class is its most probable one (the first, on a tie). NaN when no sample counts.
    """
    z = np.asarray(logits, dtype=float)
    t = np.asarray(target)
    pred = np.argmax(z, axis=1)
    if np.issubdtype(t.dtype, np.integer):
        kept = t != ignore_index
        n = int(kept.sum())
        return math.nan if n == 0 else float(np.count_nonzero((pred == t) & kept)) / n
    if t.shape[0] == 0:
        return math.nan
    return float(np.mean(pred == np.argmax(t, axis=1)))

