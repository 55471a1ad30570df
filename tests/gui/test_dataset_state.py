"""DatasetState: edits, undo, the run and its pacing, driven directly (no timers waited on)."""

import numpy as np
import pytest

from ce_desktop.gui.dataset_state import DatasetState
from ce_desktop.gui.training_words import describe_training_stop
from ce_desktop.model import workspace
from ce_desktop.model.dataset_loss import LossOptions, cross_entropy
from ce_desktop.model.descent_run import StopReason
from ce_desktop.model.training import TrainingSettings


@pytest.fixture
def state(qapp):
    s = DatasetState()
    yield s
    s.pause()


def test_starts_on_the_default_setup_at_step_zero(state):
    assert state.position == 0 and state.num_samples == 200 and state.num_classes == 3
    # at W = 0, b = 0 every point has ŷ uniform: CE = log 3 for each
    assert np.allclose(state.per_sample_loss(), np.log(3))
    assert np.allclose(state.probabilities(), 1 / 3)


def test_per_sample_loss_follows_the_step_and_matches_the_loss(state):
    state.run_steps(25)
    assert state.position == 25
    z = state.logits()
    ref = cross_entropy(z, state.data.labels, reduction="none")
    assert np.allclose(state.per_sample_loss(), ref)
    assert state.run.loss[25] == pytest.approx(float(ref.mean()))
    state.go_to(3)
    assert not np.allclose(state.per_sample_loss(), ref)


def test_grid_probabilities_are_the_models_softmax_at_cell_centres(state):
    state.run_steps(10)
    probs = state.grid_probabilities((-1.0, 1.0), (0.0, 2.0), 4, 2)
    assert probs.shape == (2, 4, 3)
    xs = -1 + (np.arange(4) + 0.5) * 0.5
    ys = (np.arange(2) + 0.5) * 1.0
    pts = np.array([[x, y] for y in ys for x in xs])
    z = state.run.model.logits(state.run.params, pts)
    ref = np.exp(z - z.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    assert np.allclose(probs.reshape(-1, 3), ref, atol=1e-6)  # float32 grid


def test_add_move_remove_are_one_undo_step_each(state):
    n = state.num_samples
    assert state.add_point(0.5, 0.25, cls=2)
    assert state.num_samples == n + 1 and state.setup.data.labels[-1] == 2
    assert state.selected == n
    state.begin_move(n)
    for k in range(5):
        state.move_point(n, 0.5 + k, 0.25)
    state.end_move()
    assert tuple(state.setup.data.points[n]) == (4.5, 0.25)
    assert state.remove_point(0)
    assert state.num_samples == n
    assert state.history.undo_text == "Delete a point"
    state.undo()
    assert state.history.undo_text == "Move a point"
    state.undo()
    assert tuple(state.setup.data.points[n]) == (0.5, 0.25)
    state.undo()
    assert state.num_samples == n


def test_an_edit_keeps_what_the_model_learned(state):
    state.run_steps(30)
    learned = state.run.params.copy()
    state.add_point(0.0, 0.0)
    assert state.position == 0
    assert np.array_equal(state.run.params, learned)  # the new run starts where the old one was
    state.reset()
    assert np.all(state.run.params == 0)


def test_a_run_is_one_undo_step_and_undo_brings_back_the_run(state):
    state.play()
    state.frame_due(0.0)
    for _ in range(12):
        state.advance_frame()
    state.pause()
    assert state.position == 12
    assert state.history.undo_text == "Training run"
    state.undo()
    assert state.position == 0
    state.redo()
    assert state.position == 12


def test_the_pacer_counts_frames_from_the_clock_not_the_timer(state):
    state.play()
    assert state.frame_due(0.0)
    assert not state.frame_due(5.0)  # 60 steps/s: the next is due at 16.7 ms
    assert state.frame_due(17.0)
    state.pause()


def test_a_refused_setting_keeps_the_state_and_says_why(state, qtbot):
    before = state.setup
    with qtbot.waitSignal(state.message) as msg:
        assert not state.set_loss(LossOptions(weight=(1.0, 2.0)))
    assert "3 classes" in msg.args[0]
    assert state.setup is before


def test_label_noise_on_the_state_changes_the_loss_labels(state):
    state.set_labels(workspace.LabelSettings(noise_percent=10, noise_seed=1))
    assert np.count_nonzero(state.data.labels != state.setup.data.labels) == 20


def test_soft_labels_and_smoothing_show_in_the_targets(state):
    state.set_loss(LossOptions(label_smoothing=0.3))
    assert np.allclose(state.shown_targets.max(axis=1), 0.8)  # 0.7 + 0.3 / 3


def test_stop_sentences_name_the_reason(state):
    state.set_training(TrainingSettings(learning_rate=0.5, max_steps=5))
    state.run_steps(5)
    assert state.run.stop_reason is StopReason.MAX_STEPS
    text = describe_training_stop(state.run.stop)
    assert "maximum of 5 steps" in text and "%" in text


def test_load_replays_a_saved_run(state):
    setup = workspace.default_setup().replace(training=TrainingSettings("adam", 0.05, max_steps=100))
    assert state.load(setup, steps=20, position=7)
    ref = workspace.build_run(setup)
    ref.run(20)
    assert state.position == 7 and state.run.last == 20
    assert np.array_equal(state.run.loss, ref.loss)


def test_an_edit_during_play_is_its_own_undo_step_and_the_run_goes_on(state):
    state.play()
    for _ in range(5):
        state.advance_frame()
    state.add_point(0.0, 0.0)  # the run restarts from what the model has learned and plays on
    assert state.playing
    for _ in range(4):
        state.advance_frame()
    state.pause()
    assert state.position == 4
    labels = []
    while state.history.can_undo:
        labels.append(state.history.undo_text)
        state.undo()
    assert labels == ["Training run", "Add a point of class 1", "Training run"]
    assert state.position == 0 and state.num_samples == 200
