"""The window's panels by name, and which ones a lesson slide asks for (no widgets here).

:class:`Panel` names everything the window can show; a slide's ``panels`` list and its
``main_plot`` field map onto panels through :func:`slide_request`. The
:class:`~ce_desktop.gui.layout.WindowLayout` places and sizes them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Panel(enum.Enum):
    """Everything the window can show, by name."""

    TARGET = "target"
    PREDICTION = "prediction"
    READOUTS = "readouts"
    CONTRIBUTIONS = "contributions"
    GRADIENT = "gradient"
    FORMULA = "formula"
    TABLE = "table"
    BINARY = "binary"
    COMPARISON = "comparison"
    DESCENT = "descent"
    LOSS_PLOT = "loss_plot"
    LOGIT_PLOT = "logit_plot"
    SIMPLEX = "simplex"
    LESSON = "lesson"
    EXERCISES = "exercises"


#: Panels that are plots (the main plot of a slide is one of them).
PLOTS = frozenset({Panel.TARGET, Panel.PREDICTION, Panel.CONTRIBUTIONS, Panel.GRADIENT, Panel.BINARY,
                   Panel.COMPARISON, Panel.LOSS_PLOT, Panel.LOGIT_PLOT, Panel.SIMPLEX})
#: What the desk shows (no lesson): everything but the lesson and exercise docks.
DESK = frozenset(Panel) - {Panel.LESSON, Panel.EXERCISES}
#: A slide's panel names (``lessons.PANELS``) → the panels they bring.
SLIDE_PANELS: dict[str, tuple[Panel, ...]] = {
    "editors": (Panel.TARGET, Panel.PREDICTION),
    "readouts": (Panel.READOUTS,),
    "contributions": (Panel.CONTRIBUTIONS,),
    "gradient": (Panel.GRADIENT,),
    "formula": (Panel.FORMULA,),
    "descent": (Panel.DESCENT, Panel.LOSS_PLOT, Panel.LOGIT_PLOT, Panel.SIMPLEX),
    "binary": (Panel.BINARY,),
    "comparison": (Panel.COMPARISON,),
}


def slide_panels(names: Iterable[str]) -> frozenset[Panel]:
    """The panels a slide's ``panels`` list names."""
    out: set[Panel] = set()
    for name in names:
        out.update(SLIDE_PANELS.get(name, ()))
    return frozenset(out)


def main_panel(slide) -> Panel:
    """The slide's main plot (its ``main_plot`` field, or the default for its kind)."""
    return Panel(slide.main_plot)


def slide_request(slide) -> tuple[frozenset[Panel], Panel]:
    """(panels, main plot) a slide asks for."""
    return slide_panels(slide.panels), main_panel(slide)


__all__ = ["Panel", "PLOTS", "DESK", "SLIDE_PANELS", "slide_panels", "main_panel", "slide_request"]
