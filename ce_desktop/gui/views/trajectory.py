"""The descent run over time: CE and KL per step above the H(y) floor, and each class's logit.

Both plots are built once and fed the run's arrays (``setData``) when the controller moves;
neither computes anything: the numbers come from :class:`~ce_desktop.gui.descent.DescentRun`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.model import formatting as fmt
from ce_desktop.gui import plain_text
from ce_desktop.gui.descent import DescentController, optimizer_label
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.themes import LIGHT, OKABE_ITO, Theme
from ce_desktop.gui.views.plotgrid import GridPlotWidget
from ce_desktop.gui.views.readouts import ValueLabel

#: While a run plays, the scrubber follows every this many frames (exactly when paused).
SCRUBBER_EVERY = 6
#: The logit plot draws at most this many classes (the ones with most target, then prediction).
MAX_LOGIT_CURVES = 10
#: Colours of the per-class logit curves: Okabe–Ito without black, then three of Paul Tol's.
CLASS_COLOURS = (
    OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"], OKABE_ITO["sky_blue"], "#999933", "#882255", "#44AA99", "#888888",
)


def _plot_widget(title: str) -> GridPlotWidget:
    w = GridPlotWidget(background=LIGHT.background)
    pi = w.getPlotItem()
    pi.setMenuEnabled(False)
    pi.hideButtons()
    pi.setMouseEnabled(x=False, y=False)
    pi.disableAutoRange()
    w.show_grid(x=True, y=True, alpha=0.2)
    pi.setTitle(title)
    w.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
    w.setMinimumSize(200, 120)
    for name in ("left", "bottom"):
        ax = pi.getAxis(name)
        ax.enableAutoSIPrefix(False)
        # Axes change rarely but the plot repaints every frame of a run: keep them as pixmaps.
        ax.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return w


def _style_legend(legend: pg.LegendItem, theme: Theme) -> None:
    # No background: the plots leave headroom for the legend, and a box would fade the curves.
    legend.setLabelTextColor(theme.foreground)
    legend.setLabelTextSize(f"{theme.font_px(12)}px")
    legend.setBrush(None)
    for _, label in legend.items:
        label.setText(label.text)  # the new colour and size apply when the text is set again


def _style_axes(plot: GridPlotWidget, theme: Theme) -> None:
    font = QtGui.QFont()
    font.setPixelSize(theme.font_px(12))
    for name in ("left", "bottom"):
        ax = plot.getPlotItem().getAxis(name)
        ax.setPen(pg.mkPen(theme.muted, width=1))
        ax.setTextPen(pg.mkPen(theme.foreground))
        ax.setTickFont(font)
        ax.label.setFont(font)
    plot.refresh_grid()


class RedrawWhenShown:
    """Mixin for a view in a tab: no redrawing while hidden (it costs every frame of a run).

    A hidden view notes that it is stale and redraws once, in full, when it is shown again.
    """

    _stale = False

    def _visible_or_defer(self) -> bool:
        if self.isVisible():
            return True
        self._stale = True
        return False

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if self._stale:
            self._stale = False
            self.refresh()


class _StepAxis:
    """A growing 0..n-1 array shared by the curves (no new arange per frame)."""

    def __init__(self):
        self._x = np.arange(1024, dtype=float)

    def get(self, n: int) -> np.ndarray:
        if n > self._x.shape[0]:
            self._x = np.arange(max(n, 2 * self._x.shape[0]), dtype=float)
        return self._x[:n]


class Marker(pg.GraphicsObject):
    """One round marker (a dot of ``size`` pixels) that follows the current step.

    It is moved with ``setPos`` and drawn in pixels (``ItemIgnoresTransformations``), so its
    bounding box is a constant: ``ScatterPlotItem`` rebuilt its spot table on every
    ``setData`` and worked out its pixel padding through the view's transform on every
    paint. A point that is not finite hides the marker. ``opts`` holds its pen and brush
    (as a scatter item's do).
    """

    def __init__(self, size: float):
        super().__init__()
        self.size = float(size)
        self.opts = {"pen": pg.mkPen("k"), "brush": pg.mkBrush("w")}
        r = self.size / 2.0 + 1.0
        self._bounds = QtCore.QRectF(-r, -r, 2 * r, 2 * r)
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(10)
        self.setVisible(False)

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph's name)
        self.opts["pen"] = pg.mkPen(*args, **kwargs)
        self.update()

    def setBrush(self, *args, **kwargs) -> None:  # noqa: N802
        self.opts["brush"] = pg.mkBrush(*args, **kwargs)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        return self._bounds

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        return None, None  # never widens a view's auto range

    def paint(self, p: QtGui.QPainter, *args) -> None:
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setPen(self.opts["pen"])
        p.setBrush(self.opts["brush"])
        r = self.size / 2.0
        p.drawEllipse(QtCore.QRectF(-r, -r, 2 * r, 2 * r))

    def move_to(self, x: float, y: float) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            self.setVisible(False)
            return
        if (self.pos().x(), self.pos().y()) != (x, y):
            self.setPos(x, y)
        self.setVisible(True)

    def position(self) -> tuple[float, float] | None:
        """Where the marker is drawn, or None when hidden (tests)."""
        return (self.pos().x(), self.pos().y()) if self.isVisible() else None


class _PixelPadded(pg.GraphicsObject):
    """An item whose bounding box is padded by a few pixels, worked out once per view transform.

    pyqtgraph's items look the pixel size up through the view's transform whenever their
    data change (every frame of a run); the transform itself changes only with the range or
    the plot's size, and pyqtgraph says so through ``viewTransformChanged``.
    """

    PAD_PX = 2.0

    def __init__(self):
        self._pad: tuple[float, float] | None = None
        self._pen = pg.mkPen("k")
        self._bounds: QtCore.QRectF | None = None  # worked out by boundingRect, dropped on a change
        super().__init__()

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph's name)
        self._pen = pg.mkPen(*args, **kwargs)
        self.viewTransformChanged()  # a wider pen needs a wider margin
        self.update()

    def pen(self) -> QtGui.QPen:
        return self._pen

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph's hook)
        self._pad = None
        self.prepareGeometryChange()
        self._bounds = None

    def viewRangeChanged(self) -> None:  # noqa: N802 (pyqtgraph's hook)
        self.viewTransformChanged()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        return None, None  # added with ignoreBounds: the plots' ranges are set by hand

    def pad(self) -> tuple[float, float]:
        """``PAD_PX`` pixels in data units along x and y (0 before the item is in a view)."""
        if self._pad is None:
            px, py = self.pixelVectors()
            if px is None or py is None:
                return 0.0, 0.0
            self._pad = (self.PAD_PX * math.hypot(px.x(), px.y()), self.PAD_PX * math.hypot(py.x(), py.y()))
        return self._pad


class Polyline(_PixelPadded):
    """A short curve drawn as one polyline (the live tail of a :class:`RunCurve`).

    ``PlotCurveItem`` suits long curves: its ``setData`` re-checks every option, works out the
    data bounds with NaN-aware reductions and turns the arrays into a path, and it did so for
    both curves on every frame of a run. This item keeps a polygon per run of finite points
    and a bounding box from their extent. Points that are not finite break the line (as
    ``PlotCurveItem`` draws them).
    """

    PAD_PX = 3.0

    def __init__(self):
        super().__init__()
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._polys: list[QtGui.QPolygonF] = []
        self._extent: QtCore.QRectF | None = None

    def getData(self):  # noqa: N802 (pyqtgraph's name)
        return self._x, self._y

    def setData(self, x, y) -> None:  # noqa: N802
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        self._x, self._y = x, y
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.all():
            runs = [(0, len(y))] if len(y) else []
        else:
            edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.view(np.int8), [0]))))
            runs = list(zip(edges[::2].tolist(), edges[1::2].tolist()))
        polys = []
        for a, b in runs:
            poly = pg.functions.create_qpolygonf(b - a)
            arr = pg.functions.ndarray_from_qpolygonf(poly)
            arr[:, 0] = x[a:b]
            arr[:, 1] = y[a:b]
            polys.append(poly)
        self._polys = polys
        extent = None
        if polys:
            xs, ys = x[ok], y[ok]
            extent = QtCore.QRectF(float(xs.min()), float(ys.min()), float(xs.max() - xs.min()), float(ys.max() - ys.min()))
        if extent != self._extent:
            self._extent = extent
            self.prepareGeometryChange()
            self._bounds = None
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        if self._bounds is None:
            if self._extent is None:
                self._bounds = QtCore.QRectF()
            else:
                w = max(1.0, self._pen.widthF()) if self._pen.isCosmetic() else 1.0
                px, py = self.pad()
                self._bounds = self._extent.adjusted(-px * w, -py * w, px * w, py * w)
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args) -> None:
        if not self._polys:
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, bool(pg.getConfigOption("antialias")))
        p.setPen(self._pen)
        for poly in self._polys:
            if poly.size() > 1:
                p.drawPolyline(poly)
            else:
                p.drawPoint(poly.at(0))


class StepCursor(_PixelPadded):
    """The vertical line at the current step: moved with ``setPos`` (``InfiniteLine`` works
    out its bounding box again whenever it moves, every frame of a run)."""

    def value(self) -> float:
        return self.pos().x()

    def setValue(self, x: float) -> None:  # noqa: N802 (pyqtgraph's name)
        if self.pos().x() != x:
            self.setPos(float(x), 0.0)

    def _yrange(self) -> tuple[float, float]:
        vb = self.getViewBox()
        if vb is None:
            return 0.0, 1.0
        return tuple(vb.viewRange()[1])

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        if self._bounds is None:
            y0, y1 = self._yrange()
            px, _py = self.pad()
            self._bounds = QtCore.QRectF(-px, y0, 2 * px, y1 - y0)
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args) -> None:
        y0, y1 = self._yrange()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        p.setPen(self._pen)
        p.drawLine(QtCore.QPointF(0.0, y0), QtCore.QPointF(0.0, y1))


class RunCurve(pg.PlotCurveItem):
    """A curve that grows by a point per frame, drawn as a cached body and a short live tail.

    Stroking the whole antialiased curve again on every frame cost ~1 ms per curve at a
    few hundred steps, and made the whole plot (legend, floor line, both curves) repaint.
    This item holds points 0..h, where h is the last multiple of :data:`CHUNK` steps, and is
    kept as a pixmap (it changes once per CHUNK steps); ``tail`` holds points h..n-1, so a
    frame repaints only the small area the tail covers. ``getData`` and the pen are those of
    the whole curve (the legend and tests see one curve).
    """

    CHUNK = 32

    def __init__(self, phase: int = 0):
        #: The body ends at a step ≡ phase (mod CHUNK): curves with different phases rebuild
        #: their bodies on different frames, so a plot of ten curves never rebuilds ten at once.
        self.phase = int(phase) % self.CHUNK
        self.tail = Polyline()  # first: PlotCurveItem's __init__ calls setData and setPen
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._body_len = -1
        super().__init__()
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def add_to(self, pi: pg.PlotItem) -> None:
        pi.addItem(self)
        pi.addItem(self.tail, ignoreBounds=True)

    def remove_from(self, pi: pg.PlotItem) -> None:
        pi.removeItem(self.tail)
        pi.removeItem(self)

    def set_run_data(self, x: np.ndarray, y: np.ndarray) -> None:
        """The whole curve so far; only the parts that changed are handed to Qt."""
        n = len(y)
        self._x, self._y = x, y
        last, phase = n - 1, self.phase
        h = (last - phase) // self.CHUNK * self.CHUNK + phase if last >= phase else 0
        body_x, body_y = x[: h + 1], y[: h + 1]
        if (h + 1 != self._body_len or not np.array_equal(body_y, self._body_y, equal_nan=True)
                or not np.array_equal(body_x, self._body_x, equal_nan=True)):
            self._body_len = h + 1
            self._body_x, self._body_y = body_x.copy(), body_y.copy()
            super().setData(body_x, body_y)
        self.tail.setData(x[h:], y[h:])

    def setData(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph's name)
        """Plain ``setData`` (an empty curve): the body and the tail both follow."""
        super().setData(*args, **kwargs)
        x, y = super().getData()
        self._x = np.zeros(0) if x is None else x
        self._y = np.zeros(0) if y is None else y
        self._body_len = -1
        self.tail.setData([], [])

    def getData(self):  # noqa: N802
        return self._x, self._y

    # PlotCurveItem draws and bounds what getData returns; the body item draws only the body.
    def generatePath(self, x, y):  # noqa: N802 (pyqtgraph's name)
        return super().generatePath(*pg.PlotCurveItem.getData(self))

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        data = pg.PlotCurveItem.getData(self)[0 if ax == 0 else 1]
        if data is None:
            return None, None
        data = data[np.isfinite(data)]
        return (float(data.min()), float(data.max())) if data.size else (None, None)

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802
        super().setPen(*args, **kwargs)
        self.tail.setPen(*args, **kwargs)

    def setZValue(self, z) -> None:  # noqa: N802
        super().setZValue(z)
        self.tail.setZValue(z)


class TrajectoryPlot(RedrawWhenShown, QtWidgets.QWidget):
    """CE and KL per step, H(y) as a dashed floor, the current step, and a scrubber.

    The legend names the optimiser, so two screenshots of two runs can be compared.
    """

    def __init__(self, state, controller: DescentController, parent=None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self.theme: Theme = LIGHT
        self._steps = _StepAxis()
        self._scrubbing = False

        self.plot = _plot_widget("Loss per step")
        self.plot.setAccessibleName("Loss per step of gradient descent")
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", "step")
        self.legend = pi.addLegend(offset=(-10, 4), colCount=3)
        self.ce_curve = RunCurve()
        self.kl_curve = RunCurve(phase=RunCurve.CHUNK // 2)
        self.ce_curve.add_to(pi)
        self.kl_curve.add_to(pi)
        self.legend.addItem(self.ce_curve, "CE")
        self.legend.addItem(self.kl_curve, "KL")
        self.floor = pg.InfiniteLine(pos=0.0, angle=0, movable=False,
                                     label="H(y) = {value:.3f}", labelOpts={"position": 0.02, "anchors": [(0, 0), (0, 0)]})
        self.floor.setZValue(-5)
        pi.addItem(self.floor, ignoreBounds=True)
        self.floor_sample = pg.PlotDataItem([], [])  # legend entry for the dashed floor line
        self.legend.addItem(self.floor_sample, "H(y): CE's floor")
        self.cursor = StepCursor()
        pi.addItem(self.cursor, ignoreBounds=True)
        self.ce_marker = Marker(size=9)
        self.kl_marker = Marker(size=9)
        pi.addItem(self.ce_marker, ignoreBounds=True)
        pi.addItem(self.kl_marker, ignoreBounds=True)
        self.empty_text = pg.TextItem("Press Play (Space) or Step (→) to start a run.", anchor=(0.5, 0.5))
        pi.addItem(self.empty_text, ignoreBounds=True)
        self.empty_text.setPos(5, 0.5)

        self.scrubber = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.scrubber.setRange(0, 0)
        self.scrubber.setToolTip("Scrub through the run: go back to any step")
        self.scrubber.setAccessibleName("step of the run")
        # Opaque (it fills its own background), so moving it does not repaint the tab, dock and
        # window behind it.
        self.scrubber.setAutoFillBackground(True)
        self.readout = ValueLabel("")  # changes every frame: no window re-layout
        self.readout.set_backdrop("window")  # ... and no repaint of the tab and dock behind it
        self.readout.setMinimumWidth(220)
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(QtWidgets.QLabel("Step"))
        row.addWidget(self.scrubber, 1)
        row.addWidget(self.readout)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 2)
        lay.setSpacing(2)
        lay.addWidget(self.plot, 1)
        lay.addLayout(row)

        self.scrubber.valueChanged.connect(self._on_scrubbed)
        controller.positionChanged.connect(self._on_position)
        controller.runChanged.connect(self.refresh)
        controller.playingChanged.connect(self._on_playing)
        state.connect_aspects(self._on_state_changed, *self._FLOOR_ASPECTS)
        self._scrubber_lag = 0
        self._ymax = None
        self._xmax = None
        self._labels_key = None
        self.apply_theme(self.theme)
        self.refresh()

    # ------------------------------------------------------------------ updates

    #: Aspects that can change H(y), the floor, or the labels: a prediction drag cannot, and
    #: costs nothing here.
    _FLOOR_ASPECTS = (Aspect.REPLACED, Aspect.CLASSES, Aspect.UNITS, Aspect.SMOOTHING, Aspect.DESCENT, Aspect.TARGET)

    def _on_state_changed(self, aspects: frozenset) -> None:
        if aspects & {Aspect.UNITS, Aspect.DESCENT, Aspect.REPLACED}:
            self._update_labels()
        if self.controller.run is None:
            self._on_position()  # with no run the floor is this state's H(y); a run carries its own

    def _update_labels(self, force: bool = False) -> None:
        """Axis label and legend texts; set only when they change (setting them re-lays out the plot)."""
        run = self.controller.run
        settings = run.settings if run is not None else self.state.descent
        key = (self.state.units, optimizer_label(settings))
        if key == self._labels_key and not force:
            return
        self._labels_key = key
        self.plot.getPlotItem().setLabel("left", f"loss ({key[0]})")
        self.legend.getLabel(self.ce_curve).setText(f"CE ({key[1]})")
        self.legend.getLabel(self.kl_curve).setText("KL(y‖ŷ) = CE − H(y)")

    def refresh(self) -> None:
        """Redraw everything from the controller's run (a new run, cleared, or cut)."""
        self._update_labels()
        self._on_position()

    def _on_position(self, *args) -> None:
        if not self._visible_or_defer():
            return
        run = self.controller.run
        if run is None:
            h = float(self.state.evaluation.entropy)
            self.ce_curve.setData([], [])
            self.kl_curve.setData([], [])
            self.ce_marker.setVisible(False)
            self.kl_marker.setVisible(False)
            self.floor.setValue(h)
            self.cursor.setValue(0)
            self.empty_text.setVisible(True)
            self._set_ranges(10, max(1.0, 1.5 * h))
            self.empty_text.setPos(5, max(1.0, 1.5 * h) / 2)
            self._set_scrubber(0, 0)
            self.readout.setText("")
            self.plot.setAccessibleDescription(f"No run yet. H(y) = {fmt.number(h)} {self.state.units}, CE's floor.")
            return
        self.empty_text.setVisible(False)
        n = run.last + 1
        x = self._steps.get(n)
        ce = run.cross_entropy
        kl = run.kl_divergence
        self.ce_curve.set_run_data(x, ce)
        self.kl_curve.set_run_data(x, kl)
        k = run.index
        self.ce_marker.move_to(k, float(ce[k]))
        self.kl_marker.move_to(k, float(kl[k]))
        self.floor.setValue(run.entropy)
        self.cursor.setValue(k)
        finite = ce[np.isfinite(ce)]
        top = float(finite.max()) if finite.size else 1.0
        self._set_ranges(max(10, n - 1), max(top, run.entropy, 1e-3))
        # While playing, the handle sits at the growing end and a new range per frame moves it
        # by a pixel at most; repainting the slider every frame cost ~5 % of a frame. It follows
        # every SCRUBBER_EVERY frames, and exactly on every step, scrub or pause.
        if self.controller.playing and self._scrubber_lag < SCRUBBER_EVERY - 1:
            self._scrubber_lag += 1
        else:
            self._scrubber_lag = 0
            self._set_scrubber(run.last, k)
        u = self.state.units
        self.readout.setText(f"step {k:,}: CE {fmt.number(ce[k])}, KL {fmt.number(kl[k])} {u}")
        self.plot.setAccessibleDescription(
            f"Step {k:,} of {run.last:,}: CE {fmt.number(ce[k])}, KL {fmt.number(kl[k])} {u}; "
            f"H(y) = {fmt.number(run.entropy)} {u}, CE's floor; CE at step 0: {fmt.number(ce[0])} {u}.")

    def _on_playing(self, playing: bool) -> None:
        if not playing:
            self._scrubber_lag = 0
            self._on_position()  # the scrubber shows the exact step the run stopped at

    def _set_ranges(self, xmax: float, ymax: float) -> None:
        pi = self.plot.getPlotItem()
        # Grow the x range in chunks of 50 % so the axis does not creep: each new range
        # re-renders both axes and the grid (~5 ms), which a 60 steps/s run cannot afford often.
        if self._xmax is None or xmax > self._xmax or xmax < self._xmax / 4:
            self._xmax = max(10, int(xmax * 1.5))
            pi.setXRange(0, self._xmax, padding=0.02)
        if self._ymax is None or ymax > self._ymax or ymax < self._ymax / 3:
            self._ymax = ymax
            pi.setYRange(0, ymax * 1.3, padding=0)  # headroom for the legend row

    def _set_scrubber(self, last: int, k: int) -> None:
        self._scrubbing = True
        try:
            self.scrubber.setRange(0, last)
            self.scrubber.setValue(k)
            self.scrubber.setEnabled(last > 0)
        finally:
            self._scrubbing = False

    def _on_scrubbed(self, k: int) -> None:
        if not self._scrubbing:
            self.controller.go_to(k)

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        _style_axes(self.plot, theme)
        w = theme.line_width
        # CE on top and wider: for a hard target H(y) = 0 and the KL curve lies exactly under it.
        self.ce_curve.setPen(pg.mkPen(theme.cross_entropy, width=w * 1.5))
        self.ce_curve.setZValue(2)
        self.kl_curve.setPen(pg.mkPen(theme.kl_divergence, width=w * 0.75))
        self.kl_curve.setZValue(3)
        floor_pen = pg.mkPen(theme.entropy, width=w, style=QtCore.Qt.PenStyle.DashLine)
        self.floor.setPen(floor_pen)
        self.floor.label.setColor(theme.entropy)
        self.floor_sample.setPen(floor_pen)
        self.cursor.setPen(pg.mkPen(theme.muted, width=1, style=QtCore.Qt.PenStyle.DotLine))
        for marker, quantity in ((self.ce_marker, "cross_entropy"), (self.kl_marker, "kl_divergence")):
            marker.setPen(pg.mkPen(theme.background, width=1))
            marker.setBrush(pg.mkBrush(getattr(theme, quantity)))
        self.empty_text.setColor(theme.muted)
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(12))
        _style_legend(self.legend, theme)
        self.plot.getPlotItem().setTitle("Loss per step", color=theme.foreground, size=f"{theme.font_px(14)}px")
        for lab in self.findChildren(QtWidgets.QLabel):
            lab.setFont(font)
        self._update_labels(force=True)
        self._on_position()


