"""Building and styling plots: the one set-up every plot of the app goes through.

* :func:`fix_plot` makes a plot fixed (no pan, zoom, context menu or auto range: the views
  set their ranges themselves) and, for plots repainted every frame, keeps the axes as
  pixmaps. :func:`make_plot` builds a :class:`~ce_desktop.gui.views.plotgrid.GridPlotWidget`
  so set up; :func:`add_plot` adds one to a ``GraphicsLayoutWidget``; a view that *is* a plot
  (:class:`~ce_desktop.gui.views.editors.BarChart`) calls :func:`fix_plot` on itself.
* :func:`style_axes`, :func:`style_plot` and :func:`style_legend` apply a theme.
* :func:`make_title_shrinkable` and :func:`quiet_hover_while_dragging` rely on pyqtgraph
  internals; they are guarded by the pyqtgraph versions they were written for
  (:mod:`ce_desktop.gui.private_api`, docs/private-api.md) and do nothing on others.
"""

from __future__ import annotations

import weakref

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.private_api import pyqtgraph_private_ok
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.plotgrid import GridPlotWidget


def fix_plot(plot, cache_axes: bool = False) -> pg.PlotItem:
    """Make ``plot`` (a ``PlotWidget`` or ``PlotItem``) fixed; returns its ``PlotItem``.

    ``cache_axes`` keeps the left and bottom axes as pixmaps: they change rarely, and a plot
    repainted on every drag move or frame would otherwise draw them again each time.
    """
    pi = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    pi.setMenuEnabled(False)
    pi.hideButtons()
    pi.setMouseEnabled(x=False, y=False)
    pi.disableAutoRange()
    if cache_axes:
        for name in ("left", "bottom"):
            pi.getAxis(name).setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return pi


def make_plot(title: str = "", grid: tuple[bool, bool] = (False, False), grid_alpha: float = 0.2,
              cache_axes: bool = False, si_prefix: bool = True, **kwargs) -> GridPlotWidget:
    """A fixed :class:`GridPlotWidget` (``kwargs`` go to it, e.g. ``viewBox``), no focus.

    ``grid`` is (x, y): lines at the bottom and left axes' ticks, drawn in the cached
    background. ``si_prefix=False`` keeps the axes from rescaling their numbers (k, m, µ).
    """
    kwargs.setdefault("background", LIGHT.background)
    w = GridPlotWidget(enableMenu=False, **kwargs)  # the view box then builds no menu
    pi = fix_plot(w, cache_axes=cache_axes)
    if any(grid):
        w.show_grid(x=grid[0], y=grid[1], alpha=grid_alpha)
    if title:
        pi.setTitle(title)
    if not si_prefix:
        for name in ("left", "bottom"):
            pi.getAxis(name).enableAutoSIPrefix(False)
    w.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
    return w


def add_plot(layout: pg.GraphicsLayoutWidget, row: int, col: int) -> pg.PlotItem:
    """A fixed plot in a layout of plots, with a grid (drawn by its axes)."""
    pi = fix_plot(layout.addPlot(row=row, col=col, enableMenu=False))
    pi.showGrid(x=True, y=True, alpha=0.2)
    return pi


def style_axes(plot, theme: Theme, px: int = 12) -> None:
    """The left and bottom axes in ``theme``: pens, tick and label fonts of ``px`` (scaled)."""
    pi = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    font = QtGui.QFont()
    font.setPixelSize(theme.font_px(px))
    for name in ("left", "bottom"):
        ax = pi.getAxis(name)
        ax.setPen(pg.mkPen(theme.muted, width=1))
        ax.setTextPen(pg.mkPen(theme.foreground))
        ax.setTickFont(font)
        ax.label.setFont(font)
    if isinstance(plot, GridPlotWidget):
        plot.refresh_grid()  # the grid takes the axis pen's colour


def style_plot(plot, theme: Theme, title: str = "", left: str = "", bottom: str = "") -> None:
    """Axes, axis labels and title of a plot in ``theme``."""
    pi = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    style_axes(plot, theme)
    style = {"color": theme.foreground, "font-size": f"{theme.font_px(13)}px"}
    if left:
        pi.setLabel("left", left, **style)
    if bottom:
        pi.setLabel("bottom", bottom, **style)
    if title:
        pi.setTitle(title, color=theme.foreground, size=f"{theme.font_px(14)}px")


def style_legend(legend: pg.LegendItem, theme: Theme) -> None:
    """A legend's text in ``theme``, without a background box."""
    # No background: the plots leave headroom for the legend, and a box would fade the curves.
    legend.setLabelTextColor(theme.foreground)
    legend.setLabelTextSize(f"{theme.font_px(12)}px")
    legend.setBrush(None)
    for _, label in legend.items:
        label.setText(label.text)  # the new colour and size apply when the text is set again


def make_title_shrinkable(label: pg.LabelItem) -> bool:
    """Let a plot title be narrower than its text, so a long title never widens the plot
    past its view (which would clip the bars); the text itself is clipped instead.

    Private API (docs/private-api.md): ``LabelItem`` keeps its size hints in ``_sizeHint``
    and sets them again, from its text's width, in ``updateMin`` on every text change and
    resize. Returns whether it did (not on a pyqtgraph it was not written for).
    """
    if not pyqtgraph_private_ok():
        return False
    H = QtCore.Qt.SizeHint

    def update_min():
        b = label.itemRect()
        label.setMinimumWidth(0)
        label.setMinimumHeight(b.height())
        label._sizeHint = {H.MinimumSize: (0, b.height()), H.PreferredSize: (b.width(), b.height()),
                           H.MaximumSize: (-1, -1), H.MinimumDescent: (0, 0)}
        label.updateGeometry()

    label.updateMin = update_min
    return True


def quiet_hover_while_dragging(scene: pg.GraphicsScene) -> bool:
    """Skip pyqtgraph's hover search on mouse moves while an item is being dragged.

    During a drag pyqtgraph lets no item accept a hover, yet it still looks up every item
    near the pointer and sends each a hover event on every move: about half a millisecond
    per move, more than the rest of the move's handling. The search resumes on release.

    Private API (docs/private-api.md): replaces the scene's undocumented
    ``sendHoverEvents`` and reads its ``dragItem``. Returns whether it did.
    """
    if not pyqtgraph_private_ok():
        return False
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
    return True
