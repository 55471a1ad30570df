"""The window's layout object: named panels, a slide's main plot, saving and restoring, and
the rendered layouts (no clipped text, the main plot gets the most room)."""

from __future__ import annotations

import pytest
from conftest import settle
from PySide6 import QtCore, QtWidgets

from ce_desktop.gui.layout import DESK, PLOTS, Panel, slide_panels
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.window import MainWindow
from ce_desktop.model import lessons

K = QtCore.Qt.Key
SEED = lessons.get("cross-entropy")


def open_window(qtbot, tmp_path, size=(1280, 720), theme="projector", font_scale=100) -> MainWindow:
    w = MainWindow(ExplorerState(), settings_dir=tmp_path / "settings", theme=theme, font_scale=font_scale)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    settle()
    return w


def present(w: MainWindow, font_scale: int) -> None:
    w.presentation.enter(full_screen=False, font_scale=font_scale)
    settle()


def legend_geometry(w: MainWindow):
    legend = w.descent_views["trajectory"].legend
    return (round(legend.boundingRect().width()), [(round(label.pos().x()), round(label.boundingRect().width()))
                                                   for _sample, label in legend.items])


# --------------------------------------------------------------------------- the model's slide fields


def test_each_slide_names_a_main_plot_among_its_panels():
    by_kind = {}
    for slide in SEED.slides:
        assert slide.main_plot in lessons.MAIN_PLOTS
        assert Panel(slide.main_plot) in slide_panels(slide.panels)  # it is on the slide
        by_kind.setdefault(slide.main_plot, []).append(slide)
    # A descent slide is about the loss curve, not the (soon almost zero) gradient beside it.
    assert all(s.main_plot == "loss_plot" for s in SEED.slides if s.shows("descent"))
    assert lessons.default_main_plot(["editors", "readouts", "formula"]) == "prediction"


@pytest.mark.parametrize("field, value, message", [
    ("main_plot", "pie", "'main_plot' must be one of"),
    ("autoplay", "yes", "'autoplay' must be true or false"),
])
def test_bad_slide_fields_are_explained(field, value, message):
    slide = {"caption": "x", "scenario": {"target": [1, 0], "logits": [0, 0]}, field: value}
    data = {"format": "ce-explorer-lesson", "version": 1, "name": "x", "title": "X", "slides": [slide]}
    with pytest.raises(lessons.LessonError, match=message):
        lessons.lesson_from_dict(data)


# --------------------------------------------------------------------------- defect 3: the legend comes back


def test_leaving_presentation_or_opening_the_exercises_puts_the_legend_back(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, theme="light")
    before = legend_geometry(w)
    splitters = {sp: sp.sizes() for sp in w.findChildren(QtWidgets.QSplitter)}
    present(w, 150)
    assert legend_geometry(w)[0] > before[0]  # larger text, larger legend
    w.presentation.leave()
    settle()
    assert legend_geometry(w) == before
    assert {sp: sp.sizes() for sp in splitters} == splitters
    qtbot.keyClick(w, K.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)  # the exercises
    settle()
    assert w.classroom.exercise_dock.isVisible()
    assert legend_geometry(w) == before


# --------------------------------------------------------------------------- defect 4: the dock follows the text


def descent_chrome(w: MainWindow) -> dict:
    """What the descent dock's chrome measures: its tab bar's font and height, its title's height."""
    dock = w.panel_layout.dock(Panel.DESCENT)
    bar = w.descent_views["tabs"].tabBar()
    return {"tab_px": bar.font().pixelSize(), "tab_h": bar.height(), "tab_w": bar.tabRect(0).width(),
            "title_h": dock.widget().geometry().top()}


def geometry_of(w: MainWindow) -> dict:
    return {"docks": {d.objectName(): d.geometry() for d in w.findChildren(QtWidgets.QDockWidget) if d.isVisible()},
            "splitters": {sp.objectName(): sp.sizes() for sp in w.findChildren(QtWidgets.QSplitter)},
            "tab_bars": {t.objectName(): t.tabBar().geometry() for t in w.findChildren(QtWidgets.QTabWidget)}}


