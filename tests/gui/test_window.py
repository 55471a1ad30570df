"""The explorer window as a whole: composition, integration points, undo/redo, presets, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import drag_bar, hold_descent_clock, play_frames, scroll_down, settle
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.window import MENU_NAMES, MainWindow
from ce_desktop.model import presets

ROOT = Path(__file__).resolve().parents[2]


def test_window_composes_views_and_menus(window):
    for name in ("target", "prediction", "softmax", "readouts", "contributions", "gradient", "formula",
                 "table", "controls"):
        assert name in window.views
    assert set(window.menus) == set(MENU_NAMES)
    assert all(isinstance(m, QtWidgets.QMenu) for m in window.menus.values())
    assert window.windowTitle() == f"{window.state.scenario.title}[*]"  # [*]: unsaved flag


def test_add_dock_returns_a_dock_in_the_bottom_area(window):
    w = QtWidgets.QLabel("descent")
    dock = window.add_dock(w, "Descent", QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, "descent_dock")
    assert isinstance(dock, QtWidgets.QDockWidget)
    assert dock.widget() is w
    assert dock.objectName() == "descent_dock"
    assert window.dockWidgetArea(dock) == QtCore.Qt.DockWidgetArea.BottomDockWidgetArea


def test_status_message(window):
    window.status("hello there")
    assert window.statusBar().currentMessage() == "hello there"


def test_drag_is_one_undo_step_with_named_text(window, qtbot):
    plot = window.views["prediction"]
    before = window.state.prediction.copy()
    n_before = len(window.state.history)
    drag_bar(qtbot, plot, 1, float(before[1]), 0.6)
    assert len(window.state.history) == n_before + 1
    name = window.state.class_names[1]
    assert window.state.history.undo_text == f"Drag prediction: {name}"
    assert window.undo_action.text() == f"Undo Drag prediction: {name}"
    # Ctrl+Z through the real shortcut restores the prediction exactly.
    window.activateWindow()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert list(window.state.prediction) == list(before)
    assert window.redo_action.isEnabled()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Y, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.state.prediction[1] == pytest.approx(0.6, abs=0.02)


def test_every_preset_loads_from_the_menu(window):
    actions = window.presets_menu.actions()
    assert len(actions) == len(presets.PRESETS)
    for action, preset in zip(actions, presets.PRESETS, strict=True):
        action.trigger()
        assert window.state.scenario.title == preset.title
        assert window.windowTitle() == f"{preset.title}[*]"
        assert window.state.history.undo_text == f"Preset: {preset.title}"


def test_theme_switch_restyles_every_view_and_is_remembered(window, settings_dir):
    bars = window.views["target"].bars
    before = bars.opts["brush"].color().name()
    window.theme_actions["dark"].trigger()
    assert window.theme.name == "dark"
    assert bars.opts["brush"].color().name() != before
    assert window.views["target"].backgroundBrush().color().name().lower() == "#1e1e1e"
    again = MainWindow(window.state, settings_dir=settings_dir)
    assert again.theme.name == "dark"
    again.close()


def test_shortcut_list_names_undo_and_keyboard_nudges(window):
    keys = dict((t, k) for k, t in window.shortcut_list())
    assert any("Undo" in t for t in keys)
    assert "Nudge the chosen bar by 1/20 of the range" in keys


@pytest.mark.parametrize("size", ["1280x720", "1920x1080"])
def test_screenshot_command_writes_png_of_that_size(tmp_path, size):
    out = tmp_path / "shot.png"
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "--screenshot", str(out), "--size", size,
                        "--preset", "soft-overconfident", "--settings-dir", str(tmp_path / "s")],
                       capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    img = QtGui.QImage(str(out))
    w, h = (int(v) for v in size.split("x"))
    assert (img.width(), img.height()) == (w, h)
    # Not blank: the picture holds more than a handful of colours.
    colours = {img.pixel(x, y) for x in range(0, w, 37) for y in range(0, h, 29)}
    assert len(colours) > 8


def test_a_presentation_screenshot_exits_cleanly(tmp_path):
    """The README's projector picture: the process used to write the PNG and then crash while
    Python shut down (exit 139), when PySide destroyed the leftover window too late."""
    out = tmp_path / "projector.png"
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "--lesson", "cross-entropy", "--slide", "22",
                        "--presentation", "--theme", "projector", "--font-scale", "150",
                        "--screenshot", str(out), "--size", "1280x720", "--settings-dir", str(tmp_path / "s")],
                       capture_output=True, text=True, timeout=120, cwd=ROOT,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])
    assert QtGui.QImage(str(out)).width() == 1280


def test_unknown_preset_exits_2_with_one_line_listing_names(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "--preset", "nope", "--screenshot",
                        str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60, cwd=ROOT,
                       env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "nope" in lines[0] and "good-prediction" in lines[0] and "soft-overconfident" in lines[0]
    assert not (tmp_path / "x.png").exists()


def _shown_below_minimum(w) -> list[str]:
    """The parts of the central area shown shorter than they need (a number card cut in half,
    a plot drawn over its neighbour): height below the minimum size hint."""
    from ce_desktop.gui.views.readouts import Readout

    parts = {"readouts": w.readouts, "tabs": w.tabs, "editors": w.left_splitter, "results": w.right_splitter,
             "target editor": w.target_editor, "prediction editor": w.prediction_editor}
    parts.update({f"card {k}": card for k, card in enumerate(w.readouts.findChildren(Readout))})
    return [f"{name}: {part.height()} < {part.minimumSizeHint().height()}" for name, part in parts.items()
            if part.isVisibleTo(w) and part.height() < part.minimumSizeHint().height()]


@pytest.mark.parametrize("percent", [150, 200])
def test_large_text_on_a_small_screen_scrolls_instead_of_squeezing(tmp_path, qtbot, percent):
    """At 1280x720 with large text the editors, numbers and plots need more height than the
    window has: the area scrolls (a real wheel turn), and nothing is cut or drawn over."""
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.window import MainWindow

    w = MainWindow(ExplorerState(), settings_dir=tmp_path / "s", theme="light", font_scale=percent)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    w.classroom.binary_view, w.classroom.comparison_view  # noqa: B018 (built just after the first paint)
    area = w.centralWidget()
    bar = area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.isVisible() and bar.maximum() > 0, timeout=3000)
    settle()
    assert _shown_below_minimum(w) == []
    # The numbers are whole: each card's big value fits inside its card.
    assert w.readouts.ce.value.geometry().bottom() < w.readouts.ce.height()
    # Turning the wheel over the area scrolls it down to the plots at the bottom.
    viewport = area.viewport()
    scroll_down(area, 20)
    assert bar.value() == bar.maximum()
    tabs_bottom = w.tabs.mapTo(viewport, QtCore.QPoint(0, w.tabs.height())).y()
    assert tabs_bottom <= viewport.height()


@pytest.mark.parametrize("theme", ["light", "dark", "projector"])
def test_at_normal_text_the_window_fits_without_scrolling(tmp_path, qtbot, theme):
    window = MainWindow(ExplorerState(), settings_dir=tmp_path / "s", theme=theme, font_scale=100)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    window.classroom.binary_view, window.classroom.comparison_view  # noqa: B018 (their minimum sizes count)
    settle()
    area = window.centralWidget()
    assert not area.verticalScrollBar().isVisible() and not area.horizontalScrollBar().isVisible()
    assert window.main_splitter.height() == area.viewport().height()
    assert _shown_below_minimum(window) == []


@pytest.mark.parametrize("percent", [100, 150])
def test_the_descent_status_is_never_cut(tmp_path, qtbot, percent):
    """The run's status sentence fits its label at the window's default size, before a run
    and after one stopped (a longer sentence), at normal and large text."""
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.window import MainWindow

    w = MainWindow(ExplorerState(), settings_dir=tmp_path / "s", theme="light", font_scale=percent)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    panel = w.descent_views["panel"]
    label = panel.status_label

    def fits() -> bool:
        return label.heightForWidth(label.width()) <= label.height()

    qtbot.waitUntil(fits, timeout=2000)
    w.state.set_descent(max_steps=3)
    hold_descent_clock(w.descent)
    qtbot.mouseClick(panel.play_button, QtCore.Qt.MouseButton.LeftButton)
    assert play_frames(w.descent, 10) == 3 and not w.descent.playing  # stopped at max_steps
    assert "3" in label.text() and len(label.text()) > 60, label.text()
    settle()
    assert fits(), (label.text(), label.width(), label.height(), label.heightForWidth(label.width()))


def test_an_ampersand_in_a_menu_item_shows_as_itself(window):
    # Qt reads "&" in an action's text as the mark of a shortcut key: "Per class & gradient"
    # would show as "Per class _gradient". iconText() is the text as shown, marks removed.
    shown = [a.iconText() for a in window.tab_actions]
    assert "Show “Per class & gradient”" in shown
    window.state.set_prediction_value(0, 0.5, "Drag prediction: R&D")
    assert window.undo_action.iconText() == "Undo Drag prediction: R&D"
