"""The binary cross-entropy view against hand-worked values, finite differences and real mouse/key events."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from conftest import scroll_down, settle
from PySide6 import QtCore, QtGui, QtWidgets
from scipy.special import expit, logit

from ce_desktop.gui import themes
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.views.binary_view import P_GRID, BinaryView, data_to_viewport
from ce_desktop.model.scenario import Scenario

pg.setConfigOption("mouseRateLimit", -1)
T = QtCore.QEvent.Type
LEFT, NONE = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.NoButton


def hand_bce(y: float, p: float) -> float:
    """-[y ln p + (1 - y) ln(1 - p)] with 0 ln 0 = 0, written out."""
    total = 0.0
    if y > 0:
        total -= y * (math.log(p) if p > 0 else -math.inf)
    if y < 1:
        total -= (1 - y) * (math.log(1 - p) if p < 1 else -math.inf)
    return total


def send(view, kind, pos, button, buttons):
    vp = view.viewport()
    ev = QtGui.QMouseEvent(kind, QtCore.QPointF(pos), QtCore.QPointF(vp.mapToGlobal(pos)), button, buttons,
                           QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(vp, ev)


def drag(qtbot, layout, pi, start, end, steps=5):
    """Real press / moves / release on the layout's viewport between two data points of plot ``pi``."""
    layout.scene().minDragTime = 0
    a = data_to_viewport(layout, pi, *start)
    b = data_to_viewport(layout, pi, *end)
    send(layout, T.MouseMove, a, NONE, NONE)
    send(layout, T.MouseButtonPress, a, LEFT, LEFT)
    for k in range(1, steps + 1):
        send(layout, T.MouseMove, a + (b - a) * (k / steps), NONE, LEFT)
    send(layout, T.MouseButtonRelease, b, LEFT, NONE)
    settle()


@pytest.fixture
def make(qtbot):
    def _make(target=(0.8, 0.2), prediction=(0.3, 0.7), **kw):
        state = ExplorerState(Scenario.create(list(target), list(prediction), **kw))
        view = BinaryView(state)
        qtbot.addWidget(view)
        view.resize(700, 520)
        view.show()
        qtbot.waitExposed(view)
        return state, view
    return _make


def test_numbers_match_the_hand_worked_binary_cross_entropy(make):
    state, view = make()
    # y = 0.8, p = 0.3: -(0.8 ln 0.3 + 0.2 ln 0.7) = 0.8 * 1.2040 + 0.2 * 0.3567 = 1.0345
    assert view.loss() == pytest.approx(1.0345, abs=1e-4)
    assert view.loss() == pytest.approx(hand_bce(0.8, 0.3), abs=1e-12)
    # With two classes it is the explorer's own cross-entropy.
    assert view.loss() == pytest.approx(state.evaluation.cross_entropy, abs=1e-12)
    assert abs(view.gradient()) == pytest.approx(0.5, abs=1e-12)  # |p - y|
    text = view.readout.text()
    assert "CE = 1.035 nats" in text and "|p − y| = 0.500" in text
    assert "1.035" in view.plot.accessibleDescription()


def test_the_curve_is_the_formula_and_its_slope_in_the_logit_is_p_minus_y(make):
    state, view = make(target=(0.3, 0.7))
    assert view.class_index == 1 and view.target_weight == pytest.approx(0.7)  # the class the target favours
    x, yv = view.curve.getData()
    np.testing.assert_array_equal(x, P_GRID)
    expected = np.array([hand_bce(0.7, p) for p in P_GRID])
    np.testing.assert_allclose(yv, expected, rtol=1e-12, atol=1e-14)
    # The lower plot: the size of d(BCE)/d(logit), by central differences in s = logit(p).
    gx, gy = view.grad_curve.getData()
    s = logit(P_GRID[::20])
    h = 1e-6
    numeric = [(hand_bce(0.7, expit(v + h)) - hand_bce(0.7, expit(v - h))) / (2 * h) for v in s]
    np.testing.assert_allclose(gy[::20], np.abs(numeric), atol=1e-6)
    # For a soft y the curve's lowest point is at p = y, where the loss is H(y).
    i = int(np.argmin(yv))
    assert P_GRID[i] == pytest.approx(0.7, abs=0.005)
    h_y = -(0.3 * math.log(0.3) + 0.7 * math.log(0.7))
    assert yv[i] == pytest.approx(h_y, abs=1e-4) and yv.min() >= h_y - 1e-12
    assert view.y_line.value() == pytest.approx(0.7)


