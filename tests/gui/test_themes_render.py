"""Themes on rendered pixels: every registered view changes colour when the theme changes (grabbed images,
background and bar pixels, item pens), and the projector theme's text and graphics reach WCAG AA on screen."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyqtgraph as pg
import pytest
from conftest import settle
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import themes
from ce_desktop.gui.items.column_bars import ColumnBars
from ce_desktop.gui.items.polyline import Polyline
from ce_desktop.gui.items.step_cursor import StepCursor
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.themes import contrast_ratio, relative_luminance
from ce_desktop.gui.views.contributions import WIDTH
from ce_desktop.gui.window import MainWindow

THEMES = ("light", "dark", "projector")
QUANTITIES = ("target", "prediction", "cross_entropy", "entropy", "kl_divergence", "gradient")


@pytest.fixture(scope="module")
def win(qapp, tmp_path_factory):
    """One window for the module (themes restyle; nothing here changes the state)."""
    app = QtWidgets.QApplication.instance()
    w = MainWindow(ExplorerState(), settings_dir=tmp_path_factory.mktemp("settings"), theme="light", font_scale=100)
    w.resize(1280, 720)
    w.show()
    w.classroom.open_lesson("cross-entropy", 1)
    w.classroom.show_exercises()
    w.descent.run_steps(5)
    settle()
    yield w
    w.close()
    w.deleteLater()
    app.processEvents()


def reveal(w, view) -> None:
    """Bring a view's tab, dock and mode to the front so that it is drawn."""
    if view is w.softmax_view and not w.state.logits_mode:
        w.state.set_logits_mode(True)
        w.state.history.clear()
    for tabs in w.findChildren(QtWidgets.QTabWidget):
        for i in range(tabs.count()):
            page = tabs.widget(i)
            if page is view or page.isAncestorOf(view):
                tabs.setVisible(True)
                tabs.setTabVisible(i, True)
                tabs.setCurrentIndex(i)
    for dock in w.findChildren(QtWidgets.QDockWidget):
        if dock.isAncestorOf(view):
            dock.show()
    parent = view.parentWidget()
    while parent is not None and parent is not w:
        parent.setVisible(True)
        parent = parent.parentWidget()
    view.setVisible(True)
    settle()


def views(w) -> dict[str, QtWidgets.QWidget]:
    return {name: v for name, v in w.views.items() if isinstance(v, QtWidgets.QWidget)}


