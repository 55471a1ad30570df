"""File menu: save / open round trips, refused files, atomic saves, unsaved-changes questions,
drag and drop, recent files, exports and copies, all through a real window and real events."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import math
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import SPECIAL_FILES, make_special_file, settle
from PySide6 import QtCore, QtGui, QtTest, QtWidgets
from scipy import special

from ce_desktop import resources
from ce_desktop.gui.dialogs import CANCEL, DISCARD, SAVE, Prompts
from ce_desktop.gui.files import FileActions
from ce_desktop.gui.picture_dialog import PictureDialog
from ce_desktop.gui.settings import Settings
from ce_desktop.gui.state import ExplorerState
from ce_desktop.model import export
from ce_desktop.model.scenario import FORMAT_NAME, MAX_CLASSES, DescentSettings, Scenario
from ce_desktop.model.workspace_file import MAX_FILE_BYTES as SESSION_MAX_BYTES

DATA = Path(__file__).resolve().parents[1] / "data"
SCENARIOS = resources.scenarios_dir()


class FakePrompts:
    """Answers every question from attributes and records what was asked."""

    def __init__(self):
        self.answer = CANCEL
        self.open_result = None
        self.save_result = None
        self.export_result = None
        self.picture_result = None
        self.asked: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str]] = []
        self.suggested: list[str] = []

    def save_changes(self, name, doing):
        self.asked.append((name, doing))
        return self.answer

    def open_path(self, directory):
        return self.open_result

    def save_path(self, suggested):
        self.suggested.append(suggested)
        return self.save_result

    def export_path(self, title, suggested, file_filter):
        self.suggested.append(suggested)
        return self.export_result

    def picture(self, targets, directory):
        self.targets = targets
        return self.picture_result

    def error(self, title, text):
        self.errors.append((title, text))


class Window(QtWidgets.QMainWindow):
    """The parts of the main window FileActions relies on."""

    def __init__(self):
        super().__init__()
        self.menus = {"File": self.menuBar().addMenu("&File")}
        self.quit_action = self.menus["File"].addAction("&Quit")
        self.messages: list[str] = []
        self.setCentralWidget(QtWidgets.QLabel("explorer"))

    def status(self, message):
        self.messages.append(message)


def _scenario() -> Scenario:
    return Scenario.create(
        [0.6, 0.3, 0.1, 0.0],
        logits=[1.5, -0.25, 0.125, -3.0],
        temperature=1.7,
        label_smoothing=0.05,
        units="bits",
        class_names=("ant", "bee", "cicada", "dragonfly"),
        title="Insects",
        description="for next week",
        descent=DescentSettings(optimizer="momentum", learning_rate=0.3, momentum=0.8, max_steps=123),
    )


@pytest.fixture
def app(qtbot, tmp_path):
    """(window, state, actions, prompts, settings) with settings in a temporary folder."""
    def make(scenario=None, **kwargs):
        window = Window()
        qtbot.addWidget(window)
        state = ExplorerState(scenario)
        prompts = FakePrompts()
        settings = Settings(tmp_path / "settings")
        actions = FileActions(window, state, settings, prompts=prompts, **kwargs)
        actions.install()
        window.resize(640, 480)
        window.show()
        qtbot.waitExposed(window)
        return window, state, actions, prompts, settings
    return make


def _shortcut(qtbot, window, key, modifiers):
    """Press a real key combination in the window."""
    window.activateWindow()
    assert QtTest.QTest.qWaitForWindowActive(window, 2000)  # shortcuts go to the active window
    qtbot.keyClick(window, key, modifiers)


# --------------------------------------------------------------------------- save and open

def test_save_then_open_gives_the_identical_state(app, qtbot, tmp_path):
    window, state, actions, prompts, _ = app()
    original = _scenario()
    state.load(original)
    assert actions.modified and window.isWindowModified()
    prompts.save_result = str(tmp_path / "insects")  # no extension: .json is added
    _shortcut(qtbot, window, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    saved = tmp_path / "insects.json"
    assert saved.is_file()
    assert not actions.modified and not window.isWindowModified()
    assert window.windowTitle() == "insects.json[*]"  # Qt appends " — CE Explorer" (the display name), once
    assert "CE Explorer" not in window.windowTitle() and window.windowFilePath() == str(saved)
    assert json.loads(saved.read_text())["format"] == FORMAT_NAME

    window2, state2, actions2, prompts2, _ = app()
    prompts2.open_result = str(saved)
    _shortcut(qtbot, window2, QtCore.Qt.Key.Key_O, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert state2.scenario.same_as(original)
    # The derived numbers are the same too, and right (scipy from the raw fields).
    y = np.array([0.6, 0.3, 0.1, 0.0]) * 0.95 + 0.05 / 4
    logp = special.log_softmax(np.array([1.5, -0.25, 0.125, -3.0]) / 1.7)
    assert state2.evaluation.cross_entropy == pytest.approx(-(y * logp).sum() / math.log(2), rel=1e-12)
    assert actions2.path == saved and not actions2.modified
    assert window2.windowTitle() == "insects.json[*]"


def test_save_writes_to_the_same_file_without_asking_and_save_as_asks(app, tmp_path):
    window, state, actions, prompts, _ = app()
    prompts.save_result = str(tmp_path / "a.json")
    assert actions.save()
    state.set_temperature(2.0)
    prompts.save_result = None  # Save must not ask again
    assert actions.save()
    assert Scenario.load(tmp_path / "a.json").temperature == 2.0
    prompts.save_result = str(tmp_path / "b.json")
    actions.save_as_action.trigger()
    assert actions.path == tmp_path / "b.json"
    assert Scenario.load(tmp_path / "b.json").same_as(state.scenario)
    prompts.save_result = None
    state.set_temperature(3.0)
    assert actions.save_as() is False  # cancelled: nothing written, still modified
    assert actions.modified and Scenario.load(tmp_path / "b.json").temperature == 2.0


def test_the_title_flags_unsaved_changes_and_undo_clears_them(app, tmp_path):
    window, state, actions, prompts, _ = app()
    prompts.save_result = str(tmp_path / "x.json")
    actions.save()
    assert not window.isWindowModified()
    state.set_prediction_value(0, 0.5)
    assert window.isWindowModified() and actions.modified
    state.undo()
    assert not window.isWindowModified()


@pytest.mark.parametrize("path", sorted(DATA.glob("scenario-v1-*.json")), ids=lambda p: p.name)
def test_old_format_files_open(app, path):
    window, state, actions, prompts, _ = app()
    assert actions.load_path(path), prompts.errors
    assert prompts.errors == []
    assert state.scenario.same_as(Scenario.load(path))
    assert np.isfinite(state.evaluation.cross_entropy) or state.evaluation.cross_entropy == math.inf


def test_old_format_files_mean_what_they_meant():
    assert len(list(DATA.glob("scenario-v1-*.json"))) >= 5
    minimal = Scenario.load(DATA / "scenario-v1-minimal.json")
    assert minimal.evaluate().cross_entropy == pytest.approx(-math.log(0.75), rel=1e-15)
    assert minimal.class_names == ("class 1", "class 2") and minimal.units == "nats"
    logits = Scenario.load(DATA / "scenario-v1-logits-temperature.json")
    assert logits.descent.optimizer == "adam" and logits.descent.learning_rate == 0.1
    ref = -special.log_softmax(np.array([2.0, 1.0, 0.1]) / 2.0)[0]
    assert logits.evaluate().cross_entropy == pytest.approx(ref, rel=1e-12)
    bits = Scenario.load(DATA / "scenario-v1-label-smoothing-bits.json")
    y = np.array([1, 0, 0]) * 0.9 + 0.1 / 3
    assert bits.evaluate().cross_entropy == pytest.approx(
        -(y * np.log([0.8, 0.1, 0.1])).sum() / math.log(2), rel=1e-12
    )
    digits = Scenario.load(DATA / "scenario-v1-ten-digits.json")
    assert digits.num_classes == 10


def test_shipped_example_scenarios_load_and_include_the_seed_examples():
    files = {p.stem: Scenario.load(p) for p in SCENARIOS.glob("*.json")}
    assert files["seed-hard-good-prediction"].evaluate().cross_entropy == pytest.approx(0.223, abs=5e-4)
    assert files["seed-soft-close-match"].evaluate().cross_entropy == pytest.approx(0.829, abs=5e-4)
    assert any(s.num_classes == 10 for s in files.values())


def _malformed(tmp_path) -> dict[str, tuple[Path, str]]:
    """Each kind of bad file, with a word the message must contain."""
    good = json.loads((DATA / "scenario-v1-seed-hard-good-prediction.json").read_text())
    cases: dict[str, tuple[object, str]] = {
        "not-json": ("{ this is not json", "not valid JSON"),
        "empty": ("", "not valid JSON"),
        "wrong-format": (json.dumps({**good, "format": "something-else"}), "not a CE Explorer scenario"),
        "future-version": (json.dumps({**good, "version": 99}), "newer"),
        "no-target": (json.dumps({k: v for k, v in good.items() if k != "target"}), "target"),
        "nan": (json.dumps(good).replace('"label_smoothing": 0.0', '"label_smoothing": NaN'), "NaN"),
        "negative": (json.dumps({**good, "prediction": [1.2, -0.1, -0.1]}), "prediction"),
        "not-summing": (json.dumps({**good, "target": [0.5, 0.2, 0.1]}), "sum"),
        "string-number": (json.dumps({**good, "prediction": ["0.8", 0.1, 0.1]}), "not a number"),
        "too-many-classes": (json.dumps({**good, "class_names": None, "target": [1] + [0] * MAX_CLASSES,
                                          "prediction": [1 / (MAX_CLASSES + 1)] * (MAX_CLASSES + 1)}),
                             "at most"),
        "unknown-field": (json.dumps({**good, "exec": "import os"}), "unknown field"),
        "array": ("[1, 2, 3]", "JSON object"),
        "huge": (" " * (SESSION_MAX_BYTES + 100) + "{}", "larger than"),  # a file with a dataset may be large
        "binary": (bytes(range(256)), "not a text"),
        "bad-descent": (json.dumps({**good, "descent": {"optimizer": "newton"}}), "newton"),
    }
    out = {}
    for name, (content, word) in cases.items():
        p = tmp_path / f"{name}.json"
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        out[name] = (p, word)
    out["missing"] = (tmp_path / "does-not-exist.json", "no such scenario file")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    out["a-folder"] = (folder, "folder.json")
    return out


def test_each_kind_of_malformed_file_is_refused_and_nothing_changes(app, tmp_path):
    window, state, actions, prompts, settings = app()
    prompts.save_result = str(tmp_path / "current.json")
    actions.save()
    state.set_temperature(1.25)  # unsaved work in progress
    before, revision, title = state.scenario, state.revision, window.windowTitle()
    undo_text = state.history.undo_text
    for name, (path, word) in _malformed(tmp_path).items():
        prompts.errors.clear()
        prompts.answer = DISCARD
        assert actions.open_file(path) is False, name
        assert len(prompts.errors) == 1, name
        title_text, message = prompts.errors[0]
        assert title_text == "Cannot open the scenario"
        assert word.lower() in message.lower(), (name, message)
        assert path.name in message, (name, message)
        assert state.scenario is before and state.revision == revision, name
        assert state.history.undo_text == undo_text
        assert actions.path == tmp_path / "current.json" and actions.modified
        assert window.windowTitle() == title
    assert str(tmp_path / "does-not-exist.json") not in settings.recent_files


def test_a_refused_file_shows_a_message_box_in_the_window(qtbot, tmp_path):
    window = Window()
    qtbot.addWidget(window)
    window.show()
    state = ExplorerState()
    actions = FileActions(window, state, None)  # the real dialogs
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ce-explorer-scenario", "version": 7}')
    assert actions.load_path(bad) is False
    boxes = [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert "newer" in boxes[0].informativeText() and "bad.json" in boxes[0].informativeText()
    assert boxes[0].windowModality() == QtCore.Qt.WindowModality.WindowModal
    boxes[0].button(QtWidgets.QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not boxes[0].isVisible())


# --------------------------------------------------------------------------- failed saves

def test_an_interrupted_save_leaves_the_old_file_intact(app, tmp_path, monkeypatch):
    window, state, actions, prompts, _ = app()
    prompts.save_result = str(tmp_path / "work.json")
    actions.save()
    old = (tmp_path / "work.json").read_bytes()
    state.set_num_classes(7)
    def power_cut(*args):
        raise OSError(errno.EIO, "Input/output error")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", power_cut)  # e.g. power cut before the rename
        assert actions.save() is False
    assert (tmp_path / "work.json").read_bytes() == old
    assert actions.modified and window.isWindowModified()
    assert prompts.errors and "not changed" in prompts.errors[-1][1]
    assert state.num_classes == 7  # the work in the window is untouched too


def test_a_disk_full_midway_leaves_the_old_file_intact(app, tmp_path, monkeypatch):
    window, state, actions, prompts, _ = app()
    prompts.save_result = str(tmp_path / "work.json")
    actions.save()
    old = (tmp_path / "work.json").read_bytes()
    state.set_num_classes(5)
    real_write = os.write
    writes = []

    def half_then_full(fd, data):
        writes.append(fd)
        if len(writes) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data)[: len(data) // 2])

    with monkeypatch.context() as m:
        m.setattr(os, "write", half_then_full)
        assert actions.save() is False
    assert (tmp_path / "work.json").read_bytes() == old
    assert "No space left on device" in prompts.errors[-1][1]
    assert sorted(p.name for p in tmp_path.glob("work*")) == ["work.json"]  # no temporary left


def test_saving_where_one_cannot_write_is_a_message(app, tmp_path):
    window, state, actions, prompts, _ = app()
    prompts.save_result = str(tmp_path / "no" / "such" / "folder" / "x.json")
    assert actions.save() is False
    assert prompts.errors[-1][0] == "Cannot save the scenario"
    assert actions.path is None
    folder = tmp_path / "is-a-folder.json"
    folder.mkdir()
    prompts.save_result = str(folder)
    assert actions.save_as() is False
    assert folder.is_dir()


# --------------------------------------------------------------------------- unsaved changes

def test_close_with_unsaved_changes_asks_and_cancel_keeps_the_window(app):
    window, state, actions, prompts, _ = app()
    state.set_prediction_value(1, 0.6)
    prompts.answer = CANCEL
    assert window.close() is False
    assert window.isVisible()
    assert prompts.asked == [("Good prediction", "closing")]  # untitled: the scenario's title


def test_close_discard_closes_and_save_saves_first(app, tmp_path):
    window, state, actions, prompts, settings = app()
    state.set_prediction_value(1, 0.6)
    prompts.answer = DISCARD
    assert window.close() is True
    assert settings.last_scenario is None  # discarded, never saved: the next start begins afresh

    window2, state2, actions2, prompts2, _ = app()
    state2.set_prediction_value(2, 0.7)
    prompts2.answer = SAVE
    prompts2.save_result = str(tmp_path / "kept.json")
    assert window2.close() is True
    assert Scenario.load(tmp_path / "kept.json").same_as(state2.scenario)

    window3, state3, actions3, prompts3, _ = app()
    state3.set_prediction_value(2, 0.7)
    prompts3.answer = SAVE
    prompts3.save_result = None  # the Save As dialog is cancelled: do not close
    assert window3.close() is False


def test_discard_at_quit_reopens_the_file_as_saved_next_time(app, tmp_path):
    window, state, actions, prompts, settings = app()
    saved = tmp_path / "kept.json"
    _scenario().save(saved)
    assert actions.load_path(saved)
    state.set_temperature(0.5)
    state.set_num_classes(6)
    prompts.answer = DISCARD
    assert window.close() is True
    assert prompts.asked == [("kept.json", "closing")]

    window2, state2, actions2, prompts2, _ = app()
    assert actions2.restore()
    assert state2.scenario.same_as(_scenario()), "the discarded edits came back"
    assert actions2.path == saved and not actions2.modified
    assert window2.windowTitle() == "kept.json[*]" and not window2.isWindowModified()


def test_discard_at_quit_of_a_never_saved_scenario_starts_afresh_next_time(app):
    window, state, actions, prompts, settings = app()
    state.set_prediction_value(1, 0.6)
    prompts.answer = DISCARD
    assert window.close() is True
    window2, state2, actions2, prompts2, _ = app()
    fresh = state2.scenario
    assert actions2.restore() is False  # nothing remembered: the app's own start
    assert state2.scenario is fresh and actions2.path is None and not actions2.modified


def test_the_real_discard_button_at_quit_of_the_main_window(qtbot, settings_dir, tmp_path):
    """The whole flow: the real window, its real question, a real click on Discard, a second start."""
    from ce_desktop.gui.window import MainWindow

    saved = tmp_path / "lecture.json"
    _scenario().save(saved)
    w1 = MainWindow(ExplorerState(), settings_dir=settings_dir)
    qtbot.addWidget(w1)
    w1.show()
    assert w1.file_actions.load_path(saved)
    w1.state.set_temperature(0.5)
    w1.file_actions.ask_on_close = True  # as the app sets it
    asked, closed = [], []

    def click_discard():
        if closed:  # the window closed without asking: the assertion below says so
            return
        boxes = [b for b in w1.findChildren(QtWidgets.QMessageBox) if b.isVisible()]
        if not boxes:  # not shown yet: look again once the box's own event loop runs
            QtCore.QTimer.singleShot(10, click_discard)
            return
        asked.append(boxes[0].text())
        discard = boxes[0].button(QtWidgets.QMessageBox.StandardButton.Discard)
        qtbot.mouseClick(discard, QtCore.Qt.MouseButton.LeftButton)

    QtCore.QTimer.singleShot(0, click_discard)
    assert w1.close() is True
    closed.append(True)
    assert asked and "“lecture.json”" in asked[0]
    w2 = MainWindow(ExplorerState(), settings_dir=settings_dir)
    qtbot.addWidget(w2)
    assert w2.file_actions.restore()
    assert w2.state.scenario.same_as(Scenario.load(saved)) and w2.state.temperature == 1.7
    assert w2.file_actions.path == saved and not w2.file_actions.modified


def test_close_without_changes_does_not_ask(app):
    window, state, actions, prompts, _ = app()
    assert window.close() is True
    assert prompts.asked == []


def test_open_asks_first_and_cancel_changes_nothing(app, tmp_path):
    window, state, actions, prompts, _ = app()
    state.set_prediction_value(1, 0.6)
    before = state.scenario
    prompts.answer = CANCEL
    prompts.open_result = str(SCENARIOS / "ten-digits.json")
    assert actions.open() is False
    assert state.scenario is before
    prompts.answer = DISCARD
    assert actions.open() is True
    assert state.num_classes == 10


def test_new_starts_untitled_and_asks_first(app, qtbot):
    window, state, actions, prompts, _ = app()
    actions.load_path(SCENARIOS / "ten-digits.json")
    state.set_prediction_value(0, 0.2)
    prompts.answer = DISCARD
    _shortcut(qtbot, window, QtCore.Qt.Key.Key_N, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert prompts.asked == [("ten-digits.json", "starting a new scenario")]
    assert state.num_classes == 3 and actions.path is None
    assert window.windowTitle() == "Untitled[*]" and not actions.modified


# --------------------------------------------------------------------------- drag and drop


def _drop_event(kind, paths):
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QtCore.QPointF(50, 50)
    if kind == "enter":
        return QtGui.QDragEnterEvent(
            pos.toPoint(),
            QtCore.Qt.DropAction.CopyAction,
            mime,
            QtCore.Qt.MouseButton.LeftButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
        ), mime
    return QtGui.QDropEvent(
        pos,
        QtCore.Qt.DropAction.CopyAction,
        mime,
        QtCore.Qt.MouseButton.LeftButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
    ), mime


def test_dropping_a_json_file_opens_it(app, qtbot):
    window, state, actions, prompts, _ = app()
    path = SCENARIOS / "seed-soft-overconfident.json"
    enter, _m1 = _drop_event("enter", [path])
    QtWidgets.QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop, _m2 = _drop_event("drop", [path])
    QtWidgets.QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: actions.path == path)
    assert state.scenario.same_as(Scenario.load(path))


def test_dropping_other_things_is_refused(app, tmp_path):
    window, state, actions, prompts, _ = app()
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    for paths in ([txt], [SCENARIOS / "ten-digits.json", SCENARIOS / "seed-hard-good-prediction.json"]):
        enter, _m = _drop_event("enter", paths)
        enter.ignore()
        QtWidgets.QApplication.sendEvent(window, enter)
        assert not enter.isAccepted()


def test_dropping_a_bad_file_shows_why(app, qtbot, tmp_path):
    window, state, actions, prompts, _ = app()
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    before = state.scenario
    # Qt delivers a drop to the widget that accepted the drag's enter event: enter first.
    enter, _m1 = _drop_event("enter", [bad])
    QtWidgets.QApplication.sendEvent(window, enter)
    drop, _m2 = _drop_event("drop", [bad])
    QtWidgets.QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: len(prompts.errors) == 1)
    assert state.scenario is before


# --------------------------------------------------------------------------- recent files


def test_recent_files_menu_reopens_and_forgets_missing_files(app, qtbot, tmp_path):
    window, state, actions, prompts, settings = app()
    copy = tmp_path / "copy.json"
    copy.write_bytes((SCENARIOS / "ten-digits.json").read_bytes())
    assert actions.load_path(SCENARIOS / "seed-hard-good-prediction.json")
    assert actions.load_path(copy)
    assert settings.recent_files[:2] == [str(copy), str(SCENARIOS / "seed-hard-good-prediction.json")]
    actions.recent_menu.aboutToShow.emit()
    entries = [a for a in actions.recent_menu.actions() if a.toolTip().endswith(".json")]
    assert [a.toolTip() for a in entries[:2]] == settings.recent_files[:2]
    entries[1].trigger()
    assert state.num_classes == 3 and actions.path.name == "seed-hard-good-prediction.json"
    copy.unlink()
    actions.recent_menu.aboutToShow.emit()
    [a for a in actions.recent_menu.actions() if a.toolTip() == str(copy)][0].trigger()
    assert "copy.json" in prompts.errors[-1][1]
    assert str(copy) not in settings.recent_files


def test_the_file_menu_holds_the_actions_before_quit(app):
    window, state, actions, prompts, _ = app()
    texts = [a.text() for a in window.menus["File"].actions()]
    assert texts.index("&Open…") < texts.index("&Save") < texts.index("&Quit")
    assert "Open &Recent" in texts and "Copy as &NumPy" in texts
    assert actions.save_as_action.shortcut().toString() == "Ctrl+Shift+S"
    assert actions.open_action.shortcut() == QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Open)


@pytest.mark.parametrize("kind", SPECIAL_FILES)
def test_save_as_over_a_pipe_device_or_socket_is_refused_and_the_work_stays(app, qtbot, tmp_path, kind):
    """Saving "over" one would replace it with a JSON file and say "Saved"."""
    window, state, actions, prompts, settings = app()
    state.set_prediction_value(1, 0.6)
    edited = state.scenario
    target = make_special_file(kind, tmp_path)
    before = os.stat(target)
    prompts.save_result = str(target)
    _shortcut(
        qtbot,
        window,
        QtCore.Qt.Key.Key_S,
        QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier,
    )
    assert prompts.suggested, "Save As did not ask for a name"
    assert prompts.errors, "no message"
    title, text = prompts.errors[-1]
    assert title == "Cannot save the scenario"
    assert f"{target} is a {kind}, not a regular file" in text and "Nothing was written" in text
    after = os.stat(target)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert state.scenario is edited and actions.modified and window.isWindowModified() and actions.path is None
    assert not [m for m in window.messages if m.startswith("Saved")]
    assert str(target) not in settings.recent_files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_save_to_a_file_since_replaced_by_a_named_pipe_is_refused(app, qtbot, tmp_path):
    window, state, actions, prompts, _ = app()
    work = tmp_path / "work.json"
    prompts.save_result = str(work)
    assert actions.save()
    state.set_num_classes(5)
    work.unlink()
    os.mkfifo(work)
    _shortcut(qtbot, window, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert prompts.errors and f"{work} is a named pipe" in prompts.errors[-1][1]
    assert work.is_fifo() and actions.modified and state.num_classes == 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("export_kind", ["table", "trajectory", "picture"])
def test_exports_over_a_named_pipe_are_refused(app, tmp_path, export_kind):
    rows = [{"step": 0, "loss": 1.0, "kl": 0.5, "entropy": 0.5, "logits": [0.0, 0.0, 0.0]}]
    window, state, actions, prompts, _ = app(trajectory=lambda: rows)
    target = tmp_path / ("out.png" if export_kind == "picture" else "out.csv")
    os.mkfifo(target)
    if export_kind == "table":
        prompts.export_result = str(target)
        assert actions.export_table() is False
    elif export_kind == "trajectory":
        prompts.export_result = str(target)
        assert actions.export_trajectory() is False
    else:
        prompts.picture_result = (window, str(target), (320, 200))
        assert actions.export_picture() is False
    assert prompts.errors and f"{target} is a named pipe, not a regular file" in prompts.errors[-1][1]
    assert target.is_fifo()
    assert not [m for m in window.messages if m.startswith("Exported")]


# --------------------------------------------------------------------------- exports and copies


def test_export_table_and_copy_table(app, tmp_path):
    window, state, actions, prompts, _ = app(_scenario())
    prompts.export_result = str(tmp_path / "t.csv")
    assert actions.export_table()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert [r["class"] for r in rows] == ["ant", "bee", "cicada", "dragonfly"]
    assert sum(float(r["ce_term"]) for r in rows) == pytest.approx(state.evaluation.cross_entropy, rel=1e-12)
    actions.copy_table_action.trigger()
    clip = QtGui.QGuiApplication.clipboard().text()
    assert clip == export.table_tsv(state.scenario)
    assert clip.splitlines()[1].split("\t")[0] == "ant"


def test_copy_as_numpy_and_pytorch(app):
    window, state, actions, prompts, _ = app(_scenario())
    actions.copy_numpy_action.trigger()
    assert "import numpy as np" in QtGui.QGuiApplication.clipboard().text()
    actions.copy_torch_action.trigger()
    assert "F.cross_entropy(" in QtGui.QGuiApplication.clipboard().text()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_picture_of_the_window_at_slide_size(app, tmp_path, suffix):
    window, state, actions, prompts, _ = app()
    path = tmp_path / f"slide{suffix}"
    prompts.picture_result = (window, str(path), (1920, 1080))
    assert actions.export_picture()
    assert prompts.targets[0] == ("The whole window", window)
    if suffix == ".png":
        img = QtGui.QImage(str(path))
        assert (img.width(), img.height()) == (1920, 1080)
    else:
        import xml.etree.ElementTree as ET

        root = ET.parse(path).getroot()
        assert (root.get("width"), root.get("height")) == ("1920", "1080")


def test_export_picture_problems_are_messages(app, tmp_path):
    window, state, actions, prompts, _ = app()
    prompts.picture_result = (window, str(tmp_path / "slide.bmp"), (100, 100))
    assert actions.export_picture() is False
    assert ".png or .svg" in prompts.errors[-1][1]
    prompts.picture_result = (window, str(tmp_path / "missing" / "slide.png"), (100, 100))
    assert actions.export_picture() is False
    assert prompts.errors[-1][0] == "Cannot export the picture"


def test_plots_are_offered_by_name(app, qtbot):
    import pyqtgraph as pg

    window, state, actions, prompts, _ = app()
    dock = QtWidgets.QDockWidget("Per-class contributions", window)
    dock.setWidget(pg.PlotWidget())
    window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    titled = pg.PlotWidget(title="Loss <i>vs</i> step")
    dock2 = QtWidgets.QDockWidget("Trajectory", window)
    dock2.setWidget(titled)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock2)
    qtbot.waitUntil(lambda: titled.isVisible())
    names = [name for name, _ in actions.picture_targets()]
    assert names == ["The whole window", "Per-class contributions", "Loss vs step"]


def test_every_picture_target_of_the_real_window_has_a_clean_name(window):
    from ce_desktop.gui.picture_dialog import find_plots

    window.resize(1280, 720)
    window.show()
    settle()
    names = [name for name, _ in find_plots(window)]
    assert "Per-class contributions" in names
    for name in names:
        # No legend swatches, no formulas of a legend, no markup: a name a person would give it.
        assert "■" not in name and "<" not in name and "can be" not in name, name
        assert len(name) <= 60, name


def test_picture_dialog_offers_the_widget_size_and_slide_sizes(qtbot):
    w = QtWidgets.QLabel("x")
    w.resize(321, 123)
    d = PictureDialog([("The whole window", w)])
    qtbot.addWidget(d)
    widget, size, suffix = d.choice()
    assert widget is w and size == (321, 123) and suffix == ".png"
    d.size_box.setCurrentIndex(2)
    d.size_box.activated.emit(2)
    d.format_box.setCurrentIndex(1)
    assert d.choice()[1:] == ((1920, 1080), ".svg")


def test_export_trajectory(app, tmp_path):
    rows = []
    window, state, actions, prompts, _ = app(trajectory=lambda: rows)
    prompts.export_result = str(tmp_path / "run.csv")
    assert actions.export_trajectory() is False  # no run yet
    assert "No descent run" in prompts.errors[-1][0]
    rows.extend(
        {"step": k, "loss": 1.0 / (k + 1), "kl": 0.5 / (k + 1), "entropy": 0.5, "logits": [k * 0.1, 0.0, -k * 0.1]}
        for k in range(5)
    )
    assert actions.export_trajectory()
    parsed = list(csv.DictReader(io.StringIO((tmp_path / "run.csv").read_text())))
    assert len(parsed) == 5 and float(parsed[4]["logit_cat"]) == pytest.approx(0.4)


# --------------------------------------------------------------------------- session


def test_the_session_comes_back_with_its_file(app, tmp_path):
    window, state, actions, prompts, settings = app()
    prompts.save_result = str(tmp_path / "lesson.json")
    state.load(_scenario())
    actions.save()
    assert window.close()

    window2, state2, actions2, prompts2, settings2 = app()
    assert actions2.restore()
    assert state2.scenario.same_as(_scenario())
    assert actions2.path == tmp_path / "lesson.json" and not actions2.modified
    assert actions2.restore(scenario_given=True) is False


def test_default_prompts_error_is_non_blocking(qtbot):
    w = QtWidgets.QWidget()
    qtbot.addWidget(w)
    w.show()
    p = Prompts(w)
    p.error("Cannot open the scenario", "x.json: broken")
    assert p.last_error.isVisible() and p.last_error.text() == "Cannot open the scenario"
    p.last_error.close()


def test_offscreen_renders_and_test_windows_never_ask_on_close(app):
    window, state, actions, prompts, settings = app()
    state.set_prediction_value(1, 0.6)
    actions.ask_on_close = False
    assert window.close() is True and prompts.asked == []
    window2, state2, actions2, prompts2, settings2 = app()
    state2.set_prediction_value(1, 0.6)
    window2.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    assert window2.close() is True and prompts2.asked == []


def test_set_document_adopts_a_file_opened_by_the_app(app, tmp_path):
    path = SCENARIOS / "ten-digits.json"
    window, state, actions, prompts, settings = app(Scenario.load(path))
    actions.set_document(path)
    assert actions.path == path and not actions.modified
    assert settings.recent_files[0] == str(path)
    state.set_units("bits")
    assert actions.modified and window.windowTitle() == "ten-digits.json[*]"


def test_trajectory_of_a_real_descent_run(app, tmp_path):
    from ce_desktop.gui.descent import DescentController

    window, state, actions, prompts, _ = app(Scenario.create([1, 0, 0], logits=[0.0, 1.0, 2.0]))
    controller = DescentController(state, window)
    assert actions.export_trajectory() is False  # found the controller, but it has no run yet
    assert controller.run_steps(4) == 4
    prompts.export_result = str(tmp_path / "run.csv")
    assert actions.export_trajectory()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "run.csv").read_text())))
    assert [int(r["step"]) for r in rows] == [0, 1, 2, 3, 4]
    # Step 0 is the start: CE of softmax(0, 1, 2) at class 0, from scipy.
    assert float(rows[0]["loss"]) == pytest.approx(-special.log_softmax([0.0, 1.0, 2.0])[0], rel=1e-12)
    assert [float(rows[0][f"logit_class {k}"]) for k in (1, 2, 3)] == [0.0, 1.0, 2.0]
    losses = [float(r["loss"]) for r in rows]
    assert losses == sorted(losses, reverse=True)  # descent lowers the loss
    for r in rows:  # CE = H + KL on every row (H = 0 for a hard target)
        assert float(r["loss"]) == pytest.approx(float(r["entropy"]) + float(r["kl"]), rel=1e-9)
    np.testing.assert_allclose([float(rows[4][f"logit_class {k}"]) for k in (1, 2, 3)], state.logits, rtol=1e-12)


# --------------------------------------------------------------------------- in the real window and app

ROOT = Path(__file__).resolve().parents[2]


def _main(*args, tmp_path, timeout=120):
    """``python main.py args`` (with a settings folder in ``tmp_path`` unless it is None)."""
    import subprocess
    import sys

    settings = [] if tmp_path is None else ["--settings-dir", str(tmp_path / "settings")]
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args, *settings],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_main_window_has_the_file_menu_and_flags_changes(window, qtbot, tmp_path):
    texts = [a.text() for a in window.menus["File"].actions()]
    assert texts[:2] == ["&New", "&Open…"] and "Presets" in texts and texts[-1] == "Quit"
    assert not window.isWindowModified()
    window.state.set_prediction_value(1, 0.5)
    assert window.isWindowModified()
    window.file_actions.prompts = prompts = FakePrompts()
    prompts.save_result = str(tmp_path / "w.json")
    window.activateWindow()
    assert QtTest.QTest.qWaitForWindowActive(window, 2000)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert Scenario.load(tmp_path / "w.json").same_as(window.state.scenario)
    assert window.windowTitle() == "w.json[*]" and not window.isWindowModified()


def test_main_window_remembers_the_session(qtbot, settings_dir):
    from ce_desktop.gui.window import MainWindow

    w1 = MainWindow(ExplorerState(_scenario()), settings_dir=settings_dir)
    qtbot.addWidget(w1)
    w1.show()
    w1.state.set_temperature(0.5)
    assert w1.close()
    w2 = MainWindow(ExplorerState(), settings_dir=settings_dir)
    qtbot.addWidget(w2)
    assert w2.file_actions.restore()
    assert w2.state.scenario.same_as(_scenario().replace(temperature=0.5))
    assert not w2.state.history.can_undo  # the start of a session is not an undo step


def test_command_line_scenario_and_svg_screenshot(tmp_path):
    import xml.etree.ElementTree as ET

    out = tmp_path / "shot.svg"
    r = _main(
        "--scenario",
        str(SCENARIOS / "ten-digits.json"),
        "--screenshot",
        str(out),
        "--size",
        "960x540",
        tmp_path=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    root = ET.parse(out).getroot()
    assert (root.get("width"), root.get("height")) == ("960", "540")
    texts = " ".join(el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "CE Explorer" not in r.stderr and "Traceback" not in r.stderr
    assert "7" in texts  # the digits' class names are drawn as text


@pytest.mark.parametrize("problem", ["missing", "malformed", "future", "bad-suffix"])
def test_command_line_file_problems_exit_2_with_one_line(tmp_path, problem):
    bad = tmp_path / "bad.json"
    args = ["--scenario", str(bad), "--screenshot", str(tmp_path / "x.png")]
    if problem == "malformed":
        bad.write_text("{nope")
    elif problem == "future":
        bad.write_text('{"format": "ce-explorer-scenario", "version": 99, "target": [1, 0], "prediction": [1, 0]}')
    elif problem == "bad-suffix":
        args = ["--scenario", str(SCENARIOS / "ten-digits.json"), "--screenshot", str(tmp_path / "x.gif")]
    r = _main(*args, tmp_path=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    word = {"missing": "bad.json", "malformed": "not valid JSON", "future": "newer", "bad-suffix": ".png or .svg"}
    assert word[problem] in lines[0]
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.gif").exists()


def test_a_file_dropped_on_a_plot_in_the_main_window_opens(window, qtbot):
    """Drag events start at the widget under the pointer and bubble up to the window."""
    target = window.views["prediction"].viewport()
    path = SCENARIOS / "ten-digits.json"
    enter, _m1 = _drop_event("enter", [path])
    QtWidgets.QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop, _m2 = _drop_event("drop", [path])
    QtWidgets.QApplication.sendEvent(target, drop)
    qtbot.waitUntil(lambda: window.state.num_classes == 10)
    assert window.file_actions.path == path
    assert window.windowTitle() == "ten-digits.json[*]"


@pytest.mark.parametrize("button, expected", [("Save", SAVE), ("Discard", DISCARD), ("Cancel", CANCEL)])
def test_the_real_save_changes_question(qtbot, button, expected):
    w = QtWidgets.QWidget()
    qtbot.addWidget(w)
    w.show()
    answers = []

    def click():
        box = next(b for b in w.findChildren(QtWidgets.QMessageBox) if b.isVisible())
        assert "“lecture.json”" in box.text() and "closing" in box.text()
        box.button(getattr(QtWidgets.QMessageBox.StandardButton, button)).click()

    QtCore.QTimer.singleShot(50, click)
    answers.append(Prompts(w).save_changes("lecture.json", "closing"))
    assert answers == [expected]


# --------------------------------------------------------------------------- things that are not files

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@contextlib.contextmanager
def pipe_rescuer(path, after: float = 3.0):
    """A regression must fail, not hang the suite: should the app open the pipe for reading
    (which blocks until a writer comes), write a few bytes after ``after`` seconds so that the
    read returns. With the fix nothing ever reads the pipe and this never writes."""
    done = threading.Event()

    def rescue():
        if done.wait(after):
            return
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # ENXIO while nobody reads
            except OSError:
                done.wait(0.05)
                continue
            try:
                os.write(fd, b"not json")
            except OSError:
                pass
            finally:
                os.close(fd)
            return

    thread = threading.Thread(target=rescue, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(5)


@needs_fifo
def test_a_named_pipe_on_the_command_line_exits_2_at_once(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    shot = tmp_path / "x.png"
    r = _main("--scenario", str(fifo), "--screenshot", str(shot), tmp_path=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "pipe.json: not a regular file" in lines[0]
    assert not shot.exists()
    r = _main("report", "--scenario", str(fifo), tmp_path=None, timeout=60)  # no window either
    assert r.returncode == 2 and "pipe.json: not a regular file" in r.stderr, r.stderr


@needs_fifo
def test_opening_a_named_pipe_in_the_window_is_a_message_box_not_a_hang(window, qtbot, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    before = window.state.scenario
    window.file_actions.prompts.open_path = lambda directory: str(fifo)  # instead of the file dialog
    with pipe_rescuer(fifo):
        _shortcut(qtbot, window, QtCore.Qt.Key.Key_O, QtCore.Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QtWidgets.QMessageBox)), timeout=5000)
    box = next(b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible())
    assert "pipe.json: not a regular file" in box.informativeText()
    assert window.state.scenario is before and window.file_actions.path is None
    box.button(QtWidgets.QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not box.isVisible())


def test_a_folder_is_refused_with_its_own_words(app, tmp_path):
    window, state, actions, prompts, _settings = app()
    folder = tmp_path / "lecture.json"
    folder.mkdir()
    assert actions.load_path(folder) is False
    assert prompts.errors and "lecture.json: is a folder" in prompts.errors[-1][1]
