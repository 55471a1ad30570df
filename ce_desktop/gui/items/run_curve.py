"""A curve that grows by a point per frame: a cached body and a short live tail."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from ce_desktop.gui.items.polyline import Polyline
from ce_desktop.gui.private_api import pyqtgraph_private_ok


class RunCurve(pg.PlotCurveItem):
    """A curve that grows by a point per frame, drawn as a cached body and a short live tail.

    Stroking the whole antialiased curve again on every frame cost ~1 ms per curve at a
    few hundred steps, and made the whole plot (legend, floor line, both curves) repaint.
    This item holds points 0..h, where h is the last multiple of :data:`CHUNK` steps, and is
    kept as a pixmap (it changes once per CHUNK steps); ``tail`` holds points h..n-1, so a
    frame repaints only the small area the tail covers. ``getData`` and the pen are those of
    the whole curve (the legend and tests see one curve).
    """

    CHUNK = 32

    def __init__(self, phase: int = 0):
        #: The body ends at a step ≡ phase (mod CHUNK): curves with different phases rebuild
        #: their bodies on different frames, so a plot of ten curves never rebuilds ten at once.
        self.phase = int(phase) % self.CHUNK
        self.tail = Polyline()  # first: PlotCurveItem's __init__ calls setData and setPen
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._body_len = -1  # no body yet: the first set_run_data builds it
        self._body_x = np.zeros(0)
        self._body_y = np.zeros(0)
        super().__init__()
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def add_to(self, pi: pg.PlotItem) -> None:
        pi.addItem(self)
        pi.addItem(self.tail, ignoreBounds=True)

    def remove_from(self, pi: pg.PlotItem) -> None:
        pi.removeItem(self.tail)
        pi.removeItem(self)

    def set_run_data(self, x: np.ndarray, y: np.ndarray) -> None:
        """The whole curve so far; only the parts that changed are handed to Qt."""
        n = len(y)
        self._x, self._y = x, y
        last, phase = n - 1, self.phase
        h = (last - phase) // self.CHUNK * self.CHUNK + phase if last >= phase else 0
        body_x, body_y = x[: h + 1], y[: h + 1]
        if (h + 1 != self._body_len or not np.array_equal(body_y, self._body_y, equal_nan=True)
                or not np.array_equal(body_x, self._body_x, equal_nan=True)):
            self._body_len = h + 1
            self._body_x, self._body_y = body_x.copy(), body_y.copy()
            super().setData(body_x, body_y)
        self.tail.setData(x[h:], y[h:])

    def setData(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph's name)
        """Plain ``setData`` (an empty curve): the body and the tail both follow."""
        super().setData(*args, **kwargs)
        x, y = super().getData()
        self._x = np.zeros(0) if x is None else x
        self._y = np.zeros(0) if y is None else y
        self._body_len = -1
        self.tail.setData([], [])

    def getData(self):  # noqa: N802
        return self._x, self._y

    if pyqtgraph_private_ok():
        # PlotCurveItem draws what getData returns; the body item draws only the body. An
        # undocumented hook (docs/private-api.md): on another pyqtgraph the body draws the
        # whole curve as it was at its last update, under the tail: the same picture.
        def generatePath(self, x, y):  # noqa: N802 (pyqtgraph's name)
            return super().generatePath(*pg.PlotCurveItem.getData(self))

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        data = pg.PlotCurveItem.getData(self)[0 if ax == 0 else 1]
        if data is None:
            return None, None
        data = data[np.isfinite(data)]
        return (float(data.min()), float(data.max())) if data.size else (None, None)

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802
        super().setPen(*args, **kwargs)
        self.tail.setPen(*args, **kwargs)

    def setZValue(self, z) -> None:  # noqa: N802
        super().setZValue(z)
        self.tail.setZValue(z)
