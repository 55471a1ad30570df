"""Axis policy shared by the plots: round limits and ranges that do not jump (no Qt)."""

from __future__ import annotations

import math


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is >= x (1 for x <= 0)."""
    if x <= 0:
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10**k >= x:
            return m * 10**k
    return 10.0 ** (k + 1)


def fit_range(current: tuple[float, float], lo: float, hi: float, minimum: tuple[float, float],
              shrink: float = 4.0, holding: bool = False) -> tuple[float, float]:
    """The axis range for data in [lo, hi]: a function of the data shown, with hysteresis only
    while ``holding`` (during a gesture: a drag or a run).

    ``minimum`` is the smallest range ever used. The range has 25 % headroom beyond the
    data where the data leaves ``minimum``. While ``holding``, ``current`` is kept unless the
    data leaves it or fills less than 1/``shrink`` of it, so the axis does not move under a
    dragging pointer; otherwise the range depends on the data only, so the same state is
    drawn the same way whatever came before (a preset, an undo).
    """
    clo, chi = current
    lo = min(lo, minimum[0])
    hi = max(hi, minimum[1])
    inside = clo <= lo and hi <= chi
    too_big = (chi - clo) > shrink * (hi - lo) and (clo < minimum[0] or chi > minimum[1])
    if holding and inside and not too_big:
        return current
    span = hi - lo
    new_lo = lo - 0.25 * span if lo < minimum[0] else minimum[0]
    new_hi = hi + 0.25 * span if hi > minimum[1] else minimum[1]
    return (new_lo, new_hi)
