"""The controls bar alone on its state: every control writes the state through real key and mouse events,
and every control stays on the bar when the text is large (issue 15, defect 7)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import settle
from PySide6 import QtCore, QtGui, QtWidgets
from scipy import special

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.controls import ControlsBar
from ce_desktop.model import presets

K = QtCore.Qt.Key


def _bar_in_window(qtbot, width: int, pixel_size: int) -> tuple[QtWidgets.QMainWindow, ControlsBar]:
    """The bar in a plain QMainWindow's toolbar area (where the toolbar's overflow rules apply)."""
    host = QtWidgets.QMainWindow()
    bar = ControlsBar(ExplorerState())
    font = QtGui.QFont()
    font.setPixelSize(pixel_size)
    bar.setFont(font)
    host.addToolBar(bar)
    host.setCentralWidget(QtWidgets.QWidget())
    qtbot.addWidget(host)
    host.resize(width, 400)
    host.show()
    qtbot.waitExposed(host)
    settle()
    return host, bar


CONTROLS = ("preset", "classes", "true_class", "smoothing", "smoothing_entry", "mode", "temperature", "units")


@pytest.mark.parametrize("pixel_size", [13, 20, 24])
def test_every_control_is_on_the_bar_at_1280_pixels(qtbot, pixel_size):
    host, bar = _bar_in_window(qtbot, 1280, pixel_size)
    for name in CONTROLS:
        widget = getattr(bar, name)
        assert widget.isVisible(), f"{name} went behind the toolbar's overflow button at {pixel_size} px text"
        right = widget.mapTo(bar, widget.rect().topRight()).x()
        assert right <= bar.width(), f"{name} is cut at the bar's right edge"
        # A combo box shows its whole current text.
        if isinstance(widget, QtWidgets.QComboBox):
            assert widget.width() >= widget.minimumSizeHint().width() - 1
    assert bar.compact == (pixel_size >= 20)  # short labels only when the full ones do not fit


def test_the_full_labels_come_back_when_there_is_room(qtbot):
    host, bar = _bar_in_window(qtbot, 1280, 24)
    assert bar.compact
    host.resize(2400, 400)
    settle()
    assert not bar.compact
    texts = [lab.text().strip() for lab in bar.findChildren(QtWidgets.QLabel) if lab.isVisible()]
    assert {"Preset", "Classes", "True class", "Smoothing ε", "Units"} <= set(texts)


# --------------------------------------------------------------------------- each control writes the state


@pytest.fixture
def state():
    return ExplorerState()


@pytest.fixture
def bar(state, qtbot):
    from conftest import show_view

    return show_view(qtbot, ControlsBar(state), (1280, 40))


def slider_handle(slider: QtWidgets.QSlider) -> QtCore.QRect:
    """Where the slider's handle is drawn."""
    opt = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(opt)
    return slider.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                         QtWidgets.QStyle.SubControl.SC_SliderHandle, slider)


def type_number(qtbot, spin, text: str) -> None:
    """Select the box's text, type over it, Enter."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, K.Key_Return)


def test_the_units_combo_switches_to_bits(bar, state, qtbot):
    bar.units.setFocus()
    qtbot.keyClick(bar.units, K.Key_Down)
    assert state.units == "bits"
    state.set_units("nats")  # and it follows the state
    assert bar.units.currentText() == "nats"


def test_the_mode_combo_switches_to_logits_and_keeps_the_prediction(bar, state, qtbot):
    p = state.prediction.copy()
    bar.mode.setFocus()
    qtbot.keyClick(bar.mode, K.Key_Down)
    assert state.logits_mode
    assert np.allclose(state.prediction, p)


def test_the_temperature_typed_divides_the_logits(bar, state, qtbot):
    state.load(presets.get("logits").scenario())
    type_number(qtbot, bar.temperature, "2")
    assert state.temperature == 2.0
    assert np.allclose(state.prediction, special.softmax(state.logits / 2.0))


@pytest.mark.parametrize("n", [2, 10, 20])
def test_number_of_classes_from_the_spin_box(bar, state, qtbot, n):
    type_number(qtbot, bar.classes, str(n))
    assert state.num_classes == n
    assert len(state.prediction) == n and state.prediction.sum() == pytest.approx(1.0)
    assert bar.true_class.count() == n + 1  # every class, and "— (soft)"


def test_label_smoothing_slider_is_one_step_and_smooths_by_hand_formula(bar, state, qtbot):
    bar.smoothing.setFocus()
    for _ in range(10):
        qtbot.keyClick(bar.smoothing, K.Key_Right)
    assert state.label_smoothing == pytest.approx(0.10)
    eps, c = 0.10, 3
    assert np.allclose(state.target, [1 - eps + eps / c, eps / c, eps / c])
    assert bar.smoothing_entry.value() == pytest.approx(0.10)


def test_smoothing_has_an_exact_entry(bar, state, qtbot):
    entry = bar.smoothing_entry
    type_number(qtbot, entry, "0.137")
    assert state.label_smoothing == pytest.approx(0.137)
    eps = 0.137
    assert np.allclose(state.target, [1 - eps + eps / 3, eps / 3, eps / 3])
    assert bar.smoothing.value() == 14  # the slider follows, to its nearest step
    state.undo()
    assert state.label_smoothing == 0.0 and entry.value() == 0.0


def test_smoothing_slider_mouse_drag_is_one_undo_step(bar, state):
    from conftest import LEFT, NO_BUTTON, _send

    slider = bar.smoothing
    start = QtCore.QPointF(slider_handle(slider).center())
    end = QtCore.QPointF(slider.width() * 0.5, start.y())
    T = QtCore.QEvent.Type
    _send(slider, T.MouseButtonPress, start, LEFT, LEFT)
    for k in range(1, 6):
        _send(slider, T.MouseMove, start + (end - start) * (k / 5), NO_BUTTON, LEFT)
    _send(slider, T.MouseButtonRelease, end, LEFT, NO_BUTTON)
    assert state.label_smoothing > 0.2
    assert len(state.history) == 1
    assert state.history.undo_text == "Label smoothing"


def test_true_class_combo(bar, state, qtbot):
    state.load(presets.get("soft-close-match").scenario())
    bar.true_class.setFocus()
    qtbot.keyClick(bar.true_class, K.Key_Down)  # "— (soft)" -> "cat"
    assert list(state.raw_target) == [1.0, 0.0, 0.0]
    assert state.history.undo_text == "True class: cat"


def test_every_preset_through_the_combo(bar, state, qtbot):
    combo = bar.preset
    combo.setFocus()
    for k, preset in enumerate(presets.PRESETS, start=1):
        combo.blockSignals(True)
        combo.setCurrentIndex(k - 1)
        combo.blockSignals(False)
        qtbot.keyClick(combo, K.Key_Down)  # the user steps to preset k
        assert state.scenario.title == preset.title
        assert state.scenario.same_as(preset.scenario())
        assert combo.currentIndex() == 0
