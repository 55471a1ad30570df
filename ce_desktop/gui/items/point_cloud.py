"""Many points of a few colours, drawn as round dots of a fixed size on screen, with an outline.

``ScatterPlotItem`` keeps a record per point (symbol, pen, brush, data) and, given an array of
brushes, looks each one up; for 10,000 points whose positions change on a drag that is many
milliseconds. This item keeps the points in one array, groups them by colour once per change
of the colours (hard labels: at most 10 groups; soft labels are blended and their colours
quantised to 16 levels a channel), and paints each group with one ``drawPoints`` call of a
wide round-capped cosmetic pen.

Drawing 10,000 such dots with Qt's raster engine takes ~60 ms (antialiased wide points are
stroked one by one). So the dots are stamped instead: an atlas holds one pre-drawn disc for the
outline and one per colour, and a paint is two passes of one ``drawPixmapFragments`` call over
the points' device positions (outlines first, then the fills, as before): ~3 ms for 10,000. The
fragments are kept while the points and the view's transform stay (every frame of a run), and
the item caches its picture in device coordinates, so a frame that repaints the regions under
it blits the points rather than drawing them. The fragments live in pyqtgraph's undocumented
``Qt.internals.PrimitiveArray`` (as its ``ScatterPlotItem`` does; docs/private-api.md); on
another pyqtgraph the dots are drawn with the wide pen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.items.pixel_padded import PixelPadded
from ce_desktop.gui.items.polyline import polygon
from ce_desktop.gui.private_api import pyqtgraph_private_ok

#: Stamp the dots from an atlas through pyqtgraph's PrimitiveArray (docs/private-api.md).
_STAMPED = pyqtgraph_private_ok()
#: Device coordinates are clipped to this before Qt sees them (it misdraws beyond).
_DEVICE_LIMIT = 2.0**30
#: Discs per row of the atlas (soft labels can make a few thousand colours).
ATLAS_COLUMNS = 64


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
        self._stamped = _STAMPED
        self._sorted = np.zeros((0, 2))  # the points in group order (the fill pass)
        self._source_cell = np.zeros((0, 2))  # each sorted point's fill disc in the atlas (column, row)
        self._atlas: QtGui.QPixmap | None = None
        self._atlas_key: tuple | None = None
        # pyqtgraph's PrimitiveArray (untyped): numpy memory that drawPixmapFragments reads
        self._fragments: Any = pg.Qt.internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10) if _STAMPED else None
        self._fragments_key: tuple | None = None
        # The points do not move during a run: a frame repaints the regions under them and
        # blits this item's cached picture (redrawn when the points, their look or the view change).
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # ------------------------------------------------------------------ data

    @property
    def count(self) -> int:
        """How many points it draws."""
        return len(self._points)

    @property
    def size_px(self) -> float:
        return self._size

    def set_size(self, size_px: float) -> None:
        self._size = float(size_px)
        self._atlas_key = self._fragments_key = None
        self.viewTransformChanged()
        self.update()

    def set_outline(self, colour) -> None:
        self._outline = QtGui.QColor(colour)
        self._atlas_key = None
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
        self._polys = []
        self._sorted = np.zeros((0, 2))
        self._fragments_key = None
        if len(self._colours) == len(pts) and len(pts):
            if self._stamped:
                order = np.concatenate([idx for _, idx in self._groups])
                self._sorted = pts[order]
                cell = np.repeat(np.arange(1, len(self._groups) + 1), [len(idx) for _, idx in self._groups])
                self._source_cell = np.stack([cell % ATLAS_COLUMNS, cell // ATLAS_COLUMNS], axis=1).astype(float)
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
        if self._stamped:
            self._paint_stamped(p)
        elif self._polys:
            self._paint_pen(p)

    def _cell(self, dpr: float) -> int:
        """The side of one disc's square in the atlas, device pixels."""
        return int(np.ceil((self._size + 2.0) * dpr)) + 2

    def _make_atlas(self, dpr: float) -> QtGui.QPixmap:
        """The outline disc, then one disc per colour group, :data:`ATLAS_COLUMNS` to a row."""
        key = (dpr, self._size, self._outline.rgba(), tuple(c.rgba() for c, _ in self._groups))
        if self._atlas is not None and key == self._atlas_key:
            return self._atlas
        s = self._cell(dpr)
        cells = len(self._groups) + 1
        atlas = QtGui.QPixmap(s * min(cells, ATLAS_COLUMNS), s * -(-cells // ATLAS_COLUMNS))
        atlas.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(atlas)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for k, (colour, d) in enumerate([(self._outline, self._size + 2.0)] +
                                        [(c, self._size) for c, _ in self._groups]):
            p.setBrush(colour)
            r = d * dpr / 2.0
            col, row = k % ATLAS_COLUMNS, k // ATLAS_COLUMNS
            p.drawEllipse(QtCore.QPointF(col * s + s / 2.0, row * s + s / 2.0), r, r)
        p.end()
        atlas.setDevicePixelRatio(1.0)  # the fragments are scaled by 1/dpr themselves
        self._atlas, self._atlas_key = atlas, key
        self._fragments_key = None
        return atlas

    def _paint_stamped(self, p: QtGui.QPainter) -> None:
        n = len(self._sorted)
        if not n:
            return
        dev = p.device()
        dpr = float(dev.devicePixelRatioF()) if dev is not None else 1.0
        atlas = self._make_atlas(dpr)
        t = p.transform()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), dpr)
        frags = self._fragments
        if key != self._fragments_key:
            s = float(self._cell(dpr))
            pts, srt = self._points, self._sorted
            frags.resize(2 * n)
            f = frags.ndarray()
            for rows, xy in ((f[:n], pts), (f[n:], srt)):
                np.clip(t.m11() * xy[:, 0] + t.m21() * xy[:, 1] + t.dx(), -_DEVICE_LIMIT, _DEVICE_LIMIT, out=rows[:, 0])
                np.clip(t.m12() * xy[:, 0] + t.m22() * xy[:, 1] + t.dy(), -_DEVICE_LIMIT, _DEVICE_LIMIT, out=rows[:, 1])
            f[:n, 2:4] = 0.0
            f[n:, 2:4] = s * self._source_cell
            f[:, 4:6] = s
            f[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)  # scale x, scale y, rotation, opacity
            self._fragments_key = key
        p.save()
        p.resetTransform()
        draw: Any = p.drawPixmapFragments  # the (pointer, count, pixmap) overload, which the stubs lack
        draw(*frags.drawargs(), atlas)
        p.restore()

    def _paint_pen(self, p: QtGui.QPainter) -> None:
        """The dots stroked with a wide round-capped pen (where the atlas cannot be used)."""
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
