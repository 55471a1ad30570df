"""The binary cross-entropy curve −[y log p + (1 − y) log(1 − p)] over p ∈ (0, 1).

The view reads one class of the explorer's state as a two-class (one-vs-rest) problem:
``y`` is the target's weight on that class and ``p`` the predicted probability. With two
classes this is exactly the multi-class cross-entropy. Dragging anywhere on the plots
moves ``p`` (the point rides the curve); the spin boxes set ``y`` (soft values allowed)
and ``p``. The lower plot shows the gradient's magnitude with respect to the logit,
``|p − y|``. Every number comes from :func:`binary.binary_cross_entropy` and
:func:`binary.binary_cross_entropy_grad_logit`; the curve is recomputed only when ``y`` or
the units change, never per mouse move of ``p``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.state import LOSS_ASPECTS, Aspect
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.deferred import DeferredWhileHidden, WidgetMixin
from ce_desktop.gui.views.plots import add_plot, style_plot
from ce_desktop.model import binary, core
from ce_desktop.model import formatting as fmt
from ce_desktop.model.scenario import ScenarioError

if TYPE_CHECKING:
    from ce_desktop.gui.state import ExplorerState

#: The p values the curve is drawn at: dense near 0 and 1 where the loss is steep.
P_GRID = np.unique(np.concatenate([
    np.geomspace(1e-4, 0.02, 60),
    np.linspace(0.02, 0.98, 241),
    1.0 - np.geomspace(0.02, 1e-4, 60),
]))
#: Top of the loss axis in nats (scaled for bits); larger losses are drawn at the top edge.
LOSS_TOP_NATS = 5.0
#: How close to 0 or 1 a drag may take p (the state allows the ends; a drag stops just short).
DRAG_EDGE = 1e-3


class DragArea(pg.GraphicsObject):
    """An invisible rectangle over a plot that reports presses and drags by the pointer's x.

    Signals
    -------
    sigStarted(float), sigMoved(float)
        The pointer's x in data coordinates.
    sigFinished()
    """

    sigStarted = QtCore.Signal(float)
    sigMoved = QtCore.Signal(float)
    sigFinished = QtCore.Signal()

    def __init__(self, rect: QtCore.QRectF):
        super().__init__()
        self._rect = QtCore.QRectF(rect)
        # On top, so it gets the drag before the ViewBox (which accepts every drag); it paints nothing.
        self.setZValue(1000)

    def set_rect(self, rect: QtCore.QRectF) -> None:
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QtCore.QRectF(rect)

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(self, painter, *args) -> None:  # invisible: only catches the mouse
        pass

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self.sigStarted.emit(float(ev.buttonDownPos().x()))
        self.sigMoved.emit(float(ev.pos().x()))
        if ev.isFinish():
            self.sigFinished.emit()

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self.sigStarted.emit(float(ev.pos().x()))
        self.sigFinished.emit()


def grow_controls_with_text(panel: QtWidgets.QWidget, theme: Theme) -> None:
    """The panel's spin boxes, combo boxes and captions follow the theme's text size (labels
    with a style sheet of their own keep theirs)."""
    controls = QtGui.QFont()
    controls.setPixelSize(theme.font_px(12))
    for child in panel.findChildren(QtWidgets.QWidget):
        if isinstance(child, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QLabel)) \
                and not child.styleSheet():
            child.setFont(controls)


class SideColumn(QtWidgets.QScrollArea):
    """A column of controls and numbers beside a plot that scrolls when the plot is shorter
    than the column, so the column never sets the view's minimum height (its wrapped text
    asked for ~190 px and made the whole window scroll at 1280x720). As wide as its content
    needs, with room for the scroll bar."""

    def __init__(self, rows: Sequence[tuple[QtWidgets.QWidget, QtWidgets.QWidget]],
                 widgets: Sequence[QtWidgets.QWidget]):
        """``rows`` (a label and its field, as a form) above ``widgets``, top-aligned."""
        super().__init__()
        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for label, field in rows:
            form.addRow(label, field)
        layout = QtWidgets.QVBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        for w in widgets:
            layout.addWidget(w)
        layout.addStretch(1)
        inner = QtWidgets.QWidget()
        inner.setLayout(layout)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # its spin boxes take the keys
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum, QtWidgets.QSizePolicy.Policy.Preferred)
        inner.installEventFilter(self)

    def place_beside(self, view: QtWidgets.QWidget, plot: QtWidgets.QWidget) -> None:
        """Lay ``view`` out as ``plot`` (which takes the room) with this column at its right:
        the plots keep the height."""
        lay = QtWidgets.QHBoxLayout(view)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(plot, 1)
        lay.addWidget(self)

    def _bar(self) -> int:
        return self.verticalScrollBar().sizeHint().width()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        inner = self.widget()  # set in __init__
        if inner is None:
            return super().sizeHint()
        hint = inner.sizeHint()
        return QtCore.QSize(hint.width() + self._bar(), hint.height())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        inner = self.widget()
        if inner is None:
            return super().minimumSizeHint()
        least = inner.minimumSizeHint()
        return QtCore.QSize(least.width() + self._bar(), min(least.height(), 2 * self._bar()))

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802
        if ev.type() == QtCore.QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the content's size changed (a new text size, a longer number)
        return super().eventFilter(obj, ev)


def data_to_viewport(layout: pg.GraphicsLayoutWidget, pi: pg.PlotItem, x: float, y: float) -> QtCore.QPoint:
    """The viewport pixel of data point (x, y) in plot ``pi`` (for tests and tooltips)."""
    scene = pi.getViewBox().mapViewToScene(QtCore.QPointF(x, y))
    return layout.mapFromScene(scene)


class DragsOneProbability(WidgetMixin):
    """Mixin: a drag on a :class:`DragArea` sets one class's predicted probability.

    The view gives ``state``, a ``message`` signal and ``refresh()``, sets ``_dragging =
    False`` and names the class, the undo label and the upper limit (``_drag_class``,
    ``_drag_label``, ``_drag_top``). A whole drag is one undo step; a refused value is
    reported and the view shows the state again.
    """

    _drag_top = 1.0 - DRAG_EDGE

    if TYPE_CHECKING:
        state: ExplorerState
        message: QtCore.Signal
        _dragging: bool

        def refresh(self) -> None: ...

    def _drag_class(self) -> int:
        raise NotImplementedError

    def _drag_label(self) -> str:
        raise NotImplementedError

    def _write_probability(self, value: float, label: str) -> None:
        try:
            self.state.set_prediction_value(self._drag_class(), value, label)
        except ScenarioError as exc:
            self.message.emit(str(exc))
            self.refresh()

    def _on_drag_started(self, x: float) -> None:
        self._dragging = True
        self.state.begin(self._drag_label())
        self._on_dragged(x)

    def _on_dragged(self, x: float) -> None:
        if self._dragging:
            self._write_probability(min(max(x, DRAG_EDGE), self._drag_top), self._drag_label())

    def _on_drag_finished(self) -> None:
        if self._dragging:
            self._dragging = False
            self.state.commit()


class BinaryView(DragsOneProbability, DeferredWhileHidden, QtWidgets.QWidget):
    """Binary cross-entropy of one class against the rest, as a curve with a draggable point."""

    #: A short message for the status bar (an edit that was refused).
    message = QtCore.Signal(str)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.class_index = self._default_class()
        self._dragging = False
        self._curve_key: tuple | None = None
        self._title = ""

        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setBackground(LIGHT.background)
        self.plot.setAccessibleName("Binary cross-entropy curve")
        self.plot.setMinimumSize(240, 150)
        self.loss_plot = add_plot(self.plot, 0, 0)
        self.grad_plot = add_plot(self.plot, 1, 0)
        self.plot.ci.layout.setRowStretchFactor(0, 3)
        self.plot.ci.layout.setRowStretchFactor(1, 2)
        self.grad_plot.setXLink(self.loss_plot)
        for pi in (self.loss_plot, self.grad_plot):
            pi.setXRange(0.0, 1.0, padding=0.02)
        self.grad_plot.setYRange(0.0, 1.0, padding=0.04)

        self.curve = pg.PlotDataItem()
        self.grad_curve = pg.PlotDataItem()
        self.y_line = pg.InfiniteLine(angle=90, movable=False)
        self.grad_y_line = pg.InfiniteLine(angle=90, movable=False)
        self.point = pg.ScatterPlotItem(size=14)
        self.grad_point = pg.ScatterPlotItem(size=12)
        self.point_label = pg.TextItem("", anchor=(0.0, 1.0))
        self.drag_area = DragArea(QtCore.QRectF(0, 0, 1, LOSS_TOP_NATS))
        self.grad_drag_area = DragArea(QtCore.QRectF(0, 0, 1, 1))
        for item in (self.drag_area, self.y_line, self.curve, self.point, self.point_label):
            self.loss_plot.addItem(item, ignoreBounds=item is self.point_label)
        for item in (self.grad_drag_area, self.grad_y_line, self.grad_curve, self.grad_point):
            self.grad_plot.addItem(item)
        for area in (self.drag_area, self.grad_drag_area):
            area.sigStarted.connect(self._on_drag_started)
            area.sigMoved.connect(self._on_dragged)
            area.sigFinished.connect(self._on_drag_finished)

        self.class_box = QtWidgets.QComboBox()
        self.class_box.setAccessibleName("Class treated as the positive class")
        self.class_label = QtWidgets.QLabel("&Class:")
        self.class_label.setBuddy(self.class_box)
        self.y_spin = self._spin("Target y of the positive class", 0.05)
        self.p_spin = self._spin("Predicted probability p of the positive class", 0.01)
        y_label = QtWidgets.QLabel("target &y:")
        y_label.setBuddy(self.y_spin)
        p_label = QtWidgets.QLabel("prediction &p:")
        p_label.setBuddy(self.p_spin)
        self.readout = QtWidgets.QLabel()
        self.readout.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setMinimumWidth(150)

        self.side = SideColumn([(self.class_label, self.class_box), (y_label, self.y_spin), (p_label, self.p_spin)],
                               [self.readout])
        self.side.place_beside(self, self.plot)
        self._wide: bool | None = None
        self.plot.installEventFilter(self)

        self.class_box.currentIndexChanged.connect(self._on_class_chosen)
        self.y_spin.valueChanged.connect(self._on_y_spin)
        self.p_spin.valueChanged.connect(self._on_p_spin)
        state.connect_aspects(self._on_state_changed, *LOSS_ASPECTS)
        self._rebuild_classes()
        self.apply_theme(LIGHT)
        self.refresh()

    # ------------------------------------------------------------------ layout

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.plot and ev.type() == QtCore.QEvent.Type.Resize:
            size = ev.size()
            self._arrange(size.width() > 1.8 * size.height())
        return False

    def _arrange(self, wide: bool) -> None:
        """Gradient plot beside the loss plot when the space is wide and low, else below it."""
        if wide == self._wide:
            return
        self._wide = wide
        ci = self.plot.ci
        ci.removeItem(self.grad_plot)
        if wide:
            ci.addItem(self.grad_plot, row=0, col=1)
            ci.layout.setRowStretchFactor(1, 0)
            ci.layout.setColumnStretchFactor(0, 3)
            ci.layout.setColumnStretchFactor(1, 2)
        else:
            ci.addItem(self.grad_plot, row=1, col=0)
            ci.layout.setColumnStretchFactor(1, 0)
            ci.layout.setRowStretchFactor(0, 3)
            ci.layout.setRowStretchFactor(1, 2)
        self.grad_plot.setLabel("bottom", "p, the predicted probability", color=self.theme.foreground,
                                **{"font-size": f"{self.theme.font_px(13)}px"})
        self.loss_plot.setLabel("bottom", "p" if not wide else "p, the predicted probability",
                                color=self.theme.foreground, **{"font-size": f"{self.theme.font_px(13)}px"})

    # ------------------------------------------------------------------ reading the state

    def _spin(self, name: str, step: float) -> QtWidgets.QDoubleSpinBox:
        s = QtWidgets.QDoubleSpinBox()
        s.setRange(0.0, 1.0)
        s.setDecimals(3)
        s.setSingleStep(step)
        s.setKeyboardTracking(False)
        s.setAccessibleName(name)
        return s

    def _default_class(self) -> int:
        return int(np.argmax(self.state.target))

    @property
    def target_weight(self) -> float:
        """The target's weight on the positive class."""
        return float(self.state.target[self.class_index])

    @property
    def p(self) -> float:
        """The predicted probability of the positive class."""
        return float(self.state.prediction[self.class_index])

    def loss(self) -> float:
        """Binary CE at the current (y, p), in the state's units (from the core)."""
        return float(binary.binary_cross_entropy(self.target_weight, self.p, self.state.base))

    def gradient(self) -> float:
        """d(binary CE in nats)/d(logit of p) = p − y (from the core)."""
        return float(binary.binary_cross_entropy_grad_logit(self.target_weight, self.p))

    def loss_top(self) -> float:
        return core.from_nats(LOSS_TOP_NATS, self.state.base)

    # ------------------------------------------------------------------ state changes

    def _handle_state_change(self, aspects) -> None:
        if aspects & {Aspect.CLASSES, Aspect.REPLACED}:
            if Aspect.REPLACED in aspects or self.class_index >= self.state.num_classes:
                self.class_index = self._default_class()
            self._rebuild_classes()
        self.refresh()

    def _rebuild_classes(self) -> None:
        names = self.state.class_names
        with QtCore.QSignalBlocker(self.class_box):
            self.class_box.clear()
            self.class_box.addItems(list(names))
            self.class_box.setCurrentIndex(self.class_index)
        many = len(names) > 2
        self.class_box.setVisible(many)
        self.class_label.setVisible(many)

    def _on_class_chosen(self, index: int) -> None:
        if 0 <= index < self.state.num_classes and index != self.class_index:
            self.class_index = index
            self.refresh()

    def refresh(self) -> None:
        """Feed the current numbers to the items (the curve only if y or the units changed)."""
        y, p = self.target_weight, self.p
        base = self.state.base
        top = self.loss_top()
        key = (y, base)
        if key != self._curve_key:
            self._curve_key = key
            self.curve.setData(P_GRID, binary.binary_cross_entropy(y, P_GRID, base))
            self.grad_curve.setData(P_GRID, np.abs(binary.binary_cross_entropy_grad_logit(y, P_GRID)))
            self.y_line.setValue(y)
            self.grad_y_line.setValue(y)
            self.loss_plot.setYRange(0.0, top, padding=0.02)
            self.loss_plot.setLabel("left", f"loss ({self.state.units})", color=self.theme.foreground,
                                    **{"font-size": f"{self.theme.font_px(13)}px"})
            self.drag_area.set_rect(QtCore.QRectF(-0.05, -0.05 * top, 1.1, 1.1 * top))
            self.grad_drag_area.set_rect(QtCore.QRectF(-0.05, -0.05, 1.1, 1.1))
        loss = self.loss()
        grad = abs(self.gradient())
        shown = min(loss, top) if math.isfinite(loss) else top
        self.point.setData([p], [shown], symbol="o" if loss <= top else "t1")
        self.grad_point.setData([p], [grad])
        self.point_label.setText(f"CE = {fmt.number(loss)}")
        # Beside the point on the side with more room (left or right, above or below), so the
        # text stays inside a narrow or short plot.
        right_of_point, above = p <= 0.5, shown <= 0.6 * top
        self.point_label.setAnchor((0.0 if right_of_point else 1.0, 1.0 if above else 0.0))
        self.point_label.setPos(p + 0.02 if right_of_point else p - 0.02, shown)
        with QtCore.QSignalBlocker(self.y_spin):
            self.y_spin.setValue(y)
        with QtCore.QSignalBlocker(self.p_spin):
            self.p_spin.setValue(p)
        name = self.state.class_names[self.class_index]
        units = self.state.units
        shown_name = plain_text.escape(name)  # the title is HTML
        title = (f"Binary CE: {shown_name}" if self.state.num_classes == 2
                 else f"Binary CE: {shown_name} vs the rest")
        if title != self._title:
            self._title = title
            self.loss_plot.setTitle(title, color=self.theme.foreground, size=f"{self.theme.font_px(14)}px")
        text = (f"y = {fmt.number(y)}\np = {fmt.number(p)}\nCE = {fmt.number(loss)} {units}\n"
                f"|∂CE/∂z| = |p − y| = {fmt.number(grad)}")
        self.readout.setText(text)
        self.plot.setAccessibleDescription(
            f"Binary cross-entropy of {name}: target y {fmt.number(y)}, prediction p {fmt.number(p)}, "
            f"loss {fmt.number(loss)} {units}, gradient magnitude {fmt.number(grad)}. "
            "Drag on the plot to move p.")

    # ------------------------------------------------------------------ writing to the state

    def _drag_class(self) -> int:
        return self.class_index

    def _drag_label(self) -> str:
        return f"Drag binary p: {self.state.class_names[self.class_index]}"

    def _on_p_spin(self, value: float) -> None:
        self._write_probability(value, f"Set binary p: {self.state.class_names[self.class_index]}")

    def _on_y_spin(self, value: float) -> None:
        try:
            self.state.set_target_value(self.class_index, value,
                                        f"Set binary y: {self.state.class_names[self.class_index]}")
        except ScenarioError as exc:
            self.message.emit(str(exc))
            self.refresh()

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        """Restyle every item (no data is recomputed)."""
        self.theme = theme
        self.plot.setBackground(theme.background)
        w = theme.line_width
        style_plot(self.loss_plot, theme)
        style_plot(self.grad_plot, theme, left="|∂CE/∂z|", bottom="p, the predicted probability")
        self.curve.setPen(pg.mkPen(theme.cross_entropy, width=w))
        self.grad_curve.setPen(pg.mkPen(theme.gradient, width=w))
        dash = QtCore.Qt.PenStyle.DashLine
        for line in (self.y_line, self.grad_y_line):
            line.setPen(pg.mkPen(theme.target, width=max(1.5, w * 0.75), style=dash))
        outline = pg.mkPen(theme.foreground, width=max(1.0, theme.bar_pen_width * 0.75))
        self.point.setPen(outline)
        self.point.setBrush(pg.mkBrush(theme.prediction))
        self.point.setSize(theme.font_px(14))
        self.grad_point.setPen(outline)
        self.grad_point.setBrush(pg.mkBrush(theme.prediction))
        self.grad_point.setSize(theme.font_px(12))
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(13))
        font.setBold(True)
        self.point_label.setFont(font)
        self.point_label.setColor(theme.foreground)
        self.readout.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(13)}px;")
        self._curve_key = None  # labels, title and ranges are re-set by refresh
        self._title = ""
        grow_controls_with_text(self, theme)
        if self._pending:  # hidden, with state changes not yet handled (its class may be gone): drawn when shown
            return
        self.refresh()