def image_of(widget) -> np.ndarray:
    """The widget as drawn, as an (h, w) array of 0xRRGGBB."""
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint32, count=img.height() * img.bytesPerLine() // 4)
    return (arr.reshape(img.height(), img.bytesPerLine() // 4)[:, :img.width()] & 0xFFFFFF).copy()


def hexcolour(v: int) -> str:
    return f"#{int(v):06X}"


def near(a: str, b: str, tolerance: int = 3) -> bool:
    """Two colours equal up to rounding in the renderer (a few levels per channel)."""
    ca, cb = QtGui.QColor(a), QtGui.QColor(b)
    return max(abs(ca.red() - cb.red()), abs(ca.green() - cb.green()), abs(ca.blue() - cb.blue())) <= tolerance


def dominant(img: np.ndarray) -> str:
    return hexcolour(Counter(img.ravel().tolist()).most_common(1)[0][0])


def item_colours(view) -> set[str]:
    """Colours of the opaque lines, bars and markers of every data item in the view's plots (not axes,
    not outlines drawn in the background colour to separate a marker from what lies under it)."""
    out = set()
    graphics = view.findChildren(pg.GraphicsView)
    if isinstance(view, pg.GraphicsView):
        graphics.append(view)
    for gv in graphics:
        background = gv.backgroundBrush().color().name().upper()
        for item in gv.scene().items():
            if isinstance(item.parentItem(), pg.PlotDataItem):
                continue  # the curve and symbols a PlotDataItem draws with its own pen
            specs = []
            if isinstance(item, pg.PlotDataItem):
                if item.xData is not None and len(item.xData):
                    specs.append(item.opts.get("pen"))
            elif isinstance(item, (pg.BarGraphItem, ColumnBars)):
                specs += [item.opts.get("brush"), item.opts.get("pen")]
            elif isinstance(item, pg.ScatterPlotItem):
                specs.append(item.opts.get("brush"))
            elif isinstance(item, pg.InfiniteLine):
                specs.append(item.pen)
            elif isinstance(item, (pg.PlotCurveItem, StepCursor, Polyline)):  # bare curves, the step line
                specs.append(item.opts.get("pen") if isinstance(item, pg.PlotCurveItem) else item.pen())
            for spec in specs:
                if spec is None or isinstance(spec, (list, tuple, np.ndarray)):
                    continue
                brush = isinstance(spec, QtGui.QBrush)
                colour = (pg.mkBrush(spec) if brush else pg.mkPen(spec)).color()
                invisible = (brush and spec.style() == QtCore.Qt.BrushStyle.NoBrush) or \
                    (not brush and isinstance(spec, QtGui.QPen) and spec.style() == QtCore.Qt.PenStyle.NoPen)
                name = colour.name().upper()
                if colour.alpha() == 255 and not invisible and name != background:
                    out.add(name)
    return out


def set_theme(w, name):
    w.set_theme(name, save=False)
    settle()


# --------------------------------------------------------------------------- every view follows the theme


def test_every_registered_view_is_drawn_differently_in_each_theme(win):
    names = list(views(win))
    assert {"target", "prediction", "softmax", "readouts", "contributions", "gradient", "formula", "table",
            "controls", "descent_panel", "trajectory", "logit_trajectory", "simplex", "binary", "comparison",
            "lesson", "exercises"} <= set(names)
    for name in names:
        view = views(win)[name]
        shots = {}
        for theme in THEMES:
            set_theme(win, theme)
            reveal(win, view)
            shots[theme] = image_of(view)
        assert shots["light"].size > 100, name
        # Dark: the widget's main colour is dark; light and projector: light.
        assert relative_luminance(dominant(shots["dark"])) < 0.1, name
        assert relative_luminance(dominant(shots["light"])) > 0.75, name
        assert relative_luminance(dominant(shots["projector"])) > 0.75, name
        # Projector differs from light on screen (thicker lines, darker hues, larger text).
        same_size = shots["light"].shape == shots["projector"].shape
        assert not same_size or (shots["light"] != shots["projector"]).any(), name
    set_theme(win, "light")


@pytest.mark.parametrize("theme", THEMES)
def test_plot_backgrounds_and_bars_have_the_theme_colours_on_screen(win, theme):
    set_theme(win, theme)
    # The desk's layout (every panel at its own size): slide 1 hides the gradient, and a plot
    # forced visible inside a slide's layout is squeezed to a few pixels of bar.
    win.panel_layout.show(None)
    t = win.theme
    s = win.state
    if s.logits_mode:  # the prediction editor shows ŷ itself (logit bars are hatched)
        s.set_logits_mode(False)
    s.set_prediction([0.2, 0.5, 0.3])  # tall bars everywhere: gradient (−0.8, 0.5, 0.3), CE term 1.609
    y, p, g = s.target, s.prediction, s.evaluation.gradient
    true = int(np.argmax(y))
    big = int(np.argmax(np.abs(g)))
    ce = s.evaluation.contributions.cross_entropy
    f = 0.5
    cases = (
        (win.target_editor, true, y[true] * f, t.target),
        (win.prediction_editor, 0, p[0] * f, t.prediction),
        (win.gradient, big, g[big] * f, t.gradient),
        (win.contributions, true - WIDTH, ce[true] * f, t.cross_entropy),
    )
    win.controls.units.setFocus()  # a focused bar editor draws a translucent box over its chosen bar
    for plot, x, v, colour in cases:
        reveal(win, plot)  # (which settles: a plot shown just now refits its range to its height, deferred)
        vb = plot.getPlotItem().getViewBox()
        points = []
        for k in range(1, 10):  # up the bar: faint grid lines cross it at round values
            pt = plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, v / f * k / 10)))
            points.append(plot.viewport().mapTo(plot, pt))
        img = image_of(plot)
        drawn = Counter(hexcolour(img[pt.y(), pt.x()]) for pt in points)
        assert near(drawn.most_common(1)[0][0], colour), (plot.accessibleName(), theme, drawn)
        # The plot's background: the commonest colour of the data area (bars, labels and grid lines are less).
        area = vb.sceneBoundingRect()
        top_left = plot.viewport().mapTo(plot, plot.mapFromScene(area.topLeft()))
        bottom_right = plot.viewport().mapTo(plot, plot.mapFromScene(area.bottomRight()))
        inside = img[top_left.y():bottom_right.y(), top_left.x():bottom_right.x()]
        assert near(dominant(inside), t.background), (plot.accessibleName(), theme)
        # Graphics contrast (WCAG 1.4.11 wants 3:1) of the bar against the background it is drawn on.
        if theme == "projector":
            assert contrast_ratio(colour, t.background) >= 3.0
    set_theme(win, "light")


