"""The explorer window: composes the views around one ExplorerState, plus menus, undo/redo,
themes and settings (launch.py starts it from the command line).

Integration points for other parts of the app:

* ``window.state`` – the :class:`~ce_desktop.gui.state.ExplorerState`.
* ``window.menus`` – ``{"File", "Edit", "View", "Descent", "Lesson", "Help"}`` → ``QMenu``.
* ``window.add_dock(widget, title, area, object_name, panel=None)`` → the ``QDockWidget``.
* ``window.panel_layout`` – the :class:`~ce_desktop.gui.layout.WindowLayout`: which panels
  show, the main plot, saving and restoring the layout.
* ``window.set_text_size_policy(limits, remember)`` – the text size's range and where it is
  remembered (presentation mode has its own).
* ``window.views`` – name → view; ``window.register_view(name, view)`` adds one (it then
  follows the theme and its ``message`` signal, if any, goes to the status bar).
* ``window.set_theme(name)``, ``window.set_font_scale(percent)``, ``window.theme``.
* ``window.status(msg)`` – a message in the status bar.
* ``window.workspaces`` – the explorer or the dataset workspace (:mod:`~ce_desktop.gui.workspaces`);
  ``window.refresh_title()``, ``window.refresh_undo_actions()`` when what they show changed.
"""

from __future__ import annotations

from collections.abc import Callable

from ce_desktop.gui import plain_text, themes
from ce_desktop.gui.actions import make_action
from ce_desktop.gui.classroom import Classroom, install_classroom
from ce_desktop.gui.errors import ErrorReporter
from ce_desktop.gui.files import FileActions
from ce_desktop.gui.keyboard import install_keyboard
from ce_desktop.gui.layout import Panel, WindowLayout
from ce_desktop.gui.presentation import install_presentation
from ce_desktop.gui.qt_imports import QtCore, QtGui, QtWidgets  # first: PySide6, then pyqtgraph, imported lightly
from ce_desktop.gui.settings import Settings
from ce_desktop.gui.state import Aspect, ExplorerState
from ce_desktop.gui.views.contributions import ContributionPlot
from ce_desktop.gui.views.controls import ControlsBar
from ce_desktop.gui.views.descent_panel import EditorKeyGuard, build_descent_views
from ce_desktop.gui.views.editors import PredictionEditor, SoftmaxView, TargetEditor
from ce_desktop.gui.views.formula import FormulaView
from ce_desktop.gui.views.gradient import GradientPlot
from ce_desktop.gui.views.readouts import ReadoutPanel
from ce_desktop.gui.views.table import ValueTable
from ce_desktop.gui.workspaces import DATASET, Workspaces
from ce_desktop.model import presets
from ce_desktop.model.scenario import ScenarioError

APP_NAME = "CE Explorer"
DEFAULT_SIZE = (1280, 720)
MENU_NAMES = ("File", "Edit", "View", "Descent", "Lesson", "Help")
#: The second key of each preset's shortcut (Ctrl+P, then this key), in preset order.
PRESET_KEYS = "1234567890ABCDEFGHIJ"
STATUS_MS = 8000


