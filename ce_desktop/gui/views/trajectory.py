"""The descent run over time: CE and KL per step above the H(y) floor, and each class's logit.

Both plots are built once and fed the run's arrays (``setData``) when the controller moves;
neither computes anything: the numbers come from :class:`~ce_desktop.gui.descent.DescentRun`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.descent import DescentController, optimizer_label
from ce_desktop.gui.items.marker import Marker
from ce_desktop.gui.items.run_curve import RunCurve
from ce_desktop.gui.items.step_cursor import StepCursor
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.themes import LIGHT, OKABE_ITO, Theme
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.gui.views.plotgrid import GridPlotWidget
from ce_desktop.gui.views.plots import make_plot, style_axes, style_legend
from ce_desktop.gui.views.readouts import ValueLabel
from ce_desktop.model import formatting as fmt

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
    # Axes change rarely but the plot repaints every frame of a run: keep them as pixmaps.
    w = make_plot(title, grid=(True, True), grid_alpha=0.2, cache_axes=True, si_prefix=False)
    w.setMinimumSize(200, 120)
    return w


class _StepAxis:
    """A growing 0..n-1 array shared by the curves (no new arange per frame)."""

    def __init__(self):
        self._x = np.arange(1024, dtype=float)

    def get(self, n: int) -> np.ndarray:
        if n > self._x.shape[0]:
            self._x = np.arange(max(n, 2 * self._x.shape[0]), dtype=float)
        return self._x[:n]




class TrajectoryPlot(DeferredWhileHidden, QtWidgets.QWidget):
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
        self.floor = pg.InfiniteLine(
            pos=0.0,
            angle=0,
            movable=False,
            label="H(y) = {value:.3f}",
            labelOpts={"position": 0.02, "anchors": [(0, 1), (0, 1)]},
        )
        self.floor.setZValue(-5)
        pi.addItem(self.floor, ignoreBounds=True)
        self.floor_sample = pg.PlotDataItem([], [])  # legend entry for the dashed floor line
        self.legend.addItem(self.floor_sample, "H(y): CE's floor")
        self.step_cursor = StepCursor()
        pi.addItem(self.step_cursor, ignoreBounds=True)
        self.ce_marker = Marker(size=9)
        self.kl_marker = Marker(size=9)
        pi.addItem(self.ce_marker, ignoreBounds=True)
        pi.addItem(self.kl_marker, ignoreBounds=True)
        self.empty_text = pg.TextItem("Press Play (Space) to start a run.", anchor=(0.5, 0.5))
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
        state.gestureFinished.connect(self._on_gesture_finished)
        self._scrubber_lag = 0
        self._ymax: float | None = None
        self._xmax: int | None = None
        self._labels_key: tuple[str, str] | None = None  # (units, optimizer label) shown
        self.apply_theme(self.theme)
        self.refresh()

    # ------------------------------------------------------------------ updates

    #: Aspects that can change H(y), the floor, step 0's CE (where a run from here starts), or
    #: the labels. With a run on screen a change only clears or follows it (the controller).
    _FLOOR_ASPECTS = (
        Aspect.REPLACED,
        Aspect.CLASSES,
        Aspect.UNITS,
        Aspect.SMOOTHING,
        Aspect.DESCENT,
        Aspect.TARGET,
        Aspect.PREDICTION,
        Aspect.EDIT_MODE,
        Aspect.TEMPERATURE,
    )

    #: Aspects that move only step 0's point: during a drag of ŷ it follows when the drag ends
    #: (a repaint of this plot per mouse move would double what a move costs).
    _STEP0_ASPECTS = frozenset({Aspect.PREDICTION, Aspect.EDIT_MODE, Aspect.TEMPERATURE})

    def _on_state_changed(self, aspects: frozenset) -> None:
        if aspects & {Aspect.UNITS, Aspect.DESCENT, Aspect.REPLACED}:
            self._update_labels()
        if self.controller.run is None:
            if self.state.gesture_active and aspects <= self._STEP0_ASPECTS:
                return
            self._on_position()  # with no run the floor is this state's H(y); a run carries its own

    def _on_gesture_finished(self) -> None:
        if self.controller.run is None:
            self._on_position()

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
            ev = self.state.evaluation
            h = float(ev.entropy)
            ce0, kl0 = float(ev.cross_entropy), float(ev.kl_divergence)
            self.ce_curve.setData([], [])
            self.kl_curve.setData([], [])
            # Step 0 of a run from here is the state itself: its CE and KL are on the plot
            # before Play (a lesson's "CE is now 1.464" is then on screen).
            shown = math.isfinite(ce0)
            if shown:
                self.ce_marker.move_to(0, ce0)
                self.kl_marker.move_to(0, kl0)
            self.ce_marker.setVisible(shown)
            self.kl_marker.setVisible(shown)
            self.floor.setValue(h)
            self.step_cursor.setValue(0)
            self.empty_text.setVisible(True)
            top = max(1.0, 1.5 * h, ce0 * 1.15 if shown else 0.0)
            self._set_ranges(10, top)
            # In the middle of the steps, halfway between the floor and the legend's row: clear
            # of the floor's "H(y) = ..." label at the left.
            floor = h if math.isfinite(h) else 0.0
            xmax, ymax = self._xmax, self._ymax
            assert xmax is not None and ymax is not None, "_set_ranges has just set both"
            self.empty_text.setPos(xmax / 2, (floor + ymax) / 2)
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
        self.step_cursor.setValue(k)
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
            f"H(y) = {fmt.number(run.entropy)} {u}, CE's floor; CE at step 0: {fmt.number(ce[0])} {u}."
        )

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
        style_axes(self.plot, theme)
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
        self.step_cursor.setPen(pg.mkPen(theme.muted, width=1, style=QtCore.Qt.PenStyle.DotLine))
        for marker, quantity in ((self.ce_marker, "cross_entropy"), (self.kl_marker, "kl_divergence")):
            marker.setPen(pg.mkPen(theme.background, width=1))
            marker.setBrush(pg.mkBrush(getattr(theme, quantity)))
        self.empty_text.setColor(theme.muted)
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(12))
        # The hint and the floor's label grow with the text, as the axes and legend do.
        self.empty_text.setFont(font)
        self.floor.label.setFont(font)
        style_legend(self.legend, theme)
        self.plot.getPlotItem().setTitle("Loss per step", color=theme.foreground, size=f"{theme.font_px(14)}px")
        for lab in self.findChildren(QtWidgets.QLabel):
            lab.setFont(font)
        self._update_labels(force=True)
        self._on_position()


class LogitPlot(DeferredWhileHidden, QtWidgets.QWidget):
    """Each class's logit over the steps of the run: a hard target's fan out, a soft one's settle."""

    def __init__(self, state, controller: DescentController, parent=None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self.theme: Theme = LIGHT
        self._steps = _StepAxis()
        self._classes: np.ndarray = np.arange(0)
        self._legend_key: tuple[tuple[int, ...], tuple[str, ...]] | None = None  # (classes, names) shown
        self._xmax: int | None = None
        self._yrange: tuple[float, float] | None = None

        self.plot = _plot_widget("Logits per step")
        self.plot.setAccessibleName("Logits per step of gradient descent")
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", "step")
        pi.setLabel("left", "logit z")
        self.legend = pi.addLegend(offset=(10, 4), colCount=5)
        self.curves: list[RunCurve] = []
        self.step_cursor = StepCursor()
        pi.addItem(self.step_cursor, ignoreBounds=True)
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
            self.note.setText(
                f"Showing {len(classes)} of {c:,} classes: those with the most target, "
                "then the most predicted probability."
            )
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
            self.step_cursor.setValue(0)
            self._xmax = 10
            self._yrange = None
            pi.setXRange(0, 10, padding=0.02)
            self.plot.setAccessibleDescription("No run yet: the logits of each step appear here.")
            return
        z = run.logits_history
        n = z.shape[0]
        x = self._steps.get(n)
        for curve, i in zip(self.curves, self._classes, strict=True):
            if i < z.shape[1]:
                curve.set_run_data(x, z[:, i])
        self.step_cursor.setValue(run.index)
        names = self.state.class_names
        if z.shape[1] == len(names):
            self.plot.setAccessibleDescription(
                f"Step {run.index:,} of {run.last:,}, logits z: {fmt.class_values(names, z[run.index], 2)}."
            )
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
        for j, (curve, i) in enumerate(zip(self.curves, self._classes, strict=True)):
            colours = self.theme.class_colours
            colour = colours[j % len(colours)]
            wanted = i < y.shape[0] and y[i] > 0
            curve.setPen(
                pg.mkPen(
                    colour,
                    width=w * (1.4 if wanted else 1.0),
                    style=QtCore.Qt.PenStyle.SolidLine if wanted else QtCore.Qt.PenStyle.DashLine,
                )
            )

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        style_axes(self.plot, theme)
        self.step_cursor.setPen(pg.mkPen(theme.muted, width=1, style=QtCore.Qt.PenStyle.DotLine))
        style_legend(self.legend, theme)
        self.plot.getPlotItem().setTitle("Logits per step", color=theme.foreground, size=f"{theme.font_px(14)}px")
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(11))
        self.note.setFont(font)
        self.note.setStyleSheet(f"color: {theme.muted};")
        self._restyle()
