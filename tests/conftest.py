"""Shared GUI fixtures: offscreen Qt, instant pyqtgraph drags, one view shown alone, a MainWindow.

``show_view(qtbot, view, size)`` shows one view, built on its own ``ExplorerState``, alone:
what a view test uses. ``show_window`` / the ``window`` fixture build the whole MainWindow,
for the tests of the window itself (tests/gui/test_window*.py, test_layout.py, ...).

``drag_bar(qtbot, plot_widget, x, y_from, y_to)`` sends a real press / move / release
sequence to the plot's viewport at the points where the data coordinates (x, y) are drawn.

No test waits a fixed time or counts what a real timer did: :func:`settle` runs the event
loop until it has nothing left to do, and :func:`hold_descent_clock` with
:func:`play_frames` lets the test take a descent run's animation frames itself.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402

# PySide6, then pyqtgraph, imported as the app imports them (lightly: see ce_desktop/gui/qt_imports.py).
from ce_desktop.gui.qt_imports import QtCore, QtGui, QtWidgets, pg  # noqa: E402,F401

# Every mouse move reaches the items (no 100 Hz rate limit) and a drag starts at once.
pg.setConfigOption("mouseRateLimit", -1)

LEFT = QtCore.Qt.MouseButton.LeftButton
NO_BUTTON = QtCore.Qt.MouseButton.NoButton
NO_MODIFIER = QtCore.Qt.KeyboardModifier.NoModifier


def instant_drags(widget: QtWidgets.QWidget) -> None:
    """Set ``minDragTime = 0`` on the scene of ``widget`` and of every plot inside it."""
    views = [widget] if isinstance(widget, pg.GraphicsView) else []
    views += widget.findChildren(pg.GraphicsView)
    for view in views:
        view.scene().minDragTime = 0


def data_to_viewport(plot_widget: pg.PlotWidget, x: float, y: float) -> QtCore.QPointF:
    """Where the data point (x, y) appears in the plot's viewport, in pixels."""
    vb = plot_widget.getPlotItem().getViewBox()
    scene_pt = vb.mapViewToScene(QtCore.QPointF(x, y))
    return QtCore.QPointF(plot_widget.mapFromScene(scene_pt))


def _send(viewport, kind, pos: QtCore.QPointF, button, buttons, modifiers=NO_MODIFIER) -> None:
    glob = QtCore.QPointF(viewport.mapToGlobal(pos.toPoint()))
    ev = QtGui.QMouseEvent(kind, pos, glob, button, buttons, modifiers)
    QtWidgets.QApplication.sendEvent(viewport, ev)


def settle(max_rounds: int = 200) -> None:
    """Run the event loop until it has nothing left to do: queued calls, zero-delay timers,
    layouts and repaints, however long the machine takes for them (a fixed wait guesses)."""
    app = QtWidgets.QApplication.instance()
    dispatcher = QtCore.QAbstractEventDispatcher.instance()
    idle = 0
    for _ in range(max_rounds):
        app.sendPostedEvents()
        # As QTest.qWait does: deleteLater() is only honoured here, not by processEvents.
        app.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        idle = 0 if dispatcher.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents) else idle + 1
        if idle == 2:
            return


def hold_descent_clock(controller) -> None:
    """From now on the test, not the clock, takes the frames of ``controller``'s runs (:func:`play_frames`).

    Its timer still runs while it plays (``controller.playing`` is the timer's state), but a
    tick no longer takes a frame, so what the test sees does not depend on how fast the
    machine is.
    """
    controller.frames.hold()


def play_frames(controller, n: int) -> int:
    """Up to ``n`` animation frames of a playing ``controller``, each painted as a real one
    (until the run stops by itself); returns the frames taken."""
    taken = 0
    while taken < n and controller.playing:
        controller.advance_frame()
        settle()
        taken += 1
    return taken


