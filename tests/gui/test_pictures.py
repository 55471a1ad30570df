"""Pictures of widgets (PNG, SVG): ce_desktop.gui.pictures,
and File ▸ Export Picture… in the window, driven with real keys."""

from __future__ import annotations

import base64
import errno
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from ce_desktop.gui import pictures

SVG_NS = "{http://www.w3.org/2000/svg}"


# --------------------------------------------------------------------------- pictures

@pytest.fixture
def picture_widget(qtbot):
    """A 200x100 widget: a solid red block 50 wide beside a plot."""
    import pyqtgraph as pg
    from PySide6 import QtGui, QtWidgets

    w = QtWidgets.QWidget()
    w.setAutoFillBackground(True)
    pal = w.palette()
    pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(10, 200, 30))
    w.setPalette(pal)
    lay = QtWidgets.QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    block = QtWidgets.QFrame()
    block.setAutoFillBackground(True)
    bpal = block.palette()
    bpal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(250, 0, 0))
    block.setPalette(bpal)
    block.setFixedWidth(50)
    lay.addWidget(block)
    plot = pg.PlotWidget()
    plot.plot([0, 1, 2], [1, 0, 2])
    plot.setTitle("loss")
    lay.addWidget(plot)
    qtbot.addWidget(w)
    w.resize(200, 100)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_png_has_the_asked_size_and_the_widget_scaled_inside(picture_widget, tmp_path):
    from PySide6 import QtGui

    path = tmp_path / "pic.png"
    pictures.save_picture(picture_widget, path, (800, 800))
    img = QtGui.QImage(str(path))
    assert not img.isNull()
    assert (img.width(), img.height()) == (800, 800)
    # Scaled 4x to 800x400, centred vertically: bands of window colour above and below.
    assert QtGui.QColor(img.pixel(400, 50)).getRgb()[:3] == (10, 200, 30)
    left_block = QtGui.QColor(img.pixel(40, 400)).getRgb()[:3]
    assert left_block == (250, 0, 0)


def test_png_default_size_is_the_widget_size(picture_widget, tmp_path):
    from PySide6 import QtGui

    path = tmp_path / "pic.png"
    pictures.export_widget_png(picture_widget, path)
    img = QtGui.QImage(str(path))
    assert (img.width(), img.height()) == (200, 100)


def test_svg_is_valid_xml_of_the_asked_size_and_vector(picture_widget, tmp_path):
    path = tmp_path / "pic.SVG"
    pictures.save_picture(picture_widget, path, (1920, 1080))
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert (root.get("width"), root.get("height")) == ("1920", "1080")
    assert root.get("viewBox") == "0 0 1920 1080"
    # The plot's title and axis labels are text, and its curve a path: real vectors.
    texts = [el.text or "" for el in root.iter(f"{SVG_NS}text")]
    assert any("loss" in t for t in texts)
    assert len(list(root.iter(f"{SVG_NS}polyline"))) + len(list(root.iter(f"{SVG_NS}path"))) > 0
    assert list(root.iter(f"{SVG_NS}image")) == []  # no cached bitmap background


def test_picture_format_and_size_are_checked(picture_widget, tmp_path):
    for name in ("pic.jpg", "pic"):
        with pytest.raises(ValueError, match=r"\.png or \.svg"):
            pictures.save_picture(picture_widget, tmp_path / name, (100, 100))
        assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="size"):
        pictures.save_picture(picture_widget, tmp_path / "big.png", (9000, 100))
    with pytest.raises(ValueError, match="size"):
        pictures.save_picture(picture_widget, tmp_path / "bad.png", "large")


def test_failed_picture_write_keeps_the_old_file(picture_widget, tmp_path, monkeypatch):
    path = tmp_path / "pic.png"
    path.write_bytes(b"old picture")

    def power_cut(*args):
        raise OSError(errno.EIO, "Input/output error")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", power_cut)
        with pytest.raises(OSError, match="Input/output error"):
            pictures.save_picture(picture_widget, path, (300, 300))
    assert path.read_bytes() == b"old picture"


def test_picture_into_a_missing_folder_is_an_os_error(picture_widget, tmp_path):
    with pytest.raises(OSError, match="cannot write"):
        pictures.save_picture(picture_widget, tmp_path / "nope" / "pic.svg")


def test_svg_text_has_the_screen_size_and_menu_bars_survive(qtbot, tmp_path):
    """Fonts keep their on-screen pixel size; a menu bar (which needs clipping) is a picture."""
    from PySide6 import QtGui, QtWidgets

    w = QtWidgets.QMainWindow()
    w.menuBar().addMenu("&File")
    label = QtWidgets.QLabel("central text")
    w.setCentralWidget(label)
    qtbot.addWidget(w)
    w.resize(300, 150)
    w.show()
    qtbot.waitExposed(w)
    path = tmp_path / "win.svg"
    pictures.save_picture(w, path, (600, 300))
    root = ET.parse(path).getroot()
    texts = {el.text: el for el in root.iter(f"{SVG_NS}text")}
    assert "central text" in texts
    px = QtGui.QFontInfo(label.font()).pixelSize()
    sizes = {el.get("font-size") for el in root.iter() if el.get("font-size")}
    assert str(px) in sizes
    images = list(root.iter(f"{SVG_NS}image"))
    assert len(images) == 1  # the menu bar, drawn at the export's 2x scale
    href = images[0].get("{http://www.w3.org/1999/xlink}href")
    assert href.startswith("data:image/png;base64,")
    img = QtGui.QImage.fromData(base64.b64decode(href.split(",", 1)[1]))
    assert (img.width(), img.height()) == (2 * w.menuBar().width(), 2 * w.menuBar().height())