def test_every_plot_items_pens_follow_the_theme(win):
    light, projector = themes.LIGHT, themes.PROJECTOR
    light_only = {getattr(light, q).upper() for q in QUANTITIES} - {getattr(projector, q).upper() for q in QUANTITIES}
    plots = {name: v for name, v in views(win).items()
             if isinstance(v, pg.GraphicsView) or v.findChildren(pg.GraphicsView)}
    assert {"target", "gradient", "contributions", "trajectory", "logit_trajectory", "simplex", "binary",
            "comparison", "exercises"} <= set(plots)
    for name, view in plots.items():
        reveal(win, view)
        set_theme(win, "light")
        before = item_colours(view)
        set_theme(win, "projector")
        after = item_colours(view)
        assert after and after != before, name
        assert not after & light_only, (name, after & light_only)
        for colour in after:  # every opaque pen and brush reaches 3:1 on the projector's white
            assert contrast_ratio(colour, projector.background) >= 3.0, (name, colour)
    # The curves say which quantity they are by their colour, in every theme.
    traj, logit = win.descent_views["trajectory"], win.descent_views["logits"]
    for theme in THEMES:
        set_theme(win, theme)
        t = win.theme
        assert traj.ce_curve.opts["pen"].color().name().upper() == t.cross_entropy.upper()
        assert traj.kl_curve.opts["pen"].color().name().upper() == t.kl_divergence.upper()
        shown = [c.opts["pen"].color().name().upper() for c in logit.curves]
        assert shown == [c.upper() for c in t.class_colours[:len(shown)]]
        assert win.classroom.binary_view.curve.opts["pen"].color().name().upper() == t.cross_entropy.upper()
    set_theme(win, "light")


# --------------------------------------------------------------------------- projector contrast, measured


def ink_and_paper(img: np.ndarray) -> tuple[str, str]:
    """The background (most common colour) and the pixel that contrasts with it most (the text's ink)."""
    paper = dominant(img)
    colours = Counter(img.ravel().tolist())
    ink = max(colours, key=lambda c: contrast_ratio(hexcolour(c), paper))
    return hexcolour(ink), paper


def test_projector_text_reaches_4_5_to_1_on_screen(win):
    set_theme(win, "projector")
    t = win.theme
    assert contrast_ratio(t.foreground, t.background) >= 4.5
    checked = 0
    for label in win.findChildren(QtWidgets.QLabel):
        if not label.isVisibleTo(win) or not label.text().strip() or label.width() < 8 or label.height() < 8:
            continue
        ink, paper = ink_and_paper(image_of(label))
        assert contrast_ratio(ink, paper) >= 4.5, (label.text()[:40], ink, paper)
        checked += 1
    assert checked > 20
    # Coloured numbers: each readout's value is drawn in its quantity's colour, at >= 4.5:1.
    for readout, quantity in ((win.readouts.ce, "cross_entropy"), (win.readouts.entropy, "entropy"),
                              (win.readouts.kl, "kl_divergence")):
        img = image_of(readout.value)
        colour = getattr(t, quantity).upper()
        drawn = {hexcolour(c) for c in np.unique(img)}
        assert colour in drawn, quantity
        assert contrast_ratio(colour, dominant(img)) >= 4.5
    # Plot text (value labels, axis ticks) is the theme's foreground on the theme's background.
    for plot in (win.target_editor, win.prediction_editor, win.gradient, win.contributions):
        assert plot.label_colours()
        for colour in plot.label_colours():
            assert contrast_ratio(colour, t.background) >= 4.5
        axis = plot.getPlotItem().getAxis("left")
        assert contrast_ratio(axis.textPen().color().name(), t.background) >= 4.5
    set_theme(win, "light")


def test_projector_never_relies_on_black_for_meaning():
    t = themes.PROJECTOR
    colours = [getattr(t, q).upper() for q in QUANTITIES] + [c.upper() for c in t.class_colours]
    assert "#000000" not in colours
    assert len(set(t.class_colours)) == len(t.class_colours) >= 10
    for c in t.class_colours:
        assert contrast_ratio(c, t.background) >= 4.5, c
    for c in themes.DARK.class_colours:
        assert contrast_ratio(c, themes.DARK.background) >= 3.0, c
