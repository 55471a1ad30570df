"""Scenario files of format version 2: the dataset workspace's block, the session, old files."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from ce_desktop.model import workspace_file as wf
from ce_desktop.model.dataset import Dataset, annotator_disagreement
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.scenario import FORMAT_VERSION, Scenario, ScenarioError
from ce_desktop.model.training import TrainingSettings
from ce_desktop.model.workspace import DatasetSetup, GeneratorSpec, LabelSettings, ModelSettings, build_run
from ce_desktop.model.workspace_file import Session, replay, setup_from_dict, setup_to_dict

DATA = Path(__file__).resolve().parents[1] / "data"


def hard_setup() -> DatasetSetup:
    gen = GeneratorSpec("blobs", 30, 3, 5)
    return DatasetSetup(gen.generate(), gen, "blobs", LabelSettings(noise_percent=10, noise_seed=2),
                        ModelSettings(degree=2), LossOptions(weight=(1.0, 2.0, 0.5)),
                        TrainingSettings(learning_rate=0.3, max_steps=200)).checked()


def soft_setup() -> DatasetSetup:
    data = annotator_disagreement(GeneratorSpec("overlapping", 24, 2, 1).generate(), 3)
    return DatasetSetup(data, None, "my.csv", LabelSettings(),
                        ModelSettings(kind="mlp", hidden=5, activation="relu", init="random", init_seed=3),
                        LossOptions(reduction="sum", label_smoothing=0.1),
                        TrainingSettings(optimizer="adam", learning_rate=0.05, batch_size=7, seed=9,
                                         weight_decay=0.01, max_steps=300)).checked()


def explorer() -> Scenario:
    return Scenario.create([1, 0], [0.6, 0.4], class_names=["a", "b"])


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("make", [hard_setup, soft_setup, DatasetSetup], ids=["hard", "soft-mlp", "default"])
def test_a_setup_survives_its_dict_and_json(make):
    setup = make()
    assert setup_from_dict(setup_to_dict(setup)) == setup
    again = setup_from_dict(json.loads(json.dumps(setup_to_dict(setup))))
    assert again == setup
    assert np.array_equal(again.data.points, setup.data.points)  # bit for bit, not approximately


def test_hard_labels_are_written_as_class_numbers_and_soft_ones_as_rows():
    hard = setup_to_dict(hard_setup())
    assert "targets" not in hard and all(isinstance(v, int) for v in hard["labels"])
    assert [hard_setup().data.class_names[k] for k in hard["labels"][:3]] == \
        [hard_setup().data.class_names[int(np.argmax(r))] for r in hard_setup().data.targets[:3]]
    soft = setup_to_dict(soft_setup())
    assert "labels" not in soft and len(soft["targets"][0]) == 2


def test_a_changed_setup_does_not_compare_equal():
    a = hard_setup()
    assert a.replace(model=ModelSettings(degree=3)) != a
    assert setup_from_dict({**setup_to_dict(a), "source": "other"}) != a


@pytest.mark.parametrize("make, steps", [(hard_setup, 25), (soft_setup, 18)], ids=["hard", "soft-mlp"])
def test_a_saved_run_replays_to_the_same_losses(tmp_path, make, steps):
    setup = make()
    original = build_run(setup)
    assert original.run(steps) == steps
    path = tmp_path / "run.json"
    Session(explorer(), "dataset", setup, steps, 10).save(path)
    loaded = Session.load(path)
    run = loaded.replay()
    assert run is not None and run.last == steps and run.index == 10
    np.testing.assert_array_equal(run.data_loss, original.data_loss)
    np.testing.assert_array_equal(run.params_history, original.params_history)
    # and not merely equal to itself: the run did move
    assert run.data_loss[-1] < run.data_loss[0]


def test_replay_resumes_a_run_that_stopped_on_max_steps():
    setup = hard_setup().replace(training=TrainingSettings(learning_rate=0.3, max_steps=10))
    run = build_run(setup)
    assert run.run(15) == 10 and run.resume() and run.run(5) == 5
    again = replay(setup, 15)
    assert again.last == 15 and again.at_end
    np.testing.assert_array_equal(again.data_loss, run.data_loss)


def test_a_session_survives_its_file(tmp_path):
    s = Session(explorer(), "dataset", soft_setup(), 12, 3)
    path = tmp_path / "s.json"
    s.save(path)
    text = path.read_text(encoding="utf-8")
    obj = json.loads(text)
    assert obj["version"] == FORMAT_VERSION == 2 and obj["workspace"] == "dataset"
    assert obj["dataset"]["run"] == {"steps": 12, "position": 3}
    assert Session.load(path).same_as(s) and Session.from_json(text).same_as(s)
    # A point per line: the file stays readable.
    assert f"      {json.dumps(obj['dataset']['points'][0])}," in text
    # The explorer's part reads on its own, as before.
    assert Scenario.load(path).same_as(s.scenario)


def test_a_session_without_a_dataset_writes_no_block():
    obj = Session(explorer()).to_dict()
    assert obj["workspace"] == "explorer" and "dataset" not in obj
    assert Session.from_dict(obj).dataset is None


# --------------------------------------------------------------------------- old and committed files


@pytest.mark.parametrize("path", sorted(DATA.glob("scenario-v*.json")), ids=lambda p: p.name)
def test_every_committed_file_loads_as_a_session_and_as_a_scenario(path):
    session = Session.load(path)
    assert session.scenario.same_as(Scenario.load(path))
    if json.loads(path.read_text(encoding="utf-8"))["version"] == 1:
        assert session.workspace == "explorer" and session.dataset is None and session.replay() is None


def test_version_1_and_2_files_are_committed():
    assert len(list(DATA.glob("scenario-v1-*.json"))) >= 5
    assert len(list(DATA.glob("scenario-v2-*.json"))) >= 2


def test_the_committed_version_2_files_mean_what_they_meant():
    hard = Session.load(DATA / "scenario-v2-dataset-hard-labels.json")
    assert hard.workspace == "dataset" and hard.dataset is not None
    d = hard.dataset
    assert d.data.is_hard and d.data.num_samples == 45 and d.data.num_classes == 3
    assert d.generator == GeneratorSpec("blobs", 45, 3, 7)
    assert d.data == d.generator.generate()  # the points are the generator's, exactly
    assert d.loss.weight == (1.0, 2.0, 0.5) and d.model.kind == "linear"
    assert (hard.run_steps, hard.run_position) == (40, 25)
    run = hard.replay()
    assert run is not None and run.index == 25 and run.last == 40
    assert run.data_loss[0] == pytest.approx(math.log(3), rel=1e-12)  # W = 0, b = 0: uniform
    assert run.data_loss[40] < run.data_loss[25] < run.data_loss[0]

    soft = Session.load(DATA / "scenario-v2-dataset-soft-mlp.json")
    s = soft.dataset
    assert s is not None and not s.data.is_hard and s.generator is None
    assert s.model.kind == "mlp" and s.model.hidden == 6 and s.training.batch_size == 16
    assert s.loss.label_smoothing == 0.05 and soft.scenario.logits_mode
    run = soft.replay()
    assert run is not None and run.last == 30 and run.data_loss[30] >= run.loss_floor - 1e-12

    plain = Session.load(DATA / "scenario-v2-explorer-only.json")
    assert plain.workspace == "explorer" and plain.dataset is None


# --------------------------------------------------------------------------- refusing bad fields


def _file() -> dict:
    return Session(explorer(), "dataset", hard_setup(), 5, 5).to_dict()


def _set(obj: dict, path: str, value: object) -> dict:
    out = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node = out
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return out


_DELETE = object()

BAD_FIELDS = [
    ("workspace", "both", "'workspace'"),
    ("workspace", 3, "'workspace'"),
    ("dataset", [], "'dataset'"),
    ("dataset.extra", 1, "extra"),
    ("dataset.points", "many", "'dataset.points'"),
    ("dataset.points", [], "'dataset.points'"),
    ("dataset.points.0", [1.0], "'dataset.points' row 1"),
    ("dataset.points.0", [1.0, "2"], "'dataset.points' row 1"),
    ("dataset.points.0", [1.0, True], "'dataset.points' row 1"),
    ("dataset.points.0", [1.0, 10**400], "'dataset.points' row 1"),
    ("dataset.labels", "0,1", "'dataset.labels'"),
    ("dataset.labels.0", 7, "'dataset.labels'"),
    ("dataset.labels.0", 1.0, "'dataset.labels'"),
    ("dataset.labels.0", -1, "'dataset.labels'"),
    ("dataset.targets", [[1.0, 0.0, 0.0]], "labels"),
    ("dataset.labels", _DELETE, "'labels'"),
    ("dataset.class_names", _DELETE, "'class_names'"),
    ("dataset.class_names", ["a", "b"], "'dataset.labels'"),
    ("dataset.class_names", ["a", "a", "b"], "'dataset.labels'"),
    ("dataset.class_names", "abc", "'dataset.class_names'"),
    ("dataset.feature_names", ["x"], "'dataset.feature_names'"),
    ("dataset.feature_names", [" x", "y"], "'dataset.labels'"),
    ("dataset.source", 5, "'dataset.source'"),
    ("dataset.generator", 5, "'dataset.generator'"),
    ("dataset.generator.name", "clouds", "'dataset.generator'"),
    ("dataset.generator.samples", "many", "'dataset.generator.samples'"),
    ("dataset.generator.colour", 1, "'dataset.generator'"),
    ("dataset.label_settings.noise_percent", 120, "'dataset'"),
    ("dataset.label_settings.noise_percent", "5", "'dataset.label_settings.noise_percent'"),
    ("dataset.label_settings.neighbours", 1000, "'dataset'"),
    ("dataset.label_settings.noise_seed", 1.5, "'dataset.label_settings.noise_seed'"),
    ("dataset.model.kind", "forest", "'dataset.model'"),
    ("dataset.model.degree", 4, "'dataset.model'"),
    ("dataset.model.degree", True, "'dataset.model.degree'"),
    ("dataset.model.hidden", 100, "'dataset.model'"),
    ("dataset.model.activation", "sigmoid", "'dataset.model'"),
    ("dataset.model.init", "ones", "'dataset.model'"),
    ("dataset.model.init_seed", None, "'dataset.model.init_seed'"),
    ("dataset.model.depth", 2, "'dataset.model'"),
    ("dataset.loss.reduction", "none", "'dataset.loss.reduction'"),
    ("dataset.loss.weight", [1.0, 2.0], "'dataset'"),
    ("dataset.loss.weight", [1.0, -2.0, 1.0], "'dataset'"),
    ("dataset.loss.weight", [1.0, "2", 1.0], "'dataset.loss.weight'"),
    ("dataset.loss.label_smoothing", 1.5, "'dataset'"),
    ("dataset.loss.ignore_index", 0.5, "'dataset.loss.ignore_index'"),
    ("dataset.training.optimizer", "lbfgs", "'dataset.training'"),
    ("dataset.training.learning_rate", -1, "'dataset.training'"),
    ("dataset.training.learning_rate", "fast", "'dataset.training.learning_rate'"),
    ("dataset.training.batch_size", 0, "'dataset.training'"),
    ("dataset.training.batch_size", 10**6, "'dataset.training.batch_size'"),
    ("dataset.training.weight_decay", -0.1, "'dataset.training'"),
    ("dataset.training.max_steps", 0, "'dataset.training'"),
    ("dataset.training.momentum", 1.5, "'dataset.training'"),
    ("dataset.run", [5], "'dataset.run'"),
    ("dataset.run.steps", -1, "'dataset.run.steps'"),
    ("dataset.run.steps", wf.MAX_RUN_STEPS + 1, "'dataset.run.steps'"),
    ("dataset.run.steps", 2.5, "'dataset.run.steps'"),
    ("dataset.run.position", 6, "'dataset.run.position'"),
    ("dataset.run.speed", 6, "'dataset.run'"),
]


@pytest.mark.parametrize("path, value, named", BAD_FIELDS, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD_FIELDS])
def test_every_bad_field_is_refused_naming_it(path, value, named):
    obj = _file()
    if ".0" in path:  # an entry of a list
        head, _, idx = path.rpartition(".")
        bad = copy.deepcopy(obj)
        node = bad
        for p in head.split("."):
            node = node[p]
        node[int(idx)] = value
    else:
        bad = _set(obj, path, value)
    with pytest.raises(ScenarioError) as info:
        Session.from_dict(bad)
    assert named in str(info.value), str(info.value)
    Session.from_dict(obj)  # the unchanged file is fine


def test_a_workspace_of_dataset_needs_a_dataset_block():
    obj = Session(explorer()).to_dict()
    with pytest.raises(ScenarioError, match="no 'dataset' block"):
        Session.from_dict({**obj, "workspace": "dataset"})


def test_version_1_files_may_not_have_the_new_fields():
    obj = {**_file(), "version": 1}
    with pytest.raises(ScenarioError, match="unknown field.*dataset"):
        Session.from_dict(obj)
    with pytest.raises(ScenarioError, match="unknown field.*dataset"):
        Scenario.from_dict(obj)


def test_more_than_100000_points_are_refused_before_they_are_read():
    obj = _file()
    obj["dataset"]["points"] = [[0.0, 0.0]] * 100_001
    obj["dataset"]["labels"] = [0] * 100_001
    with pytest.raises(ScenarioError, match="'dataset.points' has 100,001 rows"):
        Session.from_dict(obj)


def test_a_generator_alone_makes_the_data():
    setup = setup_from_dict({"generator": {"name": "moons", "samples": 50, "classes": 2, "seed": 3}})
    assert setup.data == GeneratorSpec("moons", 50, 2, 3).generate() and setup.source == "moons"
    named = setup_from_dict({"generator": {"name": "moons", "samples": 50, "classes": 2, "seed": 3},
                             "class_names": ["upper", "lower"]})
    assert named.data.class_names == ("upper", "lower")
    np.testing.assert_array_equal(named.data.points, setup.data.points)
    with pytest.raises(ScenarioError, match="needs 'points'"):
        setup_from_dict({})
    with pytest.raises(ScenarioError, match="'dataset.generator'.*two moons"):
        setup_from_dict({"generator": {"name": "moons", "samples": 50, "classes": 3, "seed": 3}})


def test_the_largest_data_set_fits_the_file_limit(tmp_path):
    """100,000 points with soft labels of 10 classes, every number at full precision, load back."""
    rng = np.random.default_rng(0)
    targets = rng.dirichlet(np.ones(10), size=100_000)
    targets /= targets.sum(axis=1, keepdims=True)
    big = Dataset(rng.normal(size=(100_000, 2)) * 1e-5, targets, tuple(f"c{k}" for k in range(10)))
    s = Session(explorer(), "dataset", DatasetSetup(big, None, "big"), 0, 0)
    path = tmp_path / "big.json"
    s.save(path)
    from ce_desktop.model import scenario as scenario_module

    assert scenario_module.MAX_FILE_BYTES < path.stat().st_size < wf.MAX_FILE_BYTES
    assert Session.load(path).dataset == s.dataset
    with pytest.raises(ScenarioError, match="larger than"):
        Session.from_json(" " * (wf.MAX_FILE_BYTES + 1))


def test_the_example_in_the_file_format_page_loads():
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "file-format.md").read_text(encoding="utf-8")
    doc = page[page.index("## The dataset block (version 2)"):]
    session = Session.from_json(re.search(r"```json\n(.*?)```", doc, re.S).group(1))
    assert session.workspace == "dataset" and session.dataset is not None
    assert session.dataset.data.num_samples == 3 and session.dataset.source == "my-points.csv"
    run = session.replay()
    assert run is not None and (run.index, run.last) == (25, 40)


def test_a_run_from_kept_parameters_saves_its_start_and_replays_exactly():
    import numpy as np

    from ce_desktop.model import workspace
    from ce_desktop.model.scenario import Scenario
    from ce_desktop.model.training import TrainingRun
    from ce_desktop.model.workspace_file import Session

    setup = workspace.default_setup()
    start = np.linspace(-0.5, 0.5, 9)  # 3 classes x (2 weights + 1 bias)
    d = workspace.labelled(setup)
    ref = TrainingRun(workspace.build_model(setup), workspace.features(setup, d.points), workspace.loss_target(d),
                      setup.loss, setup.training, params=start)
    ref.run(15)
    session = Session(Scenario.create([1, 0, 0], [0.5, 0.3, 0.2]), "dataset", setup, 15, 9, start)
    back = Session.from_json(session.to_json())
    assert back.same_as(session) and np.array_equal(back.run_start, start)
    run = back.replay()
    assert run is not None and run.index == 9 and np.array_equal(run.loss, ref.loss)


def test_a_start_of_the_wrong_size_is_refused_by_name():
    import pytest

    from ce_desktop.model import workspace
    from ce_desktop.model.scenario import Scenario, ScenarioError
    from ce_desktop.model.workspace_file import Session

    with pytest.raises(ScenarioError, match="dataset.run.start"):
        Session(Scenario.create([1, 0, 0], [0.5, 0.3, 0.2]), "dataset", workspace.default_setup(), 3, 3, [0.0, 1.0])