class LogitPlot(RedrawWhenShown, QtWidgets.QWidget):
    """Each class's logit over the steps of the run: a hard target's fan out, a soft one's settle."""

    def __init__(self, state, controller: DescentController, parent=None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self.theme: Theme = LIGHT
        self._steps = _StepAxis()
        self._classes: np.ndarray = np.arange(0)
        self._legend_key = None
        self._xmax: int | None = None
        self._yrange: tuple[float, float] | None = None

        self.plot = _plot_widget("Logits per step")
        self.plot.setAccessibleName("Logits per step of gradient descent")
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", "step")
        pi.setLabel("left", "logit z")
        self.legend = pi.addLegend(offset=(10, 4), colCount=5)
        self.curves: list[RunCurve] = []
        self.cursor = StepCursor()
        pi.addItem(self.cursor, ignoreBounds=True)
        self.note = QtWidgets.QLabel("")
        self.note.setWordWrap(True)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 2)
        lay.setSpacing(2)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)

        controller.positionChanged.connect(self._on_position)
        controller.runChanged.connect(self.refresh)
        state.connect_aspects(self._on_state_changed, Aspect.REPLACED, Aspect.CLASSES, Aspect.TARGET)
        self.apply_theme(self.theme)
        self.refresh()

    @property
    def shown_classes(self) -> list[int]:
        """Indices of the classes drawn (all, or the MAX_LOGIT_CURVES most relevant)."""
        return [int(i) for i in self._classes]

    def _on_state_changed(self, aspects: frozenset) -> None:
        if aspects & {Aspect.CLASSES, Aspect.REPLACED}:
            self.refresh()
        elif Aspect.TARGET in aspects:
            self._restyle()

    def _choose_classes(self, run) -> np.ndarray:
        c = self.state.num_classes if run is None else run.target.shape[0]
        if c <= MAX_LOGIT_CURVES:
            return np.arange(c)
        y = self.state.target if run is None else run.target
        p0 = self.state.prediction if run is None else run.predictions[0]
        order = np.lexsort((-p0, -y))  # most target first, then most predicted at the start
        return np.sort(order[:MAX_LOGIT_CURVES])

    def refresh(self) -> None:
        """Rebuild the curves' legend if the classes changed, then redraw."""
        if not self._visible_or_defer():
            return
        run = self.controller.run
        classes = self._choose_classes(run)
        names = self.state.class_names
        key = (tuple(int(i) for i in classes), tuple(names[i] for i in classes if i < len(names)))
        if key != self._legend_key:
            self._legend_key = key
            for c in self.curves:
                c.remove_from(self.plot.getPlotItem())
                self.legend.removeItem(c)
            self.curves = []
            self._classes = classes
            for j, i in enumerate(classes):
                name = names[i] if i < len(names) else f"class {i + 1}"
                # A cached body and a live tail, as the loss curves: re-stroking up to ten whole
                # histories on every frame made a long run stutter while this tab was shown.
                curve = RunCurve(phase=j * RunCurve.CHUNK // len(classes))
                curve.add_to(self.plot.getPlotItem())
                self.legend.addItem(curve, plain_text.escape(name))  # a legend label is HTML
                self.curves.append(curve)
            self._restyle()
        c = self.state.num_classes
        if c > MAX_LOGIT_CURVES:
            self.note.setText(f"Showing {len(classes)} of {c:,} classes: those with the most target, "
                              "then the most predicted probability.")
            self.note.setVisible(True)
        else:
            self.note.setVisible(False)
        self._on_position()

    def _on_position(self, *args) -> None:
        if not self._visible_or_defer():
            return
        run = self.controller.run
        pi = self.plot.getPlotItem()
        if run is None:
            for curve in self.curves:
                curve.setData([], [])
            self.cursor.setValue(0)
            self._xmax = 10
            self._yrange = None
            pi.setXRange(0, 10, padding=0.02)
            self.plot.setAccessibleDescription("No run yet: the logits of each step appear here.")
            return
        z = run.logits_history
        n = z.shape[0]
        x = self._steps.get(n)
        for curve, i in zip(self.curves, self._classes):
            if i < z.shape[1]:
                curve.set_run_data(x, z[:, i])
        self.cursor.setValue(run.index)
        names = self.state.class_names
        if z.shape[1] == len(names):
            self.plot.setAccessibleDescription(
                f"Step {run.index:,} of {run.last:,}, logits z: {fmt.class_values(names, z[run.index], 2)}.")
        shown = z[:, self._classes] if self._classes.size and self._classes.max() < z.shape[1] else z
        lo, hi = float(shown.min()), float(shown.max())
        # Change the ranges only when the data leave them (or shrink far inside): a range change
        # re-lays out the axes, which would otherwise happen on every frame of a run.
        ylo, yhi = self._yrange if self._yrange is not None else (math.inf, -math.inf)
        span = max(hi - lo, 1.0)
        if lo < ylo or hi > yhi or (yhi - ylo) > 4 * span:
            pad = 0.15 * span
            rows = 1 + (len(self.curves) > 5)
            top = pad + 0.16 * rows * (span + 2 * pad)  # headroom for the legend's rows
            self._yrange = (lo - pad, hi + top)
            pi.setYRange(*self._yrange, padding=0)
        if self._xmax is None or n - 1 > self._xmax or n - 1 < self._xmax / 4:
            self._xmax = max(10, int((n - 1) * 1.1))
            pi.setXRange(0, self._xmax, padding=0.02)

    def _restyle(self) -> None:
        w = self.theme.line_width
        y = self.state.target
        for j, (curve, i) in enumerate(zip(self.curves, self._classes)):
            colours = self.theme.class_colours
            colour = colours[j % len(colours)]
            wanted = i < y.shape[0] and y[i] > 0
            curve.setPen(pg.mkPen(colour, width=w * (1.4 if wanted else 1.0),
                                  style=QtCore.Qt.PenStyle.SolidLine if wanted else QtCore.Qt.PenStyle.DashLine))

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        _style_axes(self.plot, theme)
        self.cursor.setPen(pg.mkPen(theme.muted, width=1, style=QtCore.Qt.PenStyle.DotLine))
        _style_legend(self.legend, theme)
        self.plot.getPlotItem().setTitle("Logits per step", color=theme.foreground, size=f"{theme.font_px(14)}px")
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(11))
        self.note.setFont(font)
        self.note.setStyleSheet(f"color: {theme.muted};")
        self._restyle()
