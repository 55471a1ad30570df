"""Cross-entropy over a dataset, defined exactly as PyTorch's ``F.cross_entropy``: no Qt.

:func:`cross_entropy` takes the logits of ``N`` samples and their targets, either class indices
(integers, shape ``(N,)``) or probabilities (floats, shape ``(N, C)``), with class weights, label
smoothing, an ignored class index and a reduction, and returns what
``torch.nn.functional.cross_entropy`` returns for the same arguments (in float64).
:func:`cross_entropy_grad` is its gradient with respect to the logits, and
:func:`loss_and_logit_gradient` gives both from one log-softmax, which is what a training step
needs. :class:`LossOptions` carries the options as one value. :data:`SURPRISES` lists, in words
the window can show, where the definition is not what one would guess. Numpy only.

Definition
----------
Every case is one formula. For each sample ``n`` a row of coefficients ``a_n`` (length ``C``) is
built from its target, and ``loss_n = -sum_c a_nc log softmax(z_n)_c``:

* class index ``t_n``, smoothing ``eps``: ``a_nc = (1 - eps) w_{t_n} [c = t_n] + (eps / C) w_c``
  (``w = 1`` without weights); an ignored sample (``t_n == ignore_index``) has ``a_n = 0``;
* probabilities ``y_n``: ``a_nc = w_c ((1 - eps) y_nc + eps / C)``.

``reduction="sum"`` adds the ``loss_n``; ``"none"`` returns them; ``"mean"`` divides the sum by

* class indices: ``sum of w_{t_n}`` over the samples not ignored (their count without weights);
* probabilities: ``N``, whatever the weights.

The gradient of ``loss_n`` with respect to ``z_n`` is ``softmax(z_n) sum_c a_nc - a_n``, divided
by the same denominator.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ce_desktop.model import core
from ce_desktop.model.types import ArrayLike, FloatArray, FloatOrArray

__all__ = [
    "REDUCTIONS",
    "SURPRISES",
    "LossOptions",
    "PreparedTarget",
    "LossAndGradient",
    "prepare_target",
    "cross_entropy",
    "cross_entropy_grad",
    "loss_and_logit_gradient",
    "loss_floor",
    "batched_losses",
]

#: The reductions :func:`cross_entropy` understands (PyTorch's names).
REDUCTIONS = ("mean", "sum", "none")

#: Where PyTorch's definition surprises, one plain sentence each (for the window to show).
SURPRISES: tuple[str, ...] = (
    "With class weights and class-index targets, the mean divides by the sum of the weights of the "
    "samples' classes, not by the number of samples: it is a weighted average.",
    "With probability targets, the mean divides by the number of samples N whatever the weights: "
    "a one-hot probability target gives the same loss as its class index only without weights.",
    "Label smoothing mixes the target with the uniform distribution, (1 - ε) y + ε / C; with class "
    "weights each class's share of the uniform part is weighted too, and for class-index targets "
    "the whole loss is still divided by the weights of the samples' own classes.",
    "An ignored class (ignore_index) applies to class-index targets only; an ignored sample adds nothing to the loss, "
    "to the mean's denominator or to the gradient.",
    "If every sample is ignored, the mean is 0 / 0: NaN, as in PyTorch (the sum is 0, and the "
    "gradient is 0).",
    "The sum (reduction='sum') grows with N, so the same learning rate takes steps N times larger than with "
    "the mean.",
)


@dataclasses.dataclass(frozen=True)
class LossOptions:
    """The options of :func:`cross_entropy` as one value (what a training run carries).

    Attributes
    ----------
    reduction : str
        ``"mean"``, ``"sum"`` or ``"none"``.
    weight : tuple of float or None
        One weight per class, or None for all 1.
    label_smoothing : float
        ``eps`` in ``[0, 1]``.
    ignore_index : int
        A class index whose samples are left out (class-index targets only); -100 by default,
        which no class has.
    """

    reduction: str = "mean"
    weight: tuple[float, ...] | None = None
    label_smoothing: float = 0.0
    ignore_index: int = -100

    def weight_array(self) -> FloatArray | None:
        """The weights as an array, or None."""
        return None if self.weight is None else np.asarray(self.weight, dtype=float)


class PreparedTarget(NamedTuple):
    """A target turned into the coefficient rows of the module's formula (see the module's docstring).

    Attributes
    ----------
    coefficients : numpy.ndarray, shape (N, C)
        ``a_n``: ``loss_n = -sum_c a_nc log softmax(z_n)_c``.
    ignored : numpy.ndarray of bool, shape (N,)
        The samples left out by ``ignore_index`` (all False for probability targets).
    sample_weights : numpy.ndarray, shape (N,)
        Each sample's share of the mean's denominator: ``w_{t_n}`` for a class index (0 if
        ignored), 1 for probabilities.
    totals : numpy.ndarray, shape (N, 1)
        ``sum_c a_nc``, kept once because every gradient needs it.
    """

    coefficients: FloatArray
    ignored: npt.NDArray[np.bool_]
    sample_weights: FloatArray
    totals: FloatArray

    @property
    def denominator(self) -> float:
        """What ``reduction="mean"`` divides the sum by."""
        return float(self.sample_weights.sum())

    def rows(self, index: npt.NDArray[np.intp]) -> PreparedTarget:
        """The target of the samples ``index`` only (a mini-batch), with its own denominator."""
        return PreparedTarget(
            self.coefficients[index], self.ignored[index], self.sample_weights[index], self.totals[index]
        )


class LossAndGradient(NamedTuple):
    """The loss, its gradient with respect to the logits, and the softmax on the way.

    ``loss`` is a float for ``"mean"`` and ``"sum"``, shape ``(N,)`` for ``"none"``; ``gradient``
    has the logits' shape (for ``"none"``, row ``n`` is the gradient of ``loss_n``).
    """

    loss: FloatOrArray
    gradient: FloatArray
    probabilities: FloatArray
    #: Each sample's ``loss_n`` (before the reduction), shape (N,).
    per_sample: FloatArray | None = None


def _check_reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    return reduction


def _check_logits(logits: ArrayLike) -> FloatArray:
    z = np.asarray(logits, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"logits must be 2-D (N samples by C classes), got shape {z.shape}")
    if z.shape[1] < 1:
        raise ValueError("logits need at least one class")
    if not np.all(np.isfinite(z)):
        raise ValueError("logits must be finite")
    return z


def _check_weight(weight: ArrayLike | None, c: int) -> FloatArray | None:
    if weight is None:
        return None
    w = np.asarray(weight, dtype=float)
    if w.shape != (c,):
        raise ValueError(f"weight must hold one number per class ({c}), got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("class weights must be finite")
    return w


def prepare_target(
    target: ArrayLike, num_classes: int, weight: ArrayLike | None = None, label_smoothing: float = 0.0,
    ignore_index: int = -100,
) -> PreparedTarget:
    """Turn a target into coefficients, the ignored samples and the mean's denominator.

    The target's kind is read from its dtype, as PyTorch does: integers (shape ``(N,)``) are class
    indices, floats (shape ``(N, C)``) are probabilities. Probabilities are not checked to sum to 1
    (PyTorch does not check either), only to be finite. A training run prepares its target once.

    Raises
    ------
    ValueError
        On a class index outside ``0..C-1`` that is not ``ignore_index``, a float target that is
        not ``(N, C)``, weights of the wrong shape, or ``label_smoothing`` outside ``[0, 1]``.
    """
    c = int(num_classes)
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    w = _check_weight(weight, c)
    t = np.asarray(target)
    if t.dtype == np.bool_ or not (np.issubdtype(t.dtype, np.integer) or np.issubdtype(t.dtype, np.floating)):
        raise ValueError(f"target must be class indices (integers) or probabilities (floats), got {t.dtype}")
    if np.issubdtype(t.dtype, np.integer):
        return _prepare_indices(t, c, w, eps, int(ignore_index))
    y = t.astype(float)
    if y.ndim != 2 or y.shape[1] != c:
        raise ValueError(f"probability targets must have shape (N, {c}), got {y.shape}"
                         " (class indices must be integers)")
    if not np.all(np.isfinite(y)):
        raise ValueError("probability targets must be finite")
    q = y if eps == 0.0 else (1.0 - eps) * y + eps / c
    a = q if w is None else q * w
    return PreparedTarget(a, np.zeros(y.shape[0], dtype=bool), np.ones(y.shape[0]), _totals(a))


def _prepare_indices(
    t: npt.NDArray[np.integer], c: int, w: FloatArray | None, eps: float, ignore: int
) -> PreparedTarget:
    if t.ndim != 1:
        raise ValueError(f"class-index targets must have shape (N,), got {t.shape}")
    n = t.shape[0]
    ignored = t == ignore
    bad = ~ignored & ((t < 0) | (t >= c))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"target {int(t[i])} at index {i} is not a class (0..{c - 1}) nor ignore_index ({ignore})")
    kept = ~ignored
    idx = np.where(kept, t, 0)
    rows = np.arange(n)
    wc = np.ones(c) if w is None else w
    a = np.zeros((n, c))
    a[rows, idx] = (1.0 - eps) * wc[idx]
    if eps > 0.0:
        a += (eps / c) * wc
    a[ignored] = 0.0
    return PreparedTarget(a, ignored, np.where(kept, wc[idx], 0.0), _totals(a))


def _totals(a: FloatArray) -> FloatArray:
    out: FloatArray = a.sum(axis=1, keepdims=True)
    return out


def loss_and_logit_gradient(logits: ArrayLike, prepared: PreparedTarget, reduction: str = "mean") -> LossAndGradient:
    """The loss and its gradient with respect to the logits, from one softmax.

    Parameters
    ----------
    logits : array_like, shape (N, C)
        Finite logits.
    prepared : PreparedTarget
        From :func:`prepare_target` with the same ``C``.
    reduction : str

    Returns
    -------
    LossAndGradient
        A mean whose denominator is 0 (no sample, every sample ignored, or the weights of the
        samples' classes summing to 0) is NaN, as in PyTorch; so is the gradient then, except
        the ignored samples' rows, which are 0 (all of it when every sample is ignored).
    """
    _check_reduction(reduction)
    z = _check_logits(logits)
    a = prepared.coefficients
    if a.shape != z.shape:
        raise ValueError(f"target and logits have different shapes: {a.shape} and {z.shape}")
    p, lsm = core.softmax_and_log_softmax(z)
    per_sample = -np.einsum("nc,nc->n", a, lsm)
    grad = p * prepared.totals - a
    if reduction == "none":
        return LossAndGradient(per_sample, grad, p, per_sample)
    total = float(per_sample.sum())
    if reduction == "sum":
        return LossAndGradient(total, grad, p, per_sample)
    d = prepared.denominator
    if d == 0.0:  # PyTorch's 0 / 0 (its smoothed part adds to a NaN): a float 0 here would warn
        loss = math.nan
        grad = np.where(prepared.ignored[:, None], 0.0, grad * math.nan)
        return LossAndGradient(loss, grad, p, per_sample)
    return LossAndGradient(total / d, grad / d, p, per_sample)


def loss_floor(prepared: PreparedTarget, reduction: str = "mean") -> FloatOrArray:
    """The lowest loss any logits reach: the floor a training curve approaches.

    Sample ``n``'s loss ``-sum_c a_nc log p_c`` is least at ``p = a_n / A_n`` (``A_n = sum_c
    a_nc``), where it is ``A_n H(a_n / A_n)``: the entropy of the smoothed target, times its
    weight. For probability targets without weights the mean floor is the mean ``H(y_n)``, so
    CE = H + KL over the dataset; a hard class index without smoothing has floor 0, reached only
    as its logit runs to infinity. Reduced as the loss is (NaN for a mean over nothing).

    Raises
    ------
    ValueError
        If a coefficient is negative (a negative class weight or target): then there is no floor.
    """
    _check_reduction(reduction)
    a, tot = prepared.coefficients, prepared.totals
    if np.any(a < 0):
        raise ValueError("the loss has no floor with negative class weights or targets")
    q = a / np.where(tot > 0.0, tot, 1.0)
    per_sample: FloatArray = core.neg_xlogy(a, q).sum(axis=1)
    if reduction == "none":
        return per_sample
    total = float(per_sample.sum())
    if reduction == "sum":
        return total
    d = prepared.denominator
    return math.nan if d == 0.0 else total / d


def batched_losses(logits: ArrayLike, prepared: PreparedTarget, reduction: str = "mean") -> FloatArray:
    """The loss of ``G`` sets of logits against one target at once (a grid of parameters).

    Parameters
    ----------
    logits : array_like, shape (G, N, C)
        Finite logits: ``G`` evaluations of the same ``N`` samples (for example one per point of
        a loss surface).
    prepared : PreparedTarget
        From :func:`prepare_target`, ``N`` samples of ``C`` classes.
    reduction : str

    Returns
    -------
    numpy.ndarray
        Shape ``(G,)`` for ``"mean"`` and ``"sum"``, ``(G, N)`` for ``"none"``: row ``g`` is what
        :func:`loss_and_logit_gradient` gives for ``logits[g]``, up to rounding (the same
        coefficients, log-softmax and denominator). A mean whose denominator is 0 is NaN for
        every ``g``, as in PyTorch; ``G = 0`` gives an empty array.
    """
    _check_reduction(reduction)
    z = np.asarray(logits, dtype=float)
    a = prepared.coefficients
    if z.ndim != 3 or z.shape[1:] != a.shape:
        raise ValueError(f"logits must have shape (G, {a.shape[0]}, {a.shape[1]}), got {z.shape}")
    g, n, c = z.shape
    if g == 0 or n == 0:
        empty: FloatArray = np.zeros((g, n) if reduction == "none" else g)
        if reduction == "mean" and prepared.denominator == 0.0:
            empty[...] = math.nan
        return empty
    lsm = core.log_softmax(_check_logits(z.reshape(g * n, c))).reshape(g, n, c)
    per_sample: FloatArray = -np.einsum("gnc,nc->gn", lsm, a)
    if reduction == "none":
        return per_sample
    total: FloatArray = per_sample.sum(axis=1)
    if reduction == "sum":
        return total
    d = prepared.denominator
    if d == 0.0:
        return np.full(g, math.nan)
    out: FloatArray = total / d
    return out


def _options(target: ArrayLike, logits: FloatArray, weight: ArrayLike | None, label_smoothing: float,
             ignore_index: int) -> PreparedTarget:
    return prepare_target(target, logits.shape[1], weight, label_smoothing, ignore_index)


def _batched(logits: ArrayLike, target: ArrayLike) -> tuple[FloatArray, ArrayLike, bool]:
    """One sample (logits of shape (C,)) as a batch of one, as PyTorch accepts it."""
    z = np.asarray(logits, dtype=float)
    if z.ndim != 1:
        return z, target, False
    t = np.asarray(target)
    return z[None, :], (t[None] if t.ndim == 0 else t[None, :]), True


def cross_entropy(
    logits: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None, reduction: str = "mean",
    label_smoothing: float = 0.0, ignore_index: int = -100,
) -> FloatOrArray:
    """Cross-entropy of logits against targets, as ``torch.nn.functional.cross_entropy`` defines it.

    Parameters
    ----------
    logits : array_like, shape (N, C) or (C,)
        Finite, unnormalised logits (one sample if 1-D, as in PyTorch).
    target : array_like
        Class indices (an integer array of shape ``(N,)``, or one integer for one sample) or
        probabilities (a float array with the logits' shape). The dtype decides, as in PyTorch:
        ``[0, 2]`` is two class indices, ``[[1.0, 0.0], ...]`` probabilities.
    weight : array_like of shape (C,), optional
        A weight per class, multiplying that class's terms.
    reduction : {"mean", "sum", "none"}
        ``"mean"`` divides the sum by the total weight of the samples' classes (class indices,
        ignored samples left out) or by ``N`` (probabilities): see the module's docstring.
    label_smoothing : float in [0, 1]
        Mixes the target with the uniform distribution: ``(1 - eps) y + eps / C``.
    ignore_index : int
        Class-index targets equal to it add nothing (no effect on probability targets).

    Returns
    -------
    float, or numpy.ndarray of shape (N,) for ``"none"``
        In nats. Each ``loss_n`` is finite for finite logits. The mean over no sample (every
        target ignored) is NaN, exactly as in PyTorch; the sum over none is 0. For one
        sample (1-D logits) and ``"none"`` the result is a float.

    Raises
    ------
    ValueError
        On logits that are not finite or not 1-D/2-D, a bad target (see :func:`prepare_target`)
        or an unknown reduction.
    """
    z, t, single = _batched(logits, target)
    z = _check_logits(z)
    result = loss_and_logit_gradient(z, _options(t, z, weight, label_smoothing, ignore_index), reduction)
    loss = result.loss
    if single and isinstance(loss, np.ndarray):
        return float(loss[0])
    return loss


def cross_entropy_grad(
    logits: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None, reduction: str = "mean",
    label_smoothing: float = 0.0, ignore_index: int = -100,
) -> FloatArray:
    """Gradient of :func:`cross_entropy` with respect to the logits (the same arguments).

    Returns
    -------
    numpy.ndarray, the logits' shape
        For ``"mean"`` and ``"sum"``, the gradient of the reduced loss; for ``"none"``, row ``n``
        is the gradient of ``loss_n`` with respect to ``z_n`` (the other rows of its Jacobian
        are 0), i.e. the gradient of the sum. Each row is ``softmax(z_n) sum_c a_nc - a_n``
        over the reduction's denominator; ignored samples' rows are 0. Where the mean divides
        by 0 (every sample ignored) every row is 0, as PyTorch's backward gives.
    """
    z, t, single = _batched(logits, target)
    z = _check_logits(z)
    grad = loss_and_logit_gradient(z, _options(t, z, weight, label_smoothing, ignore_index), reduction).gradient
    out: FloatArray = grad[0] if single else grad
    return out