@contextlib.contextmanager
def held_drag(plot_widget: pg.PlotWidget, x: float, y_from: float, y_to: float, steps: int = 6,
              modifiers=NO_MODIFIER):
    """Press at data point (x, y_from) and move in ``steps`` to (x, y_to); the body runs with the
    button still down (mid-drag), and the button is released after it."""
    instant_drags(plot_widget)
    vp = plot_widget.viewport()
    start = data_to_viewport(plot_widget, x, y_from)
    end = data_to_viewport(plot_widget, x, y_to)
    T = QtCore.QEvent.Type
    _send(vp, T.MouseMove, start, NO_BUTTON, NO_BUTTON, modifiers)  # hover first, as a real pointer would
    _send(vp, T.MouseButtonPress, start, LEFT, LEFT, modifiers)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        _send(vp, T.MouseMove, p, NO_BUTTON, LEFT, modifiers)
        # Real moves arrive in separate turns of the event loop; let each one's update run.
        QtWidgets.QApplication.processEvents()
    try:
        yield
    finally:
        _send(vp, T.MouseButtonRelease, end, LEFT, NO_BUTTON, modifiers)


def drag_bar(qtbot, plot_widget: pg.PlotWidget, x: float, y_from: float, y_to: float, steps: int = 6,
             modifiers=NO_MODIFIER) -> None:
    """Press at data point (x, y_from), move in ``steps`` to (x, y_to), release; then let queued updates run.
    ``modifiers`` (e.g. Ctrl) are held throughout."""
    with held_drag(plot_widget, x, y_from, y_to, steps, modifiers):
        pass
    settle()


def click_at(qtbot, plot_widget: pg.PlotWidget, x: float, y: float, double: bool = False) -> None:
    """A real click (or double-click) at data point (x, y)."""
    instant_drags(plot_widget)
    vp = plot_widget.viewport()
    p = data_to_viewport(plot_widget, x, y)
    T = QtCore.QEvent.Type
    _send(vp, T.MouseMove, p, NO_BUTTON, NO_BUTTON)
    _send(vp, T.MouseButtonPress, p, LEFT, LEFT)
    _send(vp, T.MouseButtonRelease, p, LEFT, NO_BUTTON)
    if double:
        _send(vp, T.MouseButtonDblClick, p, LEFT, LEFT)
        _send(vp, T.MouseButtonRelease, p, LEFT, NO_BUTTON)
    settle()


def right_click_at(plot_widget: pg.PlotWidget, x: float, y: float) -> None:
    """A real right click at data point (x, y)."""
    instant_drags(plot_widget)
    vp = plot_widget.viewport()
    p = data_to_viewport(plot_widget, x, y)
    T = QtCore.QEvent.Type
    right = QtCore.Qt.MouseButton.RightButton
    _send(vp, T.MouseMove, p, NO_BUTTON, NO_BUTTON)
    _send(vp, T.MouseButtonPress, p, right, right)
    _send(vp, T.MouseButtonRelease, p, right, NO_BUTTON)
    settle()


def drag_between(plot_widget: pg.PlotWidget, start_xy: tuple[float, float], end_xy: tuple[float, float],
                 steps: int = 6) -> None:
    """A real left-button drag from data point ``start_xy`` to ``end_xy`` in ``steps`` moves."""
    instant_drags(plot_widget)
    vp = plot_widget.viewport()
    start = data_to_viewport(plot_widget, *start_xy)
    end = data_to_viewport(plot_widget, *end_xy)
    T = QtCore.QEvent.Type
    _send(vp, T.MouseMove, start, NO_BUTTON, NO_BUTTON)
    _send(vp, T.MouseButtonPress, start, LEFT, LEFT)
    for k in range(1, steps + 1):
        _send(vp, T.MouseMove, start + (end - start) * (k / steps), NO_BUTTON, LEFT)
        QtWidgets.QApplication.processEvents()
    _send(vp, T.MouseButtonRelease, end, LEFT, NO_BUTTON)
    settle()


def hover_at(plot_widget: pg.PlotWidget, x: float, y: float) -> None:
    """A real pointer move, no button held, to data point (x, y) (what a tooltip follows)."""
    _send(plot_widget.viewport(), QtCore.QEvent.Type.MouseMove, data_to_viewport(plot_widget, x, y),
          NO_BUTTON, NO_BUTTON)
    settle()


