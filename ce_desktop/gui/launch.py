"""Starting the window from the command line: the QApplication, the options other parts of the
app own (lesson, slide, steps, presentation), the ``--screenshot`` route and ``run_gui``."""

from __future__ import annotations

import os
import sys

from ce_desktop.gui import pictures
from ce_desktop.gui.classroom import lesson_from_args, open_from_args
from ce_desktop.gui.errors import ErrorReporter
from ce_desktop.gui.presentation import start_from_args
from ce_desktop.gui.qt_imports import QtCore, QtWidgets, pg  # first: PySide6, then pyqtgraph, imported lightly
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.window import APP_NAME, DEFAULT_SIZE, MainWindow
from ce_desktop.model import presets
from ce_desktop.model.scenario import Scenario, ScenarioError


def initial_scenario(args) -> Scenario | None:
    """The scenario named on the command line (``--preset`` / ``--scenario``), else None.

    Raises ``arguments.UsageError`` (exit 2) for an unknown preset or an unreadable file.
    """
    from ce_desktop.arguments import UsageError

    scenario = None
    if getattr(args, "preset", None):
        if args.preset not in presets.names():
            raise UsageError(f"unknown preset {args.preset!r}; valid presets: {', '.join(presets.names())}")
        scenario = presets.get(args.preset).scenario()
    if getattr(args, "scenario", None):
        from ce_desktop.model.workspace_file import Session

        try:
            scenario = Session.load(args.scenario).scenario  # any version; a dataset part is read again later
        except ScenarioError as exc:
            raise UsageError(str(exc)) from None
    if scenario is not None and getattr(args, "units", None):
        scenario = scenario.replace(units=args.units)
    return scenario


def initial_dataset(args):
    """The data set named by ``--data`` (a CSV file or a built-in data set's name), else None.

    Raises ``arguments.UsageError`` (exit 2) for a file that cannot be read, with the file,
    line and reason.
    """
    from ce_desktop.arguments import UsageError
    from ce_desktop.model import dataset_csv
    from ce_desktop.model.dataset import DatasetError

    name = getattr(args, "data", None)
    if not name:
        return None
    try:
        if name in dataset_csv.builtin_datasets():
            return dataset_csv.load_builtin(name), f"{name}.csv"
        return dataset_csv.read_csv(name), os.path.basename(name)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None


def _application() -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([sys.argv[0] if sys.argv else "ce-desktop"])
    elif not isinstance(app, QtWidgets.QApplication):  # a QCoreApplication (or QGuiApplication) cannot show widgets
        raise RuntimeError(f"CE Explorer needs a QApplication, and a {type(app).__name__} is running")
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    pg.setConfigOptions(antialias=True)
    return app


def _apply_startup_options(window: MainWindow, args) -> None:
    """Command-line options that other parts of the app own.


    ``--units``, ``--steps`` here; ``--lesson`` / ``--slide`` through the classroom; and
    ``--presentation`` in :func:`run_gui`, after the window's geometry is restored, so that
    leaving presentation restores it.
    """
    if getattr(args, "units", None) and window.state.units != args.units:
        window.state.set_units(args.units)
        window.state.clear_history()  # the app starts here: nothing to undo
    open_from_args(window, args)  # --lesson NAME [--slide K]
    if getattr(args, "scenario", None):  # a version-2 file's dataset workspace
        from ce_desktop.model.workspace_file import Session

        session = Session.load(args.scenario)  # read and checked by initial_scenario already
        if session.dataset is not None:
            window.workspaces.apply_session(session, "Open a file")
            window.workspaces.dataset_state.clear_history()
            window.file_actions.set_document(args.scenario, window.state.scenario)
    data = initial_dataset(args)
    if data is not None or getattr(args, "workspace", None) == "dataset":
        window.workspaces.set_current("dataset")
        state = window.workspaces.dataset_state
        if data is not None:
            state.open_data(data[0], data[1])
        state.clear_history()  # the app starts here: nothing to undo
    if getattr(args, "steps", 0):
        if window.workspaces.current == "dataset":  # --workspace dataset, --data, or a dataset slide
            window.workspaces.dataset_state.run_steps(args.steps)  # the window after N training steps
        else:
            window.descent.run_steps(args.steps)  # --steps N: the window after N descent steps


