"""Presentation mode: full screen, large text, no chrome, only the current slide's panels.

:func:`install_presentation` gives a MainWindow

* a checkable **Presentation mode** action (F5, a toolbar button and View ▸ Presentation
  mode) and a **Leave presentation mode** action (Esc, enabled only while presenting);
* View ▸ **Text size**: the current percentage, Larger (Ctrl+= / Ctrl++), Smaller (Ctrl+-) and
  Reset (Ctrl+0), applied live;
* **Black screen** (B or .) and **White screen** (W or ,), enabled only while presenting, as
  clickers and slide software have them: the whole window goes black (or white) and the next
  key or click brings the slide back (that key or click does nothing else).

While presenting, the menu bar, tool bars, status bar and dock title bars are hidden, the
window is full screen, and the text has its own size (150 % unless the presenter chose
another; 100–250 %, remembered apart from the normal text size). Only the detail tabs
that the lesson's current slide names stay (``classroom.current_panels``, followed live
through ``classroom.panelsChanged``); the tab bar goes when one tab is left. Every action
keeps its shortcut (they are all added to the window, not only to the hidden menus), so a
clicker's PageDown / PageUp still moves the slides. Leaving puts back exactly what was
there: window state and geometry, docks, splitter sizes, chrome, tabs and text size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.model import lessons

#: Text size while presenting, percent.
FONT_RANGE = (100, 250)
DEFAULT_FONT_SCALE = 150
#: Settings key (``Settings.extra``) of the remembered presentation text size.
SETTINGS_KEY = "presentation_font_scale"
#: Share of the width the editors take while presenting (the slide's plot has the rest).
EDITOR_SHARE = 0.5
EDITOR_SHARE_BESIDE_TWO_PLOTS = 0.34
#: The caption's text relative to the rest while presenting.
CAPTION_FACTOR = 0.75
#: Which slide panels each detail tab shows (the Table tab: none, so only without a lesson).
TAB_PANELS = {"per_class": ("contributions", "gradient"), "formula": ("formula",), "binary": ("binary",),
              "comparison": ("comparison",)}


@dataclass
class _Layout:
    """What entering presentation mode changes, as it was before."""

    window_state: QtCore.Qt.WindowState
    geometry: QtCore.QRect
    dock_state: QtCore.QByteArray
    was_visible: bool
    user_sized: bool
    menu_bar: bool
    status_bar: bool
    font_scale: int
    font_limits: tuple[int, int]
    font_saver: object
    panels: tuple[str, ...]
    lesson_open: bool
    tab_index: int
    tab_bar: bool
    toolbars: dict = field(default_factory=dict)
    title_bars: dict = field(default_factory=dict)
    splitters: dict = field(default_factory=dict)
    tabs: list = field(default_factory=list)
    page_policies: dict = field(default_factory=dict)
    stop_rules: bool = False
    shown: dict = field(default_factory=dict)
    readouts_index: int = 0
    readout_columns: int = 4


class BlankScreen(QtWidgets.QWidget):
    """A black (or white) sheet over the whole window; any key or click takes it away.

    While it shows it has the focus and takes every key (including the shortcuts' keys: Qt
    asks the focused widget first), so the key that brings the slide back does nothing else.
    """

    #: Keys that are only modifiers: pressing Shift alone does not bring the slide back.
    MODIFIER_KEYS = {QtCore.Qt.Key.Key_Shift, QtCore.Qt.Key.Key_Control, QtCore.Qt.Key.Key_Alt,
                     QtCore.Qt.Key.Key_Meta, QtCore.Qt.Key.Key_AltGr, QtCore.Qt.Key.Key_CapsLock,
                     QtCore.Qt.Key.Key_NumLock, QtCore.Qt.Key.Key_unknown}

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setObjectName("blank_screen")
        self.colour = "black"
        self._focus: QtWidgets.QWidget | None = None
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setCursor(QtCore.Qt.CursorShape.BlankCursor)
        self.hide()

    def blank(self, colour: str) -> None:
        """Cover the window in ``colour`` ("black" or "white") and take the focus."""
        self.colour = colour
        self.setAccessibleName(f"{colour.capitalize()} screen: press any key to return")
        focus = QtWidgets.QApplication.focusWidget()
        if focus is not None and focus is not self:
            self._focus = focus
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
        self.update()

    def unblank(self) -> None:
        """Show the slide again, with the focus where it was."""
        if self.isHidden():
            return
        self.hide()
        focus, self._focus = self._focus, None
        try:
            if focus is not None and focus.isVisible():
                focus.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
        except RuntimeError:  # the widget went while the screen was blank
            pass

    def paintEvent(self, ev) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), QtGui.QColor(self.colour))
        p.end()

    def event(self, ev) -> bool:
        if ev.type() == QtCore.QEvent.Type.ShortcutOverride:
            ev.accept()  # every key comes here as a key press, none triggers its shortcut
            return True
        return super().event(ev)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        if ev.key() not in self.MODIFIER_KEYS and not ev.isAutoRepeat():
            self.unblank()
        ev.accept()

    def mousePressEvent(self, ev) -> None:
        ev.accept()  # the release brings the slide back: the widget below gets neither

    def mouseReleaseEvent(self, ev) -> None:
        ev.accept()
        self.unblank()

    def mouseDoubleClickEvent(self, ev) -> None:
        ev.accept()

    def wheelEvent(self, ev) -> None:
        ev.accept()  # nothing under the sheet scrolls or zooms unseen


def _screen_icon(ink: str = "#1A1A1A", accent: str = "#D55E00", size: int = 32) -> QtGui.QIcon:
    """A projection screen with a play triangle, drawn here (no image files to ship)."""
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pix)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    pen = QtGui.QPen(QtGui.QColor(ink), size / 14)
    p.setPen(pen)
    s = size
    p.drawRect(QtCore.QRectF(s * 0.08, s * 0.14, s * 0.84, s * 0.58))
    p.drawLine(QtCore.QPointF(s * 0.5, s * 0.72), QtCore.QPointF(s * 0.5, s * 0.88))
    p.drawLine(QtCore.QPointF(s * 0.3, s * 0.9), QtCore.QPointF(s * 0.7, s * 0.9))
    p.setBrush(QtGui.QColor(accent))
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(s * 0.4, s * 0.26), QtCore.QPointF(s * 0.66, s * 0.43),
                                   QtCore.QPointF(s * 0.4, s * 0.6)]))
    p.end()
    return QtGui.QIcon(pix)


class Presentation(QtCore.QObject):
    """Presentation mode of one window (see :func:`install_presentation`).

    Signals
    -------
    activeChanged(bool)
        Entered (True) or left (False).
    """

    activeChanged = QtCore.Signal(bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._saved: _Layout | None = None
        self._stage: QtWidgets.QWidget | None = None
        self._empty_titles: dict[str, QtWidgets.QWidget] = {}

        self.action = QtGui.QAction(_screen_icon(), "&Presentation mode", window, checkable=True)
        self.action.setShortcut(QtGui.QKeySequence("F5"))
        tip = "Presentation mode: full screen, large text, only the slide's panels (F5; Esc leaves)"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.toggled.connect(self._on_toggled)
        self.leave_action = QtGui.QAction("Leave presentation mode", window)
        self.leave_action.setShortcut(QtGui.QKeySequence("Esc"))
        self.leave_action.setEnabled(False)  # Esc belongs to everyone else when not presenting
        self.leave_action.triggered.connect(self.leave)
        self.reset_font_action = QtGui.QAction("Reset text size", window)
        self.reset_font_action.setShortcut(QtGui.QKeySequence("Ctrl+0"))
        self.reset_font_action.triggered.connect(self.reset_font_scale)
        self.blank_screen = BlankScreen(window)
        Key = QtCore.Qt.Key
        self.black_action = QtGui.QAction("&Black screen", window)
        self.black_action.setShortcuts([QtGui.QKeySequence(Key.Key_B), QtGui.QKeySequence(Key.Key_Period)])
        self.white_action = QtGui.QAction("&White screen", window)
        self.white_action.setShortcuts([QtGui.QKeySequence(Key.Key_W), QtGui.QKeySequence(Key.Key_Comma)])
        for a, colour in ((self.black_action, "black"), (self.white_action, "white")):
            tip = f"While presenting: a {colour} screen; any key or click brings the slide back"
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.setEnabled(False)  # the letters belong to everyone else when not presenting
            a.triggered.connect(lambda checked=False, colour=colour: self.blank(colour))
        for a in (self.action, self.leave_action, self.reset_font_action, self.black_action, self.white_action):
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            window.addAction(a)

        self._build_menu()
        controls = getattr(window, "controls", None)
        if isinstance(controls, QtWidgets.QToolBar):
            first = controls.actions()[0] if controls.actions() else None
            controls.insertAction(first, self.action)
            button = controls.widgetForAction(self.action)
            if button is not None:
                button.setObjectName("presentation_button")
                button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)  # tool bars make their buttons NoFocus
                button.setAccessibleName("Presentation mode")
            if first is not None:
                controls.insertSeparator(first)
        classroom = getattr(window, "classroom", None)
        if classroom is not None:
            classroom.panelsChanged.connect(self._on_panels_changed)
        window.installEventFilter(self)
        self._update_font_menu()

    # ------------------------------------------------------------------ menus

    def _build_menu(self) -> None:
        w = self.window
        view = w.menus["View"]
        bigger, smaller = getattr(w, "font_bigger", None), getattr(w, "font_smaller", None)
        if bigger is not None and QtGui.QKeySequence("Ctrl++") not in bigger.shortcuts():
            bigger.setShortcuts(bigger.shortcuts() + [QtGui.QKeySequence("Ctrl++")])
        self.font_menu = QtWidgets.QMenu("Text size", w)
        for a in (bigger, smaller):
            if a is not None:
                if a in view.actions():
                    view.removeAction(a)
                self.font_menu.addAction(a)
                if a not in w.actions():
                    w.addAction(a)
        self.font_menu.addAction(self.reset_font_action)
        first = view.actions()[0] if view.actions() else None
        view.insertAction(first, self.action)
        view.insertAction(first, self.leave_action)
        view.insertAction(first, self.black_action)
        view.insertAction(first, self.white_action)
        view.insertMenu(first, self.font_menu)
        view.insertSeparator(first)
        if hasattr(w, "themeChanged"):
            w.themeChanged.connect(self._on_theme_changed)

    def _on_theme_changed(self, theme) -> None:
        self._update_font_menu()
        self.action.setIcon(_screen_icon(theme.foreground, theme.prediction))  # visible on every toolbar
        if self.active:
            self._style_caption(theme)
            self._fit_later()

    def _update_font_menu(self) -> None:
        self.font_menu.setTitle(f"Text size ({self.window.font_scale} %)")

    def _style_caption(self, theme) -> None:
        """The caption a little smaller than the plots' text: the numbers are what the back row needs."""
        classroom = getattr(self.window, "classroom", None)
        caption = getattr(getattr(classroom, "lesson_panel", None), "caption", None)
        if caption is not None:
            caption.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(15 * CAPTION_FACTOR)}px;")

    # ------------------------------------------------------------------ state

    @property
    def active(self) -> bool:
        return self._saved is not None

    @property
    def font_scale(self) -> int:
        """The remembered text size of presentation mode, percent."""
        v = self.window.settings.extra(SETTINGS_KEY, DEFAULT_FONT_SCALE)
        if isinstance(v, bool) or not isinstance(v, int) or not FONT_RANGE[0] <= v <= FONT_RANGE[1]:
            return DEFAULT_FONT_SCALE
        return v

    def _remember_font_scale(self, percent: int) -> None:
        self.window.settings.set_extra(SETTINGS_KEY, int(percent))

    def reset_font_scale(self) -> None:
        """Ctrl+0: 100 % normally, the default presentation size while presenting."""
        self.window.set_font_scale(DEFAULT_FONT_SCALE if self.active else 100)

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def blank(self, colour: str = "black") -> None:
        """B / . (black) or W / , (white) while presenting: hide the slide until the next key or click."""
        if self.active:
            self.blank_screen.blank(colour)

    @property
    def blanked(self) -> bool:
        return not self.blank_screen.isHidden()

    def _on_toggled(self, on: bool) -> None:
        if on and not self.active:
            self.enter()
        elif not on and self.active:
            self.leave()

    # ------------------------------------------------------------------ enter / leave

    def enter(self, full_screen: bool = True, font_scale: int | None = None) -> None:
        """Hide the chrome, show the slide's panels only, enlarge the text, go full screen.

        ``full_screen=False`` keeps the window's size (``--screenshot`` renders at a given
        size); ``font_scale`` overrides the remembered text size (``--font-scale``).
        """
        if self.active:
            return
        w = self.window
        classroom = getattr(w, "classroom", None)
        if classroom is not None:  # build the lazily built tabs now: the layout saved below names them
            classroom.binary_view, classroom.comparison_view  # noqa: B018
        saved = _Layout(
            window_state=w.windowState(),
            geometry=w.geometry(),
            dock_state=w.saveState(),
            was_visible=w.isVisible(),
            user_sized=bool(getattr(w, "_user_sized", False)),
            menu_bar=not w.menuBar().isHidden(),
            status_bar=not w.statusBar().isHidden(),
            font_scale=w.font_scale,
            font_limits=w.font_scale_limits,
            font_saver=w.save_font_scale,
            panels=tuple(classroom.current_panels) if classroom is not None else lessons.PANELS,
            lesson_open=classroom is not None and classroom.lesson is not None,
            tab_index=w.tabs.currentIndex(),
            tab_bar=not w.tabs.tabBar().isHidden(),
        )
        saved.toolbars = {tb: not tb.isHidden() for tb in w.findChildren(QtWidgets.QToolBar)}
        saved.title_bars = {d: d.titleBarWidget() for d in w.findChildren(QtWidgets.QDockWidget)}
        if saved.was_visible:
            saved.splitters = {sp: sp.sizes() for sp in w.findChildren(QtWidgets.QSplitter)}
        saved.tabs = [w.tabs.isTabVisible(i) for i in range(w.tabs.count())]
        saved.page_policies = {w.tabs.widget(i): w.tabs.widget(i).sizePolicy() for i in range(w.tabs.count())}
        self._saved = saved

        w.menuBar().hide()
        w.statusBar().hide()
        for tb in saved.toolbars:
            tb.hide()
        for dock in saved.title_bars:
            empty = QtWidgets.QWidget(dock)
            empty.setFixedHeight(0)
            dock.setTitleBarWidget(empty)
        panel = self._descent_panel()
        if panel is not None:
            saved.stop_rules = panel.more_button.isChecked()
            panel.show_stop_rules(False)
        for widget in self._desk_only():
            saved.shown[widget] = not widget.isHidden()
            widget.hide()
        saved.shown[w.readouts.explanation] = not w.readouts.explanation.isHidden()
        saved.shown[w.right_splitter] = not w.right_splitter.isHidden()
        saved.readout_columns = getattr(w.readouts, "columns", 4)
        # The readouts become one row across the whole width, above the editors and the plots:
        # four large numbers side by side need more width than the column beside the editors has.
        saved.readouts_index = w.right_splitter.indexOf(w.readouts)
        readouts_shown = not w.readouts.isHidden()
        main = w.takeCentralWidget()
        self._stage = QtWidgets.QWidget()
        self._stage.setObjectName("presentation_stage")
        stage = QtWidgets.QVBoxLayout(self._stage)
        stage.setContentsMargins(0, 0, 0, 0)
        stage.setSpacing(4)
        stage.addWidget(w.readouts)
        stage.addWidget(main, 1)
        w.setCentralWidget(self._stage)
        # Reparented widgets are shown by a queued call; show them now (the next slide may come first).
        w.readouts.setVisible(readouts_shown)
        main.show()
        self._stage.show()
        w.font_scale_limits = FONT_RANGE
        w.save_font_scale = self._remember_font_scale
        scale = font_scale if font_scale is not None else self.font_scale
        w.set_font_scale(max(FONT_RANGE[0], min(FONT_RANGE[1], int(scale))))
        self._apply_panels(saved.panels)
        self._fit()
        if full_screen:
            if w.isVisible():
                w.showFullScreen()
            else:  # takes effect when the window is shown
                w.setWindowState(w.windowState() | QtCore.Qt.WindowState.WindowFullScreen)
        self._set_checked(True)
        for a in (self.leave_action, self.black_action, self.white_action):
            a.setEnabled(True)
        self.activeChanged.emit(True)

    def leave(self) -> None:
        """Put everything back as it was before :meth:`enter` (the slide may have changed since)."""
        saved = self._saved
        if saved is None:
            return
        self._saved = None
        w = self.window
        self.blank_screen.unblank()
        for a in (self.leave_action, self.black_action, self.white_action):
            a.setEnabled(False)
        self._set_checked(False)

        presented_scale = w.font_scale
        w.font_scale_limits = saved.font_limits
        w.save_font_scale = saved.font_saver
        self._remember_font_scale(presented_scale)

        for i, visible in enumerate(saved.tabs):
            if i < w.tabs.count():
                w.tabs.setTabVisible(i, visible)
        for page, policy in saved.page_policies.items():
            page.setSizePolicy(policy)
        w.tabs.tabBar().setVisible(saved.tab_bar)
        for dock, title in saved.title_bars.items():
            dock.setTitleBarWidget(title)
        panel = self._descent_panel()
        if panel is not None:
            panel.show_stop_rules(saved.stop_rules)
        for widget, shown in saved.shown.items():
            widget.setVisible(shown)
        if hasattr(w.readouts, "set_columns"):
            w.readouts.set_columns(saved.readout_columns)
        stage = w.takeCentralWidget()
        readouts_shown = not w.readouts.isHidden()
        w.right_splitter.insertWidget(max(0, saved.readouts_index), w.readouts)
        w.readouts.setVisible(readouts_shown)
        w.right_splitter.setStretchFactor(w.right_splitter.indexOf(w.readouts), 0)
        w.right_splitter.setStretchFactor(w.right_splitter.indexOf(w.tabs), 1)
        w.setCentralWidget(w.central_area)
        w.central_area.show()
        if stage is not None and stage is not w.central_area:
            stage.deleteLater()
        self._stage = None
        w.menuBar().setVisible(saved.menu_bar)
        w.statusBar().setVisible(saved.status_bar)
        for tb, visible in saved.toolbars.items():
            tb.setVisible(visible)

        if saved.window_state & QtCore.Qt.WindowState.WindowFullScreen:
            pass
        elif saved.window_state & QtCore.Qt.WindowState.WindowMaximized:
            w.showMaximized()
        else:
            w.setWindowState(saved.window_state)
            if w.isVisible():
                w.showNormal()
            if saved.was_visible:
                w.setGeometry(saved.geometry)
        w.set_font_scale(saved.font_scale)
        w.restoreState(saved.dock_state)
        w._user_sized = saved.user_sized
        classroom = getattr(w, "classroom", None)
        if classroom is not None:
            lesson_open = classroom.lesson is not None
            classroom.lesson_dock.setVisible(lesson_open)
            if tuple(classroom.current_panels) != saved.panels or lesson_open != saved.lesson_open:
                classroom.apply_panels(classroom.current_panels, show_descent=True if lesson_open else None)
            else:
                w.tabs.setCurrentIndex(saved.tab_index)
        else:
            w.tabs.setCurrentIndex(saved.tab_index)
        self._restore_splitters(saved)
        if saved.splitters:
            # The window's own resize may re-balance the splitters once the size is back.
            QtCore.QTimer.singleShot(0, self, lambda: self._restore_splitters(saved))
        self.activeChanged.emit(False)

    def _restore_splitters(self, saved: _Layout) -> None:
        if self.active:
            return
        for sp, sizes in saved.splitters.items():
            if sp.sizes() != sizes:
                sp.setSizes(sizes)

    def _set_checked(self, on: bool) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(on)
        self.action.blockSignals(False)

    def _desk_only(self) -> list[QtWidgets.QWidget]:
        """What a lecture does not need on the screen: the optimiser row and the run's status
        sentence (the slide's caption explains; the step and the losses stay in view)."""
        panel = self._descent_panel()
        names = ("optimizer_label", "optimizer_row", "status_label")
        return [x for x in (getattr(panel, n, None) for n in names) if x is not None]

    def _descent_panel(self):
        panel = getattr(self.window, "descent_views", {}).get("panel")
        return panel if hasattr(panel, "show_stop_rules") else None

    # ------------------------------------------------------------------ slide panels

    def _on_panels_changed(self, panels) -> None:
        if self.active:
            self._apply_panels(tuple(panels))
            self._fit_later()

    def _fit_later(self) -> None:
        QtCore.QTimer.singleShot(0, self, self._fit)

    def _fit(self) -> None:
        """Large text at this window size: readouts in two rows if four do not fit beside the
        editors, and a caption dock as tall as its text."""
        if not self.active:
            return
        w = self.window
        readouts = w.readouts
        if hasattr(readouts, "set_columns"):
            boxes = (readouts.ce, readouts.entropy, readouts.kl, readouts.perplexity)
            need = sum(b.sizeHint().width() for b in boxes) + 3 * readouts.grid.horizontalSpacing() + 8
            readouts.set_columns(4 if need <= w.width() - 16 else 2)
        if not getattr(w, "_user_sized", False) and w.left_splitter.isVisibleTo(w):
            # The readouts are above: the editors and the slide's plot share the width.
            share = EDITOR_SHARE if w.right_splitter.isVisibleTo(w) else 1.0
            classroom = getattr(w, "classroom", None)
            page = w.tabs.currentWidget()
            two_plots = page is w.contributions.parentWidget() and w.contributions.isVisibleTo(w) \
                and w.gradient.isVisibleTo(w)
            if two_plots or (classroom is not None and page in (classroom.binary_view, classroom.comparison_view)):
                share = EDITOR_SHARE_BESIDE_TWO_PLOTS  # two plots (and a table) side by side need the width
            total = sum(w.main_splitter.sizes())
            w.main_splitter.setSizes([int(total * share), total - int(total * share)])
        classroom = getattr(w, "classroom", None)
        if classroom is not None:
            classroom.fit_lesson_dock()
        # The descent dock as short as its controls allow: the plots above need the height.
        dock = w.docks.get("dock_descent")
        if dock is not None and dock.isVisible() and not dock.isFloating():
            w.resizeDocks([dock], [dock.widget().minimumSizeHint().height()], QtCore.Qt.Orientation.Vertical)

    def _tab_pages(self) -> dict[QtWidgets.QWidget, tuple[str, ...]]:
        w = self.window
        pages = {w.contributions.parentWidget(): TAB_PANELS["per_class"], w.formula: TAB_PANELS["formula"]}
        classroom = getattr(w, "classroom", None)
        if classroom is not None:
            pages[classroom.binary_view] = TAB_PANELS["binary"]
            pages[classroom.comparison_view] = TAB_PANELS["comparison"]
        return pages

    def _apply_panels(self, panels: tuple[str, ...]) -> None:
        """Only the detail tabs the slide names (all of them without a lesson); no lone tab bar."""
        w = self.window
        everything = set(panels) >= set(lessons.PANELS)
        pages = self._tab_pages()
        current = w.tabs.currentIndex()
        visible = []
        for i in range(w.tabs.count()):
            names = pages.get(w.tabs.widget(i), ())
            show = everything or bool(set(names) & set(panels))
            w.tabs.setTabVisible(i, show)
            page = w.tabs.widget(i)
            if show:
                visible.append(i)
                page.setSizePolicy(self._saved.page_policies.get(page, page.sizePolicy()))
            else:
                # A hidden tab's page must not make the others bigger than they need (the
                # stacked pages take the largest page's minimum size, ignored pages excepted).
                ignored = QtWidgets.QSizePolicy.Policy.Ignored
                page.setSizePolicy(ignored, ignored)
        if visible and current not in visible:
            w.tabs.setCurrentIndex(visible[0])
        w.tabs.tabBar().setVisible(len(visible) > 1)
        # The readouts sit above the splitters: the right column holds the tabs only.
        w.right_splitter.setVisible(not w.tabs.isHidden())
        # The slide's caption explains; the readouts' own sentence would say it twice.
        classroom = getattr(w, "classroom", None)
        w.readouts.explanation.setVisible(classroom is None or classroom.lesson is None)

    # ------------------------------------------------------------------ events

    def eventFilter(self, obj, ev) -> bool:
        # Closing while presenting: leave first, so the normal layout and text size are saved.
        if obj is self.window and self.active:
            if ev.type() == QtCore.QEvent.Type.Close:
                self.leave()
            elif ev.type() == QtCore.QEvent.Type.Resize:
                self._fit_later()
                if self.blanked:
                    self.blank_screen.setGeometry(self.window.rect())
            elif ev.type() == QtCore.QEvent.Type.ShortcutOverride and self._focus_answers_with(ev.key()):
                ev.accept()  # the exercise's own A / B answer, not the black screen
                return True
        return False

    def _focus_answers_with(self, key) -> bool:
        """Whether the focused exercise waits for this key as its answer (B: "B is lower")."""
        if key != QtCore.Qt.Key.Key_B:
            return False
        widget = QtWidgets.QApplication.focusWidget()
        while widget is not None and not hasattr(widget, "answer_compare"):
            widget = widget.parentWidget()
        q = getattr(widget, "question", None)
        return q is not None and q.kind == "compare" and not getattr(widget, "revealed", True)


def install_presentation(window) -> Presentation:
    """Give a MainWindow presentation mode (F5, toolbar button, Esc) and View ▸ Text size.

    Install it after the classroom, so that it follows the slides' panels. Sets
    ``window.presentation``.
    """
    presentation = Presentation(window)
    window.presentation = presentation
    return presentation


def start_from_args(window, args, full_screen: bool = True) -> None:
    """``--presentation`` (with ``--font-scale`` as the presentation text size)."""
    if getattr(args, "presentation", False):
        scale = getattr(args, "font_scale", None)
        if scale is not None:
            # --font-scale is the presentation's text size; leaving returns to the desk's own.
            window.font_scale = window.settings.font_scale
        window.presentation.enter(full_screen=full_screen, font_scale=scale)
