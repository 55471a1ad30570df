"""The vertical line at the current step of a run."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from ce_desktop.gui.items.pixel_padded import PixelPadded


class StepCursor(PixelPadded):
    """The vertical line at the current step: moved with ``setPos`` (``InfiniteLine`` works
    out its bounding box again whenever it moves, every frame of a run)."""

    def value(self) -> float:
        return self.pos().x()

    def setValue(self, x: float) -> None:  # noqa: N802 (pyqtgraph's name)
        if self.pos().x() != x:
            self.setPos(float(x), 0.0)

    def _yrange(self) -> tuple[float, float]:
        vb = self.getViewBox()
        if vb is None:
            return 0.0, 1.0
        return tuple(vb.viewRange()[1])

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        if self._bounds is None:
            y0, y1 = self._yrange()
            px, _py = self.pad()
            self._bounds = QtCore.QRectF(-px, y0, 2 * px, y1 - y0)
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args) -> None:
        y0, y1 = self._yrange()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        p.setPen(self._pen)
        p.drawLine(QtCore.QPointF(0.0, y0), QtCore.QPointF(0.0, y1))
