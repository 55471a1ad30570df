"""Pictures of widgets (PNG and SVG).

:func:`save_picture` renders a widget, or the whole window, at a chosen size: a size
larger than the widget scales the drawing (text and lines stay crisp), and other
proportions centre it on the window colour. The file reaches the disk through
:func:`ce_desktop.model.user_files.write_file_atomic`, complete or not at all, as every
file the app writes does. The text formats themselves are Qt-free, in :mod:`ce_desktop.model.export`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ce_desktop.gui.qt_imports import QtCore, QtGui, QtWidgets  # first: Qt as the app imports it (light)
from ce_desktop.model import user_files

__all__ = [
    "PICTURE_SUFFIXES",
    "MAX_PICTURE_SIDE",
    "export_widget_png",
    "export_widget_svg",
    "save_picture",
]

#: Picture formats :func:`save_picture` understands.
PICTURE_SUFFIXES = (".png", ".svg")
#: Largest picture side in pixels (a 8000x8000 ARGB image is 256 MB).
MAX_PICTURE_SIDE = 8000


# --------------------------------------------------------------------------- pictures


def _check_size(widget, size) -> tuple[int, int]:
    if size is None:
        w, h = widget.width(), widget.height()
    else:
        try:
            w, h = (int(size.width()), int(size.height())) if hasattr(size, "width") else (int(size[0]), int(size[1]))
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"a picture size is (width, height), got {size!r}") from None
    if not (1 <= w <= MAX_PICTURE_SIDE and 1 <= h <= MAX_PICTURE_SIDE):
        raise ValueError(f"picture size must lie within 1..{MAX_PICTURE_SIDE} pixels per side, got {w}x{h}")
    return w, h


def _render(widget, painter, w: int, h: int, vector: bool) -> None:
    """Draw ``widget`` scaled uniformly to fit ``w x h``, centred on its window colour."""
    ww, wh = max(widget.width(), 1), max(widget.height(), 1)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(QtCore.QRectF(0, 0, w, h), widget.palette().color(QtGui.QPalette.ColorRole.Window))
    scale = min(w / ww, h / wh)
    painter.translate((w - ww * scale) / 2.0, (h - wh * scale) / 2.0)
    painter.scale(scale, scale)
    # A plot's cached background would go into an SVG as a bitmap; draw it as vectors.
    views = [widget] if isinstance(widget, QtWidgets.QGraphicsView) else []
    views += widget.findChildren(QtWidgets.QGraphicsView)
    modes = [(v, v.cacheMode()) for v in views]
    patches = []
    if vector:
        for v, _ in modes:
            v.setCacheMode(QtWidgets.QGraphicsView.CacheModeFlag.CacheNone)
        # Qt's SVG generator ignores clipping. A menu bar paints its items, then fills the
        # empty area under a clip that excludes them; in an SVG that fill hides the items.
        # Menu bars therefore go in as pictures, at the export's scale.
        bars = [widget] if isinstance(widget, QtWidgets.QMenuBar) else []
        bars += [b for b in widget.findChildren(QtWidgets.QMenuBar) if b.isVisible()]
        for bar in bars:
            patch = _paint_as_image(bar, max(2.0, scale))
            bar.installEventFilter(patch)
            patches.append((bar, patch))
    try:
        # QWidget's render, by name: QGraphicsView (every plot) overrides ``render`` with
        # another signature, a scene-to-rectangle copy that would leave out the axes' frame.
        QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0))
    finally:
        for v, mode in modes:
            v.setCacheMode(mode)
        for bar, patch in patches:
            bar.removeEventFilter(patch)


def _paint_as_image(widget, scale: float):
    """An event filter that paints ``widget`` as a picture of itself taken now."""
    class PaintAsImage(QtCore.QObject):
        def __init__(self):
            super().__init__()
            size = QtCore.QSize(max(1, round(widget.width() * scale)), max(1, round(widget.height() * scale)))
            self.image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            self.image.fill(QtCore.Qt.GlobalColor.transparent)
            p = QtGui.QPainter(self.image)
            p.scale(scale, scale)
            widget.render(p, QtCore.QPoint(0, 0))
            p.end()

        def eventFilter(self, obj, event):
            if obj is widget and event.type() == QtCore.QEvent.Type.Paint:
                p = QtGui.QPainter(obj)  # redirected into the SVG while rendering
                p.drawImage(QtCore.QRectF(0, 0, obj.width(), obj.height()), self.image)
                p.end()
                return True
            return False

    return PaintAsImage()


def export_widget_png(widget, path, size=None) -> None:
    """Render ``widget`` into a PNG of ``size`` = (width, height) pixels (default: its own size).

    A size larger than the widget scales the drawing (text and lines stay crisp); if the
    proportions differ, the picture is centred on the window colour.
    """
    w, h = _check_size(widget, size)
    image = QtGui.QImage(w, h, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.white)
    painter = QtGui.QPainter(image)
    try:
        _render(widget, painter, w, h, vector=False)
    finally:
        painter.end()
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.11 takes the format as a str (bytes raise ValueError); its stubs say bytes.
    if not image.save(buf, "PNG"):  # type: ignore[call-overload]
        raise OSError("could not encode the picture as PNG")
    user_files.write_file_atomic(path, bytes(buf.data().data()))


def export_widget_svg(widget, path, size=None) -> None:
    """Render ``widget`` as an SVG (vector) whose width and height are ``size`` (default: its own).

    Uses QtSvg's QSvgGenerator and ``QWidget.render`` (pyqtgraph 0.14's SVGExporter is
    broken with Qt 6.12). Width and height are written in pixels (user units).

    Known limit: the generator writes no clip paths, so a curve reaching outside a plot's
    visible range is drawn past the plot's edge in the SVG (the PNG is clipped). The app's
    plots keep their data inside their ranges; menu bars, which rely on clipping, are
    embedded as pictures.
    """
    import xml.etree.ElementTree as ET

    from PySide6 import QtSvg  # only when asked: pyqtgraph's start-up keeps it out (qt_imports)

    w, h = _check_size(widget, size)
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    gen = QtSvg.QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(QtCore.QSize(w, h))
    gen.setViewBox(QtCore.QRect(0, 0, w, h))
    # Fonts in points become the same pixel sizes as on screen (Qt's default is 72 dpi).
    gen.setResolution(widget.logicalDpiY())
    gen.setTitle("CE Explorer")
    gen.setDescription("Exported from CE Explorer")
    painter = QtGui.QPainter(gen)
    try:
        _render(widget, painter, w, h, vector=True)
    finally:
        painter.end()
    data = bytes(buf.data().data())
    # Qt writes width/height in millimetres; the asked size is in pixels.
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(data)
    root.set("width", str(w))
    root.set("height", str(h))
    out = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    user_files.write_file_atomic(path, out)


def save_picture(widget, path, size=None) -> None:
    """Save ``widget`` as PNG or SVG, chosen by the extension of ``path``.

    Raises
    ------
    ValueError
        For any other extension, or a size outside 1..8000 pixels per side.
    OSError
        When the file cannot be written (the old file, if any, is left intact).
    """
    if os.path.isdir(path):
        raise OSError(f"cannot write {path}: it is a folder; give a file name ending in .png or .svg")
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        export_widget_png(widget, path, size)
    elif suffix == ".svg":
        export_widget_svg(widget, path, size)
    else:
        what = f"{Path(path).suffix!r} is not a picture format" if suffix else "the name has no extension"
        raise ValueError(f"cannot save a picture as {path}: {what}; use .png or .svg")
