"""Text from files, users and errors is shown as text, never read as HTML.

Qt renders a label, a tooltip, a message box or a plot title as HTML when the text looks like HTML,
and ``<img src=FILE>`` then makes Qt read FILE. So the texts here are hostile:

* in this process, ``<img src=owl.png>`` names a real picture in the test's folder (harmless if
  read; an image instead of the characters if rendered), beside ``<b>wolf</b>`` and
  ``&lt;i&gt;lynx`` (HTML would show "wolf" in bold and "<i>lynx"). Every view, dock, dialog,
  tooltip and the Export Picture list must show the characters as typed;
* in a child process, ``<img src=fifo>`` names a named pipe. Opening a pipe for reading blocks
  until a writer comes: a watcher here counts every reader (and lets it go at once), and a
  timeout ends a child that hangs anyway. Nothing may ever open the pipe.

The tour of the window (:func:`show_every_panel`, :func:`hover_every_bar`, ...) uses Qt alone,
so that the child process (:func:`child_tour`) drives exactly what the tests here drive.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import show_window
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from ce_desktop.gui.errors import ErrorReporter
from ce_desktop.gui.items.column_bars import ColumnBars
from ce_desktop.gui.picture_dialog import PictureDialog
from ce_desktop.gui.qt_imports import pg
from ce_desktop.gui.settings import Settings
from ce_desktop.model.lessons import FORMAT_NAME as LESSON_FORMAT
from ce_desktop.model.scenario import FORMAT_NAME, Scenario

ROOT = Path(__file__).resolve().parents[2]
K = QtCore.Qt.Key
LEFT = QtCore.Qt.MouseButton.LeftButton
NO_BUTTON = QtCore.Qt.MouseButton.NoButton
NO_MODIFIER = QtCore.Qt.KeyboardModifier.NoModifier

OWL = "<img src=owl.png>"
WOLF = "<b>wolf</b>"
LYNX = "&lt;i&gt;lynx"
PIPE = "<img src=fifo>"
#: Each hostile text, and the word of it that HTML would leave on screen without the rest.
WORDS = {OWL: "owl.png", WOLF: "wolf", LYNX: "lynx", PIPE: "fifo"}
#: What a laid-out text shows where it drew an image.
IMAGE = "\ufffc"
#: A file name Qt would change in a window title ("[*]" is its unsaved-changes mark).
FILE_NAME = "<b>file [*].json"
#: Places per plot where the pointer rests to ask for a tooltip.
STOPS = 24

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


# --------------------------------------------------------------------------- what Qt shows


def shown(text: str, text_format=QtCore.Qt.TextFormat.AutoText) -> str:
    """The characters Qt puts on screen for ``text`` in a widget using ``text_format``, by Qt's
    own rule: rich text if the format says so, or (AutoText) if ``Qt.mightBeRichText``."""
    rich = text_format == QtCore.Qt.TextFormat.RichText or (
        text_format == QtCore.Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))
    if not rich:
        return text
    doc = QtGui.QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def texts_on_screen(window: QtWidgets.QWidget) -> list[tuple[str, str]]:
    """``(where, text as shown)`` for every text of ``window`` and the other visible windows
    (dialogs, message boxes): labels, rich text, combo boxes and tables, tooltips of widgets,
    cells and plot items, plot titles, legends and axis labels, window and dock titles."""
    roots = [window] + [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    out = []
    for root in roots:
        if root.windowHandle() is not None:
            out.append(("window title", root.windowHandle().title()))
        for w in [root] + root.findChildren(QtWidgets.QWidget):
            where = f"{type(w).__name__} {w.objectName() or w.accessibleName()}"
            if isinstance(w, QtWidgets.QLabel):
                out.append((where, shown(w.text(), w.textFormat())))
            elif isinstance(w, QtWidgets.QTextEdit):
                out.append((where, w.toPlainText()))
            elif isinstance(w, QtWidgets.QComboBox):
                out += [(where, w.itemText(i)) for i in range(w.count())]
            elif isinstance(w, QtWidgets.QTableWidget):
                cells = [w.item(r, c) for r in range(w.rowCount()) for c in range(w.columnCount())]
                for cell in filter(None, cells):
                    out += [(where, cell.text()), (where + " tooltip", shown(cell.toolTip()))]
            elif isinstance(w, QtWidgets.QDockWidget):
                out.append((where, w.toggleViewAction().text()))  # what its title bar shows
            if isinstance(w, pg.GraphicsView):
                for item in w.scene().items():
                    if isinstance(item, QtWidgets.QGraphicsTextItem):
                        out.append((where + " plot text", item.toPlainText()))
                    if item.toolTip():
                        out.append((where + " plot tooltip", shown(item.toolTip())))
            if w.toolTip():
                out.append((where + " tooltip", shown(w.toolTip())))
    return out


def assert_as_typed(texts) -> None:
    """No text shows an image, and each hostile word appears only inside its whole hostile text."""
    for where, text in texts:
        assert IMAGE not in text, (where, text)
        for hostile, word in WORDS.items():
            assert text.count(word) == text.count(hostile), (where, text)


def tooltip_labels() -> list[QtWidgets.QLabel]:
    return [w for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, QtWidgets.QLabel) and w.objectName() == "qtooltip_label" and w.isVisible()]


def box_texts(box: QtWidgets.QMessageBox) -> str:
    """Everything a message box shows, as shown."""
    return "\n".join(shown(lab.text(), lab.textFormat()) for lab in box.findChildren(QtWidgets.QLabel))


def visible_boxes(window) -> list[QtWidgets.QMessageBox]:
    return [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()]


def looks_like_plain(label: QtWidgets.QLabel, text: str) -> bool:
    """True if ``label`` draws the same pixels as a plain-text label showing ``text`` in its style."""
    twin = QtWidgets.QLabel()
    twin.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    twin.setText(text)
    twin.setPalette(label.palette())
    twin.setFont(label.font())
    twin.setStyleSheet(label.styleSheet())
    twin.setAlignment(label.alignment())
    twin.setWordWrap(label.wordWrap())
    twin.resize(label.size())
    rgb = QtGui.QImage.Format.Format_RGB32
    try:
        return label.grab().toImage().convertToFormat(rgb) == twin.grab().toImage().convertToFormat(rgb)
    finally:
        twin.deleteLater()


# --------------------------------------------------------------------------- hostile files


def write_files(folder: Path, names: tuple[str, str, str]) -> dict[str, Path]:
    """The hostile files, in ``folder``; a scenario's third class is "cat" (renamed by the tour).

    * ``scenario``: a hard target on class 1, which the prediction rules out (CE = ∞, so the
      readouts and the calculation name that class);
    * ``refused``: a scenario file whose units are ``names[0]`` (the error quotes it);
    * ``lesson``: hostile lesson and slide titles and caption (slide 2 shows the binary tab);
    * ``refused_lesson``: a lesson whose panel is called ``names[0]``.
    """
    first, second, third = names
    scenario = {"format": FORMAT_NAME, "version": 1, "target": [1, 0, 0], "prediction": [0, 0.5, 0.5],
                "class_names": [first, second, "cat"], "title": f"{second} scenario"}
    refused = {"format": FORMAT_NAME, "version": 1, "target": [1, 0], "prediction": [0.5, 0.5], "units": first}
    slide_scenario = {"target": [1, 0, 0], "prediction": [0.6, 0.3, 0.1], "class_names": list(names)}
    lesson = {"format": LESSON_FORMAT, "version": 1, "name": "hostile", "title": f"Lesson {second} [*]",
              "slides": [{"title": f"{first} ... [*]", "caption": f"{first} {second} {third}: CE = {{ce}}.",
                          "scenario": slide_scenario},
                         {"title": second, "caption": f"About {first}.", "panels": ["binary", "editors"],
                          "scenario": slide_scenario}]}
    refused_lesson = {"format": LESSON_FORMAT, "version": 1, "name": "bad", "title": "Bad",
                      "slides": [{"caption": "c", "panels": [first], "scenario": slide_scenario}]}
    files = {"scenario": folder / FILE_NAME, "refused": folder / "refused.json",
             "lesson": folder / "lesson.json", "refused_lesson": folder / "refused-lesson.json"}
    for key, data in (("scenario", scenario), ("refused", refused), ("lesson", lesson),
                      ("refused_lesson", refused_lesson)):
        files[key].write_text(json.dumps(data), encoding="utf-8")
    return files


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    """The hostile files in the current folder, beside the picture ``owl.png`` their texts name."""
    monkeypatch.chdir(tmp_path)  # "<img src=owl.png>" is looked up there
    image = QtGui.QImage(24, 24, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("red"))
    assert image.save(str(tmp_path / "owl.png"))
    return write_files(tmp_path, (OWL, WOLF, LYNX))


@pytest.fixture
def win(qtbot, tmp_path):
    return show_window(qtbot, tmp_path / "settings", active=True)


# --------------------------------------------------------------------------- the tour (Qt only)


def process() -> None:
    QtWidgets.QApplication.processEvents()


def press(window: QtWidgets.QWidget, key, modifiers=NO_MODIFIER) -> None:
    """A real key press in the (active) window."""
    window.activateWindow()
    assert QtTest.QTest.qWaitForWindowActive(window, 2000)  # shortcuts go to the active window
    QtTest.QTest.keyClick(window, key, modifiers)
    process()


def open_with_file_open(window, path: Path) -> None:
    """File ▸ Open (Ctrl+O), answering the file dialog with ``path``."""
    window.file_actions.prompts.open_path = lambda directory: str(path)
    press(window, K.Key_O, QtCore.Qt.KeyboardModifier.ControlModifier)


def rename_on_the_axis(plot, index: int, text: str) -> None:
    """Double-click class ``index``'s name under ``plot``, type ``text`` and press Enter."""
    pi = plot.getPlotItem()
    axis = pi.getAxis("bottom").sceneBoundingRect()
    x = pi.getViewBox().mapViewToScene(QtCore.QPointF(index, 0.0)).x()
    pos = plot.mapFromScene(QtCore.QPointF(x, axis.top() + 0.4 * axis.height()))
    QtTest.QTest.mouseClick(plot.viewport(), LEFT, NO_MODIFIER, pos)
    QtTest.QTest.mouseDClick(plot.viewport(), LEFT, NO_MODIFIER, pos)
    editor = plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor")
    assert editor is not None and editor.hasSelectedText()
    QtTest.QTest.keyClicks(editor, text)
    QtTest.QTest.keyClick(editor, K.Key_Return)
    process()


