"""The toolbar of controls: preset, number of classes, true class, label smoothing ε,
probabilities/logits, temperature T, nats/bits.

Every control writes through the state's setters and is set back from the state when it
changes (with its own signals blocked, so it does not echo).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.state import Aspect
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.model import presets
from ce_desktop.model.scenario import ScenarioError

#: The window offers 2..20 classes (files and presets may hold more; the spin box follows).
WINDOW_MAX_CLASSES = 20
SMOOTHING_STEPS = 100  # the slider moves ε in steps of 0.01


#: Shorter labels for a bar that would not fit ("" hides the label: its control says what it is).
COMPACT_LABELS = {"Preset": "", "Classes": "C", "True class": "y", "Smoothing ε": "ε", "Edit": "", "Units": ""}


class ControlsBar(QtWidgets.QToolBar):
    """Controls for the scenario as a whole; reads and writes the state only."""

    message = QtCore.Signal(str)

    def __init__(self, state, parent=None):
        super().__init__("Controls", parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.setObjectName("controls")
        self.setMovable(False)

        self.preset = QtWidgets.QComboBox()
        self.preset.setAccessibleName("Preset")
        self.preset.addItem("Presets…", None)
        for p in presets.PRESETS:
            self.preset.addItem(p.title, p.name)
            self.preset.setItemData(self.preset.count() - 1, p.description, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.preset.setToolTip("Load a worked example (undoable)")
        self.preset.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.setMinimumContentsLength(9)
        self.preset.activated.connect(self._on_preset)

        self.classes = QtWidgets.QSpinBox()
        self.classes.setRange(2, WINDOW_MAX_CLASSES)
        self.classes.setKeyboardTracking(False)
        self.classes.setAccessibleName("Number of classes")
        self.classes.setToolTip("Number of classes (2 to 20)")
        self.classes.valueChanged.connect(self._on_classes)

        self.true_class = QtWidgets.QComboBox()
        self.true_class.setAccessibleName("True class")
        self.true_class.setToolTip("Make the target a hard (one-hot) label on this class")
        self.true_class.activated.connect(self._on_true_class)
        self.true_class.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.true_class.setMinimumContentsLength(6)

        self.smoothing = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, SMOOTHING_STEPS)
        self.smoothing.setPageStep(5)
        self.smoothing.setFixedWidth(64)  # the entry beside it gives the exact value
        self.smoothing.setAccessibleName("Label smoothing epsilon")
        self.smoothing.setToolTip("Label smoothing ε: y ← (1 − ε) y + ε / C (turns a hard label soft)")
        self.smoothing.sliderPressed.connect(self._on_smoothing_pressed)
        self.smoothing.sliderReleased.connect(self._on_smoothing_released)
        self.smoothing.valueChanged.connect(self._on_smoothing)
        # The exact value, typed (as the learning rate has): the slider moves in steps of 0.01
        # over 90 pixels, too coarse to set ε = 0.1 exactly by dragging.
        self.smoothing_entry = QtWidgets.QDoubleSpinBox()
        self.smoothing_entry.setRange(0.0, 1.0)
        self.smoothing_entry.setDecimals(3)
        self.smoothing_entry.setSingleStep(0.01)
        # No arrows: the slider beside it is the coarse control, and the toolbar is full.
        self.smoothing_entry.setButtonSymbols(QtWidgets.QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.smoothing_entry.setKeyboardTracking(False)
        self.smoothing_entry.setAccessibleName("Label smoothing epsilon, exact value")
        self.smoothing_entry.setToolTip("Exact label smoothing ε (Enter to apply)")
        self.smoothing_entry.valueChanged.connect(self._on_smoothing_entry)

        self.mode = QtWidgets.QComboBox()
        self.mode.addItem("ŷ probabilities", False)
        self.mode.addItem("z logits", True)
        self.mode.setAccessibleName("Edit the prediction as")
        self.mode.setToolTip("Edit the prediction directly, or through logits z with ŷ = softmax(z / T)")
        self.mode.activated.connect(self._on_mode)

        self.temperature = QtWidgets.QDoubleSpinBox()
        # The scenario's own limits: a file may hold any T in 0.01..100, and a narrower box
        # would show (and on the next step, set) its nearest limit instead of the real T.
        self.temperature.setRange(0.01, 100.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setKeyboardTracking(False)
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setToolTip("Softmax temperature T (logits mode): T > 1 flattens ŷ, T < 1 sharpens it")
        self.temperature.valueChanged.connect(self._on_temperature)

        self.units = QtWidgets.QComboBox()
        self.units.addItem("nats", "nats")
        self.units.addItem("bits", "bits")
        self.units.setAccessibleName("Units")
        self.units.setToolTip("Losses in nats (natural log) or bits (log base 2)")
        self.units.activated.connect(self._on_units)

        self._labels = []
        self._label_actions: list[tuple[QtGui.QAction, QtWidgets.QLabel, str, str]] = []
        self._compact = False
        for text, widget in (
            ("Preset", self.preset),
            ("Classes", self.classes),
            ("True class", self.true_class),
            ("Smoothing ε", self.smoothing),
            (None, self.smoothing_entry),
            ("Edit", self.mode),
            ("T", self.temperature),
            ("Units", self.units),
        ):
            if text:
                lab = QtWidgets.QLabel(f" {text} ")
                lab.setBuddy(widget)
                self._labels.append(lab)
                self._label_actions.append((self.addWidget(lab), lab, text, COMPACT_LABELS.get(text, text)))
            self.addWidget(widget)
            if widget is not self.smoothing:
                self.addSeparator()
        # A drag of ŷ or a descent step changes nothing shown here (and a refresh re-lays out the bar).
        state.connect_aspects(self._on_state_changed, Aspect.REPLACED, Aspect.CLASSES, Aspect.UNITS, Aspect.EDIT_MODE,
                              Aspect.TEMPERATURE, Aspect.SMOOTHING, Aspect.TARGET)
        self.refresh()

    # ------------------------------------------------------------ fitting the width

    def fit_labels(self) -> None:
        """Full labels when they fit; else short ones (large text on a small screen), so every
        control stays on the bar instead of going behind its overflow button."""
        self._set_compact(False)
        if self.width() > 0 and self.sizeHint().width() > self.width():
            self._set_compact(True)

    def _set_compact(self, on: bool) -> None:
        if on == self._compact:
            return
        self._compact = on
        for action, lab, full, short in self._label_actions:
            lab.setText(f" {short if on else full} ")
            action.setVisible(bool(short) or not on)

    @property
    def compact(self) -> bool:
        """Whether the bar shows its short labels."""
        return self._compact

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(ev)
        self.fit_labels()

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() == QtCore.QEvent.Type.FontChange:
            self.fit_labels()

    # ------------------------------------------------------------ from the state

    def _on_state_changed(self, _aspects: frozenset) -> None:
        self.refresh()

    def refresh(self) -> None:
        s = self.state
        widgets = (self.classes, self.true_class, self.smoothing, self.smoothing_entry, self.mode,
                   self.temperature, self.units)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.classes.setMaximum(max(WINDOW_MAX_CLASSES, s.num_classes))
            self.classes.setValue(s.num_classes)
            names = ["— (soft)"] + list(s.class_names)
            if [self.true_class.itemText(i) for i in range(self.true_class.count())] != names:
                self.true_class.clear()
                self.true_class.addItems(names)
            raw = s.raw_target
            hard = [i for i in range(len(raw)) if raw[i] == 1.0]
            self.true_class.setCurrentIndex(hard[0] + 1 if hard else 0)
            if not self.smoothing.isSliderDown():
                self.smoothing.setValue(int(round(s.label_smoothing * SMOOTHING_STEPS)))
            self.smoothing_entry.setValue(s.label_smoothing)
            self.mode.setCurrentIndex(1 if s.logits_mode else 0)
            self.temperature.setValue(s.temperature)
            self.temperature.setEnabled(s.logits_mode)
            self.units.setCurrentIndex(1 if s.units == "bits" else 0)
        finally:
            for w in widgets:
                w.blockSignals(False)

    # ------------------------------------------------------------ to the state

    def _try(self, fn, *args) -> None:
        try:
            fn(*args)
        except ScenarioError as exc:
            self.message.emit(str(exc))
            self.refresh()

    def _on_preset(self, index: int) -> None:
        name = self.preset.itemData(index)
        if name:
            p = presets.get(name)
            self._try(self.state.load, p.scenario(), f"Preset: {p.title}")
            self.message.emit(f"Preset “{p.title}”: {p.description}")
        self.preset.setCurrentIndex(0)

    def _on_classes(self, n: int) -> None:
        self._try(self.state.set_num_classes, n)

    def _on_true_class(self, index: int) -> None:
        if index > 0:
            self._try(self.state.set_true_class, index - 1)

    def _on_smoothing_pressed(self) -> None:
        self.state.begin("Label smoothing")

    def _on_smoothing(self, value: int) -> None:
        self._try(self.state.set_label_smoothing, value / SMOOTHING_STEPS)

    def _on_smoothing_entry(self, value: float) -> None:
        self._try(self.state.set_label_smoothing, float(value))

    def _on_smoothing_released(self) -> None:
        self.state.commit()

    def _on_mode(self, index: int) -> None:
        self._try(self.state.set_logits_mode, bool(self.mode.itemData(index)))

    def _on_temperature(self, t: float) -> None:
        self._try(self.state.set_temperature, t)

    def _on_units(self, index: int) -> None:
        self._try(self.state.set_units, self.units.itemData(index))

    # ------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        font = QtGui.QFont(self.font())
        font.setPixelSize(theme.font_px(13))
        for w in self.findChildren(QtWidgets.QWidget):
            w.setFont(font)
        self.setFont(font)
        # As wide as its number (a spin box's own hint leaves room for arrows it has not got).
        self.smoothing_entry.setFixedWidth(QtGui.QFontMetrics(font).horizontalAdvance("0.000") + 10)
