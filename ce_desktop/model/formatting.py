"""The one place that turns numbers into text for the window.

Rules: ``+inf`` is "∞", ``-inf`` is "-∞", a value that rounds to zero never shows as
"-0.000", a fixed number of decimals everywhere, and NaN (which the core never returns
for valid input) shows as "—" rather than "nan".
"""

from __future__ import annotations

import math

INFINITY = "∞"
#: Decimals used for probabilities and losses unless a caller asks otherwise.
DECIMALS = 3


def number(x, decimals: int = DECIMALS) -> str:
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


def signed(x, decimals: int = DECIMALS) -> str:
    """Like :func:`number` with an explicit "+" on positive values ("+0.200", "-0.100", "0.000")."""
    text = number(x, decimals)
    if text == "—" or text.startswith("-"):
        return text
    if text == INFINITY or float(text) != 0.0:
        return "+" + text
    return text


def quantity(x, units: str, decimals: int = DECIMALS) -> str:
    """A loss with its unit: "0.223 nats", "∞ bits"."""
    return f"{number(x, decimals)} {units}"


def compact(x, decimals: int = 2) -> str:
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


def parse_number(text: str) -> float:
    """Read a number typed by a person: "0.8", "0,8", "80%", "1/3", "inf" is refused.

    Raises
    ------
    ValueError
        With a message fit for the status bar when the text is not a finite number.
    """
    s = str(text).strip().replace("−", "-").replace(",", ".")
    if not s:
        raise ValueError("enter a number")
    scale = 1.0
    if s.endswith("%"):
        s, scale = s[:-1].strip(), 0.01
    try:
        if "/" in s:
            num, den = s.split("/", 1)
            v = float(num) / float(den)
        else:
            v = float(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a number") from None
    v *= scale
    if not math.isfinite(v):
        raise ValueError(f"{text!r} is not a finite number")
    return v


def plain(x, decimals: int = DECIMALS) -> str:
    """Like :func:`number` without trailing zeros, as written by hand: "1", "0.8", "0.333"."""
    text = number(x, decimals)
    if "." in text and text[-1] == "0":
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


#: At most this many classes are spelled out in a description for screen readers.
DESCRIBED_CLASSES = 20


def class_values(names, values, decimals: int = DECIMALS, signed_values: bool = False,
                 limit: int = DESCRIBED_CLASSES) -> str:
    """ "cat 0.600; dog 0.300; bird 0.100" for accessible descriptions (the first ``limit`` classes,
    then "and N more classes")."""
    show = signed if signed_values else number
    n = min(len(names), len(values))
    text = "; ".join(f"{names[i]} {show(values[i], decimals)}" for i in range(min(n, limit)))
    if n > limit:
        more = n - limit
        text += f"; and {more:,} more class{'es' if more > 1 else ''}"
    return text
