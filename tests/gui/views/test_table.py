"""The value table: typed entries go through the state; bad entries are refused, state kept."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import settle
from PySide6 import QtCore, QtWidgets

from ce_desktop.gui.views.table import COL_NAME, COL_P, COL_Y, COL_Z

K = QtCore.Qt.Key


def type_into(qtbot, table, row, col, text):
    """Select a cell and type over it, as a person would: the first key opens the editor."""
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClick(table, text[0])
    editors = [e for e in table.viewport().findChildren(QtWidgets.QLineEdit) if e.isVisible()]
    assert len(editors) == 1, [(e, e.isVisible(), e.text()) for e in table.viewport().findChildren(QtWidgets.QLineEdit)]
    editor = editors[0]
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, K.Key_Return)
    settle()  # the delegate commits through a queued call


@pytest.fixture
def table(window, qtbot):
    window.tabs.setCurrentIndex(2)
    t = window.views["table"]
    qtbot.waitUntil(t.isVisible)
    return t


def test_table_shows_the_state(table, window):
    assert table.rowCount() == 3
    assert [table.item(i, COL_NAME).text() for i in range(3)] == ["cat", "dog", "bird"]
    assert [table.item(i, COL_P).text() for i in range(3)] == ["0.800", "0.100", "0.100"]
    assert table.isColumnHidden(COL_Z)


def test_typed_prediction_is_set_and_others_rescale(table, window, qtbot):
    type_into(qtbot, table, 1, COL_P, "0.5")
    p = window.state.prediction
    assert p[1] == 0.5
    assert p[0] / p[2] == pytest.approx(8.0)  # 0.8 : 0.1 kept
    assert table.item(1, COL_P).text() == "0.500"
    assert window.state.history.undo_text == "Set prediction: dog"


def test_typed_target_in_percent(table, window, qtbot):
    type_into(qtbot, table, 2, COL_Y, "25%")
    assert window.state.target[2] == 0.25
    assert window.state.target.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("text", ["abc", "1.5", "-0.2", "nan", "inf", "1/0"])
def test_invalid_entries_are_refused_and_state_kept(table, window, qtbot, text):
    before = window.state.scenario
    type_into(qtbot, table, 1, COL_Y, text)
    assert window.state.scenario is before
    assert table.item(1, COL_Y).text() == "0.000"  # reverted to the state's value
    assert "not changed" in window.statusBar().currentMessage()


def test_rename_a_class(table, window, qtbot):
    type_into(qtbot, table, 1, COL_NAME, "wolf")
    assert window.state.class_names[1] == "wolf"
    ticks = window.views["target"].getPlotItem().getAxis("bottom")._tickLevels[0]
    assert (1, "wolf") in ticks
    assert window.state.history.undo_text == "Rename dog"


def test_an_empty_class_name_is_refused_and_the_name_kept(table, window, qtbot):
    type_into(qtbot, table, 1, COL_NAME, "x\b   ")  # opened with a key, then rubbed out: spaces only
    assert window.state.class_names[1] == "dog" and not window.state.history.can_undo
    assert table.item(1, COL_NAME).text() == "dog"
    assert "not changed" in window.statusBar().currentMessage()
    assert "empty" in window.statusBar().currentMessage()


def test_logits_column_in_logits_mode(table, window, qtbot):
    window.load_preset("logits")
    assert not table.isColumnHidden(COL_Z)
    assert not (table.item(0, COL_P).flags() & QtCore.Qt.ItemFlag.ItemIsEditable)
    type_into(qtbot, table, 2, COL_Z, "-1.5")
    assert window.state.logits[2] == -1.5
    z = window.state.logits
    assert np.allclose(window.state.prediction, np.exp(z) / np.exp(z).sum())
