"""The likelihood of N samples, next to its logarithm: why we minimise −log L. No Qt.

Each sample's cross-entropy ``ℓ_n`` is ``−log p_n`` for a probability ``p_n = exp(−ℓ_n)`` the model
gives that sample's label, so the likelihood of the whole data set is ``L = Π_n p_n`` and
``log L = −Σ_n ℓ_n``. Multiplied out in float64 the product of even moderate probabilities
reaches the smallest subnormal number, ``2**-1074 ≈ 4.9e-324``, after a few hundred or thousand
samples and is then exactly 0, while the sum of the logs stays an ordinary number:
:func:`cumulative_likelihood` shows both, sample by sample, and where the product gives out.
"""

from __future__ import annotations

import math
import sys
from typing import NamedTuple

import numpy as np

from ce_desktop.model.types import ArrayLike, BoolArray, FloatArray

__all__ = [
    "SMALLEST_NORMAL",
    "SMALLEST_SUBNORMAL",
    "sample_likelihoods",
    "CumulativeLikelihood",
    "cumulative_likelihood",
    "LikelihoodSummary",
    "likelihood_summary",
]

#: The smallest positive normal float64, ``2**-1022``: below it a product loses precision.
SMALLEST_NORMAL = sys.float_info.min
#: The smallest positive float64, ``2**-1074``: half of it rounds to 0.
SMALLEST_SUBNORMAL = math.ldexp(1.0, -1074)

_LOG10_E = 1.0 / math.log(10.0)


def _check_losses(losses: ArrayLike) -> FloatArray:
    arr = np.asarray(losses, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"per-sample losses must be 1-D (one per sample), got shape {arr.shape}")
    if np.any(np.isnan(arr)) or np.any(arr == -np.inf):
        raise ValueError("per-sample losses must be numbers, +inf allowed (probability 0), not NaN or -inf")
    return arr


def _check_probabilities(p: ArrayLike) -> FloatArray:
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"sample probabilities must be 1-D (one per sample), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0.0):
        raise ValueError("sample probabilities must be finite and non-negative")
    return arr


def sample_likelihoods(per_sample_loss: ArrayLike) -> FloatArray:
    """Each sample's likelihood ``p_n = exp(−ℓ_n)`` from its cross-entropy.

    Parameters
    ----------
    per_sample_loss : array_like, shape (N,)
        ``ℓ_n`` in nats (``reduction="none"``); ``+inf`` is allowed.

    Returns
    -------
    numpy.ndarray, shape (N,)
        For a hard label (a class index, no smoothing or weights) ``p_n`` is ``ŷ_n`` of the true
        class. For a soft label ``y_n`` it is ``Π_c ŷ_nc ** y_nc``, the geometric mean of the
        predicted probabilities weighted by the label (the likelihood of ``y_n`` treated as
        fractional counts); with weights ``w`` or smoothing it is ``Π_c ŷ_nc ** a_nc`` for the
        coefficients of :mod:`~ce_desktop.model.dataset_loss`. ``ℓ = 0`` (an ignored sample,
        or a certain, correct prediction) gives 1; ``ℓ = +inf`` gives exactly 0; a loss above
        about 745 also gives 0 (``exp`` underflows) and one between about 708 and 745 a
        subnormal number. A negative loss (negative class weights) gives a value above 1.

    Raises
    ------
    ValueError
        On NaN, ``-inf`` or an array that is not 1-D.
    """
    ell = _check_losses(per_sample_loss)
    with np.errstate(under="ignore", over="ignore"):
        out: FloatArray = np.exp(-ell)
    return out


class CumulativeLikelihood(NamedTuple):
    """The likelihood of the first ``n`` samples, for ``n = 1..N``.

    Indices ``n`` count samples (1-based): ``product[n - 1]`` is the product of the first ``n``.

    Attributes
    ----------
    product : numpy.ndarray, shape (N,)
        The running product ``Π_{k<=n} p_k`` multiplied out naively in float64 (``numpy.cumprod``):
        once it falls below :data:`SMALLEST_NORMAL` it loses digits, and after it passes half of
        :data:`SMALLEST_SUBNORMAL` it is exactly 0 for good.
    log_likelihood : numpy.ndarray, shape (N,)
        The running ``Σ_{k<=n} log p_k`` in nats (``−Σ ℓ_k`` when built from the losses, with no
        ``exp``/``log`` round trip): finite as long as every ``p_k > 0``, ``-inf`` from the first
        ``p_k = 0`` on (``ℓ_k = inf``), never NaN.
    underflow_index : int or None
        The first ``n`` at which ``product`` is exactly 0.0, or None. If ``log_likelihood`` is
        ``-inf`` there too the zero is true (a sample of probability 0), not an underflow.
    subnormal_index : int or None
        The first ``n`` at which ``product`` is below :data:`SMALLEST_NORMAL` (subnormal, or
        already 0 when it jumps past the subnormals), or None; never after ``underflow_index``.
    log_likelihood_at_underflow, log_likelihood_at_subnormal : float or None
        ``log_likelihood`` at those ``n`` (None with the index): what the product could not show.
    """

    product: FloatArray
    log_likelihood: FloatArray
    underflow_index: int | None
    subnormal_index: int | None
    log_likelihood_at_underflow: float | None
    log_likelihood_at_subnormal: float | None


def _first(mask: BoolArray) -> int | None:
    if not mask.any():
        return None
    return int(np.argmax(mask)) + 1


