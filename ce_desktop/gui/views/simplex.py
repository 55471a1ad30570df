"""The probability triangle for 3 classes: the CE(y, ·) landscape, the target, and ŷ's path.

Every point of the triangle is a prediction ŷ; a corner is all probability on one class.
The heat map is KL(y‖ŷ) = CE(y, ŷ) − H(y), i.e. the cross-entropy above its floor, computed
by the core once per target (not per frame). Dragging (or clicking) in the triangle sets the
prediction; a point dragged outside lands on the nearest point of the triangle's edge.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.items.run_curve import RunCurve
from ce_desktop.gui.state import LOSS_ASPECTS
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.gui.views.plots import make_plot
from ce_desktop.model import core, simplex_geometry
from ce_desktop.model import formatting as fmt
from ce_desktop.model.scenario import ScenarioError

#: Heat-map resolution along the triangle's base (pixels); the height follows.
GRID = 220
#: KL (nats) at which the colour saturates; contour lines at these KL values.
KL_SATURATION = 3.0
CONTOUR_LEVELS = (0.05, 0.25, 0.75, 1.5)
HEIGHT = math.sqrt(3.0) / 2.0


class SimplexViewBox(pg.ViewBox):
    """A ViewBox that reports left-button drags and clicks in data coordinates."""

    sigPressed = QtCore.Signal(object)  # QPointF, start of a drag
    sigDragged = QtCore.Signal(object)
    sigReleased = QtCore.Signal(object)
    sigClicked = QtCore.Signal(object)

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self.sigPressed.emit(self.mapSceneToView(ev.buttonDownScenePos()))
            self.sigDragged.emit(pos)
        elif ev.isFinish():
            self.sigReleased.emit(pos)
        else:
            self.sigDragged.emit(pos)

    def mouseClickEvent(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self.sigClicked.emit(self.mapSceneToView(ev.scenePos()))


class SimplexView(DeferredWhileHidden, QtWidgets.QWidget):
    """The triangle of all 3-class predictions, or a message for other class counts.

    Parameters
    ----------
    state : ExplorerState
    controller : DescentController or None
        Supplies the path of ŷ during a descent run (none drawn without it).
    """

    #: A short message for the status bar (an edit that was refused).
    message = QtCore.Signal(str)
    DRAG_LABEL = "Drag prediction in the triangle"

    def __init__(self, state, controller=None, parent=None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self.theme: Theme = LIGHT
        self._dragging = False
        self._target_key = None
        self._kl_grid: np.ndarray | None = None

        self.viewbox = SimplexViewBox(lockAspect=True, enableMenu=False)
        self.viewbox.setMouseEnabled(x=False, y=False)
        self.plot = make_plot(viewBox=self.viewbox)
        self.plot.setAccessibleName("Simplex: every prediction for three classes")
        self.plot.setMinimumSize(200, 180)
        pi = self.plot.getPlotItem()
        pi.hideAxis("left")
        pi.hideAxis("bottom")
        self.viewbox.setRange(xRange=(-0.1, 1.1), yRange=(-0.12, HEIGHT + 0.1), padding=0)

        self.image = pg.ImageItem(axisOrder="row-major")
        # The landscape changes only with y; the path moves every frame: cache the image.
        self.image.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.image.setZValue(-10)
        self.viewbox.addItem(self.image)
        self.contours = []
        for level in CONTOUR_LEVELS:
            iso = pg.IsocurveItem(level=level, axisOrder="row-major")
            iso.setParentItem(self.image)
            iso.setZValue(-5)
            self.contours.append(iso)
        corners = np.vstack([simplex_geometry.SIMPLEX_CORNERS, simplex_geometry.SIMPLEX_CORNERS[:1]])
        self.outline = pg.PlotDataItem(corners[:, 0], corners[:, 1])
        self.viewbox.addItem(self.outline)
        self.corner_labels = []
        for anchor in ((1.0, 0.0), (0.0, 0.0), (0.5, 1.0)):
            t = pg.TextItem("", anchor=anchor)
            self.viewbox.addItem(t, ignoreBounds=True)
            self.corner_labels.append(t)
        self.path = RunCurve()  # a cached body and a live tail: the path grows by a point a frame
        self.path.add_to(self.viewbox)
        self.target_point = pg.ScatterPlotItem(size=16, symbol="star")
        self.viewbox.addItem(self.target_point)
        self.prediction_point = pg.ScatterPlotItem(size=13, symbol="o")
        self.viewbox.addItem(self.prediction_point)
        self.caption = QtWidgets.QLabel("")
        self.caption.setWordWrap(True)

        self.message_label = QtWidgets.QLabel("")
        self.message_label.setObjectName("simplex_message")
        self.message_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)

        page = QtWidgets.QWidget()
        inner = QtWidgets.QVBoxLayout(page)
        inner.setContentsMargins(0, 0, 0, 2)
        inner.setSpacing(2)
        inner.addWidget(self.plot, 1)
        inner.addWidget(self.caption)
        self.stack = QtWidgets.QStackedLayout(self)
        self.stack.addWidget(page)
        self.stack.addWidget(self.message_label)

        self.viewbox.sigPressed.connect(self._on_pressed)
        self.viewbox.sigDragged.connect(self._on_dragged)
        self.viewbox.sigReleased.connect(self._on_released)
        self.viewbox.sigClicked.connect(self._on_clicked)
        state.connect_aspects(self._on_state_changed, *LOSS_ASPECTS)
        if controller is not None:
            controller.positionChanged.connect(self._update_path)
            controller.runChanged.connect(self._update_path)
        self.apply_theme(self.theme)
        self.refresh()

    # ------------------------------------------------------------------ reading

    @property
    def available(self) -> bool:
        """True when the triangle is shown (exactly 3 classes)."""
        return self.state.num_classes == 3

    def data_to_viewport(self, p) -> QtCore.QPoint:
        """Viewport pixel of a prediction ``p`` (tests use it to aim real mouse events)."""
        xy = simplex_geometry.barycentric_to_cartesian(p)
        scene = self.viewbox.mapViewToScene(QtCore.QPointF(float(xy[0]), float(xy[1])))
        return self.plot.mapFromScene(scene)

    # ------------------------------------------------------------------ updates

    def _on_state_changed(self, _aspects: frozenset) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Show the triangle (or the message), the landscape if y changed, and ŷ."""
        if not self._visible_or_defer():
            return
        s = self.state
        if not self.available:
            self.message_label.setText(
                f"The simplex view needs exactly 3 classes; this scenario has {s.num_classes}.\n"
                "Set the number of classes to 3 to see the probability triangle."
            )
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        names = s.class_names
        offsets = ((-0.02, -0.02), (1.02, -0.02), (0.5, HEIGHT + 0.02))
        for t, name, (x, y) in zip(self.corner_labels, names, offsets, strict=True):
            t.setText(name)
            t.setPos(x, y)
        key = tuple(float(v) for v in s.target)
        if key != self._target_key:
            self._target_key = key
            self._compute_landscape()
        ty = simplex_geometry.barycentric_to_cartesian(s.target)
        self.target_point.setData([ty[0]], [ty[1]])
        py = simplex_geometry.barycentric_to_cartesian(s.prediction)
        self.prediction_point.setData([py[0]], [py[1]])
        ev = s.evaluation
        self.caption.setText(
            f"Colour: CE(y, ŷ) above its floor H(y) (darker = lower). ★ target y, ● prediction ŷ. "
            f"CE = {fmt.loss(ev.cross_entropy)} {s.units}. Drag in the triangle to move ŷ."
        )
        self.plot.setAccessibleDescription(
            f"Target y: {fmt.class_values(names, s.target)}. Prediction ŷ: {fmt.class_values(names, s.prediction)}. "
            f"CE = {fmt.loss(ev.cross_entropy)} {s.units}.")
        self._update_path()

    def _compute_landscape(self) -> None:
        """KL(y‖ŷ) on a grid of predictions covering the triangle (once per target)."""
        nx = GRID
        ny = int(round(GRID * HEIGHT))
        xs = (np.arange(nx) + 0.5) / nx
        ys = (np.arange(ny) + 0.5) / ny * HEIGHT
        gx, gy = np.meshgrid(xs, ys)  # rows go up the triangle: row-major image
        bary = simplex_geometry.cartesian_to_barycentric(np.stack([gx.ravel(), gy.ravel()], axis=-1))
        inside = np.all(bary >= 0, axis=1)
        kl = np.full(bary.shape[0], np.nan)
        pts = bary[inside]
        pts = pts / pts.sum(axis=1, keepdims=True)
        y = np.broadcast_to(self.state.target, pts.shape)
        kl[inside] = core.kl_divergence(y, pts)
        self._kl_grid = kl.reshape(ny, nx)
        self._inside = inside.reshape(ny, nx)
        self._paint_landscape()
        for iso in self.contours:
            iso.setData(np.where(self._inside, np.minimum(self._kl_grid, 10 * KL_SATURATION), 10 * KL_SATURATION))

    def kl_landscape(self) -> np.ndarray | None:
        """KL(y‖ŷ) per cell of the heat map (rows go up the triangle), NaN outside the triangle;
        None before it was first drawn."""
        return None if self._kl_grid is None else self._kl_grid.copy()

    def _paint_landscape(self) -> None:
        if self._kl_grid is None:
            return
        cmap = pg.colormap.get("CET-L17")  # white-yellow-orange-purple, perceptually uniform
        kl = np.where(self._inside, self._kl_grid, KL_SATURATION)
        # A square-root scale spends more colours near the minimum, where the path ends;
        # reversed so that low loss is dark (a valley) in every theme.
        level = 1.0 - np.sqrt(np.clip(np.nan_to_num(kl, nan=KL_SATURATION, posinf=KL_SATURATION) / KL_SATURATION, 0, 1))
        rgba = cmap.map(level, mode="byte")
        rgba[..., 3] = np.where(self._inside, 215, 0)
        self.image.setImage(rgba, autoLevels=False)
        self.image.setRect(QtCore.QRectF(0.0, 0.0, 1.0, HEIGHT))  # after setImage: it scales by the size

    def _update_path(self, *args) -> None:
        if not self._visible_or_defer():
            return
        run = None if self.controller is None else self.controller.run
        if run is None or not self.available or run.target.shape[0] != 3:
            self.path.setData([], [])
            return
        xy = simplex_geometry.barycentric_to_cartesian(run.predictions)
        self.path.set_run_data(xy[:, 0], xy[:, 1])

    # ------------------------------------------------------------------ dragging

    def _prediction_at(self, pos: QtCore.QPointF) -> np.ndarray:
        bary = simplex_geometry.cartesian_to_barycentric([pos.x(), pos.y()])
        return simplex_geometry.project_to_simplex(bary)

    def _write(self, pos, label: str) -> None:
        if not self.available:
            return
        try:
            self.state.set_prediction(self._prediction_at(pos), label)
        except ScenarioError as exc:
            self.message.emit(str(exc))

    def _on_pressed(self, pos) -> None:
        if not self.available:
            return
        self._dragging = True
        self.state.begin(self.DRAG_LABEL)

    def _on_dragged(self, pos) -> None:
        if self._dragging:
            self._write(pos, self.DRAG_LABEL)

    def _on_released(self, pos) -> None:
        if self._dragging:
            self._write(pos, self.DRAG_LABEL)
            self._dragging = False
            self.state.commit()

    def _on_clicked(self, pos) -> None:
        self._write(pos, "Set prediction in the triangle")

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.plot.setBackground(theme.background)
        self.outline.setPen(pg.mkPen(theme.foreground, width=max(1.5, theme.line_width * 0.75)))
        self.path.setPen(pg.mkPen(theme.prediction, width=theme.line_width))
        self.target_point.setBrush(pg.mkBrush(theme.target))
        self.target_point.setPen(pg.mkPen(theme.background, width=1.5))
        self.prediction_point.setBrush(pg.mkBrush(theme.prediction))
        self.prediction_point.setPen(pg.mkPen(theme.background, width=1.5))
        contour = QtGui.QColor(theme.foreground)
        contour.setAlpha(70)
        for iso in self.contours:
            iso.setPen(pg.mkPen(contour, width=1))
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(14))
        font.setBold(True)
        for t in self.corner_labels:
            t.setColor(theme.foreground)
            t.setFont(font)
        small = QtGui.QFont()
        small.setPixelSize(theme.font_px(11))
        self.caption.setFont(small)
        self.caption.setStyleSheet(f"color: {theme.muted};")
        big = QtGui.QFont()
        big.setPixelSize(theme.font_px(15))
        self.message_label.setFont(big)
        self.message_label.setStyleSheet(f"color: {theme.muted};")
        self._paint_landscape()
