"""Export Picture: what can be exported (the window, each visible plot, each with a clean
human name) and the dialog that asks which, at what size, in which format."""

from __future__ import annotations

from ce_desktop.gui import pictures
from ce_desktop.gui.qt_imports import QtGui, QtWidgets

#: Picture sizes offered in the export dialog (besides the widget's own size).
PICTURE_SIZES = ((1280, 720), (1920, 1080), (2560, 1440), (3840, 2160))


def picture_name(view) -> str:
    """A clean human name for a picture target: the view's ``picture_name`` if it has one,
    else its accessible name, else the first line of its plot title without the legend
    (a title such as "Per-class terms (bits) ■ CE −y log ŷ ..." becomes "Per-class terms (bits)"),
    else the dock or tab it sits in."""
    name = str(getattr(view, "picture_name", "") or "")
    if not name:
        name = view.accessibleName()
    if not name:
        name = _plot_title(view).split("■")[0].strip()
    return name or _place_name(view)


def find_plots(window) -> list[tuple[str, QtWidgets.QWidget]]:
    """Every visible plot (pyqtgraph view) in the window, by :func:`picture_name`."""
    import pyqtgraph as pg

    out = []
    seen: dict[str, int] = {}
    for view in window.findChildren(pg.GraphicsView):
        if not view.isVisible():
            continue
        name = picture_name(view)
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name} ({seen[name]})", view))
    return out


def _plot_title(view) -> str:
    """The title a pyqtgraph PlotWidget shows, as plain text ("" if none)."""
    getter = getattr(view, "getPlotItem", None)
    if getter is None:
        return ""
    label = getattr(getter(), "titleLabel", None)
    text = getattr(label, "text", "") if label is not None and label.isVisible() else ""
    doc = QtGui.QTextDocument()
    doc.setHtml(str(text or ""))
    return " ".join(doc.toPlainText().split())


def _place_name(widget) -> str:
    w = widget
    while w is not None:
        if w.accessibleName():
            return w.accessibleName()
        if isinstance(w, QtWidgets.QDockWidget) and w.windowTitle():
            return w.windowTitle()
        parent = w.parentWidget()
        tabs = parent.parentWidget() if isinstance(parent, QtWidgets.QStackedWidget) else None
        if isinstance(tabs, QtWidgets.QTabWidget):
            return tabs.tabText(tabs.indexOf(w)).replace("&&", "&")
        w = parent
    return widget.objectName() or type(widget).__name__


class PictureDialog(QtWidgets.QDialog):
    """Choose what to export (the window or one plot), the size and the format."""

    def __init__(self, targets, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export picture")
        self._targets = list(targets)
        form = QtWidgets.QFormLayout(self)
        self.target_box = QtWidgets.QComboBox()
        for name, _ in self._targets:
            self.target_box.addItem(name)
        form.addRow("&Picture of:", self.target_box)
        self.size_box = QtWidgets.QComboBox()
        form.addRow("&Size:", self.size_box)
        row = QtWidgets.QHBoxLayout()
        self.width_spin = QtWidgets.QSpinBox()
        self.height_spin = QtWidgets.QSpinBox()
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(16, pictures.MAX_PICTURE_SIDE)
            spin.setSuffix(" px")
            row.addWidget(spin)
        row.insertWidget(1, QtWidgets.QLabel("×"))
        form.addRow("", row)
        self.format_box = QtWidgets.QComboBox()
        self.format_box.addItem("PNG (pixels)", ".png")
        self.format_box.addItem("SVG (vector, for slides and print)", ".svg")
        form.addRow("&Format:", self.format_box)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.target_box.currentIndexChanged.connect(self._on_target_changed)
        self.size_box.activated.connect(self._on_size_chosen)
        self._on_target_changed(0)

    def _on_target_changed(self, index: int) -> None:
        """Offer the target's own size first, then the common slide sizes."""
        widget = self._targets[index][1] if self._targets else None
        own = (max(widget.width(), 16), max(widget.height(), 16)) if widget is not None else (1280, 720)
        self.size_box.clear()
        self.size_box.addItem(f"As on screen ({own[0]} × {own[1]})", own)
        for w, h in PICTURE_SIZES:
            self.size_box.addItem(f"{w} × {h}", (w, h))
        self.size_box.setCurrentIndex(0)
        self._on_size_chosen(0)

    def _on_size_chosen(self, index: int) -> None:
        w, h = self.size_box.itemData(index)
        self.width_spin.setValue(w)
        self.height_spin.setValue(h)

    def choice(self):
        """``(widget, (width, height), suffix)`` as chosen."""
        widget = self._targets[self.target_box.currentIndex()][1]
        return widget, (self.width_spin.value(), self.height_spin.value()), self.format_box.currentData()
