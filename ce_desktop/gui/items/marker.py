"""A round marker of a fixed pixel size that follows the current step of a run."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets


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