def test_the_descent_docks_tabs_and_title_follow_the_text_scale(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, theme="light")
    w.activateWindow()
    ctrl = QtCore.Qt.KeyboardModifier.ControlModifier
    at_100 = descent_chrome(w)
    assert at_100["tab_px"] == 13
    for _ in range(5):
        qtbot.keyClick(w, K.Key_Equal, ctrl)  # Ctrl+= to 150 %
    settle()
    assert w.font_scale == 150
    at_150 = descent_chrome(w)
    assert at_150["tab_px"] == round(13 * 1.5)
    assert at_150["tab_h"] >= 1.3 * at_100["tab_h"] and at_150["tab_w"] >= 1.3 * at_100["tab_w"]
    assert at_150["title_h"] > at_100["title_h"]
    assert clipped_texts(w.panel_layout.dock(Panel.DESCENT)) == []
    # The text goes back to 100 % while the dock is hidden (Ctrl+D): shown again, it is as it was.
    qtbot.keyClick(w, K.Key_D, ctrl)
    for _ in range(5):
        qtbot.keyClick(w, K.Key_Minus, ctrl)
    qtbot.keyClick(w, K.Key_D, ctrl)
    settle()
    assert w.font_scale == 100 and descent_chrome(w) == at_100


@pytest.mark.parametrize("font_scale", [100, 150])
def test_leaving_presentation_restores_the_exact_geometry(qtbot, tmp_path, font_scale):
    """Presentation at 150 % hides the descent dock (no lesson, 720 px); its tab bar takes the
    large text while hidden. Leaving brings back every dock, splitter and tab bar exactly."""
    w = open_window(qtbot, tmp_path, theme="light", font_scale=font_scale)
    before = geometry_of(w)
    chrome = descent_chrome(w)
    present(w, 150)
    assert not w.panel_layout.dock(Panel.DESCENT).isVisible()
    w.presentation.leave()
    settle()
    assert geometry_of(w) == before
    assert descent_chrome(w) == chrome


# --------------------------------------------------------------------------- defect 8: clicker keys


def test_clicker_keys_never_move_a_focused_control_and_do_nothing_without_a_lesson(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, theme="light")
    w.activateWindow()
    w.descent.run_steps(10)
    present(w, 150)
    scrubber = w.descent_views["trajectory"].scrubber
    lr = w.descent_panel.lr_slider
    for slider in (scrubber, lr):
        slider.setFocus()
        before = (slider.value(), w.descent.run.index)
        for key in (K.Key_PageDown, K.Key_PageUp, K.Key_Right, K.Key_Left, K.Key_Space):
            qtbot.keyClick(slider, key)
        assert (slider.value(), w.descent.run.index) == before
        assert not w.descent.playing and w.classroom.lesson is None
    # With a lesson they page through it, still without touching the focused slider.
    w.classroom.open_lesson("cross-entropy", 3)
    settle()
    lr.setFocus()
    value = lr.value()
    qtbot.keyClick(lr, K.Key_PageDown)
    qtbot.keyClick(lr, K.Key_Right)
    assert w.classroom.lesson_panel.slide_number == 5
    qtbot.keyClick(lr, K.Key_PageUp)
    assert w.classroom.lesson_panel.slide_number == 4
    assert lr.value() == value


# --------------------------------------------------------------------------- rendered layouts


def cut_wrapped_texts(w: QtWidgets.QWidget) -> list[str]:
    """Visible word-wrapped labels, outside a scroll area, shorter than their wrapped lines need."""
    out = []
    for label in w.findChildren(QtWidgets.QLabel):
        if not (label.isVisibleTo(w) and label.wordWrap() and label.text()):
            continue
        parent, scrolled = label.parentWidget(), False
        while parent is not None and parent is not w:
            scrolled = scrolled or isinstance(parent, QtWidgets.QAbstractScrollArea)
            parent = parent.parentWidget()
        need = label.heightForWidth(label.width())
        if not scrolled and need > label.height() + 1:
            out.append(f"wrapped label {label.text()[:40]!r}: needs {need} px, has {label.height()}")
    return out