def save_screenshot(window: QtWidgets.QWidget, path: str, size: tuple[int, int]) -> None:
    """Lay the window out offscreen at ``size`` and write it to ``path`` (.png, or .svg).

    Raises ``arguments.UsageError`` when the file cannot be written.
    """
    from ce_desktop.arguments import UsageError

    w, h = size
    window.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(w, h)
    window.show()
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
        window.resize(w, h)
    # Fits that follow the layout (the lesson dock as tall as its caption at the width the
    # layout gave it) start zero-time timers; a few more rounds let them settle, as a shown
    # window's event loop would before anyone sees it.
    for _ in range(6):
        QtWidgets.QApplication.processEvents()
    try:
        pictures.save_picture(window, path, (w, h))  # .png or .svg by the extension
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None


def run_gui(args) -> int:
    """Open the window (or render ``--screenshot``); returns the exit status."""
    scenario = initial_scenario(args)
    initial_dataset(args)  # a bad --data file exits 2 before any window is built
    lesson_from_args(args)  # a bad --lesson / --slide exits 2 before any window is built
    app = _application()
    state = ExplorerState(scenario)
    window = MainWindow(state, settings_dir=getattr(args, "settings_dir", None),
                        theme=getattr(args, "theme", None), font_scale=getattr(args, "font_scale", None))
    if getattr(args, "scenario", None):
        window.file_actions.set_document(args.scenario)  # Save writes back to that file
    elif scenario is None and not getattr(args, "lesson", None) and not getattr(args, "screenshot", None):
        window.file_actions.restore()  # the scenario open when the app last closed
    _apply_startup_options(window, args)
    if getattr(args, "screenshot", None):
        start_from_args(window, args, full_screen=False)  # --presentation: same layout, at --size
        save_screenshot(window, args.screenshot, args.size or DEFAULT_SIZE)
        window.close()
        _delete_now(window)
        return 0
    window.resize(*(args.size or DEFAULT_SIZE))
    if not args.size and window.settings.restore_window(window):
        window.panel_layout.user_sized = True
    window.file_actions.ask_on_close = True
    window.error_reporter = ErrorReporter(window, window.settings.directory).install()
    if os.environ.get(FIRST_PAINT_ENV):
        _report_first_paint(window)
    QtCore.QTimer.singleShot(GC_AFTER_START_MS, _collect_garbage_again)
    start_from_args(window, args)  # --presentation: full screen when shown
    window.show()
    status = app.exec()
    _delete_now(window)
    return status


def _delete_now(window: QtWidgets.QWidget) -> None:
    """Destroy the window and everything in it while Qt and Python are both still running.

    Left to interpreter exit, PySide destroys leftover objects after Python has begun to shut
    down; a plot item torn down then called back into Python and crashed the process (exit
    139 after a ``--presentation --screenshot``, the picture already written).
    """
    window.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


#: When to turn the garbage collector back on after start-up (the window is painted by then).
GC_AFTER_START_MS = 300


def _collect_garbage_again() -> None:
    """After the first paint: turn the collector back on (app.main turned it off for the start),
    collect once, and move everything that is left out of its way, so that no collection
    during a drag or a run walks the whole window again."""
    import gc

    gc.enable()
    gc.collect()
    gc.freeze()


#: ``CE_DESKTOP_REPORT_FIRST_PAINT=1``: print when the window has first been painted, then quit
#: (benchmarks/run.py measures start-up with it).
FIRST_PAINT_ENV = "CE_DESKTOP_REPORT_FIRST_PAINT"


def _report_first_paint(window: QtWidgets.QWidget) -> None:
    import time

    class FirstPaint(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
            if ev.type() == QtCore.QEvent.Type.Paint:
                window.removeEventFilter(self)
                QtCore.QTimer.singleShot(0, report)  # after the children of this same paint
            return False

    def report():
        print(f"CE_DESKTOP_FIRST_PAINT {time.time():.6f}", flush=True)
        QtCore.QCoreApplication.exit(0)

    window.installEventFilter(FirstPaint(window))  # its parent, the window, keeps it alive
