"""The value table: one row per class with y, ŷ (or the logit z), the CE term and ŷ − y.

Class names, y and ŷ (or z in logits mode) are edited in place with the keyboard
(type, Enter). A value that is not a number, or a probability outside [0, 1], is refused
with a message and the state is left as it was.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.state import LOSS_ASPECTS
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.model import formatting as fmt
from ce_desktop.model.scenario import ScenarioError

ASPECTS = LOSS_ASPECTS

COL_NAME, COL_Y, COL_P, COL_Z, COL_CE, COL_GRAD = range(6)
HEADERS = ("Class", "y (target)", "ŷ (prediction)", "z (logit)", "−y log ŷ", "∂CE/∂z")


class ValueTable(DeferredWhileHidden, QtWidgets.QTableWidget):
    """Editable numbers behind the bars; refreshed only while visible."""

    RELEVANT = ASPECTS

    #: A short message for the status bar (an entry that was refused, ...).
    message = QtCore.Signal(str)

    def __init__(self, state, parent=None):
        super().__init__(0, len(HEADERS), parent)
        self.explorer_state = state
        self.theme: Theme = LIGHT
        self._updating = False
        self.setHorizontalHeaderLabels(list(HEADERS))
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        T = QtWidgets.QAbstractItemView.EditTrigger
        # Typing over a cell, F2, or a double-click edits; arrow keys only move.
        self.setEditTriggers(T.AnyKeyPressed | T.EditKeyPressed | T.DoubleClicked | T.SelectedClicked)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.setAccessibleName("Value table")
        self.itemChanged.connect(self._on_item_changed)
        state.connect_aspects(self._on_state_changed, *ASPECTS)
        self.refresh()

    def refresh(self) -> None:
        """Write the state's numbers into the cells (without triggering edits)."""
        s = self.explorer_state
        ev = s.evaluation
        n = s.num_classes
        logits_mode = s.logits_mode
        self._updating = True
        try:
            if self.rowCount() != n:
                self.setRowCount(n)
            self.setColumnHidden(COL_Z, not logits_mode)
            header = self.horizontalHeaderItem(COL_CE)  # made by setHorizontalHeaderLabels
            if header is not None:
                header.setText(f"−y log ŷ ({s.units})")
            z = s.display_logits()
            for i in range(n):
                self._set(i, COL_NAME, s.class_names[i], editable=True)
                self._set(i, COL_Y, fmt.probability(s.target[i]), editable=True)
                self._set(i, COL_P, fmt.probability(s.prediction[i]), editable=not logits_mode)
                self._set(i, COL_Z, fmt.logit(z[i]), editable=logits_mode)
                self._set(i, COL_CE, fmt.loss(ev.contributions.cross_entropy[i]), editable=False)
                self._set(i, COL_GRAD, fmt.gradient(ev.gradient[i]), editable=False)
        finally:
            self._updating = False

    def _set(self, row: int, col: int, text: str, editable: bool) -> None:
        item = self.item(row, col)
        if item is None:
            item = QtWidgets.QTableWidgetItem()
            self.setItem(row, col, item)
        flags = QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
        if editable:
            flags |= QtCore.Qt.ItemFlag.ItemIsEditable
        if item.flags() != flags:
            item.setFlags(flags)
        if col != COL_NAME:
            item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        if item.text() != text:
            item.setText(text)

    def _on_item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if self._updating:
            return
        row, col = item.row(), item.column()
        s = self.explorer_state
        name = s.class_names[row] if row < s.num_classes else str(row)
        text = item.text()
        try:
            if col == COL_NAME:
                s.rename_class(row, text)
            elif col == COL_Z:
                s.set_logit(row, fmt.parse_number(text), f"Set logit: {name}")
            elif col in (COL_Y, COL_P):
                v = fmt.parse_number(text)
                if not 0.0 <= v <= 1.0:
                    raise ValueError(f"a probability must lie between 0 and 1, got {fmt.plain(v)}")
                if col == COL_Y:
                    s.set_target_value(row, v, f"Set target: {name}")
                else:
                    s.set_prediction_value(row, v, f"Set prediction: {name}")
        except (ValueError, ScenarioError) as exc:
            self.message.emit(f"{HEADERS[col].split(' ')[0]} of {name} not changed: {exc}")
        # Always show the state's values again (a refused entry reverts; an accepted one is rounded).
        self.refresh()

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setPalette(theme.palette())
        font = QtGui.QFont(self.font())
        font.setPixelSize(theme.font_px(14))
        self.setFont(font)
        self.horizontalHeader().setFont(font)
        self.verticalHeader().setDefaultSectionSize(int(theme.font_px(14) * 2))
        for col, q in ((COL_Y, "target"), (COL_P, "prediction"), (COL_Z, "prediction"),
                       (COL_CE, "cross_entropy"), (COL_GRAD, "gradient")):
            h = self.horizontalHeaderItem(col)
            if h is not None:
                h.setForeground(QtGui.QBrush(theme.color(q)))
