"""Exports: the per-class table (CSV/TSV), code snippets, trajectories and pictures.

Numbers are checked against scipy computed here from the raw inputs, never against the
export's own output.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import namedtuple

import numpy as np
import pytest
from scipy import special

from ce_desktop.model import export
from ce_desktop.model.scenario import Scenario

SVG_NS = "{http://www.w3.org/2000/svg}"


# --------------------------------------------------------------------------- scenarios

def _scenarios() -> dict[str, Scenario]:
    return {
        "hard": Scenario.create([1, 0, 0], [0.8, 0.1, 0.1], class_names=("cat", "dog", "bird")),
        "soft": Scenario.create([0.7, 0.2, 0.1], [0.6, 0.3, 0.1]),
        "smoothed": Scenario.create([0, 1, 0, 0], [0.1, 0.6, 0.2, 0.1], label_smoothing=0.2),
        "logits-T": Scenario.create([0.5, 0.5, 0], logits=[2.0, -1.0, 0.5], temperature=2.5),
        "bits": Scenario.create([0.25, 0.25, 0.5], [0.5, 0.25, 0.25], units="bits"),
        "zero": Scenario.create([1, 0, 0], [0.0, 0.5, 0.5]),
        "zero-soft": Scenario.create([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]),
        "many-logits": Scenario.create(
            np.eye(1000)[3], logits=np.linspace(-40, 40, 1000), label_smoothing=0.05, units="bits"
        ),
    }


SCENARIOS = _scenarios()


def _reference(s: Scenario) -> dict[str, np.ndarray | float]:
    """Independent per-class numbers from scipy, straight from the raw fields."""
    y = np.asarray(s.target, float)
    c = y.size
    eps = s.label_smoothing
    y = y * (1 - eps) + eps / c
    if s.logits is not None:
        z = np.asarray(s.logits, float)
        p = special.softmax(z / s.temperature)
        logp = special.log_softmax(z / s.temperature)
        logit = z
    else:
        p = np.asarray(s.prediction, float)
        with np.errstate(divide="ignore"):
            logp = np.log(p)
        logit = logp - logp.max()
    k = math.log(2) if s.units == "bits" else 1.0
    ce = np.where(y > 0, -y * np.where(y > 0, logp, 0.0), 0.0) / k
    h = special.entr(y) / k
    kl = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1.0)) - np.where(y > 0, logp, 0.0)), 0.0) / k
    return {
        "target": y, "prediction": p, "logit": logit, "ce_term": ce, "entropy_term": h,
        "kl_term": kl, "gradient": (p - y) / s.temperature, "ce": float(ce.sum()),
    }


def _read(text: str, dialect="excel") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


# --------------------------------------------------------------------------- table

@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_csv_parses_and_matches_scipy(name):
    s = SCENARIOS[name]
    text = export.table_csv(s)
    rows = _read(text)
    assert text.splitlines()[0] == "class,target,prediction,logit,ce_term,entropy_term,kl_term,gradient"
    assert len(rows) == s.num_classes
    ref = _reference(s)
    assert [r["class"] for r in rows] == list(s.class_names)
    for key in ("target", "prediction", "logit", "ce_term", "entropy_term", "kl_term", "gradient"):
        got = np.array([float(r[key]) for r in rows])
        np.testing.assert_allclose(got, ref[key], rtol=1e-9, atol=1e-12, err_msg=key)
    assert "nan" not in text.lower()
    assert "-0.0," not in text and not any(f.strip() == "-0.0" for r in rows for f in r.values())


def test_csv_terms_add_up_to_the_totals():
    s = SCENARIOS["smoothed"]
    rows = _read(export.table_csv(s))
    ce = sum(float(r["ce_term"]) for r in rows)
    h = sum(float(r["entropy_term"]) for r in rows)
    kl = sum(float(r["kl_term"]) for r in rows)
    assert ce == pytest.approx(_reference(s)["ce"], rel=1e-12)
    assert ce == pytest.approx(h + kl, rel=1e-12)  # CE = H + KL
    assert sum(float(r["gradient"]) for r in rows) == pytest.approx(0.0, abs=1e-12)


def test_infinite_loss_is_written_as_inf():
    rows = _read(export.table_csv(SCENARIOS["zero"]))
    assert rows[0]["ce_term"] == "inf"
    assert rows[0]["kl_term"] == "inf"
    assert rows[0]["logit"] == "-inf"
    assert rows[0]["gradient"] == "-1.0"


def test_negative_zero_is_never_written():
    s = Scenario.create([1, 0, 0], logits=[-0.0, -0.0, -0.0])
    text = export.table_csv(s)
    assert "-0.0" not in text
    assert _read(text)[0]["logit"] == "0.0"


def test_tsv_is_the_same_table_with_tabs_and_awkward_names_survive():
    s = Scenario.create([0.5, 0.5], [0.25, 0.75], class_names=('a, "quoted"', "b\tc"))
    tsv = export.table_tsv(s)
    csv_rows = _read(export.table_csv(s))
    tsv_rows = _read(tsv, "excel-tab")
    assert "," not in tsv.splitlines()[0]
    assert len(tsv.splitlines()[0].split("\t")) == 8
    assert tsv_rows == csv_rows
    # Tabs inside names are folded to spaces by the scenario, so every line has 8 cells.
    assert tsv_rows[1]["class"] == "b c"


def test_table_rows_accepts_a_state_like_object():
    s = SCENARIOS["hard"]
    holder = type("Holder", (), {"scenario": s})()
    rows = export.table_rows(holder)
    assert list(rows[0]) == list(export.TABLE_COLUMNS)
    assert rows[0]["ce_term"] == pytest.approx(-math.log(0.8), rel=1e-15)
    with pytest.raises(TypeError):
        export.table_rows(object())


# --------------------------------------------------------------------------- code

def _run(code: str, tmp_path) -> str:
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return out.stdout


def _printed(stdout: str, name: str) -> str:
    line = next(ln for ln in stdout.splitlines() if ln.startswith(f"{name} ="))
    return line.split("=", 1)[1].strip()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_numpy_snippet_runs_and_prints_the_app_numbers(name, tmp_path):
    s = SCENARIOS[name]
    stdout = _run(export.code_snippet(s, "numpy"), tmp_path)
    value, units = _printed(stdout, "cross_entropy").split()
    assert units == s.units
    ref = _reference(s)["ce"]
    app = s.evaluate().cross_entropy
    if math.isinf(ref):
        assert float(value) == math.inf and app == math.inf
    else:
        assert float(value) == pytest.approx(ref, rel=1e-9)
        assert float(value) == pytest.approx(app, rel=1e-9)
    grad = np.array(eval(_printed(stdout, "gradient")))  # a printed list of floats
    np.testing.assert_allclose(grad, _reference(s)["gradient"], rtol=1e-9, atol=1e-12)


def test_snippets_mention_their_settings():
    s = SCENARIOS["many-logits"]
    np_code = export.code_snippet(s, "numpy")
    assert "label_smoothing = 0.05" in np_code and "np.log(2)" in np_code
    assert max(len(line) for line in np_code.splitlines()) < 100  # long vectors are wrapped
    torch_code = export.code_snippet(s, "torch")
    assert "F.cross_entropy(" in torch_code and "label_smoothing=0.05" in torch_code
    assert "torch.tensor([3])" in torch_code  # a hard label becomes a class index
    soft = export.code_snippet(SCENARIOS["logits-T"], "torch")
    assert "dtype=torch.float64)  # class probabilities" in soft
    assert "logits / temperature" in soft


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_torch_snippet_is_valid_python(name, tmp_path):
    code = export.code_snippet(SCENARIOS[name], "torch")
    compile(code, "snippet.py", "exec")
    try:
        import torch  # noqa: F401
    except ImportError:
        return  # torch is not a dependency; the snippet is still checked to compile
    stdout = _run(code, tmp_path)
    value = float(_printed(stdout, "cross_entropy").split()[0])
    assert value == pytest.approx(_reference(SCENARIOS[name])["ce"], rel=1e-9)


def test_snippet_title_cannot_break_the_script(tmp_path):
    s = Scenario.create([1, 0], [0.5, 0.5], title='evil """ title \\ here')
    stdout = _run(export.code_snippet(s, "numpy"), tmp_path)
    assert float(_printed(stdout, "cross_entropy").split()[0]) == pytest.approx(math.log(2))


