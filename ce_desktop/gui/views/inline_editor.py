"""An inline line editor over a plot (renaming a class on its axis)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


class ClassNameEditor(QtWidgets.QLineEdit):
    """An inline editor for one class name: Enter (or clicking elsewhere) renames, Esc keeps
    the name. Emits ``committed`` with the text once, then closes."""

    committed = QtCore.Signal(str)
    #: Emitted once when the editor closes (it is deleted soon after).
    closed = QtCore.Signal()

    def __init__(self, text: str, parent: QtWidgets.QWidget):
        super().__init__(text, parent)
        self.setObjectName("class_name_editor")
        self._done = False
        self.returnPressed.connect(self._commit)

    def _commit(self) -> None:
        if not self._done:
            self._done = True
            self.committed.emit(self.text())
            self._close()

    def _close(self) -> None:
        if self.isHidden():
            return
        self._done = True
        self.hide()
        self.closed.emit()
        self.deleteLater()

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if ev.key() == QtCore.Qt.Key.Key_Escape:
            ev.accept()
            self._close()
            return
        super().keyPressEvent(ev)

    def focusOutEvent(self, ev: QtGui.QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(ev)
        self._commit()  # like a table cell: leaving it keeps what was typed