def test_dragging_on_the_plot_moves_p_along_the_curve_as_one_undo_step(make, qtbot):
    state, view = make()
    before = state.scenario
    curve_before = view.curve.getData()[1].copy()
    drag(qtbot, view.plot, view.loss_plot, (0.3, 1.0), (0.65, 1.0))
    assert state.prediction[0] == pytest.approx(0.65, abs=0.01)
    assert state.target[0] == pytest.approx(0.8)  # y untouched
    assert view.loss() == pytest.approx(hand_bce(0.8, state.prediction[0]), abs=1e-12)
    px, py = view.point.getData()
    assert px[0] == pytest.approx(state.prediction[0]) and py[0] == pytest.approx(view.loss())
    np.testing.assert_array_equal(view.curve.getData()[1], curve_before)  # moving p does not redraw the curve
    state.undo()
    assert state.scenario.same_as(before)
    # Dragging on the gradient plot moves p too; past the edge it stops just short of 0.
    drag(qtbot, view.plot, view.grad_plot, (0.5, 0.3), (-0.04, 0.3))
    assert 0 < state.prediction[0] <= 0.0011


def test_typing_a_soft_target_redraws_the_curve(make, qtbot):
    state, view = make()
    view.y_spin.setFocus()
    view.y_spin.selectAll()
    qtbot.keyClicks(view.y_spin, "0.35")
    qtbot.keyClick(view.y_spin, QtCore.Qt.Key.Key_Return)
    np.testing.assert_allclose(state.target, [0.35, 0.65], atol=1e-12)
    _, yv = view.curve.getData()
    np.testing.assert_allclose(yv[::40], [hand_bce(0.35, p) for p in P_GRID[::40]], rtol=1e-12)
    assert view.loss() == pytest.approx(hand_bce(0.35, 0.3), abs=1e-12)


def test_a_certain_wrong_prediction_reads_infinity_not_nan(make):
    state, view = make(target=(1.0, 0.0), prediction=(0.0, 1.0))
    assert math.isinf(view.loss())
    assert "CE = ∞ nats" in view.readout.text()
    _, py = view.point.getData()
    assert py[0] == pytest.approx(view.loss_top())  # drawn at the top edge, not lost
    assert "nan" not in view.readout.text().lower()


def test_more_than_two_classes_is_one_against_the_rest(make, qtbot):
    state, view = make(target=(0.0, 0.0, 1.0), prediction=(0.5, 0.3, 0.2), class_names=("cat", "dog", "bird"))
    assert view.class_index == 2 and view.class_box.isVisibleTo(view)
    assert "bird vs the rest" in view.loss_plot.titleLabel.text
    assert view.loss() == pytest.approx(-math.log(0.2), abs=1e-12)
    view.class_box.setFocus()
    qtbot.keyClick(view.class_box, QtCore.Qt.Key.Key_Up)  # bird -> dog
    assert view.class_index == 1
    assert view.loss() == pytest.approx(-math.log(1 - 0.3), abs=1e-12)  # y = 0 for dog


def test_bits(make):
    state, view = make(units="bits")
    assert view.loss() == pytest.approx(hand_bce(0.8, 0.3) / math.log(2), abs=1e-12)
    assert "bits" in view.readout.text()
    assert view.loss_top() == pytest.approx(5 / math.log(2))