def show_every_panel(window) -> None:
    """Every dock shown, every tab of the window and of its docks visited, an exercise round started."""
    for dock in window.findChildren(QtWidgets.QDockWidget):
        dock.show()
    window.classroom.show_exercises()
    process()
    for tabs in window.findChildren(QtWidgets.QTabWidget):
        for k in range(tabs.count()):
            tabs.setCurrentIndex(k)
            process()


def type_an_estimate(window, text: str) -> QtWidgets.QLabel:
    """Type ``text`` as the answer to the exercise round's first question (an estimate) and press
    Enter; returns the label that answers."""
    panel = window.classroom.exercise_panel
    assert panel.question.kind == "estimate"
    QtTest.QTest.keyClicks(panel.estimate_edit, text)
    QtTest.QTest.keyClick(panel.estimate_edit, K.Key_Return)
    process()
    return panel.result


def go_on_to_the_reach_question(window) -> QtWidgets.QLabel:
    """Answer the round's estimate and comparison questions (Enter reveals, Enter again moves on)
    to reach its third, which names a class; returns the label that asks it."""
    panel = window.classroom.exercise_panel
    panel.estimate_edit.clear()
    QtTest.QTest.keyClicks(panel.estimate_edit, "1")
    QtTest.QTest.keyClick(panel.estimate_edit, K.Key_Return)
    QtTest.QTest.keyClick(panel, K.Key_Return)
    assert panel.question.kind == "compare"
    QtTest.QTest.keyClick(panel, K.Key_A)
    QtTest.QTest.keyClick(panel, K.Key_Return)
    assert panel.question.kind == "reach"
    process()
    return panel.prompt


