"""Every question the File menu asks the user, in one object that tests replace."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from ce_desktop.gui import pictures, plain_text
from ce_desktop.gui.picture_dialog import PictureDialog

APP_NAME = "CE Explorer"
SCENARIO_FILTER = "CE Explorer scenarios (*.json);;All files (*)"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class Prompts:
    """Every question FileActions asks the user; tests pass a stand-in with the same methods."""

    def __init__(self, window: QtWidgets.QWidget):
        self.window = window
        #: The last error box shown (tests and the fuzzer look at it).
        self.last_error: QtWidgets.QMessageBox | None = None

    def save_changes(self, name: str, doing: str) -> str:
        """Ask Save / Discard / Cancel; returns SAVE, DISCARD or CANCEL."""
        B = QtWidgets.QMessageBox.StandardButton
        box = plain_text.message_box(QtWidgets.QMessageBox.Icon.Warning, APP_NAME,
                                     f"Save the changes to “{name}” before {doing}?",
                                     "If you don't save, your changes will be lost.",
                                     B.Save | B.Discard | B.Cancel, self.window)
        box.setDefaultButton(B.Save)
        box.setEscapeButton(B.Cancel)
        answer = box.exec()
        return {B.Save: SAVE, B.Discard: DISCARD}.get(B(answer), CANCEL)

    def open_path(self, directory: str) -> str | None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open scenario", directory, SCENARIO_FILTER)
        return path or None

    def save_path(self, suggested: str) -> str | None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save scenario", suggested, SCENARIO_FILTER)
        return path or None

    def export_path(self, title: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, title, suggested, file_filter)
        return path or None

    def picture(self, targets, suggested_dir: str):
        """Ask what to export, at what size, and where: ``(widget, path, (w, h))`` or None."""
        dialog = PictureDialog(targets, self.window)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        widget, size, suffix = dialog.choice()
        kind = "PNG image (*.png)" if suffix == ".png" else "SVG drawing (*.svg)"
        path = self.export_path("Export picture", os.path.join(suggested_dir, "ce-explorer" + suffix), kind)
        if not path:
            return None
        if Path(path).suffix.lower() not in pictures.PICTURE_SUFFIXES:
            path += suffix
        return widget, path, size

    def error(self, title: str, text: str) -> None:
        """Show a problem in the window without blocking (window-modal)."""
        # ``text`` quotes the file's name and its bad value: plain text, never HTML.
        box = plain_text.message_box(QtWidgets.QMessageBox.Icon.Warning, f"{APP_NAME}: {title}", title, text,
                                     parent=self.window)
        box.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_error = box
        box.open()
