"""The window's two workspaces: switching, keys, undo, and the command line's --workspace / --data."""

import numpy as np
import pytest
from conftest import settle, show_window
from PySide6 import QtCore, QtGui


@pytest.fixture
def win(qtbot, settings_dir):
    w = show_window(qtbot, settings_dir, active=True)
    yield w
    if w.workspaces.built:
        w.workspaces.dataset_state.pause()


def _shortcut(win, qtbot, keys: str) -> None:
    seq = QtGui.QKeySequence(keys)
    combo = seq[0]
    qtbot.keyClick(win, combo.key(), combo.keyboardModifiers())
    settle()


def test_ctrl_2_shows_the_dataset_workspace_and_ctrl_1_brings_the_explorer_back(win, qtbot):
    desk = win.central_area.widget()
    assert not win.workspaces.built  # built on first use: start-up does not pay for it
    _shortcut(win, qtbot, "Ctrl+2")
    assert win.workspaces.current == "dataset"
    page = win.workspaces.dataset_page()
    assert win.central_area.widget() is page and page.isVisible()
    assert not win.controls.isVisible()  # the explorer's toolbar keeps out of the way
    assert "Dataset" in win.windowTitle()
    _shortcut(win, qtbot, "Ctrl+1")
    assert win.workspaces.current == "explorer"
    assert win.central_area.widget() is desk and desk.isVisible() and win.controls.isVisible()


def test_space_and_arrows_drive_the_training_in_the_dataset_workspace(win, qtbot):
    win.workspaces.set_current("dataset")
    settle()
    state = win.workspaces.dataset_state
    explorer_step = win.descent.run
    _shortcut(win, qtbot, "Right")
    _shortcut(win, qtbot, "Right")
    assert state.position == 2
    assert win.descent.run is explorer_step  # the explorer's descent did not move
    _shortcut(win, qtbot, "Left")
    assert state.position == 1


def test_undo_acts_on_the_workspace_shown(win, qtbot):
    target = win.state.target.copy()
    win.state.set_target([0.2, 0.3, 0.5])
    win.workspaces.set_current("dataset")
    state = win.workspaces.dataset_state
    state.add_point(0.0, 0.0)
    assert win.undo_action.text() == "Undo Add a point of class 1"
    _shortcut(win, qtbot, "Ctrl+Z")
    assert state.num_samples == 200
    assert not np.allclose(win.state.target, target)  # the explorer's edit is still there
    win.workspaces.set_current("explorer")
    _shortcut(win, qtbot, "Ctrl+Z")
    assert np.allclose(win.state.target, target)


def test_open_in_the_explorer_copies_the_chosen_sample(win, qtbot):
    win.workspaces.set_current("dataset")
    page = win.workspaces.dataset_page()
    state = page.state
    state.run_steps(15)
    state.select(7)
    page.show_tab("sample")
    settle()
    qtbot.mouseClick(page.sample.open_button, QtCore.Qt.MouseButton.LeftButton)
    settle()
    assert win.workspaces.current == "explorer"
    y, z = state.sample_scenario_parts(7)
    assert np.allclose(win.state.target, y)
    assert np.allclose(win.state.logits, z)


def test_command_line_opens_the_dataset_workspace_on_a_file(run_main, tmp_path):
    csv = tmp_path / "pts.csv"
    csv.write_text("x1,x2,label\n0,0,a\n1,1,b\n2,0,a\n0,2,b\n")
    out = tmp_path / "ws.png"
    assert run_main(["--workspace", "dataset", "--data", str(csv), "--steps", "3",
                     "--screenshot", str(out), "--size", "900x600"]) == 0
    img = QtGui.QImage(str(out))
    assert img.width() == 900 and img.height() == 600


