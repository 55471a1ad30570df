"""The training run over its steps: the loss with its floor, and the accuracy beside it.

The floor is the lowest loss any parameters could reach: for soft labels the mean entropy
H(y) of the samples (with the run's weights and reduction), so the gap between the curve and
the floor is the dataset's KL and CE = H + KL shows over the whole data. Hard labels have a
floor of 0, reached only as the weights run off to infinity (separable data) or never.
A click on either plot shows that step (the scrubber); the step shown is a vertical line.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.plots import make_plot, make_title_shrinkable, style_plot
from ce_desktop.model import formatting as fmt


class _ClickToStep(QtCore.QObject):
    """A click on a plot's data area shows the step under it."""

    def __init__(self, plot: pg.PlotWidget, state):
        super().__init__(plot)
        self._plot = plot
        self._state = state
        plot.scene().sigMouseClicked.connect(self._on_click)

    def _on_click(self, ev) -> None:
        vb = self._plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        x = vb.mapSceneToView(ev.scenePos()).x()
        last = self._state.run.last
        self._state.go_to(int(round(min(max(x, 0.0), last))))
        ev.accept()


class TrainingCurves(QtWidgets.QWidget):
    """Loss per step (with its floor) above accuracy per step, from a DatasetState."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.loss_plot = make_plot(grid=(True, True), si_prefix=False, cache_axes=True)
        self.accuracy_plot = make_plot(grid=(True, True), si_prefix=False, cache_axes=True)
        self._shown_titles: tuple = ()
        lay.addWidget(self.loss_plot, 3)
        lay.addWidget(self.accuracy_plot, 2)
        self.loss_curve = pg.PlotCurveItem()
        self.floor_line = pg.InfiniteLine(angle=0, movable=False)
        self.loss_plot.addItem(self.floor_line, ignoreBounds=True)
        self.loss_plot.addItem(self.loss_curve)
        self.accuracy_curve = pg.PlotCurveItem()
        self.accuracy_plot.addItem(self.accuracy_curve)
        self.cursors = [pg.InfiniteLine(angle=90, movable=False) for _ in range(2)]
        self.loss_plot.addItem(self.cursors[0], ignoreBounds=True)
        self.accuracy_plot.addItem(self.cursors[1], ignoreBounds=True)
        self.accuracy_plot.set_ticks("left", [[(v, f"{v:g}") for v in (0, 100)]])  # room for two at any height
        for p in (self.loss_plot, self.accuracy_plot):  # a narrow column must not widen the plots
            make_title_shrinkable(p.getPlotItem().titleLabel)
        self._clicks = [_ClickToStep(self.loss_plot, state), _ClickToStep(self.accuracy_plot, state)]
        self._ymax = 1.0
        self._xmax = 10
        self._floor = math.nan
        self.setAccessibleName("Loss and accuracy per step")
        self.setMinimumHeight(200)
        state.positionChanged.connect(self.refresh)
        state.setupChanged.connect(self._on_setup_changed)
        self.apply_theme(LIGHT)
        self._on_setup_changed()

    # ------------------------------------------------------------------ reading

    def loss_shown(self) -> np.ndarray:
        """The loss curve's values as drawn (steps 0..last)."""
        y = self.loss_curve.getData()[1]
        return np.zeros(0) if y is None else np.asarray(y)

    def floor_shown(self) -> float:
        return float(self.floor_line.value()) if self.floor_line.isVisible() else math.nan

    def cursor_step(self) -> float:
        return float(self.cursors[0].value())

    # ------------------------------------------------------------------ state → view

    def _on_setup_changed(self) -> None:
        run = self.state.run
        floor = self._floor = run.loss_floor  # a pass over the targets: once per run, not per frame
        self.floor_line.setVisible(math.isfinite(floor))
        if math.isfinite(floor):
            self.floor_line.setValue(floor)
        ymax = max(1e-3, float(run.loss[0]) * 1.08, floor * 1.1 if math.isfinite(floor) else 0.0)
        # While a point is dragged every move starts a new run: the axes hold still unless it leaves them.
        if not (self.state.gesture_active and 0.5 * self._ymax <= ymax <= self._ymax):
            self._ymax = ymax
        self._xmax = 10
        self._titles()
        self.refresh()

    def _titles(self) -> None:
        t = self.theme
        run = self.state.run
        floor = self._floor
        red = self.state.setup.loss.reduction
        what = "mean" if red == "mean" else "sum"
        floor_text = f", floor {fmt.loss(floor)}" if math.isfinite(floor) else ""
        k = self.state.position
        acc = 100 * float(run.accuracy[k])
        loss_title = f"Loss ({what}){floor_text}"
        acc_title = f"Accuracy {acc:.1f} %"  # the step is the cursor's (and the scrubber's)
        key = (loss_title, acc_title, t)
        prev = self._shown_titles or (None, None, None)
        # A title's HTML layout costs; most frames change one of them at most.
        if prev[0] != loss_title or prev[2] is not t:
            self.loss_plot.getPlotItem().setTitle(plain_text.escape(loss_title), color=t.foreground,
                                                  size=f"{t.font_px(14)}px")
        if prev[1] != acc_title or prev[2] is not t:
            self.accuracy_plot.getPlotItem().setTitle(plain_text.escape(acc_title), color=t.foreground,
                                                      size=f"{t.font_px(13)}px")
        self._shown_titles = key

    def refresh(self, *_args) -> None:
        run = self.state.run
        n = run.last + 1
        steps = np.arange(n, dtype=float)
        loss = run.loss[:n]
        self.loss_curve.setData(steps, loss)
        self.accuracy_curve.setData(steps, run.accuracy[:n] * 100.0)
        k = self.state.position
        for c in self.cursors:
            c.setValue(k)
        while self._xmax < n - 1:
            self._xmax = int(self._xmax * 2)
        top = float(np.max(loss[np.isfinite(loss)])) if n else 1.0
        if top > self._ymax:
            self._ymax = top * 1.08
        self.loss_plot.getPlotItem().setRange(xRange=(0, self._xmax), yRange=(0, self._ymax), padding=0.02)
        self.accuracy_plot.getPlotItem().setRange(xRange=(0, self._xmax), yRange=(0, 100), padding=0.02)
        self._titles()

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        for p in (self.loss_plot, self.accuracy_plot):
            p.setBackground(theme.background)
        style_plot(self.loss_plot, theme, left="CE (nats)")
        style_plot(self.accuracy_plot, theme, left="%", bottom="step")
        self.loss_curve.setPen(pg.mkPen(theme.cross_entropy, width=theme.line_width))
        self.accuracy_curve.setPen(pg.mkPen(theme.prediction, width=theme.line_width))
        self.loss_plot.setMinimumHeight(theme.font_px(13) * 6)
        self.accuracy_plot.setMinimumHeight(theme.font_px(13) * 6)
        self.setMinimumHeight(theme.font_px(13) * 12)
        self.floor_line.setPen(pg.mkPen(theme.entropy, width=theme.line_width, style=QtCore.Qt.PenStyle.DashLine))
        for c in self.cursors:
            c.setPen(pg.mkPen(theme.muted, width=1))
        self._titles()
