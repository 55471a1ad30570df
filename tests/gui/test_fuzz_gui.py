"""GUI fuzzing: thousands of random but real user actions on the real MainWindow.

Every action is something a person can do: mouse drags (press / move / release sent to a
plot's viewport at points mapped from data coordinates, including far past the plot's
edges and exactly to 0 and 1), keyboard nudges, typing into the value table and the spin
boxes (also text that is not a number), presets, lessons and slides, the number of classes
(also while gradient descent is playing), logits mode, temperature, label smoothing, play /
pause / step / step back / scrub, undo / redo, themes, tabs, files (through a stand-in for
the file dialogs), window sizes.

After **every** action the fuzzer checks that

* ``state.target`` and ``state.prediction`` are distributions summing to 1 within 1e-9,
* no text in the window (labels, fields, buttons, table cells, combo items, tooltips,
  accessible descriptions, plot labels and titles) shows "nan" or "-0.000", and no plot
  item holds a NaN (curves, scatter points, bars, lines, images, view ranges),
* no exception reached Qt's event loop (pytest-qt's capture plus a ``sys.excepthook``
  guard of our own), and no undo group was left open;

and at the end of the run (or whenever the undo history nears its limit of 1,000 steps)
undoing everything gives back the starting scenario exactly (``Scenario.same_as``).

The run is reproducible: one ``numpy.random.Generator`` seed drives every choice, and time
does not move by itself (the descent's timer is disconnected; a "tick" action advances
animation frames). A failure names the seed, the step and the last actions; replay it with
``CE_FUZZ_SEED=<seed> CE_FUZZ_ACTIONS=<n> make test PYTEST_ARGS=tests/gui/test_fuzz_gui.py``.
"""

from __future__ import annotations

import math
import os
import re
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402  (PySide6 before pyqtgraph)

from ce_desktop.gui import dialogs  # noqa: E402
from ce_desktop.gui.items.column_bars import ColumnBars  # noqa: E402
from ce_desktop.gui.items.value_labels import BarLabels  # noqa: E402
from ce_desktop.gui.state import ExplorerState  # noqa: E402
from ce_desktop.model.scenario import Scenario  # noqa: E402

pg.setConfigOption("mouseRateLimit", -1)

#: The seed of the default run (override with CE_FUZZ_SEED).
DEFAULT_SEED = 20_251_127
DEFAULT_ACTIONS = 1_000
SLOW_ACTIONS = 10_000
#: Every SEGMENT actions, and before the undo history (HISTORY_LIMIT steps) would drop its
#: oldest steps, undo everything and compare with the start.
SEGMENT = 500
HISTORY_LIMIT = 1000
HISTORY_MARGIN = 60
#: The window paints after every PAINT_EVERY-th action (painting costs more than anything else).
PAINT_EVERY = 4

K = QtCore.Qt.Key
M = QtCore.Qt.KeyboardModifier
LEFT = QtCore.Qt.MouseButton.LeftButton
NO_BUTTON = QtCore.Qt.MouseButton.NoButton
T = QtCore.QEvent.Type

#: "nan" as a word; not when quoted back from what the user typed ("'nan' is not a finite number"),
#: nor in the sentence that refuses a file for holding the JSON token NaN.
NAN_TEXT = re.compile(r"(?<![A-Za-z'\"‘“])nan(?![A-Za-z'\"’”])(?! is not allowed)", re.IGNORECASE)
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?:\.0+)?(?![\d.])")

TYPED_PROBABILITIES = ["0", "1", "0.5", "0.25", "1/3", "80%", "0,3", "0.999999", "1e-9", "  0.2  ", "−0.1",
                       "-0.1", "1.5", "2", "abc", "", "nan", "inf", "-inf", "1/0", "1e400", "0x10", "½", "１",
                       "0.1.2", "--1", "%", "1e-320"]
TYPED_LOGITS = ["0", "10000", "-10000", "1e6", "-1e6", "1e7", "3.5", "-2", "1e-300", "abc", "nan", "inf", "",
                "999999.5", "-0", "5/2"]
TYPED_NAMES = ["cat", "", "   ", "a" * 300, "ŷ∞ naïve", "<b>bold</b>", "two  spaces", "\t", "&amp;", "{ce}"]
TYPED_SPIN = ["0", "1", "2", "3", "5", "20", "21", "100", "1000", "0.01", "0.001", "1e3", "-1", "abc", "", "99999",
              "0.05", "20.5", "1,5", "3.14159"]


# --------------------------------------------------------------------------- low-level input


def mouse(viewport: QtWidgets.QWidget, kind, pos: QtCore.QPointF, button, buttons) -> None:
    """One real mouse event at viewport pixel ``pos`` (may lie outside the widget)."""
    pos = QtCore.QPointF(pos)
    glob = QtCore.QPointF(viewport.mapToGlobal(pos.toPoint()))
    ev = QtGui.QMouseEvent(kind, pos, glob, button, buttons, M.NoModifier)
    QtWidgets.QApplication.sendEvent(viewport, ev)


def send_text(widget: QtWidgets.QWidget, text: str) -> None:
    """Type ``text`` into ``widget`` one key at a time, any Unicode character (as an input method does)."""
    for ch in text:
        code = ord(ch.upper()) if ord(ch) < 0x100 else int(K.Key_unknown.value)
        for kind in (T.KeyPress, T.KeyRelease):
            QtWidgets.QApplication.sendEvent(widget, QtGui.QKeyEvent(kind, code, M.NoModifier, ch))


def plot_point(view: pg.GraphicsView, vb: pg.ViewBox, x: float, y: float) -> QtCore.QPointF:
    """Viewport pixel of data point (x, y) in the view box ``vb`` shown by ``view``."""
    return QtCore.QPointF(view.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y))))


