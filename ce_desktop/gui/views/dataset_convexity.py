"""Convexity: the loss over two chosen parameters, as contours, with the training path on it.

Every other parameter is held where it is at the step shown, so the slice passes through the
current parameters; the path is ``run.params_history[:, i]`` against ``[:, j]`` up to that step,
the current step a marker. For a linear model the loss is convex in its parameters, so the
slice has one valley (the title says "convex: one minimum"); for an MLP the hidden layer breaks
that and the slice of two first-layer weights often is not convex. The verdict is the model
package's :func:`~ce_desktop.model.loss_surface.convexity_check` on the grid drawn.

The slice (:func:`~ce_desktop.model.loss_surface.loss_slice`) costs a pass over the data per
grid point, so it is not recomputed per frame: it is computed again when the setup changes, the
run pauses, steps or is scrubbed, or the parameters are chosen, a short while after the last of
several such changes (:attr:`ConvexityView.delay_ms`), and not during a point drag (but when it
ends). The path and the marker follow every frame. The grid has fewer cells on more data
(:func:`grid_cells`).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.items.marker import Marker
from ce_desktop.gui.items.polyline import Polyline
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.dataset_samples import fit_readout, readout_label
from ce_desktop.gui.views.plots import make_plot, make_title_shrinkable, style_plot
from ce_desktop.model import formatting as fmt
from ce_desktop.model import loss_surface, workspace
from ce_desktop.model.classifier import LinearModel

#: Cells along each axis of the slice: at most, at least.
MAX_CELLS, MIN_CELLS = 41, 15
#: Grid points × samples the slice may cost (about a third of a second on the 2-core machine for
#: the linear model; the MLP's forward pass costs about three times as much per point).
LINEAR_BUDGET = 2.0e6
MLP_BUDGET = 0.7e6
#: Contour lines drawn, denser near the minimum.
CONTOURS = 10
#: How long after the last change the slice is computed again (ms).
DELAY_MS = 120


def grid_cells(model, n_samples: int) -> int:
    """Cells along each axis for a slice of ``model`` over ``n_samples`` points."""
    budget = LINEAR_BUDGET if isinstance(model, LinearModel) else MLP_BUDGET
    return int(min(MAX_CELLS, max(MIN_CELLS, math.isqrt(int(budget // max(n_samples, 1))))))


def contour_levels(lo: float, hi: float, k: int = CONTOURS) -> np.ndarray:
    """``k`` levels between ``lo`` and ``hi``, closer together near ``lo`` (the valley)."""
    s = (np.arange(k) + 0.5) / k
    return lo + (hi - lo) * s * s


class ConvexityView(QtWidgets.QWidget):
    """The loss over two parameters through the current step, the path, and the convexity verdict."""

    def __init__(self, state, parent=None, delay_ms: int = DELAY_MS):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.delay_ms = int(delay_ms)
        self._names: tuple[str, ...] = ()
        self._pair = (0, 1)
        self._values = np.zeros((0, 0))
        self._axes = (np.zeros(0), np.zeros(0))
        self._check: loss_surface.ConvexityCheck | None = None
        self._slice_step = -1
        self._stale = False

        self.combo_a = QtWidgets.QComboBox()
        self.combo_b = QtWidgets.QComboBox()
        for box, which in ((self.combo_a, "first"), (self.combo_b, "second")):
            box.setAccessibleName(f"The {which} parameter of the slice")
            box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.currentIndexChanged.connect(self._on_combo_changed)
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 0)
        self._label_a = plain_text.label("Loss over")
        self._label_b = plain_text.label("and")
        row.addWidget(self._label_a)
        row.addWidget(self.combo_a)
        row.addWidget(self._label_b)
        row.addWidget(self.combo_b)
        row.addStretch(1)

        self.plot = make_plot(si_prefix=False, cache_axes=True)
        self.plot.setMinimumSize(220, 180)
        self.plot.setAccessibleName("The loss over two parameters, with the training path")
        pi = self.plot.getPlotItem()
        make_title_shrinkable(pi.titleLabel)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        pi.addItem(self.image)
        self.contours = [pg.IsocurveItem(level=0.0, axisOrder="row-major") for _ in range(CONTOURS)]
        for c in self.contours:
            c.setParentItem(self.image)  # in the image's pixels, where the values are
        self.path = Polyline()
        self.path.setZValue(5)
        pi.addItem(self.path)
        self.start = Marker(8.0)
        self.current = Marker(12.0)
        self.minimum = pg.ScatterPlotItem(size=14, symbol="+", pxMode=True)
        for item in (self.start, self.current, self.minimum):
            pi.addItem(item, ignoreBounds=True)
        self.current.setZValue(12)
        self.readout = readout_label()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(row)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.readout)

        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh_slice)

        state.setupChanged.connect(self._on_setup_changed)
        state.positionChanged.connect(self._on_position_changed)
        state.playingChanged.connect(self._on_playing_changed)
        state.gestureFinished.connect(self._schedule)
        self.apply_theme(LIGHT)
        self._on_setup_changed()
        self.refresh_slice()

    # ------------------------------------------------------------------ reading

    def pair(self) -> tuple[int, int]:
        """The indices of the two parameters of the slice."""
        return self._pair

    def parameter_names(self) -> tuple[str, ...]:
        return self._names

    def set_pair(self, i: int, j: int) -> None:
        """Choose the two parameters (as the combo boxes do)."""
        i, j = int(i), int(j)
        if i == j or not (0 <= i < len(self._names) and 0 <= j < len(self._names)):
            raise ValueError(f"two different parameters 0..{len(self._names) - 1} expected, got {i}, {j}")
        self._set_combos(i, j)
        if (i, j) != self._pair:
            self._pair = (i, j)
            self._schedule()
            self._draw_path()

    def slice_values(self) -> np.ndarray:
        """The loss on the grid drawn, (rows = second parameter, columns = first), nats."""
        return self._values.copy()

    def slice_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """The grid's values of the first and of the second parameter."""
        return self._axes[0].copy(), self._axes[1].copy()

    def slice_step(self) -> int:
        """The step whose parameters the slice passes through (-1 before the first)."""
        return self._slice_step

    def is_convex(self) -> bool | None:
        """The model's convexity check of the grid drawn (None when it could not say)."""
        return None if self._check is None else bool(self._check.convex)

    def slice_pending(self) -> bool:
        """A recomputation of the slice is waiting for its delay."""
        return self._timer.isActive()

    def path_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The path as drawn: the two parameters at steps 0..the step shown."""
        x, y = self.path.getData()
        return np.asarray(x), np.asarray(y)

    def marker_position(self) -> tuple[float, float] | None:
        return self.current.position()

    def title(self) -> str:
        return self.plot.getPlotItem().titleLabel.text or ""

    # ------------------------------------------------------------------ state → view

    def _on_setup_changed(self) -> None:
        names = loss_surface.parameter_names(self.state.run.model)
        if names != self._names:
            self._names = names
            i, j = loss_surface.default_pair(self.state.run.model)
            self._pair = (i, j)
            for box in (self.combo_a, self.combo_b):
                box.blockSignals(True)
                box.clear()
                box.addItems(list(names))
                box.blockSignals(False)
            self._set_combos(i, j)
        if not self.state.gesture_active:
            self._schedule()

    def _on_position_changed(self, _k: int = 0) -> None:
        self._draw_path()
        if not self.state.playing and not self.state.gesture_active:
            self._schedule()

    def _on_playing_changed(self, playing: bool) -> None:
        if not playing:
            self._schedule()

    def _on_combo_changed(self, _index: int) -> None:
        i, j = self.combo_a.currentIndex(), self.combo_b.currentIndex()
        if i < 0 or j < 0:
            return
        if i == j:  # the same parameter twice: the other box takes the one this box left
            if self.sender() is self.combo_a:
                j = self._pair[0]
            else:
                i = self._pair[1]
        self.set_pair(i, j)

    def _set_combos(self, i: int, j: int) -> None:
        for box, k in ((self.combo_a, i), (self.combo_b, j)):
            if box.currentIndex() != k:
                box.blockSignals(True)
                box.setCurrentIndex(k)
                box.blockSignals(False)

    def _schedule(self) -> None:
        """Compute the slice again after :attr:`delay_ms` (once for many changes in a row)."""
        self._timer.start(self.delay_ms)

    def showEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(ev)
        if self._stale:
            self.refresh_slice()

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(ev)
        fit_readout(self.readout, self.theme, self.width(), 1)

    def refresh_slice(self) -> None:
        """Compute the slice through the step shown, now, and draw it."""
        self._timer.stop()
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        state, run = self.state, self.state.run
        model, i, j = run.model, *self._pair
        params = run.params
        k = run.index
        hist = run.params_history[: k + 1]
        rng = loss_surface.slice_range(hist[:, i], hist[:, j], (params[i], params[j]))
        cells = grid_cells(model, state.num_samples)
        a, b = rng.axes(cells, cells)
        x = workspace.features(state.setup, state.data.points)
        values = loss_surface.loss_slice(model, x, workspace.loss_target(state.data), state.setup.loss, params,
                                         i, j, a, b, state.setup.training.weight_decay)
        self._values, self._axes, self._slice_step = values, (a, b), k
        try:
            self._check = loss_surface.convexity_check(values)
        except ValueError:  # NaN where every sample is ignored
            self._check = None
        self._draw_slice(rng)
        self._draw_path()

    def _draw_slice(self, rng: loss_surface.SliceRange) -> None:
        values = self._values
        a, b = self._axes
        finite = values[np.isfinite(values)]
        pi = self.plot.getPlotItem()
        if finite.size == 0:
            self.image.clear()
            for c in self.contours:
                c.setData(None)
            self.minimum.setData(pos=np.zeros((0, 2)))
        else:
            lo, hi = float(finite.min()), float(finite.max())
            self.image.setImage(np.where(np.isfinite(values), values, hi), levels=(lo, hi if hi > lo else lo + 1.0))
            da = (a[-1] - a[0]) / max(len(a) - 1, 1)
            db = (b[-1] - b[0]) / max(len(b) - 1, 1)
            self.image.setRect(QtCore.QRectF(a[0] - da / 2, b[0] - db / 2, da * len(a), db * len(b)))
            for c, level in zip(self.contours, contour_levels(lo, hi), strict=True):
                c.setData(values, float(level))
            r, s = np.unravel_index(int(np.nanargmin(values)), values.shape)
            self.minimum.setData(pos=np.array([[a[s], b[r]]]))
        pi.getViewBox().setRange(xRange=(rng.a_min, rng.a_max), yRange=(rng.b_min, rng.b_max), padding=0.0)
        self._set_title()
        self._set_readout()

    def _draw_path(self) -> None:
        run = self.state.run
        i, j = self._pair
        k = run.index
        hist = run.params_history
        if i >= hist.shape[1] or j >= hist.shape[1]:
            return
        xs, ys = hist[: k + 1, i], hist[: k + 1, j]
        self.path.setData(xs, ys)
        self.start.move_to(float(xs[0]), float(ys[0]))
        self.current.move_to(float(xs[-1]), float(ys[-1]))
        self._set_readout()

    def _set_title(self) -> None:
        check = self._check
        verdict = "—" if check is None else ("convex: one minimum" if check.convex else "not convex")
        names = self._names
        i, j = self._pair
        name_a = names[i] if i < len(names) else ""
        name_b = names[j] if j < len(names) else ""
        style_plot(self.plot, self.theme, title=plain_text.escape(f"Through step {fmt.count(self._slice_step)} — "
                                                                  f"{verdict}"),
                   left=plain_text.escape(name_b), bottom=plain_text.escape(name_a))

    def _set_readout(self) -> None:
        run = self.state.run
        k = run.index
        values = self._values
        text = f"Step {fmt.count(k)}: loss {fmt.loss(float(run.loss[k]))} nats"
        if values.size and np.isfinite(values).any():
            r, c = np.unravel_index(int(np.nanargmin(values)), values.shape)
            text += f"; lowest on the grid (+): {fmt.loss(float(values[r, c]))} nats"
            if r in (0, values.shape[0] - 1) or c in (0, values.shape[1] - 1):
                text += ", on its edge (the valley goes on)"
        if self._slice_step != k:
            text += f"; the slice is through step {fmt.count(self._slice_step)}"
        self.readout.setText(text)
        fit_readout(self.readout, self.theme, self.width(), 1)

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        bg = QtGui.QColor(theme.background)
        low = QtGui.QColor(theme.target)
        t = 0.45
        deep = QtGui.QColor(*(round(u + (v - u) * t) for u, v in ((bg.red(), low.red()), (bg.green(), low.green()),
                                                                   (bg.blue(), low.blue()))))
        # The valley deep, the heights pale: the minimum is where the colour is.
        self.image.setColorMap(pg.ColorMap([0.0, 1.0], [deep, bg]))
        for c in self.contours:
            c.setPen(pg.mkPen(theme.muted, width=1.0))
        self.path.setPen(pg.mkPen(theme.foreground, width=theme.line_width))
        self.start.setPen(pg.mkPen(theme.foreground, width=1.5))
        self.start.setBrush(theme.background)
        self.current.setPen(pg.mkPen(theme.foreground, width=1.5))
        self.current.setBrush(theme.prediction)
        self.minimum.setPen(pg.mkPen(theme.cross_entropy, width=2.5))
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(12))
        pal = QtGui.QPalette(self.palette())
        pal.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(theme.foreground))
        for w in (self._label_a, self._label_b, self.combo_a, self.combo_b):
            w.setFont(font)
        for w in (self._label_a, self._label_b):
            w.setPalette(pal)
        self._set_title()
        self._set_readout()
        fit_readout(self.readout, theme, self.width(), 1)