def hover_every_bar(window) -> list[tuple[str, str]]:
    """On every tab, rest the pointer on every bar plot shown, a little further each time, and ask
    for the tooltip there as Qt does for a resting pointer; returns ``(plot, tooltip as Qt's
    tooltip label shows it)`` pairs."""
    tips, done = [], set()
    for tabs in window.findChildren(QtWidgets.QTabWidget):
        for k in range(tabs.count()):
            tabs.setCurrentIndex(k)
            process()
            for view in window.findChildren(pg.GraphicsView):
                if view.isVisible() and view not in done:
                    done.add(view)
                    tips += [(type(view).__name__, tip) for tip in _hover_bars(view)]
    return tips


def _hover_bars(view) -> list[str]:
    tips = []
    vp = view.viewport()
    for item in view.scene().items():
        if not isinstance(item, ColumnBars) or not item.isVisible():
            continue
        r = item.boundingRect()
        for k in range(STOPS):
            at = item.mapToScene(QtCore.QPointF(r.left() + (k + 0.5) * r.width() / STOPS, r.center().y()))
            pos = QtCore.QPointF(view.mapFromScene(at))
            glob = vp.mapToGlobal(pos.toPoint())
            move = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, pos, QtCore.QPointF(glob),
                                     NO_BUTTON, NO_BUTTON, NO_MODIFIER)
            QtWidgets.QApplication.sendEvent(vp, move)
            QtWidgets.QApplication.sendEvent(vp, QtGui.QHelpEvent(QtCore.QEvent.Type.ToolTip, pos.toPoint(), glob))
            tips += [shown(label.text(), label.textFormat()) for label in tooltip_labels()]
            QtWidgets.QToolTip.hideText()
    return tips


