"""The dataset workspace page: its controls drive the state through real widgets; CSV files in and out."""

import numpy as np
import pytest
from conftest import settle, show_view
from PySide6 import QtCore, QtWidgets

from ce_desktop.gui.dataset_workspace import DatasetWorkspace
from ce_desktop.model import dataset_csv


@pytest.fixture
def page(qtbot):
    p = show_view(qtbot, DatasetWorkspace(), size=(1280, 700))
    yield p
    p.state.pause()


def _type(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), QtCore.Qt.Key.Key_Return)
    settle()


def test_generate_from_the_controls(page, qtbot):
    c = page.controls
    c.generator.setCurrentIndex(c.generator.findData("moons"))
    _type(qtbot, c.samples, "300")
    _type(qtbot, c.classes, "2")
    qtbot.mouseClick(c.generate_button, QtCore.Qt.MouseButton.LeftButton)
    s = page.state.setup
    assert s.generator is not None and s.generator.name == "moons"
    assert s.data.num_samples == 300 and s.data.num_classes == 2
    assert page.state.history.undo_text == "Generate moons"


def test_a_refused_generator_keeps_the_data_and_says_why(page, qtbot):
    c = page.controls
    before = page.state.setup
    c.generator.setCurrentIndex(c.generator.findData("moons"))
    _type(qtbot, c.classes, "4")  # moons are two classes only
    with qtbot.waitSignal(page.state.message) as msg:
        qtbot.mouseClick(c.generate_button, QtCore.Qt.MouseButton.LeftButton)
    assert "moons" in msg.args[0]
    assert page.state.setup is before


def test_play_button_and_scrubber(page, qtbot):
    c = page.controls
    qtbot.mouseClick(c.step_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(c.step_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(c.step_button, QtCore.Qt.MouseButton.LeftButton)
    assert page.state.position == 3 and c.scrubber.maximum() == 3
    c.scrubber.setFocus()
    qtbot.keyClick(c.scrubber, QtCore.Qt.Key.Key_Home)
    assert page.state.position == 0
    qtbot.mouseClick(c.play_button, QtCore.Qt.MouseButton.LeftButton)
    assert page.state.playing and c.play_button.text() == "Pause"
    qtbot.mouseClick(c.play_button, QtCore.Qt.MouseButton.LeftButton)
    assert not page.state.playing


def test_model_loss_and_training_controls_write_the_setup(page, qtbot):
    c = page.controls
    c.model_kind.setFocus()
    qtbot.keyClick(c.model_kind, QtCore.Qt.Key.Key_Down)  # logistic regression -> MLP, as a user picks it
    assert page.state.setup.model.kind == "mlp" and c.hidden.isEnabled()
    _type(qtbot, c.hidden, "16")
    assert page.state.setup.model.hidden == 16
    c.weights.setFocus()
    qtbot.keyClicks(c.weights, "1, 2, 0.5")
    qtbot.keyClick(c.weights, QtCore.Qt.Key.Key_Return)
    assert page.state.setup.loss.weight == (1.0, 2.0, 0.5)
    assert "sum of the weights" in c.surprise.text()
    _type(qtbot, c.lr, "0.05")
    assert page.state.setup.training.learning_rate == pytest.approx(0.05)
    _type(qtbot, c.smoothing, "0.2")
    assert page.state.setup.loss.label_smoothing == pytest.approx(0.2)


@pytest.mark.parametrize("typed, quoted", [("1, two, 3", "'two'"), ("1, inf, 2", "'inf'"), ("1,,2", "Enter")])
def test_bad_class_weights_are_refused_in_words(page, qtbot, typed, quoted):
    c = page.controls
    with qtbot.waitSignal(page.state.message) as msg:
        c.weights.setFocus()
        qtbot.keyClicks(c.weights, typed)
        qtbot.keyClick(c.weights, QtCore.Qt.Key.Key_Return)
    assert "numbers" in msg.args[0] and quoted in msg.args[0], msg.args[0]
    assert page.state.setup.loss.weight is None and c.weights.text() == ""


def test_open_and_save_csv(page, tmp_path):
    good = tmp_path / "pts.csv"
    good.write_text("x1,x2,p_a,p_b\n0,0,0.9,0.1\n1,1,0.2,0.8\n2,0,0.5,0.5\n")
    assert page.open_csv(str(good))
    s = page.state.setup
    assert s.source == "pts.csv" and s.data.num_samples == 3 and not s.data.is_hard
    assert np.allclose(s.data.targets[0], [0.9, 0.1])
    out = tmp_path / "back"
    assert page.save_csv(str(out))
    assert dataset_csv.read_csv(tmp_path / "back.csv") == s.data


def test_a_bad_csv_changes_nothing_and_names_the_line(page, tmp_path, qtbot):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0,0,a\n1,<img src=x>,b\n")
    before = page.state.setup
    assert not page.open_csv(str(bad))
    assert page.state.setup is before
    boxes = [w for w in QtWidgets.QApplication.topLevelWidgets()
             if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()]
    assert boxes, "the error is shown"
    box = boxes[-1]
    assert "line 3" in box.text() and "bad.csv" in box.text()
    assert box.textFormat() == QtCore.Qt.TextFormat.PlainText  # hostile text stays text
    box.close()


def test_show_panels_shows_what_a_slide_names(page):
    page.show_panels(["plane", "likelihood"], main="plane")
    settle()
    assert page.plane.isVisible() and not page.training.isVisible()
    assert page.tabs.currentWidget() is page.tab_page("likelihood")
    assert not page.tabs.isTabVisible(page.tabs.indexOf(page.tab_page("convexity")))
    page.show_panels(None)
    settle()
    assert page.training.isVisible()


def test_the_sample_panel_follows_the_chosen_point_through_training(page):
    state = page.state
    state.select(11)
    page.show_tab("sample")
    settle()
    sample = page.sample.sample_state
    for steps in (0, 5, 12):
        state.run_steps(steps)
        y, z = state.sample_scenario_parts(11)
        assert np.array_equal(sample.target, y) and np.array_equal(sample.logits, z)
        # its CE is the point's own loss, as the per-sample view and the run compute it
        assert sample.evaluation.cross_entropy == pytest.approx(state.per_sample_loss()[11], rel=1e-12)
    state.select(-1)
    assert not page.sample.readouts.isVisibleTo(page.sample)


def test_a_click_on_a_point_shows_its_own_views(page):
    from conftest import click_at

    state = page.state
    state.run_steps(10)
    x, y = state.setup.data.points[4]
    click_at(None, page.plane, x, y)
    assert state.selected == 4
    assert page.tabs.currentWidget() is page.tab_page("sample")
    assert page.sample.readouts.isVisibleTo(page.sample)


def test_the_source_line_names_the_labels_the_loss_sees(page):
    from ce_desktop.model.workspace import GeneratorSpec, LabelSettings

    page.state.generate(GeneratorSpec("overlapping", 100, 2, 3))
    assert "hard labels" in page.controls.source_label.text()
    page.state.set_labels(LabelSettings(neighbours=6))
    assert "soft labels (mixed from 6 neighbours)" in page.controls.source_label.text()