def test_unknown_snippet_kind_is_refused():
    with pytest.raises(ValueError, match="numpy"):
        export.code_snippet(SCENARIOS["hard"], "jax")


# --------------------------------------------------------------------------- trajectory

def test_trajectory_csv_from_dicts_and_objects():
    Row = namedtuple("Row", "step cross_entropy kl_divergence entropy logits")
    rows = [
        {"step": 0, "loss": math.inf, "kl": math.inf, "entropy": 0.0, "logits": [0.0, -100.0]},
        Row(1, 0.5, 0.25, 0.25, np.array([0.5, -99.5])),
    ]
    text = export.trajectory_csv(rows, class_names=("yes", "no"))
    parsed = _read(text)
    assert text.splitlines()[0] == "step,loss,kl,entropy,logit_yes,logit_no"
    assert parsed[0]["loss"] == "inf"
    assert [int(r["step"]) for r in parsed] == [0, 1]
    assert float(parsed[1]["logit_no"]) == -99.5
    assert export.trajectory_csv(rows).splitlines()[0].endswith("logit_1,logit_2")


def test_trajectory_csv_refuses_ragged_rows():
    rows = [{"step": 0, "loss": 1, "kl": 1, "entropy": 0, "logits": [0, 1]},
            {"step": 1, "loss": 1, "kl": 1, "entropy": 0, "logits": [0, 1, 2]}]
    with pytest.raises(ValueError):
        export.trajectory_csv(rows)
    assert export.trajectory_csv([]) == "step,loss,kl,entropy\n"


