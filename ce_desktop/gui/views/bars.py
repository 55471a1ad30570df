"""Bar charts: the shared plot set-up, and the draggable editors for y, ŷ and the logits z.

* :class:`ColumnBars` is a ``BarGraphItem`` whose hit area is the whole column of each
  bar (so a bar at 0 can still be grabbed) and which reports drags, clicks and hovers
  through signals, pyqtgraph style. A press outside every column is ignored
  (``ev.ignore()``) so the view can do its own thing.
* :class:`BarChart` is a ``PlotWidget`` built once with fixed axis ranges, class-name
  ticks and one value label per bar; subclasses feed it numbers with ``setOpts``.
* :class:`TargetEditor`, :class:`PredictionEditor` (probabilities or logits) and
  :class:`SoftmaxView` (ŷ = softmax(z / T) beside the logits) read the
  :class:`~ce_desktop.gui.state.ExplorerState` and write only through its setters. One whole
  drag is one undo step (``state.begin`` / ``state.commit``); several mouse moves that
  arrive within one frame are folded into one state change.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.model import formatting as fmt
from ce_desktop.gui import plain_text
from ce_desktop.model.scenario import ScenarioError
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.accessible import IdleTexts
from ce_desktop.gui.views.plotgrid import GridPlotWidget

#: Past this many classes the per-bar value labels are hidden (values stay in tooltips/table).
MAX_LABELLED_CLASSES = 12
#: Past this many bars no label items are made at all: they would be hidden, and making
#: thousands of text items takes seconds (1000 classes).
MAX_LABEL_ITEMS = 50
#: Past this many bars they are drawn without an outline: the bars are then a few pixels
#: wide (the outline would hide the fill), and stroking 1000 outlines takes ~15 ms a frame.
MAX_OUTLINED_BARS = 40
#: Unnamed classes get a short tick mark on the class axis only where the marks are at least
#: this many pixels apart.
MIN_MINOR_TICK_PX = 4.0
#: Accessible descriptions name at most this many classes (the table has them all).
MAX_DESCRIBED_CLASSES = 30
#: Largest |logit| a drag can set.
MAX_DRAG_LOGIT = 1000.0

# The state aspects after which each kind of view must refresh.
TARGET_ASPECTS = (Aspect.REPLACED, Aspect.CLASSES, Aspect.TARGET)
PREDICTION_ASPECTS = (Aspect.REPLACED, Aspect.CLASSES, Aspect.EDIT_MODE, Aspect.TEMPERATURE, Aspect.PREDICTION)


class ColumnBars(pg.BarGraphItem):
    """Bars at x = 0..C-1 whose hit area is the full column ``[x - hit, x + hit] × [lo, hi]``.

    Signals
    -------
    sigDragStarted(int), sigDragged(int, float), sigDragFinished(int)
        The bar index and the pointer's y in data coordinates.
    sigClicked(int), sigDoubleClicked(int)
    sigHovered(int)
        The bar under the pointer, -1 when the pointer leaves.
    """

    sigDragStarted = QtCore.Signal(int)
    sigDragged = QtCore.Signal(int, float)
    sigDragFinished = QtCore.Signal(int)
    sigClicked = QtCore.Signal(int)
    sigDoubleClicked = QtCore.Signal(int)
    sigHovered = QtCore.Signal(int)

    def __init__(self, n: int, width: float = 0.7, offset: float = 0.0, draggable: bool = True,
                 hit_halfwidth: float = 0.5):
        self._n = int(n)
        self._hit_lo, self._hit_hi = 0.0, 1.0
        self._hit_halfwidth = float(hit_halfwidth)
        self._offset = float(offset)
        self._hit_path: QtGui.QPainterPath | None = None
        self.draggable = draggable
        self._dragging: int | None = None
        self._pen = None
        super().__init__(x=np.arange(self._n) + self._offset, height=np.zeros(self._n), width=width,
                         pen=pg.mkPen("k"), brush=pg.mkBrush("w"))
        self.setAcceptHoverEvents(True)

    # ------------------------------------------------------------ geometry

    @property
    def count(self) -> int:
        return self._n

    def set_values(self, heights, y0=0.0) -> None:
        """Feed new bar heights (same count).

        The fast path of a drag or an animation frame: the rectangles are rewritten in place
        and the item is repainted, without ``BarGraphItem.setOpts``'s general re-normalisation
        of every option (about a quarter of a plot's update). The item's geometry is only
        announced again when the bars leave the area it already covers.
        """
        h = np.asarray(heights, dtype=np.float64)
        if h.shape != (self._n,) or not np.isscalar(y0) or self._rectarray.ndarray().shape[0] != self._n:
            self.setOpts(height=heights, y0=y0)
            return
        self.opts["height"] = h
        self.opts["y0"] = y0
        self.picture = None
        self._shape = None
        rects = self._rectarray.ndarray()
        top = h + y0
        low = np.minimum(top, y0)
        rects[:, 1] = low
        rects[:, 3] = np.abs(h)
        ymin, ymax = float(low.min()), float(np.maximum(top, y0).max())
        (x0, x1), (old_min, old_max) = self._dataBounds
        self._dataBounds = (x0, x1), (ymin, ymax)
        bounds = self._bounds
        if bounds is None or ymin < bounds.top() or ymax > bounds.bottom() or (
                old_min is not None and (old_min < self._hit_lo or old_max > self._hit_hi)):
            # The bars leave (or left) the hit area, which the bounding rect otherwise is.
            self._bounds = None
            self.prepareGeometryChange()
            self.informViewBoundsChanged()
        self.update()

    def set_count(self, n: int) -> None:
        """Change the number of bars (rare: the class count changed)."""
        self.prepareGeometryChange()
        self._n = int(n)
        self._hit_path = None
        self._bounds = None
        self.setOpts(x=np.arange(self._n) + self._offset, height=np.zeros(self._n), y0=0.0, pen=self._pen)

    def set_hit_range(self, lo: float, hi: float) -> None:
        """The vertical extent of the grabbable columns (the plot's y range)."""
        if (lo, hi) == (self._hit_lo, self._hit_hi):
            return
        self.prepareGeometryChange()
        self._hit_lo, self._hit_hi = float(lo), float(hi)
        self._hit_path = None
        self._bounds = None

    def _hit_rect(self) -> QtCore.QRectF:
        h = self._hit_halfwidth
        return QtCore.QRectF(self._offset - h, self._hit_lo, (self._n - 1) + 2 * h, self._hit_hi - self._hit_lo)

    def shape(self) -> QtGui.QPainterPath:
        if self._hit_path is None:
            path = QtGui.QPainterPath()
            h = self._hit_halfwidth
            for i in range(self._n):
                path.addRect(QtCore.QRectF(i + self._offset - h, self._hit_lo, 2 * h, self._hit_hi - self._hit_lo))
            self._hit_path = path
        return self._hit_path

    def setOpts(self, **opts):
        self._bounds = None
        if "pen" in opts:
            self._pen = opts["pen"]  # the outline asked for; crowded bars go without
            if self._n > MAX_OUTLINED_BARS:
                opts["pen"] = None
        super().setOpts(**opts)
        # What paint() needs to know of the pen and brush, worked out once (not per frame).
        pen, brush = self._sharedPen, self._sharedBrush
        outlined = bool(self._singleColor and pen is not None and pen.style() == QtCore.Qt.PenStyle.SolidLine)
        self._outline = None if not outlined else (
            pen.widthF(), pen.isCosmetic(), QtGui.QColor(pen.color()), QtGui.QBrush(brush),
            brush.style() == QtCore.Qt.BrushStyle.SolidPattern and brush.color().alpha() == 255)

    def boundingRect(self) -> QtCore.QRectF:
        # The hit area (the plot's whole y range) contains the bars; pyqtgraph's own
        # boundingRect adds pixel padding through a costly view-transform lookup, per paint.
        b = getattr(self, "_bounds", None)
        if b is None:
            rect = self._hit_rect()
            (x0, x1), (y0, y1) = self._dataBounds
            if x0 is not None and y0 is not None:
                rect = rect.united(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
            b = self._bounds = rect
        return b

    def paint(self, p: QtGui.QPainter, *args) -> None:
        """Fill each bar and its outline with ``fillRect`` in whole device pixels.

        Stroking a wide pen around each rectangle (``drawRects``) goes through Qt's general
        path stroker and was the largest single cost of repainting a bar plot. The bars are
        axis-aligned and drawn without antialiasing, so an outline of width w is the bar
        grown by w/2 filled in the pen's colour, then the bar shrunk by w/2 filled with the
        brush: the same pixels as a stroked rectangle. A bar of height 0 is still a line
        of the pen's width (so it stays visible and grabbable).
        """
        t = p.transform()
        if self._outline is None or t.isRotating():
            super().paint(p, *args)
            return
        # An opaque brush covers the middle of the outline fill; a hatched or see-through one
        # (logits mode) must not show the outline colour through it, so its outline is 4 strips.
        pen_width, cosmetic, edge, brush, solid = self._outline
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        w = max(1, int(round(pen_width if cosmetic else pen_width * abs(sx))))
        grow, shrink = w // 2, w - w // 2
        edges, fills = [], []
        # Whole device pixels (a plain loop: for the few outlined bars it is cheaper than numpy).
        # v + 1000000.5 truncated is floor(v + 0.5) for the clamped range (|v| < 1e6).
        for x, y, bw, bh in self._rectarray.ndarray().tolist():
            xa, xb = x * sx + dx, (x + bw) * sx + dx
            ya, yb = y * sy + dy, (y + bh) * sy + dy
            if not (-1e6 < xa < 1e6 and -1e6 < xb < 1e6 and -1e6 < ya < 1e6 and -1e6 < yb < 1e6):
                xa, xb, ya, yb = (_clamp_pixel(v) for v in (xa, xb, ya, yb))  # also NaN
            xa, xb = int(xa + 1000000.5) - 1000000, int(xb + 1000000.5) - 1000000
            ya, yb = int(ya + 1000000.5) - 1000000, int(yb + 1000000.5) - 1000000
            x0, x1 = (xa, xb) if xa <= xb else (xb, xa)
            y0, y1 = (ya, yb) if ya <= yb else (yb, ya)
            ow, oh = x1 - x0 + w, y1 - y0 + w
            inner = x1 - x0 > w and y1 - y0 > w
            if solid or not inner:
                edges.append((x0 - grow, y0 - grow, ow, oh))
            else:
                edges += [(x0 - grow, y0 - grow, ow, w), (x0 - grow, y1 - grow, ow, w),
                          (x0 - grow, y0 + shrink, w, oh - 2 * w), (x1 - grow, y0 + shrink, w, oh - 2 * w)]
            if inner:
                fills.append((x0 + shrink, y0 + shrink, x1 - x0 - w, y1 - y0 - w))
        p.save()
        p.resetTransform()
        p.setPen(_NO_PEN)
        p.setBrush(edge)
        draw = p.drawRect
        for r in edges:
            draw(*r)
        if fills:
            p.setBrush(brush)
            for r in fills:
                draw(*r)
        p.restore()

    def column_at(self, pos: QtCore.QPointF) -> int | None:
        """The bar whose column contains ``pos`` (item = data coordinates), else None."""
        x = pos.x() - self._offset
        i = int(math.floor(x + 0.5))
        if not 0 <= i < self._n or abs(x - i) > self._hit_halfwidth:
            return None
        span = self._hit_hi - self._hit_lo
        if not (self._hit_lo - 0.05 * span <= pos.y() <= self._hit_hi + 0.05 * span):
            return None
        return i

    # ------------------------------------------------------------ mouse

    def mouseDragEvent(self, ev):
        if not self.draggable or ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            i = self.column_at(ev.buttonDownPos())
            if i is None:
                ev.ignore()
                return
            self._dragging = i
            ev.accept()
            self.sigDragStarted.emit(i)
        elif self._dragging is None:
            ev.ignore()
            return
        ev.accept()
        i = self._dragging
        self.sigDragged.emit(i, float(ev.pos().y()))
        if ev.isFinish():
            self._dragging = None
            self.sigDragFinished.emit(i)

    def mouseClickEvent(self, ev):
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        i = self.column_at(ev.pos())
        if i is None:
            ev.ignore()
            return
        ev.accept()
        if ev.double():
            self.sigDoubleClicked.emit(i)
        else:
            self.sigClicked.emit(i)

    def hoverEvent(self, ev):
        if ev.isExit():
            self.sigHovered.emit(-1)
            return
        i = self.column_at(ev.pos())
        if i is not None and self.draggable:
            ev.acceptDrags(QtCore.Qt.MouseButton.LeftButton)
        self.sigHovered.emit(-1 if i is None else i)


_NO_PEN = QtGui.QPen(QtCore.Qt.PenStyle.NoPen)


def _clamp_pixel(v: float) -> float:
    """A device coordinate kept within what a QRect holds (NaN becomes 0)."""
    if v != v:
        return 0.0
    return min(max(v, -999999.0), 999999.0)


class BarLabel:
    """One bar's value label: text, data position and style, drawn by the plot's :class:`BarLabels`.

    It offers the parts of ``pg.TextItem`` the views use (``setText``, ``setPos``, ``setAnchor``,
    ``setVisible``/``isVisible``, ``setFont``, ``setColor``, ``textItem.toPlainText()``).
    """

    def __init__(self, owner: "BarLabels", font: QtGui.QFont, color):
        self._owner = owner
        self.text = ""
        self.x = self.y = 0.0
        self.below = False
        self.visible = True
        self.font = owner.shared_font(font)
        self.color = QtGui.QColor(color)

    def _changed(self) -> None:
        if self.visible:
            self._owner.update()

    def setText(self, text: str) -> None:  # noqa: N802 (pyqtgraph's names)
        if text != self.text:
            self.text = text
            self._changed()

    def setPos(self, x: float, y: float) -> None:  # noqa: N802
        if (x, y) != (self.x, self.y):
            self.x, self.y = float(x), float(y)
            self._changed()

    def setAnchor(self, anchor) -> None:  # noqa: N802
        below = anchor[1] == 0.0  # (0.5, 0) hangs the text below the point, (0.5, 1) sits it on top
        if below != self.below:
            self.below = below
            self._changed()

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        if bool(visible) != self.visible:
            self.visible = bool(visible)
            self._owner.update()

    def isVisible(self) -> bool:  # noqa: N802
        return self.visible and self._owner.isVisible()

    def setFont(self, font: QtGui.QFont) -> None:  # noqa: N802
        if font != self.font:
            self.font = self._owner.shared_font(font)
            self._changed()

    def setColor(self, color) -> None:  # noqa: N802
        color = QtGui.QColor(color)
        if color != self.color:
            self.color = color
            self._changed()

    @property
    def textItem(self) -> "BarLabel":  # noqa: N802
        return self

    def toPlainText(self) -> str:  # noqa: N802
        return self.text


class BarLabels(pg.GraphicsObject):
    """Every value label of one bar plot, drawn in one paint (prepared ``QStaticText``s, reused).

    One ``pg.TextItem`` per bar cost about 0.1 ms per label and frame (a text-document layout
    for each new number, Python hooks on each move, a document draw per paint); with 10 to 30
    labels changing on every drag move that was the largest part of an update. The text is
    drawn in pixels, centred on its bar's x and sitting on (or hanging below) its data y, like
    a ``TextItem`` anchored at (0.5, 1) or (0.5, 0) with the same 4 px margin.
    """

    MARGIN = 4.0

    def __init__(self):
        super().__init__()
        self.labels: list[BarLabel] = []
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setZValue(20)
        self._metrics: dict[str, QtGui.QFontMetricsF] = {}
        self._fonts: dict[str, QtGui.QFont] = {}
        self._static: dict[tuple[str, str], tuple[QtGui.QStaticText, float]] = {}

    def shared_font(self, font: QtGui.QFont) -> QtGui.QFont:
        """One QFont object per distinct font, so paint() can tell fonts apart by identity."""
        key = font.key()
        shared = self._fonts.get(key)
        if shared is None:
            shared = self._fonts[key] = QtGui.QFont(font)
        return shared

    def new_label(self, font: QtGui.QFont, color) -> BarLabel:
        label = BarLabel(self, font, color)
        self.labels.append(label)
        self.update()
        return label

    def drop_labels(self, keep: int = 0) -> None:
        del self.labels[keep:]
        self.update()

    def texts(self) -> list[str]:
        """Every label's text, shown or not (tests look for NaN and "-0")."""
        return [label.text for label in self.labels]

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QtCore.QRectF()

    def shape(self) -> QtGui.QPainterPath:
        return QtGui.QPainterPath()  # never under the pointer: the bars take the mouse

    def viewRangeChanged(self) -> None:  # noqa: N802 (pyqtgraph's hook)
        self.prepareGeometryChange()
        self.update()

    def paint(self, p: QtGui.QPainter, *args) -> None:
        shown = [label for label in self.labels if label.visible and label.text]
        if not shown:
            return
        t = p.transform()
        sx, sy, dx, dy = t.m11(), t.m22(), t.dx(), t.dy()
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        font = None
        colour = None
        QPointF = QtCore.QPointF
        for label in shown:
            if label.font is not font:  # labels share their font object until it changes
                font = label.font
                p.setFont(font)
                key = font.key()
                fm = self._metrics.get(key)
                if fm is None:
                    fm = self._metrics[key] = QtGui.QFontMetricsF(font)
                ascent, descent = fm.ascent(), fm.descent()
            if label.color is not colour:
                colour = label.color
                p.setPen(colour)
            text, width = self._static_text(label.text, key, font)
            x = label.x * sx + dx
            y = label.y * sy + dy
            # A static text is placed by its top-left corner; its baseline is one ascent lower.
            top = y + self.MARGIN if label.below else y - self.MARGIN - descent - ascent
            p.drawStaticText(QPointF(x - width / 2.0, top), text)
        p.restore()

    def _static_text(self, text: str, key: str, font: QtGui.QFont) -> tuple[QtGui.QStaticText, float]:
        """A laid-out text and its width, kept for reuse: the same numbers recur while dragging,
        and drawing a prepared text skips the shaping ``drawText`` does on every call."""
        cache = self._static
        hit = cache.get((key, text))
        if hit is None:
            if len(cache) > 4000:
                cache.clear()
            st = QtGui.QStaticText(text)
            st.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            st.prepare(QtGui.QTransform(), font)
            hit = cache[(key, text)] = (st, st.size().width())
        return hit


def fit_range(current: tuple[float, float], lo: float, hi: float, minimum: tuple[float, float],
              shrink: float = 4.0) -> tuple[float, float]:
    """A stable axis range: keep ``current`` unless the data leaves it or fills a tiny part of it.

    ``minimum`` is the smallest range ever used. A new range has 25 % headroom so that
    small changes do not move the axis again.
    """
    clo, chi = current
    lo = min(lo, minimum[0])
    hi = max(hi, minimum[1])
    inside = clo <= lo and hi <= chi
    too_big = (chi - clo) > shrink * (hi - lo) and (clo < minimum[0] or chi > minimum[1])
    if inside and not too_big:
        return current
    span = hi - lo
    new_lo = lo - 0.25 * span if lo < minimum[0] else minimum[0]
    new_hi = hi + 0.25 * span if hi > minimum[1] else minimum[1]
    return (new_lo, new_hi)


def _make_title_shrinkable(label: pg.LabelItem) -> None:
    """Let a plot title be narrower than its text, so a long title never widens the plot
    past its view (which would clip the bars); the text itself is clipped instead."""
    H = QtCore.Qt.SizeHint

    def update_min():
        b = label.itemRect()
        label.setMinimumWidth(0)
        label.setMinimumHeight(b.height())
        label._sizeHint = {H.MinimumSize: (0, b.height()), H.PreferredSize: (b.width(), b.height()),
                           H.MaximumSize: (-1, -1), H.MinimumDescent: (0, 0)}
        label.updateGeometry()

    label.updateMin = update_min


def describe(names, values, text) -> str:
    """"name value; ..." for an accessible description, at most MAX_DESCRIBED_CLASSES classes."""
    n = len(values)
    shown = min(n, MAX_DESCRIBED_CLASSES)
    out = "; ".join(f"{names[i]} {text(values[i])}" for i in range(shown))
    if n > shown:
        out += f"; and {n - shown} more classes (all of them are in the value table)"
    return out


def short_name(name: str, n: int) -> str:
    """A class name short enough for an axis tick when there are ``n`` classes.

    Crowded axes (more than 8 classes) keep names of up to 4 characters, show "class 12"
    as "12", and cut other names to 3 characters (the full names are in the tooltips
    and the table).
    """
    if n <= 4:
        limit = 14
    elif n <= 8:
        limit = 8
    else:
        if len(name) <= 4:
            return name
        if name.startswith("class ") and name[6:].isdigit():
            return name[6:]
        return name[:3] + ("…" if n <= 12 else "")
    return name if len(name) <= limit else name[: limit - 1] + "…"


def quiet_hover_while_dragging(scene: pg.GraphicsScene) -> None:
    """Skip pyqtgraph's hover search on mouse moves while an item is being dragged.

    During a drag pyqtgraph lets no item accept a hover, yet it still looks up every item
    near the pointer and sends each a hover event on every move: about half a millisecond
    per move, more than the rest of the move's handling. The search resumes on release.
    """
    ref = weakref.ref(scene)
    send = type(scene).sendHoverEvents

    def send_hover_events(ev, exitOnly=False):  # noqa: N803 (pyqtgraph's name)
        sc = ref()
        if sc is None:
            return
        if not exitOnly and sc.dragItem is not None and ev.buttons():
            return
        send(sc, ev, exitOnly)

    scene.sendHoverEvents = send_hover_events


class ClassNameEditor(QtWidgets.QLineEdit):
    """An inline editor for one class name: Enter (or clicking elsewhere) renames, Esc keeps
    the name. Emits ``committed`` with the text once, then closes."""

    committed = QtCore.Signal(str)
    #: Emitted once when the editor closes (it is deleted soon after).
    closed = QtCore.Signal()

    def __init__(self, text: str, parent: QtWidgets.QWidget):
        super().__init__(text, parent)
        self.setObjectName("class_name_editor")
        self._done = False
        self.returnPressed.connect(self._commit)

    def _commit(self) -> None:
        if not self._done:
            self._done = True
            self.committed.emit(self.text())
            self._close()

    def _close(self) -> None:
        if self.isHidden():
            return
        self._done = True
        self.hide()
        self.closed.emit()
        self.deleteLater()

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if ev.key() == QtCore.Qt.Key.Key_Escape:
            ev.accept()
            self._close()
            return
        super().keyPressEvent(ev)

    def focusOutEvent(self, ev: QtGui.QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(ev)
        self._commit()  # like a table cell: leaving it keeps what was typed


class BarChart(IdleTexts, GridPlotWidget):
    """A bar plot built once: fixed ranges, no pan/zoom, class-name ticks, value labels.

    Subclasses create their ``ColumnBars`` in ``__init__``, then feed numbers in
    ``refresh()``; ``apply_theme`` restyles items without touching data.
    """

    #: Emitted with a short message for the status bar (e.g. an edit that was refused).
    message = QtCore.Signal(str)

    title_text = ""
    #: The state aspects this plot draws (connected with state.connect_aspects).
    RELEVANT: tuple = ()

    def _on_state_changed(self, aspects: frozenset) -> None:
        """A new class count or names re-make the per-class pieces; anything else only feeds numbers."""
        if self.state.num_classes != self._n or aspects & {Aspect.CLASSES, Aspect.REPLACED}:
            self._rebuild()
        else:
            self.refresh()

    def __init__(self, state, parent=None):
        super().__init__(parent=parent, background=LIGHT.background)
        self.state = state
        self.theme: Theme = LIGHT
        self._n = 0
        self._yrange = (0.0, 1.0)
        self._labels: list[BarLabel] = []
        self._label_items: BarLabels | None = None  # made with the first label
        self._label_font = QtGui.QFont()
        self._tick_font = QtGui.QFont()
        self._tick_font.setPixelSize(13)
        self._show_labels = True
        pi = self.getPlotItem()
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.setMouseEnabled(x=False, y=False)
        pi.disableAutoRange()
        self.show_grid(y=True, alpha=0.25)
        pi.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        _make_title_shrinkable(pi.titleLabel)
        quiet_hover_while_dragging(self.scene())
        # The axes (their grid is in the background, see plotgrid) and the title are drawn
        # once into pixmaps, not re-rendered per update.
        cache = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
        for name in ("left", "bottom"):
            pi.getAxis(name).setCacheMode(cache)
        pi.titleLabel.setCacheMode(cache)
        # Bars are axis-aligned rectangles: antialiasing only blurs their edges and costs time
        # (text keeps its own antialiasing). For the same reason the view need not widen each
        # repainted area by 2 pixels for antialiased edges (which made the title repaint too).
        self.setAntialiasing(False)
        self.setOptimizationFlag(QtWidgets.QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        # The view paints its own (cached) background: Qt need not fill the viewport first.
        self.viewport().setAutoFillBackground(False)
        self.viewport().setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        # The view box draws nothing itself (no border): skip its Python paint() call per update.
        pi.getViewBox().setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setMinimumSize(160, 80)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)

    # ------------------------------------------------------------ building blocks

    def plot_item(self) -> pg.PlotItem:
        return self.getPlotItem()

    # ------------------------------------------------------------ renaming a class on its axis

    def mouseDoubleClickEvent(self, ev: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        """A double-click on a class name opens an editor for it; elsewhere, the plot's own."""
        index = self.class_at_axis(ev.position())
        if index is None:
            super().mouseDoubleClickEvent(ev)
            return
        ev.accept()
        self.edit_class_name(index)

    def class_at_axis(self, pos: QtCore.QPointF) -> int | None:
        """The class whose place on the class axis is under ``pos`` (viewport pixels), if any."""
        pi = self.getPlotItem()
        axis = pi.getAxis("bottom")
        scene = self.mapToScene(pos.toPoint())
        if not axis.isVisible() or not axis.sceneBoundingRect().contains(QtCore.QPointF(scene)):
            return None
        index = math.floor(pi.getViewBox().mapSceneToView(QtCore.QPointF(scene)).x() + 0.5)
        return index if 0 <= index < self.state.num_classes else None

    def edit_class_name(self, index: int) -> ClassNameEditor:
        """An inline editor over class ``index``'s name on the class axis."""
        old = getattr(self, "_name_editor", None)
        if old is not None:
            old._commit()  # one editor at a time (it clears _name_editor as it closes)
        vp = self.viewport()
        ed = ClassNameEditor(self.state.class_names[index], vp)
        ed.setAccessibleName(f"New name for class {index + 1}")
        ed.setFont(self._tick_font)
        ed.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)  # where the name itself sits
        fm = ed.fontMetrics()
        width = max(fm.horizontalAdvance(ed.text()), fm.horizontalAdvance("M" * 6)) + 16
        height = fm.height() + 8
        pi = self.getPlotItem()
        x = self.mapFromScene(pi.getViewBox().mapViewToScene(QtCore.QPointF(index, 0.0))).x()
        top = self.mapFromScene(pi.getAxis("bottom").sceneBoundingRect().topLeft()).y()
        ed.setGeometry(int(max(0, min(x - width / 2, vp.width() - width))),
                       int(max(0, min(top, vp.height() - height))), int(width), int(height))
        ed.committed.connect(lambda text, i=index: self._rename_class(i, text))
        ed.closed.connect(self._name_editor_closed)
        self._name_editor = ed
        ed.show()
        ed.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
        ed.selectAll()
        return ed

    def _name_editor_closed(self) -> None:
        self._name_editor = None

    def _rename_class(self, index: int, text: str) -> None:
        if index >= self.state.num_classes:
            return  # the class went away meanwhile (an undo, a new class count)
        old = self.state.class_names[index]
        try:
            self.state.rename_class(index, text)  # an unchanged name changes nothing
        except ScenarioError as exc:
            self.message.emit(f"Name of {old} not changed: {exc}")

    def _set_x_classes(self, n: int) -> None:
        self._n = n
        self.getPlotItem().setXRange(-0.6, n - 0.4, padding=0)
        self._set_ticks()

    def _set_ticks(self) -> None:
        """Class-name ticks; on a crowded axis only some names, so that none overlap.

        With room for every name, every class is named. Otherwise the stride is a round
        number (2, 5, 10, 20, 50, 100, ...), and the named classes are the first and every
        stride-th class by its number (1, 100, 200, ... for a stride of 100), so the labels
        read as a scale.
        """
        names = self.state.class_names
        n = len(names)
        labels = [short_name(names[i], n) for i in range(n)]
        fm = QtGui.QFontMetrics(self._tick_font)
        widest = max(fm.horizontalAdvance(t) for t in labels) + fm.horizontalAdvance("  ")
        per_class = max(1e-3, (self.width() - 60) / max(n, 1))  # pixels per class (can be < 1)
        stride = int(_nice_ceiling(widest / per_class))
        if stride <= 1:
            named = list(range(n))
        else:
            # Class number k * stride sits at index k * stride - 1; the first of them is
            # left out when it would crowd class 1's name.
            named = [0] + [i for i in range(stride - 1, n, stride) if i * per_class >= widest]
        ticks = [(i, labels[i]) for i in named]
        # A short tick mark at each unnamed class, where the marks are at least
        # MIN_MINOR_TICK_PX apart. Closer, they would merge into a solid band, and pyqtgraph
        # measures every tick's text when it draws the axis: 1000 empty texts cost about
        # 30 ms each time the axis is drawn again.
        minor = []
        if stride > 1 and per_class >= MIN_MINOR_TICK_PX:
            is_named = set(named)
            minor = [(i, "") for i in range(n) if i not in is_named]
        key = (tuple(names), tuple(named), bool(minor), self._tick_font.pixelSize())
        if key != getattr(self, "_tick_key", None):
            self._tick_key = key
            self.getPlotItem().getAxis("bottom").setTicks([ticks, minor])

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if getattr(self, "_n", 0):
            self._set_ticks()
            if ev is not None and ev.oldSize().width() != ev.size().width():
                QtCore.QTimer.singleShot(0, self, self._refit_labels)  # once the view box has its width
            if ev is not None and ev.oldSize().height() != ev.size().height():
                # Label size and headroom depend on the height in pixels.
                QtCore.QTimer.singleShot(0, self, self._after_height_change)

    def _after_height_change(self) -> None:
        self._update_label_font()
        self._refit_labels()
        if getattr(self, "_prob_ticks_on", False):
            self._set_probability_ticks(True)  # quarters or halves, by the height
        self.refresh()

    def refresh(self) -> None:
        """Feed the state's numbers to the items (subclasses)."""

    def headroom(self, ends: int = 1) -> float:
        """Factor by which to widen a data range so a value label fits beyond the tallest bar.

        ``ends`` is 1 when labels only sit above the bars, 2 for symmetric plots with labels
        above and below. The factor depends on the plot's height in pixels.
        """
        label_px = self._label_font.pixelSize() * 1.45
        frac = min(0.5, ends * label_px / self._plot_px())
        return 1.0 / (1.0 - frac)

    def _set_y_range(self, lo: float, hi: float) -> None:
        if (lo, hi) != self._yrange:
            self._yrange = (lo, hi)
            self.getPlotItem().setYRange(lo, hi, padding=0)
            self._on_y_range_changed()

    def _on_y_range_changed(self) -> None:
        """Hook for subclasses (e.g. to move the hit area of draggable bars)."""

    def _set_probability_ticks(self, on: bool) -> None:
        """Quarter ticks on the left axis for probabilities; automatic ticks otherwise."""
        ax = self.getPlotItem().getAxis("left")
        self._prob_ticks_on = on
        if on:
            # Quarters where a label fits between two ticks, else halves (large text, short plot).
            span = max(1e-9, self._yrange[1] - self._yrange[0])
            room = 0.25 / span * self._plot_px()
            values = (0.0, 0.25, 0.5, 0.75, 1.0) if room >= 1.25 * self._tick_font.pixelSize() else (0.0, 0.5, 1.0)
            if values != getattr(self, "_prob_tick_values", None):
                self._prob_tick_values = values
                ax.setTicks([[(v, fmt.plain(v, 2)) for v in values], []])
                self.refresh_grid()
        else:
            self._prob_tick_values = None
            ax.setTicks(None)
            self.refresh_grid()

    def _new_label(self) -> BarLabel:
        """A value label in the theme's colour and the label font (drawn by one BarLabels item)."""
        if self._label_items is None:
            self._label_items = BarLabels()
            self.getPlotItem().addItem(self._label_items, ignoreBounds=True)
        label = self._label_items.new_label(self._label_font, self.theme.foreground)
        self._labels.append(label)
        return label

    def _drop_labels(self, keep: int = 0) -> None:
        del self._labels[keep:]
        if self._label_items is not None:
            self._label_items.drop_labels(keep)

    def _ensure_labels(self, n: int) -> None:
        """Create or drop value labels so there is one per bar (only when the count changes)."""
        n = n if n <= MAX_LABEL_ITEMS else 0
        while len(self._labels) < n:
            self._new_label()
        if len(self._labels) > n:
            self._drop_labels(n)
        self._show_labels = self._labels_fit()
        for t in self._labels:
            t.setVisible(self._show_labels)

    def label_sample(self) -> str:
        """A widest likely value label (to tell whether the labels fit side by side)."""
        return fmt.number(0.555, 2)

    def _labels_fit(self) -> bool:
        """Value labels only up to MAX_LABELLED_CLASSES, and only where they fit side by side:
        in a narrow plot they would overlap and clip at the edges (the numbers stay in the
        tooltips and the table)."""
        n = len(self._labels)
        if not 0 < n <= MAX_LABELLED_CLASSES:
            return False
        vb_w = self.getPlotItem().getViewBox().width()
        width = float(vb_w) if vb_w > 20 else max(60.0, self.width() - 60.0)
        need = QtGui.QFontMetrics(self._label_font).horizontalAdvance(self.label_sample()) + 4
        return need <= width / max(self._n, 1)

    def _refit_labels(self) -> None:
        """After a new width or label font: show or hide the labels, and redraw if that changed."""
        fits = self._labels_fit()
        if fits != self._show_labels:
            self._show_labels = fits
            for t in self._labels:
                t.setVisible(fits)
            self.refresh()

    def _label_size(self) -> float:
        n = max(self._n, 1)
        base = 17 if n <= 4 else 14 if n <= 8 else 11
        return self.theme.font_px(base) * self._short_plot_factor()

    def _plot_px(self) -> float:
        """The height of the data area in pixels (estimated before the first layout)."""
        vb_h = self.getPlotItem().getViewBox().height()
        return float(vb_h) if vb_h > 20 else max(60.0, self.height() - 70.0)

    def _short_plot_factor(self) -> float:
        """Value labels shrink (to 70 %) on plots shorter than 170 pixels."""
        return max(0.7, min(1.0, self._plot_px() / 170.0))

    def _update_label_font(self) -> None:
        px = int(round(self._label_size()))
        if px == self._label_font.pixelSize():
            return
        self._label_font = QtGui.QFont()
        self._label_font.setPixelSize(px)
        self._label_font.setBold(True)
        for t in self._labels:
            t.setFont(self._label_font)

    def _place_label(self, i: int, x: float, y: float, text: str, below: bool = False) -> None:
        # Only touch what changed.
        t = self._labels[i]
        last = getattr(t, "_last", None)
        if last is not None and last == (text, below, x, y):
            return
        if last is None or last[0] != text:
            t.setText(text)
        if last is None or last[1] != below:
            t.setAnchor((0.5, 0.0) if below else (0.5, 1.0))
        if last is None or last[2:] != (x, y):
            t.setPos(x, y)
        t._last = (text, below, x, y)

    def label_texts(self) -> list[str]:
        """The value labels' texts (tests, accessibility)."""
        return [t.text for t in self._labels]

    def _set_title(self, html: str, lines: int = 1) -> None:
        pi = self.getPlotItem()
        px = self.theme.font_px(15)
        key = (html, lines, px, self.theme.foreground)
        if key == getattr(self, "_title_key", None):
            return
        self._title_key = key
        pi.setTitle(html, color=self.theme.foreground, size=f"{px}px")
        h = int(px * (1.9 if lines == 1 else 1.6 * lines))
        pi.titleLabel.setMaximumHeight(h)
        pi.layout.setRowFixedHeight(0, h)

    def _swatch(self, quantity: str, text: str) -> str:
        return f'<span style="color:{getattr(self.theme, quantity)}">■</span> {text}'

    # ------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        """Restyle background, axes, fonts and labels (no data is recomputed)."""
        self.theme = theme
        self.setBackground(theme.background)
        tick_font = QtGui.QFont()
        tick_font.setPixelSize(theme.font_px(13 if self._n <= 10 else 11))
        self._tick_font = tick_font
        axis_pen = pg.mkPen(theme.muted, width=1)
        for name in ("left", "bottom"):
            ax = self.getPlotItem().getAxis(name)
            ax.setPen(axis_pen)
            ax.setTextPen(pg.mkPen(theme.foreground))
            ax.setTickFont(tick_font)
        # Class names need their descenders (g, y): the axis measures only what it drew last.
        self.getPlotItem().getAxis("bottom").setHeight(QtGui.QFontMetrics(tick_font).height() + 6)
        if self._n:
            self._set_ticks()
        self.refresh_grid()  # the grid takes the axis pen's colour
        self._label_font = QtGui.QFont()
        self._label_font.setPixelSize(int(round(self._label_size())))
        self._label_font.setBold(True)
        for t in self._labels:
            t.setColor(theme.foreground)
            t.setFont(self._label_font)
        self._refit_labels()
        self._restyle()
        self._update_title()

    def _restyle(self) -> None:
        """Subclasses set their pens and brushes here."""

    def _update_title(self) -> None:
        self._set_title(self.title_text)


# --------------------------------------------------------------------------- editors


class BarEditor(BarChart):
    """A bar chart whose bars are dragged with the mouse or nudged with the keyboard.

    Keyboard (when the plot has focus): Left/Right choose the bar, Up/Down nudge it by
    1/20 of the range (with Shift: 1/200), Home/End set it to the bottom/top of the range
    (0 and 1 for probabilities).
    """

    quantity = "target"
    undo_prefix = "Drag target"
    RELEVANT = TARGET_ASPECTS

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.focused_bar = 0
        self._pending: tuple[int, float] | None = None
        self._drag_index: int | None = None
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)
        self.bars = ColumnBars(state.num_classes)
        self.getPlotItem().addItem(self.bars)
        self._focus_box = pg.BarGraphItem(x=[0], height=[0], width=0.86, pen=pg.mkPen("k"), brush=None)
        self._focus_box.setVisible(False)
        self.getPlotItem().addItem(self._focus_box)
        self.bars.sigDragStarted.connect(self._on_drag_started)
        self.bars.sigDragged.connect(self._on_dragged)
        self.bars.sigDragFinished.connect(self._on_drag_finished)
        self.bars.sigClicked.connect(self._on_bar_clicked)
        self.bars.sigHovered.connect(self._on_hovered)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(220, 100)
        state.connect_aspects(self._on_state_changed, *self.RELEVANT)
        self._rebuild()

    # ------------------------------------------------------------ what is edited (subclasses)

    def values(self) -> np.ndarray:
        return self.state.target

    def value_range(self) -> tuple[float, float]:
        """The range a bar's value can take (keyboard steps are fractions of it)."""
        return (0.0, 1.0)

    def _write(self, index: int, value: float, label: str) -> None:
        self.state.set_target_value(index, value, label)


    def _format(self, v: float) -> str:
        return fmt.number(v, 3) if self._n <= 4 else fmt.compact(v, 2)

    def label_sample(self) -> str:
        return self._format(0.555)

    def _clip(self, v: float) -> float:
        lo, hi = self.value_range()
        return min(max(v, lo), hi)

    # ------------------------------------------------------------ refresh

    def _rebuild(self) -> None:
        """Class count or names changed: re-make the per-class pieces, then refresh."""
        n = self.state.num_classes
        if n != self.bars.count:
            self.bars.set_count(n)
        self.focused_bar = min(self.focused_bar, n - 1)
        self._set_x_classes(n)
        self._ensure_labels(n)
        self.apply_theme(self.theme)
        self.refresh()

    def _y_limits(self, values: np.ndarray) -> tuple[float, float]:
        return (0.0, max(1.1, self.headroom()))

    def refresh(self) -> None:
        """Feed the current numbers to the items (no item is created here)."""
        v = self.values()
        lo, hi = self._y_limits(v)
        probabilities = lo == 0.0
        if probabilities != getattr(self, "_prob_ticks", None):
            self._prob_ticks = probabilities
            self._set_probability_ticks(probabilities)
        self._set_y_range(lo, hi)
        self.bars.set_values(v)
        if self._show_labels:
            for i, value in enumerate(v):
                self._place_label(i, i, float(value), self._format(value), below=value < 0)
        self._update_focus_box()
        self._update_accessible()
        self._update_title()

    def _on_y_range_changed(self) -> None:
        self.bars.set_hit_range(*self._yrange)

    def _update_focus_box(self) -> None:
        show = self.hasFocus()
        self._focus_box.setVisible(show)
        if show:
            lo, hi = self._yrange
            pad = 0.015 * (hi - lo)
            self._focus_box.setOpts(x=[self.focused_bar], y0=[lo + pad], height=[hi - lo - 2 * pad])

    def _update_accessible(self) -> None:
        self.when_idle("description", self._describe)

    def _describe(self) -> None:
        names = self.state.class_names
        self.setAccessibleDescription(
            describe(names, self.values(), fmt.number)
            + f". Selected: {names[self.focused_bar]}. Up/Down change it, Left/Right choose another bar."
        )

    def bar_tooltip(self, i: int) -> str:
        name = self.state.class_names[i]
        return f"{name}: {self._symbol()} = {fmt.number(self.values()[i])}\nDrag the bar, or select it and use ↑/↓"

    def _symbol(self) -> str:
        return "y"

    # ------------------------------------------------------------ theme

    def _restyle(self) -> None:
        t = self.theme
        self.bars.setOpts(pen=pg.mkPen(t.foreground if not t.dark else t.background, width=t.bar_pen_width),
                          brush=pg.mkBrush(t.color(self.quantity)))
        self._focus_box.setOpts(pen=pg.mkPen(t.foreground, width=max(2.0, t.line_width),
                                             style=QtCore.Qt.PenStyle.DashLine), brush=None)

    # ------------------------------------------------------------ dragging

    def _label(self, index: int) -> str:
        return f"{self.undo_prefix}: {self.state.class_names[index]}"

    def _on_drag_started(self, index: int) -> None:
        self._drag_index = index
        self.focused_bar = index
        self.state.begin(self._label(index))

    def _on_dragged(self, index: int, y: float) -> None:
        self._pending = (index, self._clip(y))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        """Apply the latest pointer position (several moves in one frame become one change)."""
        self._flush_timer.stop()
        if self._pending is None:
            return
        index, value = self._pending
        self._pending = None
        try:
            self._write(index, value, self._label(index))
        except ScenarioError as exc:
            self.message.emit(str(exc))

    def _on_drag_finished(self, index: int) -> None:
        self._flush()
        self._drag_index = None
        self.state.commit()
        self._after_drag()

    def _after_drag(self) -> None:
        """Hook: e.g. the logits editor refits its range once the drag is over."""

    def _on_bar_clicked(self, index: int) -> None:
        self.focused_bar = index
        self.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
        self._update_focus_box()

    def _on_hovered(self, index: int) -> None:
        self.bars.setToolTip(plain_text.tooltip(self.bar_tooltip(index)) if index >= 0 else "")

    # ------------------------------------------------------------ keyboard

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        key = ev.key()
        K = QtCore.Qt.Key
        n = self.state.num_classes
        lo, hi = self.value_range()
        i = self.focused_bar
        current = float(self.values()[i])
        fine = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        step = (hi - lo) / (200.0 if fine else 20.0)
        new = None
        if key == K.Key_Left:
            self.focused_bar = max(0, i - 1)
        elif key == K.Key_Right:
            self.focused_bar = min(n - 1, i + 1)
        elif key == K.Key_Up:
            new = current + step
        elif key == K.Key_Down:
            new = current - step
        elif key == K.Key_Home:
            new = lo
        elif key == K.Key_End:
            new = hi
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()
        if new is not None:
            new = self._clip(new)
            try:
                self._write(i, new, f"{self._key_label()}: {self.state.class_names[i]}")
            except ScenarioError as exc:
                self.message.emit(str(exc))
        self._update_focus_box()
        self._update_accessible()

    def _key_label(self) -> str:
        return "Set target"

    def focusInEvent(self, ev) -> None:
        super().focusInEvent(ev)
        self._update_focus_box()

    def focusOutEvent(self, ev) -> None:
        super().focusOutEvent(ev)
        self._update_focus_box()


class TargetEditor(BarEditor):
    """The target distribution y (after label smoothing), dragged bar by bar."""

    quantity = "target"
    undo_prefix = "Drag target"

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.setAccessibleName("Target y editor")
        self.bars.sigDoubleClicked.connect(self._on_double_clicked)

    def _update_title(self) -> None:
        eps = self.state.label_smoothing
        extra = f"  (label smoothing ε = {fmt.number(eps, 2)})" if eps > 0 else ""
        self._set_title(self._swatch("target", f"<b>Target y</b>{extra}"))

    def bar_tooltip(self, i: int) -> str:
        return super().bar_tooltip(i) + "\nDouble-click: make it the true class (one-hot)"

    def _on_double_clicked(self, index: int) -> None:
        try:
            self.state.set_true_class(index)
        except ScenarioError as exc:
            self.message.emit(str(exc))


class PredictionEditor(BarEditor):
    """The prediction ŷ, edited as probabilities or (in logits mode) as logits z."""

    quantity = "prediction"
    RELEVANT = PREDICTION_ASPECTS

    def __init__(self, state, parent=None):
        self._logit_limit = 5.0
        super().__init__(state, parent)
        self.setAccessibleName("Prediction editor")

    @property
    def logits_mode(self) -> bool:
        return self.state.logits_mode

    @property
    def undo_prefix(self) -> str:  # type: ignore[override]
        return "Drag logit" if self.logits_mode else "Drag prediction"

    def _key_label(self) -> str:
        return "Set logit" if self.logits_mode else "Set prediction"

    def values(self) -> np.ndarray:
        return self.state.display_logits() if self.logits_mode else self.state.prediction

    def value_range(self) -> tuple[float, float]:
        if self.logits_mode:
            return (-self._logit_limit, self._logit_limit)
        return (0.0, 1.0)

    def _clip(self, v: float) -> float:
        if self.logits_mode:
            return min(max(v, -MAX_DRAG_LOGIT), MAX_DRAG_LOGIT)
        return super()._clip(v)

    def _write(self, index: int, value: float, label: str) -> None:
        if self.logits_mode:
            self.state.set_logit(index, value, label)
        else:
            self.state.set_prediction_value(index, value, label)


    def _symbol(self) -> str:
        return "z" if self.logits_mode else "ŷ"

    def _format(self, v: float) -> str:
        if self.logits_mode:
            return fmt.number(v, 2 if self._n <= 8 else 1)
        return super()._format(v)

    def label_sample(self) -> str:
        return self._format(-5.555 if self.logits_mode else 0.555)

    def _y_limits(self, values: np.ndarray) -> tuple[float, float]:
        if not self.logits_mode:
            return (0.0, max(1.1, self.headroom()))
        finite = values[np.isfinite(values)]
        need = float(np.max(np.abs(finite))) if finite.size else 0.0
        limit = self._logit_limit
        # The range never moves under a dragging pointer (the bar would run away from it);
        # it is refitted when the drag ends.
        dragging = self._drag_index is not None
        if not dragging and (need > limit * 0.92 or (need < limit / 4 and limit > 5.0)):
            limit = max(5.0, _nice_ceiling(need * 1.3))
        self._logit_limit = limit
        # Headroom for the value labels above/below the bars.
        half = limit * max(1.1, self.headroom(2))
        return (-half, half)

    def _after_drag(self) -> None:
        self.refresh()

    def _restyle(self) -> None:
        super()._restyle()
        t = self.theme
        if self.logits_mode:
            # Logits are not probabilities: same hue, hatched, so they are not mistaken for ŷ.
            brush = QtGui.QBrush(t.color("prediction"), QtCore.Qt.BrushStyle.BDiagPattern)
            self.bars.setOpts(brush=brush, pen=pg.mkPen(t.prediction, width=max(2.0, t.bar_pen_width)))

    def _on_state_changed(self, aspects: frozenset) -> None:
        if aspects & {Aspect.EDIT_MODE, Aspect.TEMPERATURE, Aspect.REPLACED}:
            # The mode may have switched: restyle and re-range before feeding numbers (logit
            # labels are wider than probabilities).
            self._restyle()
            if self.state.num_classes == self._n:
                self._refit_labels()
        super()._on_state_changed(aspects)

    def _update_title(self) -> None:
        if self.logits_mode:
            t = self.state.temperature
            temp = f" (T = {fmt.plain(t, 2)})" if t != 1.0 else ""
            self._set_title(self._swatch("prediction", f"<b>Logits z</b>{temp}"))
        else:
            self._set_title(self._swatch("prediction", "<b>Prediction ŷ</b>"))


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is >= x."""
    if x <= 0:
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10**k >= x:
            return m * 10**k
    return 10.0 ** (k + 1)


class SoftmaxView(BarChart):
    """ŷ = softmax(z / T), shown beside the logits editor (visible in logits mode only)."""

    RELEVANT = PREDICTION_ASPECTS

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.bars = ColumnBars(state.num_classes, draggable=False)
        self.getPlotItem().addItem(self.bars)
        self.bars.sigHovered.connect(self._on_hovered)
        self.setAccessibleName("Prediction from the logits")
        self.setMinimumSize(140, 100)
        state.connect_aspects(self._on_state_changed, *self.RELEVANT)
        self._rebuild()

    def _rebuild(self) -> None:
        n = self.state.num_classes
        if n != self.bars.count:
            self.bars.set_count(n)
        self._set_x_classes(n)
        self._ensure_labels(n)
        self._set_probability_ticks(True)
        self.apply_theme(self.theme)
        self.refresh()

    def refresh(self) -> None:
        self.setVisible(self.state.logits_mode)
        if not self.state.logits_mode:
            return
        top = max(1.1, self.headroom())
        self._set_y_range(0.0, top)
        self.bars.set_hit_range(0.0, top)
        p = self.state.prediction
        self.bars.set_values(p)
        if self._show_labels:
            for i, v in enumerate(p):
                self._place_label(i, i, float(v), fmt.number(v, 2))
        self.when_idle("description", lambda: self.setAccessibleDescription(
            "ŷ = softmax(z/T): " + fmt.class_values(self.state.class_names, self.state.prediction)))
        self._update_title()

    def _on_hovered(self, index: int) -> None:
        if index >= 0:
            name = self.state.class_names[index]
            self.bars.setToolTip(plain_text.tooltip(f"{name}: ŷ = {fmt.number(self.state.prediction[index])}"))

    def _restyle(self) -> None:
        t = self.theme
        self.bars.setOpts(pen=pg.mkPen(t.foreground if not t.dark else t.background, width=t.bar_pen_width),
                          brush=pg.mkBrush(t.color("prediction")))

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if getattr(self, "_n", 0):
            self._update_title()

    def _update_title(self) -> None:
        # The formula only where it fits (large text beside the logits editor): never a clipped title.
        key = (self.width(), self.theme.font_px(15))
        if key != getattr(self, "_title_fit_key", None):  # measured once per size, not per update
            font = QtGui.QFont()
            font.setPixelSize(key[1])
            font.setBold(True)
            self._title_fit_key = key
            self._title_fits = QtGui.QFontMetrics(font).horizontalAdvance("■ ŷ = softmax(z/T)") + 12 <= key[0]
        wide = self._title_fits
        self._set_title(self._swatch("prediction", "<b>ŷ</b> = softmax(z/T)" if wide else "<b>ŷ</b>"))