class ViewRegistry(dict):
    """``window.views``: name → view, where a view may be registered before it is built.

    ``add_lazy(name, build)`` names a view that is built only when first asked for (by name,
    or by iterating ``items()`` / ``values()``); ``build()`` must register it with
    ``register_view``. ``built()`` gives the views that exist without building any (the theme
    uses it: a view built later gets the current theme when it is registered).
    """

    def __init__(self):
        super().__init__()
        self._pending: dict[str, Callable[[], object]] = {}

    def add_lazy(self, name: str, build: Callable[[], object]) -> None:
        self._pending[name] = build

    def _build(self, name: str) -> None:
        build = self._pending.pop(name, None)
        if build is not None:
            build()

    def __setitem__(self, name, view) -> None:
        self._pending.pop(name, None)
        super().__setitem__(name, view)

    def __getitem__(self, name):
        self._build(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self._build(name)
        return super().get(name, default)

    def __contains__(self, name) -> bool:
        return super().__contains__(name) or name in self._pending

    def _build_all(self) -> None:
        for name in list(self._pending):
            self._build(name)

    def items(self):
        self._build_all()
        return super().items()

    def values(self):
        self._build_all()
        return super().values()

    def keys(self):
        self._build_all()
        return super().keys()

    def __iter__(self):
        self._build_all()
        return super().__iter__()

    def __len__(self) -> int:
        return super().__len__() + len(self._pending)

    def built(self) -> list:
        return list(super().values())


class MainWindow(QtWidgets.QMainWindow):
    """CE Explorer's main window.

    Parameters
    ----------
    state : ExplorerState, optional
        The state to show (a default scenario if omitted).
    settings_dir : str or Path, optional
        Where the settings file lives (tests pass a temporary directory); the user's
        settings location when None.
    theme : str, optional
        "light", "dark" or "projector"; the saved setting (or light) when None.
    font_scale : int, optional
        Percent, 50..300; the saved setting (or 100) when None.
    """

    #: The theme or the font scale changed (the scaled Theme now applied).
    themeChanged = QtCore.Signal(object)

    #: Lessons, exercises and the shortcut help: set by install_classroom during __init__.
    classroom: Classroom

    def __init__(self, state: ExplorerState | None = None, settings_dir=None, theme: str | None = None,
                 font_scale: int | None = None, parent=None):
        super().__init__(parent)
        #: Range of set_font_scale; where it remembers the value (see set_text_size_policy).
        self.font_scale_limits = (50, 300)
        self._remember_font_scale = None
        self.state = state or ExplorerState()
        #: The crash and error dialog, installed by run_gui (the running app; not in tests).
        self.error_reporter: ErrorReporter | None = None
        self.views = ViewRegistry()  # may name views built later (the classroom's two tabs)
        self.menus: dict[str, QtWidgets.QMenu] = {}
        self.docks: dict[str, QtWidgets.QDockWidget] = {}
        self.settings = Settings.for_app(settings_dir)
        self.font_scale = int(font_scale if font_scale is not None else self.settings.font_scale)
        theme_name = theme or self.settings.theme
        if theme_name not in themes.THEMES:
            theme_name = themes.DEFAULT
        self.theme = themes.get(theme_name).scaled(self.font_scale / 100.0)
        self.setObjectName("MainWindow")
        self.setMinimumSize(640, 400)
        self.setDockOptions(QtWidgets.QMainWindow.DockOption.AnimatedDocks
                            | QtWidgets.QMainWindow.DockOption.AllowTabbedDocks)

        self.panel_layout = WindowLayout(self)
        self._build_views()
        self._build_layout()
        self._build_actions()
        self._build_menus()
        self._build_descent()  # bottom dock, Descent menu, Space / → / ← / Ctrl+R
        self.setStatusBar(QtWidgets.QStatusBar())
        install_classroom(self)  # Lesson menu + dock, binary/comparison tabs, exercises (Ctrl+E), F1/? help
        # File menu (open/save/export/copy, drops, unsaved-changes flag in the title). It asks
        # before closing only in the running app (run_gui), so tests can always close windows.
        self.file_actions = FileActions(self, self.state, self.settings, ask_on_close=False)
        self.file_actions.install(self.menus["File"])
        install_presentation(self)  # F5 / toolbar button / Esc, View ▸ Text size
        install_keyboard(self)  # dock-toggle shortcuts; every menu shortcut works without the menu bar
        # The explorer or the dataset workspace (View ▸ Ctrl+1 / Ctrl+2); the dataset one is built on first use.
        self.workspaces = Workspaces(self)
        view_menu = self.menus["View"]
        first = view_menu.actions()[0]
        for a in self.workspaces.actions.values():
            view_menu.insertAction(first, a)
        view_menu.insertSeparator(first)
        self.state.connect_aspects(self._on_state_changed,
                                   Aspect.REPLACED, Aspect.UNITS, Aspect.EDIT_MODE, Aspect.TITLE)
        self.state.historyChanged.connect(self._update_undo_actions)
        self._update_title()
        self._update_undo_actions()
        self.set_theme(self.theme.name, save=False)

    # ------------------------------------------------------------------ building

    def _build_views(self) -> None:
        s = self.state
        self.target_editor = TargetEditor(s)
        self.prediction_editor = PredictionEditor(s)
        self.softmax_view = SoftmaxView(s)
        self.readouts = ReadoutPanel(s)
        self.contributions = ContributionPlot(s)
        self.gradient = GradientPlot(s)
        self.formula = FormulaView(s)
        self.table = ValueTable(s)
        self.controls = ControlsBar(s)
        for name, view in (
            ("target", self.target_editor),
            ("prediction", self.prediction_editor),
            ("softmax", self.softmax_view),
            ("readouts", self.readouts),
            ("contributions", self.contributions),
            ("gradient", self.gradient),
            ("formula", self.formula),
            ("table", self.table),
            ("controls", self.controls),
        ):
            self.register_view(name, view, apply=False)

    def _build_layout(self) -> None:
        self.addToolBar(QtCore.Qt.ToolBarArea.TopToolBarArea, self.controls)

        prediction_row = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(prediction_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.prediction_editor, 3)
        row.addWidget(self.softmax_view, 2)

        per_class = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        per_class.setObjectName("per_class")
        per_class.addWidget(self.contributions)
        per_class.addWidget(self.gradient)
        per_class.setChildrenCollapsible(False)
        per_class.setSizes([640, 360])
        per_class.setStretchFactor(0, 16)
        per_class.setStretchFactor(1, 9)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("detail_tabs")
        self.tabs.setDocumentMode(True)
        lay = self.panel_layout
        lay.add_tab(
            (Panel.CONTRIBUTIONS, Panel.GRADIENT),
            self.tabs,
            per_class,
            "Per class && gradient",
            parts={Panel.CONTRIBUTIONS: self.contributions, Panel.GRADIENT: self.gradient},
        )
        lay.add_tab(Panel.FORMULA, self.tabs, self.formula, "Calculation")
        lay.add_tab(Panel.TABLE, self.tabs, self.table, "Table")
        self.central_area = lay.build_desk(self.target_editor, prediction_row, self.readouts, self.tabs)
        self.left_splitter, self.right_splitter = lay.left_splitter, lay.right_splitter
        self.main_splitter = lay.main_splitter
        lay.watch_splitter(per_class)
        self.setCentralWidget(self.central_area)

    def _build_descent(self) -> None:
        """The descent dock (the panel beside the loss, logit and simplex plots) and its menu."""
        views = build_descent_views(self.state, self)
        for name, view in (
            ("descent_panel", views.panel),
            ("trajectory", views.trajectory),
            ("logit_trajectory", views.logits),
            ("simplex", views.simplex),
        ):
            self.register_view(name, view)
        self.add_dock(
            views.splitter,
            "Gradient descent",
            QtCore.Qt.DockWidgetArea.BottomDockWidgetArea,
            "dock_descent",
            panel=Panel.DESCENT,
        )
        lay = self.panel_layout
        lay.register_tab(Panel.LOSS_PLOT, views.tabs, views.trajectory)
        lay.register_tab(Panel.LOGIT_PLOT, views.tabs, views.logits)
        lay.register_tab(Panel.SIMPLEX, views.tabs, views.simplex)
        lay.watch_splitter(views.splitter)
        menu = self.menus["Descent"]
        for key in ("play", "step", "back", "reset"):
            menu.addAction(views.actions[key])
            self.addAction(views.actions[key])  # shortcuts work with the menu bar hidden too
        EditorKeyGuard(self).watch_focus()  # its connection and filters go when the window is deleted
        self.descent = views.controller
        self.descent_panel = views.panel
        self.descent_views = views.as_dict()

    def _build_actions(self) -> None:
        self.undo_action = make_action(self, "Undo", self.undo, "Ctrl+Z", widget=self)
        self.redo_action = make_action(self, "Redo", self.redo, ("Ctrl+Shift+Z", "Ctrl+Y"), widget=self)

        self.theme_group = QtGui.QActionGroup(self)
        self.theme_group.setExclusive(True)
        self.theme_actions: dict[str, QtGui.QAction] = {}
        for k, t in enumerate(themes.THEMES.values(), start=1):
            a = make_action(self, f"{t.title} theme", lambda _on, name=t.name: self.set_theme(name),
                            f"Ctrl+Shift+{k}", checkable=True)
            self.theme_group.addAction(a)
            self.theme_actions[t.name] = a

        self.units_action = make_action(self, "Show losses in bits",
                                        lambda on: self._try(self.state.set_units, "bits" if on else "nats"),
                                        "Ctrl+B", checkable=True)
        self.logits_action = make_action(self, "Edit the prediction as logits",
                                         lambda on: self._try(self.state.set_logits_mode, on), "Ctrl+L", checkable=True)
        self.font_bigger = make_action(self, "Larger text", lambda: self.set_font_scale(self.font_scale + 10),
                                       "Ctrl+=")
        self.font_smaller = make_action(self, "Smaller text", lambda: self.set_font_scale(self.font_scale - 10),
                                        "Ctrl+-")
        self.tab_actions = []
        for k in range(self.tabs.count()):
            name = plain_text.menu_text(self.tabs.tabText(k).replace("&&", "&"))
            self.tab_actions.append(
                make_action(self, f"Show “{name}”", lambda k=k: self.tabs.setCurrentIndex(k), f"Alt+{k + 1}")
            )
        # Ctrl+Q, not StandardKey.Quit: that is empty on some platforms.
        self.quit_action = make_action(self, "Quit", self.close, "Ctrl+Q")
        self.shortcuts_action = make_action(self, "Keyboard shortcuts", self.show_shortcuts, "F1")
        self.about_action = make_action(self, "About CE Explorer", self._about, "Ctrl+F1")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        for name in MENU_NAMES:
            self.menus[name] = bar.addMenu(f"&{name}")
        file_menu = self.menus["File"]
        self.presets_menu = file_menu.addMenu("Presets")
        for k, p in enumerate(presets.PRESETS):
            keys = f"Ctrl+P, {PRESET_KEYS[k]}" if k < len(PRESET_KEYS) else ()
            self.presets_menu.addAction(
                make_action(self.presets_menu, p.title, lambda p=p: self.load_preset(p.name), keys, p.description,
                            plain=True)
            )
        file_menu.addSeparator()
        self.file_end_separator = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit = self.menus["Edit"]
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)

        view = self.menus["View"]
        for a in self.theme_actions.values():
            view.addAction(a)
        view.addSeparator()
        view.addAction(self.font_bigger)
        view.addAction(self.font_smaller)
        view.addSeparator()
        view.addAction(self.units_action)
        view.addAction(self.logits_action)
        view.addSeparator()
        for a in self.tab_actions:
            view.addAction(a)
        view.addSeparator()
        self.docks_menu = view.addMenu("Panels")
        self.docks_menu.menuAction().setVisible(False)

        helpm = self.menus["Help"]
        helpm.addAction(self.shortcuts_action)
        helpm.addAction(self.about_action)

    # ------------------------------------------------------------------ integration points

    def register_view(self, name: str, view, apply: bool = True) -> None:
        """Add a view to the registry: it follows the theme, its messages go to the status bar."""
        self.views[name] = view
        msg = getattr(view, "message", None)
        if msg is not None and hasattr(msg, "connect"):
            msg.connect(self.status)
        if apply and hasattr(view, "apply_theme"):
            view.apply_theme(self.theme)

    def add_dock(
        self,
        widget: QtWidgets.QWidget,
        title: str,
        area=QtCore.Qt.DockWidgetArea.BottomDockWidgetArea,
        object_name: str | None = None,
        panel: Panel | None = None,
    ) -> QtWidgets.QDockWidget:
        """Put ``widget`` in a dock (bottom by default) with a toggle in View ▸ Panels; with
        ``panel``, the layout knows the dock by that name."""
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(object_name or f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        dock.setFeatures(
            QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        self.docks[dock.objectName()] = dock
        if panel is not None:
            self.panel_layout.add_dock(panel, dock)
        self.docks_menu.addAction(dock.toggleViewAction())
        self.docks_menu.menuAction().setVisible(True)
        if hasattr(widget, "apply_theme"):
            self.views.setdefault(dock.objectName(), widget)
            widget.apply_theme(self.theme)
        return dock

    def status(self, message: str, timeout: int = STATUS_MS) -> None:
        """Show ``message`` in the status bar for ``timeout`` ms."""
        self.statusBar().showMessage(str(message), timeout)

    def set_theme(self, name: str, save: bool = True) -> None:
        """Apply a theme to the window and every registered view (restyle only, no recomputation)."""
        base = themes.get(name)
        self.theme = base.scaled(self.font_scale / 100.0)
        pal = self.theme.palette()
        QtWidgets.QApplication.setPalette(pal)  # static: the application's palette
        self.setPalette(pal)
        font = QtGui.QFont(self.font())
        font.setPixelSize(self.theme.font_px(13))
        self.menuBar().setFont(font)
        self.statusBar().setFont(font)
        self.panel_layout.set_text_font(font, self.font_scale / 100.0)  # the tab bars and the docks. titles
        for view in self.views.built():  # one built later is themed when it is registered
            if hasattr(view, "apply_theme"):
                view.apply_theme(self.theme)
        self.panel_layout.refit_legends()  # a legend does not shrink with its text by itself
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)
        if save:
            self.settings.theme = name
        self.themeChanged.emit(self.theme)

    def set_font_scale(self, percent: int) -> None:
        """Scale every font (50..300 %), keeping the theme."""
        lo, hi = self.font_scale_limits
        self.font_scale = max(lo, min(hi, int(percent)))
        if self._remember_font_scale is not None:
            self._remember_font_scale(self.font_scale)
        else:
            self.settings.font_scale = self.font_scale
        self.set_theme(self.theme.name)

    def set_text_size_policy(self, limits: tuple[int, int] = (50, 300), remember=None) -> None:
        """The range of :meth:`set_font_scale` and where a new size is remembered
        (``remember(percent)``; the settings' font scale when None)."""
        self.font_scale_limits = (int(limits[0]), int(limits[1]))
        self._remember_font_scale = remember

    def load_preset(self, name: str) -> bool:
        """Load a built-in preset (one undo step)."""
        p = presets.get(name)
        ok = self._try(self.state.load, p.scenario(), f"Preset: {p.title}")
        self.status(f"{p.title}: {p.description}")
        return bool(ok)

    def _undoable(self):
        """The state whose history undo and redo act on: the current workspace's."""
        ws = getattr(self, "workspaces", None)
        if ws is not None and ws.current == DATASET:
            return ws.dataset_state
        return self.state

    def undo(self) -> None:
        s = self._undoable()
        text = s.history.undo_text
        if s.undo():
            self.status(f"Undid {text}")

    def redo(self) -> None:
        s = self._undoable()
        text = s.history.redo_text
        if s.redo():
            self.status(f"Redid {text}")

    # ------------------------------------------------------------------ state → window

    def _on_state_changed(self, aspects: frozenset) -> None:
        if aspects & {Aspect.REPLACED, Aspect.TITLE}:
            self._update_title()
        self.units_action.setChecked(self.state.units == "bits")
        self.logits_action.setChecked(self.state.logits_mode)

    def refresh_title(self) -> None:
        """Write the window's title again (the document's or the workspace's name changed)."""
        self._update_title()

    def refresh_undo_actions(self) -> None:
        """Name the undo and redo steps again (the history shown changed: another workspace)."""
        self._update_undo_actions()

    def _update_title(self) -> None:
        if getattr(self, "file_actions", None) is not None:
            self.file_actions.update_title()  # "name[*]": the file's name or the scenario's title
            return
        # Qt appends the application display name (" — CE Explorer") itself.
        self.setWindowTitle(plain_text.window_title(self.state.scenario.title or "custom"))

    def _update_undo_actions(self) -> None:
        h = self._undoable().history
        self.undo_action.setEnabled(h.can_undo)
        self.redo_action.setEnabled(h.can_redo)
        self.undo_action.setText(f"Undo {plain_text.menu_text(h.undo_text)}" if h.can_undo else "Undo")
        self.redo_action.setText(f"Redo {plain_text.menu_text(h.redo_text)}" if h.can_redo else "Redo")

    def _try(self, fn, *args):
        try:
            return fn(*args)
        except ScenarioError as exc:
            self.status(str(exc))
            return None

    # ------------------------------------------------------------------ help

    def shortcut_list(self) -> list[tuple[str, str]]:
        """(keys, what) for every action with a shortcut, plus the bar editors' keys."""
        seen = set()
        rows = []
        for a in self.findChildren(QtGui.QAction):
            keys = ", ".join(k.toString(QtGui.QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
            text = a.text().replace("&", "")
            if keys and (keys, text) not in seen:
                seen.add((keys, text))
                rows.append((keys, text))
        rows += [
            ("Left / Right", "Choose a bar (in a focused bar editor)"),
            ("Up / Down", "Nudge the chosen bar by 1/20 of the range"),
            ("Shift+Up / Shift+Down", "Nudge by 1/200 (fine)"),
            ("Home / End", "Set the chosen bar to 0 / 1"),
            ("Double-click a target bar", "Make that class the true class"),
            ("Double-click a class name", "Rename the class (Enter keeps it, Esc cancels)"),
        ]
        return rows

    def show_shortcuts(self) -> None:
        """The shortcut help, generated from the actions (F1 or ?)."""
        self.classroom.shortcuts_dialog().open()

    def _about(self) -> None:
        QtWidgets.QMessageBox.about(
            self,
            "About CE Explorer",
            "CE Explorer: drag a target y and a prediction ŷ and watch cross-entropy, entropy and KL respond.\n"
            "CE(y, ŷ) = H(y) + KL(y‖ŷ).",
        )

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if not getattr(self, "_sized", False):
            self._sized = True
            self.panel_layout.first_show()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self.panel_layout.resized()

    def closeEvent(self, ev) -> None:
        if not self.testAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen):
            self.settings.save_window(self)
        self.settings.sync()
        super().closeEvent(ev)
