"""Keyboard first: every action has a shortcut, none clashes, Tab reaches every control (real Tab key events),
and every plot tells a screen reader its current values."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from conftest import show_window
from PySide6 import QtCore, QtGui, QtWidgets
from scipy import special

from ce_desktop.gui.keyboard import DOCK_SHORTCUTS, menu_actions
from ce_desktop.model import formatting as fmt

K = QtCore.Qt.Key
M = QtCore.Qt.KeyboardModifier
NATIVE = QtGui.QKeySequence.SequenceFormat.PortableText


@pytest.fixture
def win(qtbot, tmp_path):
    return show_window(qtbot, tmp_path / "settings", active=True)


def all_actions(w) -> list[QtGui.QAction]:
    out = []
    for a in menu_actions(w) + w.actions() + w.findChildren(QtGui.QAction):
        if a not in out and not a.isSeparator():
            out.append(a)
    return out


# --------------------------------------------------------------------------- shortcuts


def test_every_menu_command_has_a_shortcut(win):
    commands = menu_actions(win)
    assert len(commands) > 50
    # Open Recent is filled when it opens (numbered &1..&9 entries, like any recent-files menu).
    missing = [a.text() for a in commands if not a.shortcuts()]
    assert missing == []


def test_no_key_is_claimed_twice_and_no_chord_is_shadowed(win):
    owner: dict[str, QtGui.QAction] = {}
    for a in all_actions(win):
        for seq in a.shortcuts():
            if seq.isEmpty():
                continue
            key = seq.toString(NATIVE)
            assert key not in owner or owner[key] is a, f"{key}: {owner[key].text()} and {a.text()}"
            owner[key] = a
    # The first key of a two-key chord ("Ctrl+P, 3") is no shortcut of its own, or the chord never completes.
    singles = {k for k in owner if "," not in k}
    firsts = {k.split(",")[0].strip() for k in owner if "," in k}
    assert firsts and not firsts & singles
    # Presentation, its exit, text size and the dock toggles are all there.
    for key in ("F5", "Esc", "Ctrl+=", "Ctrl+-", "Ctrl+0", "Ctrl+Q", *DOCK_SHORTCUTS.values()):
        assert key in owner, key


def test_shortcuts_reach_their_actions_with_real_keys(win, qtbot):
    qtbot.keyClick(win, K.Key_P, M.ControlModifier)  # Ctrl+P, then 2: the second preset
    qtbot.keyClick(win, K.Key_2)
    assert win.state.scenario.title == "Uncertain prediction"
    dock = win.docks["dock_descent"]
    assert dock.isVisible()
    qtbot.keyClick(win, K.Key_D, M.ControlModifier)
    assert not dock.isVisible()
    qtbot.keyClick(win, K.Key_D, M.ControlModifier)
    assert dock.isVisible()
    qtbot.keyClick(win, K.Key_X, M.ControlModifier | M.ShiftModifier)
    assert win.docks["dock_exercises"].isVisible()
    qtbot.keyClick(win, K.Key_Q, M.ControlModifier)
    assert not win.isVisible()  # Ctrl+Q quits (the platform's StandardKey can be empty)


def test_the_help_lists_the_new_shortcuts(win, qtbot):
    dialog = win.classroom.shortcuts_dialog()
    qtbot.addWidget(dialog)
    rows = dialog.visible_rows()
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    for text, keys in (("Presentation mode", "F5"), ("Leave presentation mode", "Esc"),
                       ("Good prediction", "Ctrl+P, 1"), ("Copy as NumPy", "Ctrl+Shift+N")):
        shown = QtGui.QKeySequence(keys).toString(native)
        assert any(r[1] == text and shown in r[2] for r in rows), (text, shown)


# --------------------------------------------------------------------------- Tab


def tab_cycle(win, qtbot, key=K.Key_Tab, limit=150) -> list[QtWidgets.QWidget]:
    """Press Tab (real key events to the focused widget) until the focus comes back; the widgets passed."""
    start = QtWidgets.QApplication.focusWidget()
    assert start is not None
    seen = [start]
    for _ in range(limit):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), key)
        now = QtWidgets.QApplication.focusWidget()
        if now is start:
            return seen
        seen.append(now)
    raise AssertionError(f"Tab never came back to {start!r}: a keyboard trap in {seen[-5:]!r}")


def test_tab_reaches_every_control(win, qtbot):
    panel = win.descent_views["panel"]
    win.descent.step_forward()  # Back and Reset are enabled once a run exists
    win.controls.preset.setFocus()
    seen = set(tab_cycle(win, qtbot))
    expected = {
        "preset": win.controls.preset, "classes": win.controls.classes, "true class": win.controls.true_class,
        "smoothing slider": win.controls.smoothing, "mode": win.controls.mode, "units": win.controls.units,
        "presentation button": win.controls.widgetForAction(win.presentation.action),
        "target editor": win.target_editor, "prediction editor": win.prediction_editor,
        "detail tab bar": win.tabs.tabBar(),
        "play": panel.play_button, "back": panel.back_button, "step": panel.step_button, "reset": panel.reset_button,
        "stop rules": panel.more_button, "learning-rate slider": panel.lr_slider, "learning rate": panel.lr_entry,
        "speed slider": panel.speed_slider, "optimiser": panel.optimizer_combo,
        "descent tab bar": win.descent_views["tabs"].tabBar(), "scrubber": win.descent_views["trajectory"].scrubber,
    }
    missed = [name for name, widget in expected.items() if widget not in seen]
    assert missed == []
    # Shift+Tab walks the same ring backwards.
    win.prediction_editor.setFocus()
    qtbot.keyClick(win.prediction_editor, K.Key_Backtab)
    assert QtWidgets.QApplication.focusWidget() is win.target_editor


def test_tab_reaches_the_table_and_leaves_it_again(win, qtbot):
    qtbot.keyClick(win, K.Key_3, M.AltModifier)  # View ▸ Show “Table”
    assert win.tabs.currentWidget() is win.table
    win.controls.preset.setFocus()
    seen = tab_cycle(win, qtbot)  # raises on a trap: Tab must not stay in the table's cells
    assert seen.count(win.table) == 1


def test_tab_reaches_the_controls_of_every_detail_tab_and_the_folded_stop_rules(win, qtbot):
    c = win.classroom
    for keys, wanted in ((K.Key_4, (c.binary_view.class_box,)),
                         (K.Key_5, (c.comparison_view.gamma_spin, c.comparison_view.q_spin))):
        qtbot.keyClick(win, keys, M.AltModifier)
        win.controls.preset.setFocus()
        seen = set(tab_cycle(win, qtbot))
        assert all(w in seen for w in wanted)
    panel = win.descent_views["panel"]
    panel.more_button.setFocus()
    qtbot.keyClick(panel.more_button, K.Key_Space)  # unfold with the keyboard
    assert panel.stop_rules.isVisible()
    seen = set(tab_cycle(win, qtbot))
    assert panel.tolerance_combo in seen and panel.max_steps_entry in seen


def test_every_focusable_control_has_a_name(win, qtbot):
    win.controls.preset.setFocus()
    unnamed = []
    for w in tab_cycle(win, qtbot):
        name = w.accessibleName() or (w.text() if hasattr(w, "text") and isinstance(w.text(), str) else "")
        if not name and not isinstance(w, QtWidgets.QTabBar):  # a tab bar reads out its tabs' titles
            unnamed.append(w)
    assert unnamed == []


# --------------------------------------------------------------------------- accessible names and descriptions


def numbers_in(text: str) -> list[float]:
    return [float(x.replace("−", "-")) for x in re.findall(r"[−+-]?\d+\.\d+", text)]


def test_plots_state_their_current_values_and_follow_the_state(win, qtbot):
    s = win.state
    c = win.classroom
    plots = {
        "target": win.target_editor, "prediction": win.prediction_editor, "contributions": win.contributions,
        "gradient": win.gradient, "binary": c.binary_view.plot, "comparison": c.comparison_view.plot,
        "readouts": win.readouts, "simplex": win.descent_views["simplex"].plot,
        "trajectory": win.descent_views["trajectory"].plot, "logits": win.descent_views["logits"].plot,
        "softmax": win.softmax_view,
    }
    for name, plot in plots.items():
        assert plot.accessibleName(), name
    p = np.array([0.5, 0.3, 0.2])
    s.set_prediction(p)
    ce = -math.log(0.5)  # hard target on cat: CE = −log ŷ(cat)
    assert f"{ce:.3f}" == "0.693"
    assert "cat 0.500; dog 0.300; bird 0.200" in win.prediction_editor.accessibleDescription()
    assert "cat 1.000; dog 0.000; bird 0.000" in win.target_editor.accessibleDescription()
    assert "cat -0.500; dog +0.300; bird +0.200" in win.gradient.accessibleDescription()
    assert "CE terms: cat 0.693; dog 0.000; bird 0.000" in win.contributions.accessibleDescription()
    assert "Cross-entropy 0.693 nats" in win.readouts.accessibleDescription()
    # Views in hidden tabs catch up when shown (they skip work while hidden).
    qtbot.keyClick(win, K.Key_4, M.AltModifier)
    assert "prediction p 0.500" in c.binary_view.plot.accessibleDescription()
    assert f"loss {ce:.3f} nats" in c.binary_view.plot.accessibleDescription()
    qtbot.keyClick(win, K.Key_5, M.AltModifier)
    assert "At q = 0.500" in c.comparison_view.plot.accessibleDescription()
    # The simplex and the descent plots live in tabs of the descent dock; shown, they say the same.
    tabs = win.descent_views["tabs"]
    tabs.setCurrentWidget(win.descent_views["simplex"])
    assert "Prediction ŷ: cat 0.500; dog 0.300; bird 0.200" in plots["simplex"].accessibleDescription()
    assert "CE = 0.693 nats" in plots["simplex"].accessibleDescription()
    # Logits mode: the softmax view reads out ŷ.
    s.set_logits_mode(True)
    assert "cat 0.500; dog 0.300; bird 0.200" in win.softmax_view.accessibleDescription()
    s.set_logits_mode(False)
    # Three steps of gradient descent (lr 1) by hand: z ← z − (softmax(z) − y).
    y = np.array([1.0, 0.0, 0.0])
    z = np.log(p)
    history = [z]
    for _ in range(3):
        z = z - s.descent.learning_rate * (special.softmax(z) - y)
        history.append(z)
    ce3 = -math.log(special.softmax(z)[0])
    tabs.setCurrentWidget(win.descent_views["trajectory"])
    for _ in range(3):
        win.descent.step_forward()
    desc = plots["trajectory"].accessibleDescription()
    assert desc.startswith("Step 3 of 3:") and f"CE {ce3:.3f}" in desc and f"CE at step 0: {ce:.3f}" in desc
    tabs.setCurrentWidget(win.descent_views["logits"])
    desc = plots["logits"].accessibleDescription()
    assert desc.startswith("Step 3 of 3, logits z:")
    shown = numbers_in(desc.split("z:")[1])
    assert len(shown) == 3  # logits are defined up to a constant: compare their differences
    np.testing.assert_allclose(np.diff(shown), np.diff(history[3]), atol=0.011)
    # Stepping back updates the description through the same path.
    win.descent.step_back()
    assert plots["logits"].accessibleDescription().startswith("Step 2 of 3")


def test_class_values_formatting():
    assert fmt.class_values(["a", "b", "c"], [0.1, -0.0, math.inf]) == "a 0.100; b 0.000; c ∞"
    assert fmt.class_values(["a", "b"], [-0.0001, 0.25], signed_values=True) == "a 0.000; b +0.250"
    assert fmt.class_values(["a", "b", "c"], [1, 2, 3], decimals=1, limit=2) == "a 1.0; b 2.0; and 1 more class"
    names = [f"c{i}" for i in range(1000)]
    text = fmt.class_values(names, np.full(1000, 0.001))
    assert text.count(";") == fmt.DESCRIBED_CLASSES and text.endswith("and 980 more classes")