def instant_drags(widget: QtWidgets.QWidget) -> None:
    for view in widget.findChildren(pg.GraphicsView):
        view.scene().minDragTime = 0


def process() -> None:
    QtWidgets.QApplication.processEvents()


def shown(widget: QtWidgets.QWidget) -> bool:
    return widget.isVisible() and widget.width() > 10 and widget.height() > 10


# --------------------------------------------------------------------------- what the window shows


def window_texts(window: QtWidgets.QMainWindow):
    """(where, text) for every text a person (or a screen reader) can see in the window."""
    yield "window title", window.windowTitle()
    yield "status bar", window.statusBar().currentMessage()
    widgets = [window] + window.findChildren(QtWidgets.QWidget)
    for w in widgets:
        name = type(w).__name__
        if isinstance(w, (QtWidgets.QLabel, QtWidgets.QAbstractButton, QtWidgets.QLineEdit)):
            yield name, w.text()
        elif isinstance(w, QtWidgets.QTextEdit):
            yield name, w.toPlainText()
        elif isinstance(w, QtWidgets.QComboBox):
            for i in range(w.count()):
                yield name, w.itemText(i)
        elif isinstance(w, QtWidgets.QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    item = w.item(r, c)
                    if item is not None:
                        yield f"table cell ({r}, {c})", item.text()
        elif isinstance(w, QtWidgets.QTabBar):
            for i in range(w.count()):
                yield name, w.tabText(i)
        elif isinstance(w, QtWidgets.QDockWidget):
            yield name, w.windowTitle()
        if w.toolTip():
            yield f"{name} tooltip", w.toolTip()
        if w.accessibleDescription():
            yield f"{name} accessible description", w.accessibleDescription()


def _has_nan(values) -> bool:
    if values is None:
        return False
    try:
        a = np.asarray(values)
    except Exception:  # noqa: BLE001 (an object we cannot read is not a NaN)
        return False
    return a.dtype.kind in "fc" and bool(np.isnan(a).any())


def _bar_nan(item) -> bool:
    return any(_has_nan(item.opts.get(k)) for k in ("x", "x0", "x1", "height", "y", "y0", "y1", "width"))


def _text_bad(text: str) -> bool:
    return bool(NAN_TEXT.search(text) or NEGATIVE_ZERO.search(text))


#: What to look at in each kind of plot item (the first matching class in an item's MRO).
_ITEM_CHECKS = {
    pg.PlotCurveItem: ("NaN in the curve data", lambda it: _has_nan(it.xData) or _has_nan(it.yData)),
    pg.ScatterPlotItem: ("NaN in the points", lambda it: _has_nan(it.data["x"]) or _has_nan(it.data["y"])),
    pg.BarGraphItem: ("NaN in the bars", _bar_nan),
    ColumnBars: ("NaN in the bars", _bar_nan),
    pg.InfiniteLine: ("NaN position", lambda it: _has_nan(it.value())),
    pg.ImageItem: ("NaN pixels", lambda it: _has_nan(it.image)),
    pg.ViewBox: ("NaN view range", lambda it: _has_nan(it.viewRange())),
    QtWidgets.QGraphicsTextItem: ("NaN or -0 text", lambda it: _text_bad(it.toPlainText())),
    BarLabels: ("NaN or -0 value label", lambda it: any(_text_bad(t) for t in it.texts())),
}
_CHECK_BY_TYPE: dict[type, tuple | None] = {}


def _check_for(cls: type):
    if cls not in _CHECK_BY_TYPE:
        _CHECK_BY_TYPE[cls] = next((_ITEM_CHECKS[c] for c in cls.__mro__ if c in _ITEM_CHECKS), None)
    return _CHECK_BY_TYPE[cls]


def plot_problems(window: QtWidgets.QMainWindow) -> list[str]:
    """NaN in any plot item's data, text or range (every plot, shown or not)."""
    problems = []
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            check = _check_for(type(item))
            if check is not None and check[1](item):
                problems.append(f"{check[0]} of a {type(item).__name__} in {type(view.parent()).__name__}")
    return problems


def text_problems(window: QtWidgets.QMainWindow) -> list[str]:
    texts = list(window_texts(window))
    if not _text_bad("\n".join(t for _, t in texts)):
        return []
    out = []
    for where, text in texts:
        if NAN_TEXT.search(text):
            out.append(f"{where} shows NaN: {text[:200]!r}")
        elif NEGATIVE_ZERO.search(text):
            out.append(f"{where} shows a negative zero: {text[:200]!r}")
    return out


def state_problems(state: ExplorerState) -> list[str]:
    out = []
    for name, p in (("target", state.target), ("prediction", state.prediction), ("raw target", state.raw_target)):
        if p.shape != (state.num_classes,):
            out.append(f"{name} has shape {p.shape} for {state.num_classes} classes")
        elif not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
            out.append(f"{name} is not a distribution: {p}")
        elif abs(math.fsum(p) - 1.0) > 1e-9:
            out.append(f"{name} sums to {math.fsum(p)!r}, not 1 within 1e-9")
    ev = state.evaluation
    for name in ("cross_entropy", "entropy", "kl_divergence", "perplexity"):
        if math.isnan(getattr(ev, name)):
            out.append(f"evaluation.{name} is NaN")
    if _has_nan(ev.gradient) or _has_nan(ev.contributions.cross_entropy):
        out.append("NaN in the gradient or the per-class terms")
    if state.logits is not None and not np.all(np.isfinite(state.logits)):
        out.append(f"non-finite logits {state.logits}")
    if state.gesture_active:
        out.append("a drag's undo group was left open (never committed)")
    return out


# --------------------------------------------------------------------------- the file dialogs


class FuzzPrompts:
    """Stands in for file_actions.Prompts: answers come from the fuzzer's generator."""

    def __init__(self, rng: np.random.Generator, files: list[Path], folder: Path):
        self.rng = rng
        self.files = files
        self.folder = folder
        self.errors: list[tuple[str, str]] = []
        self.last_error = None
        self.saved = 0

    def save_changes(self, name: str, doing: str) -> str:
        return [dialogs.DISCARD, dialogs.CANCEL, dialogs.SAVE][int(self.rng.integers(3))]

    def open_path(self, directory: str) -> str | None:
        if self.rng.random() < 0.1:
            return None  # the user pressed Cancel
        return str(self.files[int(self.rng.integers(len(self.files)))])

    def save_path(self, suggested: str) -> str | None:
        if self.rng.random() < 0.2:
            return None
        self.saved += 1
        return str(self.folder / f"saved-{self.saved % 3}.json")

    def export_path(self, title: str, suggested: str, file_filter: str) -> str | None:
        return None

    def picture(self, targets, suggested_dir: str):
        return None

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))


