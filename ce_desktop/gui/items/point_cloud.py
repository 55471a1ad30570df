"""Many points of a few colours, drawn as round dots of a fixed size on screen, with an outline.

``ScatterPlotItem`` keeps a record per point (symbol, pen, brush, data) and, given an array of
brushes, looks each one up; for 10,000 points whose positions change on a drag that is many
milliseconds. This item keeps the points in one array, groups them by colour once per change
of the colours (hard labels: at most 10 groups; soft labels are blended and their colours
quantised to 16 levels a channel), and paints each group with one ``drawPoints`` call of a
wide round-capped cosmetic pen.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from ce_desktop.gui.items.pixel_padded import PixelPadded
from ce_desktop.gui.items.polyline import polygon


class PointCloud(PixelPadded):
    """Dots at ``points`` (N, 2), each of a colour from ``colours`` (N, 3) uint8 RGB."""

    def __init__(self, size_px: float = 7.0):
        self._size = float(size_px)
        super().__init__()
        self._points = np.zeros((0, 2))
        self._colours = np.zeros((0, 3), dtype=np.uint8)
        self._groups: list[tuple[QtGui.QColor, np.ndarray]] = []
        self._polys: list[tuple[QtGui.QColor, QtGui.QPolygonF]] = []
        self._outline = QtGui.QColor("#202020")
        self._extent: QtCore.QRectF | None = None

    # ------------------------------------------------------------------ data

    @property
    def size_px(self) -> float:
        return self._size

    def set_size(self, size_px: float) -> None:
        self._size = float(size_px)
        self.viewTransformChanged()
        self.update()

    def set_outline(self, colour) -> None:
        self._outline = QtGui.QColor(colour)
        self.update()

    def set_colours(self, colours: np.ndarray) -> None:
        """One RGB colour per point (uint8, (N, 3)); regroups the points."""
        c = np.asarray(colours, dtype=np.uint8)
        self._colours = c
        q = (c >> 4).astype(np.int32)
        keys = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if len(keys) else np.zeros(0, int)
        ends = np.r_[starts[1:], len(keys)]
        self._groups = []
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            idx = order[a:b]
            r, g, bl = (int(v) for v in c[idx[0]])
            self._groups.append((QtGui.QColor(r, g, bl), idx))
        self._rebuild()

    def set_points(self, points: np.ndarray) -> None:
        """New positions (N, 2), same colours (their number must match)."""
        pts = np.asarray(points, dtype=float)
        self._points = pts
        self._rebuild()
        extent = None
        if len(pts):
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            extent = QtCore.QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
        if extent != self._extent:
            self._extent = extent
            self.prepareGeometryChange()
            self._bounds = None

    def set_data(self, points: np.ndarray, colours: np.ndarray) -> None:
        self._points = np.asarray(points, dtype=float)
        self.set_colours(colours)
        self.set_points(points)

    def _rebuild(self) -> None:
        pts = self._points
        if len(self._colours) != len(pts):
            self._polys = []
        else:
            self._polys = [(colour, polygon(pts[idx, 0], pts[idx, 1])) for colour, idx in self._groups]
        self.update()

    # ------------------------------------------------------------------ painting

    def pad(self) -> tuple[float, float]:
        self.PAD_PX = self._size / 2 + 2
        return super().pad()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt's name)
        if self._bounds is None:
            if self._extent is None:
                self._bounds = QtCore.QRectF()
            else:
                px, py = self.pad()
                self._bounds = self._extent.adjusted(-px, -py, px, py)
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args) -> None:
        if not self._polys:
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        outline = QtGui.QPen(self._outline, self._size + 2.0)
        outline.setCosmetic(True)
        outline.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        p.setPen(outline)
        for _, poly in self._polys:
            p.drawPoints(poly)
        for colour, poly in self._polys:
            pen = QtGui.QPen(colour, self._size)
            pen.setCosmetic(True)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawPoints(poly)


def blend(targets: np.ndarray, class_rgb: np.ndarray) -> np.ndarray:
    """Each point's colour: its label's mix of the class colours (N, 3) uint8."""
    t = np.asarray(targets, dtype=float)
    return np.clip(np.rint(t @ class_rgb), 0, 255).astype(np.uint8)


def rgb(colours) -> np.ndarray:
    """Colours (names or QColors) as an (n, 3) float array of 0..255."""
    out = []
    for c in colours:
        q = QtGui.QColor(c)
        out.append((q.red(), q.green(), q.blue()))
    return np.array(out, dtype=float)


__all__ = ["PointCloud", "blend", "rgb"]
