"""Bar charts: the shared plot set-up, and the draggable editors for y, ŷ and the logits z.

* :class:`BarChart` is a ``PlotWidget`` built once with fixed axis ranges, class-name
  ticks and one value label per bar; subclasses feed numbers to their
  :class:`~ce_desktop.gui.items.column_bars.ColumnBars` (the bars, grabbed by their whole
  column) and the :class:`~ce_desktop.gui.items.value_labels.BarLabels`.
* :class:`TargetEditor`, :class:`PredictionEditor` (probabilities or logits) and
  :class:`SoftmaxView` (ŷ = softmax(z / T) beside the logits) read the
  :class:`~ce_desktop.gui.state.ExplorerState` and write only through its setters. One whole
  drag is one undo step (``state.begin`` / ``state.commit``); several mouse moves that
  arrive within one frame are folded into one state change.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.model import formatting as fmt
from ce_desktop.gui import plain_text
from ce_desktop.model.scenario import ScenarioError
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.items.axis_range import nice_ceiling
from ce_desktop.gui.items.column_bars import ColumnBars
from ce_desktop.gui.items.value_labels import BarLabel, BarLabels
from ce_desktop.gui.views.accessible import IdleTexts
from ce_desktop.gui.views.class_text import describe, short_name
from ce_desktop.gui.views.inline_editor import ClassNameEditor
from ce_desktop.gui.views.plotgrid import GridPlotWidget
from ce_desktop.gui.views.plots import fix_plot, make_title_shrinkable, quiet_hover_while_dragging

#: Past this many classes the per-bar value labels are hidden (values stay in tooltips/table).
MAX_LABELLED_CLASSES = 12
#: Past this many bars no label items are made at all: they would be hidden, and making
#: thousands of text items takes seconds (1000 classes).
MAX_LABEL_ITEMS = 50
#: Unnamed classes get a short tick mark on the class axis only where the marks are at least
#: this many pixels apart.
MIN_MINOR_TICK_PX = 4.0
#: Largest |logit| a drag can set.
MAX_DRAG_LOGIT = 1000.0

# Aspects of state.changed after which each kind of view must refresh.
TARGET_ASPECTS = frozenset({"target", "classes", "scenario"})
PREDICTION_ASPECTS = frozenset({"prediction", "classes", "scenario", "settings"})


class BarChart(IdleTexts, GridPlotWidget):
    """A bar plot built once: fixed ranges, no pan/zoom, class-name ticks, value labels.

    Subclasses create their ``ColumnBars`` in ``__init__``, then feed numbers in
    ``refresh()``; ``apply_theme`` restyles items without touching data.
    """

    #: Emitted with a short message for the status bar (e.g. an edit that was refused).
    message = QtCore.Signal(str)

    title_text = ""
    #: The state aspects this plot draws; changes of other aspects are ignored.
    RELEVANT: frozenset = frozenset()

    def _relevant(self, aspects) -> bool:
        return bool(aspects & self.RELEVANT)

    def _on_state_changed(self, aspects) -> None:
        """A new class count or names re-make the per-class pieces; anything else only feeds numbers."""
        if self._relevant(aspects):
            if self.state.num_classes != self._n or aspects & {"classes", "scenario"}:
                self._rebuild()
            else:
                self.refresh()

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
        self.setMinimumSize(160, 80)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)

    # ------------------------------------------------------------ building blocks

    def plot_item(self) -> pg.PlotItem:
        return self.getPlotItem()

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
        old = getattr(self, "_name_editor", None)
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
        widest = max(fm.horizontalAdvance(t) for t in labels) + fm.horizontalAdvance("  ")
        per_class = max(1e-3, (self.width() - 60) / max(n, 1))  # pixels per class (can be < 1)
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

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
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
            if values != getattr(self, "_prob_tick_values", None):
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
        vb_w = self.getPlotItem().getViewBox().width()
        width = float(vb_w) if vb_w > 20 else max(60.0, self.width() - 60.0)
        need = QtGui.QFontMetrics(self._label_font).horizontalAdvance(self.label_sample()) + 4
        return need <= width / max(self._n, 1)

    def _refit_labels(self) -> None:
        """After a new width or label font: show or hide the labels, and redraw if that changed."""
        fits = self._labels_fit()
        if fits != self._show_labels:
            self._show_labels = fits
            for t in self._labels:
                t.setVisible(fits)
            self.refresh()

    def _label_size(self) -> float:
        n = max(self._n, 1)
        base = 17 if n <= 4 else 14 if n <= 8 else 11
        return self.theme.font_px(base) * self._short_plot_factor()

    def _plot_px(self) -> float:
        """The height of the data area in pixels (estimated before the first layout)."""
        vb_h = self.getPlotItem().getViewBox().height()
        return float(vb_h) if vb_h > 20 else max(60.0, self.height() - 70.0)

    def _short_plot_factor(self) -> float:
        """Value labels shrink (to 70 %) on plots shorter than 170 pixels."""
        return max(0.7, min(1.0, self._plot_px() / 170.0))

    def _update_label_font(self) -> None:
        px = int(round(self._label_size()))
        if px == self._label_font.pixelSize():
            return
        self._label_font = QtGui.QFont()
        self._label_font.setPixelSize(px)
        self._label_font.setBold(True)
        for t in self._labels:
            t.setFont(self._label_font)

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

    def _set_title(self, html: str, lines: int = 1) -> None:
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
        self._label_font.setPixelSize(int(round(self._label_size())))
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


# --------------------------------------------------------------------------- editors


class BarEditor(BarChart):
    """A bar chart whose bars are dragged with the mouse or nudged with the keyboard.

    Keyboard (when the plot has focus): Left/Right choose the bar, Up/Down nudge it by
    1/20 of the range (with Shift: 1/200), Home/End set it to the bottom/top of the range
    (0 and 1 for probabilities).
    """

    quantity = "target"
    undo_prefix = "Drag target"

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.focused_bar = 0
        self._pending: tuple[int, float] | None = None
        self._drag_index: int | None = None
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush)
        self.bars = ColumnBars(state.num_classes)
        self.getPlotItem().addItem(self.bars)
        self._focus_box = pg.BarGraphItem(x=[0], height=[0], width=0.86, pen=pg.mkPen("k"), brush=None)
        self._focus_box.setVisible(False)
        self.getPlotItem().addItem(self._focus_box)
        self.bars.sigDragStarted.connect(self._on_drag_started)
        self.bars.sigDragged.connect(self._on_dragged)
        self.bars.sigDragFinished.connect(self._on_drag_finished)
        self.bars.sigClicked.connect(self._on_bar_clicked)
        self.bars.sigHovered.connect(self._on_hovered)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(220, 100)
        state.changed.connect(self._on_state_changed)
        self._rebuild()

    # ------------------------------------------------------------ what is edited (subclasses)

    def values(self) -> np.ndarray:
        return self.state.target

    def value_range(self) -> tuple[float, float]:
        """The range a bar's value can take (keyboard steps are fractions of it)."""
        return (0.0, 1.0)

    def _write(self, index: int, value: float, label: str) -> None:
        self.state.set_target_value(index, value, label)

    def _relevant(self, aspects) -> bool:
        return bool(aspects & TARGET_ASPECTS)

    def _format(self, v: float) -> str:
        return fmt.number(v, 3) if self._n <= 4 else fmt.compact(v, 2)

    def label_sample(self) -> str:
        return self._format(0.555)

    def _clip(self, v: float) -> float:
        lo, hi = self.value_range()
        return min(max(v, lo), hi)

    # ------------------------------------------------------------ refresh

    def _rebuild(self) -> None:
        """Class count or names changed: re-make the per-class pieces, then refresh."""
        n = self.state.num_classes
        if n != self.bars.count:
            self.bars.set_count(n)
        self.focused_bar = min(self.focused_bar, n - 1)
        self._set_x_classes(n)
        self._ensure_labels(n)
        self.apply_theme(self.theme)
        self.refresh()

    def _y_limits(self, values: np.ndarray) -> tuple[float, float]:
        return (0.0, max(1.1, self.headroom()))

    def refresh(self) -> None:
        """Feed the current numbers to the items (no item is created here)."""
        v = self.values()
        lo, hi = self._y_limits(v)
        probabilities = lo == 0.0
        if probabilities != getattr(self, "_prob_ticks", None):
            self._prob_ticks = probabilities
            self._set_probability_ticks(probabilities)
        self._set_y_range(lo, hi)
        self.bars.set_values(v)
        if self._show_labels:
            for i, value in enumerate(v):
                self._place_label(i, i, float(value), self._format(value), below=value < 0)
        self._update_focus_box()
        self._update_accessible()
        self._update_title()

    def _on_y_range_changed(self) -> None:
        self.bars.set_hit_range(*self._yrange)

    def _update_focus_box(self) -> None:
        show = self.hasFocus()
        self._focus_box.setVisible(show)
        if show:
            lo, hi = self._yrange
            pad = 0.015 * (hi - lo)
            self._focus_box.setOpts(x=[self.focused_bar], y0=[lo + pad], height=[hi - lo - 2 * pad])

    def _update_accessible(self) -> None:
        self.when_idle("description", self._describe)

    def _describe(self) -> None:
        names = self.state.class_names
        self.setAccessibleDescription(
            describe(names, self.values(), fmt.number)
            + f". Selected: {names[self.focused_bar]}. Up/Down change it, Left/Right choose another bar."
        )

    def bar_tooltip(self, i: int) -> str:
        name = self.state.class_names[i]
        return f"{name}: {self._symbol()} = {fmt.number(self.values()[i])}\nDrag the bar, or select it and use ↑/↓"

    def _symbol(self) -> str:
        return "y"

    # ------------------------------------------------------------ theme

    def _restyle(self) -> None:
        t = self.theme
        self.bars.setOpts(pen=pg.mkPen(t.foreground if not t.dark else t.background, width=t.bar_pen_width),
                          brush=pg.mkBrush(t.color(self.quantity)))
        self._focus_box.setOpts(pen=pg.mkPen(t.foreground, width=max(2.0, t.line_width),
                                             style=QtCore.Qt.PenStyle.DashLine), brush=None)

    # ------------------------------------------------------------ dragging

    def _label(self, index: int) -> str:
        return f"{self.undo_prefix}: {self.state.class_names[index]}"

    def _on_drag_started(self, index: int) -> None:
        self._drag_index = index
        self.focused_bar = index
        self.state.begin(self._label(index))

    def _on_dragged(self, index: int, y: float) -> None:
        self._pending = (index, self._clip(y))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        """Apply the latest pointer position (several moves in one frame become one change)."""
        self._flush_timer.stop()
        if self._pending is None:
            return
        index, value = self._pending
        self._pending = None
        try:
            self._write(index, value, self._label(index))
        except ScenarioError as exc:
            self.message.emit(str(exc))

    def _on_drag_finished(self, index: int) -> None:
        self._flush()
        self._drag_index = None
        self.state.commit()
        self._after_drag()

    def _after_drag(self) -> None:
        """Hook: e.g. the logits editor refits its range once the drag is over."""

    def _on_bar_clicked(self, index: int) -> None:
        self.focused_bar = index
        self.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
        self._update_focus_box()

    def _on_hovered(self, index: int) -> None:
        self.bars.setToolTip(plain_text.tooltip(self.bar_tooltip(index)) if index >= 0 else "")

    # ------------------------------------------------------------ keyboard

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        key = ev.key()
        K = QtCore.Qt.Key
        n = self.state.num_classes
        lo, hi = self.value_range()
        i = self.focused_bar
        current = float(self.values()[i])
        fine = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier)
        step = (hi - lo) / (200.0 if fine else 20.0)
        new = None
        if key == K.Key_Left:
            self.focused_bar = max(0, i - 1)
        elif key == K.Key_Right:
            self.focused_bar = min(n - 1, i + 1)
        elif key == K.Key_Up:
            new = current + step
        elif key == K.Key_Down:
            new = current - step
        elif key == K.Key_Home:
            new = lo
        elif key == K.Key_End:
            new = hi
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()
        if new is not None:
            new = self._clip(new)
            try:
                self._write(i, new, f"{self._key_label()}: {self.state.class_names[i]}")
            except ScenarioError as exc:
                self.message.emit(str(exc))
        self._update_focus_box()
        self._update_accessible()

    def _key_label(self) -> str:
        return "Set target"

    def focusInEvent(self, ev) -> None:
        super().focusInEvent(ev)
        self._update_focus_box()

    def focusOutEvent(self, ev) -> None:
        super().focusOutEvent(ev)
        self._update_focus_box()