def test_the_theme_changes_the_pens(make):
    state, view = make()
    view.apply_theme(themes.DARK)
    assert view.curve.opts["pen"].color().name() == QtGui.QColor(themes.DARK.cross_entropy).name()
    assert view.point.opts["brush"].color().name() == QtGui.QColor(themes.DARK.prediction).name()
    view.apply_theme(themes.PROJECTOR)
    assert view.curve.opts["pen"].widthF() == themes.PROJECTOR.line_width
    img = view.plot.grab().toImage()
    assert QtGui.QColor(img.pixel(3, 3)).name() == themes.PROJECTOR.background.lower()


def test_a_theme_change_while_hidden_after_the_class_went_away_waits_until_shown(make, qtbot):
    """Hidden, the view leaves state changes for later; a theme change then must not draw the
    old class (index 3 of now 3 classes raised IndexError, the bug dialog in the window)."""
    state, view = make(target=(0.0, 0.0, 0.0, 1.0), prediction=(0.25, 0.25, 0.25, 0.25))
    assert view.class_index == 3
    view.hide()
    state.set_num_classes(3)
    view.apply_theme(themes.DARK)
    view.show()
    qtbot.waitExposed(view)
    assert view.class_index < 3 and view.class_box.count() == 3
    assert view.loss() == pytest.approx(hand_bce(view.target_weight, view.p), abs=1e-12)
    assert view.target_weight == state.target[view.class_index] and view.p == state.prediction[view.class_index]
    assert view.curve.opts["pen"].color().name() == QtGui.QColor(themes.DARK.cross_entropy).name()


def test_a_short_view_scrolls_its_side_column_instead_of_growing(make, qtbot):
    """The controls beside the plots never set the view's minimum height: in a short view
    the column scrolls (a real wheel turn), and every control and number can be reached."""
    _state, view = make()
    view.apply_theme(themes.LIGHT.scaled(2.0))  # large text: the column is taller than the plot needs
    side = view.side
    qtbot.waitUntil(lambda: side.widget().minimumSizeHint().height() > view.plot.minimumHeight() + 20, timeout=2000)
    # The view's minimum height is the plot's (and the margins), not the column's.
    assert view.minimumSizeHint().height() <= view.plot.minimumHeight() + 8
    view.resize(700, 130)
    qtbot.waitUntil(lambda: side.verticalScrollBar().isVisible(), timeout=2000)
    # Nothing cut sideways: the column is as wide as its content plus the scroll bar (once the
    # layout request the scroll bar's appearance posts has run).
    qtbot.waitUntil(lambda: side.viewport().width() >= side.widget().minimumSizeHint().width(), timeout=2000)
    bar = side.verticalScrollBar()
    vp = side.viewport()
    scroll_down(side, 10)
    assert bar.value() == bar.maximum() > 0
    readout_bottom = view.readout.mapTo(vp, QtCore.QPoint(0, view.readout.height())).y()
    assert readout_bottom <= vp.height()
    view.resize(700, 520)  # tall again: no scroll bar
    qtbot.waitUntil(lambda: not side.verticalScrollBar().isVisible(), timeout=2000)


@pytest.mark.parametrize("p", [0.02, 0.3, 0.5, 0.8, 0.98])
@pytest.mark.parametrize("y", [1.0, 0.0, 0.6])
def test_the_point_label_stays_inside_a_narrow_plot(make, qtbot, y, p):
    """The 'CE = ...' text next to the dragged point is never cut by the plot's edges."""
    _state, view = make(target=(y, 1 - y), prediction=(p, 1 - p))
    view.resize(420, 260)
    settle()
    label = view.point_label
    assert label.toPlainText().startswith("CE = ")
    inside = view.loss_plot.getViewBox().sceneBoundingRect().adjusted(-1, -1, 1, 1)
    assert inside.contains(label.sceneBoundingRect()), (label.sceneBoundingRect(), inside)
