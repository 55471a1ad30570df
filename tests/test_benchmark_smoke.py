"""The speed benchmark (benchmarks/run.py, issue 7) runs and reports every measure.

Timings are never asserted here (machines vary, and this one is shared): the test runs the
benchmark briefly (``--quick``) and checks the shape of its JSON and that every value is a
finite number. Two start-up facts that do not depend on the machine are checked exactly:
the first-paint hook the benchmark relies on, and that nothing heavy is imported before the
window is shown.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "matplotlib", "torch", "pandas", "sympy")


def _env(**extra) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6", **extra)
    env.pop("CE_DESKTOP_REPORT_FIRST_PAINT", None)
    env.update(extra)
    return env


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "out.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=900, env=_env(), cwd=str(ROOT),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def test_quick_run_writes_every_key_the_issue_names(quick_results):
    r, _ = quick_results
    assert set(r["drag_update_ms"]) == {"3", "10", "100", "1000"}
    for c, d in r["drag_update_ms"].items():
        assert set(d) == {"median", "p90"}, c
        assert _finite(d["median"]) and _finite(d["p90"]) and 0 < d["median"] <= d["p90"], (c, d)
    assert set(r["animation_fps"]) == {"10", "1000"}
    for c, d in r["animation_fps"].items():
        assert set(d) == {"fps", "cpu_percent"}, c
        assert _finite(d["fps"]) and d["fps"] >= 0, (c, d)
        assert _finite(d["cpu_percent"]) and d["cpu_percent"] >= 0, (c, d)
    for key in ("startup_s", "core_us", "rss_mb"):
        assert _finite(r[key]) and r[key] > 0, key
    assert _finite(r["rss_growth_mb"])
    ratio = r["matplotlib_ratio"]
    if ratio is None:
        assert any("matplotlib" in note for note in r["notes"])
    else:
        assert _finite(ratio) and ratio > 0


def test_quick_run_drives_the_real_window(quick_results):
    r, stdout = quick_results
    for c, d in r["details"]["drag"].items():
        assert d["followed"], f"C = {c}: the dragged bar did not follow the pointer"
        assert d["undo"].startswith("Drag prediction"), d["undo"]  # the real editor's drag, one undo step
        # The pooled numbers are over every round's moves; the control loop ran once per move.
        assert len(d["rounds"]) >= 1 and d["moves"] >= sum(1 for _ in d["rounds"])
        assert set(d["controls"]) == {"loop", "repaint"}
        for name, control in d["controls"].items():
            assert _finite(control["median"]) and control["median"] > 0 and control["p90_ratio"] >= 1.0, (name, control)
        assert d["p90_ratio"] == pytest.approx(r["drag_update_ms"][c]["p90"] / r["drag_update_ms"][c]["median"])
        # The repaint control repaints exactly the widgets a move repaints: at least one per
        # view that a move repainted.
        assert d["repainted_widgets"] >= len(d["paints_per_move"]), d
        # Every view that shows the prediction was repainted by the moves.
        for view in ("prediction", "contributions", "gradient", "readouts"):
            assert d["paints_per_move"].get(view, 0) > 0, (c, view, d["paints_per_move"])
    for c, a in r["details"]["animation"].items():
        # How many frames the real timer managed depends on the machine: make bench's figure.
        assert _finite(a["steps_per_s"]) and a["steps_per_s"] >= 0, (c, a)
    assert "drag update, C = 1000" in stdout and "startup to first paint" in stdout
    assert "of two fixed controls" in stdout and "C = 10: drag " in stdout


def test_first_paint_hook_prints_a_time_and_quits(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--settings-dir", str(tmp_path), "--size", "800x600"],
        capture_output=True, text=True, timeout=300, env=_env(CE_DESKTOP_REPORT_FIRST_PAINT="1"),
        cwd=str(ROOT),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("CE_DESKTOP_FIRST_PAINT ")]
    assert len(lines) == 1, proc.stdout
    assert _finite(float(lines[0].split()[1]))


def test_nothing_heavy_is_imported_before_the_window_is_shown(tmp_path):
    code = (
        "import sys, tempfile\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from ce_desktop.gui import launch, window as m\n"
        "from ce_desktop.gui.state import ExplorerState\n"
        "app = launch._application()\n"
        f"w = m.MainWindow(ExplorerState(), settings_dir={str(tmp_path)!r})\n"
        "w.resize(1280, 720); w.show(); app.processEvents()\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & set({list(HEAVY)!r})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------- structure behind the speed


def test_hidden_tabs_skip_updates_and_catch_up_when_shown(window):
    """A view in a hidden tab does no work per drag move, yet shows the current numbers once shown."""
    from PySide6 import QtWidgets

    binary, comparison = window.views["binary"], window.views["comparison"]
    assert not binary.isVisible() and not comparison.isVisible()
    calls = {"binary": 0, "comparison": 0}
    binary.refresh = _counting(binary.refresh, calls, "binary")
    comparison.refresh = _counting(comparison.refresh, calls, "comparison")
    for v in (0.2, 0.3, 0.4):
        window.state.set_prediction_value(0, v)
    assert calls == {"binary": 0, "comparison": 0}
    tabs = window.tabs
    for view in (binary, comparison):
        page = next(tabs.widget(k) for k in range(tabs.count())
                    if tabs.widget(k) is view or tabs.widget(k).isAncestorOf(view))
        tabs.setCurrentWidget(page)
        QtWidgets.QApplication.processEvents()
        assert view.isVisible()
    assert calls["binary"] == 1 and calls["comparison"] == 1
    # The binary view now reads the state's current prediction of its class.
    assert binary.p == window.state.prediction[binary.class_index]


def _counting(fn, calls, key):
    def wrapper(*args, **kwargs):
        calls[key] += 1
        return fn(*args, **kwargs)
    return wrapper


def test_a_new_prediction_does_not_re_lay_out_the_window(window, qtbot):
    """Changing ŷ repaints the views but asks no layout to recompute (each would repaint the window)."""
    from conftest import settle
    from PySide6 import QtCore, QtWidgets

    requests = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() == QtCore.QEvent.Type.LayoutRequest:
                requests.append(type(obj).__name__)
            return False

    spy = Spy()
    watched = [window, window.readouts, window.controls] + window.readouts.findChildren(QtWidgets.QWidget)
    for w in watched:
        w.installEventFilter(spy)
    values = (0.55, 0.61, 0.07, 0.93)
    for v in values:  # a readout's box may grow once for a wider number, then it stays
        window.state.set_prediction_value(0, v)
        settle()
    requests.clear()
    texts = []
    for v in values[::-1]:
        window.state.set_prediction_value(0, v)
        settle()
        texts.append(window.readouts.ce.value.text())
    for w in watched:
        w.removeEventFilter(spy)
    assert len(set(texts)) == 4  # the readout did change ...
    assert requests == [], requests  # ... without a relayout


def test_writing_logits_in_logits_mode_changes_only_the_prediction(qapp):
    """Writing logits in logits mode: only the first write (the switch to logits mode) changes
    the edit mode, after which views need not restyle."""
    from ce_desktop.gui.state import Aspect, ExplorerState

    state = ExplorerState()
    seen = []
    for a in Aspect:
        state.signal(a).connect(lambda a=a: seen.append(a))
    assert state.set_logits([1.0, 0.0, -1.0])
    assert state.set_logits([2.0, 0.0, -1.0])
    assert state.set_logit(2, -3.0)
    assert seen == [Aspect.EDIT_MODE, Aspect.PREDICTION, Aspect.PREDICTION, Aspect.PREDICTION]


def test_readout_numbers_are_selectable_under_the_pointer_only(window, qtbot):
    """A selectable label repaints twice per new number; the readouts become selectable on hover."""
    from PySide6 import QtCore, QtGui, QtWidgets

    label = window.readouts.ce.value
    Flag = QtCore.Qt.TextInteractionFlag
    assert not label.textInteractionFlags() & Flag.TextSelectableByMouse
    centre = QtCore.QPointF(label.width() / 2, label.height() / 2)
    glob = QtCore.QPointF(label.mapToGlobal(centre.toPoint()))
    QtWidgets.QApplication.sendEvent(label, QtGui.QEnterEvent(centre, centre, glob))
    assert label.textInteractionFlags() & Flag.TextSelectableByMouse
    QtWidgets.QApplication.sendEvent(label, QtCore.QEvent(QtCore.QEvent.Type.Leave))
    assert not label.textInteractionFlags() & Flag.TextSelectableByMouse


def test_a_descent_frame_repaints_the_views_not_the_window_behind_them(window, qtbot):
    """Every number that changes each frame sits on an opaque widget, so a frame repaints
    those widgets only: not the main window, the docks, tab widgets or panels behind them.
    The test takes the frames itself (a real timer on a busy machine gave the window's
    deferred start-up work time to land among the counted frames)."""
    from collections import Counter

    from conftest import hold_descent_clock, play_frames, settle
    from PySide6 import QtCore, QtWidgets

    ctl = window.descent
    hold_descent_clock(ctl)
    window.state.set_descent(steps_per_second=60.0, tolerance=0.0, max_steps=10_000, learning_rate=0.05)
    window.views["binary"], window.views["comparison"], window.views["exercises"]  # noqa: B018 (built after the first paint)
    settle()
    ctl.play()
    # Past step 10: the step counters' boxes grow (once) for a second digit, which re-lays out the dock.
    assert play_frames(ctl, 12) == 12
    painted = Counter()

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() == QtCore.QEvent.Type.Paint:
                painted[type(obj).__name__] += 1
            return False

    spy = Spy()
    app = QtWidgets.QApplication.instance()
    app.installEventFilter(spy)
    try:
        assert play_frames(ctl, 15) == 15
    finally:
        app.removeEventFilter(spy)
        ctl.pause()
    assert painted["ValueLabel"] >= 15 and painted["QSlider"] >= 1  # numbers and scrubber moved ...
    for behind in ("MainWindow", "QDockWidget", "QTabWidget", "QStackedWidget", "ReadoutPanel", "DescentPanel",
                   "TrajectoryPlot"):
        assert painted[behind] == 0, (behind, painted)  # ... with nothing repainted behind them


def test_drag_rounds_pool_into_one_median_and_p90_over_every_move():
    """Rounds that take turns with the other class counts are pooled, not averaged."""
    bench = _bench_module()
    rounds = [
        {"median": 2.0, "p90": 2.8, "times": [1.0, 2.0, 3.0], "loop_times": [1.0, 1.0, 2.0],
         "repaint_times": [0.5, 0.5, 0.5], "followed": True},
        {"median": 15.0, "p90": 19.0, "times": [10.0, 20.0], "loop_times": [1.0, 4.0],
         "repaint_times": [0.5, 1.5], "followed": True},
    ]
    d = bench.pool_drag_rounds(rounds)
    assert d["median"] == 3.0 and d["moves"] == 5
    # Linear interpolation between the 4th and 5th of the 5 sorted moves: 10 + 0.6 * 10.
    assert d["p90"] == pytest.approx(16.0) and d["p90_ratio"] == pytest.approx(16.0 / 3.0)
    assert [r["median"] for r in d["rounds"]] == [2.0, 15.0]
    # Loop sorted: 1, 1, 1, 2, 4; p90 = 2 + 0.6 * (4 - 2) = 3.2, over a median of 1.
    loop = d["controls"]["loop"]
    assert loop["median"] == 1.0 and loop["p90_ratio"] == pytest.approx(3.2)
    # Repaint sorted: 0.5 x 4, 1.5; p90 = 0.5 + 0.6 * 1.0 = 1.1, over a median of 0.5.
    repaint = d["controls"]["repaint"]
    assert repaint["median"] == 0.5
    assert repaint["p90"] == pytest.approx(1.1) and repaint["p90_ratio"] == pytest.approx(2.2)
    rounds[1]["followed"] = False
    rounds[0].update(times=[1.0], loop_times=[1.0], repaint_times=[1.0])
    rounds[1].update(times=[2.0], loop_times=[1.0], repaint_times=[1.0])
    assert not bench.pool_drag_rounds(rounds)["followed"]


def _bench_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ce_bench_run", ROOT / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_animation_rounds_pool_frames_and_cpu_over_the_whole_playing_time():
    bench = _bench_module()
    rounds = [
        {
            "fps": 60.0,
            "cpu_percent": 30.0,
            "frames": 90,
            "steps": 90,
            "cpu_s": 0.45,
            "wall_s": 1.5,
            "still_playing": True,
        },
        {
            "fps": 20.0,
            "cpu_percent": 90.0,
            "frames": 60,
            "steps": 61,
            "cpu_s": 2.7,
            "wall_s": 3.0,
            "still_playing": True,
        },
    ]
    a = bench.pool_animation_rounds(rounds)
    assert a["fps"] == pytest.approx(150 / 4.5)  # not the mean of 60 and 20
    assert a["cpu_percent"] == pytest.approx(100 * 3.15 / 4.5)
    assert a["steps_per_s"] == pytest.approx(151 / 4.5) and a["still_playing"]
    rounds[0]["still_playing"] = False
    assert not bench.pool_animation_rounds(rounds)["still_playing"]


def test_core_rounds_pool_their_batch_means():
    bench = _bench_module()
    r = bench.pool_core_rounds(
        [{"median": 1.0, "batch_means": [1.0, 2.0, 3.0]}, {"median": 30.0, "batch_means": [30.0, 40.0]}]
    )
    assert r["median"] == 3.0 and r["batches"] == 5 and r["rounds"] == [1.0, 30.0]
