"""Class names and values as short text: axis ticks and accessible descriptions."""

from __future__ import annotations

#: Accessible descriptions name at most this many classes (the table has them all).
MAX_DESCRIBED_CLASSES = 30


def describe(names, values, text) -> str:
    """"name value; ..." for an accessible description, at most MAX_DESCRIBED_CLASSES classes."""
    n = len(values)
    shown = min(n, MAX_DESCRIBED_CLASSES)
    out = "; ".join(f"{names[i]} {text(values[i])}" for i in range(shown))
    if n > shown:
        out += f"; and {n - shown} more classes (all of them are in the value table)"
    return out


def short_name(name: str, n: int) -> str:
    """A class name short enough for an axis tick when there are ``n`` classes.

    Crowded axes (more than 8 classes) keep names of up to 4 characters, show "class 12"
    as "12", and cut other names to 3 characters (the full names are in the tooltips
    and the table).
    """
    if n <= 4:
        limit = 14
    elif n <= 8:
        limit = 8
    else:
        if len(name) <= 4:
            return name
        if name.startswith("class ") and name[6:].isdigit():
            return name[6:]
        return name[:3] + ("…" if n <= 12 else "")
    return name if len(name) <= limit else name[: limit - 1] + "…"
