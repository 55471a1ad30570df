"""Per-class contributions: the CE term −y log ŷ, the entropy term −y log y and the KL term
y log(y/ŷ), side by side for every class.

The KL term of one class can be negative (where ŷ_i > y_i); only the sum is ≥ 0. The
legend and tooltips say so. An infinite CE or KL term is drawn to the top of the axis with
an "∞" label; nothing is ever NaN.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from ce_desktop.gui import plain_text
from ce_desktop.gui.items.axis_range import fit_range
from ce_desktop.gui.items.column_bars import ColumnBars
from ce_desktop.gui.state import LOSS_ASPECTS
from ce_desktop.gui.views.bar_chart import BarChart
from ce_desktop.model import formatting as fmt

ASPECTS = LOSS_ASPECTS
TERMS = (
    ("cross_entropy", "CE −y log ŷ"),
    ("entropy", "H −y log y"),
    ("kl_divergence", "KL y log(y/ŷ), can be &lt; 0"),
)
WIDTH = 0.28


class ContributionPlot(BarChart):
    """Three bars per class: the CE, H and KL terms (CE term = H term + KL term)."""

    RELEVANT = ASPECTS

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.series: dict[str, ColumnBars] = {}
        pi = self.getPlotItem()
        for k, (q, name) in enumerate(TERMS):
            item = ColumnBars(state.num_classes, width=WIDTH, offset=(k - 1) * WIDTH, draggable=False,
                              hit_halfwidth=WIDTH / 2)
            item.opts["name"] = name
            item.sigHovered.connect(lambda i, q=q: self._on_hovered(q, i))
            pi.addItem(item)
            self.series[q] = item
        self.setAccessibleName("Per-class contributions")
        self.title_text = "Per-class terms"
        self.follow_state()
        self._rebuild()

    def _rebuild(self) -> None:
        n = self.state.num_classes
        for item in self.series.values():
            if item.count != n:
                item.set_count(n)
        self._set_x_classes(n)
        self._ensure_labels(n)
        self.apply_theme(self.theme)
        self.refresh()

    def _ensure_labels(self, n: int) -> None:
        # Up to one label per bar (3 per class): all shown up to 4 classes, the CE term's up
        # to 8; an infinite term always shows "∞". Values are always in the tooltips and the
        # table. Labels are made when first needed (bar j = k * n + i -> self._label_of[j]),
        # so 1000 classes do not cost 3000 hidden text items.
        self._drop_labels()
        self._label_of: dict[int, int] = {}
        self._shown_labels: set[int] = set()
        self._n = n
        self._labelled_terms = self._terms_that_fit()
        self._show_labels = True

    def _label_index(self, j: int) -> int:
        """The index in ``self._labels`` of bar j's label, made on first use."""
        if j not in self._label_of:
            self._new_label()
            self._label_of[j] = len(self._labels) - 1
        return self._label_of[j]

    def _refit_labels(self) -> None:
        """The label size for the new width (which labels show is _terms_that_fit's rule,
        applied by refresh on every resize)."""
        if self._update_label_font():
            self.refresh()

    def _label_room(self) -> float:
        """A bar's width: up to 4 classes each of the three terms has a label."""
        return max(0.0, (self.width() - 60) / (max(self._n, 1) + 0.2) * WIDTH)

    def _terms_that_fit(self, widest: str = "0.00") -> int:
        """How many of the three terms per class get a value label at the current width."""
        n = max(self._n, 1)
        if n > 8:
            return 0  # no numbers past 8 classes, whatever the width
        fm = QtGui.QFontMetrics(self._label_font)
        need = fm.horizontalAdvance(widest) + 2
        per_bar = max(0.0, (self.width() - 60) / (n + 0.2) * WIDTH)
        if n <= 4 and per_bar >= need:
            return 3
        if n <= 8 and 3 * per_bar >= need:
            return 1
        return 0

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if getattr(self, "series", None) and self._n:
            self.refresh()

    def _label_size(self) -> float:
        return self.theme.font_px(11) * self._short_plot_factor()

    def refresh(self) -> None:
        ev = self.state.evaluation
        c = ev.contributions
        arrays = {"cross_entropy": c.cross_entropy, "entropy": c.entropy, "kl_divergence": c.kl_divergence}
        if np.isfinite(ev.cross_entropy):  # then every term is finite (the common case, cheaper)
            lo = min(0.0, float(c.kl_divergence.min()), float(c.entropy.min()), float(c.cross_entropy.min()))
            hi = max(0.0, float(c.kl_divergence.max()), float(c.entropy.max()), float(c.cross_entropy.max()))
        else:
            finite = np.concatenate([a[np.isfinite(a)] for a in arrays.values()] + [np.zeros(1)])
            lo, hi = float(finite.min()), float(finite.max())
        room = self.headroom(2)
        self._set_y_range(*fit_range(self._yrange, lo * room, hi * room, minimum=(-0.1, 1.2),
                                     holding=self.state.in_undo_group))
        top = self._yrange[1]
        digits = fmt.LABEL_DECIMALS
        widest = "0.00"
        if self._n <= 8:  # numbers are shown only up to 8 classes
            texts = [fmt.number(v, digits) for a in arrays.values() for v in a[np.isfinite(a)]]
            widest = max(texts, key=len, default=widest)
        self._labelled_terms = self._terms_that_fit(widest)
        shown_now: set[int] = set()
        for k, (q, a) in enumerate(arrays.items()):
            inf = ~np.isfinite(a)
            shown = np.where(inf, top / room, a)
            self.series[q].set_values(shown)
            wanted = inf | (a != 0.0) if k < self._labelled_terms else inf
            for i in np.flatnonzero(wanted).tolist():
                j = k * self._n + i
                lab_index = self._label_index(j)
                lab = self._labels[lab_index]
                x = i + (k - 1) * WIDTH
                self._set_infinity_font(lab, bool(inf[i]))
                lab.setVisible(True)
                shown_now.add(j)
                if inf[i]:
                    # An infinite term is drawn to the top of the data area, "∞" above it.
                    self._place_label(lab_index, x, top / room, fmt.INFINITY)
                else:
                    v = float(a[i])
                    self._place_label(lab_index, x, v, fmt.number(v, digits), below=v < 0)
        for j in self._shown_labels - shown_now:
            self._labels[self._label_of[j]].setVisible(False)
        self._shown_labels = shown_now
        self.when_idle("description", self._describe)
        self._update_title()

    def _describe(self) -> None:
        c = self.state.evaluation.contributions
        names = self.state.class_names
        self.setAccessibleDescription(
            f"Per-class terms in {self.state.units}. CE terms: {fmt.class_values(names, c.cross_entropy)}."
            f" KL terms: {fmt.class_values(names, c.kl_divergence)}.")

    def _set_infinity_font(self, label, infinite: bool) -> None:
        """"∞" is drawn large (it is the point of the picture); numbers use the label font."""
        font_px = self._label_font.pixelSize()
        if getattr(label, "_infinite", None) == infinite and getattr(label, "_font_px", 0) == font_px:
            return
        label._infinite = infinite
        label._font_px = self._label_font.pixelSize()
        if infinite:
            big = QtGui.QFont(self._label_font)
            big.setPixelSize(int(self._label_font.pixelSize() * 1.8))
            label.setFont(big)
        else:
            label.setFont(self._label_font)

    def _on_y_range_changed(self) -> None:
        for item in self.series.values():
            item.set_hit_range(*self._yrange)

    def _on_hovered(self, q: str, i: int) -> None:
        if i < 0:
            return
        c = self.state.evaluation.contributions
        name = self.state.class_names[i]
        units = self.state.units
        text = (
            f"{name}\nCE term −y log ŷ = {fmt.loss(c.cross_entropy[i])} {units}\n"
            f"H term −y log y = {fmt.loss(c.entropy[i])} {units}\n"
            f"KL term y log(y/ŷ) = {fmt.loss(c.kl_divergence[i])} {units}\n"
            "CE term = H term + KL term. A class's KL term is negative where ŷ > y;\n"
            "only the sum over classes is ≥ 0."
        )
        self.series[q].setToolTip(plain_text.tooltip(text))

    def _restyle(self) -> None:
        t = self.theme
        outline = t.foreground if not t.dark else t.background
        for q, item in self.series.items():
            item.setOpts(pen=pg.mkPen(outline, width=max(1.0, t.bar_pen_width * 0.7)), brush=pg.mkBrush(t.color(q)))
        self.set_baseline(pg.mkPen(t.muted, width=1))

    def legend_html(self, short: bool = False) -> str:
        """The legend (in the title): one swatch per term, in the theme's colours (``short``: names only)."""
        return "&nbsp;&nbsp;".join(self._swatch(q, name.split(" ")[0] if short else name) for q, name in TERMS)

    def _update_title(self) -> None:
        small = self.theme.font_px(12)
        # The formulas only where they fit (large text in a narrow plot): never a clipped legend.
        key = (self.width(), small, self.theme.font_px(15))
        if key != getattr(self, "_title_fit_key", None):  # measured once per size, not per update
            font = QtGui.QFont()
            font.setPixelSize(small)
            full = "■ " + "  ■ ".join(name.replace("&lt;", "<") for _q, name in TERMS)
            bold = QtGui.QFont()
            bold.setPixelSize(key[2])
            bold.setBold(True)
            self._title_fit_key = key
            self._title_fit = (
                QtGui.QFontMetrics(font).horizontalAdvance(full) + 16 > key[0],
                QtGui.QFontMetrics(bold).horizontalAdvance("Per-class terms (bits)") + 16 > key[0],
            )
        short, narrow = self._title_fit
        title = "Terms" if narrow else "Per-class terms"
        self._set_title(
            f"<b>{title}</b> ({self.state.units})<br>"
            f'<span style="font-size:{small}px">{self.legend_html(short)}</span>',
            lines=2,
        )
