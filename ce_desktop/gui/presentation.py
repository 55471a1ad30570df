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
another; 100–250 %, remembered apart from the normal text size). The window's layout
(``window.panel_layout``) shows the slide's panels; a tab bar with one tab left goes, and the
slide's main plot gets most of the room. Leaving puts back exactly what was there (the
layout's snapshot: docks, splitter sizes, tabs, legends; and the window's state, geometry,
chrome and text size).

Clicker keys (PageDown / PageUp, → / ← as some clickers send them, Space, B / .) go to the
presentation, never to the focused control: PageDown and → show the next slide, PageUp and
← the previous one, Space plays or pauses the slide's descent, B / . black the screen. With
no lesson open the slide keys and Space do nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.actions import make_action
from ce_desktop.gui.layout import DESK, LayoutSnapshot, Panel

#: Text size while presenting, percent.
FONT_RANGE = (100, 250)
DEFAULT_FONT_SCALE = 150
#: Settings key (``Settings.extra``) of the remembered presentation text size.
SETTINGS_KEY = "presentation_font_scale"
#: Without a lesson, the descent dock stays while presenting only on a screen this tall.
NO_LESSON_DESCENT_MIN_HEIGHT = 900
#: The caption's text relative to the rest while presenting.
CAPTION_FACTOR = 0.75
Key = QtCore.Qt.Key
#: Keys presenter clickers send, and what they do while presenting.
CLICKER_KEYS = {Key.Key_PageDown: "next", Key.Key_Right: "next", Key.Key_PageUp: "previous",
                Key.Key_Left: "previous", Key.Key_Space: "play", Key.Key_B: "black",
                Key.Key_Period: "black"}