def fuzz_files(folder: Path) -> list[Path]:
    """Good and bad scenario files for File ▸ Open."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    good = folder / "good.json"
    Scenario.create([0.2, 0.5, 0.3], [0.1, 0.1, 0.8], class_names=("a", "b", "c"), title="Fuzz file").save(good)
    files.append(good)
    logits = folder / "logits.json"
    Scenario.create([0, 1, 0, 0], logits=[3.0, -2.0, 0.5, 1e4], temperature=0.5, title="Big logit").save(logits)
    files.append(logits)
    zero = folder / "zero.json"
    Scenario.create([0, 1], [1, 0], title="Certain and wrong").save(zero)
    files.append(zero)
    for name, content in (
        ("not-json.json", "this is not JSON"),
        ("pickle.json", "\x80\x04\x95"),
        ("python.json", "__import__('os').system('echo hacked')"),
        (
            "constant-notanumber.json",
            '{"format": "ce-explorer-scenario", "version": 1, "target": [NaN, 1], "prediction": [0.5, 0.5]}',
        ),
        (
            "wrong-sum.json",
            '{"format": "ce-explorer-scenario", "version": 1, "target": [0.5, 0.6], "prediction": [0.5, 0.5]}',
        ),
        ("future.json", '{"format": "ce-explorer-scenario", "version": 99, "target": [1, 0], "prediction": [1, 0]}'),
        ("empty.json", ""),
    ):
        p = folder / name
        p.write_text(content, encoding="utf-8")
        files.append(p)
    files.append(folder / "missing.json")
    files.append(folder)  # a folder, not a file
    return files


# --------------------------------------------------------------------------- the fuzzer


class FuzzFailureError(AssertionError):
    pass


class Fuzzer:
    """Drives a MainWindow with random real actions, checking it after each one."""

    def __init__(self, qtbot, window, rng: np.random.Generator, seed: int, hook_errors: list, captured: list):
        self.qtbot = qtbot
        self.w = window
        self.s = window.state
        self.rng = rng
        self.seed = seed
        self.hook_errors = hook_errors
        self.captured = captured
        self.log: list[str] = []
        self.step = 0
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        #: How many actions of each kind changed the state (the rest were refused or no-ops).
        self.effective: dict[str, int] = {}
        self.edge_checks = 0
        self.segments = 0
        self.start = self.s.scenario
        self.actions = [
            (14, "drag a bar", self.drag_bar),
            (3, "drag in another plot", self.drag_other_plot),
            (6, "keyboard nudge", self.keyboard_nudge),
            (5, "type in the table", self.type_in_table),
            (4, "type in a spin box", self.type_in_spin_box),
            (4, "keys on a combo box or slider", self.keys_on_control),
            (2, "preset", self.preset),
            (2, "lesson", self.lesson),
            (4, "number of classes", self.classes),
            (2, "classes while descending", self.classes_while_descending),
            (3, "logits mode / temperature", self.logits_and_temperature),
            (3, "label smoothing", self.smoothing),
            (7, "descent controls", self.descent),
            (6, "tick", self.tick),
            (2, "scrub", self.scrub),
            (8, "undo / redo", self.undo_redo),
            (2, "theme / font / units / tab", self.view_change),
            (1, "double-click a target bar", self.double_click_target),
            (1, "file", self.file_action),
            (1, "resize", self.resize),
            (1, "panels", self.panels),
        ]
        weights = np.array([a[0] for a in self.actions], float)
        self.p = weights / weights.sum()

    # ------------------------------------------------------------------ the loop

    def run(self, n: int) -> None:
        for self.step in range(1, n + 1):
            k = int(self.rng.choice(len(self.actions), p=self.p))
            _, kind, fn = self.actions[k]
            self.counts[kind] = self.counts.get(kind, 0) + 1
            t0 = time.perf_counter()
            revision = self.s.revision
            try:
                what = fn() or kind
            except FuzzFailureError:
                raise
            except Exception as exc:  # an exception in the test's own driving code, or raised through it
                self.fail(f"{kind} raised {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
            self.log.append(f"{self.step}: {what}")
            # Every PAINT_EVERY-th action the window paints (in full, whatever changed since);
            # in between, paint requests are dropped, as a slow frame rate would.
            self.w.setUpdatesEnabled(self.step % PAINT_EVERY == 0)
            process()
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - t0
            self.effective[kind] = self.effective.get(kind, 0) + (self.s.revision != revision)
            self.close_stray_dialogs()
            self.check(what)
            if len(self.s.history) >= HISTORY_LIMIT - HISTORY_MARGIN or self.step % SEGMENT == 0:
                self.undo_everything()
        self.w.setUpdatesEnabled(True)
        self.undo_everything()

    def fail(self, problem: str) -> None:
        recent = "\n".join(self.log[-12:])
        raise FuzzFailureError(
            f"GUI fuzz failed: seed {self.seed}, step {self.step}: {problem}\n"
            f"last actions:\n{recent}\n"
            f"replay: CE_FUZZ_SEED={self.seed} CE_FUZZ_ACTIONS={self.step} "
            "make test PYTEST_ARGS=tests/gui/test_fuzz_gui.py"
        )

    def check(self, what: str) -> None:
        if self.hook_errors or self.captured:
            errors = self.hook_errors + list(self.captured)
            text = "".join(traceback.format_exception(*errors[0]))
            self.fail(f"an exception reached Qt's event loop after {what!r}:\n{text}")
        problems = state_problems(self.s) + text_problems(self.w) + plot_problems(self.w)
        if problems:
            self.fail(f"after {what!r}: " + "; ".join(problems[:5]))

    def undo_everything(self) -> None:
        """Undo every step: the scenario must be the start, exactly; redo every step: the end, exactly.

        Undo and redo run on the state with its signals blocked (each view would otherwise
        rebuild itself for every one of hundreds of steps; the fuzz's own undo/redo actions
        exercise the views). The state is left at the start, and one real redo + Ctrl+Z
        brings the views there too; the next segment starts from it (the history stays
        under its limit of 1,000 steps, past which the oldest steps are dropped by design).
        """
        self.w.descent.pause()
        s = self.s
        end = s.scenario
        self.segments += 1
        undone = redone = 0
        with QtCore.QSignalBlocker(s):
            while s.undo():
                undone += 1
            back_at_start = s.scenario.same_as(self.start)
            got_start = s.scenario
            while redone < undone and s.redo():  # (redo steps left over from before stay untouched)
                redone += 1
            back_at_end = s.scenario.same_as(end)
            got_end = s.scenario
            while s.undo():
                pass
        if not back_at_start:
            self.fail(f"undoing all {undone} steps gave {got_start.to_dict()}, not the start {self.start.to_dict()}")
        if not back_at_end or redone != undone:
            self.fail(f"redoing all {undone} steps ({redone} redone) gave {got_end.to_dict()}, not {end.to_dict()}")
        if undone:
            s.redo()  # the views follow the state again: one real redo, then Ctrl+Z
            self.key(self.w, K.Key_Z, M.ControlModifier)
            process()
            if not s.scenario.same_as(self.start):
                self.fail("Ctrl+Z after the undo-everything check did not go back to the start")
        self.check("undo everything")
        self.log.append(f"-- undid and redid all {undone} steps: start and end exact; continuing from the start")

    def close_stray_dialogs(self) -> None:
        """Close message boxes and dialogs an action opened (as the user would)."""
        closed = False
        for top in QtWidgets.QApplication.topLevelWidgets():
            if top is not self.w and top.isVisible() and isinstance(top, QtWidgets.QDialog):
                top.done(0)
                closed = True
        if closed or QtWidgets.QApplication.activeWindow() is not self.w:
            self.w.activateWindow()  # the window manager's job (offscreen has none)

    # ------------------------------------------------------------------ helpers

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def key(self, widget, key, modifiers=M.NoModifier) -> None:
        self.qtbot.keyClick(widget, key, modifiers)

    def type_text(self, widget: QtWidgets.QWidget, text: str) -> None:
        """Select all, type ``text`` and press Enter, as a person does in a field."""
        widget.setFocus()
        line = widget if isinstance(widget, QtWidgets.QLineEdit) else widget.findChild(QtWidgets.QLineEdit)
        line.selectAll()
        if text:
            send_text(line, text)
        else:
            self.key(line, K.Key_Backspace)
        self.key(line, K.Key_Return)

    def drag(
        self,
        view: pg.GraphicsView,
        vb: pg.ViewBox,
        start: tuple[float, float],
        end: tuple[float, float],
        moves: int,
        each_frame: bool,
    ) -> None:
        """Press at data point ``start``, move in ``moves`` steps to ``end``, release."""
        vp = view.viewport()
        a = plot_point(view, vb, *start)
        b = plot_point(view, vb, *end)
        mouse(vp, T.MouseMove, a, NO_BUTTON, NO_BUTTON)
        mouse(vp, T.MouseButtonPress, a, LEFT, LEFT)
        for k in range(1, moves + 1):
            mouse(vp, T.MouseMove, a + (b - a) * (k / moves), NO_BUTTON, LEFT)
            if each_frame:
                process()  # a new frame between moves; otherwise the moves fold into one update
        mouse(vp, T.MouseButtonRelease, b, LEFT, NO_BUTTON)

    # ------------------------------------------------------------------ actions

    def drag_bar(self) -> str:
        w = self.w
        editors = [e for e in (w.target_editor, w.prediction_editor) if shown(e)]
        if not editors:
            return "drag a bar: no editor shown"
        editor = self.pick(editors)
        n = self.s.num_classes
        i = int(self.rng.integers(n))
        lo, hi = editor.getPlotItem().getViewBox().viewRange()[1]
        span = hi - lo
        y0 = float(self.rng.uniform(lo + 0.02 * span, hi - 0.02 * span))
        r = self.rng.random()
        past = None
        if r < 0.15:
            y1, past = lo - float(self.rng.uniform(0.05, 3.0)) * span, "below"  # far past the bottom edge
        elif r < 0.3:
            y1, past = hi + float(self.rng.uniform(0.05, 3.0)) * span, "above"  # far past the top edge
        elif r < 0.4:
            y1 = 0.0
        elif r < 0.5:
            y1 = 1.0
        else:
            y1 = float(self.rng.uniform(lo, hi))
        x1 = i + float(self.rng.uniform(-0.45, 0.45)) if self.rng.random() < 0.8 else float(self.rng.uniform(-2, n + 2))
        moves = int(self.rng.integers(1, 5))
        each = bool(self.rng.random() < 0.3)
        self.drag(editor, editor.getPlotItem().getViewBox(), (i, y0), (x1, y1), moves, each)
        process()
        probability_editor = editor is w.target_editor or not self.s.logits_mode
        if past and probability_editor and not self.s.gesture_active:
            values = editor.values()
            expected = 0.0 if past == "below" else 1.0
            if values[i] != expected:
                self.fail(
                    f"a drag of {editor.accessibleName()} bar {i} {past} the plot left it at "
                    f"{values[i]!r}, not exactly {expected}"
                )
            self.edge_checks += 1
        name = "target" if editor is w.target_editor else ("logit" if self.s.logits_mode else "prediction")
        return f"drag {name} bar {i} from {y0:.3g} to ({x1:.3g}, {y1:.3g}) in {moves} moves"

    def drag_other_plot(self) -> str:
        w = self.w
        c = w.classroom
        candidates = []
        for view, plots in (
            (c.binary_view.plot, (c.binary_view.loss_plot, c.binary_view.grad_plot)),
            (c.comparison_view.plot, (c.comparison_view.loss_plot, c.comparison_view.grad_plot)),
        ):
            if shown(view):
                candidates += [(view, pi.getViewBox()) for pi in plots]
        simplex = w.descent_views["simplex"]
        if shown(simplex.plot) and simplex.available:
            candidates.append((simplex.plot, simplex.viewbox))
        if not candidates:
            tab = self.pick([c.binary_view, c.comparison_view])
            self.key(w, K.Key_4 if tab is c.binary_view else K.Key_5, M.AltModifier)
            return f"show the {'binary' if tab is c.binary_view else 'comparison'} tab"
        view, vb = candidates[int(self.rng.integers(len(candidates)))]
        (x0, x1), (y0, y1) = vb.viewRange()
        pts = [
            (
                float(self.rng.uniform(x0 - 0.5 * (x1 - x0), x1 + 0.5 * (x1 - x0))),
                float(self.rng.uniform(y0 - 0.5 * (y1 - y0), y1 + 0.5 * (y1 - y0))),
            )
            for _ in range(2)
        ]
        pts[0] = (float(self.rng.uniform(x0, x1)), float(self.rng.uniform(y0, y1)))
        self.drag(view, vb, pts[0], pts[1], int(self.rng.integers(1, 4)), bool(self.rng.random() < 0.5))
        return f"drag in {type(view.parent()).__name__} from {pts[0]} to {pts[1]}"

    def keyboard_nudge(self) -> str:
        w = self.w
        editors = [e for e in (w.target_editor, w.prediction_editor) if shown(e)]
        if not editors:
            return "nudge: no editor shown"
        editor = self.pick(editors)
        editor.setFocus()
        keys = [
            (K.Key_Up, M.NoModifier),
            (K.Key_Down, M.NoModifier),
            (K.Key_Up, M.ShiftModifier),
            (K.Key_Down, M.ShiftModifier),
            (K.Key_Left, M.NoModifier),
            (K.Key_Right, M.NoModifier),
            (K.Key_Home, M.NoModifier),
            (K.Key_End, M.NoModifier),
        ]
        done = []
        for _ in range(int(self.rng.integers(1, 6))):
            key, mod = self.pick(keys)
            self.key(editor, key, mod)
            done.append(key.name.replace("Key_", "") + ("+Shift" if mod == M.ShiftModifier else ""))
        return f"keys {' '.join(done)} on the {editor.accessibleName()}"

    def type_in_table(self) -> str:
        w = self.w
        t = w.table
        if w.tabs.currentWidget() is not t or not shown(t):
            self.key(w, K.Key_3, M.AltModifier)  # View ▸ Show "Table"
            process()
            if not shown(t):
                return "type in the table: not shown"
        from ce_desktop.gui.views.table import COL_NAME, COL_P, COL_Y, COL_Z

        cols = [COL_NAME, COL_Y, COL_Y, COL_P, COL_P, COL_Z, COL_Z]
        col = self.pick(cols)
        row = int(self.rng.integers(t.rowCount()))
        text = self.pick(TYPED_NAMES if col == COL_NAME else TYPED_LOGITS if col == COL_Z else TYPED_PROBABILITIES)
        t.setFocus()
        t.setCurrentCell(row, col)
        self.key(t, K.Key_F2)
        editor = QtWidgets.QApplication.focusWidget()
        if not isinstance(editor, QtWidgets.QLineEdit):
            return f"table cell ({row}, {col}) is not editable here"
        self.type_text(editor, text)
        return f"type {text!r} in table cell ({row}, {col})"

    def spin_boxes(self) -> list[QtWidgets.QAbstractSpinBox]:
        return [s for s in self.w.findChildren(QtWidgets.QAbstractSpinBox) if s.isVisible() and s.isEnabled()]

    def type_in_spin_box(self) -> str:
        spins = self.spin_boxes()
        if not spins:
            return "no spin box shown"
        spin = self.pick(spins)
        text = self.pick(TYPED_SPIN)
        self.type_text(spin, text)
        return f"type {text!r} in spin box {spin.accessibleName() or spin.toolTip()[:30]!r}"

    def keys_on_control(self) -> str:
        controls = [
            c
            for c in self.w.findChildren(QtWidgets.QWidget)
            if isinstance(c, (QtWidgets.QComboBox, QtWidgets.QAbstractSlider, QtWidgets.QAbstractSpinBox))
            and not isinstance(c, QtWidgets.QScrollBar)
            and c.isVisible()
            and c.isEnabled()
        ]
        if not controls:
            return "no control shown"
        c = self.pick(controls)
        c.setFocus()
        keys = [K.Key_Up, K.Key_Down, K.Key_PageUp, K.Key_PageDown, K.Key_Home, K.Key_End, K.Key_Left, K.Key_Right]
        done = []
        for _ in range(int(self.rng.integers(1, 4))):
            key = self.pick(keys)
            self.key(c, key)
            done.append(key.name.replace("Key_", ""))
        return f"keys {' '.join(done)} on {type(c).__name__} {c.accessibleName() or c.toolTip()[:30]!r}"

    def preset(self) -> str:
        if self.rng.random() < 0.5:
            combo = self.w.controls.preset
            combo.setFocus()
            self.key(combo, K.Key_Down)  # a closed combo box: Down chooses the next entry
            return "preset combo: Down"
        actions = self.w.presets_menu.actions()
        a = self.pick(actions)
        a.trigger()  # File ▸ Presets ▸ ...
        return f"preset {a.text()!r} from the menu"

    def lesson(self) -> str:
        c = self.w.classroom
        r = self.rng.random()
        if c.lesson is None or r < 0.2:
            # The explorer's lessons: this fuzz drives the explorer (a dataset lesson's slides open
            # the dataset workspace, which has tests of its own).
            from ce_desktop.model import lessons

            explorer = [a for a, summary in zip(c.lesson_actions, lessons.builtin_summaries(), strict=True)
                        if all(slide.workspace == "explorer" for slide in lessons.get(summary.name).slides)]
            a = self.pick(explorer)
            a.trigger()
            return f"open lesson {a.text()!r}"
        if r < 0.75:
            keys = [K.Key_PageDown, K.Key_PageDown, K.Key_PageUp]
            key = self.pick(keys)
            self.key(self.w, key)
            return f"lesson slide {key.name}"
        if r < 0.85:
            self.key(self.w, K.Key_R, M.ControlModifier | M.ShiftModifier)
            return "restart slide"
        self.key(self.w, K.Key_W, M.ControlModifier | M.ShiftModifier)
        return "close lesson"

    def classes(self) -> str:
        spin = self.w.controls.classes
        if not spin.isVisible():
            return "classes: toolbar hidden"
        if self.rng.random() < 0.5:
            key = self.pick([K.Key_Up, K.Key_Down, K.Key_PageUp, K.Key_PageDown])
            spin.setFocus()
            self.key(spin, key)
            return f"classes spin box: {key.name}"
        text = self.pick(["2", "3", "4", "7", "10", "20", "1", "21", "0", "x", "", "3.5"])
        self.type_text(spin, text)
        return f"type {text!r} as the number of classes"

    def classes_while_descending(self) -> str:
        c = self.w.descent
        if not c.playing:
            self.key(self.w, K.Key_Space)  # Play
        for _ in range(int(self.rng.integers(1, 5))):
            c.advance_frame()
        process()
        what = self.classes()
        for _ in range(int(self.rng.integers(0, 5))):
            c.advance_frame()
        return f"while descending ({'playing' if c.playing else 'stopped'}): {what}"

    def logits_and_temperature(self) -> str:
        w = self.w
        r = self.rng.random()
        if r < 0.35:
            self.key(w, K.Key_L, M.ControlModifier)
            return f"Ctrl+L (logits mode now {self.s.logits_mode})"
        if r < 0.5:
            combo = w.controls.mode
            combo.setFocus()
            self.key(combo, self.pick([K.Key_Up, K.Key_Down]))
            return "mode combo"
        spin = w.controls.temperature
        if not spin.isEnabled():
            self.key(w, K.Key_L, M.ControlModifier)
            return "Ctrl+L to reach the temperature"
        if r < 0.75:
            text = self.pick(["0.01", "0.05", "0.1", "0.5", "1", "2", "20", "100", "0", "-1", "abc", ""])
            self.type_text(spin, text)
            return f"type temperature {text!r}"
        spin.setFocus()
        key = self.pick([K.Key_Up, K.Key_Down, K.Key_PageUp, K.Key_PageDown])
        self.key(spin, key)
        return f"temperature {key.name}"

    def smoothing(self) -> str:
        slider = self.w.controls.smoothing
        if not shown(slider):
            return "smoothing: hidden"
        if self.rng.random() < 0.5:
            slider.setFocus()
            key = self.pick([K.Key_Right, K.Key_Left, K.Key_PageUp, K.Key_PageDown, K.Key_Home, K.Key_End])
            self.key(slider, key)
            return f"smoothing slider {key.name}"
        # A mouse drag on the slider: press on the handle, move, release (one undo step).
        opt = QtWidgets.QStyleOptionSlider()
        slider.initStyleOption(opt)
        handle = slider.style().subControlRect(
            QtWidgets.QStyle.ComplexControl.CC_Slider, opt, QtWidgets.QStyle.SubControl.SC_SliderHandle, slider
        )
        start = handle.center()
        end = QtCore.QPoint(int(self.rng.integers(-40, slider.width() + 40)), start.y())
        mouse(slider, T.MouseButtonPress, QtCore.QPointF(start), LEFT, LEFT)
        for k in range(1, 4):
            p = QtCore.QPointF(start) + (QtCore.QPointF(end) - QtCore.QPointF(start)) * (k / 3)
            mouse(slider, T.MouseMove, p, NO_BUTTON, LEFT)
        mouse(slider, T.MouseButtonRelease, QtCore.QPointF(end), LEFT, NO_BUTTON)
        return f"drag the smoothing slider to x = {end.x()}"

    def descent(self) -> str:
        w = self.w
        panel = w.descent_views["panel"]
        r = self.rng.random()
        if r < 0.5:
            key, name = self.pick(
                [(K.Key_Space, "Space"), (K.Key_Right, "Right"), (K.Key_Left, "Left"), (K.Key_R, "Ctrl+R")]
            )
            w.setFocus()
            self.key(w, key, M.ControlModifier if name == "Ctrl+R" else M.NoModifier)
            return f"descent key {name}"
        buttons = [
            b for b in (panel.play_button, panel.step_button, panel.back_button, panel.reset_button) if b.isVisible()
        ]
        if not buttons:
            return "descent buttons hidden"
        b = self.pick(buttons)
        self.qtbot.mouseClick(b, LEFT)
        return f"click {b.text()!r}"

    def tick(self) -> str:
        c = self.w.descent
        n = int(self.rng.integers(1, 11))
        for _ in range(n):
            c.advance_frame()
        return f"{n} animation frames ({'playing' if c.playing else 'paused'})"

    def scrub(self) -> str:
        traj = self.w.descent_views["trajectory"]
        scrubber = traj.scrubber
        if not scrubber.isVisible() or not scrubber.isEnabled():
            self.key(self.w, K.Key_Right)  # take a step so there is something to scrub
            return "step (nothing to scrub yet)"
        scrubber.setFocus()
        key = self.pick([K.Key_Left, K.Key_Right, K.Key_Home, K.Key_End, K.Key_PageUp, K.Key_PageDown])
        self.key(scrubber, key)
        return f"scrubber {key.name}"

    def undo_redo(self) -> str:
        w = self.w
        r = self.rng.random()
        n = int(self.rng.integers(1, 4))
        for _ in range(n):
            if r < 0.6:
                self.key(w, K.Key_Z, M.ControlModifier)
            elif r < 0.85:
                self.key(w, K.Key_Z, M.ControlModifier | M.ShiftModifier)
            else:
                self.key(w, K.Key_Y, M.ControlModifier)
        return f"{'undo' if r < 0.6 else 'redo'} x{n}"

    def view_change(self) -> str:
        w = self.w
        r = self.rng.random()
        if r < 0.4:
            name = self.pick(list(w.theme_actions))
            w.theme_actions[name].trigger()
            return f"theme {name}"
        if r < 0.55:
            key = self.pick([K.Key_Equal, K.Key_Minus])
            self.key(w, key, M.ControlModifier)
            return f"font {'larger' if key == K.Key_Equal else 'smaller'} ({w.font_scale} %)"
        if r < 0.7:
            self.key(w, K.Key_B, M.ControlModifier)
            return f"units {self.s.units}"
        k = int(self.rng.integers(1, 6))
        self.key(w, getattr(K, f"Key_{k}"), M.AltModifier)
        return f"Alt+{k} (tab)"

    def double_click_target(self) -> str:
        e = self.w.target_editor
        if not shown(e):
            return "target editor hidden"
        i = int(self.rng.integers(self.s.num_classes))
        vb = e.getPlotItem().getViewBox()
        p = plot_point(e, vb, i, float(self.rng.uniform(0.05, 1.0)))
        vp = e.viewport()
        mouse(vp, T.MouseMove, p, NO_BUTTON, NO_BUTTON)
        mouse(vp, T.MouseButtonPress, p, LEFT, LEFT)
        mouse(vp, T.MouseButtonRelease, p, LEFT, NO_BUTTON)
        mouse(vp, T.MouseButtonDblClick, p, LEFT, LEFT)
        mouse(vp, T.MouseButtonRelease, p, LEFT, NO_BUTTON)
        return f"double-click target bar {i}"

    def file_action(self) -> str:
        w = self.w
        r = self.rng.random()
        if r < 0.6:
            self.key(w, K.Key_O, M.ControlModifier)
            return "File ▸ Open"
        if r < 0.8:
            self.key(w, K.Key_S, M.ControlModifier)
            return "File ▸ Save"
        self.key(w, K.Key_N, M.ControlModifier)
        return "File ▸ New"

    def panels(self) -> str:
        """View ▸ Panels: show or hide a dock (a lesson slide may have hidden the descent); Ctrl+E."""
        w = self.w
        if self.rng.random() < 0.15:
            self.key(w, K.Key_E, M.ControlModifier)
            return "Ctrl+E (exercises)"
        name = self.pick(sorted(w.docks))
        if name == "dock_descent" and not w.docks[name].isVisible():
            pass  # always allowed: bring the descent back
        elif self.rng.random() < 0.5:
            name = "dock_descent"
        action = w.docks[name].toggleViewAction()
        action.trigger()
        return f"View ▸ Panels ▸ {action.text()} ({'shown' if w.docks[name].isVisible() else 'hidden'})"

    def resize(self) -> str:
        size = (int(self.rng.integers(700, 1600)), int(self.rng.integers(450, 1000)))
        self.w.resize(*size)
        return f"resize to {size}"


# --------------------------------------------------------------------------- the tests


def seed() -> int:
    return int(os.environ.get("CE_FUZZ_SEED", DEFAULT_SEED))


@pytest.fixture
def fuzz_window(qtbot, tmp_path):
    from ce_desktop.gui.window import MainWindow

    window = MainWindow(ExplorerState(), settings_dir=tmp_path / "settings", theme="light", font_scale=100)
    qtbot.addWidget(window)
    window.resize(*[int(v) for v in os.environ.get("CE_FUZZ_SIZE", "1280x800").split("x")])
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    instant_drags(window)
    # Time is the fuzzer's: frames come from the "tick" action, so a seed replays exactly.
    window.descent.frames.hold()
    process()
    return window


def run_fuzz(qtbot, window, tmp_path, actions: int) -> Fuzzer:
    s = seed()
    print(f"GUI fuzz: seed {s}, {actions} actions")  # shown with the failure
    rng = np.random.Generator(np.random.PCG64(s))
    prompts = FuzzPrompts(rng, fuzz_files(tmp_path / "files"), tmp_path / "files")
    window.file_actions.prompts = prompts  # never a blocking file dialog
    hook_errors: list = []

    with qtbot.capture_exceptions() as captured:  # pytest-qt's hook: exceptions in slots and virtual methods
        previous = sys.excepthook

        def guard(exc_type, exc, tb):  # and our own, in case anything replaces pytest-qt's
            hook_errors.append((exc_type, exc, tb))
            previous(exc_type, exc, tb)

        sys.excepthook = guard
        try:
            fuzzer = Fuzzer(qtbot, window, rng, s, hook_errors, captured)
            t0 = time.perf_counter()
            fuzzer.run(actions)
            elapsed = time.perf_counter() - t0
        finally:
            sys.excepthook = previous
    print(
        f"{actions} actions in {elapsed:.0f} s; {fuzzer.segments} undo-everything checks; "
        f"{fuzzer.edge_checks} past-the-edge drags; {len(prompts.errors)} file errors shown"
    )
    print(
        "; ".join(
            f"{k}: {v} ({fuzzer.effective[k]} changed the state, {1000 * fuzzer.seconds[k] / v:.0f} ms each)"
            for k, v in sorted(fuzzer.counts.items())
        )
    )
    return fuzzer


def test_fuzz_gui(qtbot, fuzz_window, tmp_path):
    actions = int(os.environ.get("CE_FUZZ_ACTIONS", DEFAULT_ACTIONS))
    f = run_fuzz(qtbot, fuzz_window, tmp_path, actions)
    # The run really did the things it claims to test.
    if actions >= DEFAULT_ACTIONS:
        for kind in (
            "drag a bar",
            "type in the table",
            "number of classes",
            "classes while descending",
            "undo / redo",
            "lesson",
            "preset",
            "label smoothing",
            "descent controls",
        ):
            assert f.counts.get(kind, 0) >= 15, (kind, f.counts)
        assert f.edge_checks >= 10
        # ... and the actions took effect (not silently lost, e.g. shortcuts of an inactive window):
        # the share of each kind that changed the state, well below what a run shows (typed
        # garbage, keys at a limit, and a finished run's Step rightly change nothing).
        for kind, share in (
            ("drag a bar", 0.7),
            ("keyboard nudge", 0.6),
            ("undo / redo", 0.4),
            ("preset", 0.6),
            ("lesson", 0.4),
            ("number of classes", 0.4),
            ("type in the table", 0.2),
            ("label smoothing", 0.3),
            ("logits mode / temperature", 0.5),
            ("scrub", 0.3),
            ("descent controls", 0.08),
            ("classes while descending", 0.6),
        ):
            assert f.effective[kind] >= share * f.counts[kind], (kind, f.effective[kind], f.counts[kind])


@pytest.mark.slow
def test_fuzz_gui_long(qtbot, fuzz_window, tmp_path, monkeypatch):
    monkeypatch.setenv("CE_FUZZ_SEED", str(seed() + 1))
    f = run_fuzz(qtbot, fuzz_window, tmp_path, int(os.environ.get("CE_FUZZ_LONG_ACTIONS", SLOW_ACTIONS)))
    assert f.segments >= 2


# --------------------------------------------------------------------------- the fuzzer itself can fail


def short_fuzz(qtbot, window, tmp_path, actions: int = 60) -> str:
    with pytest.raises(FuzzFailureError) as info:
        run_fuzz(qtbot, window, tmp_path, actions)
    return str(info.value)


def test_fuzzer_fails_on_an_exception_in_a_slot(qtbot, fuzz_window, tmp_path, monkeypatch):
    from ce_desktop.gui.views import readouts

    calls = {"n": 0}
    real = readouts.ReadoutPanel.refresh

    def refresh(self):
        calls["n"] += 1
        if calls["n"] == 5:
            raise ZeroDivisionError("planted bug")
        real(self)

    monkeypatch.setattr(readouts.ReadoutPanel, "refresh", refresh)
    message = short_fuzz(qtbot, fuzz_window, tmp_path)
    assert f"seed {seed()}, step " in message and "ZeroDivisionError: planted bug" in message
    assert "last actions:" in message and "CE_FUZZ_SEED=" in message


def test_fuzzer_fails_on_nan_text(qtbot, fuzz_window, tmp_path, monkeypatch):
    from ce_desktop.gui.views import readouts

    monkeypatch.setattr(readouts, "_perplexity_text", lambda v: "nan")
    message = short_fuzz(qtbot, fuzz_window, tmp_path)
    assert "shows NaN: 'nan'" in message and "step 1:" in message


def test_fuzzer_fails_on_nan_plot_data(qtbot, fuzz_window, tmp_path, monkeypatch):
    from ce_desktop.gui.items.column_bars import ColumnBars

    real = ColumnBars.set_values

    def set_values(self, heights, y0=0.0):
        h = np.array(heights, float)
        h[0] = np.nan
        real(self, h, y0)

    monkeypatch.setattr(ColumnBars, "set_values", set_values)
    message = short_fuzz(qtbot, fuzz_window, tmp_path)
    assert "NaN in the bars of a ColumnBars" in message


def test_fuzzer_fails_when_undo_does_not_restore_the_start(qtbot, fuzz_window, tmp_path, monkeypatch):
    from ce_desktop.model import history

    real = history.History.record

    def record(self, label, before, after):  # a planted bug: the first step forgets the title before it
        if not self._undo:
            before = before.replace(title="not the start")
        real(self, label, before, after)

    monkeypatch.setattr(history.History, "record", record)
    message = short_fuzz(qtbot, fuzz_window, tmp_path)
    assert "not the start" in message and "step 60:" in message