def clipped_texts(w: QtWidgets.QWidget) -> list[str]:
    """Visible one-line texts (labels, buttons, tabs) wider than the room they have."""
    out = []
    for label in w.findChildren(QtWidgets.QLabel):
        text = label.text()
        if label.buddy() is not None:
            text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")  # a mnemonic's &
        if (not label.isVisibleTo(w) or not text or label.wordWrap() or "<" in text
                or label.textFormat() == QtCore.Qt.TextFormat.RichText or "\n" in text):
            continue
        if label.fontMetrics().horizontalAdvance(text) > label.contentsRect().width() + 1:
            out.append(f"label {text!r}: {label.fontMetrics().horizontalAdvance(text)} > "
                       f"{label.contentsRect().width()}")
    for button in w.findChildren(QtWidgets.QAbstractButton):
        text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        if not button.isVisibleTo(w) or not text:
            continue
        room = button.contentsRect().width()
        if isinstance(button, QtWidgets.QToolButton) and not button.icon().isNull():
            continue  # an icon and its text: the tool button sizes both
        if button.fontMetrics().horizontalAdvance(text) > room:
            out.append(f"button {text!r}: {button.fontMetrics().horizontalAdvance(text)} > {room}")
    for tabs in w.findChildren(QtWidgets.QTabBar):
        if not tabs.isVisibleTo(w):
            continue
        for i in range(tabs.count()):
            if not tabs.isTabVisible(i):
                continue
            text = tabs.tabText(i).replace("&&", "&")
            rect = tabs.tabRect(i)
            if tabs.fontMetrics().horizontalAdvance(text) > rect.width() or rect.right() > tabs.width() + 1:
                out.append(f"tab {text!r}: {tabs.fontMetrics().horizontalAdvance(text)} > {rect.width()}")
    return out


def squeezed_controls(w: QtWidgets.QWidget) -> list[str]:
    """Visible controls and one-line labels given less height than they need (their text cut
    at the top or bottom): a button, box or entry below its minimum size hint, a label below
    its font's height."""
    out = []
    kinds = (QtWidgets.QAbstractButton, QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox)
    for x in w.findChildren(QtWidgets.QWidget):
        if not x.isVisibleTo(w):
            continue
        if isinstance(x, kinds):
            need = x.minimumSizeHint().height()
        elif isinstance(x, QtWidgets.QLabel) and x.text() and not x.wordWrap():
            need = x.fontMetrics().height()
        else:
            continue
        if x.height() < need:
            out.append(f"{type(x).__name__} {x.accessibleName() or getattr(x, 'text', str)()!r}: {x.height()} < {need}")
    return out


def plot_areas(w: MainWindow) -> dict[Panel, int]:
    """Visible area of each plot panel that is on screen (its widget, clipped by what holds it)."""
    lay = w.panel_layout
    out = {}
    for panel in PLOTS:
        widget = lay.widget(panel)
        if widget is None or not widget.isVisible():
            continue
        top_left = widget.mapTo(w, QtCore.QPoint(0, 0))
        rect = QtCore.QRect(top_left, widget.size()).intersected(w.rect())
        out[panel] = rect.width() * rect.height()
    return out


def assert_laid_out(w: MainWindow, where: str) -> None:
    assert clipped_texts(w) == [], where
    area = w.centralWidget()
    if isinstance(area, QtWidgets.QScrollArea):
        assert not area.horizontalScrollBar().isVisible(), f"{where}: the main area scrolls sideways"


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("font_scale", [100, 150])
@pytest.mark.parametrize("presenting", [False, True], ids=["desk", "presentation"])
def test_desk_and_presentation_without_a_lesson_clip_no_text(qtbot, tmp_path, size, font_scale, presenting):
    w = open_window(qtbot, tmp_path, size=size, font_scale=font_scale if not presenting else 100)
    if presenting:
        present(w, font_scale)
        # The editors keep room to be read (they had about 60 px each).
        for panel in (Panel.TARGET, Panel.PREDICTION):
            assert w.panel_layout.widget(panel).height() >= (180 if size[1] < 900 else 150)
    assert_laid_out(w, f"{'presentation' if presenting else 'desk'} {size} {font_scale} %")


