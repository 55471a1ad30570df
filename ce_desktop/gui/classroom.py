"""Wires the classroom parts into a MainWindow: lessons, binary and comparison views, exercises, help.

:func:`install_classroom` gives the window

* a **Lesson** menu: the built-in lessons, "Open Lesson File…", next/previous/first/last
  slide (PageDown/PageUp, which presenter clickers send), restart and close;
* a **lesson dock** (top, under the toolbar) with the caption and slide navigation;
* the **binary CE** and **CE vs squared error** views as tabs beside the per-class plots;
* the **exercise** dock (Ctrl+E) for predict-then-reveal rounds;
* the generated **shortcut help** on F1 and "?".

While a lesson is open each slide decides which panels show (``slide.panels``): the
editors, readouts, per-class plots, gradient, formula, descent dock, binary and comparison
views. Closing the lesson shows everything again. A slide with ``descent_steps`` runs
them through the window's descent controller (``window.descent``) when it has one.

A slide, as shown, is an untitled document with no changes: paging through a lesson never
makes quitting ask "Save the changes?". Editing a slide's scenario is a change (quitting
then asks, as it would for any edit); paging on to another slide starts afresh, and undo
still brings the edits back. Opening a lesson from the Lesson menu first asks about unsaved
changes to the scenario open before, as File ▸ Open does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.model import lessons, optim
from ce_desktop.gui import plain_text
from ce_desktop.model.lessons import Lesson, LessonError, Slide
from ce_desktop.model.scenario import ScenarioError
from ce_desktop.gui.views.lesson_panel import LessonPanel

if TYPE_CHECKING:  # the views below are imported when first built, after the first paint
    from ce_desktop.gui.views.binary_view import BinaryView
    from ce_desktop.gui.views.exercise_panel import ExercisePanel
    from ce_desktop.gui.views.loss_comparison import LossComparison
    from ce_desktop.gui.views.shortcuts_dialog import ShortcutsDialog

#: Tab order of the detail views a slide can bring to the front.
TAB_PANELS = ("contributions", "gradient", "formula", "binary", "comparison")


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
    panelsChanged(object)
        The tuple of panel names that should show (all of :data:`lessons.PANELS` when no
        lesson is open); presentation mode can follow it.
    """

    panelsChanged = QtCore.Signal(object)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        state = window.state
        self.lesson_panel = LessonPanel(state)
        self._exercise_panel: ExercisePanel | None = None  # built with the tabs (see below)
        self.current_panels: tuple[str, ...] = lessons.PANELS

        # The binary and comparison tabs are hidden at start: each begins as an empty page and
        # is built (~40-50 ms and two plots each) right after the window's first paint, or
        # earlier when its tab is shown or it is asked for (``binary_view``,
        # ``window.views["binary"]``); it then takes the page's place. (Building them only
        # when first shown would grow the tab widget's minimum size then and move the layout.)
        # Their modules, like the exercise panel's and the help's, are imported then too.
        tabs = window.tabs
        self._lazy_tabs: dict[str, list] = {}  # name -> [build(state), page, view or None]
        for name, build, label in (("binary", _binary_view, "Binary CE"),
                                   ("comparison", _comparison_view, "CE vs squared error")):
            page = QtWidgets.QWidget()
            page.setObjectName(f"{name}_page")
            self._lazy_tabs[name] = [build, page, None]
            setattr(self, f"{name}_tab", tabs.addTab(page, label))
            window.views.add_lazy(name, lambda name=name: self._tab_view(name))
        tabs.currentChanged.connect(self._on_tab_changed)
        window.installEventFilter(self)  # until its first paint
        window.register_view("lesson", self.lesson_panel)
        Area = QtCore.Qt.DockWidgetArea
        self.lesson_dock = window.add_dock(self.lesson_panel, "Lesson", Area.TopDockWidgetArea, "dock_lesson")
        # The exercise dock likewise: an empty page until the first paint, or until the dock
        # is shown (a saved layout may open it) or the panel is asked for.
        exercise_page = QtWidgets.QWidget()
        exercise_page.setObjectName("exercises_page")
        self.exercise_dock = window.add_dock(exercise_page, "Exercises", Area.RightDockWidgetArea,
                                             "dock_exercises")
        for name in ("exercises", "dock_exercises"):
            window.views.add_lazy(name, lambda: self.exercise_panel)
        self.exercise_dock.visibilityChanged.connect(lambda visible: visible and self.exercise_panel)
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

    def _action(self, text: str, slot, shortcuts=(), tip: str = "") -> QtGui.QAction:
        a = QtGui.QAction(text, self.window)
        a.setShortcuts([QtGui.QKeySequence(s) for s in shortcuts])
        a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(a)  # shortcuts keep working with the menu bar hidden (presentation)
        return a

    def _build_actions(self) -> None:
        w = self.window
        menu = w.menus["Lesson"]
        self.lesson_actions = []
        for k, lesson in enumerate(lessons.LESSONS, start=1):
            keys = (f"Ctrl+Alt+{k}",) if k <= 9 else ()
            a = self._action(plain_text.menu_text(lesson.title), lambda lesson=lesson: self._open_asking_first(lesson), keys,
                             f"{lesson.title}: {len(lesson.slides)} slides")
            menu.addAction(a)
            self.lesson_actions.append(a)
        self.open_file_action = self._action("Open Lesson &File…", self.open_lesson_file, ("Ctrl+Shift+O",),
                                             "Open a lesson you wrote (.json)")
        menu.addAction(self.open_file_action)
        menu.addSeparator()
        self.next_action = self._action("&Next slide", self.lesson_panel.next, ("PgDown",),
                                        "Next slide (presenter clickers send PageDown)")
        self.prev_action = self._action("&Previous slide", self.lesson_panel.previous, ("PgUp",), "Previous slide")
        self.first_action = self._action("First slide", self.lesson_panel.first, ("Ctrl+Home",))
        self.last_action = self._action("Last slide", self.lesson_panel.last, ("Ctrl+End",))
        self.restart_action = self._action("&Restart slide", self.lesson_panel.restart_slide, ("Ctrl+Shift+R",),
                                           "Put the slide's scenario back (undoable)")
        self.close_action = self._action("&Close lesson", self.close_lesson, ("Ctrl+Shift+W",),
                                         "Close the lesson and show every panel")
        for a in (self.next_action, self.prev_action, self.first_action, self.last_action, self.restart_action,
                  self.close_action):
            menu.addAction(a)
        menu.addSeparator()
        self.exercises_action = self._action("&Exercises", self.show_exercises, ("Ctrl+E",),
                                             "Predict, then reveal: a round of questions with a score")
        self.new_round_action = self._action("New exercise &round", self.new_round, ("Ctrl+Alt+N",))
        menu.addAction(self.exercises_action)
        menu.addAction(self.new_round_action)

        view = w.menus["View"]
        self.binary_action = self._action("Show “Binary CE”", lambda: self.show_tab(self.binary_view), ("Alt+4",))
        self.comparison_action = self._action("Show “CE vs squared error”",
                                              lambda: self.show_tab(self.comparison_view), ("Alt+5",))
        first_panels = getattr(w, "docks_menu", None)
        anchor = first_panels.menuAction() if first_panels is not None else None
        for a in (self.binary_action, self.comparison_action):
            if anchor is not None:
                view.insertAction(anchor, a)
            else:
                view.addAction(a)

        # The help lists every action's shortcuts; "?" opens it too.
        help_action = getattr(w, "shortcuts_action", None)
        if help_action is not None:
            help_action.setShortcuts([QtGui.QKeySequence("F1"), QtGui.QKeySequence("?")])
            if help_action not in w.actions():
                w.addAction(help_action)

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
            path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open lesson", "",
                                                            "CE Explorer lessons (*.json);;All files (*)")
            if not path:
                return None
        try:
            return self.open_lesson(lessons.load(path))
        except LessonError as exc:
            self.window.status(str(exc))
            box = plain_text.message_box(QtWidgets.QMessageBox.Icon.Warning, "Cannot open the lesson", str(exc),
                                         parent=self.window)
            box.open()
            return None

    def close_lesson(self) -> None:
        self.lesson_panel.set_lesson(None)
        self.lesson_dock.hide()

    def _on_lesson_changed(self, lesson) -> None:
        on = lesson is not None
        for a in (self.next_action, self.prev_action, self.first_action, self.last_action, self.restart_action,
                  self.close_action):
            a.setEnabled(on)
        if not on:
            self.apply_panels(lessons.PANELS, show_descent=None)

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.window and ev.type() == QtCore.QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, self, self._build_tabs)
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
        h = min(self.lesson_panel.preferred_height(width), int(0.4 * self.window.height()))
        self.window.resizeDocks([self.lesson_dock], [max(h, 60)], QtCore.Qt.Orientation.Vertical)

    def _on_slide_shown(self, slide: Slide) -> None:
        self.apply_panels(slide.panels)
        self._fit_timer.start()
        if slide.descent_steps:
            self.run_descent(slide.descent_steps)
        # The slide as shown (after its steps) is what "unchanged" means now.
        self.window.file_actions.set_document(None, self.window.state.scenario)
        lesson = self.lesson
        self.window.status(f"{lesson.title}: slide {self.lesson_panel.slide_number} of {len(lesson.slides)}")

    def run_descent(self, steps: int) -> None:
        """Run the slide's descent steps: through the window's controller, else with the core directly."""
        controller = getattr(self.window, "descent", None)
        if controller is not None:
            controller.pause()
            controller.reset()
            controller.run_steps(steps)
            return
        state = self.window.state
        try:
            settings = state.descent.optimizer_settings(state.temperature)
            path = optim.optimize(state.target, state.descent_start_logits(), steps, settings)
            state.set_logits(path[-1], f"Gradient descent: {steps} steps")
        except (ValueError, FloatingPointError, ScenarioError) as exc:
            self.window.status(str(exc))

    # ------------------------------------------------------------------ lazy tabs

    @property
    def binary_view(self) -> BinaryView:
        return self._tab_view("binary")

    @property
    def comparison_view(self) -> LossComparison:
        return self._tab_view("comparison")

    def _tab_view(self, name: str):
        """The view of a lazily built tab, building it in place of its page the first time."""
        entry = self._lazy_tabs[name]
        build, page, view = entry
        if view is not None:
            return view
        view = entry[2] = build(self.window.state)
        self.window.register_view(name, view)  # themed (and sized to the text) like the others
        tabs = self.window.tabs
        k = tabs.indexOf(page)
        current = tabs.currentIndex()
        blocked = tabs.blockSignals(True)  # the page's removal is no tab change
        try:
            label, tip = tabs.tabText(k), tabs.tabToolTip(k)
            visible = tabs.isTabVisible(k)
            tabs.removeTab(k)
            tabs.insertTab(k, view, label)
            tabs.setTabToolTip(k, tip)
            tabs.setTabVisible(k, visible)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(blocked)
        page.deleteLater()
        return view

    def _build_tabs(self) -> None:
        for name in self._lazy_tabs:
            self._tab_view(name)
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

    def _tab_page(self, name: str) -> QtWidgets.QWidget:
        """What the tab of ``name`` holds now: its view, or the page that builds it when shown."""
        _build, page, view = self._lazy_tabs[name]
        return page if view is None else view

    def _on_tab_changed(self, k: int) -> None:
        widget = self.window.tabs.widget(k)
        for name, (_build, page, view) in self._lazy_tabs.items():
            if view is None and widget is page:
                self._tab_view(name)

    # ------------------------------------------------------------------ panels

    def apply_panels(self, panels, show_descent: bool | None = True) -> None:
        """Show exactly the named panels (a slide's), or everything for ``lessons.PANELS``.

        ``show_descent=None`` leaves the descent dock as the user had it.
        """
        w = self.window
        names = tuple(panels)
        shown = set(names)
        self.current_panels = names
        w.left_splitter.setVisible("editors" in shown)
        w.readouts.setVisible("readouts" in shown)
        w.contributions.setVisible("contributions" in shown or "gradient" not in shown)
        w.gradient.setVisible("gradient" in shown or "contributions" not in shown)
        per_class = w.contributions.parentWidget()
        pages = {"contributions": per_class, "gradient": per_class, "formula": w.formula,
                 "binary": self._tab_page("binary"), "comparison": self._tab_page("comparison")}
        wanted = [pages[n] for n in names if n in pages]
        w.tabs.setVisible(bool(wanted))
        if wanted:
            w.tabs.setCurrentWidget(wanted[0])
        w.right_splitter.setVisible("readouts" in shown or bool(wanted))
        descent_dock = w.docks.get("dock_descent")
        if descent_dock is not None and show_descent is not None:
            descent_dock.setVisible("descent" in shown)
        self.panelsChanged.emit(names)

    def show_tab(self, view: QtWidgets.QWidget) -> None:
        self.window.right_splitter.setVisible(True)
        self.window.tabs.setVisible(True)
        self.window.tabs.setCurrentWidget(view)

    # ------------------------------------------------------------------ exercises and help

    def show_exercises(self) -> None:
        """Show the exercise dock (starting a round if none is running) and give it the keyboard."""
        self.exercise_dock.show()
        self.exercise_dock.raise_()
        if self.exercise_panel.round is None:
            self.exercise_panel.new_round()
        self.exercise_panel._focus_answer()

    def new_round(self) -> None:
        self.exercise_dock.show()
        self.exercise_panel.new_round()

    def shortcuts_dialog(self) -> ShortcutsDialog:
        """The help (F1, ?): every action's shortcuts, plus the editor keys no action carries."""
        action_texts = {a.text().replace("&", "") for a in self.window.findChildren(QtGui.QAction)}
        listed = getattr(self.window, "shortcut_list", lambda: [])()
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
