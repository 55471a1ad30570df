"""Wires the classroom parts into a MainWindow: lessons, binary and comparison views, exercises, help.

:func:`install_classroom` gives the window

* a **Lesson** menu: the built-in lessons, "Open Lesson File…", next/previous/first/last
  slide (PageDown/PageUp, which presenter clickers send), restart and close;
* a **lesson dock** (top, under the toolbar) with the caption and slide navigation;
* the **binary CE** and **CE vs squared error** views as tabs beside the per-class plots;
* the **exercise** dock (Ctrl+E) for predict-then-reveal rounds;
* the generated **shortcut help** on F1 and "?".

While a lesson is open each slide asks the window's layout (``window.panel_layout``) for
its panels (``slide.panels``) and its main plot (``slide.main_plot``), which gets most of
the room. Closing the lesson shows everything again. A slide with ``descent_steps`` opens
at step 0; pressing Space (Play) plays that many steps, and Space again carries on; with
``autoplay`` the steps play as soon as the slide shows.

A slide, as shown, is an untitled document with no changes: paging through a lesson never
makes quitting ask "Save the changes?". Editing a slide's scenario is a change (quitting
then asks, as it would for any edit); paging on to another slide starts afresh, and undo
still brings the edits back. Playing a descent slide's steps (Space) is part of the slide,
not an edit. Opening a lesson from the Lesson menu first asks about unsaved
changes to the scenario open before, as File ▸ Open does.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.actions import make_action
from ce_desktop.gui.layout import Panel, main_panel, slide_panels
from ce_desktop.gui.views.lesson_panel import LessonPanel
from ce_desktop.model import lessons
from ce_desktop.model.lessons import Lesson, LessonError, Slide

if TYPE_CHECKING:  # the views below are imported when first built, after the first paint
    from ce_desktop.gui.views.binary_view import BinaryView
    from ce_desktop.gui.views.exercise_panel import ExercisePanel
    from ce_desktop.gui.views.loss_comparison import LossComparison
    from ce_desktop.gui.views.shortcuts_dialog import ShortcutsDialog

def _binary_view(state) -> BinaryView:
    from ce_desktop.gui.views.binary_view import BinaryView

    return BinaryView(state)


def _comparison_view(state) -> LossComparison:
    from ce_desktop.gui.views.loss_comparison import LossComparison

    return LossComparison(state)


class Classroom(QtCore.QObject):
    """The lesson, exercise and help machinery of one window (see :func:`install_classroom`).

    Signals
    -------
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        state = window.state
        self.lesson_panel = LessonPanel(state)
        self._exercise_panel: ExercisePanel | None = None  # built with the tabs (see below)
        self.current_panels: tuple[str, ...] = lessons.PANELS

        # The binary and comparison tabs begin as empty pages and are built (~40-50 ms and two
        # plots each) right after the window's first paint, or earlier when the tab is shown or
        # the view is asked for (``binary_view``, ``window.views["binary"]``); the view then
        # takes the page's place. (Building them only when first shown would grow the tab
        # widget's minimum size then and move the layout.) Their modules, like the exercise
        # panel's and the help's, are imported then too.
        self.layout = layout = window.panel_layout
        for name, panel, build, label in (("binary", Panel.BINARY, _binary_view, "Binary CE"),
                                          ("comparison", Panel.COMPARISON, _comparison_view,
                                           "CE vs squared error")):
            page = QtWidgets.QWidget()
            page.setObjectName(f"{name}_page")
            def build_view(name=name, build=build):
                return self._register(name, build(window.state))

            setattr(self, f"{name}_tab", layout.add_tab(panel, window.tabs, page, label, build=build_view))
            window.views.add_lazy(name, lambda panel=panel: layout.widget(panel))
        window.installEventFilter(self)  # until its first paint
        window.register_view("lesson", self.lesson_panel)
        Area = QtCore.Qt.DockWidgetArea
        self.lesson_dock = window.add_dock(self.lesson_panel, "Lesson", Area.TopDockWidgetArea, "dock_lesson",
                                           panel=Panel.LESSON)
        # The exercise dock likewise: an empty page until the first paint, or until the dock
        # is shown (a saved layout may open it) or the panel is asked for.
        exercise_page = QtWidgets.QWidget()
        exercise_page.setObjectName("exercises_page")
        self.exercise_dock = window.add_dock(exercise_page, "Exercises", Area.RightDockWidgetArea,
                                             "dock_exercises", panel=Panel.EXERCISES)
        for name in ("exercises", "dock_exercises"):
            window.views.add_lazy(name, lambda: self.exercise_panel)
        self.exercise_dock.visibilityChanged.connect(lambda visible: visible and self.exercise_panel)
        # A slide's descent plays its steps on Space, then stops there (Space again carries on).
        self._play_limit = 0
        self._dataset_limit = 0  # a dataset slide's training steps, until played
        self._watching_dataset = False
        #: (scenario, start logits) of a descent slide as shown: its run is no edit of the user's.
        self._slide_start: tuple | None = None
        window.descent.positionChanged.connect(self._on_descent_position)
        self.lesson_dock.hide()
        self.exercise_dock.hide()
        self.lesson_panel.lesson_title.hide()  # the dock's title says which lesson it is
        # The caption dock is kept just tall enough for the caption at its current width.
        self._fit_timer = QtCore.QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_lesson_dock)
        self._fitted_width = -1
        self.lesson_panel.installEventFilter(self)

        self._build_actions()
        self.lesson_panel.slideShown.connect(self._on_slide_shown)
        self.lesson_panel.lessonChanged.connect(self._on_lesson_changed)
        self._on_lesson_changed(None)

    # ------------------------------------------------------------------ actions and menus

    def _build_actions(self) -> None:
        w = self.window
        action = functools.partial(make_action, w, widget=w)  # shortcuts work with the menu bar hidden
        menu = w.menus["Lesson"]
        self.lesson_actions = []
        for k, lesson in enumerate(lessons.builtin_summaries(), start=1):
            keys = (f"Ctrl+Alt+{k}",) if k <= 9 else ()
            a = action(
                lesson.title,
                lambda name=lesson.name: self._open_asking_first(lessons.get(name)),
                keys,
                f"{lesson.title}: {lesson.slides} slides",
                plain=True,
            )
            menu.addAction(a)
            self.lesson_actions.append(a)
        self.open_file_action = action(
            "Open Lesson &File…", self.open_lesson_file, ("Ctrl+Shift+O",), "Open a lesson you wrote (.json)"
        )
        menu.addAction(self.open_file_action)
        menu.addSeparator()
        self.next_action = action(
            "&Next slide", self.lesson_panel.next, ("PgDown",), "Next slide (presenter clickers send PageDown)"
        )
        self.prev_action = action("&Previous slide", self.lesson_panel.previous, ("PgUp",), "Previous slide")
        self.first_action = action("First slide", self.lesson_panel.first, ("Ctrl+Home",))
        self.last_action = action("Last slide", self.lesson_panel.last, ("Ctrl+End",))
        self.restart_action = action(
            "&Restart slide",
            self.lesson_panel.restart_slide,
            ("Ctrl+Shift+R",),
            "Put the slide's scenario back (undoable)",
        )
        self.close_action = action(
            "&Close lesson", self.close_lesson, ("Ctrl+Shift+W",), "Close the lesson and show every panel"
        )
        #: The actions that need an open lesson (disabled without one).
        self.slide_actions = (
            self.next_action,
            self.prev_action,
            self.first_action,
            self.last_action,
            self.restart_action,
            self.close_action,
        )
        for a in self.slide_actions:
            menu.addAction(a)
        menu.addSeparator()
        self.exercises_action = action(
            "&Exercises", self.show_exercises, ("Ctrl+E",), "Predict, then reveal: a round of questions with a score"
        )
        self.new_round_action = action("New exercise &round", self.new_round, ("Ctrl+Alt+N",))
        menu.addAction(self.exercises_action)
        menu.addAction(self.new_round_action)

        view = w.menus["View"]
        self.binary_action = action("Show “Binary CE”", lambda: self.show_tab(Panel.BINARY), ("Alt+4",))
        self.comparison_action = action(
            "Show “CE vs squared error”", lambda: self.show_tab(Panel.COMPARISON), ("Alt+5",)
        )
        anchor = w.docks_menu.menuAction()
        for a in (self.binary_action, self.comparison_action):
            view.insertAction(anchor, a)

        # The help lists every action's shortcuts; "?" opens it too.
        w.shortcuts_action.setShortcuts([QtGui.QKeySequence("F1"), QtGui.QKeySequence("?")])
        if w.shortcuts_action not in w.actions():
            w.addAction(w.shortcuts_action)

    # ------------------------------------------------------------------ lessons

    @property
    def lesson(self) -> Lesson | None:
        return self.lesson_panel.lesson

    def open_lesson(self, lesson: Lesson | str, slide: int = 1) -> Lesson:
        """Open a lesson (a Lesson, a built-in name or a file path) at slide ``slide`` (1-based).

        Raises
        ------
        LessonError
            For an unknown name, a bad file, or a slide number outside the lesson.
        """
        if not isinstance(lesson, Lesson):
            lesson = lessons.get(lesson)
        n = len(lesson.slides)
        if not 1 <= int(slide) <= n:
            raise LessonError(f"lesson {lesson.name!r} has slides 1..{n}, not {slide}")
        self.lesson_dock.setWindowTitle(f"Lesson: {plain_text.window_title(lesson.title)}")
        self.lesson_dock.show()
        self.lesson_dock.raise_()
        self.lesson_panel.set_lesson(lesson, int(slide))
        self.lesson_panel.setFocus()
        return lesson

    def _open_asking_first(self, lesson: Lesson) -> Lesson | None:
        """The Lesson menu: ask about unsaved changes (Save / Discard / Cancel), then open."""
        if not self.window.file_actions.confirm_discard("opening a lesson"):
            return None
        return self.open_lesson(lesson)

    def open_lesson_file(self, path: str | None = None) -> Lesson | None:
        """Ask for a lesson file (or use ``path``) and open it; a bad file is explained, nothing changes.

        Unsaved changes are asked about first (Cancel opens nothing).
        """
        if not self.window.file_actions.confirm_discard("opening a lesson"):
            return None
        if path is None:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self.window, "Open lesson", "", "CE Explorer lessons (*.json);;All files (*)"
            )
            if not path:
                return None
        try:
            return self.open_lesson(lessons.load(path))
        except LessonError as exc:
            self.window.status(str(exc))
            box = plain_text.message_box(
                QtWidgets.QMessageBox.Icon.Warning, "Cannot open the lesson", str(exc), parent=self.window
            )
            box.open()
            return None

    def close_lesson(self) -> None:
        self.lesson_panel.set_lesson(None)
        self.lesson_dock.hide()

    def _on_lesson_changed(self, lesson) -> None:
        on = lesson is not None
        for a in self.slide_actions:
            a.setEnabled(on)
        if not on:
            self._play_limit = 0
            self._slide_start = None
            self.apply_panels(lessons.PANELS, show_descent=None)

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.window and ev.type() == QtCore.QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, self, self.build_views)
            return False
        if obj is self.lesson_panel and ev.type() == QtCore.QEvent.Type.Resize:
            if ev.size().width() != self._fitted_width:
                self._fit_timer.start()
        return False

    def fit_lesson_dock(self) -> None:
        """Make the lesson dock as tall as its caption needs (at most 40 % of the window)."""
        if not self.lesson_dock.isVisible():
            return
        width = self.lesson_panel.width()
        self._fitted_width = width
        panel = self.lesson_panel
        want = panel.preferred_height(width)
        # What the caption lacks as laid out now (its scroll area's viewport, the real width):
        # the estimate above can be a few pixels short of what the label's layout needs.
        view = panel.scroll_area.viewport()
        if view.width() > 0 and view.height() > 0:
            want = max(want, panel.height() + panel.caption.heightForWidth(view.width()) - view.height())
        # The dock is its title bar and frame plus the panel: resizeDocks sizes the whole dock.
        chrome = max(0, self.lesson_dock.height() - panel.height())
        h = min(want + chrome, int(0.4 * self.window.height()))
        self.window.resizeDocks([self.lesson_dock], [max(h, 60)], QtCore.Qt.Orientation.Vertical)

    def _on_slide_shown(self, slide: Slide) -> None:
        if slide.workspace == "dataset":
            self._show_dataset_slide(slide)
            return
        ws = self.window.workspaces
        if ws.current != "explorer":
            ws.set_current("explorer")
        self._dataset_limit = 0
        self.apply_panels(slide.panels, main=main_panel(slide))
        self._fit_timer.start()
        controller = self.window.descent
        self._play_limit = 0
        self._slide_start = None
        if slide.descent_steps:
            # The run starts at step 0: the presenter plays it (Space), or the slide does.
            controller.reset()
            self._play_limit = slide.descent_steps
            state = self.window.state
            self._slide_start = (state.scenario, state.descent_start_logits())
        # The slide as shown is what "unchanged" means now.
        self.window.file_actions.set_document(None, self.window.state.scenario)
        lesson = self.lesson  # the one whose slide this is
        if lesson is not None:
            self.window.status(f"{lesson.title}: slide {self.lesson_panel.slide_number} of {len(lesson.slides)}")
        if slide.descent_steps and slide.autoplay:
            controller.play()

    def _show_dataset_slide(self, slide: Slide) -> None:
        """A dataset slide: the dataset workspace with the slide's setup at step 0 (one undo step),
        its panels, its chosen point; Space plays its training steps (or the slide does)."""
        ws = self.window.workspaces
        page = ws.dataset_page()
        state = page.state
        if not self._watching_dataset:
            self._watching_dataset = True
            state.positionChanged.connect(self._on_dataset_position)
        ws.set_current("dataset")
        number = self.lesson_panel.slide_number
        assert slide.dataset is not None, "a dataset slide has its setup"
        state.load(slide.dataset, steps=0, label=f"Lesson slide {number}" + (f": {slide.title}" if slide.title else ""))
        state.select(-1 if slide.select is None else slide.select)
        page.show_panels(slide.panels, slide.main_plot)
        self._dataset_limit = slide.train_steps
        self._fit_timer.start()
        lesson = self.lesson
        if lesson is not None:
            self.window.status(f"{lesson.title}: slide {number} of {len(lesson.slides)}")
        if slide.train_steps and slide.autoplay:
            state.play()

    def _on_dataset_position(self, k: int) -> None:
        """A dataset slide's run stops after its steps (once: Space again carries on)."""
        state = self.window.workspaces.dataset_state
        if self._dataset_limit and k >= self._dataset_limit and state.playing:
            self._dataset_limit = 0
            state.pause()

    def _on_descent_position(self, k: int) -> None:
        """A slide's run stops after its steps (once: Space again carries on)."""
        if self._play_limit and k >= self._play_limit and self.window.descent.playing:
            self._play_limit = 0
            self.window.descent.pause()
        if self._shows_slide_run():
            # Playing the slide is part of the slide: quitting does not ask to save it.
            self.window.file_actions.set_document(None, self.window.state.scenario)

    def _shows_slide_run(self) -> bool:
        """Whether the state shows a step of a run from the descent slide as shown (no edit
        of the user's in between: not of y, ŷ, the settings, nor where the run started)."""
        if self._slide_start is None or self.lesson is None:
            return False
        slide_scenario, start = self._slide_start
        run, s = self.window.descent.run, self.window.state
        if run is None:
            return s.scenario.same_as(slide_scenario)
        now = dataclasses.replace(s.scenario, prediction=slide_scenario.prediction, logits=slide_scenario.logits)
        if not now.same_as(slide_scenario) or not np.array_equal(run.logits_history[0], start):
            return False
        if s.logits is None:
            return bool(np.array_equal(s.prediction, run.prediction))
        return bool(np.array_equal(s.logits, run.logits))

    # ------------------------------------------------------------------ lazy views

    @property
    def binary_view(self) -> BinaryView:
        return self.layout.widget(Panel.BINARY)

    @property
    def comparison_view(self) -> LossComparison:
        return self.layout.widget(Panel.COMPARISON)

    def _register(self, name: str, view):
        self.window.register_view(name, view)  # themed (and sized to the text) like the others
        return view

    def build_views(self) -> None:
        """Build the views that wait for the first paint (the two tabs and the exercise panel)."""
        self.layout.build_pending()
        self.exercise_panel  # noqa: B018

    @property
    def exercise_panel(self) -> ExercisePanel:
        """The exercise dock's panel, built (and put in the dock) the first time it is needed."""
        if self._exercise_panel is None:
            from ce_desktop.gui.views.exercise_panel import ExercisePanel

            panel = self._exercise_panel = ExercisePanel(self.window.state)
            page = self.exercise_dock.widget()
            self.window.register_view("exercises", panel)
            self.window.views["dock_exercises"] = panel
            self.exercise_dock.setWidget(panel)
            page.deleteLater()
        return self._exercise_panel

    # ------------------------------------------------------------------ panels

    def apply_panels(self, panels, show_descent: bool | None = True, main: Panel | None = None) -> None:
        """Show exactly the named panels (a slide's), or everything for ``lessons.PANELS``;
        ``main`` is the slide's main plot. ``show_descent=None`` leaves the descent dock as
        the user had it."""
        names = tuple(panels)
        self.current_panels = names
        everything = set(names) >= set(lessons.PANELS)
        self.layout.show(
            None if everything else slide_panels(names),
            main=None if everything else main,
            docks=show_descent is not None,
        )

    def show_tab(self, panel) -> None:
        """Bring a tab to the front: a :class:`Panel`, or the view it holds."""
        if not isinstance(panel, Panel):
            panel = next(
                p
                for p in (Panel.BINARY, Panel.COMPARISON, Panel.FORMULA, Panel.TABLE, Panel.CONTRIBUTIONS)
                if self.layout.widget(p) is panel
            )
        self.layout.show_tab(panel)

    # ------------------------------------------------------------------ exercises and help

    def show_exercises(self) -> None:
        """Show the exercise dock (starting a round if none is running) and give it the keyboard."""
        self.layout.show_dock(Panel.EXERCISES)
        if self.exercise_panel.round is None:
            self.exercise_panel.new_round()
        self.exercise_panel.focus_answer()

    def new_round(self) -> None:
        self.exercise_dock.show()
        self.exercise_panel.new_round()

    def shortcuts_dialog(self) -> ShortcutsDialog:
        """The help (F1, ?): every action's shortcuts, plus the editor keys no action carries."""
        action_texts = {a.text().replace("&", "") for a in self.window.findChildren(QtGui.QAction)}
        listed = self.window.shortcut_list()
        extra = [(keys, what) for keys, what in listed if what not in action_texts]
        from ce_desktop.gui.views.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self.window, extra=extra)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog


