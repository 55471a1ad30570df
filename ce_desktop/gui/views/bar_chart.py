"""The plot base of every bar view: a ``PlotWidget`` built once for the classes of a state.

:class:`BarPlot` has fixed ranges (no pan or zoom, :func:`~ce_desktop.gui.views.plots.fix_plot`),
class-name ticks that never overlap, one value label per bar (drawn by one
:class:`~ce_desktop.gui.items.value_labels.BarLabels`), a title, probability ticks, a theme,
and an inline editor that renames a class from its axis. It reads the state's class names and
writes only through ``state.rename_class``; which state changes a view follows is the
subclass's business (:class:`~ce_desktop.gui.views.editors.BarChart` and the views built on it).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.items.axis_range import nice_ceiling
from ce_desktop.gui.items.value_labels import BarLabel, BarLabels
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.accessible import IdleTexts
from ce_desktop.gui.views.class_text import short_name
from ce_desktop.gui.views.inline_editor import ClassNameEditor
from ce_desktop.gui.views.plotgrid import GridPlotWidget
from ce_desktop.gui.views.plots import fix_plot, make_title_shrinkable, quiet_hover_while_dragging
from ce_desktop.model import formatting as fmt
from ce_desktop.model.scenario import ScenarioError

#: Past this many classes the per-bar value labels are hidden (values stay in tooltips/table).
MAX_LABELLED_CLASSES = 12
#: Past this many bars no label items are made at all: they would be hidden, and making
#: thousands of text items takes seconds (1000 classes).
MAX_LABEL_ITEMS = 50
#: Value labels too wide for their bars shrink, to this share of their size at the least,
#: before they are hidden (a projector's large labels on a narrow plot).
MIN_LABEL_SHARE = 0.6
#: Unnamed classes get a short tick mark on the class axis only where the marks are at least
#: this many pixels apart.
MIN_MINOR_TICK_PX = 4.0


class BarPlot(IdleTexts, GridPlotWidget):
    """A bar plot built once: fixed ranges, no pan/zoom, class-name ticks, value labels.

    Subclasses create their ``ColumnBars`` in ``__init__``, then feed numbers in
    ``refresh()``; ``apply_theme`` restyles items without touching data. A subclass
    declares the ``message`` signal (a short text for the status bar: a refused rename)
    and may set ``title_text``.
    """

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
        self._name_editor: ClassNameEditor | None = None  # the open inline editor of a class name
        self._prob_tick_values: tuple[float, ...] | None = None  # the left axis's ticks, when set here
        pi = fix_plot(self, cache_axes=True)
        self.show_grid(y=True, alpha=0.25)
        pi.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        make_title_shrinkable(pi.titleLabel)
        quiet_hover_while_dragging(self.scene())
        # The title, like the axes, is drawn once into a pixmap, not re-rendered per update.
        pi.titleLabel.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
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
        # Which class names fit depends on the plot area's width, which also changes when the
        # left axis grows with the text.
        pi.getViewBox().sigResized.connect(self._on_area_resized)
        self.setMinimumSize(160, 80)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)

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
        old = self._name_editor
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
        widest = max(fm.horizontalAdvance(t) for t in labels) + fm.horizontalAdvance(" ")  # a space between
        # Pixels per class (can be < 1), from the plot area once it is laid out: the left axis
        # grows with the text, so the widget's width less a fixed margin overstated it at 150 %
        # and understated it at 100 %.
        area = self.getPlotItem().getViewBox().width()
        shown = n + 0.2  # the x range is -0.6 .. n - 0.4
        per_class = max(1e-3, (area if area > 0 else self.width() - 60) / max(shown, 1))
        stride = int(nice_ceiling(widest / per_class))
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
            self.set_ticks("bottom", [ticks, minor])

    def _on_area_resized(self, *_args) -> None:
        if getattr(self, "_n", 0):
            self._set_ticks()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        forms = getattr(self, "_title_forms", None)
        if forms is not None and forms[2] is not None:
            self._set_title(*forms)
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
        self._prob_ticks_on = on
        if on:
            # Quarters where a label fits between two ticks, else halves (large text, short plot).
            span = max(1e-9, self._yrange[1] - self._yrange[0])
            room = 0.25 / span * self._plot_px()
            values = (0.0, 0.25, 0.5, 0.75, 1.0) if room >= 1.25 * self._tick_font.pixelSize() else (0.0, 0.5, 1.0)
            if values != self._prob_tick_values:
                self._prob_tick_values = values
                self.set_ticks("left", [[(v, fmt.plain(v, 2)) for v in values], []])
        else:
            self._prob_tick_values = None
            self.set_ticks("left", None)

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
        return self._label_width(self._label_font) <= self._label_room()

    def _refit_labels(self) -> None:
        """After a new width or label font: the labels' size, whether they show, and a redraw
        if either changed."""
        resized = self._update_label_font()
        fits = self._labels_fit()
        if fits != self._show_labels:
            self._show_labels = fits
            for t in self._labels:
                t.setVisible(fits)
            self.refresh()
        elif resized:
            self.refresh()  # the headroom above the bars follows the label size

    def _label_size(self) -> float:
        n = max(self._n, 1)
        base = 17 if n <= 4 else 14 if n <= 8 else 11
        return self.theme.font_px(base) * self._short_plot_factor()

    def _label_room(self) -> float:
        """The width in pixels one value label may take (a bar's share of the data area)."""
        vb_w = self.getPlotItem().getViewBox().width()
        width = float(vb_w) if vb_w > 20 else max(60.0, self.width() - 60.0)
        return width / max(self._n, 1)

    def _fitted_label_px(self) -> int:
        """The value labels' size: :meth:`_label_size`, shrunk where the widest likely label
        would not fit its room, but to no less than MIN_LABEL_SHARE of it (below that the
        labels are hidden instead: see :meth:`_labels_fit`)."""
        nominal = self._label_size()
        px = max(6, int(round(nominal)))
        floor = max(6, int(math.ceil(nominal * MIN_LABEL_SHARE)))
        room = self._label_room()
        font = QtGui.QFont()
        font.setBold(True)
        while px > floor:
            font.setPixelSize(px)
            if self._label_width(font) <= room:
                break
            px -= 1
        return px

    def _label_width(self, font: QtGui.QFont) -> float:
        """The room the widest likely label needs in ``font``, with a gap to the next one."""
        return QtGui.QFontMetrics(font).horizontalAdvance(self.label_sample()) + max(4.0, 0.4 * font.pixelSize())

    def _plot_px(self) -> float:
        """The height of the data area in pixels (estimated before the first layout)."""
        vb_h = self.getPlotItem().getViewBox().height()
        return float(vb_h) if vb_h > 20 else max(60.0, self.height() - 70.0)

    def _short_plot_factor(self) -> float:
        """Value labels shrink (to 70 %) on plots shorter than 170 pixels."""
        return max(0.7, min(1.0, self._plot_px() / 170.0))

    def _update_label_font(self) -> bool:
        """The label font at :meth:`_fitted_label_px`; whether its size changed."""
        px = self._fitted_label_px()
        if px == self._label_font.pixelSize():
            return False
        self._label_font = QtGui.QFont()
        self._label_font.setPixelSize(px)
        self._label_font.setBold(True)
        for t in self._labels:
            t.setFont(self._label_font)
        return True

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

    def shown_labels(self) -> list[str]:
        """The texts of the value labels drawn now (hidden ones left out)."""
        return [t.text for t in self._labels if t.isVisible()]

    def label_colours(self) -> list[str]:
        """The colour (``#rrggbb``) of every value label, shown or not."""
        return [t.color.name() for t in self._labels]

    def label_font(self) -> QtGui.QFont:
        """The value labels' font (a copy)."""
        return QtGui.QFont(self._label_font)

    def tick_font(self) -> QtGui.QFont:
        """The class names' font on the class axis (a copy)."""
        return QtGui.QFont(self._tick_font)

    def _set_title(self, html: str, lines: int = 1, short: str | None = None) -> None:
        """Set the plot's title; ``short`` (if given) is shown instead when ``html`` is wider
        than the plot (a narrow plot, large text), so a title is never cut at the edge."""
        self._title_forms = (html, lines, short)
        if short is not None and not self._title_fits(html):
            html = short
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

    def _title_fits(self, html: str) -> bool:
        px = self.theme.font_px(15)
        key = (html, px)
        if key != getattr(self, "_title_width_key", None):  # measured once per title and text size
            font = QtGui.QFont()
            font.setPixelSize(px)
            font.setBold(True)
            text = QtGui.QTextDocumentFragment.fromHtml(html).toPlainText()
            self._title_width_key = key
            self._title_width = QtGui.QFontMetrics(font).horizontalAdvance(text)
        return self._title_width + 24 <= self.width()

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
        self._label_font.setPixelSize(self._fitted_label_px())
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


class BarChart(BarPlot):
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

    def follow_state(self) -> None:
        """Draw the ``RELEVANT`` aspects as they change, and refit the ranges held still during
        a gesture (a drag, a run) when it ends."""
        self.state.connect_aspects(self._on_state_changed, *self.RELEVANT)
        self.state.gestureFinished.connect(self._on_gesture_finished)

    def _on_gesture_finished(self) -> None:
        if self._n == self.state.num_classes:
            self.refresh()
