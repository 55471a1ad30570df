"""Predict, then reveal: a round of practice questions with a score.

The panel shows a question (its distributions as bars and numbers, the loss hidden), takes
the student's answer (a typed estimate, A or B, or a dragged prediction), and on reveal
shows the true value, how close the answer was and the points. The questions, their
answers and the scoring live in the Qt-free :mod:`ce_desktop.model.exercises`; the seed box
lets a teacher repeat a set. After a reveal, "Show in explorer" loads the question into
the explorer's state for discussion.

Keys: Enter reveals (and then moves on), A / B answer a comparison.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.plots import make_plot, style_plot
from ce_desktop.model import distributions, exercises
from ce_desktop.model import formatting as fmt
from ce_desktop.model.exercises import Question, Round
from ce_desktop.model.scenario import Scenario, ScenarioError

#: Slider steps for a probability (0.001 resolution).
SLIDER_STEPS = 1000
#: Classes per question (few enough to estimate in one's head).
QUESTION_CLASSES = 3


class ExercisePanel(QtWidgets.QWidget):
    """A round of exercises: question, answer, reveal, score.

    Signals
    -------
    message(str)
    roundFinished(float)
        The total score when the last question has been revealed.
    """

    message = QtCore.Signal(str)
    roundFinished = QtCore.Signal(float)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.round: Round | None = None
        self.revealed = False
        self._reach_prediction: np.ndarray | None = None

        # --- round settings
        self.seed_spin = QtWidgets.QSpinBox()
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setValue(1)
        self.seed_spin.setAccessibleName("Seed of the question set")
        self.seed_spin.setToolTip("The same seed gives the same questions: share it to repeat a set")
        self.count_spin = QtWidgets.QSpinBox()
        self.count_spin.setRange(1, exercises.MAX_QUESTIONS)
        self.count_spin.setValue(5)
        self.count_spin.setAccessibleName("Number of questions")
        self.new_button = QtWidgets.QPushButton("&New round")
        seed_label = QtWidgets.QLabel("S&eed:")
        seed_label.setBuddy(self.seed_spin)
        count_label = QtWidgets.QLabel("&Questions:")
        count_label.setBuddy(self.count_spin)
        top = QtWidgets.QHBoxLayout()
        for w in (seed_label, self.seed_spin, count_label, self.count_spin, self.new_button):
            top.addWidget(w)
        top.addStretch(1)

        # --- the question
        self.header = QtWidgets.QLabel()
        self.prompt = plain_text.label()  # it names a class
        self.prompt.setWordWrap(True)
        self.numbers = QtWidgets.QLabel()
        self.numbers.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.numbers.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bars_plot = make_plot()
        self.bars_plot.setMinimumHeight(140)
        self.bars_plot.setAccessibleName("The question's target and predictions")
        pi = self.bars_plot.getPlotItem()
        pi.setYRange(0.0, 1.05, padding=0)
        self.target_bars = pg.BarGraphItem(x=[0], height=[0], width=0.25)
        self.pred_bars = pg.BarGraphItem(x=[0], height=[0], width=0.25)
        self.other_bars = pg.BarGraphItem(x=[0], height=[0], width=0.25)
        for b in (self.target_bars, self.pred_bars, self.other_bars):
            pi.addItem(b)

        # --- the answer, one page per kind
        self.estimate_edit = QtWidgets.QLineEdit()
        self.estimate_edit.setPlaceholderText("your estimate, e.g. 0.5")
        self.estimate_edit.setAccessibleName("Your estimate of the cross-entropy")
        estimate_page = QtWidgets.QWidget()
        el = QtWidgets.QHBoxLayout(estimate_page)
        el.setContentsMargins(0, 0, 0, 0)
        est_label = QtWidgets.QLabel("CE ≈")
        est_label.setBuddy(self.estimate_edit)
        el.addWidget(est_label)
        el.addWidget(self.estimate_edit, 1)

        self.a_button = QtWidgets.QPushButton("A is lower")
        self.b_button = QtWidgets.QPushButton("B is lower")
        self.a_button.setAccessibleName("Prediction A has the lower loss")
        self.b_button.setAccessibleName("Prediction B has the lower loss")
        compare_page = QtWidgets.QWidget()
        cl = QtWidgets.QHBoxLayout(compare_page)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.a_button)
        cl.addWidget(self.b_button)

        self.reach_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.reach_slider.setRange(1, SLIDER_STEPS - 1)
        self.reach_slider.setAccessibleName("Predicted probability of the true class")
        self.reach_spin = QtWidgets.QDoubleSpinBox()
        self.reach_spin.setRange(0.001, 0.999)
        self.reach_spin.setDecimals(3)
        self.reach_spin.setSingleStep(0.01)
        self.reach_spin.setKeyboardTracking(False)
        self.reach_spin.setAccessibleName("Predicted probability of the true class (typed)")
        self.reach_label = QtWidgets.QLabel("ŷ:")
        self.reach_label.setBuddy(self.reach_slider)
        reach_page = QtWidgets.QWidget()
        rl = QtWidgets.QHBoxLayout(reach_page)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.reach_label)
        rl.addWidget(self.reach_slider, 1)
        rl.addWidget(self.reach_spin)

        self.answer_stack = QtWidgets.QStackedWidget()
        self.pages = {"estimate": estimate_page, "compare": compare_page, "reach": reach_page}
        for page in self.pages.values():
            self.answer_stack.addWidget(page)
        self.answer_stack.addWidget(QtWidgets.QWidget())  # empty page: no round / round over

        # --- reveal
        self.reveal_button = QtWidgets.QPushButton("&Reveal")
        self.next_button = QtWidgets.QPushButton("Next &question")
        self.show_button = QtWidgets.QPushButton("Show in e&xplorer")
        self.show_button.setToolTip("Load this question into the explorer to discuss it")
        self.result = plain_text.label()  # it quotes what was typed
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Result")
        self.result.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.reveal_button, self.next_button, self.show_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addLayout(top)
        lay.addWidget(self.header)
        lay.addWidget(self.prompt)
        lay.addWidget(self.bars_plot, 1)
        lay.addWidget(self.numbers)
        lay.addWidget(self.answer_stack)
        lay.addLayout(buttons)
        lay.addWidget(self.result)

        self.new_button.clicked.connect(lambda: self.new_round())
        self.reveal_button.clicked.connect(self.reveal)
        self.next_button.clicked.connect(self.next_question)
        self.show_button.clicked.connect(self.show_in_explorer)
        # Enter in the line edit or spin box is ignored there and reaches keyPressEvent below.
        self.a_button.clicked.connect(lambda: self.answer_compare("A"))
        self.b_button.clicked.connect(lambda: self.answer_compare("B"))
        self.reach_slider.valueChanged.connect(self._on_slider)
        self.reach_spin.valueChanged.connect(self._on_reach_spin)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Exercises")
        self.apply_theme(LIGHT)
        self._show()

    # ------------------------------------------------------------------ the round

    @property
    def question(self) -> Question | None:
        """The question on screen: the current one, or the one just revealed."""
        if self.round is None:
            return None
        if self.revealed:
            return self.round.questions[self.round.index - 1]
        return self.round.current

    def new_round(self, seed: int | None = None, count: int | None = None) -> None:
        """Start a round; ``seed``/``count`` default to the boxes (and update them)."""
        if seed is not None:
            self.seed_spin.setValue(int(seed))
        if count is not None:
            self.count_spin.setValue(int(count))
        # The explorer's class names when they fit the questions' three classes (cat, dog, bird).
        names = self.state.class_names if self.state.num_classes == QUESTION_CLASSES else None
        self.round = Round.create(self.seed_spin.value(), self.count_spin.value(), num_classes=QUESTION_CLASSES,
                                  units=self.state.units, class_names=names)
        self.revealed = False
        self._start_question()

    def _start_question(self) -> None:
        q = self.question
        self.result.setText("")
        self.estimate_edit.clear()
        if q is not None and q.kind == "reach":
            self._set_reach(float(q.prediction[q.true_class]), q.prediction)
        self._show()
        self.focus_answer()

    def focus_answer(self) -> None:
        q = self.question
        if q is None or self.revealed:
            (self.next_button if self.next_button.isEnabled() else self.new_button).setFocus()
        elif q.kind == "estimate":
            self.estimate_edit.setFocus()
        elif q.kind == "reach":
            self.reach_slider.setFocus()
        else:
            self.setFocus()

    def answer(self):
        """The answer currently entered, in the form :func:`exercises.score` takes."""
        q = self.question
        if q is None:
            return None
        if q.kind == "estimate":
            return fmt.parse_number(self.estimate_edit.text())
        if q.kind == "reach":
            return self._reach_prediction
        return None

    def reveal(self) -> None:
        """Score the entered answer and show the result (Enter). A second Enter moves on."""
        if self.round is None or self.round.finished and not self.revealed:
            return
        if self.revealed:
            self.next_question()
            return
        q = self.question
        if q is None:  # not reached: a round that is not finished has a current question
            return
        if q.kind == "compare":
            self.message.emit("Choose A or B")
            return
        try:
            given = self.answer()
        except ValueError as exc:
            self.result.setText(str(exc))
            self.message.emit(str(exc))
            return
        self._submit(given)

    def answer_compare(self, choice: str) -> None:
        q = self.question
        if q is None or self.revealed or q.kind != "compare":
            return
        self._submit(choice)

    def _submit(self, given) -> None:
        rnd = self.round
        if rnd is None:
            return
        try:
            result = rnd.answer(given)
        except ValueError as exc:
            self.result.setText(str(exc))
            self.message.emit(str(exc))
            return
        self.revealed = True
        self.result.setText(result.message)
        self._show()
        self.focus_answer()
        if rnd.finished:
            self.roundFinished.emit(rnd.score)

    def next_question(self) -> None:
        if self.round is None or not self.revealed:
            return
        self.revealed = False
        self._start_question()

    def show_in_explorer(self) -> None:
        """Load the question (with the student's prediction for "reach") into the explorer."""
        q, rnd = self.question, self.round
        if q is None or rnd is None or not self.revealed:
            return
        p = self._reach_prediction if q.kind == "reach" and self._reach_prediction is not None else q.prediction
        try:
            scenario = Scenario.create(q.target, p, class_names=q.class_names, units=q.units,
                                       title=f"Exercise {rnd.index}")
            self.state.load(scenario, f"Exercise {rnd.index}")
        except ScenarioError as exc:
            self.message.emit(str(exc))

    # ------------------------------------------------------------------ "reach" input

    def _set_reach(self, q_true: float, start: np.ndarray | None = None) -> None:
        q = self.question
        if q is None:
            return
        base = q.prediction if start is None else start
        self._reach_prediction = distributions.redistribute(base, q.true_class, q_true)
        with QtCore.QSignalBlocker(self.reach_slider):
            self.reach_slider.setValue(int(round(q_true * SLIDER_STEPS)))
        with QtCore.QSignalBlocker(self.reach_spin):
            self.reach_spin.setValue(q_true)
        self._show()

    def _on_slider(self, value: int) -> None:
        if self.question is not None and self.question.kind == "reach" and not self.revealed:
            self._set_reach(value / SLIDER_STEPS)

    def _on_reach_spin(self, value: float) -> None:
        if self.question is not None and self.question.kind == "reach" and not self.revealed:
            self._set_reach(float(value))

    # ------------------------------------------------------------------ display

    def _show(self) -> None:
        r, q = self.round, self.question
        if r is None:
            self.header.setText("Practice: predict, then reveal")
            self.prompt.setText("Choose a seed and press New round.")
            self.numbers.setText("")
            self.answer_stack.setCurrentIndex(self.answer_stack.count() - 1)
            self._set_buttons(False, False, False)
            self._draw(None)
            return
        done = r.finished and not self.revealed
        number = r.index if self.revealed else r.index + 1
        score = f"score {fmt.number(r.score, 1)} of {len(r)}"
        if done or q is None:
            self.header.setText(f"Round over: {r.summary()}")
            self.prompt.setText(f"Seed {r.seed}. Press New round for another set, or keep the seed to repeat this one.")
            self.numbers.setText("")
            self.answer_stack.setCurrentIndex(self.answer_stack.count() - 1)
            self._set_buttons(False, False, False)
            self._draw(None)
            return
        self.header.setText(f"Question {number} of {len(r)} · {score}")
        self.prompt.setText(q.prompt)
        self.answer_stack.setCurrentWidget(self.pages[q.kind])
        self.pages[q.kind].setEnabled(not self.revealed)
        self._set_buttons(not self.revealed and q.kind != "compare", self.revealed and not r.finished, self.revealed)
        if self.revealed and r.finished:
            self.header.setText(f"Question {number} of {len(r)} · Round over: {r.summary()}")
        self.numbers.setText(self._numbers_html(q))
        self._draw(q)

    def _set_buttons(self, reveal: bool, next_: bool, show: bool) -> None:
        self.reveal_button.setEnabled(reveal)
        self.next_button.setEnabled(next_)
        self.show_button.setEnabled(show)

    def _numbers_html(self, q: Question) -> str:
        t = self.theme

        def row(symbol: str, colour: str, values) -> str:
            vals = ", ".join(fmt.number(v, 2) for v in values)
            return f'<span style="color:{colour}">■</span> {symbol} = ({vals})'

        lines = [row("y", t.target, q.target)]
        if q.kind == "compare":
            lines += [row("A", t.prediction, q.prediction), row("B", t.entropy, q.other)]
        elif q.kind == "reach":
            lines.append(row("ŷ", t.prediction, self._reach_prediction if self._reach_prediction is not None
                             else q.prediction))
        else:
            lines.append(row("ŷ", t.prediction, q.prediction))
        names = plain_text.escape(", ".join(q.class_names))
        return "<br>".join(lines) + f'<br><span style="color:{t.muted}">classes: {names}</span>'

    def _draw(self, q: Question | None) -> None:
        if q is None:
            for b in (self.target_bars, self.pred_bars, self.other_bars):
                b.setVisible(False)
            return
        c = q.num_classes
        x = np.arange(c, dtype=float)
        pi = self.bars_plot.getPlotItem()
        pi.setXRange(-0.6, c - 0.4, padding=0)
        pi.getAxis("bottom").setTicks([[(i, q.class_names[i]) for i in range(c)], []])
        pred = self._reach_prediction if q.kind == "reach" and self._reach_prediction is not None else q.prediction
        if q.kind == "compare":
            self.target_bars.setOpts(x=x - 0.27, height=q.target, width=0.25)
            self.pred_bars.setOpts(x=x, height=pred, width=0.25)
            self.other_bars.setOpts(x=x + 0.27, height=q.other, width=0.25)
            self.other_bars.setVisible(True)
        else:
            self.target_bars.setOpts(x=x - 0.18, height=q.target, width=0.34)
            self.pred_bars.setOpts(x=x + 0.18, height=pred, width=0.34)
            self.other_bars.setVisible(False)
        self.target_bars.setVisible(True)
        self.pred_bars.setVisible(True)
        self.bars_plot.setAccessibleDescription(self.numbers.text().replace("<br>", "; "))

    # ------------------------------------------------------------------ keyboard

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        q = self.question
        key = ev.key()
        K = QtCore.Qt.Key
        if q is not None and not self.revealed and q.kind == "compare" and key in (K.Key_A, K.Key_B):
            self.answer_compare("A" if key == K.Key_A else "B")
            ev.accept()
            return
        if key in (K.Key_Return, K.Key_Enter):
            self.reveal()
            ev.accept()
            return
        super().keyPressEvent(ev)

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setAutoFillBackground(True)
        self.setPalette(theme.palette())
        self.bars_plot.setBackground(theme.background)
        style_plot(self.bars_plot, theme)
        edge = pg.mkPen(theme.foreground if not theme.dark else theme.background, width=theme.bar_pen_width)
        self.target_bars.setOpts(pen=edge, brush=pg.mkBrush(theme.target))
        self.pred_bars.setOpts(pen=edge, brush=pg.mkBrush(theme.prediction))
        self.other_bars.setOpts(pen=edge, brush=pg.mkBrush(theme.entropy))
        self.header.setStyleSheet(f"color: {theme.muted}; font-size: {theme.font_px(13)}px;")
        self.prompt.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(16)}px; font-weight: 600;")
        self.numbers.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(14)}px;")
        self.result.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(15)}px;")
        self._show()