@pytest.mark.parametrize("size", [(1280, 720)])
def test_every_slide_gives_its_main_plot_the_most_room_and_clips_no_text(qtbot, tmp_path, size):
    w = open_window(qtbot, tmp_path, size=size)
    present(w, 150)
    w.classroom.open_lesson("cross-entropy", 1)
    problems = []
    for k, slide in enumerate(SEED.slides, start=1):
        if k > 1:
            w.classroom.lesson_panel.go_to(k)
        settle()
        areas = plot_areas(w)
        main = Panel(slide.main_plot)
        if main in areas and max(areas.values()) > areas[main]:
            problems.append(f"slide {k}: main {main.name} {areas[main]} < "
                            f"{max(areas, key=areas.get).name} {max(areas.values())}")
        problems += [f"slide {k}: {p}" for p in clipped_texts(w) + cut_wrapped_texts(w)]
        if w.classroom.lesson_panel.scroll_area.verticalScrollBar().isVisible():
            lp = w.classroom.lesson_panel
            problems.append(
                f"slide {k}: the caption does not fit its dock (it scrolls): dock {w.classroom.lesson_dock.height()} "
                f"panel {lp.height()} wants {lp.preferred_height(lp.width())} window {w.height()}"
            )
    assert problems == [], "\n".join(problems)


def test_the_desk_shows_every_panel_but_the_lesson_and_exercises(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, theme="light")
    assert w.panel_layout.shown == DESK
    w.classroom.open_lesson("cross-entropy", 13)
    settle()
    assert w.panel_layout.main is Panel.LOSS_PLOT
    assert w.descent_views["tabs"].currentWidget() is w.panel_layout.widget(Panel.LOSS_PLOT)
    w.classroom.close_lesson()
    settle()
    assert w.panel_layout.shown == DESK and w.panel_layout.main is None


# --------------------------------------------------------------------------- defect 13: the exercises dock


def test_the_exercises_dock_leaves_every_readout_in_view_and_no_sideways_scroll(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path, theme="light")
    qtbot.keyClick(w, K.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)
    settle()
    area = w.centralWidget()
    assert not area.horizontalScrollBar().isVisible()
    view = area.viewport().rect()
    for box in (w.readouts.ce, w.readouts.entropy, w.readouts.kl, w.readouts.perplexity):
        rect = QtCore.QRect(box.mapTo(area.viewport(), QtCore.QPoint(0, 0)), box.size())
        assert view.contains(rect), box.accessibleName() or rect
    assert clipped_texts(w) == []


def test_descent_captions_say_what_the_screen_shows():
    """A descent slide opens at step 0: its caption asks for Space, never speaks of steps
    already shown."""
    for slide in SEED.slides:
        if slide.descent_steps:
            assert f"Press Space to play {slide.descent_steps} steps" in slide.caption
            assert "steps shown" not in slide.caption


# --------------------------------------------------------------------------- defect 7: the descent dock grows