def export_picture_list(window) -> list[str]:
    """File ▸ Export Picture (Ctrl+Shift+E): the names its list offers, one per plot on screen."""
    offered = []
    window.file_actions.prompts.picture = lambda targets, directory: offered.append(targets)  # then cancelled
    press(window, K.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier)
    dialog = PictureDialog(offered[0], window)  # what the real question shows for them
    try:
        return [dialog.target_box.itemText(i) for i in range(dialog.target_box.count())]
    finally:
        dialog.deleteLater()


def show_shortcuts(window) -> QtWidgets.QDialog:
    """Help ▸ Keyboard shortcuts (its table shows each action's text and tooltip); returns the dialog.
    Close it before pressing more keys: while it is open it takes them."""
    window.show_shortcuts()
    process()
    tops = QtWidgets.QApplication.topLevelWidgets()
    return next(w for w in tops if isinstance(w, QtWidgets.QDialog) and w.isVisible())


def answer_the_question(button, seen: list[str]) -> None:
    """As soon as a modal question box is on screen (inside its own ``exec``), add what it shows
    to ``seen`` and click its ``button``."""
    timer = QtCore.QTimer(QtWidgets.QApplication.instance())
    timer.setInterval(0)  # each turn of the event loop

    def answer():
        box = QtWidgets.QApplication.activeModalWidget()
        if isinstance(box, QtWidgets.QMessageBox) and box.isVisible():
            timer.stop()
            timer.deleteLater()
            box.grab()
            seen.append(box_texts(box))
            box.button(button).click()

    timer.timeout.connect(answer)
    timer.start()


def refuse_a_file(window, path: Path, questions: list[str]) -> QtWidgets.QMessageBox:
    """File ▸ Open of a file that is refused, with the real dialogs (unsaved changes are
    discarded); returns the message box that says why. ``questions`` gets the question shown."""
    if window.file_actions.modified:
        answer_the_question(QtWidgets.QMessageBox.StandardButton.Discard, questions)
    open_with_file_open(window, path)
    boxes = visible_boxes(window)
    assert len(boxes) == 1
    return boxes[0]


def report_a_bug(window, log_dir: Path, message: str) -> QtWidgets.QMessageBox:
    """An unexpected exception whose message is ``message``, through the bug dialog."""
    reporter = ErrorReporter(window, log_dir)
    try:
        raise ValueError(message)
    except ValueError as exc:
        reporter.handle(type(exc), exc, exc.__traceback__)
    process()
    return reporter.dialog


def close(box: QtWidgets.QMessageBox) -> None:
    box.done(0)
    process()