def type_into_cell(qtbot, table: QtWidgets.QTableWidget, row: int, col: int, text: str) -> None:
    """Select a cell and type over it, as a person would: the first key opens the editor, Enter commits."""
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClick(table, text[0])
    editors = [e for e in table.viewport().findChildren(QtWidgets.QLineEdit) if e.isVisible()]
    assert len(editors) == 1, [(e, e.isVisible(), e.text()) for e in table.viewport().findChildren(QtWidgets.QLineEdit)]
    editor = editors[0]
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Return)
    settle()  # the delegate commits through a queued call


def double_click_class_name(qtbot, plot: pg.PlotWidget, index: int) -> None:
    """A real double-click on class ``index``'s name under a bar plot (it opens the name editor)."""
    pi = plot.getPlotItem()
    axis = pi.getAxis("bottom").sceneBoundingRect()
    x = pi.getViewBox().mapViewToScene(QtCore.QPointF(index, 0.0)).x()
    pos = plot.mapFromScene(QtCore.QPointF(x, axis.top() + 0.4 * axis.height()))
    vp = plot.viewport()
    qtbot.mouseClick(vp, LEFT, pos=pos)
    qtbot.mouseDClick(vp, LEFT, pos=pos)


def class_name_editor(plot: pg.PlotWidget) -> QtWidgets.QLineEdit | None:
    """The inline editor of a class name open over ``plot``'s class axis, if any."""
    return plot.viewport().findChild(QtWidgets.QLineEdit, "class_name_editor")


def scroll_down(area: QtWidgets.QAbstractScrollArea, notches: int) -> None:
    """Real mouse-wheel turns (one notch = 120) towards the user, over the middle of ``area``."""
    vp = area.viewport()
    centre = QtCore.QPointF(vp.width() / 2, vp.height() / 2)
    for _ in range(notches):
        wheel = QtGui.QWheelEvent(centre, QtCore.QPointF(vp.mapToGlobal(centre.toPoint())), QtCore.QPoint(0, 0),
                                  QtCore.QPoint(0, -120), NO_BUTTON, NO_MODIFIER,
                                  QtCore.Qt.ScrollPhase.NoScrollPhase, False)
        QtWidgets.QApplication.sendEvent(vp, wheel)


@pytest.fixture
def fp_errors_raise():
    """Every floating-point event not deliberately silenced inside the core raises."""
    import numpy as np

    with np.errstate(all="raise"):
        yield


@pytest.fixture
def settings_dir(tmp_path):
    """A fresh settings folder (never the user's)."""
    d = tmp_path / "settings"
    d.mkdir()
    return d


#: The holders of the views shown by :func:`show_view` in the running test: pytest-qt holds
#: its widgets weakly, and nothing else holds a holder (the test keeps only the view).
_SHOWN_VIEWS: list[QtWidgets.QWidget] = []


@pytest.fixture(autouse=True)
def _forget_shown_views():
    """After each test, let go of the views :func:`show_view` showed (pytest-qt closes them)."""
    yield
    _SHOWN_VIEWS.clear()


def show_view(qtbot, view: QtWidgets.QWidget, size=(640, 360), theme=None) -> QtWidgets.QWidget:
    """``view`` (built by the test on its own ``ExplorerState``) shown alone at ``size``, offscreen.

    The view sits in a plain holder widget, as it sits in a panel of the window (a view is
    never a top-level window of its own); ``theme`` (a :class:`~ce_desktop.gui.themes.Theme`),
    if given, is applied first. Drags start at once and the event loop is settled, so the
    view has its layout, ranges and labels. Returns ``view``; ``view.window()`` is the holder.
    View tests use this instead of the whole window (:func:`show_window`).
    """
    if theme is not None:
        view.apply_theme(theme)
    holder = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(view)
    qtbot.addWidget(holder)
    _SHOWN_VIEWS.append(holder)
    holder.resize(*size)
    holder.show()
    qtbot.waitExposed(holder)
    instant_drags(holder)
    settle()
    return view


def show_window(qtbot, settings_dir, scenario=None, size=(1280, 720), active: bool = False):
    """The real MainWindow (light theme, 100 % text) with ``scenario`` (default: the app's),
    shown offscreen at ``size``; ``active``: also the active window (it gets the keys)."""
    from ce_desktop.gui.state import ExplorerState
    from ce_desktop.gui.window import MainWindow

    w = MainWindow(ExplorerState(scenario), settings_dir=settings_dir, theme="light", font_scale=100)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    if active:
        w.activateWindow()
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w, timeout=2000)
    instant_drags(w)
    return w


