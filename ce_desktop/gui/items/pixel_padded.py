"""Base of the items whose bounding box is padded by a few pixels (worked out once per view transform)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui


class PixelPadded(pg.GraphicsObject):
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
