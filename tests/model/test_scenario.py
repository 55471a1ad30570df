"""Tests of ce_desktop.model.scenario: validation, versioned JSON in and out, atomic saves. No Qt."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pytest
import scipy.special as sps
from conftest import SPECIAL_FILES, make_special_file

from ce_desktop.model import scenario as scenario_module
from ce_desktop.model.scenario import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_CLASSES,
    DescentSettings,
    Scenario,
    ScenarioError,
    default_names,
)
from ce_desktop.model.user_files import FileError


def _file(**fields):
    """A minimal valid scenario file as a dict, with some fields changed or removed (value None)."""
    data = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "target": [1, 0, 0], "prediction": [0.8, 0.1, 0.1]}
    for k, v in fields.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return data


def _full_scenario(**overrides) -> Scenario:
    kwargs = dict(
        target=[0.7, 0.2, 0.1],
        prediction=[0.6, 0.3, 0.1],
        class_names=("cat", "dog", "bird"),
        label_smoothing=0.05,
        units="bits",
        title="Soft: close match",
        description="Seed sample 6",
        descent=DescentSettings(optimizer="adam", learning_rate=0.05, beta1=0.8, max_steps=200, tolerance=1e-5),
    )
    kwargs.update(overrides)
    return Scenario.create(**kwargs)


# --------------------------------------------------------------------------- building


def test_create_fills_in_defaults():
    s = Scenario.create([1, 0, 0], [0.8, 0.1, 0.1])
    assert s.class_names == ("class 1", "class 2", "class 3") == default_names(3)
    assert s.num_classes == 3
    assert s.units == "nats" and s.base is None
    assert s.temperature == 1.0 and s.label_smoothing == 0.0
    assert not s.logits_mode and s.logits is None
    assert s.descent == DescentSettings()
    assert s.target.tolist() == [1.0, 0.0, 0.0]


def test_logits_mode_prediction_is_the_softmax_at_the_temperature():
    z = [2.0, 1.0, 0.1]
    s = Scenario.create([1, 0, 0], logits=z, temperature=2.0)
    assert s.logits_mode
    assert s.prediction == pytest.approx(sps.softmax(np.array(z) / 2.0), rel=1e-12)
    # Changing the temperature recomputes the prediction from the logits.
    s2 = s.replace(temperature=0.5)
    assert s2.prediction == pytest.approx(sps.softmax(np.array(z) / 0.5), rel=1e-12)
    # Changing the logits recomputes it too.
    s3 = s.replace(logits=np.array([0.0, 0.0, 0.0]))
    assert s3.prediction == pytest.approx([1 / 3] * 3)


def test_effective_target_applies_label_smoothing():
    s = Scenario.create([1, 0, 0], [0.8, 0.1, 0.1], label_smoothing=0.1)
    # PyTorch's formula by hand: (1 - 0.1) * (1, 0, 0) + 0.1 / 3.
    assert s.effective_target == pytest.approx([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3])
    assert s.target.tolist() == [1.0, 0.0, 0.0]  # the raw target is kept
    ev = s.evaluate()
    y = s.effective_target
    assert ev.cross_entropy == pytest.approx(-np.sum(y * np.log([0.8, 0.1, 0.1])), rel=1e-12)


def test_evaluate_in_bits():
    s = Scenario.create([0.5, 0.5], [0.5, 0.5], units="bits")
    assert s.base == 2
    ev = s.evaluate()
    assert ev.cross_entropy == pytest.approx(1.0) and ev.entropy == pytest.approx(1.0)
    assert ev.kl_divergence == 0.0
    assert ev.perplexity == pytest.approx(2.0)


def test_class_names_are_cleaned():
    s = Scenario.create([0.5, 0.3, 0.2], [0.4, 0.4, 0.2], class_names=["  big \n cat ", "", "x" * 100])
    assert s.class_names == ("big cat", "class 2", "x" * scenario_module.MAX_NAME_LENGTH)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(target=[0.5, 0.6], prediction=[0.5, 0.5]), "target must sum to 1"),
        (dict(target=[1.0, -0.0001, 0.0001], prediction=[0.3, 0.3, 0.4]), "target has a negative entry"),
        (dict(target=[1, 0], prediction=[0.3, 0.3, 0.4]), "prediction has 3 classes but the target has 2"),
        (dict(target=[1, 0], logits=[0.0, 1.0, 2.0]), "logits have 3 classes but the target has 2"),
        (dict(target=[1, 0]), "give a prediction or logits"),
        (dict(target=[1, 0], prediction=[0.2, 0.2]), "prediction must sum to 1"),
        (dict(target=[1, 0], logits=[0.0, -math.inf]), "logits must be finite"),
        (dict(target=[1, 0], logits=[0.0, 2e6]), "within ±1,000,000"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], temperature=0.0), r"temperature must lie in 0\.01\.\.100"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], temperature=101), "temperature"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], label_smoothing=1.5), r"label smoothing must lie in \[0, 1\]"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], units="furlongs"), "units must be 'nats' or 'bits'"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], class_names=["a"]), "1 class names given for 2 classes"),
        (dict(target=[1.0], prediction=[1.0]), "at least 2 classes"),
        (dict(target=[[1, 0]], prediction=[[1, 0]]), "one distribution"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], descent=DescentSettings(optimizer="rmsprop")), "optimizer"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], descent=DescentSettings(learning_rate=0)), "learning rate"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], descent=DescentSettings(steps_per_second=1000)), "speed"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], descent=DescentSettings(max_steps=0)), "max steps"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], descent=DescentSettings(max_steps=2.5)), "whole number"),
        (dict(target=[1, 0], prediction=[0.5, 0.5], descent=DescentSettings(tolerance=-1)), "tolerance"),
    ],
)
def test_create_refuses_bad_input_with_a_clear_scenario_error(kwargs, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario.create(**kwargs)


def test_class_count_limit():
    n = MAX_CLASSES
    s = Scenario.create(np.full(n, 1 / n), np.full(n, 1 / n))
    assert s.num_classes == n
    with pytest.raises(ScenarioError, match=f"at most {MAX_CLASSES} classes"):
        Scenario.create(np.full(n + 1, 1 / (n + 1)), np.full(n + 1, 1 / (n + 1)))


def test_scenarios_are_immutable_and_replace_validates():
    s = Scenario.create([1, 0], [0.5, 0.5])
    with pytest.raises(AttributeError):
        s.units = "bits"  # type: ignore[misc]
    with pytest.raises(ScenarioError, match="units"):
        s.replace(units="parsecs")
    assert s.units == "nats"
    t = s.replace(units="bits")
    assert t.units == "bits" and s.units == "nats"


def test_same_as_compares_every_field():
    a = _full_scenario()
    assert a.same_as(_full_scenario())
    assert not a.same_as(_full_scenario(title="other"))
    assert not a.same_as(_full_scenario(prediction=[0.6, 0.2, 0.2]))
    assert not a.same_as(_full_scenario(prediction=None, logits=[0.0, 0.0, 0.0]))
    assert not a.same_as("not a scenario")


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "s",
    [
        _full_scenario(),
        _full_scenario(prediction=None, logits=[2.0, -1.0, 0.3], temperature=0.7),
        Scenario.create([0.0, 1.0], [1.0, 0.0]),  # an infinite loss is a valid scenario
        Scenario.create(np.full(10, 0.1), np.arange(1, 11) / 55.0, class_names=list("abcdefghij")),
    ],
    ids=["probabilities", "logits", "infinite-loss", "ten-classes"],
)
def test_json_round_trip_gives_the_identical_scenario(s, tmp_path):
    text = s.to_json()
    data = json.loads(text)
    assert data["format"] == FORMAT_NAME and data["version"] == FORMAT_VERSION
    assert ("logits" in data) != ("prediction" in data)
    assert Scenario.from_json(text).same_as(s)
    path = tmp_path / "scenario.json"
    s.save(path)
    assert Scenario.load(path).same_as(s)
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.json"]  # no temporary file left behind


def test_written_file_has_the_documented_keys():
    data = _full_scenario().to_dict()
    assert set(data) == {"format", "version", "title", "description", "class_names", "target",
                         "label_smoothing", "units", "temperature", "descent", "prediction"}
    assert data["descent"]["optimizer"] == "adam"
    assert data["units"] == "bits"
    json.dumps(data, allow_nan=False)  # plain JSON, no NaN/Infinity


def test_a_minimal_file_loads_with_defaults():
    s = Scenario.from_dict(_file())
    assert s.class_names == default_names(3)
    assert s.descent == DescentSettings()
    assert s.prediction == pytest.approx([0.8, 0.1, 0.1])


@pytest.mark.parametrize(
    "data,message",
    [
        ([1, 2, 3], "a scenario must be a JSON object"),
        (_file(format="something-else"), "not a CE Explorer scenario"),
        (_file(format=None), "not a CE Explorer scenario"),
        (_file(version=None), "no valid version number"),
        (_file(version="1"), "no valid version number"),
        (_file(version=True), "no valid version number"),
        (_file(version=1.0), "no valid version number"),
        (_file(version=0), "unknown scenario format version 0"),
        (_file(version=FORMAT_VERSION + 1), f"format version {FORMAT_VERSION + 1}, newer than"),
        (_file(colour="red"), r"unknown field\(s\) in scenario: colour"),
        (_file(target=None), "the scenario has no 'target'"),
        (_file(prediction=None), "exactly one of 'prediction' or 'logits'"),
        (_file(logits=[0, 0, 0]), "exactly one of 'prediction' or 'logits'"),
        (_file(target="1,0,0"), "'target' must be a list of numbers"),
        (_file(target=[1, 0, "0"]), "'target' entry 2 is not a number"),
        (_file(target=[True, False, False]), "'target' entry 0 is not a number"),
        (_file(prediction=[0.8, None, 0.1]), "'prediction' entry 1 is not a number"),
        (_file(target=[0.5, 0.5, 0.5]), "target must sum to 1"),
        (_file(prediction=[0.5, 0.5]), "prediction has 2 classes but the target has 3"),
        (_file(prediction=[0.9, 0.2, -0.1]), "prediction has a negative entry"),
        (_file(target=[1.0] + [0.0] * MAX_CLASSES, prediction=[1.0] + [0.0] * MAX_CLASSES),
         f"at most {MAX_CLASSES} are supported"),
        (_file(class_names="a,b,c"), "'class_names' must be a list of strings"),
        (_file(class_names=["a", 2, "c"]), "'class_names' must be a list of strings"),
        (_file(class_names=["a", "b"]), "2 class names given for 3 classes"),
        (_file(descent=[1, 2]), "'descent' must be an object"),
        (_file(descent={"speed": 3}), r"unknown field\(s\) in 'descent': speed"),
        (_file(descent={"learning_rate": "fast"}), "'descent.learning_rate' has the wrong type"),
        (_file(descent={"optimizer": 3}), "'descent.optimizer' has the wrong type"),
        (_file(descent={"max_steps": True}), "'descent.max_steps' has the wrong type"),
        (_file(descent={"optimizer": "lbfgs"}), "optimizer must be one of"),
        (_file(temperature="hot"), "'temperature' must be a number"),
        (_file(label_smoothing=False), "'label_smoothing' must be a number"),
        (_file(label_smoothing=2), r"label smoothing must lie in \[0, 1\]"),
        (_file(title=5), "'title' must be a string"),
        (_file(units=2), "'units' must be a string"),
        (_file(units="bananas"), "units must be 'nats' or 'bits'"),
    ],
)
def test_malformed_scenarios_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_dict(data)
    # The same through the text and file routes.
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_json(json.dumps(data))


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON: .* at line 1, column 2"),
        ('{"format": "ce-explorer-scenario",}', "not valid JSON"),
        ('{"format": "ce-explorer-scenario", "version": 1, "target": [NaN, 1], "prediction": [0.5, 0.5]}',
         "NaN is not allowed"),
        ('{"format": "ce-explorer-scenario", "version": 1, "target": [1, 0], "prediction": [Infinity, 0]}',
         "Infinity is not allowed"),
        ('{"format": "ce-explorer-scenario", "version": 1, "target": [1e400, 0], "prediction": [0.5, 0.5]}',
         "target has a non-finite entry inf at index 0"),
        ('{"format": "ce-explorer-scenario", "version": 1, "target": [1, 0], "prediction": [0.5, 0.5],'
         ' "descent": {"max_steps": 1e400}}', "max steps must be a whole number"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ("x" * (scenario_module.MAX_FILE_BYTES + 1), "larger than"),
    ],
    ids=["empty", "truncated", "trailing-comma", "nan", "infinity", "overflow", "overflow-int", "deep", "huge"],
)
def test_malformed_text_is_refused(text, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_json(text)


def test_future_version_file_is_refused_with_advice(tmp_path):
    path = tmp_path / "from-the-future.json"
    path.write_text(json.dumps(_file(version=FORMAT_VERSION + 7, hologram=True)))
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    message = str(info.value)
    assert message.startswith("from-the-future.json: ")
    assert "newer than this CE Explorer understands" in message and "update" in message


def test_file_problems_name_the_file(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(ScenarioError, match="missing.json: no such scenario file"):
        Scenario.load(missing)
    binary = tmp_path / "picture.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ScenarioError, match="picture.json: not a text \\(UTF-8\\) file"):
        Scenario.load(binary)
    with pytest.raises(ScenarioError, match=r"folder|directory|Is a directory"):
        Scenario.load(tmp_path)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (scenario_module.MAX_FILE_BYTES + 1))
    with pytest.raises(ScenarioError, match="big.json: the file is larger than"):
        Scenario.load(big)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_file(target=[2, 0, 0])))
    with pytest.raises(ScenarioError, match="bad.json: target must sum to 1"):
        Scenario.load(bad)


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "lecture.json"
    old = Scenario.create([1, 0], [0.5, 0.5], title="old")
    old.save(path)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        Scenario.create([0, 1], [0.5, 0.5], title="new").save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lecture.json"]  # the temporary file is gone
    monkeypatch.undo()
    assert Scenario.load(path).same_as(old)


def test_descent_settings_convert_to_the_cores_settings():
    d = DescentSettings(optimizer="momentum", learning_rate=0.3, momentum=0.5)
    o = d.optimizer_settings(2.0)
    assert (o.name, o.learning_rate, o.momentum, o.temperature) == ("momentum", 0.3, 0.5, 2.0)
    with pytest.raises(ValueError, match="temperature"):
        d.optimizer_settings(0.0)


def test_a_scenario_does_not_share_the_callers_arrays():
    y, p = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    s = Scenario.create(y, p)
    y[0], p[0] = 0.9, 0.9
    assert s.target.tolist() == [0.5, 0.5] and s.prediction.tolist() == [0.25, 0.75]


def test_saving_and_reopening_many_times_changes_nothing(tmp_path):
    # Renormalising on every load used to change the last bit of [0.7, 0.2, 0.1] each time.
    s = _full_scenario()
    path = tmp_path / "s.json"
    for _ in range(3):
        s.save(path)
        s2 = Scenario.load(path)
        assert s2.same_as(s)
        assert s2.to_json() == s.to_json()
        s = s2


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused_not_read_forever():
    with pytest.raises(ScenarioError, match="zero: not a regular file"):
        Scenario.load("/dev/zero")


def test_same_as_compares_every_field_one_at_a_time():
    """Each field on its own makes two scenarios differ (the arrays are compared by value)."""
    import dataclasses

    base = _full_scenario()
    assert base.same_as(base) and base.same_as(dataclasses.replace(base))
    copy = dataclasses.replace(base, target=base.target.copy(), prediction=base.prediction.copy())
    assert base.same_as(copy) and copy.same_as(base)
    changes = {
        "target": np.array([0.5, 0.25, 0.25]),
        "prediction": np.array([0.2, 0.3, 0.5]),
        "logits": np.array([0.0, 1.0, 2.0]),
        "class_names": ("a", "b", "z"),
        "temperature": 2.0,
        "label_smoothing": 0.3,
        "units": "bits" if base.units == "nats" else "nats",
        "title": base.title + " 2",
        "description": base.description + " more",
        "descent": dataclasses.replace(base.descent, learning_rate=base.descent.learning_rate * 2),
    }
    assert set(changes) == {f.name for f in dataclasses.fields(base)}  # every field is tried
    for name, value in changes.items():
        other = dataclasses.replace(base, **{name: value})
        assert not base.same_as(other) and not other.same_as(base), name
    shorter = dataclasses.replace(base, target=np.array([0.5, 0.5]), prediction=np.array([0.5, 0.5]))
    assert not base.same_as(shorter)


# --------------------------------------------------------------------------- files from elsewhere


def test_a_scenario_with_a_byte_order_mark_loads(tmp_path):
    """Windows Notepad writes UTF-8 with a byte-order mark."""
    s = _full_scenario()
    f = tmp_path / "notepad.json"
    f.write_text(s.to_json(), encoding="utf-8-sig")
    assert f.read_bytes().startswith(b"\xef\xbb\xbf")
    assert Scenario.load(f).same_as(s)
    assert Scenario.from_json("\ufeff" + s.to_json()).same_as(s)  # the settings keep scenarios as text


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_loop_of_symbolic_links_is_a_scenario_error_naming_the_file(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    os.symlink(a, b)
    os.symlink(b, a)
    with pytest.raises(ScenarioError, match=re.escape(str(a)) + ": Too many levels of symbolic links"):
        Scenario.load(a)


# --------------------------------------------------------------------------- what a save may write over


@pytest.mark.parametrize("kind", SPECIAL_FILES)
def test_saving_over_a_pipe_device_or_socket_is_refused_and_leaves_it_there(tmp_path, kind):
    """The rename of an atomic save would replace the pipe, device or socket with a JSON file."""
    target = make_special_file(kind, tmp_path)
    before = os.stat(target)
    with pytest.raises(FileError, match=re.escape(f"{target} is a {kind}, not a regular file")):
        _full_scenario().save(target)
    after = os.stat(target)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert not [f for f in os.listdir(target.parent) if f.endswith(".tmp")]  # no temporary file left


def test_saving_over_a_regular_file_a_link_to_one_or_a_new_name_still_saves(tmp_path):
    s = _full_scenario()
    old = tmp_path / "old.json"
    old.write_text("an older file", encoding="utf-8")
    s.save(old)
    s.save(tmp_path / "new.json")
    os.symlink(tmp_path / "new.json", tmp_path / "link.json")
    s.save(tmp_path / "link.json")
    for name in ("old.json", "new.json", "link.json"):
        assert Scenario.load(tmp_path / name).same_as(s), name
