"""Bounds on everything that comes from outside, and honest errors.

* Scenario and lesson files are parsed as JSON only: a Python pickle (even one that would
  run code when unpickled) or Python source is refused as not JSON, and nothing runs.
* A file is checked in full before anything is applied: a refused file leaves the window's
  scenario, undo history, document and title exactly as they were.
* Size and class count are limited, with a clear message past the limits (and the limits
  themselves still load).
* A lesson can only reach scenario files beside it (no ``..``, absolute paths, drive
  letters, or links leading out of its folder).
* The command line exits 2 with one clear line for every user error (also for random
  garbage given to the window's options), and 1 only for a genuine internal failure, after
  writing the traceback to a log file whose path it prints.
* In the window, an exception escaping a real slot opens a dialog with copyable details,
  is logged, and the window keeps working.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import pytest  # noqa: E402
from conftest import run_app_main, show_window  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402  (PySide6 before pyqtgraph)
from test_fuzz_gui import (  # noqa: E402
    LEFT,
    NO_BUTTON,
    T,
    mouse,
    plot_point,
    plot_problems,
    state_problems,
    text_problems,
)

from ce_desktop.gui.errors import LOG_NAME, ErrorReporter  # noqa: E402
from ce_desktop.model import lessons  # noqa: E402
from ce_desktop.model.lessons import LessonError  # noqa: E402
from ce_desktop.model.scenario import MAX_CLASSES, MAX_FILE_BYTES, Scenario, ScenarioError  # noqa: E402

pg.setConfigOption("mouseRateLimit", -1)
ROOT = Path(__file__).resolve().parents[2]
ERROR_LINE = re.compile(r"^ce-desktop: error: \S[^\n]*\n$")
INTERNAL_LINE = re.compile(r"^ce-desktop: internal error; details written to (\S+\.log)\n$")
K = QtCore.Qt.Key
M = QtCore.Qt.KeyboardModifier


def process() -> None:
    QtWidgets.QApplication.processEvents()


def scenario_dict(n: int = 3, **extra) -> dict:
    y = [0.0] * n
    y[0] = 1.0
    return {"format": "ce-explorer-scenario", "version": 1, "target": y, "prediction": [1.0 / n] * n, **extra}


class Marker:
    """Unpickling this creates the marker file: proof that a pickle was (not) loaded."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def hostile_files(folder: Path, marker: Path) -> dict[str, Path]:
    """Files that are not JSON but might be taken for code or pickles."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "pickle-protocol-0.json": pickle.dumps(Marker(marker), protocol=0),  # ASCII pickle
        "pickle-protocol-5.json": pickle.dumps(Marker(marker), protocol=5),
        "pickled-dict.json": pickle.dumps(scenario_dict(), protocol=0),
        "python-import.json": f"__import__('pathlib').Path({str(marker)!r}).touch()".encode(),
        "python-literal.json": repr(scenario_dict()).encode(),  # single quotes: Python, not JSON
        "eval-in-a-string.json": json.dumps(scenario_dict(title=f"{{__import__('os').system('touch {marker}')}}"))
        .replace('"target": [1.0, 0.0, 0.0]', '"target": __import__("builtins").list([1, 0, 0])').encode(),
        "javascript.json": b"// a comment\n" + json.dumps(scenario_dict()).encode(),
        "constant-notanumber.json": json.dumps(scenario_dict()).replace("0.0, 0.0]", "NaN, 0.0]", 1).encode(),
        "infinity.json": json.dumps(scenario_dict(temperature=2)).replace("2}", "Infinity}").encode(),
        "yaml.json": b"format: ce-explorer-scenario\nversion: 1\ntarget: [1, 0]\nprediction: [0.5, 0.5]\n",
    }
    out = {}
    for name, data in contents.items():
        p = folder / name
        p.write_bytes(data)
        out[name] = p
    return out


# --------------------------------------------------------------------------- scenario files: JSON only


def test_scenario_files_are_json_only_and_nothing_runs(tmp_path):
    marker = tmp_path / "code-ran"
    files = hostile_files(tmp_path / "files", marker)
    # The pickles really are live: loading one with pickle would create the marker.
    pickle.loads(files["pickle-protocol-0.json"].read_bytes())
    assert marker.exists()
    marker.unlink()
    for name, path in files.items():
        with pytest.raises(ScenarioError) as info:
            Scenario.load(path)
        message = str(info.value)
        assert message.startswith(path.name + ": "), message
        assert "not valid JSON" in message or "not a text (UTF-8) file" in message, (name, message)
        assert "\n" not in message and message.count("not valid JSON") <= 1, message
    assert not marker.exists(), "a file was run as code"


def _numbers_everywhere(ok: dict) -> list[tuple[str, str]]:
    """(label, JSON text) with an integer too large for a float in each numeric field."""
    big = "1" + "0" * 400
    base = json.dumps(ok)
    return [
        ("target entry", base.replace('"target": [1.0', f'"target": [{big}', 1)),
        ("temperature", base[:-1] + f', "temperature": {big}}}'),
        ("label smoothing", base[:-1] + f', "label_smoothing": -{big}}}'),
        ("descent", base[:-1] + f', "descent": {{"max_steps": {big}}}}}'),
        ("5000 digits", base.replace('"version": 1', '"version": 1' + "0" * 5000)),
    ]


@pytest.mark.parametrize("label,text", _numbers_everywhere(scenario_dict()))
def test_huge_integers_are_a_clear_file_error(tmp_path, label, text):
    path = tmp_path / "big.json"
    path.write_text(text)
    with pytest.raises(ScenarioError, match="too large a number|not valid JSON: Exceeds the limit"):
        Scenario.load(path)


def test_size_limit_is_exact_and_explained(tmp_path):
    good = json.dumps(scenario_dict())
    at_limit = tmp_path / "at-limit.json"
    at_limit.write_text(good[:-1] + " " * (MAX_FILE_BYTES - len(good)) + "}")
    assert at_limit.stat().st_size == MAX_FILE_BYTES
    assert Scenario.load(at_limit).num_classes == 3  # the limit itself still loads
    over = tmp_path / "over.json"
    over.write_text(good[:-1] + " " * (MAX_FILE_BYTES - len(good) + 1) + "}")
    with pytest.raises(ScenarioError, match=r"^over\.json: the file is larger than 2000 kB$"):
        Scenario.load(over)


def test_class_limit_is_exact_and_explained(tmp_path):
    at = tmp_path / "thousand.json"
    at.write_text(json.dumps(scenario_dict(MAX_CLASSES)))
    assert Scenario.load(at).num_classes == MAX_CLASSES
    over = tmp_path / "thousand-and-one.json"
    over.write_text(json.dumps(scenario_dict(MAX_CLASSES + 1)))
    with pytest.raises(ScenarioError, match="'target' has 1001 classes; at most 1000 are supported"):
        Scenario.load(over)
    logits = tmp_path / "logits.json"
    d = scenario_dict(MAX_CLASSES)
    del d["prediction"]
    d["logits"] = [0.0] * (MAX_CLASSES + 1)
    logits.write_text(json.dumps(d))
    with pytest.raises(ScenarioError, match="'logits' has 1001 classes"):
        Scenario.load(logits)


# --------------------------------------------------------------------------- the window: checked before applied


class StandInPrompts:
    """file_actions.Prompts without dialogs: Open answers ``path``, errors are collected."""

    def __init__(self):
        self.path = None
        self.errors: list[tuple[str, str]] = []
        self.last_error = None

    def save_changes(self, name, doing):
        from ce_desktop.gui.dialogs import DISCARD

        return DISCARD

    def open_path(self, directory):
        return str(self.path)

    def save_path(self, suggested):
        return None

    def export_path(self, title, suggested, file_filter):
        return None

    def picture(self, targets, suggested_dir):
        return None

    def error(self, title, text):
        self.errors.append((title, text))


@pytest.fixture
def window(qtbot, tmp_path):
    w = show_window(qtbot, tmp_path / "settings", size=(1280, 800))
    w.activateWindow()
    w.file_actions.prompts = StandInPrompts()
    # Some history and a changed scenario, so that "unchanged" means something.
    w.state.set_prediction_value(0, 0.55)
    w.state.set_true_class(1)
    process()
    return w


def snapshot(w) -> tuple:
    s = w.state
    return (s.scenario, len(s.history), s.history.undo_text, s.history.can_redo, w.windowTitle(),
            w.file_actions.path, w.file_actions.modified)


def assert_unchanged(w, before: tuple) -> None:
    after = snapshot(w)
    assert after[0].same_as(before[0]), "the scenario changed"
    assert after[1:] == before[1:]


def late_errors() -> dict[str, dict]:
    """Valid JSON, right format, everything fine until one detail near the end."""
    d = scenario_dict(4)
    return {
        "late-optimizer.json": {**d, "descent": {"learning_rate": 0.5, "optimizer": "lbfgs"}},
        "late-name-type.json": {**d, "class_names": ["a", "b", "c", 4]},
        "late-unknown-key.json": {**d, "units": "nats", "colour": "red"},
        "late-units.json": {**d, "units": "furlongs"},
        "late-smoothing.json": {**d, "label_smoothing": 1.5},
        "wrong-count.json": {**d, "prediction": [0.5, 0.5]},
        "future.json": {**d, "version": 99},
        "not-ours.json": {**d, "format": "something-else"},
    }


def test_a_refused_file_changes_nothing_in_the_window(window, tmp_path, qtbot):
    w = window
    marker = tmp_path / "code-ran"
    files = list(hostile_files(tmp_path / "files", marker).values())
    for name, data in late_errors().items():
        p = tmp_path / "files" / name
        p.write_text(json.dumps(data))
        files.append(p)
    big = tmp_path / "files" / "big.json"
    from ce_desktop.model.workspace_file import MAX_FILE_BYTES as SESSION_MAX_BYTES  # a file with a dataset

    big.write_text(json.dumps(scenario_dict(3)) + " " * max(MAX_FILE_BYTES, SESSION_MAX_BYTES))
    files += [big, tmp_path / "files" / "missing.json", tmp_path / "files"]
    huge = tmp_path / "files" / "huge-int.json"
    huge.write_text(_numbers_everywhere(scenario_dict())[0][1])
    files.append(huge)
    prompts = w.file_actions.prompts
    for path in files:
        before = snapshot(w)
        prompts.path = path
        qtbot.keyClick(w, K.Key_O, M.ControlModifier)  # File ▸ Open (the stand-in answers the dialog)
        process()
        assert_unchanged(w, before)
        title, text = prompts.errors[-1]
        assert title == "Cannot open the scenario"
        assert path.name in text and "\n" not in text and "Traceback" not in text, text
    assert len(prompts.errors) == len(files)
    assert not marker.exists()
    problems = state_problems(w.state) + text_problems(w) + plot_problems(w)
    assert not problems, problems
    # A good file still opens afterwards.
    good = tmp_path / "files" / "good.json"
    Scenario.create([0.2, 0.8], [0.5, 0.5], title="fine").save(good)
    prompts.path = good
    qtbot.keyClick(w, K.Key_O, M.ControlModifier)
    process()
    assert w.state.scenario.title == "fine" and w.file_actions.path == good.absolute()


# --------------------------------------------------------------------------- lessons


def lesson_dict(slides=None, **extra) -> dict:
    slides = slides or [{"caption": "CE = {ce}", "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}]
    return {"format": "ce-explorer-lesson", "version": 1, "name": "attack", "title": "Attack", "slides": slides,
            **extra}


def test_lesson_files_are_json_only_and_nothing_runs(tmp_path):
    marker = tmp_path / "code-ran"
    for name, path in hostile_files(tmp_path / "files", marker).items():
        with pytest.raises(LessonError) as info:
            lessons.load(path)
        message = str(info.value)
        assert "not valid JSON" in message or "not a text (UTF-8) file" in message, (name, message)
        assert message.count("not valid JSON") <= 1, message
    assert not marker.exists()
    p = tmp_path / "huge.json"
    p.write_text(json.dumps(lesson_dict()).replace('"version": 1', '"version": 1' + "0" * 5000))
    with pytest.raises(LessonError, match="not valid JSON"):
        lessons.load(p)


def test_lesson_limits_are_explained(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps(lesson_dict()) + " " * lessons.MAX_FILE_BYTES)
    with pytest.raises(LessonError, match=r"big\.json: the file is larger than 1000 kB"):
        lessons.load(big)
    slide = {"caption": "x", "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}
    many = tmp_path / "many.json"
    many.write_text(json.dumps(lesson_dict([slide] * (lessons.MAX_SLIDES + 1))))
    with pytest.raises(LessonError, match="201 slides; at most 200"):
        lessons.load(many)
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(lesson_dict([slide] * lessons.MAX_SLIDES)))
    assert len(lessons.load(ok).slides) == lessons.MAX_SLIDES
    classes = tmp_path / "classes.json"
    y = [1.0] + [0.0] * MAX_CLASSES
    classes.write_text(json.dumps(lesson_dict([slide, {"caption": "x", "scenario": {"target": y, "prediction": y}}])))
    with pytest.raises(LessonError, match="slide 2: 'target' has 1001 classes; at most 1000"):
        lessons.load(classes)


@pytest.mark.parametrize("name,reason", [
    ("../outside.json", "may not use '..'"),
    ("sub/../../outside.json", "may not use '..'"),
    ("..\\outside.json", "may not use '..'"),
    ("/etc/passwd", "must be relative"),
    ("\\\\server\\share\\x.json", "must be relative"),
    ("C:\\Windows\\x.json", "must be relative"),
    ("c:x.json", "must be relative"),
    ("", "must be a file name"),
    ("x\u0000.json", "not a usable file name"),
    ("a" * 300 + ".json", "not a usable file name"),
])
def test_lessons_reach_only_files_beside_them(tmp_path, name, reason):
    folder = tmp_path / "lesson"
    folder.mkdir()
    Scenario.create([1, 0], [0.5, 0.5]).save(tmp_path / "outside.json")
    p = folder / "lesson.json"
    p.write_text(json.dumps(lesson_dict([{"caption": "x", "scenario_file": name}])))
    with pytest.raises(LessonError) as info:
        lessons.load(p)
    assert reason in str(info.value) and "slide 1" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_links_out_of_the_lesson_folder_are_refused_and_files_beside_it_load(tmp_path):
    folder = tmp_path / "lesson"
    (folder / "sub").mkdir(parents=True)
    Scenario.create([1, 0], [0.5, 0.5], title="outside").save(tmp_path / "outside.json")
    Scenario.create([0, 1], [0.25, 0.75], title="beside").save(folder / "beside.json")
    Scenario.create([0, 1], [0.4, 0.6], title="below").save(folder / "sub" / "below.json")
    os.symlink(tmp_path / "outside.json", folder / "link.json")
    os.symlink(tmp_path, folder / "up")
    os.symlink("/dev/zero", folder / "zero.json")
    for name in ("link.json", "up/outside.json", "zero.json"):
        p = folder / "lesson.json"
        p.write_text(json.dumps(lesson_dict([{"caption": "x", "scenario_file": name}])))
        with pytest.raises(LessonError, match="leads outside the lesson's folder"):
            lessons.load(p)
    p = folder / "lesson.json"
    p.write_text(json.dumps(lesson_dict([{"caption": "a", "scenario_file": "beside.json"},
                                         {"caption": "b", "scenario_file": "sub/below.json"}])))
    loaded = lessons.load(p)
    assert [s.scenario.title for s in loaded.slides] == ["beside", "below"]


def test_a_refused_lesson_changes_nothing_in_the_window(window, tmp_path, qtbot):
    w = window
    folder = tmp_path / "lesson"
    folder.mkdir()
    Scenario.create([1, 0], [0.5, 0.5]).save(tmp_path / "outside.json")
    bad = folder / "bad.json"
    # Slide 1 is fine; slide 2 reaches out of the folder: nothing of the lesson may be applied.
    bad.write_text(json.dumps(lesson_dict([{"caption": "fine", "scenario": {"target": [0, 1], "prediction": [1, 0]}},
                                           {"caption": "x", "scenario_file": "../outside.json"}])))
    before = snapshot(w)
    assert w.classroom.open_lesson_file(str(bad)) is None
    process()
    assert_unchanged(w, before)
    assert w.classroom.lesson is None and not w.classroom.lesson_dock.isVisible()
    boxes = [b for b in w.findChildren(QtWidgets.QMessageBox) if b.isVisible()]
    assert boxes and "may not use '..'" in boxes[-1].text() and "slide 2" in boxes[-1].text()
    for b in boxes:
        b.close()


# --------------------------------------------------------------------------- the command line


def _run_main(capsys, argv):
    """``app.main(argv)`` in this process (its window deleted afterwards); rc, stdout, stderr."""
    rc = run_app_main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_an_internal_failure_exits_1_and_logs_the_traceback(capsys, tmp_path, monkeypatch):
    from ce_desktop import cli

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    def broken(args):
        raise RuntimeError("planted internal bug")

    monkeypatch.setattr(cli, "_report", broken)
    rc, out, err = _run_main(capsys, ["report", "--target", "1,0", "--prediction", "0.5,0.5"])
    assert rc == 1 and out == ""
    m = INTERNAL_LINE.match(err)
    assert m, repr(err)  # one line, no traceback on the terminal
    log = Path(m.group(1))
    assert log.parent == tmp_path and log.name.startswith("ce-desktop-crash-")
    text = log.read_text()
    assert text.startswith("Traceback") and "in broken" in text and "RuntimeError: planted internal bug" in text


def test_an_internal_failure_in_the_window_path_exits_1(capsys, tmp_path, monkeypatch):
    from ce_desktop.gui import launch

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    def broken(args):
        raise KeyError("planted")

    monkeypatch.setattr(launch, "run_gui", broken)
    rc, out, err = _run_main(capsys, ["--preset", "good-prediction"])
    m = INTERNAL_LINE.match(err)
    assert rc == 1 and m, err
    assert "KeyError: 'planted'" in Path(m.group(1)).read_text()


def test_an_internal_failure_in_a_real_process(tmp_path):
    """The installed entry point: exit status 1, one line on stderr, the traceback in the file."""
    probe = ("import sys\n"
             "from ce_desktop import app, cli\n"
             "def broken(args):\n"
             "    raise RuntimeError('planted')\n"  # (a MemoryError is a user error: test_cli)
             "cli._report = broken\n"
             "sys.exit(app.main(['report', '--target', '1,0', '--prediction', '0.5,0.5']))\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    m = INTERNAL_LINE.match(proc.stderr)
    assert m, proc.stderr
    assert Path(m.group(1)).parent == tmp_path
    assert "RuntimeError: planted" in Path(m.group(1)).read_text()


def test_a_hostile_scenario_on_the_command_line_is_a_user_error(capsys, tmp_path):
    marker = tmp_path / "code-ran"
    files = list(hostile_files(tmp_path / "files", marker).values())
    huge = tmp_path / "huge.json"
    huge.write_text(_numbers_everywhere(scenario_dict())[0][1])  # exited 1 (OverflowError) before the fix
    files.append(huge)
    for path in files:
        for argv in (["report", "--scenario", str(path)], ["--scenario", str(path), "--settings-dir", str(tmp_path)]):
            rc, out, err = _run_main(capsys, argv)
            assert rc == 2 and out == "" and ERROR_LINE.match(err), (argv, rc, err)
            assert path.name in err
    assert not marker.exists()


_GUI_FLAGS = ["--preset", "--scenario", "--lesson", "--slide", "--steps", "--size", "--theme", "--font-scale",
              "--units", "--presentation", "--list-presets", "--list-lessons", "--bogus", "-x", "--help",
              "--target", "--json", "descend", "report"]  # the subcommands' words where they do not belong
_GUI_SWITCHES = {"--presentation", "--list-presets", "--list-lessons", "--help"}
_GUI_VALUES = {
    "--preset": ["good-prediction", "zero-probability", "nope", "", "GOOD-PREDICTION", "../x"],
    "--lesson": ["cross-entropy", "nope", "", "../../etc/passwd", "/dev/zero", "x.json"],
    "--slide": ["1", "2", "27", "28", "0", "-1", "x", "1e3", "999999999999999999999"],
    "--steps": ["0", "3", "50", "-5", "x", "2.5", "99999999"],
    "--size": ["640x480", "1280x720", "199x300", "8001x600", "10x", "x", "-640x480", "640X480", "0x0", "1e3x600"],
    "--theme": ["light", "dark", "projector", "neon", ""],
    "--font-scale": ["100", "150%", "49", "301", "x", "-100", "1e2"],
    "--units": ["nats", "bits", "furlongs"],
}
_JUNK = ["", "x", "-", "--", "0", "nan", "inf", "\x00", "∞", "１", "--screenshot"]


def _gui_garbage(rng: random.Random, files: list[str]) -> list[str]:
    argv = []
    for _ in range(rng.randint(0, 5)):
        flag = rng.choice(_GUI_FLAGS)
        argv.append(flag)
        if flag in _GUI_SWITCHES and rng.random() < 0.9:
            continue
        if flag == "--scenario":
            argv.append(rng.choice(files))
        elif flag in _GUI_VALUES and rng.random() < 0.85:
            argv.append(rng.choice(_GUI_VALUES[flag]))
        elif rng.random() < 0.8:
            argv.append(rng.choice(_JUNK))
    return argv


def garbage_window_options(capsys, tmp_path, runs: int, seed: int) -> dict[int, int]:
    """Random combinations of the window's options: a picture (--screenshot, so nothing waits
    for a person) or exit 2 with one clear line; never a traceback, never exit 1."""
    good = tmp_path / "good.json"
    Scenario.create([0.5, 0.5], logits=[1.0, -1.0]).save(good)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ce-explorer-scenario", "version": 1}')
    files = [str(good), str(bad), str(tmp_path / "missing.json"), str(tmp_path), "", "/dev/zero"]
    rng = random.Random(seed)
    outcomes = {0: 0, 2: 0}
    for k in range(runs):
        shot = tmp_path / f"shot-{k}.png"
        argv = _gui_garbage(rng, files)
        if "--help" in argv or "--list-presets" in argv or "--list-lessons" in argv:
            argv = [a for a in argv if a not in ("--help", "--list-presets", "--list-lessons")]
        if rng.random() < 0.5:
            argv = [a for a in argv if a != "--size"]
        full = argv + ["--screenshot", str(shot), "--settings-dir", str(tmp_path / "settings"), "--size", "640x400"]
        rc, out, err = _run_main(capsys, full)
        assert rc in (0, 2), (full, rc, err)
        assert "Traceback" not in out + err, full
        if rc == 2:
            assert ERROR_LINE.match(err), (full, err)
            assert not shot.exists()
        else:
            assert shot.stat().st_size > 1000, full
            assert err == "", (full, err)
        outcomes[rc] += 1
    return outcomes


def test_garbage_window_options_give_a_window_or_exit_2(capsys, tmp_path, qtbot):
    outcomes = garbage_window_options(capsys, tmp_path, 50, seed=8)
    assert outcomes[0] >= 5 and outcomes[2] >= 25, outcomes  # both kinds really happened


@pytest.mark.slow
def test_garbage_window_options_long(capsys, tmp_path, qtbot):
    outcomes = garbage_window_options(capsys, tmp_path, 500, seed=9)
    assert outcomes[0] >= 50 and outcomes[2] >= 250, outcomes


# --------------------------------------------------------------------------- the window: an unexpected exception


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_real_slot_shows_a_dialog_and_the_window_keeps_working(window, qtbot, tmp_path,
                                                                                 monkeypatch):
    from ce_desktop.gui.views import readouts

    w = window
    reporter = ErrorReporter(w, tmp_path / "logs").install()  # as run_gui does
    try:
        real = readouts.ReadoutPanel.refresh
        armed = {"on": True}

        def refresh(self):
            if armed["on"]:
                armed["on"] = False
                raise ZeroDivisionError("planted bug in a slot")
            real(self)

        monkeypatch.setattr(readouts.ReadoutPanel, "refresh", refresh)
        editor = w.prediction_editor

        def drag(i, y0, y1):
            vb = editor.getPlotItem().getViewBox()
            a, b = plot_point(editor, vb, i, y0), plot_point(editor, vb, i, y1)
            vp = editor.viewport()
            mouse(vp, T.MouseMove, a, NO_BUTTON, NO_BUTTON)
            mouse(vp, T.MouseButtonPress, a, LEFT, LEFT)
            mouse(vp, T.MouseMove, (a + b) / 2, NO_BUTTON, LEFT)
            process()
            mouse(vp, T.MouseMove, b, NO_BUTTON, LEFT)
            mouse(vp, T.MouseButtonRelease, b, LEFT, NO_BUTTON)
            process()

        drag(1, 0.2, 0.6)  # the real drag reaches the readouts' slot, which raises
        boxes = [b for b in w.findChildren(QtWidgets.QMessageBox) if b.isVisible()]
        assert len(boxes) == 1 and reporter.count == 1
        box = boxes[0]
        assert "ZeroDivisionError: planted bug in a slot" in box.text()
        assert "Traceback" in box.detailedText() and "in refresh" in box.detailedText()
        log = tmp_path / "logs" / LOG_NAME
        assert str(log) in box.informativeText() and "planted bug in a slot" in log.read_text()
        copy = next(b for b in box.buttons() if b.text() == "Copy details")
        copy.click()
        assert "planted bug in a slot" in QtGui.QGuiApplication.clipboard().text()
        box.button(QtWidgets.QMessageBox.StandardButton.Close).click()
        qtbot.waitUntil(lambda: reporter.dialog is None)
        w.activateWindow()  # the window manager's job once the dialog is gone (offscreen has none)
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w)

        # The app kept working: the edit itself went through, and the next drag updates every view.
        s = w.state
        assert s.prediction[1] == pytest.approx(0.6, abs=0.02) and not s.gesture_active
        drag(2, 0.1, 0.3)
        assert s.prediction[2] == pytest.approx(0.3, abs=0.02)
        assert w.readouts.ce.value.text() == f"{-np.log(s.prediction[1]):.3f}"  # true class 1 (the fixture)
        qtbot.keyClick(w, K.Key_Z, M.ControlModifier)
        process()
        assert s.prediction[1] == pytest.approx(0.6, abs=0.02)
        assert w.readouts.ce.value.text() == f"{-np.log(s.prediction[1]):.3f}"  # true class 1 (the fixture)
        problems = state_problems(s) + text_problems(w) + plot_problems(w)
        assert not problems, problems
        assert reporter.count == 1
    finally:
        reporter.uninstall()
