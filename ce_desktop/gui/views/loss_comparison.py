"""Why cross-entropy and not squared error: three losses of the true class's probability q.

Left: cross-entropy −log q, squared error (the two-class Brier score 2(1 − q)²) and focal
loss −(1 − q)ᵞ log q, as functions of q. Right: the size of each one's gradient with
respect to the logit z of q = sigmoid(z), i.e. how hard one descent step pushes. Near
q = 0 (confident and wrong) cross-entropy still pushes with strength about 1 while squared
error's push fades to 0: "strong updates when predictions are wrong", seen on the plot.

q is the predicted probability of the true class (the target's largest entry) in the
explorer's state; dragging on either plot sets it. Every number comes from
:func:`binary.true_class_losses`; cross-entropy and focal loss are shown in the state's unit
(nats or bits), squared error has none. With a hard target the CE here is the readout's CE;
with a soft one (or label smoothing) the tab says plainly that it shows the true class
alone, −log q, and what the readout's CE is instead. The loss axis grows to show the point
at q (up to :data:`LOSS_CAP`), refitted to the data outside a gesture only. The curves are
recomputed only when γ or the unit changes.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.state import LOSS_ASPECTS
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.binary_view import DragArea, DragsOneProbability, SideColumn, grow_controls_with_text
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.gui.views.plots import add_plot, style_plot
from ce_desktop.model import binary
from ce_desktop.model import formatting as fmt

#: q values of the curves: dense near 0, where cross-entropy climbs.
Q_GRID = np.unique(np.concatenate([np.geomspace(1e-6, 0.05, 90), np.linspace(0.05, 1.0, 191)]))
#: The loss axis shows at least 0..LOSS_TOP, more when the point at q is higher, up to
#: LOSS_CAP (in the shown unit); above it the marker is a triangle at the top.
LOSS_TOP = 4.0
LOSS_CAP = 12.0
#: Below this plot width (pixels) the legend is hidden.
LEGEND_MIN_WIDTH = 700
GRAD_TOP = 1.05
#: The three losses in legend order: key in binary.true_class_losses, label, theme colour.
LOSSES = (
    ("cross_entropy", "cross-entropy  −log q", "cross_entropy"),
    ("squared_error", "squared error  2(1 − q)²", "target"),
    ("focal", "focal  −(1 − q)ᵞ log q", "kl_divergence"),
)
#: Names in the side table.
SHORT = {"cross_entropy": "━ CE", "squared_error": "╍ squared", "focal": "┈ focal"}  # glyphs: the dashes
#: Dash patterns so that the three curves differ without colour too.
STYLES = (QtCore.Qt.PenStyle.SolidLine, QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.DotLine)


BOTTOM_LABEL = "q, probability of the true class"


class LossComparison(DragsOneProbability, DeferredWhileHidden, QtWidgets.QWidget):
    """Cross-entropy, squared error and focal loss of q, and their logit gradients, side by side."""

    message = QtCore.Signal(str)

    def __init__(self, state, parent=None, gamma: float = 2.0):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self._gamma = float(gamma)
        self._dragging = False
        self._curves_key: tuple | None = None
        self._narrow_axes: bool | None = None  # the axes' labels are the short ones (None: not styled yet)
        self._loss_top = LOSS_TOP

        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setAccessibleName("Loss comparison: cross-entropy, squared error and focal loss")
        self.plot.setMinimumSize(320, 140)
        self.loss_plot = add_plot(self.plot, 0, 0)
        self.grad_plot = add_plot(self.plot, 0, 1)
        for pi in (self.loss_plot, self.grad_plot):
            pi.setXRange(0.0, 1.0, padding=0.02)
        self.loss_plot.setYRange(0.0, LOSS_TOP, padding=0.02)
        self.grad_plot.setYRange(0.0, GRAD_TOP, padding=0.02)
        # In the gradient plot's top right, which no curve reaches (every push is below 0.5 there).
        self.legend = self.grad_plot.addLegend(offset=(-10, 10))

        self.loss_curves: dict[str, pg.PlotDataItem] = {}
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.loss_points: dict[str, pg.ScatterPlotItem] = {}
        self.grad_points: dict[str, pg.ScatterPlotItem] = {}
        self.q_lines = (pg.InfiniteLine(angle=90, movable=False), pg.InfiniteLine(angle=90, movable=False))
        self.drag_areas = (DragArea(QtCore.QRectF(-0.05, -0.2, 1.1, LOSS_TOP + 0.4)),
                           DragArea(QtCore.QRectF(-0.05, -0.1, 1.1, GRAD_TOP + 0.2)))
        for pi, area, line in zip((self.loss_plot, self.grad_plot), self.drag_areas, self.q_lines, strict=True):
            pi.addItem(area)
            pi.addItem(line)
            area.sigStarted.connect(self._on_drag_started)
            area.sigMoved.connect(self._on_dragged)
            area.sigFinished.connect(self._on_drag_finished)
        for key, label, _colour in LOSSES:
            c = pg.PlotDataItem()
            self.loss_plot.addItem(c)
            self.loss_curves[key] = c
            g = pg.PlotDataItem(name=label)
            self.grad_plot.addItem(g)
            self.grad_curves[key] = g
            self.loss_points[key] = pg.ScatterPlotItem(size=11)
            self.loss_plot.addItem(self.loss_points[key])
            self.grad_points[key] = pg.ScatterPlotItem(size=11)
            self.grad_plot.addItem(self.grad_points[key])

        self.gamma_spin = QtWidgets.QDoubleSpinBox()
        self.gamma_spin.setRange(0.0, 5.0)
        self.gamma_spin.setSingleStep(0.5)
        self.gamma_spin.setDecimals(1)
        self.gamma_spin.setValue(self._gamma)
        self.gamma_spin.setKeyboardTracking(False)
        self.gamma_spin.setAccessibleName("Focal loss gamma")
        gamma_label = QtWidgets.QLabel("focal &γ:")
        gamma_label.setBuddy(self.gamma_spin)
        self.q_spin = QtWidgets.QDoubleSpinBox()
        self.q_spin.setRange(0.0, 1.0)
        self.q_spin.setDecimals(3)
        self.q_spin.setSingleStep(0.01)
        self.q_spin.setKeyboardTracking(False)
        self.q_spin.setAccessibleName("Probability q of the true class")
        q_label = QtWidgets.QLabel("&q:")
        q_label.setBuddy(self.q_spin)
        self.table = QtWidgets.QLabel()
        self.table.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.table.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        #: What the tab shows when it is not the readout's CE (a soft target): said in words.
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # it holds a class name
        self.note.setAccessibleName("What the comparison shows")

        self.side = SideColumn([(q_label, self.q_spin), (gamma_label, self.gamma_spin)], [self.table, self.note])
        self.side.place_beside(self, self.plot)

        self.plot.installEventFilter(self)
        self.gamma_spin.valueChanged.connect(self.set_gamma)
        self.q_spin.valueChanged.connect(self._on_q_spin)
        state.connect_aspects(self._on_state_changed, *self.RELEVANT)
        state.gestureFinished.connect(self._on_gesture_finished)
        self.apply_theme(LIGHT)

    def _on_gesture_finished(self) -> None:
        """(state.gestureFinished) The loss axis only grew during the drag or run: fit it to q now."""
        self._on_state_changed(frozenset(self.RELEVANT))

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.plot and ev.type() == QtCore.QEvent.Type.Resize:
            # In a small plot the legend would hide the curves; the side table names them too.
            self.legend.setVisible(ev.size().width() >= LEGEND_MIN_WIDTH)
            self._fit_axes(ev.size().width())
        return False

    def _fit_axes(self, width: int) -> None:
        """Short axis labels and fewer ticks when the two plots are narrow (large text): none overlap."""
        font = QtGui.QFont()
        font.setPixelSize(self.theme.font_px(13))
        per_plot = width / 2 - 60
        narrow = QtGui.QFontMetrics(font).horizontalAdvance(BOTTOM_LABEL) > per_plot
        if narrow == self._narrow_axes:
            return
        self._narrow_axes = narrow
        style = {"color": self.theme.foreground, "font-size": f"{self.theme.font_px(13)}px"}
        titles = ("Loss", "Push") if narrow else ("Loss of the true class", "Push on the logit")
        for pi, title in zip((self.loss_plot, self.grad_plot), titles, strict=True):
            pi.setTitle(title, color=self.theme.foreground, size=f"{self.theme.font_px(14)}px")
            pi.setLabel("bottom", "q" if narrow else BOTTOM_LABEL, **style)
            pi.getAxis("bottom").setTicks([[(v, fmt.plain(v, 1)) for v in (0.0, 0.5, 1.0)], []] if narrow else None)

    # ------------------------------------------------------------------ reading

    @property
    def gamma(self) -> float:
        return self._gamma

    @property
    def true_class(self) -> int:
        return int(np.argmax(self.state.target))

    @property
    def q(self) -> float:
        """The predicted probability of the true class."""
        return float(self.state.prediction[self.true_class])

    @property
    def unit_factor(self) -> float:
        """Nats to the shown unit: 1, or 1/ln 2 in bits (cross-entropy and focal loss only)."""
        return 1.0 / math.log(2.0) if self.state.units == "bits" else 1.0

    def values(self) -> dict[str, float]:
        """The three losses and gradients at the current q (from the core), CE and focal
        loss in the state's unit; squared error and the gradients as they are."""
        out = {k: float(v) for k, v in binary.true_class_losses(self.q, self._gamma).items()}
        for key in ("cross_entropy", "focal"):
            out[key] *= self.unit_factor
        return out

    @property
    def loss_top(self) -> float:
        """The top of the loss axis."""
        return self._loss_top

    def shows_readout_ce(self) -> bool:
        """True when the CE here (−log q of the true class) is the readout's CE (a hard target)."""
        ce = self.state.evaluation.cross_entropy
        mine = self.values()["cross_entropy"]
        if not (math.isfinite(ce) and math.isfinite(mine)):
            return math.isinf(ce) and math.isinf(mine)
        return abs(ce - mine) <= 1e-9 * max(1.0, abs(ce))

    def set_gamma(self, gamma: float) -> None:
        g = float(gamma)
        if g != self._gamma:
            self._gamma = g
            with QtCore.QSignalBlocker(self.gamma_spin):
                self.gamma_spin.setValue(g)
            self.refresh()

    # ------------------------------------------------------------------ drawing

    RELEVANT = LOSS_ASPECTS  # CE and focal loss are drawn in the state's unit

    def refresh(self) -> None:
        """Feed numbers to the items: the curves only when γ changed, the markers every time."""
        key_now = (self._gamma, self.state.units)
        if self._curves_key != key_now:
            self._curves_key = key_now
            curves = binary.true_class_losses(Q_GRID, self._gamma)
            top = GRAD_TOP
            for key, _label, _colour in LOSSES:
                grads = np.abs(curves[key + "_grad"])
                scale = self.unit_factor if key != "squared_error" else 1.0
                self.loss_curves[key].setData(Q_GRID, curves[key] * scale)
                self.grad_curves[key].setData(Q_GRID, grads)
                top = max(top, 1.05 * float(grads.max()))
            # Focal loss pushes harder than 1 for larger γ: fit it, the others stay at the same scale.
            self.grad_plot.setYRange(0.0, top, padding=0.02)
            self.drag_areas[1].set_rect(QtCore.QRectF(-0.05, -0.1, 1.1, top + 0.2))
        q = self.q
        v = self.values()
        self._fit_loss_axis(v)
        top = self._loss_top
        for key, _label, _colour in LOSSES:
            loss = v[key]
            shown = min(loss, top) if math.isfinite(loss) else top
            self.loss_points[key].setData([q], [shown], symbol="o" if loss <= top else "t1")
            self.grad_points[key].setData([q], [abs(v[key + "_grad"])])
        for line in self.q_lines:
            line.setValue(q)
        with QtCore.QSignalBlocker(self.q_spin):
            self.q_spin.setValue(q)
        self._update_table(q, v)

    def _fit_loss_axis(self, v: dict[str, float]) -> None:
        """The loss axis reaches the highest point at q (at least LOSS_TOP, at most LOSS_CAP);
        during a gesture it only grows, so it does not move under a dragging pointer."""
        finite = [x for x in (v[k] for k, _l, _c in LOSSES) if math.isfinite(x)]
        if any(not math.isfinite(v[k]) for k, _l, _c in LOSSES):
            finite.append(LOSS_CAP)
        need = min(LOSS_CAP, max(finite, default=0.0) * 1.12)
        if self.state.in_undo_group:
            top = max(self._loss_top, need)
        else:
            top = max(LOSS_TOP, math.ceil(need))
        if top != self._loss_top or not hasattr(self, "_loss_top_set"):
            self._loss_top_set = True
            self._loss_top = top
            self.loss_plot.setYRange(0.0, top, padding=0.02)
            self.drag_areas[0].set_rect(QtCore.QRectF(-0.05, -0.2, 1.1, top + 0.4))

    def _update_table(self, q: float, v: dict[str, float]) -> None:
        t = self.theme
        rows = "".join(
            f'<tr><td style="color:{getattr(t, colour)}"><b>{SHORT[key]}</b></td>'
            f'<td align="right">&nbsp;{fmt.number(v[key])}</td>'
            f'<td align="right">&nbsp;{fmt.number(abs(v[key + "_grad"]))}</td></tr>'
            for key, label, colour in LOSSES
        )
        name = plain_text.escape(self.state.class_names[self.true_class])
        self.table.setText(
            f'<div style="color:{t.foreground}">q = {fmt.number(q)} ({name})</div>'
            f'<table style="color:{t.foreground}"><tr><td></td><td align="right">&nbsp;loss</td>'
            f'<td align="right">&nbsp;|∂/∂z|</td></tr>{rows}</table>'
            f'<div style="color:{t.muted}">CE, focal: {self.state.units}; squared: no unit</div>')
        if self.shows_readout_ce():
            self.note.setText("")
            self.note.setVisible(False)
        else:
            ce = self.state.evaluation.cross_entropy
            self.note.setText(
                f"The target is soft: this tab treats “{self.state.class_names[self.true_class]}” as the only "
                f"true class, so its CE is −log q = {fmt.loss(v['cross_entropy'])}. The readout's "
                f"CE = {fmt.loss(ce)} {self.state.units} adds −yᵢ log ŷᵢ over every class.")
            self.note.setVisible(True)
        desc = "; ".join(f"{label.split('  ')[0]} {fmt.number(v[key])}, gradient size "
                         f"{fmt.number(abs(v[key + '_grad']))}" for key, label, _c in LOSSES)
        self.plot.setAccessibleDescription(f"At q = {fmt.number(q)}: {desc}. Drag on the plots to move q.")

    # ------------------------------------------------------------------ writing

    _drag_top = 1.0  # q may reach 1: all loss curves are finite there

    def _drag_class(self) -> int:
        return self.true_class

    def _drag_label(self) -> str:
        return f"Drag q: {self.state.class_names[self.true_class]}"

    def _on_q_spin(self, value: float) -> None:
        self._write_probability(value, f"Set q: {self.state.class_names[self.true_class]}")

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        """Restyle every item (no data is recomputed)."""
        self.theme = theme
        self.plot.setBackground(theme.background)
        style_plot(self.loss_plot, theme, title="Loss of the true class", left="loss", bottom=BOTTOM_LABEL)
        style_plot(self.grad_plot, theme, title="Push on the logit", left="|∂loss/∂z|", bottom=BOTTOM_LABEL)
        self._narrow_axes = None
        self._fit_axes(self.plot.width())
        w = theme.line_width
        for (key, _label, colour), style in zip(LOSSES, STYLES, strict=True):
            pen = pg.mkPen(getattr(theme, colour), width=w, style=style)
            self.loss_curves[key].setPen(pen)
            self.grad_curves[key].setPen(pen)
            for pts in (self.loss_points[key], self.grad_points[key]):
                pts.setPen(pg.mkPen(theme.foreground, width=1))
                pts.setBrush(pg.mkBrush(getattr(theme, colour)))
                pts.setSize(theme.font_px(11))
        for line in self.q_lines:
            line.setPen(pg.mkPen(theme.prediction, width=max(1.5, 0.75 * w), style=QtCore.Qt.PenStyle.DashLine))
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(f"{theme.font_px(12)}px")
        for _sample, label in self.legend.items:  # existing labels only re-render on setText
            label.setText(label.text, color=theme.foreground, size=f"{theme.font_px(12)}px")
        self.legend.setBrush(pg.mkBrush(QtGui.QColor(theme.background)))
        self.legend.setPen(pg.mkPen(theme.muted))
        self.table.setStyleSheet(f"font-size: {theme.font_px(13)}px;")
        self.note.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(12)}px;")
        grow_controls_with_text(self, theme)
        self.refresh()
