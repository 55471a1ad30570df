"""The plane: the points over the model's decision regions, and the mouse edits of the points.

Colour is the predicted class, lightness the model's confidence (its largest probability):
pale where it hesitates, full where it is sure. The regions are redrawn on every frame of a
run, on a grid of :data:`GRID` × :data:`GRID` cells over what the plot shows. A point's colour is
its label (a soft label blends its classes' colours); the chosen point has a ring, the worst
points (highest CE) thin rings in the loss colour.

Mouse: a click on empty ground adds a point of the chosen class, a click on a point chooses
it, dragging a point moves it, a right click (or Delete) removes it; each is one undo step.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.items.point_cloud import PointCloud, blend, rgb
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.plots import make_title_shrinkable, style_axes
from ce_desktop.model import regions

#: Cells along each side of the decision-region grid.
GRID = 200
#: How near (in pixels) a click must be to a point to hit it.
HIT_PX = 9.0
#: How many of the worst points get a ring.
WORST = 5
#: Steps of lightness between a guess (1/C) and certainty, and the tint of each end.
LEVELS = 64
MIN_TINT, MAX_TINT = 0.0, 0.55


class PlaneViewBox(pg.ViewBox):
    """The plane's view box: turns clicks and drags into the state's point edits."""

    def __init__(self, view: PlaneView):
        super().__init__(enableMenu=False)
        self._view = view
        self._dragging = -1

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph's name)
        v = self._view
        pos = self.mapSceneToView(ev.scenePos())
        hit = v.point_at(pos.x(), pos.y())
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            if hit >= 0:
                v.state.select(hit)
                v.sigPointClicked.emit(hit)
            else:
                v.state.add_point(pos.x(), pos.y())
        elif ev.button() == QtCore.Qt.MouseButton.RightButton:
            ev.accept()
            if hit >= 0:
                v.state.remove_point(hit)
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 (pyqtgraph's name)
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        v = self._view
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._dragging = v.point_at(start.x(), start.y())
            if self._dragging < 0:
                ev.ignore()
                return
            v.state.select(self._dragging)
            v.state.begin_move(self._dragging)
        if self._dragging < 0:
            ev.ignore()
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        v.state.move_point(self._dragging, pos.x(), pos.y())
        if ev.isFinish():
            self._dragging = -1
            v.state.end_move()


class PlaneView(pg.PlotWidget):
    """Points over decision regions, drawn from a :class:`~ce_desktop.gui.dataset_state.DatasetState`."""

    #: A click chose point i (the workspace then shows its single-sample views).
    sigPointClicked = QtCore.Signal(int)

    def __init__(self, state, parent=None):
        self._vb = None
        super().__init__(parent=parent, viewBox=PlaneViewBox(self), enableMenu=False)
        self.state = state
        self.theme: Theme = LIGHT
        pi = self.getPlotItem()
        make_title_shrinkable(pi.titleLabel)  # a long model name must not widen the plot
        pi.hideButtons()
        pi.setMenuEnabled(False)
        vb = pi.getViewBox()
        vb.setAspectLocked(True)
        vb.setMouseEnabled(x=False, y=False)
        vb.disableAutoRange()
        self.regions = pg.ImageItem(axisOrder="row-major")
        self.regions.setZValue(-10)
        pi.addItem(self.regions, ignoreBounds=True)
        self.points = PointCloud(7.0)
        pi.addItem(self.points, ignoreBounds=True)
        self.worst = pg.ScatterPlotItem(size=17, brush=None, pxMode=True)
        pi.addItem(self.worst, ignoreBounds=True)
        self.ring = pg.ScatterPlotItem(size=20, brush=None, pxMode=True)
        pi.addItem(self.ring, ignoreBounds=True)
        self.lifted = pg.ScatterPlotItem(size=9, pxMode=True)  # the point being dragged
        pi.addItem(self.lifted, ignoreBounds=True)
        self._lifted_index = -1
        self._title: tuple | None = None
        self._grid_key: tuple | None = None
        self._xs = self._ys = np.zeros(0)
        self._class_rgb = rgb(LIGHT.class_colours[:10])
        self._lut_key: tuple | None = None
        self._drawn_key: tuple | None = None  # what the regions image was drawn for
        self._lut_table = np.zeros((0, 3), np.uint8)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)
        self.setAccessibleName("Points and decision regions")
        self.setToolTip("Click to add a point of the chosen class; drag a point to move it; "
                        "right-click or Delete removes it")
        state.dataChanged.connect(self._on_data_changed)
        state.setupChanged.connect(self._on_setup_changed)
        state.positionChanged.connect(self._on_position_changed)
        state.selectionChanged.connect(self._on_selection_changed)
        state.gestureStarted.connect(self._on_gesture_started)
        state.gestureFinished.connect(self._on_gesture_finished)
        for name in ("left", "bottom"):  # the axes change with the range only: keep them as pixmaps
            pi.getAxis(name).setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        vb.sigRangeChanged.connect(self._on_range_changed)
        vb.sigResized.connect(self._on_range_changed)
        self.apply_theme(LIGHT)
        self._fit_range()
        self._on_data_changed()

    # ------------------------------------------------------------------ reading

    def view_box(self) -> pg.ViewBox:
        return self.getPlotItem().getViewBox()

    def point_at(self, x: float, y: float) -> int:
        """The index of the point within :data:`HIT_PX` pixels of (x, y) (nearest), or -1."""
        pts = self.state.setup.data.points
        if not len(pts):
            return -1
        sx, sy = self.view_box().viewPixelSize()
        d = ((pts[:, 0] - x) / sx) ** 2 + ((pts[:, 1] - y) / sy) ** 2
        i = int(np.argmin(d))
        return i if d[i] <= HIT_PX**2 else -1

    def region_image(self) -> np.ndarray:
        """The regions' RGB image as drawn (ny, nx, 3) uint8 (row 0 at the bottom)."""
        img = self.regions.image
        return np.zeros((0, 0, 3), np.uint8) if img is None else np.asarray(img)

    def region_extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) the region grid covers."""
        if not len(self._xs):
            return (0.0, 0.0, 0.0, 0.0)
        hx = (self._xs[1] - self._xs[0]) / 2 if len(self._xs) > 1 else 0.5
        hy = (self._ys[1] - self._ys[0]) / 2 if len(self._ys) > 1 else 0.5
        return (float(self._xs[0] - hx), float(self._xs[-1] + hx), float(self._ys[0] - hy), float(self._ys[-1] + hy))

    # ------------------------------------------------------------------ state → view

    def _fit_range(self) -> None:
        pts = self.state.setup.data.points
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.maximum(hi - lo, 1e-6)
        pad = np.maximum(0.08 * span, 0.05 * span.max())
        self.view_box().setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]), yRange=(lo[1] - pad[1], hi[1] + pad[1]),
                                 padding=0)

    def _on_data_changed(self) -> None:
        data = self.state.setup.data
        i = self._lifted_index
        if self.state.gesture_active and 0 <= i < data.num_samples and self.points.count == data.num_samples - 1:
            # The dragged point is drawn on its own: the other 9,999 stay one cached picture.
            self.lifted.setData(pos=data.points[i: i + 1])
            self._on_selection_changed(i)
            return
        self._lifted_index = -1
        self.lifted.setData(pos=np.zeros((0, 2)))
        self._fit_range()
        colours = blend(self.state.shown_targets, self._class_rgb[: data.num_classes])
        self.points.set_data(data.points, colours)
        self._on_selection_changed(self.state.selected)

    def _on_gesture_started(self) -> None:
        """A point drag begins: lift the chosen point out of the cloud."""
        i = self.state.selected
        data = self.state.setup.data
        if not 0 <= i < data.num_samples:
            return
        colours = blend(self.state.shown_targets, self._class_rgb[: data.num_classes])
        self.points.set_data(np.delete(data.points, i, axis=0), np.delete(colours, i, axis=0))
        q = colours[i]
        self.lifted.setBrush(pg.mkBrush(int(q[0]), int(q[1]), int(q[2])))
        self.lifted.setData(pos=data.points[i: i + 1])
        self._lifted_index = i

    def _on_gesture_finished(self) -> None:
        self._on_data_changed()

    def _on_setup_changed(self) -> None:
        name = self.state.setup.model.describe()
        title = (name[:1].upper() + name[1:], self.theme)  # the model: the regions are what it predicts
        if title != self._title:  # a drag starts a new setup at every move: the title stays
            self._title = title
            self.getPlotItem().setTitle(plain_text.escape(title[0]), color=self.theme.foreground,
                                        size=f"{self.theme.font_px(14)}px")

    def _on_range_changed(self, *args) -> None:
        self._grid_key = None
        self.refresh()

    def _on_position_changed(self, _k: int = 0) -> None:
        self.refresh()

    def _on_selection_changed(self, i: int) -> None:
        pts = self.state.setup.data.points
        if 0 <= i < len(pts):
            self.ring.setData(pos=pts[i: i + 1])
        else:
            self.ring.setData(pos=np.zeros((0, 2)))

    def refresh(self) -> None:
        """Redraw the regions (and the worst points' rings) for the step shown."""
        self._draw_regions()
        self._update_worst()
        self._on_selection_changed(self.state.selected)

    def _grid(self) -> None:
        r = self.view_box().viewRect()
        x0, x1, y0, y1 = r.left(), r.right(), r.top(), r.bottom()
        key = (x0, x1, y0, y1)
        if key == self._grid_key:
            return
        self._grid_key = key
        n = GRID
        self._xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
        self._ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
        self.regions.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))

    def _draw_regions(self) -> None:
        self._grid()
        # A drag starts a new run at every move from the same parameters: the regions stay.
        key = (self._grid_key, self.state.setup.model, self._lut_key, self.state.run.params.tobytes())
        if key == self._drawn_key:
            return
        self._drawn_key = key
        (x0, x1, y0, y1) = self._grid_key or (0.0, 1.0, 0.0, 1.0)
        probs = self.state.grid_probabilities((x0, x1), (y0, y1), GRID, GRID)
        c = probs.shape[-1]
        pred, conf = regions.region_summary(probs)
        # Lightness from confidence: 1/C (a guess) is the background, 1 (certain) the full colour,
        # in LEVELS steps through a table of colours built once per theme and class count.
        level = np.clip((conf - 1.0 / c) * ((LEVELS - 1) / (1.0 - 1.0 / c)), 0, LEVELS - 1).astype(np.intp)
        lut = self._lut(c)
        self.regions.setImage(lut[pred * LEVELS + level], autoLevels=False, levels=(0, 255))

    def _lut(self, c: int) -> np.ndarray:
        key = (c, tuple(self._bg))
        if self._lut_key != key:
            s = np.linspace(0.0, 1.0, LEVELS)
            alpha = (MIN_TINT + (MAX_TINT - MIN_TINT) * s)[None, :, None]
            cols = self._class_rgb[:c][:, None, :]
            table = self._bg + (cols - self._bg) * alpha
            self._lut_table = np.rint(table).astype(np.uint8).reshape(c * LEVELS, 3)
            self._lut_key = key
        return self._lut_table

    def _update_worst(self) -> None:
        if self.state.num_samples <= WORST:
            self.worst.setData(pos=np.zeros((0, 2)))
            return
        loss = self.state.per_sample_loss()
        idx = np.argpartition(-loss, WORST)[:WORST]
        self.worst.setData(pos=self.state.setup.data.points[idx])

    # ------------------------------------------------------------------ keys, theme

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if ev.key() in (QtCore.Qt.Key.Key_Delete, QtCore.Qt.Key.Key_Backspace) and self.state.selected >= 0:
            self.state.remove_point(self.state.selected)
            ev.accept()
            return
        super().keyPressEvent(ev)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.background)
        style_axes(self, theme)
        q = QtGui.QColor(theme.background)
        self._bg = np.array([q.red(), q.green(), q.blue()], dtype=float)
        self._class_rgb = rgb(theme.class_colours[:10])
        self._lut_key = None
        self.points.set_outline(theme.foreground if not theme.dark else "#101010")
        self.points.set_size(max(5.0, 6.0 * theme.font_scale))
        self.ring.setPen(pg.mkPen(theme.foreground, width=2.5))
        self.lifted.setPen(pg.mkPen(theme.foreground if not theme.dark else "#101010", width=1.0))
        self.lifted.setSize(self.points.size_px + 2.0)
        self.worst.setPen(pg.mkPen(theme.cross_entropy, width=1.5, style=QtCore.Qt.PenStyle.DashLine))
        self._on_setup_changed()
        self._on_data_changed()
        self.refresh()
