"""Tests of ce_desktop.model.presets: the built-in examples are valid and say what they claim."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ce_desktop.model import presets
from ce_desktop.model.scenario import Scenario


def test_names_are_unique_command_line_words():
    names = presets.names()
    assert len(names) == len(set(names)) >= 8
    for name in names:
        assert name and " " not in name and "\t" not in name and name == name.lower()


@pytest.mark.parametrize("preset", presets.PRESETS, ids=lambda p: p.name)
def test_every_preset_builds_a_valid_scenario(preset):
    s = preset.scenario()
    assert isinstance(s, Scenario)
    assert s.title == preset.title and s.description == preset.description
    assert preset.description and "\t" not in preset.description and "\n" not in preset.description
    ev = s.evaluate()
    assert not math.isnan(ev.cross_entropy) and not np.any(np.isnan(ev.gradient))
    assert Scenario.from_json(s.to_json()).same_as(s)


# The seed page's rows, recomputed by hand (see tests/model/test_core.py for the arithmetic).
SEED = {
    "good-prediction": 0.22314355,  # -ln 0.8
    "uncertain": 0.91629073,  # -ln 0.4
    "confident-and-wrong": 2.99573227,  # -ln 0.05
    "excellent": 0.01005034,  # -ln 0.99
    "random": 1.10866262,  # -ln 0.33 (the seed's 1.099 is wrong)
    "soft-close-match": 0.82863101,
    "soft-overconfident": 1.47080848,  # the seed's 0.891 is wrong
    "soft-excellent": 0.23563959,  # the seed's 0.021 is wrong
}


@pytest.mark.parametrize("name,ce", SEED.items())
def test_seed_presets_give_the_hand_computed_loss(name, ce):
    assert presets.get(name).scenario().evaluate().cross_entropy == pytest.approx(ce, abs=2e-8)


def test_special_presets_do_what_their_descriptions_say():
    assert presets.get("uniform-prediction").scenario().evaluate().cross_entropy == pytest.approx(math.log(3))
    perfect = presets.get("perfect-soft").scenario().evaluate()
    assert perfect.kl_divergence == 0.0 and perfect.cross_entropy == pytest.approx(perfect.entropy)
    assert presets.get("zero-probability").scenario().evaluate().cross_entropy == math.inf
    smoothed = presets.get("label-smoothed").scenario()
    assert smoothed.effective_target == pytest.approx([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3])
    logits = presets.get("logits").scenario()
    assert logits.logits_mode and logits.prediction == pytest.approx(np.exp([2, 1, 0.1]) / np.exp([2, 1, 0.1]).sum())
    digits = presets.get("ten-digits").scenario()
    assert digits.num_classes == 10 and digits.target[7] == 1.0 and digits.prediction.argmax() == 7


def test_unknown_preset_lists_the_names():
    with pytest.raises(KeyError, match="unknown preset 'nope'; choose from: good-prediction"):
        presets.get("nope")