# --------------------------------------------------------------------------- File ▸ Export Picture… in the window


def _export_through_the_dialog(qtbot, window, monkeypatch, index: int, suffix: str, path) -> dict:
    """File ▸ Export Picture… as a user does it: open it with Ctrl+Shift+E, pick entry ``index``
    of "Picture of:" and the format with the arrow keys, press OK, and give ``path`` to the
    save dialog (a stand-in: Qt's file dialog is not ours to test). Returns what was seen."""
    from PySide6 import QtCore, QtTest, QtWidgets

    from ce_desktop.gui.picture_dialog import PictureDialog

    seen: dict = {}

    def save_file_name(parent, title, suggested, file_filter):
        seen["suggested"] = suggested
        return str(path), file_filter

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(save_file_name))

    def drive():
        dialog = QtWidgets.QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, PictureDialog)
            seen["count"] = dialog.target_box.count()
            for box, k in ((dialog.target_box, index), (dialog.format_box, 0 if suffix == ".png" else 1)):
                box.setFocus()
                qtbot.keyClick(box, QtCore.Qt.Key.Key_Home)
                for _ in range(k):
                    qtbot.keyClick(box, QtCore.Qt.Key.Key_Down)
            seen["name"] = dialog.target_box.currentText()
            seen["widget"], seen["size"], _ = dialog.choice()
            ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
            qtbot.mouseClick(ok, QtCore.Qt.MouseButton.LeftButton)
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.reject()  # a failed check must not leave the modal dialog waiting forever

    window.activateWindow()  # the shortcut goes to the active window; a closed dialog hands it back late
    assert QtTest.QTest.qWaitForWindowActive(window, 2000)
    QtCore.QTimer.singleShot(0, drive)  # runs inside the dialog's own event loop
    qtbot.keyClick(window, QtCore.Qt.Key.Key_E,
                   QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert "count" in seen  # the dialog opened and was driven
    return seen


def _distinct_colours(img) -> int:
    from PySide6 import QtGui

    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return len(np.unique(pixels))


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_every_choice_of_the_export_picture_dialog_writes_that_picture(qtbot, settings_dir, tmp_path, monkeypatch,
                                                                       suffix):
    """The whole window and every plot the dialog lists, each read back from its file."""
    from conftest import show_window
    from PySide6 import QtGui, QtWidgets

    from ce_desktop.gui.errors import ErrorReporter

    window = show_window(qtbot, settings_dir, active=True)
    bugs = []
    reporter = ErrorReporter(window, tmp_path, show=lambda summary, details: bugs.append(summary)).install()
    try:
        targets = window.file_actions.picture_targets()
        assert len(targets) >= 5  # the window, and the target, prediction, terms and gradient plots at least
        for index, (name, widget) in enumerate(targets):
            path = tmp_path / f"picture{index}{suffix}"
            seen = _export_through_the_dialog(qtbot, window, monkeypatch, index, suffix, path)
            assert seen["count"] == len(targets) and seen["name"] == name and seen["widget"] is widget
            assert seen["suggested"].endswith(suffix)
            assert bugs == [] and not [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()], name
            assert path.is_file(), name
            w, h = seen["size"]
            assert (w, h) == (widget.width(), widget.height())  # "As on screen", the dialog's first size
            if suffix == ".png":
                img = QtGui.QImage(str(path))
                assert not img.isNull() and (img.width(), img.height()) == (w, h), name
                assert _distinct_colours(img) > 1, name  # not a blank rectangle
            else:
                root = ET.parse(path).getroot()
                assert (root.get("width"), root.get("height")) == (str(w), str(h)), name
                drawn = [el for el in root.iter() if el.tag in (f"{SVG_NS}path", f"{SVG_NS}polyline")]
                texts = [el.text for el in root.iter(f"{SVG_NS}text") if (el.text or "").strip()]
                assert drawn and texts, name  # curves, bars or axes, and labels: more than the background
    finally:
        reporter.uninstall()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_a_plot_into_an_unwritable_place_is_a_message_not_a_bug(qtbot, settings_dir, tmp_path, monkeypatch, suffix):

    from conftest import show_window

    from ce_desktop.gui.errors import ErrorReporter

    window = show_window(qtbot, settings_dir, active=True)
    bugs = []
    reporter = ErrorReporter(window, tmp_path, show=lambda summary, details: bugs.append(summary)).install()
    try:
        path = tmp_path / "no such folder" / f"plot{suffix}"
        _export_through_the_dialog(qtbot, window, monkeypatch, 1, suffix, path)
        assert bugs == []
        box = window.file_actions.prompts.last_error
        assert box is not None and box.isVisible()
        assert box.text() == "Cannot export the picture"
        assert str(path) in box.informativeText() and "No such file or directory" in box.informativeText()
        assert not path.parent.exists()
        box.close()
    finally:
        reporter.uninstall()
