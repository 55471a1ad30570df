"""Every value label of one bar plot, drawn by one item (:class:`BarLabels`)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui


class BarLabel:
    """One bar's value label: text, data position and style, drawn by the plot's :class:`BarLabels`.

    It offers the parts of ``pg.TextItem`` the views use (``setText``, ``setPos``, ``setAnchor``,
    ``setVisible``/``isVisible``, ``setFont``, ``setColor``, ``textItem.toPlainText()``).
    """

    def __init__(self, owner: BarLabels, font: QtGui.QFont, color):
        self._owner = owner
        self.text = ""
        self.x = self.y = 0.0
        self.below = False
        self.visible = True
        self.font = owner.shared_font(font)
        self.color = QtGui.QColor(color)
        #: The (text, below, x, y) its plot last wrote: the plot's cache, to skip unchanged writes.
        self._last: tuple[str, bool, float, float] | None = None

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
    def textItem(self) -> BarLabel:  # noqa: N802
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