def install_classroom(window) -> Classroom:
    """Give a MainWindow its lessons, binary/comparison views, exercises and shortcut help.

    Sets ``window.classroom``. Install it after the descent (if any), so that the help
    and the slide panels see the descent dock; the descent controller is looked up when
    a slide needs it.
    """
    classroom = Classroom(window)
    window.classroom = classroom
    return classroom


def lesson_from_args(args) -> tuple[Lesson, int] | None:
    """The lesson and slide named by ``--lesson NAME [--slide K]`` (slide 1 when omitted), or None.

    Raises ``arguments.UsageError`` (exit 2) for an unknown lesson, a bad file, a slide out of
    range, or ``--slide`` without ``--lesson``. Needs no window, so it runs before one is built.
    """
    from ce_desktop.arguments import UsageError

    name = getattr(args, "lesson", None)
    slide = getattr(args, "slide", None)
    if not name:
        if slide is not None:
            raise UsageError("--slide needs --lesson NAME")
        return None
    try:
        lesson = lessons.get(name)
    except LessonError as exc:
        raise UsageError(str(exc)) from None
    k = 1 if slide is None else int(slide)
    if not 1 <= k <= len(lesson.slides):
        raise UsageError(f"lesson {lesson.name!r} has slides 1..{len(lesson.slides)}, not {k}")
    return lesson, k


def open_from_args(window, args) -> None:
    """``--lesson NAME [--slide K]``: open the lesson at slide K in ``window`` (see :func:`lesson_from_args`)."""
    found = lesson_from_args(args)
    if found is not None:
        window.classroom.open_lesson(*found)
