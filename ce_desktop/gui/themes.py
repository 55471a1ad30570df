"""Colour themes (light, dark, projector) that every view applies to itself.

Each quantity has one colour in every view and legend: the target y, the prediction ŷ,
the cross-entropy CE, the entropy H(y), the KL divergence and the gradient. The hues are
the Okabe–Ito palette (safe for the common colour-vision deficiencies); the projector
theme uses darker shades of the same hues so that every colour reaches WCAG AA contrast
on its white background (4.5:1, enough for text as well as graphics), with thick lines.

A view implements ``apply_theme(theme)`` and restyles its items there (pens, brushes,
fonts); it does not recompute any data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6 import QtGui

#: The Okabe–Ito palette (Okabe & Ito 2008), by name.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: Colours of per-class curves (the logits of a descent run): Okabe–Ito without black, then
#: three of Paul Tol's. The dark theme swaps the wine red (too dark on its background); the
#: projector theme uses darker shades, every one >= 5:1 on white.
LIGHT_CLASS_COLOURS = (
    OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"], OKABE_ITO["sky_blue"], "#999933", "#882255", "#44AA99", "#888888",
)
DARK_CLASS_COLOURS = LIGHT_CLASS_COLOURS[:7] + ("#CC6677",) + LIGHT_CLASS_COLOURS[8:]
PROJECTOR_CLASS_COLOURS = (
    "#005A8C", "#B35000", "#007556", "#9A4D7E", "#8F6400", "#3B6FA0", "#6E6E1E", "#882255", "#2A7A6E", "#5C5C5C",
)

#: The quantities that have a colour of their own, in legend order.
QUANTITIES = ("target", "prediction", "cross_entropy", "entropy", "kl_divergence", "gradient")


@dataclass(frozen=True)
class Theme:
    """Everything a view needs to draw itself in one style."""

    name: str
    title: str
    background: str
    foreground: str
    #: Axis lines, grid, secondary text.
    muted: str
    #: Background of panels such as the readouts (slightly off the plot background).
    panel: str
    target: str
    prediction: str
    cross_entropy: str
    entropy: str
    kl_divergence: str
    gradient: str
    #: Outline width of bars and width of lines, in pixels.
    bar_pen_width: float = 1.5
    line_width: float = 2.0
    #: Multiplies every font size (the user's font scale multiplies it again).
    font_scale: float = 1.0
    dark: bool = False
    #: Colours of per-class curves, in class order (repeating).
    class_colours: tuple[str, ...] = LIGHT_CLASS_COLOURS

    def color(self, quantity: str) -> QtGui.QColor:
        """The QColor of one quantity ("target", "prediction", "cross_entropy", ...)."""
        return QtGui.QColor(getattr(self, quantity))

    def font_px(self, base: float) -> int:
        """A font pixel size scaled by the theme's font scale."""
        return max(6, int(round(base * self.font_scale)))

    def scaled(self, factor: float) -> Theme:
        """This theme with every font multiplied by ``factor`` (the user's font scale)."""
        return dataclasses.replace(self, font_scale=self.font_scale * float(factor))

    def palette(self) -> QtGui.QPalette:
        """A widget palette matching the theme (buttons, text fields, tables, menus)."""
        bg = QtGui.QColor(self.background)
        fg = QtGui.QColor(self.foreground)
        panel = QtGui.QColor(self.panel)
        muted = QtGui.QColor(self.muted)
        pal = QtGui.QPalette()
        R = QtGui.QPalette.ColorRole
        for role, colour in (
            (R.Window, panel),
            (R.WindowText, fg),
            (R.Base, bg),
            (R.AlternateBase, panel),
            (R.Text, fg),
            (R.Button, panel),
            (R.ButtonText, fg),
            (R.ToolTipBase, bg),
            (R.ToolTipText, fg),
            (R.PlaceholderText, muted),
            (R.BrightText, QtGui.QColor(self.prediction)),
            (R.Highlight, QtGui.QColor(self.target)),
            (R.HighlightedText, QtGui.QColor("#FFFFFF")),
            (R.Link, QtGui.QColor(self.target)),
        ):
            pal.setColor(role, colour)
        pal.setColor(QtGui.QPalette.ColorGroup.Disabled, R.Text, muted)
        pal.setColor(QtGui.QPalette.ColorGroup.Disabled, R.WindowText, muted)
        pal.setColor(QtGui.QPalette.ColorGroup.Disabled, R.ButtonText, muted)
        return pal


LIGHT = Theme(
    name="light",
    title="Light",
    background="#FFFFFF",
    foreground="#1A1A1A",
    muted="#5A5A5A",
    panel="#F3F3F3",
    target=OKABE_ITO["blue"],
    prediction=OKABE_ITO["vermillion"],
    cross_entropy=OKABE_ITO["reddish_purple"],
    entropy=OKABE_ITO["bluish_green"],
    kl_divergence=OKABE_ITO["orange"],
    gradient="#666666",
)

DARK = Theme(
    name="dark",
    title="Dark",
    background="#1E1E1E",
    foreground="#EAEAEA",
    muted="#A8A8A8",
    panel="#2A2A2A",
    target=OKABE_ITO["sky_blue"],
    prediction=OKABE_ITO["vermillion"],
    cross_entropy=OKABE_ITO["reddish_purple"],
    entropy=OKABE_ITO["bluish_green"],
    kl_divergence=OKABE_ITO["orange"],
    gradient="#B0B0B0",
    dark=True,
    class_colours=DARK_CLASS_COLOURS,
)

PROJECTOR = Theme(
    name="projector",
    title="Projector",
    background="#FFFFFF",
    foreground="#000000",
    muted="#333333",
    panel="#FFFFFF",
    # Darker shades of the Okabe–Ito hues: each reaches >= 5:1 on white.
    target="#005A8C",
    prediction="#B35000",
    cross_entropy="#9A4D7E",
    entropy="#007556",
    kl_divergence="#8F6400",
    gradient="#4D4D4D",
    bar_pen_width=3.0,
    line_width=4.0,
    font_scale=1.2,
    class_colours=PROJECTOR_CLASS_COLOURS,
)

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, DARK, PROJECTOR)}
DEFAULT = "light"


def get(name: str) -> Theme:
    """The theme called ``name``; ``KeyError`` naming the valid ones otherwise."""
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; choose from: {', '.join(THEMES)}") from None


def _channel(c: float) -> float:
    c = c / 255.0
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour) -> float:
    """WCAG 2 relative luminance of a colour ("#RRGGBB", QColor or (r, g, b) in 0..255)."""
    c = QtGui.QColor(colour) if not isinstance(colour, (tuple, list)) else QtGui.QColor(*colour[:3])
    return 0.2126 * _channel(c.red()) + 0.7152 * _channel(c.green()) + 0.0722 * _channel(c.blue())


def contrast_ratio(c1, c2) -> float:
    """WCAG 2 contrast ratio ``(L1 + 0.05) / (L2 + 0.05)`` of two colours, from 1 to 21."""
    a, b = relative_luminance(c1), relative_luminance(c2)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)
