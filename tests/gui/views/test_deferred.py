"""DeferredWhileHidden: a view in a hidden tab does its work once, when it is shown."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from ce_desktop.gui.state import Aspect, ExplorerState
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.model.scenario import Scenario


class Probe(DeferredWhileHidden, QtWidgets.QWidget):
    """Follows the prediction and the target through the state, and a signal of its own."""

    RELEVANT = (Aspect.PREDICTION, Aspect.TARGET)
    poked = QtCore.Signal()

    def __init__(self, state):
        super().__init__()
        self.handled: list[frozenset] = []
        self.refreshes = 0
        self.seen_prediction = None
        self.state = state
        state.connect_aspects(self._on_state_changed, *self.RELEVANT)
        self.poked.connect(self._on_poked)

    def _handle_state_change(self, aspects: frozenset) -> None:
        self.handled.append(aspects)
        self.seen_prediction = self.state.prediction.copy()

    def _on_poked(self) -> None:
        if not self._visible_or_defer():
            return
        self.refresh()

    def refresh(self) -> None:
        self.refreshes += 1


@pytest.fixture
def tabs(qtbot):
    state = ExplorerState(Scenario.create([1, 0, 0], [0.8, 0.1, 0.1]))
    tabs = QtWidgets.QTabWidget()
    probe = Probe(state)
    tabs.addTab(QtWidgets.QLabel("front"), "front")
    tabs.addTab(probe, "probe")
    qtbot.addWidget(tabs)
    tabs.show()
    qtbot.waitExposed(tabs)
    assert not probe.isVisible()
    return tabs, probe, state


def _show(tabs, probe, qtbot):
    tabs.setCurrentWidget(probe)
    qtbot.waitUntil(probe.isVisible)


def test_state_changes_while_hidden_are_merged_and_handled_once_when_shown(tabs, qtbot):
    tabs, probe, state = tabs
    state.set_prediction_value(0, 0.5)
    state.set_prediction_value(0, 0.4)
    state.set_target_value(0, 0.9)
    assert probe.handled == []
    _show(tabs, probe, qtbot)
    assert probe.handled == [frozenset({Aspect.PREDICTION, Aspect.TARGET})]
    assert probe.seen_prediction[0] == pytest.approx(state.prediction[0])  # the current numbers, not the first
    assert probe.refreshes == 0  # the aspect path handles aspects; it does not also refresh in full
    tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not probe.isVisible())
    _show(tabs, probe, qtbot)
    assert len(probe.handled) == 1  # nothing new: showing again does no work


def test_a_visible_view_handles_each_change_at_once(tabs, qtbot):
    tabs, probe, state = tabs
    _show(tabs, probe, qtbot)
    state.set_prediction_value(0, 0.5)
    assert probe.handled == [frozenset({Aspect.PREDICTION})]
    probe.poked.emit()
    assert probe.refreshes == 1


def test_other_signals_while_hidden_make_one_full_refresh_when_shown(tabs, qtbot):
    tabs, probe, state = tabs
    for _ in range(5):
        probe.poked.emit()
    assert probe.refreshes == 0
    state.set_prediction_value(0, 0.3)
    _show(tabs, probe, qtbot)
    assert probe.refreshes == 1
    assert probe.handled == [frozenset({Aspect.PREDICTION})]
    tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not probe.isVisible())
    _show(tabs, probe, qtbot)
    assert probe.refreshes == 1