def child_tour() -> None:
    """The whole tour with texts naming the pipe ``fifo`` (in the current folder); run in a child."""
    pg.setConfigOption("mouseRateLimit", -1)  # as conftest sets it: every move reaches the items
    QtWidgets.QApplication([])
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.window import MainWindow

    files = write_files(Path.cwd(), (PIPE, WOLF, LYNX))
    window = MainWindow(ExplorerState(), settings_dir="settings", theme="light", font_scale=100)
    window.resize(1280, 720)
    window.show()
    process()
    open_with_file_open(window, files["scenario"])
    rename_on_the_axis(window.views["target"], 2, LYNX)
    show_every_panel(window)
    type_an_estimate(window, PIPE)
    go_on_to_the_reach_question(window)
    hover_every_bar(window)
    window.logits_action.trigger()
    process()
    hover_every_bar(window)
    export_picture_list(window)
    show_shortcuts(window).close()
    questions: list[str] = []  # the unsaved-changes question (answered "Discard") is drawn too
    box = refuse_a_file(window, files["refused"], questions)
    box.grab()
    close(box)
    box = report_a_bug(window, Path(f"logs {PIPE}"), PIPE)
    box.grab()
    close(box)
    if window.file_actions.modified:  # opening a lesson asks about the unsaved changes first
        answer_the_question(QtWidgets.QMessageBox.StandardButton.Discard, questions)
    window.classroom.open_lesson_file(str(files["refused_lesson"]))
    process()
    for box in visible_boxes(window):
        box.grab()
        close(box)
    if window.file_actions.modified:
        answer_the_question(QtWidgets.QMessageBox.StandardButton.Discard, questions)
    window.classroom.open_lesson_file(str(files["lesson"]))
    for k in (1, 2):
        window.classroom.lesson_panel.go_to(k)
        process()
        window.grab()
    show_shortcuts(window).close()
    print("tour done", flush=True)
    # Leave without tearing the window down at interpreter exit, which is not what is tested here
    # (the app deletes its window while Qt still runs: launch.run_gui).
    os._exit(0)


# --------------------------------------------------------------------------- in this process


def test_a_scenario_opened_with_file_open_shows_its_names_as_typed_in_every_view(win, hostile):
    open_with_file_open(win, hostile["scenario"])
    assert win.state.class_names == (OWL, WOLF, "cat")
    assert win.windowHandle().title() == FILE_NAME  # "[*]" kept, not the unsaved mark
    rename_on_the_axis(win.views["target"], 2, LYNX)  # typed by the user
    assert win.state.class_names == (OWL, WOLF, LYNX)
    show_every_panel(win)
    label = type_an_estimate(win, OWL)
    answer = shown(label.text(), label.textFormat())  # "'<img src=owl.png>' is not a number"
    assert_as_typed([("exercise answer", answer)])
    prompt = go_on_to_the_reach_question(win)
    tips = hover_every_bar(win)
    texts = texts_on_screen(win)  # while CE = ∞ (logits cannot hold ŷ = 0 and make it finite)
    win.logits_action.trigger()  # the prediction edited as logits: its own bars, with their own tooltips
    process()
    tips += hover_every_bar(win)
    pictures = export_picture_list(win)
    shortcuts = show_shortcuts(win)
    texts += texts_on_screen(win)
    shortcuts.close()
    assert_as_typed(
        texts + [(f"{plot} tooltip shown", t) for plot, t in tips] + [("Export Picture list", n) for n in pictures]
    )

    def shows(fragment: str) -> bool:
        return any(fragment in text for _where, text in texts)

    # The places that name a class (or quote what was typed) name it as typed.
    assert shows(f"Binary CE: {OWL}")  # the binary tab's plot title
    assert shows(f"CE = ∞: the target wants “{OWL}”")  # the readouts' sentence on an infinite CE
    assert shows(f"the target wants “{OWL}”, which the prediction rules out")  # the calculation's
    assert shows(f"only “{OWL}” counts")  # the calculation
    assert shows(f"({OWL})")  # the CE vs squared error table
    assert all(shows(name) for name in (OWL, WOLF, LYNX))  # e.g. the logits' legend, the tables
    assert shows(f"classes: {OWL}, {WOLF}, {LYNX}")  # the exercise
    assert OWL in answer
    asked = shown(prompt.text(), prompt.textFormat())
    assert any(f"Drag the prediction for {name} until" in asked for name in (OWL, WOLF, LYNX)), asked
    plots = {plot for plot, _tip in tips}
    assert {"TargetEditor", "PredictionEditor", "GradientPlot", "ContributionPlot", "SoftmaxView"} <= plots
    for plot in plots:  # on every bar plot, each bar's tooltip names its class
        for name in (OWL, WOLF, LYNX):
            assert any(t.startswith(f"{name}:") or t.startswith(f"{name}\n") for p, t in tips if p == plot), (
                plot,
                name,
            )