class TargetEditor(BarEditor):
    """The target distribution y (after label smoothing), dragged bar by bar."""

    quantity = "target"
    undo_prefix = "Drag target"

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.setAccessibleName("Target y editor")
        self.bars.sigDoubleClicked.connect(self._on_double_clicked)

    def _update_title(self) -> None:
        eps = self.state.label_smoothing
        extra = f"  (label smoothing ε = {fmt.number(eps, 2)})" if eps > 0 else ""
        self._set_title(self._swatch("target", f"<b>Target y</b>{extra}"))

    def bar_tooltip(self, i: int) -> str:
        return super().bar_tooltip(i) + "\nDouble-click: make it the true class (one-hot)"

    def _on_double_clicked(self, index: int) -> None:
        try:
            self.state.set_true_class(index)
        except ScenarioError as exc:
            self.message.emit(str(exc))


class PredictionEditor(BarEditor):
    """The prediction ŷ, edited as probabilities or (in logits mode) as logits z."""

    quantity = "prediction"

    def __init__(self, state, parent=None):
        self._logit_limit = 5.0
        super().__init__(state, parent)
        self.setAccessibleName("Prediction editor")

    @property
    def logits_mode(self) -> bool:
        return self.state.logits_mode

    @property
    def undo_prefix(self) -> str:  # type: ignore[override]
        return "Drag logit" if self.logits_mode else "Drag prediction"

    def _key_label(self) -> str:
        return "Set logit" if self.logits_mode else "Set prediction"

    def values(self) -> np.ndarray:
        return self.state.display_logits() if self.logits_mode else self.state.prediction

    def value_range(self) -> tuple[float, float]:
        if self.logits_mode:
            return (-self._logit_limit, self._logit_limit)
        return (0.0, 1.0)

    def _clip(self, v: float) -> float:
        if self.logits_mode:
            return min(max(v, -MAX_DRAG_LOGIT), MAX_DRAG_LOGIT)
        return super()._clip(v)

    def _write(self, index: int, value: float, label: str) -> None:
        if self.logits_mode:
            self.state.set_logit(index, value, label)
        else:
            self.state.set_prediction_value(index, value, label)

    def _relevant(self, aspects) -> bool:
        return bool(aspects & PREDICTION_ASPECTS)

    def _symbol(self) -> str:
        return "z" if self.logits_mode else "ŷ"

    def _format(self, v: float) -> str:
        if self.logits_mode:
            return fmt.number(v, 2 if self._n <= 8 else 1)
        return super()._format(v)

    def label_sample(self) -> str:
        return self._format(-5.555 if self.logits_mode else 0.555)

    def _y_limits(self, values: np.ndarray) -> tuple[float, float]:
        if not self.logits_mode:
            return (0.0, max(1.1, self.headroom()))
        finite = values[np.isfinite(values)]
        need = float(np.max(np.abs(finite))) if finite.size else 0.0
        limit = self._logit_limit
        # The range never moves under a dragging pointer (the bar would run away from it);
        # it is refitted when the drag ends.
        dragging = self._drag_index is not None
        if not dragging and (need > limit * 0.92 or (need < limit / 4 and limit > 5.0)):
            limit = max(5.0, nice_ceiling(need * 1.3))
        self._logit_limit = limit
        # Headroom for the value labels above/below the bars.
        half = limit * max(1.1, self.headroom(2))
        return (-half, half)

    def _after_drag(self) -> None:
        self.refresh()

    def _restyle(self) -> None:
        super()._restyle()
        t = self.theme
        if self.logits_mode:
            # Logits are not probabilities: same hue, hatched, so they are not mistaken for ŷ.
            brush = QtGui.QBrush(t.color("prediction"), QtCore.Qt.BrushStyle.BDiagPattern)
            self.bars.setOpts(brush=brush, pen=pg.mkPen(t.prediction, width=max(2.0, t.bar_pen_width)))

    def _on_state_changed(self, aspects) -> None:
        if "settings" in aspects or "scenario" in aspects:
            # The mode may have switched: restyle and re-range before feeding numbers (logit
            # labels are wider than probabilities).
            self._restyle()
            if self.state.num_classes == self._n:
                self._refit_labels()
        super()._on_state_changed(aspects)

    def _update_title(self) -> None:
        if self.logits_mode:
            t = self.state.temperature
            temp = f" (T = {fmt.plain(t, 2)})" if t != 1.0 else ""
            self._set_title(self._swatch("prediction", f"<b>Logits z</b>{temp}"))
        else:
            self._set_title(self._swatch("prediction", "<b>Prediction ŷ</b>"))