# --------------------------------------------------------------------------- pictures

@pytest.fixture
def picture_widget(qtbot):
    """A 200x100 widget: a solid red block 50 wide beside a plot."""
    from PySide6 import QtGui, QtWidgets

    import pyqtgraph as pg

    w = QtWidgets.QWidget()
    w.setAutoFillBackground(True)
    pal = w.palette()
    pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(10, 200, 30))
    w.setPalette(pal)
    lay = QtWidgets.QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    block = QtWidgets.QFrame()
    block.setAutoFillBackground(True)
    bpal = block.palette()
    bpal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(250, 0, 0))
    block.setPalette(bpal)
    block.setFixedWidth(50)
    lay.addWidget(block)
    plot = pg.PlotWidget()
    plot.plot([0, 1, 2], [1, 0, 2])
    plot.setTitle("loss")
    lay.addWidget(plot)
    qtbot.addWidget(w)
    w.resize(200, 100)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_png_has_the_asked_size_and_the_widget_scaled_inside(picture_widget, tmp_path):
    from PySide6 import QtGui

    path = tmp_path / "pic.png"
    export.save_picture(picture_widget, path, (800, 800))
    img = QtGui.QImage(str(path))
    assert not img.isNull()
    assert (img.width(), img.height()) == (800, 800)
    # Scaled 4x to 800x400, centred vertically: bands of window colour above and below.
    assert QtGui.QColor(img.pixel(400, 50)).getRgb()[:3] == (10, 200, 30)
    left_block = QtGui.QColor(img.pixel(40, 400)).getRgb()[:3]
    assert left_block == (250, 0, 0)


def test_png_default_size_is_the_widget_size(picture_widget, tmp_path):
    from PySide6 import QtGui

    path = tmp_path / "pic.png"
    export.export_widget_png(picture_widget, path)
    img = QtGui.QImage(str(path))
    assert (img.width(), img.height()) == (200, 100)


def test_svg_is_valid_xml_of_the_asked_size_and_vector(picture_widget, tmp_path):
    path = tmp_path / "pic.SVG"
    export.save_picture(picture_widget, path, (1920, 1080))
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert (root.get("width"), root.get("height")) == ("1920", "1080")
    assert root.get("viewBox") == "0 0 1920 1080"
    # The plot's title and axis labels are text, and its curve a path: real vectors.
    texts = [el.text or "" for el in root.iter(f"{SVG_NS}text")]
    assert any("loss" in t for t in texts)
    assert len(list(root.iter(f"{SVG_NS}polyline"))) + len(list(root.iter(f"{SVG_NS}path"))) > 0
    assert list(root.iter(f"{SVG_NS}image")) == []  # no cached bitmap background


