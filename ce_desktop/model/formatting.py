"""The one place that turns numbers into text for the window.

Everywhere: ``+inf`` is "∞", ``-inf`` is "-∞", a value that rounds to zero never shows as
"-0.000", and NaN (which the core never returns for valid input) shows as "—", never "nan".

One precision rule per kind of quantity, used by every view:

- **probability** (y, ŷ, q): 3 decimals, "0.600" (:func:`probability`); crowded bar
  labels use 2 (:data:`LABEL_DECIMALS`).
- **loss** (CE, H, KL and their per-class terms, in nats or bits): 3 decimals, "0.223"
  (:func:`loss`); a loss above 0 that would round to "0.000" shows "< 0.001", so a
  non-zero KL never reads as exactly zero; bar labels use 2 decimals.
- **gradient** (∂CE/∂z, always in nats): signed, 3 decimals, "+0.200" (:func:`gradient`);
  bar labels use 2 decimals, rounded so that the shown labels still sum to 0 as the
  gradient does (:func:`rounded_to_sum`).
- **logit** (z): 2 decimals, "-1.25" (:func:`logit`), in labels, the table and text.
- **perplexity** (e^CE or 2^CE, "choices"): 2 decimals below 100, whole numbers with
  thousands separators below a million ("12,345"), then "1.2 × 10⁴³" (:func:`perplexity`).
- **count** (classes, steps): a whole number with thousands separators (:func:`count`).
- **setting** typed by a person (learning rate, T, ε, γ): as short as written, "0.8",
  "1" (:func:`plain`).
- **identities** shown term by term (CE = H + KL, CE − H = KL): every number of the line
  gets the fewest decimals, at least 3, at which the shown numbers satisfy the identity
  (:func:`identity_decimals`); so "0.236 − 0.232 = 0.003" is shown as
  "0.2358 − 0.2323 = 0.0035" rather than as an apparent slip.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import SupportsFloat

from ce_desktop.model.types import FloatArray

INFINITY = "∞"
#: Decimals used for probabilities and losses unless a caller asks otherwise.
DECIMALS = 3


def number(x: SupportsFloat, decimals: int = DECIMALS) -> str:
    """``x`` with ``decimals`` fixed decimals; "∞" for inf; never "-0.000"."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return INFINITY if v > 0 else "-" + INFINITY
    text = f"{v:.{decimals}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def signed(x: SupportsFloat, decimals: int = DECIMALS) -> str:
    """Like :func:`number` with an explicit "+" on positive values ("+0.200", "-0.100", "0.000")."""
    text = number(x, decimals)
    if text == "—" or text.startswith("-"):
        return text
    if text == INFINITY or float(text) != 0.0:
        return "+" + text
    return text


def quantity(x: SupportsFloat, units: str, decimals: int = DECIMALS) -> str:
    """A loss with its unit: "0.223 nats", "∞ bits"."""
    return f"{number(x, decimals)} {units}"


def compact(x: SupportsFloat, decimals: int = 2) -> str:
    """Short labels for crowded plots: fewer decimals, and "1" / "0" for the exact ends."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "—"
    if v == 0.0:
        return "0"
    if v == 1.0:
        return "1"
    return number(v, decimals)


def parse_number(text: str, *, decimal_comma: bool = True, percent: bool = True) -> float:
    """Read a number typed by a person: "0.8", "0,8", "80%", "1/3", "−1.5", "2e-3".

    The one reader of typed numbers, for the window and the command line. Spaces around the
    number are ignored and "−" (the minus sign) reads as "-". ``decimal_comma=False`` refuses
    "0,8" and ``percent=False`` refuses "80%": the command line separates lists with commas and
    has no use for percentages.

    Raises
    ------
    ValueError
        With a message fit for the status bar (it quotes the text without its surrounding
        spaces) when the text is empty or not a finite number: "nan", "inf", "1e400", "1/0"
        are refused.
    """
    s = str(text).strip()
    shown = repr(s)
    s = s.replace("−", "-")
    if decimal_comma:
        s = s.replace(",", ".")
    if not s:
        raise ValueError("Enter a number")
    scale = 1.0
    if percent and s.endswith("%"):
        s, scale = s[:-1].strip(), 0.01
    try:
        if "/" in s:
            num, den = s.split("/", 1)
            v = float(num) / float(den)
        else:
            v = float(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{shown} is not a number") from None
    v *= scale
    if not math.isfinite(v):
        raise ValueError(f"{shown} is not a finite number")
    return v


def plain(x: SupportsFloat, decimals: int = DECIMALS) -> str:
    """Like :func:`number` without trailing zeros, as written by hand: "1", "0.8", "0.333"."""
    text = number(x, decimals)
    if "." in text and text[-1] == "0":
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


#: Decimals of the value labels on crowded bar plots.
LABEL_DECIMALS = 2
#: Decimals of a logit.
LOGIT_DECIMALS = 2
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def probability(p: SupportsFloat, decimals: int = DECIMALS) -> str:
    """A probability: "0.600" (3 decimals)."""
    return number(p, decimals)


def loss(x: SupportsFloat, decimals: int = DECIMALS) -> str:
    """A loss in nats or bits: "0.223"; "< 0.001" for a positive loss that rounds to zero; "∞"."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "—"
    if 0.0 < v < 0.5 * 10.0 ** -decimals:
        return "< " + number(10.0 ** -decimals, decimals)
    return number(v, decimals)


