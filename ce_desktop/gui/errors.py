"""Unexpected exceptions in the window: shown with copyable details, logged, never fatal.

An exception escaping a slot or an event handler reaches ``sys.excepthook`` (PySide6
prints it there and carries on); :class:`ErrorReporter` replaces that hook so the user sees
a dialog saying what happened, the traceback is appended to a log file, and the window keeps
running. Exceptions in other Python threads arrive through ``threading.excepthook`` and are
shown on the GUI thread.
"""

from __future__ import annotations

import datetime
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.model import user_files

LOG_NAME = "ce-desktop-errors.log"
#: The log is started afresh (the old one kept as ``.1``) past this size.
MAX_LOG_BYTES = 1_000_000


class ErrorReporter(QtCore.QObject):
    """Shows and logs unexpected exceptions.

    Parameters
    ----------
    window : QWidget or None
        Parent of the dialog.
    log_dir : str or Path, optional
        Where ``ce-desktop-errors.log`` goes (default: the temporary folder).
    show : callable, optional
        ``show(summary, details)`` replaces the dialog (tests).
    """

    _fromThread = QtCore.Signal(str, str)

    def __init__(self, window=None, log_dir=None, show=None, parent=None):
        super().__init__(parent)
        self.window = window
        self.log_path = Path(log_dir or tempfile.gettempdir()) / LOG_NAME
        self._show = show or self._show_dialog
        #: Exceptions reported so far.
        self.count = 0
        #: The dialog on screen, if any (one at a time: a repeating error must not flood).
        self.dialog: QtWidgets.QMessageBox | None = None
        self._previous_hook = None
        self._previous_thread_hook = None
        self._fromThread.connect(self._present, QtCore.Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ installing

    def install(self) -> ErrorReporter:
        """Become ``sys.excepthook`` (and ``threading.excepthook``)."""
        if self._previous_hook is None:
            self._previous_hook = sys.excepthook
            self._previous_thread_hook = threading.excepthook
            sys.excepthook = self.handle
            threading.excepthook = self._handle_thread
        return self

    def uninstall(self) -> None:
        """Put the previous hooks back."""
        if self._previous_hook is not None:
            if sys.excepthook == self.handle:
                sys.excepthook = self._previous_hook
            if threading.excepthook == self._handle_thread:
                threading.excepthook = self._previous_thread_hook
            self._previous_hook = None
            self._previous_thread_hook = None

    # ------------------------------------------------------------------ handling

    def handle(self, exc_type, exc, tb) -> None:
        """The ``sys.excepthook``: log, then show; never raises."""
        if issubclass(exc_type, KeyboardInterrupt):
            app = QtCore.QCoreApplication.instance()
            if app is not None:
                app.quit()
            return
        summary, details = self._describe(exc_type, exc, tb)
        self._record(details)
        app = QtCore.QCoreApplication.instance()
        if app is not None and QtCore.QThread.currentThread() is not app.thread():
            self._fromThread.emit(summary, details)
        else:
            self._present(summary, details)

    def _handle_thread(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        summary, details = self._describe(args.exc_type, args.exc_value, args.exc_traceback)
        name = getattr(args.thread, "name", "a background thread")
        details = f"In thread {name}:\n{details}"
        self._record(details)
        self._fromThread.emit(summary, details)

    @staticmethod
    def _describe(exc_type, exc, tb) -> tuple[str, str]:
        text = str(exc).strip().splitlines()
        summary = f"{exc_type.__name__}: {text[0]}" if text else exc_type.__name__
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        return summary[:300], details

    def _record(self, details: str) -> None:
        self.count += 1
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        try:
            # A named pipe or device in the log's place would block or swallow the report.
            user_files.check_save_target(self.log_path)
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            if self.log_path.exists() and self.log_path.stat().st_size > MAX_LOG_BYTES:
                self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(f"--- {stamp}\n{details}\n")
        except (OSError, user_files.FileError) as exc:  # the log is a convenience; the dialog still shows
            print(f"ce-desktop: cannot write the error log {self.log_path}: {exc}", file=sys.stderr)
        print(details, file=sys.stderr, end="")

    def _present(self, summary: str, details: str) -> None:
        try:
            self._show(summary, details)
        except Exception:  # a broken dialog must not recurse into this hook
            traceback.print_exc()

    # ------------------------------------------------------------------ the dialog

    def _show_dialog(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            # Already on screen: add to it rather than stacking dialogs.
            self.dialog.setDetailedText(self.dialog.detailedText() + "\n" + details)
            self.dialog.setText(self._text(summary))
            return
        # The summary quotes the exception, which may quote a value from a file: plain text.
        box = plain_text.message_box(
            QtWidgets.QMessageBox.Icon.Critical, "CE Explorer: unexpected error", self._text(summary),
            "This is a bug in CE Explorer, not something you did. The app keeps working; "
            f"the details were saved to {self.log_path}.",
            QtWidgets.QMessageBox.StandardButton.Close,
            self.window if isinstance(self.window, QtWidgets.QWidget) else None,
        )
        box.setDetailedText(details)
        copy = box.addButton("Copy details", QtWidgets.QMessageBox.ButtonRole.ActionRole)
        copy.clicked.disconnect()  # keep the dialog open after copying
        copy.clicked.connect(lambda: QtGui.QGuiApplication.clipboard().setText(box.detailedText()))
        box.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(self._forget_dialog)
        self.dialog = box
        box.open()

    def _text(self, summary: str) -> str:
        more = f" ({self.count} errors so far)" if self.count > 1 else ""
        return f"Something went wrong{more}:\n{summary}"

    def _forget_dialog(self, *_):
        self.dialog = None