def test_a_refused_file_quotes_its_bad_value_as_typed(win, hostile):
    before = win.state.scenario
    box = refuse_a_file(win, hostile["refused"], [])
    text = box_texts(box)
    assert f"got '{OWL}'" in text and "refused.json" in text
    assert_as_typed([("message box", text)])
    assert win.state.scenario is before  # and nothing changed
    close(box)


def test_the_unsaved_changes_question_names_the_file_as_typed(win, hostile):
    open_with_file_open(win, hostile["scenario"])
    win.state.set_prediction_value(1, 0.25)  # unsaved work
    questions = []
    box = refuse_a_file(win, hostile["refused"], questions)
    assert len(questions) == 1 and f"Save the changes to “{FILE_NAME}” before opening" in questions[0]
    assert_as_typed([("question", questions[0])])
    close(box)


def test_the_bug_dialog_quotes_the_exception_and_the_log_s_folder_as_typed(win, hostile, tmp_path):
    logs = tmp_path / f"logs {OWL}"  # the folder comes from the settings' place, which the user chooses
    box = report_a_bug(win, logs, f"bad value {WOLF} {OWL}")
    text = box_texts(box)
    assert f"ValueError: bad value {WOLF} {OWL}" in text
    assert f"the details were saved to {logs}" in text
    assert_as_typed([("bug dialog", text)])
    close(box)


def test_a_lesson_file_shows_its_titles_and_caption_as_typed(win, hostile):
    lesson = win.classroom.open_lesson_file(str(hostile["lesson"]))
    assert lesson is not None
    panel = win.classroom.lesson_panel
    assert shown(panel.slide_title.text(), panel.slide_title.textFormat()) == f"{OWL} ... [*]"
    assert shown(panel.lesson_title.text(), panel.lesson_title.textFormat()) == f"Lesson {WOLF} [*]"
    caption = shown(panel.caption.text(), panel.caption.textFormat())
    assert caption.startswith(f"{OWL} {WOLF} {LYNX}: CE = ")
    assert win.classroom.lesson_dock.toggleViewAction().text() == f"Lesson: Lesson {WOLF} [*]"  # its title bar
    assert win.windowHandle().title().startswith(f"{OWL} ... [*]")  # the slide names the window
    # Help ▸ Keyboard shortcuts: Qt's tooltip for "Undo Lesson slide 1: <title>" drops the "...",
    # so the list shows that tooltip on the Undo row.
    shortcuts = show_shortcuts(win)
    texts = texts_on_screen(win)
    shortcuts.close()
    assert any(where.endswith("tooltip") and f"Undo Lesson slide 1: {OWL}" in text for where, text in texts)
    assert_as_typed(texts)
    panel.go_to(2)
    process()
    assert looks_like_plain(panel.slide_title, WOLF)  # "<b>wolf</b>" drawn as those characters
    assert_as_typed(texts_on_screen(win))


def test_a_refused_lesson_file_quotes_its_bad_value_as_typed(win, hostile):
    assert win.classroom.open_lesson_file(str(hostile["refused_lesson"])) is None
    boxes = visible_boxes(win)
    assert len(boxes) == 1
    text = box_texts(boxes[0])
    assert f"unknown panel(s) '{OWL}'" in text
    assert_as_typed([("message box", text)])
    close(boxes[0])


# --------------------------------------------------------------------------- in a child, with a named pipe


@contextlib.contextmanager
def pipe_readers(path: Path):
    """Count every opening of the named pipe ``path`` for reading, and let each read end at once
    (it sees the end of the file). Yields a list that holds one entry per reader seen."""
    readers: list[int] = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # fails (ENXIO) while nobody reads
            except OSError:
                done.wait(0.01)
                continue
            readers.append(fd)
            os.close(fd)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield readers
    finally:
        done.set()
        thread.join(5)