@dataclass
class _Saved:
    """What entering presentation mode changes, as it was before."""

    layout: LayoutSnapshot
    window_state: QtCore.Qt.WindowState
    geometry: QtCore.QRect
    was_visible: bool
    menu_bar: bool
    status_bar: bool
    toolbars: dict
    font_scale: int
    font_limits: tuple[int, int]
    readout_columns: int
    explanation: bool


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
        parent = self.parentWidget()  # the window it was made for
        if parent is not None:
            self.setGeometry(parent.rect())
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
        self._saved: _Saved | None = None
        self.layout = window.panel_layout

        tip = "Presentation mode: full screen, large text, only the slide's panels (F5; Esc leaves)"
        self.action = make_action(window, "&Presentation mode", None, "F5", tip, checkable=True, icon=_screen_icon(),
                                  widget=window)
        self.action.toggled.connect(self._on_toggled)
        self.leave_action = make_action(window, "Leave presentation mode", self.leave, "Esc", widget=window)
        self.leave_action.setEnabled(False)  # Esc belongs to everyone else when not presenting
        self.reset_font_action = make_action(window, "Reset text size", self.reset_font_scale, "Ctrl+0", widget=window)
        self.blank_screen = BlankScreen(window)
        Key = QtCore.Qt.Key
        blanks = {}
        for colour, keys in (("black", (Key.Key_B, Key.Key_Period)), ("white", (Key.Key_W, Key.Key_Comma))):
            tip = f"While presenting: a {colour} screen; any key or click brings the slide back"
            a = make_action(window, f"&{colour.title()} screen", lambda colour=colour: self.blank(colour), keys, tip,
                            widget=window)
            a.setEnabled(False)  # the letters belong to everyone else when not presenting
            blanks[colour] = a
        self.black_action, self.white_action = blanks["black"], blanks["white"]

        self._build_menu()
        controls = window.controls
        first = controls.actions()[0] if controls.actions() else None
        controls.insertAction(first, self.action)
        button = controls.widgetForAction(self.action)
        if button is not None:
            button.setObjectName("presentation_button")
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)  # tool bars make their buttons NoFocus
            button.setAccessibleName("Presentation mode")
        if first is not None:
            controls.insertSeparator(first)
        self.layout.panelsChanged.connect(self._on_panels_changed)
        window.installEventFilter(self)
        self._update_font_menu()

    # ------------------------------------------------------------------ menus

    def _build_menu(self) -> None:
        w = self.window
        view = w.menus["View"]
        bigger, smaller = w.font_bigger, w.font_smaller
        if QtGui.QKeySequence("Ctrl++") not in bigger.shortcuts():
            bigger.setShortcuts(bigger.shortcuts() + [QtGui.QKeySequence("Ctrl++")])
        self.font_menu = QtWidgets.QMenu("Text size", w)
        for a in (bigger, smaller):
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
        self.window.classroom.lesson_panel.set_caption_scale(CAPTION_FACTOR if self.active else 1.0)

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
        lay = self.layout
        readouts = lay.widget(Panel.READOUTS)
        lay.build_pending()  # the lazily built tabs: the layout saved below names them
        saved = self._saved = _Saved(
            layout=lay.snapshot(),
            window_state=w.windowState(),
            geometry=w.geometry(),
            was_visible=w.isVisible(),
            menu_bar=not w.menuBar().isHidden(),
            status_bar=not w.statusBar().isHidden(),
            toolbars={tb: not tb.isHidden() for tb in w.findChildren(QtWidgets.QToolBar)},
            font_scale=w.font_scale,
            font_limits=w.font_scale_limits,
            readout_columns=readouts.columns,
            explanation=not readouts.explanation.isHidden(),
        )
        w.menuBar().hide()
        w.statusBar().hide()
        for tb in saved.toolbars:
            tb.hide()
        lay.set_dock_titles(False)
        w.descent_panel.set_compact(True)
        lay.presenting = True
        lay.user_sized = False  # the desk's own arrangement comes back on leaving
        lay.set_readouts_on_top(True)
        w.set_text_size_policy(FONT_RANGE, self._remember_font_scale)
        scale = font_scale if font_scale is not None else self.font_scale
        w.set_font_scale(max(FONT_RANGE[0], min(FONT_RANGE[1], int(scale))))
        self._show_slide_panels()
        self._style_caption(w.theme)
        if full_screen:
            if w.isVisible():
                w.showFullScreen()
            else:  # takes effect when the window is shown
                w.setWindowState(w.windowState() | QtCore.Qt.WindowState.WindowFullScreen)
        self._set_checked(True)
        for a in (self.leave_action, self.black_action, self.white_action):
            a.setEnabled(True)
        app = QtCore.QCoreApplication.instance()  # there is one while a window exists
        if app is not None:
            app.installEventFilter(self)  # the clicker keys
        self._fit()
        self.activeChanged.emit(True)

    def leave(self) -> None:
        """Put everything back as it was before :meth:`enter` (the slide may have changed since)."""
        saved = self._saved
        if saved is None:
            return
        self._saved = None
        w = self.window
        lay = self.layout
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.blank_screen.unblank()
        for a in (self.leave_action, self.black_action, self.white_action):
            a.setEnabled(False)
        self._set_checked(False)

        self._remember_font_scale(w.font_scale)
        w.set_text_size_policy(saved.font_limits)
        lay.presenting = False
        lay.set_dock_titles(True)
        w.descent_panel.set_compact(False)
        readouts = lay.widget(Panel.READOUTS)
        readouts.set_columns(saved.readout_columns)
        readouts.explanation.setVisible(saved.explanation)
        lay.set_readouts_on_top(False)
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
        self._style_caption(w.theme)
        classroom = w.classroom
        snapshot = saved.layout
        lesson_open = classroom.lesson is not None
        if lay.shown != snapshot.shown or (lesson_open != (snapshot.shown != DESK)):
            # The slide changed while presenting: the desk shows the new slide's panels, in
            # the desk's own arrangement.
            snapshot.shown, snapshot.main = lay.shown, lay.main
            lay.restore(snapshot)
            classroom.lesson_dock.setVisible(lesson_open)
            classroom.apply_panels(classroom.current_panels, show_descent=True if lesson_open else None,
                                   main=lay.main)
        else:
            lay.restore(snapshot)
        self.activeChanged.emit(False)

    def _set_checked(self, on: bool) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(on)
        self.action.blockSignals(False)

    # ------------------------------------------------------------------ slide panels

    def _show_slide_panels(self) -> None:
        """The slide's panels (as the classroom asked the layout for them), or the desk's."""
        classroom = self.window.classroom
        lesson = classroom.lesson
        slide = classroom.lesson_panel.slide if lesson is not None else None
        if slide is None:
            self.layout.show(None, docks=False)  # no lesson: the desk, the docks as they were
            if self.window.height() < NO_LESSON_DESCENT_MIN_HEIGHT:
                # Below the readouts, the editors would get about 60 px beside the descent
                # dock; Ctrl+D brings it back, leaving presentation mode restores it.
                self.layout.show_dock(Panel.DESCENT, False)
        else:
            self.layout.show(self.layout.shown, main=self.layout.main)

    def _on_panels_changed(self, panels) -> None:
        if self.active:
            self._fit_later()

    def _fit_later(self) -> None:
        QtCore.QTimer.singleShot(0, self, self._fit)

    def _fit(self) -> None:
        """Large text at this window size: the caption dock as tall as its text, the room
        shared (the main plot gets most, the readouts in two rows if four do not fit)."""
        if not self.active:
            return
        w = self.window
        readouts = self.layout.widget(Panel.READOUTS)
        # The slide's caption explains (and without a lesson, the presenter): the readouts'
        # own sentence would take the editors' room.
        readouts.explanation.setVisible(False)
        w.classroom.fit_lesson_dock()
        self.layout.fit()

    # ------------------------------------------------------------------ events

    def eventFilter(self, obj, ev) -> bool:
        if not self.active:
            return False
        t = ev.type()
        if obj is self.window:
            # Closing while presenting: leave first, so the normal layout and text size are saved.
            if t == QtCore.QEvent.Type.Close:
                self.leave()
            elif t == QtCore.QEvent.Type.Resize:
                self._fit_later()
                if self.blanked:
                    self.blank_screen.setGeometry(self.window.rect())
        if t == QtCore.QEvent.Type.ShortcutOverride and self._focus_answers_with(ev.key()):
            ev.accept()  # the exercise's own A / B answer, not the black screen
            return False
        if t in (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress) and self._is_clicker(obj, ev):
            ev.accept()  # no shortcut and no focused control gets it
            if t == QtCore.QEvent.Type.KeyPress and not ev.isAutoRepeat():
                self._clicker(CLICKER_KEYS[ev.key()])
            return True
        return False

    def _is_clicker(self, obj, ev) -> bool:
        """A clicker key pressed in this window (not under the black screen, not a dialog's,
        not the focused exercise's own B answer)."""
        if not isinstance(obj, QtWidgets.QWidget) or obj.window() is not self.window or self.blanked:
            return False
        if ev.key() not in CLICKER_KEYS or ev.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier:
            return False
        return not self._focus_answers_with(ev.key())

    def _clicker(self, what: str) -> None:
        """Next / previous slide, play or pause the slide's descent, black screen; with no
        lesson only the black screen."""
        if what == "black":
            self.blank("black")
            return
        classroom = self.window.classroom
        if classroom.lesson is None:
            return
        if what == "next":
            classroom.lesson_panel.next()
        elif what == "previous":
            classroom.lesson_panel.previous()
        elif what == "play" and classroom.lesson_panel.slide.shows("descent"):
            self.window.descent.toggle()

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
