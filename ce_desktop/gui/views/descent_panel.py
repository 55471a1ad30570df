"""The descent panel: play/pause, step, step back, reset, learning rate, speed, optimiser.

The panel writes the descent settings through the state (``state.set_descent``) and the
commands to the :class:`~ce_desktop.gui.descent.DescentController`; it shows the controller's
status sentence (what the run is doing, why it stopped, what an edit during a run does).

:func:`descent_actions` makes the menu actions with their shortcuts (Space, →, ←, Ctrl+R),
:func:`build_descent_views` builds the controller and the views (the window puts them in
a dock and the Descent menu), and :class:`EditorKeyGuard` keeps those keys with a focused editor that uses them itself
(a bar editor moves its focus with ← / →, a text field types a space).
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.actions import make_action
from ce_desktop.gui.descent import DescentController
from ce_desktop.gui.state import Aspect
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.readouts import ValueLabel
from ce_desktop.model.scenario import ScenarioError

#: The learning-rate slider spans 10^-3 .. 10^3 with this many positions per decade.
LR_MIN_EXP, LR_MAX_EXP, LR_PER_DECADE = -3, 3, 100
#: Steps per second offered by the speed slider (below 1: slow motion for lectures).
SPEEDS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0)
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 0.0)
#: Qt's own limit on a spin box's decimals (DBL_MAX_10_EXP + DBL_DIG).
MAX_DECIMALS = 323
#: Lines of text the run's status always has room for.
STATUS_LINES = 3
OPTIMIZERS = (("sgd", "Gradient descent"), ("momentum", "Momentum"), ("adam", "Adam"))


def lr_to_slider(lr: float) -> int:
    """Slider position of a learning rate (log scale, clamped to the slider's ends)."""
    lr = min(max(float(lr), 10.0**LR_MIN_EXP), 10.0**LR_MAX_EXP)
    return int(round(math.log10(lr) * LR_PER_DECADE))


def slider_to_lr(pos: int) -> float:
    """Learning rate at a slider position, rounded to 3 significant digits (0.001 .. 1000)."""
    return float(f"{10.0 ** (pos / LR_PER_DECADE):.3g}")


def speed_text(sps: float) -> str:
    text = f"{sps:g} steps/s"
    return text + " (slow motion)" if sps < 1 else text


def nearest_speed_index(sps: float) -> int:
    return min(range(len(SPEEDS)), key=lambda i: abs(math.log(SPEEDS[i] / float(sps))))


def decimals_of(value: float) -> int:
    """Decimals needed to write ``value`` exactly as Python's shortest repr does (0.99999 -> 5)."""
    exponent = decimal.Decimal(repr(float(value))).as_tuple().exponent
    return max(0, -int(exponent))


def show_exactly(spin: QtWidgets.QDoubleSpinBox, value: float, hi: float, usual: int) -> None:
    """Show ``value`` in a parameter box as it is, not rounded to the box's ``usual`` decimals or
    clamped to its maximum ``hi``: a file may hold any β in [0, 1), e.g. 0.99999. The box widens
    (its maximum rises to the value, so never to 1) and adds decimals for it; an ordinary value
    puts the usual range and decimals back."""
    # Qt rounds the range to the decimals: set the decimals first, or 0.99999 would become 1.
    spin.setDecimals(min(max(usual, decimals_of(value)), MAX_DECIMALS))
    spin.setRange(0.0, max(hi, value))
    spin.setValue(value)


class DescentPanel(QtWidgets.QWidget):
    """Buttons and settings of gradient descent, plus the run's status."""

    #: A short message for the status bar (an edit that was refused).
    message = QtCore.Signal(str)

    def __init__(self, state, controller: DescentController, parent=None):
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self._compact_saved: tuple[bool, list[bool]] | None = None  # (stop rules shown, parts shown) of set_compact
        self.theme: Theme = LIGHT
        self.setObjectName("descent_panel")

        self.play_button = QtWidgets.QPushButton("▶ Play")
        self.play_button.setToolTip("Play / pause gradient descent (Space)")
        self.step_button = QtWidgets.QPushButton("Step ▸")
        self.step_button.setToolTip("One step forward (→)")
        self.back_button = QtWidgets.QPushButton("◂ Back")
        self.back_button.setToolTip("One step back (←)")
        self.reset_button = QtWidgets.QPushButton("⟲ Reset")
        self.reset_button.setToolTip("Back to where the run started (Ctrl+R)")
        for b in (self.play_button, self.step_button, self.back_button, self.reset_button):
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
        self.step_label = ValueLabel("Step 0")  # changes every frame: no window re-layout
        self.step_label.set_backdrop("window")  # ... and no repaint of the dock behind it
        self.step_label.setObjectName("step_label")

        self.lr_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.lr_slider.setRange(LR_MIN_EXP * LR_PER_DECADE, LR_MAX_EXP * LR_PER_DECADE)
        self.lr_slider.setSingleStep(10)
        self.lr_slider.setPageStep(LR_PER_DECADE)
        self.lr_slider.setToolTip("Learning rate, log scale from 0.001 to 1000")
        self.lr_slider.setAccessibleName("learning rate (log scale)")
        self.lr_entry = QtWidgets.QDoubleSpinBox()
        self.lr_entry.setRange(10.0**LR_MIN_EXP, 10.0**LR_MAX_EXP)
        self.lr_entry.setDecimals(3)
        self.lr_entry.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr_entry.setKeyboardTracking(False)
        self.lr_entry.setToolTip("Exact learning rate (Enter to apply)")
        self.lr_entry.setAccessibleName("learning rate")

        self.speed_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setToolTip("Animation speed: steps per second")
        self.speed_slider.setAccessibleName("animation speed")
        self.speed_label = QtWidgets.QLabel("")
        self.speed_label.setMinimumWidth(80)

        self.optimizer_combo = QtWidgets.QComboBox()
        for key, title in OPTIMIZERS:
            self.optimizer_combo.addItem(title, key)
        self.optimizer_combo.setAccessibleName("optimiser")
        self._usual_range: dict[QtWidgets.QDoubleSpinBox, tuple[float, int]] = {}
        self.momentum_entry = self._param_spin(0.0, 0.999, 3, 0.05, "momentum β")
        self.beta1_entry = self._param_spin(0.0, 0.999, 3, 0.01, "Adam β₁")
        self.beta2_entry = self._param_spin(0.0, 0.9999, 4, 0.001, "Adam β₂")
        self.momentum_label = QtWidgets.QLabel("β")
        self.beta1_label = QtWidgets.QLabel("β₁")
        self.beta2_label = QtWidgets.QLabel("β₂")

        self.tolerance_combo = QtWidgets.QComboBox()
        for t in TOLERANCES:
            self.tolerance_combo.addItem("never" if t == 0 else f"{t:g}", t)
        self.tolerance_combo.setToolTip("Stop when KL(y‖ŷ) falls below this (nats)")
        self.tolerance_combo.setAccessibleName("stop when KL falls below")
        self.max_steps_entry = QtWidgets.QSpinBox()
        self.max_steps_entry.setRange(1, 1_000_000)
        self.max_steps_entry.setKeyboardTracking(False)
        self.max_steps_entry.setToolTip("Stop after this many steps (Play again to go on)")
        self.max_steps_entry.setAccessibleName("stop after this many steps")

        self.status_label = QtWidgets.QLabel(controller.status)
        self.status_label.setObjectName("descent_status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.policy_label = QtWidgets.QLabel(DescentController.EDIT_POLICY)
        self.policy_label.setWordWrap(True)
        # The stop rules and the note on edits during a run fold away (the dock must leave the
        # editors room at 1280x720); the button opens them, and says what they are set to.
        self.more_button = QtWidgets.QToolButton()
        self.more_button.setCheckable(True)
        self.more_button.setAutoRaise(True)
        self.more_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
        self.more_button.setAccessibleName("Show the stop rules")
        self.stop_rules = QtWidgets.QWidget()
        self.stop_rules.setObjectName("stop_rules")

        buttons = QtWidgets.QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.play_button, self.back_button, self.step_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        step_row = QtWidgets.QHBoxLayout()
        step_row.setSpacing(4)
        step_row.addWidget(self.step_label)
        step_row.addStretch(1)
        step_row.addWidget(self.more_button)

        grid = QtWidgets.QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        grid.addWidget(QtWidgets.QLabel("Learning rate"), 0, 0)
        grid.addWidget(self.lr_slider, 0, 1)
        grid.addWidget(self.lr_entry, 0, 2)
        grid.addWidget(QtWidgets.QLabel("Speed"), 1, 0)
        grid.addWidget(self.speed_slider, 1, 1)
        grid.addWidget(self.speed_label, 1, 2)
        self.optimizer_label = QtWidgets.QLabel("Optimiser")
        grid.addWidget(self.optimizer_label, 2, 0)
        self.optimizer_row = QtWidgets.QWidget()  # presentation mode hides the row (label and this)
        params = QtWidgets.QHBoxLayout(self.optimizer_row)
        params.setContentsMargins(0, 0, 0, 0)
        params.setSpacing(4)
        params.addWidget(self.optimizer_combo)
        for lab, spin in ((self.momentum_label, self.momentum_entry), (self.beta1_label, self.beta1_entry),
                          (self.beta2_label, self.beta2_entry)):
            params.addWidget(lab)
            params.addWidget(spin)
        params.addStretch(1)
        grid.addWidget(self.optimizer_row, 2, 1, 1, 2)
        stops = QtWidgets.QHBoxLayout()
        stops.setSpacing(4)
        stops.addWidget(QtWidgets.QLabel("Stop at KL <"))
        stops.addWidget(self.tolerance_combo)
        stops.addWidget(QtWidgets.QLabel("nats, or after"))
        stops.addWidget(self.max_steps_entry)
        stops.addWidget(QtWidgets.QLabel("steps"))
        stops.addStretch(1)
        folded = QtWidgets.QVBoxLayout(self.stop_rules)
        folded.setContentsMargins(0, 0, 0, 0)
        folded.setSpacing(3)
        folded.addLayout(stops)
        folded.addWidget(self.policy_label)
        grid.setColumnStretch(1, 1)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(4)
        lay.addLayout(buttons)
        lay.addLayout(step_row)
        lay.addLayout(grid)
        lay.addWidget(self.stop_rules)
        lay.addWidget(self.status_label, 1)
        # With the status hidden (a lecture), the room left goes below the rows, not between them.
        lay.addStretch(0)
        self.more_button.toggled.connect(self.show_stop_rules)
        self.show_stop_rules(False)

        self.play_button.clicked.connect(controller.toggle)
        self.step_button.clicked.connect(controller.step_forward)
        self.back_button.clicked.connect(controller.step_back)
        self.reset_button.clicked.connect(controller.reset)
        self.lr_slider.valueChanged.connect(self._on_lr_slider)
        self.lr_slider.sliderReleased.connect(self._on_lr_slider_released)
        self.lr_entry.valueChanged.connect(self._on_lr_entry)
        self.speed_slider.valueChanged.connect(self._on_speed_slider)
        self.speed_slider.sliderReleased.connect(self._on_speed_slider_released)
        self.optimizer_combo.activated.connect(self._on_optimizer)
        self.momentum_entry.valueChanged.connect(lambda v: self._set(momentum=v))
        self.beta1_entry.valueChanged.connect(lambda v: self._set(beta1=v))
        self.beta2_entry.valueChanged.connect(lambda v: self._set(beta2=v))
        self.tolerance_combo.activated.connect(self._on_tolerance)
        self.max_steps_entry.valueChanged.connect(lambda v: self._set(max_steps=int(v)))

        controller.playingChanged.connect(self._on_playing)
        controller.statusChanged.connect(self.status_label.setText)
        controller.statusChanged.connect(self._fit_status)
        controller.positionChanged.connect(self._update_position)
        controller.runChanged.connect(self._update_position)
        state.connect_aspects(self._on_state_changed, Aspect.DESCENT, Aspect.REPLACED)
        self.refresh()
        self._update_position()
        self.apply_theme(self.theme)

    def _param_spin(self, lo: float, hi: float, decimals: int, step: float, name: str) -> QtWidgets.QDoubleSpinBox:
        s = QtWidgets.QDoubleSpinBox()
        s.setDecimals(decimals)
        s.setRange(lo, hi)
        self._usual_range[s] = (hi, decimals)  # what show_exactly returns to for an ordinary value
        s.setSingleStep(step)
        s.setKeyboardTracking(False)
        s.setAccessibleName(name)
        s.setToolTip(name)
        return s

    # ------------------------------------------------------------------ state → widgets

    def _on_state_changed(self, _aspects: frozenset) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Show the state's descent settings (without writing anything back)."""
        d = self.state.descent
        widgets = (self.lr_slider, self.lr_entry, self.speed_slider, self.optimizer_combo, self.momentum_entry,
                   self.beta1_entry, self.beta2_entry, self.tolerance_combo, self.max_steps_entry)
        for w in widgets:
            w.blockSignals(True)
        try:
            if not self.lr_slider.isSliderDown():
                self.lr_slider.setValue(lr_to_slider(d.learning_rate))
            lr = float(d.learning_rate)
            # A file (or the command line) may hold any positive rate: widen the box and add
            # decimals rather than show the nearest limit, a wrong number, in its place.
            self.lr_entry.setRange(min(10.0**LR_MIN_EXP, lr), max(10.0**LR_MAX_EXP, lr))
            self.lr_entry.setDecimals(3 if lr >= 10.0**LR_MIN_EXP else 2 - math.floor(math.log10(lr)))
            self.lr_entry.setValue(lr)
            if not self.speed_slider.isSliderDown():
                self.speed_slider.setValue(nearest_speed_index(d.steps_per_second))
            self.speed_label.setText(speed_text(d.steps_per_second))
            self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(d.optimizer)))
            for spin, value in ((self.momentum_entry, d.momentum), (self.beta1_entry, d.beta1),
                                (self.beta2_entry, d.beta2)):
                show_exactly(spin, float(value), *self._usual_range[spin])
            i = self.tolerance_combo.findData(float(d.tolerance))
            if i < 0:
                self.tolerance_combo.addItem(f"{float(d.tolerance):g}", float(d.tolerance))
                i = self.tolerance_combo.count() - 1
            self.tolerance_combo.setCurrentIndex(i)
            self.max_steps_entry.setValue(int(d.max_steps))
        finally:
            for w in widgets:
                w.blockSignals(False)
        for lab, spin, opt in ((self.momentum_label, self.momentum_entry, "momentum"),
                               (self.beta1_label, self.beta1_entry, "adam"),
                               (self.beta2_label, self.beta2_entry, "adam")):
            lab.setVisible(d.optimizer == opt)
            spin.setVisible(d.optimizer == opt)
        self._update_more_text()

    def set_compact(self, on: bool) -> None:
        """For a lecture: no optimiser row, stop rules or status sentence (the slide's caption
        explains; the step and the losses stay). Off puts back what was shown before."""
        parts = (self.optimizer_label, self.optimizer_row, self.status_label)
        if on and self._compact_saved is None:
            self._compact_saved = (self.more_button.isChecked(), [not x.isHidden() for x in parts])
            self.show_stop_rules(False)
            for x in parts:
                x.hide()
        elif not on and self._compact_saved is not None:
            rules, shown = self._compact_saved
            self._compact_saved = None
            self.show_stop_rules(rules)
            for x, was in zip(parts, shown, strict=True):
                x.setVisible(was)
            self._fit_status()  # its height as at this width and text, not as when it was hidden
            QtCore.QTimer.singleShot(0, self, self._fit_status)

    def show_stop_rules(self, on: bool) -> None:
        """Unfold (or fold away) the stop rules and the note on edits during a run."""
        self.more_button.blockSignals(True)
        self.more_button.setChecked(on)
        self.more_button.blockSignals(False)
        self.stop_rules.setVisible(on)
        self.more_button.setArrowType(QtCore.Qt.ArrowType.DownArrow if on else QtCore.Qt.ArrowType.RightArrow)
        self._update_more_text()

    def _update_more_text(self) -> None:
        d = self.state.descent
        tol = "never" if float(d.tolerance) == 0 else f"KL < {float(d.tolerance):g}"
        self.more_button.setText("Stop rules")
        self.more_button.setToolTip(f"Stop at {tol} or after {int(d.max_steps):,} steps. "
                                    "Click to show or hide the stop rules and what edits during a run do.")

    def _update_position(self, *args) -> None:
        run = self.controller.run
        if run is None:
            self.step_label.setText("Step 0")
        else:
            self.step_label.setText(f"Step {run.index:,} of {run.last:,}")
        self.back_button.setEnabled(run is not None and run.index > 0)
        self.reset_button.setEnabled(run is not None)

    def _on_playing(self, playing: bool) -> None:
        # ❚❚ (U+275A), not ⏸ (U+23F8): common UI fonts (DejaVu Sans here) lack the latter.
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    # ------------------------------------------------------------------ widgets → state

    def _set(self, **changes) -> bool:
        try:
            return self.state.set_descent(**changes)
        except ScenarioError as exc:
            self.message.emit(str(exc))
            self.status_label.setText(str(exc))
            self._fit_status()
            self.refresh()
            return False

    def _on_lr_slider(self, pos: int) -> None:
        lr = slider_to_lr(pos)
        self.lr_entry.blockSignals(True)
        self.lr_entry.setValue(lr)
        self.lr_entry.blockSignals(False)
        if not self.lr_slider.isSliderDown():  # keyboard, wheel, page click: apply now
            self._set(learning_rate=lr)

    def _on_lr_slider_released(self) -> None:
        self._set(learning_rate=slider_to_lr(self.lr_slider.value()))

    def _on_lr_entry(self, lr: float) -> None:
        if self._set(learning_rate=float(lr)):
            return
        self.refresh()

    def _on_speed_slider(self, index: int) -> None:
        sps = SPEEDS[index]
        self.speed_label.setText(speed_text(sps))
        if not self.speed_slider.isSliderDown():
            self._set(steps_per_second=sps)

    def _on_speed_slider_released(self) -> None:
        self._set(steps_per_second=SPEEDS[self.speed_slider.value()])

    def _on_optimizer(self, index: int) -> None:
        self._set(optimizer=self.optimizer_combo.itemData(index))
        self.refresh()

    def _on_tolerance(self, index: int) -> None:
        self._set(tolerance=float(self.tolerance_combo.itemData(index)))

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        """Fonts and text colours of the theme (the window sets the palette)."""
        self.theme = theme
        font = QtGui.QFont(self.font())
        font.setPixelSize(theme.font_px(13))
        self.setFont(font)
        for w in self.findChildren(QtWidgets.QWidget):
            w.setFont(font)
        big = QtGui.QFont(font)
        big.setBold(True)
        self.step_label.setFont(big)
        self.play_button.setFont(big)
        small = QtGui.QFont(font)
        small.setPixelSize(theme.font_px(11))
        self.policy_label.setFont(small)
        self.status_label.setStyleSheet(f"color: {theme.foreground};")
        self.policy_label.setStyleSheet(f"color: {theme.muted};")
        self._status_floor = STATUS_LINES * QtGui.QFontMetrics(font).lineSpacing() + 2
        self._fit_status()

    def _fit_status(self) -> None:
        """Give the status label the height its sentence needs at its width (at least
        STATUS_LINES lines), so that the dock grows rather than cut a long stop message.
        (A fixed 40 px cut the third line of the first message at 150 % text.)"""
        label = self.status_label
        need = max(getattr(self, "_status_floor", 0), label.heightForWidth(max(1, label.width())))
        if label.minimumHeight() != need:
            label.setMinimumHeight(need)

    def _fit_height(self) -> None:
        """The panel's minimum height: what its rows need at its width, the wrapped note under
        the stop rules and the status sentence included. (The layout's own minimum leaves the
        wrapping out, so at large text the dock stayed short and squeezed the rows.)"""
        lay = self.layout()
        if lay is None or not lay.hasHeightForWidth():
            return
        need = lay.totalHeightForWidth(max(1, self.width()))
        if self.minimumHeight() != need:
            self.setMinimumHeight(need)

    def event(self, ev: QtCore.QEvent) -> bool:
        done = super().event(ev)
        if ev.type() == QtCore.QEvent.Type.LayoutRequest:
            self._fit_height()  # a row shown or hidden, a new font or sentence
        return done

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(ev)
        if ev.oldSize().width() != ev.size().width():
            self._fit_status()  # the sentence wraps differently
            self._fit_height()