def run_child(folder: Path, *args: str, env=None, timeout: float = 240) -> subprocess.CompletedProcess:
    """``python args`` in ``folder`` (where "fifo" is), offscreen; a hang fails the test."""
    try:
        return subprocess.run(
            [sys.executable, *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the app hung (a text was read as HTML and its <img> opened the pipe?): {exc.stderr!r}")


@pytest.fixture
def piped(tmp_path):
    """The hostile files in ``tmp_path``, naming the named pipe ``tmp_path/fifo``."""
    os.mkfifo(tmp_path / "fifo")
    return write_files(tmp_path, (PIPE, WOLF, LYNX))


@needs_fifo
def test_a_scenario_naming_a_pipe_renders_without_reading_it(piped, tmp_path):
    with pipe_readers(tmp_path / "fifo") as readers:
        r = run_child(
            tmp_path,
            str(ROOT / "main.py"),
            "--scenario",
            FILE_NAME,
            "--screenshot",
            "shot.png",
            "--size",
            "1280x720",
            "--settings-dir",
            "settings",
        )
    assert r.returncode == 0, r.stderr
    assert readers == [] and (tmp_path / "shot.png").exists()


@needs_fifo
@pytest.mark.parametrize("slide", ["1", "2"])
def test_a_lesson_naming_a_pipe_renders_without_reading_it(piped, tmp_path, slide):
    with pipe_readers(tmp_path / "fifo") as readers:
        r = run_child(
            tmp_path,
            str(ROOT / "main.py"),
            "--lesson",
            "lesson.json",
            "--slide",
            slide,
            "--screenshot",
            "shot.png",
            "--size",
            "1280x720",
            "--settings-dir",
            "settings",
        )
    assert r.returncode == 0, r.stderr
    assert readers == [] and (tmp_path / "shot.png").exists()


@needs_fifo
def test_a_last_session_naming_a_pipe_starts_without_reading_it(piped, tmp_path):
    settings = Settings(tmp_path / "settings")
    settings.last_scenario = Scenario.load(piped["scenario"])
    assert settings.sync()
    with pipe_readers(tmp_path / "fifo") as readers:
        # A plain start (it restores the last session), ended by the app itself after its first paint.
        r = run_child(
            tmp_path, str(ROOT / "main.py"), "--settings-dir", "settings", env={"CE_DESKTOP_REPORT_FIRST_PAINT": "1"}
        )
    assert r.returncode == 0, r.stderr
    assert "CE_DESKTOP_FIRST_PAINT" in r.stdout
    assert readers == []


@needs_fifo
def test_every_view_dialog_and_tooltip_leaves_a_named_pipe_unread(piped, tmp_path):
    code = (
        f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}, {str(ROOT / 'tests' / 'gui')!r}]; "
        "import test_hostile_text; test_hostile_text.child_tour()"
    )
    with pipe_readers(tmp_path / "fifo") as readers:
        r = run_child(tmp_path, "-c", code)
    assert r.returncode == 0 and "tour done" in r.stdout, r.stderr
    assert readers == []


def test_menu_text_doubles_every_ampersand():
    from ce_desktop.gui import plain_text

    assert plain_text.menu_text("R&D && co") == "R&&D &&&& co"
    assert plain_text.menu_text("plain") == "plain"


def test_a_dataset_with_hostile_class_names_shows_them_as_typed_in_the_dataset_workspace(win, hostile, tmp_path):
    """CSV class names (and the file's name) in every view of the dataset workspace: the controls'
    lists, the per-sample readout, the sample's own views, the title."""
    csv = tmp_path / "<b>pts.csv"
    rows = ["x1,x2,label"] + [f"{i % 7 * 0.5},{i % 5 * 0.4},{(OWL, WOLF, LYNX)[i % 3]}" for i in range(30)]
    csv.write_text("\n".join(rows) + "\n")
    win.workspaces.set_current("dataset")
    page = win.workspaces.dataset_page()
    assert page.open_csv(str(csv))
    assert page.state.class_names == (OWL, WOLF, LYNX)
    page.state.run_steps(5)
    page.state.select(0)
    texts = []
    for k in range(page.tabs.count()):
        page.tabs.setCurrentIndex(k)
        process()
        texts += texts_on_screen(win)
    assert_as_typed(texts)

    def shows(fragment: str) -> bool:
        return any(fragment in text for _where, text in texts)

    assert all(shows(name) for name in (OWL, WOLF, LYNX))
    assert shows("<b>pts.csv")  # the source line of the controls
