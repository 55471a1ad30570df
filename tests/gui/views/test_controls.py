"""The controls bar: every control stays on the bar when the text is large (issue 15, defect 7)."""

from __future__ import annotations

import pytest
from conftest import settle
from PySide6 import QtGui, QtWidgets

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.controls import ControlsBar


def _bar_in_window(qtbot, width: int, pixel_size: int) -> tuple[QtWidgets.QMainWindow, ControlsBar]:
    window = QtWidgets.QMainWindow()
    bar = ControlsBar(ExplorerState())
    font = QtGui.QFont()
    font.setPixelSize(pixel_size)
    bar.setFont(font)
    window.addToolBar(bar)
    window.setCentralWidget(QtWidgets.QWidget())
    qtbot.addWidget(window)
    window.resize(width, 400)
    window.show()
    qtbot.waitExposed(window)
    settle()
    return window, bar


CONTROLS = ("preset", "classes", "true_class", "smoothing", "smoothing_entry", "mode", "temperature", "units")


@pytest.mark.parametrize("pixel_size", [13, 20, 24])
def test_every_control_is_on_the_bar_at_1280_pixels(qtbot, pixel_size):
    window, bar = _bar_in_window(qtbot, 1280, pixel_size)
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
    window, bar = _bar_in_window(qtbot, 1280, 24)
    assert bar.compact
    window.resize(2400, 400)
    settle()
    assert not bar.compact
    texts = [lab.text().strip() for lab in bar.findChildren(QtWidgets.QLabel) if lab.isVisible()]
    assert {"Preset", "Classes", "True class", "Smoothing ε", "Units"} <= set(texts)
