"""Per-sample loss: every point's cross-entropy at the step shown, as a strip sorted worst first.

Bar ``r`` (x from ``r`` to ``r + 1``) is the point of rank ``r``: the ``r``-th highest loss, in
its true class's colour (a soft label's most probable class), so the worst points stand at the
left and a class the model gets wrong shows as a band of its colour there. The mean over the N
points is a dashed line. More than :data:`MAX_BARS` points are drawn in :data:`MAX_BARS` bins of
consecutive ranks, each as tall as its worst point (the first of its ranks) and in that point's
colour; nothing is hidden at the top.

A click on the strip chooses the point of the rank under the pointer (``state.select``); the
chosen point has a ring on the strip, wherever it ranks.

The numbers are the state's :meth:`~ce_desktop.gui.dataset_state.DatasetState.per_sample_loss`
(cached per step); a frame costs one ``argsort`` of the N losses and ``setData`` of one curve
per class (each bar a vertical segment), whatever N.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.items.marker import Marker
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.gui.views.plots import make_plot, make_title_shrinkable, style_plot
from ce_desktop.model import formatting as fmt

#: At most this many bars are drawn; more points are binned by rank.
MAX_BARS = 400  # about one bar per pixel of a strip beside the plane; wide-pen lines cost
#: The y range is set again when the highest loss leaves it, or falls below this share of it.
SHRINK_BELOW = 0.4
#: The margin left and right of the bars, a share of N.
EDGE = 0.01
#: Headroom above the highest loss (a share of the range).
HEADROOM = 0.08


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is >= ``x`` (> 0); 1 for
    anything not above 0 or not finite."""
    if not (x > 0.0 and math.isfinite(x)):
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        v = m * 10.0**k
        if v >= x * (1.0 - 1e-12):
            return v
    return 10.0 ** (k + 1)


def readout_label() -> QtWidgets.QLabel:
    """A plain-text readout under a plot: as wide as the view, lines wrapped, its height set by
    :func:`fit_readout` (on a resize or a theme change, not per frame: a new number then
    changes no geometry)."""
    label = plain_text.label("")
    label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    label.setContentsMargins(6, 0, 6, 2)
    label.setWordWrap(True)
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
    return label


def fit_readout(label: QtWidgets.QLabel, theme: Theme, width: int, lines: int) -> None:
    """The readout's font and colour in ``theme``, and a fixed height for at least ``lines``
    lines, or what its text needs at ``width`` pixels."""
    font = QtGui.QFont()
    font.setPixelSize(theme.font_px(12))
    if label.font() != font:
        label.setFont(font)
    pal = label.palette()
    if pal.color(QtGui.QPalette.ColorRole.WindowText) != QtGui.QColor(theme.foreground):
        pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(theme.foreground))
        label.setPalette(pal)
    need = label.heightForWidth(width) if width > 0 and label.text() else 0
    h = max(lines * QtGui.QFontMetrics(font).lineSpacing() + 4, need)
    if label.height() != h or label.minimumHeight() != h:
        label.setFixedHeight(h)


class StripViewBox(pg.ViewBox):
    """The strip's view box: a left click chooses the point of the rank under the pointer."""

    def __init__(self, view: PerSampleLossView):
        super().__init__(enableMenu=False)
        self._view = view

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph's name)
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        pos = self.mapSceneToView(ev.scenePos())
        i = self._view.point_at_rank(self._view.rank_at(pos.x()))
        if i < 0:
            ev.ignore()
            return
        ev.accept()
        self._view.state.select(i)


