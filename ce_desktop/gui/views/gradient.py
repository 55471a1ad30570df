"""The gradient ∂CE/∂z = (ŷ − y)/T per class: which way gradient descent moves each logit.

A positive bar means ŷ gives the class more than the target wants, so descent lowers its
logit; a negative bar means it raises it. The gradient is always in nats (what the
optimiser uses), whatever unit the losses are shown in.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ce_desktop.gui import plain_text
from ce_desktop.gui.items.axis_range import nice_ceiling
from ce_desktop.gui.items.column_bars import ColumnBars
from ce_desktop.gui.state import LOSS_ASPECTS, Aspect
from ce_desktop.gui.views.bar_chart import BarChart
from ce_desktop.gui.views.class_text import describe
from ce_desktop.model import formatting as fmt

ASPECTS = tuple(a for a in LOSS_ASPECTS if a is not Aspect.UNITS)  # the gradient is in nats


class GradientPlot(BarChart):
    """Bars of ŷ − y (divided by the temperature in logits mode)."""

    RELEVANT = ASPECTS

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self._limit = 1.0
        self.bars = ColumnBars(state.num_classes, width=0.6, draggable=False)
        pi = self.getPlotItem()
        pi.addItem(self.bars)
        self.bars.sigHovered.connect(self._on_hovered)
        self.setAccessibleName("Gradient ŷ − y")
        self.setToolTip("∂CE/∂z in nats: gradient descent moves each logit against its bar")
        self.follow_state()
        self._rebuild()

    def _rebuild(self) -> None:
        n = self.state.num_classes
        if self.bars.count != n:
            self.bars.set_count(n)
        self._set_x_classes(n)
        self._ensure_labels(n)
        self.apply_theme(self.theme)
        self.refresh()

    def refresh(self) -> None:
        g = np.asarray(self.state.evaluation.gradient, float)
        need = float(np.max(np.abs(g))) if g.size else 0.0
        # Hysteresis only during a gesture; otherwise the range follows the data shown.
        if not self.state.in_undo_group or need > self._limit or (need < self._limit / 4 and self._limit > 1.0):
            self._limit = max(1.0, nice_ceiling(need * 1.1))
        lim = self._limit * max(1.1, self.headroom(2))
        self._set_y_range(-lim, lim)
        self.bars.set_hit_range(-lim, lim)
        self.bars.set_values(g)
        if self._show_labels:
            # Rounded so that the shown labels sum to 0, as the gradient does (formatting's rule).
            shown = fmt.rounded_to_sum(g, fmt.LABEL_DECIMALS, total=0.0)
            for i, (v, text_value) in enumerate(zip(g, shown, strict=True)):
                self._place_label(i, i, float(v), fmt.signed(text_value, fmt.LABEL_DECIMALS), below=v < 0)
        self.when_idle("description", lambda: self.setAccessibleDescription(
            describe(self.state.class_names, self.state.evaluation.gradient, fmt.gradient)))
        self._update_title()

    def label_sample(self) -> str:
        return fmt.signed(0.555, fmt.LABEL_DECIMALS)  # "+" is wider than "−" or "-"

    def _on_hovered(self, i: int) -> None:
        if i < 0:
            return
        g = float(self.state.evaluation.gradient[i])
        name = self.state.class_names[i]
        if g > 0:
            hint = "ŷ gives it more than y wants: gradient descent lowers its logit"
        elif g < 0:
            hint = "ŷ gives it less than y wants: gradient descent raises its logit"
        else:
            hint = "ŷ matches y here: its logit does not move"
        self.bars.setToolTip(plain_text.tooltip(f"{name}: ∂CE/∂z = {fmt.gradient(g)} nats\n{hint}"))

    def _restyle(self) -> None:
        t = self.theme
        outline = t.foreground if not t.dark else t.background
        self.bars.setOpts(pen=pg.mkPen(outline, width=t.bar_pen_width), brush=pg.mkBrush(t.color("gradient")))
        self.set_baseline(pg.mkPen(t.muted, width=max(1.0, t.line_width / 2)))

    def _update_title(self) -> None:
        temp = self.state.temperature
        formula = "(ŷ − y)/T" if temp != 1.0 else "ŷ − y"
        # Always in nats (what the optimiser uses), said so also when the losses are in bits.
        self._set_title(self._swatch("gradient", f"<b>Gradient</b> {formula} (nats)"),
                        short=self._swatch("gradient", f"<b>{formula}</b> (nats)"))