def descent_actions(controller: DescentController, parent: QtCore.QObject) -> dict[str, QtGui.QAction]:
    """Menu actions for the descent, with their shortcuts (window-wide).

    Returns ``{"play": Space, "step": →, "back": ←, "reset": Ctrl+R}``. Install an
    :class:`EditorKeyGuard` too, so that a focused editor keeps the keys it uses itself.
    """
    spec = (
        ("play", "Play / pause", "Space", controller.toggle),
        ("step", "Step forward", "Right", controller.step_forward),
        ("back", "Step back", "Left", controller.step_back),
        ("reset", "Reset the run", "Ctrl+R", controller.reset),
    )
    out = {}
    for key, text, shortcut, slot in spec:
        out[key] = make_action(parent, text, slot, shortcut)
    return out


class EditorKeyGuard(QtCore.QObject):
    """Lets a focused editor keep ← → and Space rather than the descent shortcuts taking them.

    Qt asks the focused widget first (a ShortcutOverride event); accepting it sends the key
    to the widget instead of triggering the shortcut. Widgets that use the arrows themselves:
    sliders, spin boxes, text fields, combo boxes, tab bars and scroll areas (which include
    every plot, so a focused bar editor moves its chosen bar). Space is kept by widgets that
    type text and by buttons, which Space presses.
    """

    ARROWS = (QtCore.Qt.Key.Key_Left, QtCore.Qt.Key.Key_Right)
    ARROW_USERS = (QtWidgets.QAbstractSlider, QtWidgets.QAbstractSpinBox, QtWidgets.QLineEdit,
                   QtWidgets.QComboBox, QtWidgets.QTabBar, QtWidgets.QAbstractScrollArea)
    TEXT_USERS = (QtWidgets.QAbstractSpinBox, QtWidgets.QLineEdit, QtWidgets.QTextEdit,
                  QtWidgets.QPlainTextEdit, QtWidgets.QAbstractButton)

    def watch_focus(self) -> None:
        """Filter only the focused widget instead of every object in the application.

        An application-wide filter calls into Python for every event of every object (each
        paint, timer and mouse move). Qt sends ShortcutOverride to the focused widget, so it is
        enough to sit on the widget that has focus, when it is one that uses these keys: the
        filter is put on it when it gains focus and taken off when it loses it.
        """
        app = QtWidgets.QApplication.instance()
        if not isinstance(app, QtWidgets.QApplication):  # no widgets, so no focus to follow
            return
        app.focusChanged.connect(self._focus_changed)
        self._focus_changed(None, app.focusWidget())

    def _focus_changed(self, _old, new) -> None:
        if new is not None and isinstance(new, self.ARROW_USERS + self.TEXT_USERS):
            new.installEventFilter(self)  # installing twice keeps one filter

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QtCore.QEvent.Type.FocusOut and isinstance(obj, QtWidgets.QWidget):
            if not obj.hasFocus():  # a popup takes no focus; the next focusChanged puts it back
                obj.removeEventFilter(self)  # safe during filtering (Qt's documentation)
            return False
        if ev.type() == QtCore.QEvent.Type.ShortcutOverride and isinstance(obj, QtWidgets.QWidget):
            if ev.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier:
                return False
            key = ev.key()
            if key in self.ARROWS and isinstance(obj, self.ARROW_USERS) and obj.hasFocus():
                ev.accept()
                return True
            if key == QtCore.Qt.Key.Key_Space and isinstance(obj, self.TEXT_USERS) and obj.hasFocus():
                ev.accept()
                return True
        return False