def test_a_bad_data_file_exits_2_with_the_line(run_main, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("x1,x2,label\n0,0,a\n1,oops,b\n")
    assert run_main(["--data", str(csv), "--screenshot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "line 3" in err


def test_copy_as_numpy_in_the_dataset_workspace_copies_a_script_that_trains_the_same_run(win, qtbot, tmp_path):
    import subprocess
    import sys

    from ce_desktop.model.training import TrainingSettings
    from ce_desktop.model.workspace import GeneratorSpec, ModelSettings

    win.workspaces.set_current("dataset")
    state = win.workspaces.dataset_state
    state.generate(GeneratorSpec("moons", 60, 2, 4))
    state.set_model(ModelSettings(kind="mlp", hidden=4, init="random", init_seed=2))
    state.set_training(TrainingSettings("momentum", 0.2, batch_size=16, max_steps=100))
    state.run_steps(12)
    _shortcut(win, qtbot, "Ctrl+Shift+N")
    script = QtGui.QGuiApplication.clipboard().text()
    path = tmp_path / "train.py"
    path.write_text(script)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    losses = [float(line.split()[1]) for line in out.splitlines() if line.strip()]
    assert len(losses) == 13
    assert np.allclose(losses, state.run.loss[:13], rtol=1e-9, atol=0)


def test_save_and_open_keep_the_dataset_its_run_and_the_workspace(qtbot, settings_dir, tmp_path):
    from ce_desktop.model.workspace import GeneratorSpec, LabelSettings
    from ce_desktop.model.workspace_file import Session

    w = show_window(qtbot, settings_dir)
    w.workspaces.set_current("dataset")
    state = w.workspaces.dataset_state
    state.generate(GeneratorSpec("overlapping", 120, 3, 2))
    state.set_labels(LabelSettings(neighbours=4))
    state.run_steps(20)
    state.add_point(0.1, 0.2)  # the new run starts from what the model learned
    state.run_steps(7)
    state.go_to(5)
    assert w.isWindowModified()
    path = tmp_path / "ds.json"
    assert w.file_actions.save_to(path)
    assert not w.isWindowModified()
    session = Session.load(path)
    assert session.workspace == "dataset" and session.run_steps == 7 and session.run_position == 5
    assert session.run_start is not None
    losses = state.run.loss.copy()

    w2 = show_window(qtbot, settings_dir)
    assert w2.file_actions.load_path(path)
    assert w2.workspaces.current == "dataset"
    s2 = w2.workspaces.dataset_state
    assert s2.setup == state.setup and s2.position == 5
    assert np.array_equal(s2.run.loss, losses)
    assert not w2.isWindowModified()
    s2.step_forward()
    assert w2.isWindowModified()


def test_a_version_1_file_opens_on_the_explorer(qtbot, settings_dir):
    from pathlib import Path

    w = show_window(qtbot, settings_dir)
    w.workspaces.set_current("dataset")
    v1 = sorted((Path(__file__).parents[1] / "data").glob("*v1*.json"))[0]
    assert w.file_actions.load_path(v1)
    assert w.workspaces.current == "explorer"


def test_the_dataset_workspace_comes_back_at_the_next_start(qtbot, settings_dir):
    from ce_desktop.model.workspace import GeneratorSpec

    w = show_window(qtbot, settings_dir)
    w.workspaces.set_current("dataset")
    state = w.workspaces.dataset_state
    state.generate(GeneratorSpec("moons", 80, 2, 9))
    state.run_steps(6)
    w.file_actions.remember()
    w2 = show_window(qtbot, settings_dir)
    w2.file_actions.restore()
    assert w2.workspaces.current == "dataset"
    s2 = w2.workspaces.dataset_state
    assert s2.setup == state.setup and s2.position == 6
    assert not s2.history.can_undo and not w2.isWindowModified()
    # Discard at quit forgets it
    w2.file_actions.remember(discarded=True)
    w3 = show_window(qtbot, settings_dir)
    w3.file_actions.restore()
    assert w3.workspaces.current == "explorer" and not w3.workspaces.built