class PerSampleLossView(DeferredWhileHidden, QtWidgets.QWidget):
    """The sorted per-sample losses of a :class:`~ce_desktop.gui.dataset_state.DatasetState`."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.plot = make_plot(viewBox=StripViewBox(self), si_prefix=False, grid=(False, True), cache_axes=True)
        self.plot.setMinimumSize(220, 140)
        self.plot.setAccessibleName("Per-sample loss, sorted worst first")
        self.plot.setToolTip("Every point's cross-entropy at the step shown, worst first, in its class's colour; "
                             "click a bar to choose that point")
        pi = self.plot.getPlotItem()
        self._curves: list[pg.PlotCurveItem] = []
        self.mean_line = pg.PlotCurveItem()
        self.mean_line.setZValue(5)
        pi.addItem(self.mean_line)
        self.mean_text = pg.TextItem("", anchor=(1.0, 1.0))
        self.mean_text.setZValue(6)
        pi.addItem(self.mean_text, ignoreBounds=True)
        self.ring = Marker(13.0)
        self.ring.setZValue(20)
        pi.addItem(self.ring, ignoreBounds=True)
        make_title_shrinkable(pi.titleLabel)
        self.readout = readout_label()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.readout)

        self._order = np.zeros(0, dtype=np.intp)  # sample index by rank (worst first)
        self._rank = np.zeros(0, dtype=np.intp)  # rank by sample index
        self._sorted = np.zeros(0)
        self._heights = np.zeros(0)
        self._bar_x = np.zeros(0)
        self._bar_first = np.zeros(0, dtype=np.intp)  # the first rank of each bar
        self._bar_span = np.ones(0)  # ranks per bar
        self._bar_px = 1.0
        self._classes = np.zeros(0, dtype=np.intp)
        self._ytop = 1.0
        self._mean = math.nan
        self._n = -1

        state.dataChanged.connect(self._on_data_changed)
        state.setupChanged.connect(self._on_setup_changed)
        state.positionChanged.connect(self._on_position_changed)
        state.selectionChanged.connect(self._on_selection_changed)
        pi.getViewBox().sigResized.connect(self._on_resized)
        self.apply_theme(LIGHT)

    # ------------------------------------------------------------------ reading

    def bar_heights(self) -> np.ndarray:
        """The bars' heights as drawn (before clipping an infinite loss to the top), by bar."""
        return self._heights.copy()

    def bar_ranks(self) -> np.ndarray:
        """The first rank (0 = worst) of each bar: ``arange(N)`` unless binned."""
        return self._bar_first.copy()

    def bar_classes(self) -> np.ndarray:
        """The class whose colour each bar has."""
        return self._classes[self._order[self._bar_first]] if len(self._order) else np.zeros(0, dtype=np.intp)

    def sorted_losses(self) -> np.ndarray:
        """Every point's loss, highest first."""
        return self._sorted.copy()

    def order(self) -> np.ndarray:
        """The points' indices by rank (worst first)."""
        return self._order.copy()

    def mean_loss(self) -> float:
        """Where the mean line is drawn: the mean of the N per-sample losses, nats."""
        return self._mean

    def rank_at(self, x: float) -> int:
        """The rank whose bar spans ``x`` (data coordinates; the margins either side count as
        the first and last bars), or -1 outside the strip."""
        n = len(self._order)
        pad = EDGE * max(n, 1)
        if not (n and math.isfinite(x) and -pad <= x < n + pad):
            return -1
        return min(max(int(math.floor(x)), 0), n - 1)

    def point_at_rank(self, r: int) -> int:
        """The index of the point of rank ``r``, or -1."""
        return int(self._order[r]) if 0 <= r < len(self._order) else -1

    def rank_of(self, i: int) -> int:
        """The rank of point ``i`` (0 = worst), or -1."""
        return int(self._rank[i]) if 0 <= i < len(self._rank) else -1

    def ring_position(self) -> tuple[float, float] | None:
        """Where the chosen point's ring is drawn (data coordinates), None without one."""
        return self.ring.position()

    def y_range(self) -> tuple[float, float]:
        return tuple(self.plot.getPlotItem().getViewBox().viewRange()[1])

    # ------------------------------------------------------------------ state → view

    def _on_data_changed(self) -> None:
        data = self.state.data
        self._classes = np.asarray(data.labels, dtype=np.intp)
        self._build_curves(data.num_classes)

    def _on_setup_changed(self) -> None:
        """The title and axes say nothing of the setup (they are styled with the theme)."""

    def _on_position_changed(self, _k: int = 0) -> None:
        self.refresh()

    def _on_selection_changed(self, _i: int = -1) -> None:
        self._place_ring()
        self._set_readout()

    def _on_resized(self, *_args) -> None:
        self._set_bar_width()

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(ev)
        fit_readout(self.readout, self.theme, self.width(), 2)

    def _build_curves(self, c: int) -> None:
        pi = self.plot.getPlotItem()
        while len(self._curves) > c:
            pi.removeItem(self._curves.pop())
        if len(self._curves) == c:
            return  # the same classes (a point moved, or its label changed): the curves stay as styled
        while len(self._curves) < c:
            curve = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
            curve.setSegmentedLineMode("on")
            pi.addItem(curve)
            self._curves.append(curve)
        self._style_curves()

    def refresh(self) -> None:
        """Sort the losses of the step shown and feed the bars, the mean and the ring."""
        if not self._visible_or_defer():  # a hidden tab catches up once when shown
            return
        loss = self.state.per_sample_loss()
        n = loss.shape[0]
        self._order = order = np.argsort(-loss, kind="stable")
        self._sorted = srt = loss[order]
        self._rank = np.empty(n, dtype=np.intp)
        self._rank[order] = np.arange(n)
        if n != self._n:
            self._n = n
            self._bins(n)
        first = self._bar_first
        self._heights = h = srt[first]
        self._mean = float(np.mean(loss)) if n else math.nan
        finite = srt[np.isfinite(srt)]
        top = float(finite[0]) if finite.size else 1.0
        self._fit_y(top)
        drawn = np.minimum(h, self._ytop)  # an infinite loss reaches the top
        cls = self._classes[order[first]]
        x = self._bar_x
        for c, curve in enumerate(self._curves):
            sel = np.flatnonzero(cls == c)
            xs = np.repeat(x[sel], 2)
            ys = np.zeros(2 * sel.size)
            ys[1::2] = drawn[sel]
            curve.setData(xs, ys)
        m = self._mean if math.isfinite(self._mean) else self._ytop
        self.mean_line.setData(np.array([0.0, float(n)]), np.array([m, m]))
        self.mean_text.setText(f"mean {fmt.loss(self._mean)}")
        self.mean_text.setPos(float(n), min(m, self._ytop))
        self._place_ring()
        self._set_readout()

    def _bins(self, n: int) -> None:
        """Bars for ``n`` ranks: one each, or :data:`MAX_BARS` bins of consecutive ranks."""
        b = min(n, MAX_BARS)
        edges = np.rint(np.linspace(0, n, b + 1)).astype(np.intp) if b else np.zeros(1, dtype=np.intp)
        self._bar_first = edges[:-1]
        self._bar_x = 0.5 * (edges[:-1] + edges[1:]).astype(float)
        self._bar_span = (edges[1:] - edges[:-1]).astype(float)
        pad = EDGE * max(n, 1)  # room for the ring of a point at either end
        self.plot.getPlotItem().getViewBox().setXRange(-pad, max(float(n), 1.0) + pad, padding=0.0)
        self._set_bar_width()

    def _fit_y(self, top: float) -> None:
        """Set the y range again only when the highest loss leaves it or shrinks well below it."""
        want = top * (1.0 + HEADROOM)
        if want > self._ytop or want < SHRINK_BELOW * self._ytop:
            self._ytop = nice_ceiling(want)
            self.plot.getPlotItem().getViewBox().setYRange(0.0, self._ytop, padding=0.0)

    def _set_bar_width(self) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        n = max(self._n, 1)
        px = vb.width() / n if vb.width() > 0 else 1.0
        span = float(np.max(self._bar_span)) if self._bar_span.size else 1.0
        # A bar fills its ranks' pixels; a bar of its own gets a hair of gap when there is room.
        width = px * span * (0.85 if px * span >= 4.0 else 1.0)
        self._bar_px = max(1.0, width)
        self._style_curves()

    def _style_curves(self) -> None:
        colours = self.theme.class_colours
        w = self._bar_px
        for c, curve in enumerate(self._curves):
            pen = pg.mkPen(colours[c % len(colours)], width=w)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
            curve.setPen(pen)

    def _place_ring(self) -> None:
        i = self.state.selected
        r = self.rank_of(i)
        if r < 0 or len(self._sorted) != len(self._rank):
            self.ring.move_to(math.nan, math.nan)
            return
        y = float(self._sorted[r])
        self.ring.move_to(r + 0.5, min(y, self._ytop) if not math.isnan(y) else math.nan)

    def _set_title(self) -> None:
        style_plot(self.plot, self.theme, title="Per-sample loss, worst first", left="CE (nats)",
                   bottom="rank (1 = highest loss)")

    def _set_readout(self) -> None:
        n = len(self._sorted)
        if not n:
            self.readout.setText("")
            return
        worst = int(self._order[0])
        names = self.state.class_names
        text = (f"{fmt.count(n)} points, step {fmt.count(self.state.position)}: mean CE {fmt.loss(self._mean)} nats;"
                f" worst: point {worst + 1} ({names[self._classes[worst]]}), {fmt.loss(self._sorted[0])} nats")
        i = self.state.selected
        r = self.rank_of(i)
        if r >= 0:
            text += (f"\nChosen: point {i + 1} ({names[self._classes[i]]}), rank {fmt.count(r + 1)} of {fmt.count(n)},"
                     f" {fmt.loss(self._sorted[r])} nats")
        else:
            text += "\nClick a bar to choose its point."
        self.readout.setText(text)
        fit_readout(self.readout, self.theme, self.width(), 2)

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        self._set_title()
        self._style_curves()
        self.mean_line.setPen(pg.mkPen(theme.cross_entropy, width=theme.line_width,
                                       style=QtCore.Qt.PenStyle.DashLine))
        self.mean_text.setColor(theme.cross_entropy)
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(12))
        self.mean_text.setFont(font)
        self.ring.setPen(pg.mkPen(theme.foreground, width=2.0))
        self.ring.setBrush(None)
        self._on_data_changed()
        self.refresh()
        fit_readout(self.readout, theme, self.width(), 2)