@dataclass
class DescentViews:
    """The descent's controller and views, as :func:`build_descent_views` makes them."""

    controller: DescentController
    panel: DescentPanel
    trajectory: QtWidgets.QWidget
    logits: QtWidgets.QWidget
    simplex: QtWidgets.QWidget
    tabs: QtWidgets.QTabWidget
    splitter: QtWidgets.QSplitter
    actions: dict

    def as_dict(self) -> dict:
        return {"panel": self.panel, "trajectory": self.trajectory, "logits": self.logits,
                "simplex": self.simplex, "tabs": self.tabs, "actions": self.actions}


def build_descent_views(state, parent: QtCore.QObject) -> DescentViews:
    """The controller, the panel beside tabs for the loss, logit and simplex plots, and the
    actions (Space / → / ← / Ctrl+R). The window puts them in a dock and a menu."""
    from ce_desktop.gui.views.simplex import SimplexView
    from ce_desktop.gui.views.trajectory import LogitPlot, TrajectoryPlot

    controller = DescentController(state, parent)
    panel = DescentPanel(state, controller)
    trajectory = TrajectoryPlot(state, controller)
    logits = LogitPlot(state, controller)
    simplex = SimplexView(state, controller)
    tabs = QtWidgets.QTabWidget()
    tabs.setObjectName("descent_tabs")
    tabs.setDocumentMode(True)
    tabs.addTab(trajectory, "Loss per step")
    tabs.addTab(logits, "Logits per step")
    tabs.addTab(simplex, "Simplex (3 classes)")
    splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
    splitter.setObjectName("descent_splitter")
    splitter.addWidget(panel)
    splitter.addWidget(tabs)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setChildrenCollapsible(False)
    splitter.setSizes([380, 900])
    actions = descent_actions(controller, parent)
    return DescentViews(controller, panel, trajectory, logits, simplex, tabs, splitter, actions)
