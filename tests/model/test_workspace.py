"""DatasetSetup: labels, model and run built from one value, checked against direct construction."""

import numpy as np
import pytest

from ce_desktop.model import classifier, workspace
from ce_desktop.model.dataset import Dataset, DatasetError
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.training import TrainingRun, TrainingSettings


def _setup(**changes):
    return workspace.default_setup().replace(**changes)


def _overlapping(**changes):
    spec = workspace.GeneratorSpec("overlapping", 200, 3, 1)
    return workspace.DatasetSetup(data=spec.generate(), generator=spec).replace(**changes)


def test_default_setup_is_three_generated_blobs():
    s = workspace.default_setup()
    assert s.data.num_classes == 3 and s.data.num_samples == 200 and s.data.is_hard
    assert s.generator == workspace.GeneratorSpec("blobs", 200, 3, 0)


def test_label_noise_flips_the_stated_share_and_disagreement_softens():
    s = _setup(labels=workspace.LabelSettings(noise_percent=10, noise_seed=3))
    flipped = np.count_nonzero(workspace.labelled(s).labels != s.data.labels)
    assert flipped == 20  # 10 % of 200, each moved to another class
    soft = workspace.labelled(_overlapping(labels=workspace.LabelSettings(neighbours=5)))
    assert not soft.is_hard
    # every label is a mean of 6 one-hot rows: multiples of 1/6
    assert np.allclose(np.round(soft.targets * 6), soft.targets * 6)


def test_shown_targets_apply_the_loss_smoothing():
    s = _setup(loss=LossOptions(label_smoothing=0.3))
    y = workspace.shown_targets(s)
    hard = s.data.targets
    assert np.allclose(y, hard * 0.7 + 0.1)  # C = 3: eps / C = 0.1
    assert np.allclose(workspace.labelled(s).targets, hard)  # the data keep their labels


def test_build_run_equals_a_run_built_by_hand():
    s = _setup(model=workspace.ModelSettings(kind="mlp", degree=2, hidden=5, init="random", init_seed=4),
               loss=LossOptions("sum", (1.0, 2.0, 0.5), 0.1),
               training=TrainingSettings("adam", 0.05, batch_size=16, seed=2, max_steps=30))
    run = workspace.build_run(s)
    x = classifier.polynomial_features(s.data.points, 2)
    model = classifier.MLP(5, 3, 5, "tanh")
    ref = TrainingRun(model, x, s.data.labels, s.loss, s.training, init="random", init_seed=4)
    run.run(20)
    ref.run(20)
    assert np.array_equal(run.loss, ref.loss) and np.array_equal(run.params, ref.params)


def test_soft_labels_go_to_the_loss_as_probabilities():
    s = _overlapping(labels=workspace.LabelSettings(neighbours=4))
    d = workspace.labelled(s)
    assert workspace.loss_target(d).shape == (200, 3)
    assert workspace.loss_target(s.data).shape == (200,)


@pytest.mark.parametrize("changes, words", [
    ({"model": workspace.ModelSettings(kind="tree")}, "linear or mlp"),
    ({"model": workspace.ModelSettings(degree=4)}, "degree"),
    ({"model": workspace.ModelSettings(kind="mlp", hidden=100)}, "2 to 64"),
    ({"loss": LossOptions(weight=(1.0, 2.0))}, "3 classes"),
    ({"loss": LossOptions(reduction="none")}, "reduced"),
    ({"labels": workspace.LabelSettings(neighbours=500)}, "neighbours"),
])
def test_bad_settings_are_refused_in_words(changes, words):
    with pytest.raises(ValueError, match=words):
        _setup(**changes)


def test_noise_on_soft_labels_is_refused():
    soft = Dataset(np.zeros((2, 2)) + [[0, 0], [1, 1]], np.array([[0.5, 0.5], [0.2, 0.8]]), ("a", "b"))
    with pytest.raises(DatasetError, match="soft"):
        workspace.DatasetSetup(data=soft, generator=None).replace(labels=workspace.LabelSettings(noise_percent=5))


def test_model_describe():
    assert workspace.ModelSettings().describe() == "logistic regression"
    assert workspace.ModelSettings(kind="mlp", hidden=16, activation="relu").describe() == "MLP, 16 relu units"
