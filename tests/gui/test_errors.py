"""Unexpected exceptions in slots: a dialog with copyable details, a log entry, and the app goes on."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.errors import LOG_NAME, ErrorReporter


@pytest.fixture
def window(qtbot):
    w = QtWidgets.QMainWindow()
    button = QtWidgets.QPushButton("Compute")
    w.setCentralWidget(button)
    w.clicks = 0

    def on_click():
        w.clicks += 1
        return 1 / 0  # a bug in a slot

    button.clicked.connect(on_click)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def reporter(window, tmp_path):
    r = ErrorReporter(window, tmp_path).install()
    yield r
    r.uninstall()
    if r.dialog is not None:
        r.dialog.close()


def _visible_boxes(window):
    return [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()]


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_opens_a_dialog_and_is_logged(qtbot, window, reporter, tmp_path, capsys):
    qtbot.mouseClick(window.centralWidget(), QtCore.Qt.MouseButton.LeftButton)
    boxes = _visible_boxes(window)
    assert len(boxes) == 1
    box = boxes[0]
    assert "ZeroDivisionError: division by zero" in box.text()
    assert "on_click" in box.detailedText() and "Traceback" in box.detailedText()
    assert str(tmp_path / LOG_NAME) in box.informativeText()
    log = (tmp_path / LOG_NAME).read_text()
    assert "ZeroDivisionError" in log and "on_click" in log
    assert "ZeroDivisionError" in capsys.readouterr().err

    # The details can be copied, and the dialog stays open for reading.
    copy = next(b for b in box.buttons() if b.text() == "Copy details")
    copy.click()
    assert "on_click" in QtGui.QGuiApplication.clipboard().text()
    assert box.isVisible()

    # The app keeps working: the button still runs, and a repeat error joins the same dialog.
    qtbot.mouseClick(window.centralWidget(), QtCore.Qt.MouseButton.LeftButton)
    assert window.clicks == 2 and reporter.count == 2
    assert _visible_boxes(window) == [box]
    assert "2 errors so far" in box.text()
    assert (tmp_path / LOG_NAME).read_text().count("ZeroDivisionError: division by zero") == 2

    box.button(QtWidgets.QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: reporter.dialog is None)


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_thread_is_shown_on_the_gui_thread(qtbot, window, tmp_path):
    seen = []
    r = ErrorReporter(window, tmp_path, show=lambda summary, details: seen.append(
        (summary, details, QtCore.QThread.currentThread() is QtWidgets.QApplication.instance().thread())
    )).install()
    try:
        t = threading.Thread(target=lambda: {}["missing"], name="worker")
        t.start()
        t.join()
        qtbot.waitUntil(lambda: len(seen) == 1)
    finally:
        r.uninstall()
    summary, details, on_gui_thread = seen[0]
    assert summary == "KeyError: 'missing'"
    assert "In thread worker" in details
    assert on_gui_thread


def test_install_and_uninstall_restore_the_previous_hooks(tmp_path):
    before, before_thread = sys.excepthook, threading.excepthook
    r = ErrorReporter(None, tmp_path).install()
    assert sys.excepthook == r.handle
    r.install()  # twice is harmless
    r.uninstall()
    assert sys.excepthook is before and threading.excepthook is before_thread


def test_an_unwritable_log_still_shows_the_error(qtbot, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    seen = []
    r = ErrorReporter(None, blocker, show=lambda s, d: seen.append(s))
    try:
        raise ValueError("bad value\nsecond line")
    except ValueError:
        r.handle(*sys.exc_info())
    assert seen == ["ValueError: bad value"]
    assert "cannot write the error log" in capsys.readouterr().err


def test_a_broken_dialog_does_not_recurse(tmp_path, capsys):
    def broken(summary, details):
        raise RuntimeError("dialog failed")

    r = ErrorReporter(None, tmp_path, show=broken)
    try:
        raise OSError("disk")
    except OSError:
        r.handle(*sys.exc_info())  # must not raise
    assert "dialog failed" in capsys.readouterr().err
    assert r.count == 1


def test_a_named_pipe_in_the_logs_place_is_not_written_and_the_dialog_still_shows(window, tmp_path, qtbot, capsys):
    """Opening a pipe to append would wait for a reader for ever; with one, the report would vanish into it."""
    import os

    log = tmp_path / LOG_NAME
    os.mkfifo(log)
    reader = os.open(log, os.O_RDONLY | os.O_NONBLOCK)  # so that the old code's open() returns at once
    try:
        shown = []
        r = ErrorReporter(window, tmp_path, show=lambda summary, details: shown.append(summary))
        try:
            raise ValueError("planted")
        except ValueError as exc:
            r.handle(type(exc), exc, exc.__traceback__)
        assert shown == ["ValueError: planted"]
        try:
            leaked = os.read(reader, 65536)
        except BlockingIOError:
            leaked = b""
        assert leaked == b""
        assert "a named pipe" in capsys.readouterr().err
    finally:
        os.close(reader)