@pytest.fixture
def window(qtbot, settings_dir):
    """The real MainWindow at 1280x720 (shown offscreen) with the default scenario."""
    w = show_window(qtbot, settings_dir)
    settle()
    return w


@pytest.fixture
def drag():
    """The :func:`drag_bar` helper, for tests that prefer a fixture to an import."""
    return drag_bar


def all_texts(widget: QtWidgets.QWidget) -> list[str]:
    """Every piece of text the window shows: labels, fields, tables, rich text, plot labels and titles."""
    out: list[str] = []
    for w in [widget] + widget.findChildren(QtWidgets.QWidget):
        if isinstance(w, QtWidgets.QLabel):
            out.append(w.text())
        elif isinstance(w, QtWidgets.QLineEdit):
            out.append(w.text())
        elif isinstance(w, QtWidgets.QTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QtWidgets.QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QtWidgets.QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    item = w.item(r, c)
                    if item is not None:
                        out.append(item.text())
        if isinstance(w, pg.PlotWidget):
            for item in w.getPlotItem().items:
                if isinstance(item, pg.TextItem):
                    out.append(item.textItem.toPlainText())
                elif hasattr(item, "texts"):  # views.bars.BarLabels: the bar plots' value labels
                    out += item.texts()
            out.append(w.getPlotItem().titleLabel.text or "")
        tip = w.toolTip()
        if tip:
            out.append(tip)
    return out


def main_windows() -> list:
    """The MainWindows that exist now (top-level widgets), for tests that run ``app.main``."""
    from ce_desktop.gui.window import MainWindow

    if QtWidgets.QApplication.instance() is None:
        return []
    return [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, MainWindow)]


def run_app_main(argv) -> int:
    """``app.main(argv)`` in this process, then delete the window it built (if any).

    A window built by ``run_gui`` lives until its process ends (its signal connections hold
    it); the app runs it once per process, but tests run it many times in one, and the windows
    would pile up (memory, timers, and every later ``topLevelWidgets()``). The windows are
    caught as they are built: listing every top-level widget after each run (tooltips, menus
    and dialogs that Qt may be deleting) crashed a long test run once.
    """
    import shiboken6

    from ce_desktop import app
    from ce_desktop.gui import window as main_window

    built = []
    original = main_window.MainWindow.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    main_window.MainWindow.__init__ = init
    try:
        return app.main(list(argv))
    finally:
        main_window.MainWindow.__init__ = original
        left = [w for w in built if shiboken6.isValid(w)]
        for w in left:
            w.close()
            w.deleteLater()
        if left:
            QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


@pytest.fixture
def run_main(qapp):
    """``run_main(argv)``: :func:`run_app_main`."""
    return run_app_main


#: The kinds of file that are not regular files, as the app's messages name them.
SPECIAL_FILES = ("named pipe", "device", "socket")


def make_special_file(kind: str, folder):
    """A named pipe, a device or a socket in ``folder`` (skips where the system has none).

    The device is ``/dev/full`` itself, except as root: root could replace the real one, so
    a regression would damage the machine; it gets a twin of it (same numbers) in ``folder``.
    """
    import socket
    import stat
    from pathlib import Path

    if kind == "named pipe":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        path = folder / "pipe.json"
        os.mkfifo(path)
    elif kind == "device":
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full here")
        if os.geteuid() != 0:
            return Path("/dev/full")
        path = folder / "full.json"
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.stat("/dev/full").st_rdev)
        except OSError as exc:
            pytest.skip(f"cannot make a device node: {exc}")
    elif kind == "socket":
        path = folder / "socket.json"
        if not hasattr(socket, "AF_UNIX") or len(str(path)) > 100:  # sun_path holds ~104-108 bytes
            pytest.skip("no Unix socket at this path")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(str(path))  # the socket file stays after the socket is closed
    else:
        raise ValueError(kind)
    return path