def gradient(g: SupportsFloat, decimals: int = DECIMALS) -> str:
    """A gradient component ∂CE/∂z: signed, "+0.200", "-0.100", "0.000"."""
    return signed(g, decimals)


def logit(z: SupportsFloat, decimals: int = LOGIT_DECIMALS) -> str:
    """A logit: "-1.25" (2 decimals)."""
    return number(z, decimals)


def count(n: int | float) -> str:
    """A whole number with thousands separators: "1,000"."""
    try:
        return f"{int(n):,}"
    except (TypeError, ValueError, OverflowError):
        return number(n, 0)


def perplexity(v: SupportsFloat) -> str:
    """Perplexity: "2.72" below 100, "12,345" below a million, then "1.2 × 10⁴³"; "∞"."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(x) or x < 100.0:
        return number(x, 2)
    if x < 1e6:
        return f"{round(x):,}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def rounded_to_sum(
    values: Iterable[SupportsFloat], decimals: int = LABEL_DECIMALS, total: float | None = None
) -> list[float]:
    """``values`` rounded to ``decimals`` so that the rounded values sum to ``total`` rounded.

    (The largest-remainder method: each value is rounded down, then the units still
    missing go to the values that lost most.) ``total`` defaults to the sum of ``values``.
    Non-finite values are left as they are and take no part. Each result differs from its
    value by less than one unit of the last decimal.
    """
    vals = [float(v) for v in values]
    finite = [i for i, v in enumerate(vals) if math.isfinite(v)]
    if not finite:
        return vals
    scale = 10 ** decimals
    want = round((sum(vals[i] for i in finite) if total is None else float(total)) * scale)
    floors = {i: math.floor(vals[i] * scale + 1e-9) for i in finite}
    missing = want - sum(floors.values())
    order = sorted(finite, key=lambda i: (-(vals[i] * scale - floors[i]), i))
    if missing < 0:
        order = sorted(finite, key=lambda i: (vals[i] * scale - floors[i], i))
    out = list(vals)
    for i in finite:
        out[i] = floors[i] / scale
    step = 1 if missing > 0 else -1
    for i in order[:abs(missing)] if abs(missing) <= len(order) else []:
        out[i] = (floors[i] + step) / scale
    return out


def identity_decimals(total: SupportsFloat, *terms: SupportsFloat, minimum: int = DECIMALS, maximum: int = 6) -> int:
    """The fewest decimals (>= ``minimum``) at which the rounded ``terms`` sum to the rounded ``total``.

    For a difference a − b = c pass ``identity_decimals(a, b, c)``. Infinite values (the
    identity then reads "∞ = ∞ + ∞") need no digits: ``minimum`` is returned. At most ``maximum``.
    """
    vals = [float(total)] + [float(t) for t in terms]
    if not all(math.isfinite(v) for v in vals):
        return minimum
    for d in range(minimum, maximum + 1):
        shown = [float(number(v, d)) for v in vals]
        if abs(sum(shown[1:]) - shown[0]) < 0.5 * 10.0 ** -d:
            return d
    return maximum


def identity(total: SupportsFloat, *terms: SupportsFloat, minimum: int = DECIMALS) -> list[str]:
    """``total`` and ``terms`` as text, all with :func:`identity_decimals`: the shown identity holds."""
    d = identity_decimals(total, *terms, minimum=minimum)
    return [number(v, d) for v in (total, *terms)]


#: At most this many classes are spelled out in a description for screen readers.
DESCRIBED_CLASSES = 20


def class_values(names: Sequence[str], values: Sequence[float] | FloatArray, decimals: int = DECIMALS,
                 signed_values: bool = False, limit: int = DESCRIBED_CLASSES) -> str:
    """ "cat 0.600; dog 0.300; bird 0.100" for accessible descriptions (the first ``limit`` classes,
    then "and N more classes")."""
    show = signed if signed_values else number
    n = min(len(names), len(values))
    text = "; ".join(f"{names[i]} {show(values[i], decimals)}" for i in range(min(n, limit)))
    if n > limit:
        more = n - limit
        text += f"; and {more:,} more class{'es' if more > 1 else ''}"
    return text