class SoftmaxView(BarChart):
    """ŷ = softmax(z / T), shown beside the logits editor (visible in logits mode only)."""

    RELEVANT = PREDICTION_ASPECTS

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.bars = ColumnBars(state.num_classes, draggable=False)
        self.getPlotItem().addItem(self.bars)
        self.bars.sigHovered.connect(self._on_hovered)
        self.setAccessibleName("Prediction from the logits")
        self.setMinimumSize(140, 100)
        state.changed.connect(self._on_state_changed)
        self._rebuild()

    def _rebuild(self) -> None:
        n = self.state.num_classes
        if n != self.bars.count:
            self.bars.set_count(n)
        self._set_x_classes(n)
        self._ensure_labels(n)
        self._set_probability_ticks(True)
        self.apply_theme(self.theme)
        self.refresh()

    def refresh(self) -> None:
        self.setVisible(self.state.logits_mode)
        if not self.state.logits_mode:
            return
        top = max(1.1, self.headroom())
        self._set_y_range(0.0, top)
        self.bars.set_hit_range(0.0, top)
        p = self.state.prediction
        self.bars.set_values(p)
        if self._show_labels:
            for i, v in enumerate(p):
                self._place_label(i, i, float(v), fmt.number(v, 2))
        self.when_idle("description", lambda: self.setAccessibleDescription(
            "ŷ = softmax(z/T): " + fmt.class_values(self.state.class_names, self.state.prediction)))
        self._update_title()

    def _on_hovered(self, index: int) -> None:
        if index >= 0:
            name = self.state.class_names[index]
            self.bars.setToolTip(plain_text.tooltip(f"{name}: ŷ = {fmt.number(self.state.prediction[index])}"))

    def _restyle(self) -> None:
        t = self.theme
        self.bars.setOpts(pen=pg.mkPen(t.foreground if not t.dark else t.background, width=t.bar_pen_width),
                          brush=pg.mkBrush(t.color("prediction")))

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if getattr(self, "_n", 0):
            self._update_title()

    def _update_title(self) -> None:
        # The formula only where it fits (large text beside the logits editor): never a clipped title.
        key = (self.width(), self.theme.font_px(15))
        if key != getattr(self, "_title_fit_key", None):  # measured once per size, not per update
            font = QtGui.QFont()
            font.setPixelSize(key[1])
            font.setBold(True)
            self._title_fit_key = key
            self._title_fits = QtGui.QFontMetrics(font).horizontalAdvance("■ ŷ = softmax(z/T)") + 12 <= key[0]
        wide = self._title_fits
        self._set_title(self._swatch("prediction", "<b>ŷ</b> = softmax(z/T)" if wide else "<b>ŷ</b>"))
