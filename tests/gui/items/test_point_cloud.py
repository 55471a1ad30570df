"""PointCloud: the stamped dots (an atlas through drawPixmapFragments) are the picture the wide pen draws."""

import numpy as np
import pyqtgraph as pg
import pytest
from conftest import settle, show_view
from PySide6 import QtGui

from ce_desktop.gui.items import point_cloud
from ce_desktop.gui.items.point_cloud import PointCloud

COLOURS = np.array([[230, 20, 20], [20, 160, 40], [30, 60, 220]], dtype=np.uint8)


def _render(qtbot, stamped: bool, points, labels) -> np.ndarray:
    view = show_view(qtbot, pg.PlotWidget(), size=(300, 300))
    view.setBackground("w")
    pi = view.getPlotItem()
    pi.hideAxis("left")
    pi.hideAxis("bottom")
    pi.getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    item = PointCloud(9.0)
    item._stamped = stamped and point_cloud._STAMPED
    pi.addItem(item, ignoreBounds=True)
    item.set_outline("#000000")
    item.set_data(points, COLOURS[labels])
    settle()
    img = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : 3 * img.width()]
    out = arr.reshape(img.height(), img.width(), 3).copy()
    centres = [view.mapFromScene(pi.getViewBox().mapViewToScene(pg.Point(*p))) for p in points]
    return out, [(c.x(), c.y()) for c in centres]


@pytest.mark.skipif(not point_cloud._STAMPED, reason="this pyqtgraph is not one the atlas was written for")
def test_stamped_dots_match_the_pen_drawn_ones(qtbot):
    rng = np.random.default_rng(1)
    points = rng.uniform(1, 9, (40, 2))
    labels = rng.integers(0, 3, 40)
    stamped, centres = _render(qtbot, True, points, labels)
    pen, _ = _render(qtbot, False, points, labels)
    # Each dot's centre has its class's colour in both pictures (a later dot may cover an earlier one).
    top = {}
    for k, (x, y) in enumerate(centres):
        top[(int(x), int(y))] = k
    for (x, y), k in top.items():
        for img in (stamped, pen):
            assert np.abs(img[y, x].astype(int) - COLOURS[labels[k]]).max() <= 40, (k, img[y, x])
    # The pictures agree but for antialiased edges (a stamp sits on whole pixels, the pen on
    # the exact position): few pixels differ much, and those only at the dots' rims.
    differs = np.abs(stamped.astype(int) - pen.astype(int)).max(axis=2) > 100
    inked = pen.astype(int).sum(axis=2) < 700
    assert differs.sum() < 0.25 * inked.sum()
    # Outlines are drawn under every fill: black shows around the dots, as the pen draws it.
    dark_stamped, dark_pen = int((stamped.sum(axis=2) < 60).sum()), int((pen.sum(axis=2) < 60).sum())
    assert dark_pen > 0 and 0.3 * dark_pen < dark_stamped < 1.5 * dark_pen  # a 1 px ring, antialiased