def cumulative_likelihood(p: ArrayLike | None = None, *, losses: ArrayLike | None = None) -> CumulativeLikelihood:
    """The running product of the samples' likelihoods beside the running sum of their logs.

    Parameters
    ----------
    p : array_like, shape (N,), optional
        The samples' likelihoods (:func:`sample_likelihoods`), each finite and ``>= 0``.
    losses : array_like, shape (N,), optional, keyword only
        The per-sample cross-entropies ``ℓ_n`` instead (or as well): then the log-likelihood is
        ``−cumsum(ℓ)`` exactly, which stays finite where ``exp(−ℓ)`` would already be 0, and the
        product is of ``p`` if given, else of ``exp(−ℓ)``. Give at least one of the two.

    Returns
    -------
    CumulativeLikelihood
        For ``N = 0`` every array is empty and every index None (the empty product, 1, is
        never 0). ``p_n = 0`` (``ℓ_n = inf``) makes the product 0 and the log-likelihood
        ``-inf`` from ``n`` on. Probabilities above 1 (negative losses) are allowed; their
        product can overflow to ``inf``.

    Raises
    ------
    ValueError
        If neither is given, they differ in length, or an entry is invalid (see
        :func:`sample_likelihoods`).
    """
    if p is None and losses is None:
        raise ValueError("give the samples' likelihoods p or their losses")
    if losses is not None:
        ell = _check_losses(losses)
        probs = sample_likelihoods(ell) if p is None else _check_probabilities(p)
        if probs.shape != ell.shape:
            raise ValueError(f"p and losses have different lengths: {probs.shape[0]} and {ell.shape[0]}")
        log_l: FloatArray = -np.cumsum(ell)
    else:
        assert p is not None
        probs = _check_probabilities(p)
        with np.errstate(divide="ignore"):  # log 0 = -inf is the right answer
            log_l = np.cumsum(np.log(probs))
    with np.errstate(under="ignore", over="ignore"):
        product: FloatArray = np.cumprod(probs, dtype=np.float64)
    under = _first(product == 0.0)
    sub = _first(product < SMALLEST_NORMAL)
    return CumulativeLikelihood(
        product, log_l, under, sub,
        None if under is None else float(log_l[under - 1]),
        None if sub is None else float(log_l[sub - 1]),
    )


class LikelihoodSummary(NamedTuple):
    """The numbers a likelihood view prints for the whole data set.

    Attributes
    ----------
    n : int
        N, the number of samples.
    mean_loss : float
        ``Σ ℓ_n / N = −log L / N`` (NaN for N = 0): the reduced ``"mean"`` loss only without class
        weights and ignored samples, which change its denominator.
    log_likelihood : float
        ``log L`` in nats: 0 for N = 0, ``-inf`` if a sample has probability 0.
    product : float
        ``Π p_n`` multiplied out in float64: 0.0 once it underflowed, 1.0 for N = 0.
    underflowed : bool
        The product is 0.0 although every ``p_n > 0``: floating point, not the model.
    underflow_index : int or None
        The first ``n`` at which the running product became 0.0 (see :class:`CumulativeLikelihood`).
    log10_likelihood : float
        ``log10 L = log L / ln 10``: the product would be ``10 ** log10_likelihood``.
    mantissa, exponent : float, int or None
        ``L = mantissa × 10 ** exponent`` with ``1 <= mantissa < 10``, for printing numbers far
        below the float range ("3.2 × 10^-4512"). For ``L = 0`` (log L = -inf) the mantissa is 0
        and the exponent None; for ``log L = +inf`` (only with losses of -inf, which are
        refused) it would be ``inf`` and None.
    """

    n: int
    mean_loss: float
    log_likelihood: float
    product: float
    underflowed: bool
    underflow_index: int | None
    log10_likelihood: float
    mantissa: float
    exponent: int | None


def likelihood_summary(p: ArrayLike | None = None, *, losses: ArrayLike | None = None) -> LikelihoodSummary:
    """N, the mean loss, log L, the float64 product and ``L`` in powers of ten.

    The arguments are those of :func:`cumulative_likelihood` (give the losses when you have
    them: ``log L = −Σ ℓ`` is then exact). Mean loss and ``log L`` are summed with
    :func:`math.fsum`, correctly rounded whatever N.
    """
    cum = cumulative_likelihood(p, losses=losses)
    n = int(cum.product.shape[0])
    if losses is not None:
        log_l = -math.fsum(_check_losses(losses).tolist())
    else:
        assert p is not None
        with np.errstate(divide="ignore"):
            log_l = math.fsum(np.log(_check_probabilities(p)).tolist())
    total_loss = -log_l
    product = float(cum.product[-1]) if n else 1.0
    log10 = log_l * _LOG10_E
    if log10 == -math.inf:
        mantissa, exponent = 0.0, None
    elif log10 == math.inf:
        mantissa, exponent = math.inf, None
    else:
        e = math.floor(log10)
        m = 10.0 ** (log10 - e)
        if m >= 10.0:  # rounding of 10 ** (just under 1)
            m, e = m / 10.0, e + 1
        mantissa, exponent = m, int(e)
    return LikelihoodSummary(
        n=n,
        mean_loss=total_loss / n if n else math.nan,
        log_likelihood=log_l,
        product=product,
        underflowed=product == 0.0 and log_l > -math.inf,
        underflow_index=cum.underflow_index,
        log10_likelihood=log10,
        mantissa=mantissa,
        exponent=exponent,
    )