@pytest.mark.parametrize("start", [150, 100], ids=["opened-at-150", "ctrl-plus-to-150"])
def test_the_descent_dock_grows_with_the_text_and_squeezes_no_control(qtbot, tmp_path, start):
    """Projector theme, 150 % text, 1280x720, the stop rules unfolded: the dock is as tall as its
    rows need with their wrapped notes, so no control is squeezed and no text is cut."""
    w = open_window(qtbot, tmp_path, font_scale=start)
    w.activateWindow()
    for _ in range((150 - start) // 10):
        qtbot.keyClick(w, K.Key_Equal, QtCore.Qt.KeyboardModifier.ControlModifier)
    settle()
    assert w.font_scale == 150
    dock = w.panel_layout.dock(Panel.DESCENT)
    panel = w.descent_panel
    before = dock.height()
    qtbot.mouseClick(panel.more_button, QtCore.Qt.MouseButton.LeftButton)
    settle()
    assert panel.stop_rules.isVisible()
    assert dock.height() > before  # two more rows
    assert squeezed_controls(dock) == []
    assert clipped_texts(dock) == []
    qtbot.mouseClick(panel.more_button, QtCore.Qt.MouseButton.LeftButton)
    settle()
    assert squeezed_controls(dock) == [] and clipped_texts(dock) == []


# --------------------------------------------------------------------------- defect 4: descent slides


def rows_gaps(panel) -> list[int]:
    """The vertical gaps between the descent panel's shown rows (buttons, step, rate, speed)."""
    rows = [panel.play_button, panel.step_label, panel.lr_entry, panel.speed_label]
    rects = [QtCore.QRect(x.mapTo(panel, QtCore.QPoint(0, 0)), x.size()) for x in rows]
    return [b.top() - a.bottom() for a, b in zip(rects, rects[1:], strict=False)]


@pytest.mark.parametrize("size, font_scale", [((1280, 720), 150), ((1280, 720), 100), ((1920, 1080), 150)])
@pytest.mark.parametrize("slide", [13, 14])
def test_descent_slides_give_the_editors_a_readable_height_and_the_loss_curve_the_most_room(
        qtbot, tmp_path, size, font_scale, slide):
    w = open_window(qtbot, tmp_path, size=size)
    present(w, font_scale)
    w.classroom.open_lesson("cross-entropy", slide)
    settle()
    lay = w.panel_layout
    assert lay.main is Panel.LOSS_PLOT
    # Each editor's plot holds at least five lines of its tick labels (stacked beside the
    # dock they had about 30 px, and their ticks overlapped).
    for editor in (w.target_editor, w.prediction_editor):
        tick_px = editor.tick_font().pixelSize()
        assert editor.getPlotItem().getViewBox().height() >= 5 * tick_px, editor.accessibleName()
    # Every class is named under every bar plot of the slide (the narrow ŷ beside the logits
    # named only "cat": the room per class was the widget's width less a fixed margin).
    for plot in (w.target_editor, w.prediction_editor, w.softmax_view, w.gradient):
        if plot.isVisible():
            named = [t for _, t in plot.fixed_ticks("bottom")[0]]
            assert named == list(w.state.class_names), (plot.accessibleName(), named)
    areas = plot_areas(w)
    assert max(areas, key=areas.get) is Panel.LOSS_PLOT, areas
    assert clipped_texts(w) == [] and squeezed_controls(w) == []
    # "Press Play" and the floor's "H(y) = ..." label do not overlap.
    trajectory = w.descent_views["trajectory"]
    assert trajectory.empty_text.isVisible()
    hint = trajectory.empty_text.sceneBoundingRect()
    floor_label = trajectory.floor.label.sceneBoundingRect()
    assert not hint.intersects(floor_label), (hint, floor_label)
    # The panel's rows stay together (the hidden status line's room goes below them).
    assert max(rows_gaps(w.descent_panel)) <= 12, rows_gaps(w.descent_panel)
    # Leaving puts the editors back one above the other.
    w.presentation.leave()
    settle()
    assert w.target_editor.mapTo(w, QtCore.QPoint(0, 0)).y() < w.prediction_editor.mapTo(w, QtCore.QPoint(0, 0)).y()


# --------------------------------------------------------------------------- value labels while presenting


@pytest.mark.parametrize("font_scale", [100, 150])
def test_presenting_without_a_lesson_every_bar_plot_shows_its_value_labels(qtbot, tmp_path, font_scale):
    """Labels too wide for a narrow plot's bars shrink before they are hidden: the gradient's
    three bars in about 270 px showed none at a projector's label size."""
    from ce_desktop.gui.views.bar_chart import BarPlot
    from ce_desktop.gui.views.contributions import ContributionPlot

    w = open_window(qtbot, tmp_path)
    present(w, font_scale)
    plots = [p for p in w.findChildren(BarPlot) if p.isVisible()]
    assert {type(p).__name__ for p in plots} >= {"TargetEditor", "PredictionEditor", "ContributionPlot",
                                                  "GradientPlot"}
    n = w.state.num_classes
    for p in plots:
        if isinstance(p, ContributionPlot):
            c = w.state.evaluation.contributions
            terms = [c.cross_entropy, c.entropy, c.kl_divergence]
            wanted = sum(int((t != 0).sum()) for t in terms)
            assert len(p.shown_labels()) == wanted > 0, p.accessibleName()
        else:
            assert len(p.shown_labels()) == n, (p.accessibleName(), p.shown_labels())
        if p.shown_labels():
            assert p.label_font().pixelSize() >= 0.6 * p.tick_font().pixelSize()