def test_picture_format_and_size_are_checked(picture_widget, tmp_path):
    for name in ("pic.jpg", "pic"):
        with pytest.raises(ValueError, match=r"\.png or \.svg"):
            export.save_picture(picture_widget, tmp_path / name, (100, 100))
        assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="size"):
        export.save_picture(picture_widget, tmp_path / "big.png", (9000, 100))
    with pytest.raises(ValueError, match="size"):
        export.save_picture(picture_widget, tmp_path / "bad.png", "large")


def test_failed_picture_write_keeps_the_old_file(picture_widget, tmp_path, monkeypatch):
    from PySide6 import QtCore

    path = tmp_path / "pic.png"
    path.write_bytes(b"old picture")
    monkeypatch.setattr(QtCore.QSaveFile, "commit", lambda self: False)
    with pytest.raises(OSError):
        export.save_picture(picture_widget, path, (300, 300))
    assert path.read_bytes() == b"old picture"


def test_picture_into_a_missing_folder_is_an_os_error(picture_widget, tmp_path):
    with pytest.raises(OSError, match="cannot write"):
        export.save_picture(picture_widget, tmp_path / "nope" / "pic.svg")


def test_write_file_atomic_short_write_leaves_old_file(tmp_path, monkeypatch):
    from PySide6 import QtCore

    path = tmp_path / "x.txt"
    path.write_text("old")
    monkeypatch.setattr(QtCore.QSaveFile, "write", lambda self, data: 3)  # "disk full" midway
    with pytest.raises(OSError, match="disk full"):
        export.write_file_atomic(path, b"new content")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]  # no temporary left behind


def test_svg_text_has_the_screen_size_and_menu_bars_survive(qtbot, tmp_path):
    """Fonts keep their on-screen pixel size; a menu bar (which needs clipping) is a picture."""
    from PySide6 import QtGui, QtWidgets

    w = QtWidgets.QMainWindow()
    w.menuBar().addMenu("&File")
    label = QtWidgets.QLabel("central text")
    w.setCentralWidget(label)
    qtbot.addWidget(w)
    w.resize(300, 150)
    w.show()
    qtbot.waitExposed(w)
    path = tmp_path / "win.svg"
    export.save_picture(w, path, (600, 300))
    root = ET.parse(path).getroot()
    texts = {el.text: el for el in root.iter(f"{SVG_NS}text")}
    assert "central text" in texts
    px = QtGui.QFontInfo(label.font()).pixelSize()
    sizes = {el.get("font-size") for el in root.iter() if el.get("font-size")}
    assert str(px) in sizes
    images = list(root.iter(f"{SVG_NS}image"))
    assert len(images) == 1  # the menu bar, drawn at the export's 2x scale
    href = images[0].get("{http://www.w3.org/1999/xlink}href")
    assert href.startswith("data:image/png;base64,")
    img = QtGui.QImage.fromData(base64.b64decode(href.split(",", 1)[1]))
    assert (img.width(), img.height()) == (2 * w.menuBar().width(), 2 * w.menuBar().height())


