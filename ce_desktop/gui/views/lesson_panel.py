"""The lesson panel: the current slide's title and caption, and prev/next navigation.

Showing a slide loads its scenario into the explorer's state (one undo step) and emits
:attr:`LessonPanel.slideShown` so the window can show the slide's panels and run its
descent steps. The caption's placeholders (``{ce}``, ...) are filled from the state as
it is now, so the numbers in the text always match the readouts, also after the class
drags a bar. With the panel focused, PageDown/→ go forward and PageUp/←/Backspace back
(Home/End: first/last); Space stays the window's Play (a descent slide plays its steps),
as it is everywhere else on the desk.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.model import lessons
from ce_desktop.model.lessons import Lesson, Slide
from ce_desktop.model.scenario import ScenarioError

K = QtCore.Qt.Key
FORWARD_KEYS = (K.Key_PageDown, K.Key_Right)
BACK_KEYS = (K.Key_PageUp, K.Key_Left, K.Key_Backspace)


class LessonPanel(QtWidgets.QWidget):
    """Caption display and slide navigation for one lesson.

    Signals
    -------
    slideShown(object)
        The :class:`~ce_desktop.model.lessons.Slide` just shown (its scenario is already loaded).
    lessonChanged(object)
        A new lesson was set (or None when closed).
    message(str)
        A short message for the status bar.
    """

    slideShown = QtCore.Signal(object)
    lessonChanged = QtCore.Signal(object)
    message = QtCore.Signal(str)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.caption_scale = 1.0
        self.lesson: Lesson | None = None
        self._dataset_caption: tuple | None = None  # (slide, its caption with the numbers filled in)
        self.index = 0

        #: The lesson's title; hidden when the panel sits in a dock whose title shows it.
        self.lesson_title = plain_text.label()
        self.slide_title = plain_text.label()
        self.slide_title.setWordWrap(True)
        self.caption = plain_text.label()
        self.caption.setWordWrap(True)
        self.caption.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.caption.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setAccessibleName("Slide caption")
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.caption)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.scroll_area = scroll

        self.prev_button = QtWidgets.QPushButton("◀")
        self.prev_button.setAccessibleName("Previous slide")
        self.prev_button.setToolTip("Previous slide (PageUp, ←)")
        self.next_button = QtWidgets.QPushButton("▶")
        self.next_button.setAccessibleName("Next slide")
        self.next_button.setToolTip("Next slide (PageDown, →)")
        self.position = QtWidgets.QLabel()
        self.position.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.position.setAccessibleName("Slide position")
        # Buttons take no focus from a click, so the panel keeps the arrow keys.
        for b in (self.prev_button, self.next_button):
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
            b.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        # One row: slide title, then the navigation; the caption fills the rest (compact, so the
        # plots keep the room on a 720-pixel projector).
        self._head = head = QtWidgets.QHBoxLayout()
        head.addWidget(self.slide_title, 1)
        head.addWidget(self.prev_button)
        head.addWidget(self.position)
        head.addWidget(self.next_button)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(2)
        lay.addWidget(self.lesson_title)
        lay.addLayout(head)
        lay.addWidget(scroll, 1)

        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        state.scenarioChanged.connect(self._on_scenario_changed)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Lesson")
        self.apply_theme(LIGHT)
        self._update()

    # ------------------------------------------------------------------ API

    @property
    def slide(self) -> Slide | None:
        return None if self.lesson is None else self.lesson.slides[self.index]

    @property
    def slide_number(self) -> int:
        """The current slide, counted from 1 (0 when no lesson is open)."""
        return 0 if self.lesson is None else self.index + 1

    def set_lesson(self, lesson: Lesson | None, slide: int = 1) -> None:
        """Open ``lesson`` at slide number ``slide`` (1-based; clipped to the lesson)."""
        self.lesson = lesson
        self.lessonChanged.emit(lesson)
        if lesson is None:
            self.index = 0
            self._update()
            return
        self.index = -1
        self.go_to(min(max(int(slide), 1), len(lesson.slides)))

    def go_to(self, number: int) -> bool:
        """Show slide ``number`` (1-based). False if there is no such slide."""
        if self.lesson is None or not 1 <= number <= len(self.lesson.slides):
            return False
        self.index = number - 1
        slide = self.lesson.slides[self.index]
        try:
            label = f"Lesson slide {number}" + (f": {slide.title}" if slide.title else "")
            if slide.workspace == "explorer":  # a dataset slide's setup is loaded by the window
                self.state.load(slide.scenario, label)
        except ScenarioError as exc:  # cannot happen for a checked lesson; never crash a lecture
            self.message.emit(str(exc))
        self._update()
        self.slideShown.emit(slide)
        return True

    def next(self) -> bool:
        return self.go_to(self.slide_number + 1)

    def previous(self) -> bool:
        return self.go_to(self.slide_number - 1)

    def first(self) -> bool:
        return self.go_to(1)

    def last(self) -> bool:
        return self.go_to(len(self.lesson.slides)) if self.lesson else False

    def restart_slide(self) -> bool:
        """Reload the current slide's scenario (undo the class's drags in one go)."""
        return self.go_to(self.slide_number)

    def preferred_height(self, width: int) -> int:
        """The height that shows the whole caption at ``width`` pixels (for sizing a dock)."""
        lay = self.layout()
        assert lay is not None, "__init__ gives the panel its layout"
        m = lay.contentsMargins()
        inner = max(100, width - m.left() - m.right())
        # Measured as if the scroll bar showed: a dock fitted to the text at the full width would
        # be a line short once the bar appears, and the bar would then never go away.
        caption = self.caption.heightForWidth(max(50, inner - self.scroll_area.verticalScrollBar().sizeHint().width()))
        # The title wraps in what the navigation beside it leaves (it grows with the text: 200 px
        # at 100 %, 310 px at 150 %, where a long title took two lines in a one-line head).
        nav = sum(w.sizeHint().width() for w in (self.prev_button, self.position, self.next_button))
        nav += 3 * self._head.spacing()
        head = max(self.slide_title.heightForWidth(max(50, inner - nav)), self.next_button.sizeHint().height())
        title = self.lesson_title.sizeHint().height() + lay.spacing() if self.lesson_title.isVisibleTo(self) else 0
        return m.top() + m.bottom() + title + head + lay.spacing() + caption + 6

    def caption_text(self) -> str:
        """The caption as shown, with its placeholders filled from the current state."""
        slide = self.slide
        if slide is None:
            return ""
        if slide.workspace == "dataset":
            # The numbers of the slide's own run after its steps ("after the steps" in the text),
            # worked out once per slide: the same whatever the presenter has played so far.
            if self._dataset_caption is None or self._dataset_caption[0] is not slide:
                self._dataset_caption = (slide, lessons.render_slide_caption(slide))
            return self._dataset_caption[1]
        return lessons.render_caption(slide.caption, self.state.scenario)

    def refresh_caption(self) -> None:
        """Fill the caption's numbers again (a dataset slide's run moved)."""
        if self.lesson is not None:
            self.caption.setText(self.caption_text())

    # ------------------------------------------------------------------ display

    def _on_scenario_changed(self) -> None:
        """(state.scenarioChanged) The caption quotes the scenario's numbers."""
        if self.lesson is not None:
            self.caption.setText(self.caption_text())

    def _update(self) -> None:
        lesson, slide = self.lesson, self.slide
        if lesson is None or slide is None:
            self.lesson_title.setText("No lesson open")
            self.slide_title.setText("")
            self.caption.setText("Open a lesson from the Lesson menu.")
            self.position.setText("")
            self.prev_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        n = len(lesson.slides)
        self.lesson_title.setText(lesson.title)
        self.slide_title.setText(slide.title or f"Slide {self.slide_number}")
        self.caption.setText(self.caption_text())
        self.position.setText(f"slide {self.slide_number} of {n}")
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < n - 1)
        self.setAccessibleDescription(f"{lesson.title}, slide {self.slide_number} of {n}: {slide.title}")

    # ------------------------------------------------------------------ keyboard

    def event(self, ev: QtCore.QEvent) -> bool:
        # With the panel focused, its keys move slides even where the window binds them to
        # something else (→ / ← step the descent): Qt asks the focus widget first.
        if (ev.type() == QtCore.QEvent.Type.ShortcutOverride and isinstance(ev, QtGui.QKeyEvent)
                and self.lesson is not None
                and not ev.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier
                and ev.key() in FORWARD_KEYS + BACK_KEYS + (K.Key_Home, K.Key_End)):
            ev.accept()
            return True
        return super().event(ev)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        key = ev.key()
        if ev.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(ev)
            return
        if key in FORWARD_KEYS:
            self.next()
        elif key in BACK_KEYS:
            self.previous()
        elif key == K.Key_Home:
            self.first()
        elif key == K.Key_End:
            self.last()
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()

    # ------------------------------------------------------------------ theme

    def set_caption_scale(self, factor: float) -> None:
        """The caption's text relative to the rest (presentation mode makes it a little smaller:
        the numbers are what the back row needs)."""
        self.caption_scale = float(factor)
        self.apply_theme(self.theme)

    def apply_theme(self, theme: Theme) -> None:
        """Colours and font sizes from ``theme`` (captions are read from the back of a room)."""
        self.theme = theme
        self.setAutoFillBackground(True)
        self.setPalette(theme.palette())
        self.lesson_title.setStyleSheet(f"color: {theme.muted}; font-size: {theme.font_px(12)}px;")
        self.slide_title.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(19)}px; "
                                       "font-weight: 600;")
        caption_px = theme.font_px(15 * self.caption_scale)
        self.caption.setStyleSheet(f"color: {theme.foreground}; font-size: {caption_px}px;")
        # The caption's scroll area may shrink to a line: its own minimum (68 px, room for its
        # scroll bar's arrows) made the layout cut the slide title's second line instead.
        self.scroll_area.setMinimumHeight(int(caption_px * 1.5))
        self.position.setStyleSheet(f"color: {theme.muted}; font-size: {theme.font_px(13)}px;")
        side = theme.font_px(13) * 3
        for b in (self.prev_button, self.next_button):
            b.setFixedWidth(side)
        self.scroll_area.viewport().setAutoFillBackground(False)
        self.caption.setAutoFillBackground(False)
