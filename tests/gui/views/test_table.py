"""The value table alone on its state: typed entries go through the state; bad entries are refused, state kept."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import show_view, type_into_cell
from PySide6 import QtCore

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.table import COL_NAME, COL_P, COL_Y, COL_Z, ValueTable
from ce_desktop.model import presets


@pytest.fixture
def state():
    return ExplorerState()


@pytest.fixture
def table(state, qtbot):
    return show_view(qtbot, ValueTable(state), (740, 220))


@pytest.fixture
def messages(table):
    """What the table says (the window shows it in the status bar)."""
    said: list[str] = []
    table.message.connect(said.append)
    return said


def test_table_shows_the_state(table):
    assert table.rowCount() == 3
    assert [table.item(i, COL_NAME).text() for i in range(3)] == ["cat", "dog", "bird"]
    assert [table.item(i, COL_P).text() for i in range(3)] == ["0.800", "0.100", "0.100"]
    assert table.isColumnHidden(COL_Z)


def test_typed_prediction_is_set_and_others_rescale(table, state, qtbot):
    type_into_cell(qtbot, table, 1, COL_P, "0.5")
    p = state.prediction
    assert p[1] == 0.5
    assert p[0] / p[2] == pytest.approx(8.0)  # 0.8 : 0.1 kept
    assert table.item(1, COL_P).text() == "0.500"
    assert state.history.undo_text == "Set prediction: dog"


def test_typed_target_in_percent(table, state, qtbot):
    type_into_cell(qtbot, table, 2, COL_Y, "25%")
    assert state.target[2] == 0.25
    assert state.target.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("text", ["abc", "1.5", "-0.2", "nan", "inf", "1/0"])
def test_invalid_entries_are_refused_and_state_kept(table, state, messages, qtbot, text):
    before = state.scenario
    type_into_cell(qtbot, table, 1, COL_Y, text)
    assert state.scenario is before
    assert table.item(1, COL_Y).text() == "0.000"  # reverted to the state's value
    assert len(messages) == 1 and "not changed" in messages[0]


def test_rename_a_class(table, state, qtbot):
    type_into_cell(qtbot, table, 1, COL_NAME, "wolf")
    assert state.class_names[1] == "wolf"
    assert table.item(1, COL_NAME).text() == "wolf"
    assert state.history.undo_text == "Rename dog"


def test_an_empty_class_name_is_refused_and_the_name_kept(table, state, messages, qtbot):
    type_into_cell(qtbot, table, 1, COL_NAME, "x\b   ")  # opened with a key, then rubbed out: spaces only
    assert state.class_names[1] == "dog" and not state.history.can_undo
    assert table.item(1, COL_NAME).text() == "dog"
    assert len(messages) == 1 and "not changed" in messages[0] and "empty" in messages[0]


def test_logits_column_in_logits_mode(table, state, qtbot):
    state.load(presets.get("logits").scenario())
    assert not table.isColumnHidden(COL_Z)
    assert not (table.item(0, COL_P).flags() & QtCore.Qt.ItemFlag.ItemIsEditable)
    type_into_cell(qtbot, table, 2, COL_Z, "-1.5")
    assert state.logits[2] == -1.5
    z = state.logits
    assert np.allclose(state.prediction, np.exp(z) / np.exp(z).sum())
    assert float(table.item(2, COL_Z).text()) == -1.5  # the cell shows the logit typed