def test_tables_and_code_need_no_qt():
    """`report --csv/--code` uses these without a window: importing export loads no Qt."""
    code = (
        "import sys; from ce_desktop.model import export; from ce_desktop.model.scenario import Scenario\n"
        "export.table_csv(Scenario.create([1, 0], [0.5, 0.5])); export.code_snippet(Scenario.create([1, 0], [0.5, 0.5]), 'torch')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken', 'pyqtgraph'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- File ▸ Export Picture… in the window


def _export_through_the_dialog(qtbot, window, monkeypatch, index: int, suffix: str, path) -> dict:
    """File ▸ Export Picture… as a user does it: open it with Ctrl+Shift+E, pick entry ``index``
    of "Picture of:" and the format with the arrow keys, press OK, and give ``path`` to the
    save dialog (a stand-in: Qt's file dialog is not ours to test). Returns what was seen."""
    from PySide6 import QtCore, QtTest, QtWidgets

    from ce_desktop.gui.files import PictureDialog

    seen: dict = {}

    def save_file_name(parent, title, suggested, file_filter):
        seen["suggested"] = suggested
        return str(path), file_filter

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(save_file_name))

    def drive():
        dialog = QtWidgets.QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, PictureDialog)
            seen["count"] = dialog.target_box.count()
            for box, k in ((dialog.target_box, index), (dialog.format_box, 0 if suffix == ".png" else 1)):
                box.setFocus()
                qtbot.keyClick(box, QtCore.Qt.Key.Key_Home)
                for _ in range(k):
                    qtbot.keyClick(box, QtCore.Qt.Key.Key_Down)
            seen["name"] = dialog.target_box.currentText()
            seen["widget"], seen["size"], _ = dialog.choice()
            ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
            qtbot.mouseClick(ok, QtCore.Qt.MouseButton.LeftButton)
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.reject()  # a failed check must not leave the modal dialog waiting forever

    window.activateWindow()  # the shortcut goes to the active window; a closed dialog hands it back late
    assert QtTest.QTest.qWaitForWindowActive(window, 2000)
    QtCore.QTimer.singleShot(0, drive)  # runs inside the dialog's own event loop
    qtbot.keyClick(window, QtCore.Qt.Key.Key_E,
                   QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert "count" in seen  # the dialog opened and was driven
    return seen


def _distinct_colours(img) -> int:
    from PySide6 import QtGui

    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return len(np.unique(pixels))


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_every_choice_of_the_export_picture_dialog_writes_that_picture(qtbot, settings_dir, tmp_path, monkeypatch,
                                                                       suffix):
    """The whole window and every plot the dialog lists, each read back from its file."""
    from PySide6 import QtGui, QtWidgets

    from conftest import show_window
    from ce_desktop.gui.errors import ErrorReporter

    window = show_window(qtbot, settings_dir, active=True)
    bugs = []
    reporter = ErrorReporter(window, tmp_path, show=lambda summary, details: bugs.append(summary)).install()
    try:
        targets = window.file_actions.picture_targets()
        assert len(targets) >= 5  # the window, and the target, prediction, terms and gradient plots at least
        for index, (name, widget) in enumerate(targets):
            path = tmp_path / f"picture{index}{suffix}"
            seen = _export_through_the_dialog(qtbot, window, monkeypatch, index, suffix, path)
            assert seen["count"] == len(targets) and seen["name"] == name and seen["widget"] is widget
            assert seen["suggested"].endswith(suffix)
            assert bugs == [] and not [b for b in window.findChildren(QtWidgets.QMessageBox) if b.isVisible()], name
            assert path.is_file(), name
            w, h = seen["size"]
            assert (w, h) == (widget.width(), widget.height())  # "As on screen", the dialog's first size
            if suffix == ".png":
                img = QtGui.QImage(str(path))
                assert not img.isNull() and (img.width(), img.height()) == (w, h), name
                assert _distinct_colours(img) > 1, name  # not a blank rectangle
            else:
                root = ET.parse(path).getroot()
                assert (root.get("width"), root.get("height")) == (str(w), str(h)), name
                drawn = [el for el in root.iter() if el.tag in (f"{SVG_NS}path", f"{SVG_NS}polyline")]
                texts = [el.text for el in root.iter(f"{SVG_NS}text") if (el.text or "").strip()]
                assert drawn and texts, name  # curves, bars or axes, and labels: more than the background
    finally:
        reporter.uninstall()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_a_plot_into_an_unwritable_place_is_a_message_not_a_bug(qtbot, settings_dir, tmp_path, monkeypatch, suffix):
    from PySide6 import QtWidgets

    from conftest import show_window
    from ce_desktop.gui.errors import ErrorReporter

    window = show_window(qtbot, settings_dir, active=True)
    bugs = []
    reporter = ErrorReporter(window, tmp_path, show=lambda summary, details: bugs.append(summary)).install()
    try:
        path = tmp_path / "no such folder" / f"plot{suffix}"
        _export_through_the_dialog(qtbot, window, monkeypatch, 1, suffix, path)
        assert bugs == []
        box = window.file_actions.prompts.last_error
        assert box is not None and box.isVisible()
        assert box.text() == "Cannot export the picture"
        assert str(path) in box.informativeText() and "No such file or directory" in box.informativeText()
        assert not path.parent.exists()
        box.close()
    finally:
        reporter.uninstall()
