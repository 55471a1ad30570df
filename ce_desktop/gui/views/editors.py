"""The draggable editors for y, ŷ and the logits z, on :class:`~ce_desktop.gui.views.bar_chart.BarChart`.

* :class:`TargetEditor`, :class:`PredictionEditor` (probabilities or logits) and
  :class:`SoftmaxView` (ŷ = softmax(z / T) beside the logits) read the
  :class:`~ce_desktop.gui.state.ExplorerState` and write only through its setters. One whole
  drag is one undo step (``state.begin`` / ``state.commit``); several mouse moves that
  arrive within one frame are folded into one state change.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ce_desktop.gui import plain_text
from ce_desktop.gui.items.axis_range import nice_ceiling
from ce_desktop.gui.items.column_bars import ColumnBars
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.views.bar_chart import BarChart
from ce_desktop.gui.views.class_text import describe
from ce_desktop.model import formatting as fmt
from ce_desktop.model.scenario import ScenarioError

#: Largest |logit| a drag can set.
MAX_DRAG_LOGIT = 1000.0

# The state aspects after which each kind of view must refresh.
TARGET_ASPECTS = (Aspect.REPLACED, Aspect.CLASSES, Aspect.TARGET)
PREDICTION_ASPECTS = (Aspect.REPLACED, Aspect.CLASSES, Aspect.EDIT_MODE, Aspect.TEMPERATURE, Aspect.PREDICTION)


# --------------------------------------------------------------------------- editors


class BarEditor(BarChart):
    """A bar chart whose bars are dragged with the mouse or nudged with the keyboard.

    Keyboard (when the plot has focus): Left/Right choose the bar, Up/Down nudge it by
    1/20 of the range (with Shift: 1/200), Home/End set it to the bottom/top of the range
    (0 and 1 for probabilities).
    """

    quantity = "target"
    undo_prefix = "Drag target"
    RELEVANT: tuple[Aspect, ...] = TARGET_ASPECTS

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
        state.connect_aspects(self._on_state_changed, *self.RELEVANT)
        self._rebuild()

    # ------------------------------------------------------------ what is edited (subclasses)

    def values(self) -> np.ndarray:
        return self.state.target

    def value_range(self) -> tuple[float, float]:
        """The range a bar's value can take (keyboard steps are fractions of it)."""
        return (0.0, 1.0)

    def _write(self, index: int, value: float, label: str) -> None:
        self.state.set_target_value(index, value, label)


    def _format(self, v: float) -> str:
        return fmt.number(v, fmt.LABEL_DECIMALS)

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

    #: Ctrl while dragging a bar snaps it to multiples of this (Shift is the keys' fine step).
    snap_step = 0.05

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        self._snapping = bool(ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier)
        super().mouseMoveEvent(ev)

    def _on_dragged(self, index: int, y: float) -> None:
        if getattr(self, "_snapping", False):
            y = round(y / self.snap_step) * self.snap_step
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
    RELEVANT = PREDICTION_ASPECTS

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

    @property
    def snap_step(self) -> float:  # type: ignore[override]
        return 0.5 if self.logits_mode else 0.05

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


    def _symbol(self) -> str:
        return "z" if self.logits_mode else "ŷ"

    def _format(self, v: float) -> str:
        if self.logits_mode:
            return fmt.logit(v)
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
        # Outside a gesture the range follows the values only (the same state, the same axes).
        dragging = self._drag_index is not None
        if not self.state.in_undo_group:
            limit = max(5.0, nice_ceiling(need * 1.3))
        elif not dragging and (need > limit * 0.92 or (need < limit / 4 and limit > 5.0)):
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

    def _on_state_changed(self, aspects: frozenset) -> None:
        if aspects & {Aspect.EDIT_MODE, Aspect.TEMPERATURE, Aspect.REPLACED}:
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
        state.connect_aspects(self._on_state_changed, *self.RELEVANT)
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
                self._place_label(i, i, float(v), fmt.number(v, fmt.LABEL_DECIMALS))
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
            # + 40: the label's own margins
            self._formula_fits = QtGui.QFontMetrics(font).horizontalAdvance("■ ŷ = softmax(z/T)") + 40 <= key[0]
        wide = self._formula_fits
        self._set_title(self._swatch("prediction", "<b>ŷ</b> = softmax(z/T)" if wide else "<b>ŷ</b>"))
