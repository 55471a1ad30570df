"""Tests of ce_desktop.gui.state.ExplorerState: the one source of truth (QtCore only, no widgets)."""

from __future__ import annotations

import math
import weakref

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given, settings
from hypothesis import strategies as st

from ce_desktop.gui.descent import DescentController
from ce_desktop.gui.state import Aspect, ExplorerState
from ce_desktop.model import core
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError

A = Aspect


class Recorder:
    """Collects what a state emits: per change (revision), the set of aspect signals that fired."""

    def __init__(self, state: ExplorerState):
        self.state = state
        self.changes: list[frozenset] = []
        self.emitted: list[Aspect] = []  # every aspect signal, in order
        self.history = 0
        self.started = 0
        self.finished = 0
        self.whole = 0  # scenarioChanged
        self._revision = state.revision
        for a in Aspect:
            state.signal(a).connect(lambda a=a: self._on_aspect(a))
        state.scenarioChanged.connect(self._on_whole)
        state.historyChanged.connect(self._on_history)
        state.gestureStarted.connect(self._on_started)
        state.gestureFinished.connect(self._on_finished)

    def _on_aspect(self, a):
        self.emitted.append(a)
        if self.state.revision != self._revision or not self.changes:
            self._revision = self.state.revision
            self.changes.append(frozenset())
        self.changes[-1] = self.changes[-1] | {a}

    def _on_whole(self):
        self.whole += 1

    def _on_history(self):
        self.history += 1

    def _on_started(self):
        self.started += 1

    def _on_finished(self):
        self.finished += 1


@pytest.fixture
def state(qapp):
    s = ExplorerState(Scenario.create([0.7, 0.2, 0.1], [0.6, 0.3, 0.1], class_names=("cat", "dog", "bird")))
    yield s
    s.deleteLater()


@pytest.fixture
def rec(state):
    return Recorder(state)


def _snapshot(state: ExplorerState) -> str:
    return state.scenario.to_json()


def test_default_state_is_the_seed_pages_first_example(qapp):
    s = ExplorerState()
    assert s.target.tolist() == [1.0, 0.0, 0.0]
    assert s.prediction.tolist() == [0.8, 0.1, 0.1]
    assert s.evaluation.cross_entropy == pytest.approx(-math.log(0.8))
    assert s.class_names == ("cat", "dog", "bird")


def test_reading_properties_follow_the_scenario(state):
    assert state.num_classes == 3 and state.units == "nats" and state.base is None
    assert state.temperature == 1.0 and state.label_smoothing == 0.0 and not state.logits_mode
    assert state.logits is None
    assert state.descent == DescentSettings()
    # Seed sample 6 by hand: CE = 0.82863101, H = 0.80181855.
    assert state.evaluation.cross_entropy == pytest.approx(0.82863101, abs=1e-8)
    assert state.evaluation.entropy == pytest.approx(0.80181855, abs=1e-8)
    assert state.evaluation.gradient == pytest.approx([-0.1, 0.1, 0.0], abs=1e-15)
    assert state.display_logits() == pytest.approx(np.log([0.6, 0.3, 0.1]) - math.log(0.6))


# --------------------------------------------------------------------------- signals only on real change


def test_setters_emit_changed_with_their_aspect(state, rec):
    assert state.set_prediction([0.5, 0.3, 0.2]) is True
    assert state.set_target([0.2, 0.3, 0.5]) is True
    assert state.set_units("bits") is True
    assert state.rename_class(1, "wolf") is True
    assert state.set_temperature(2.0) is True
    assert rec.changes == [
        {A.PREDICTION},
        {A.TARGET},
        {A.UNITS},
        {A.CLASSES},
        {A.TEMPERATURE},  # probability mode: T changes the gradient only
    ]
    assert rec.whole == 5
    assert state.class_names == ("cat", "wolf", "bird")
    assert state.evaluation.cross_entropy == pytest.approx(-np.sum(state.target * np.log2(state.prediction)))


def test_setting_the_same_value_emits_nothing(state, rec):
    revision = state.revision
    assert state.set_prediction([0.6, 0.3, 0.1]) is False
    assert state.set_target([0.7, 0.2, 0.1]) is False
    assert state.set_units("nats") is False
    assert state.set_temperature(1.0) is False
    assert state.rename_class(0, "cat") is False
    assert state.set_num_classes(3) is False
    assert state.set_logits_mode(False) is False
    assert state.set_label_smoothing(0.0) is False
    assert state.set_descent(learning_rate=state.descent.learning_rate) is False
    assert state.load(Scenario.from_json(state.scenario.to_json())) is False
    assert rec.changes == [] and rec.history == 0
    assert state.revision == revision
    assert not state.history.can_undo


def test_single_class_edits_keep_a_distribution(state, rec):
    assert state.set_prediction_value(0, 0.9)
    # The others shared 0.4 as 3:1, now they share 0.1 the same way.
    assert state.prediction == pytest.approx([0.9, 0.075, 0.025])
    assert state.set_target_value(2, 1.0)
    assert state.target == pytest.approx([0.0, 0.0, 1.0])
    assert state.set_true_class(0)
    assert state.target.tolist() == [1.0, 0.0, 0.0]
    assert rec.changes == [{A.PREDICTION}, {A.TARGET}, {A.TARGET}]
    assert state.history.undo_text == "True class: cat"


# --------------------------------------------------------------------------- undo / redo


def test_undo_and_redo_restore_exact_states(state, rec):
    s0 = _snapshot(state)
    state.set_prediction_value(1, 0.5)
    s1 = _snapshot(state)
    state.set_units("bits")
    s2 = _snapshot(state)
    assert state.history.undo_text == "Units: bits"
    assert state.undo() and _snapshot(state) == s1
    assert state.undo() and _snapshot(state) == s0
    assert state.undo() is False and _snapshot(state) == s0
    assert state.redo() and _snapshot(state) == s1
    assert state.redo() and _snapshot(state) == s2
    assert state.redo() is False
    # Undo and redo announce a whole new scenario, and the evaluation follows.
    assert A.REPLACED in rec.changes[-1]
    assert state.evaluation.cross_entropy == pytest.approx(Scenario.from_json(s2).evaluate().cross_entropy)


def test_a_new_edit_after_undo_clears_redo(state):
    state.set_units("bits")
    state.undo()
    assert state.history.can_redo
    state.set_temperature(3.0)
    assert not state.history.can_redo


def test_begin_commit_makes_one_undo_step(state, rec):
    s0 = _snapshot(state)
    state.begin("Drag prediction: dog")
    assert state.gesture_active
    for v in np.linspace(0.3, 0.9, 25):
        state.set_prediction_value(1, float(v))
    state.commit()
    assert not state.gesture_active
    assert len(rec.changes) == 25  # every move redraws the views ...
    assert len(state.history) == 1  # ... but it is one undo step
    assert state.history.undo_text == "Drag prediction: dog"
    assert state.prediction[1] == pytest.approx(0.9)
    assert state.undo()
    assert _snapshot(state) == s0
    assert state.redo()
    assert state.prediction[1] == pytest.approx(0.9)


def test_a_drag_that_returns_to_its_start_records_nothing(state):
    state.begin("Drag target: cat")
    state.set_target_value(0, 0.2)
    state.set_target([0.7, 0.2, 0.1])
    state.commit()
    assert not state.history.can_undo


def test_undo_during_a_group_commits_it_first(state):
    s0 = _snapshot(state)
    state.begin("Drag")
    state.set_prediction_value(0, 0.2)
    assert state.undo()
    assert not state.gesture_active and _snapshot(state) == s0


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda s: s.set_target([0.5, 0.6, 0.1]), "target must sum to 1"),
        (lambda s: s.set_target([0.5, 0.5]), "prediction has 3 classes but the target has 2"),
        (lambda s: s.set_prediction([0.5, -0.1, 0.6]), "prediction has a negative entry"),
        (lambda s: s.set_prediction([0.5, float("nan"), 0.5]), "non-finite"),
        (lambda s: s.set_prediction_value(3, 0.5), "class index 3 is outside 0..2"),
        (lambda s: s.set_prediction_value(0, float("nan")), "NaN"),
        (lambda s: s.set_target_value(-1, 0.5), "outside"),
        (lambda s: s.set_true_class(7), "class index 7 is outside 0..2"),
        (lambda s: s.set_logits([0.0, float("nan"), 1.0]), "invalid entry nan"),
        (lambda s: s.set_logits([0.0, 1.0]), "logits have 2 classes but the target has 3"),
        (lambda s: s.set_logit(5, 1.0), "class index 5 is outside"),
        (lambda s: s.set_temperature(0.0), "temperature must lie in 0.01..100"),
        (lambda s: s.set_temperature(1000), "temperature"),
        (lambda s: s.set_label_smoothing(1.5), "label smoothing"),
        (lambda s: s.set_units("decibels"), "units must be"),
        (lambda s: s.set_num_classes(1), "number of classes must lie in 2..1000"),
        (lambda s: s.set_num_classes(1001), "number of classes"),
        (lambda s: s.set_descent(learning_rate=-1.0), "learning rate"),
        (lambda s: s.set_descent(optimizer="lbfgs"), "optimizer"),
        (lambda s: s.set_descent(max_steps=0), "max steps"),
        (lambda s: s.set_descent(warp_speed=9), "warp_speed"),
        (lambda s: s.rename_class(4, "x"), "class index 4 is outside"),
        (lambda s: s.rename_class(1, ""), "a class name cannot be empty"),
        (lambda s: s.rename_class(1, " \t "), "a class name cannot be empty"),
    ],
)
def test_bad_input_raises_scenario_error_and_changes_nothing(state, rec, edit, message):
    before = _snapshot(state)
    revision = state.revision
    with pytest.raises(ScenarioError, match=message):
        edit(state)
    assert _snapshot(state) == before
    assert state.revision == revision
    assert rec.changes == [] and not state.history.can_undo


# --------------------------------------------------------------------------- number of classes


def test_adding_classes_pads_the_target_and_shares_the_prediction(state, rec):
    assert state.set_num_classes(5)
    assert state.class_names == ("cat", "dog", "bird", "class 4", "class 5")
    assert state.target == pytest.approx([0.7, 0.2, 0.1, 0.0, 0.0])
    # The old prediction is scaled by 3/5 and each new class gets 1/5.
    assert state.prediction == pytest.approx([0.36, 0.18, 0.06, 0.2, 0.2])
    assert rec.changes == [{A.CLASSES, A.TARGET, A.PREDICTION}]
    assert state.history.undo_text == "5 classes"
    # New classes with y = 0 add nothing to CE: same loss as the three-class problem
    # with the scaled prediction, by hand: -(0.7 ln 0.36 + 0.2 ln 0.18 + 0.1 ln 0.06).
    expected = -(0.7 * math.log(0.36) + 0.2 * math.log(0.18) + 0.1 * math.log(0.06))
    assert state.evaluation.cross_entropy == pytest.approx(expected, rel=1e-12)


def test_removing_classes_keeps_the_first_ones_renormalised(state):
    state.set_num_classes(2)
    assert state.class_names == ("cat", "dog")
    assert state.target == pytest.approx([0.7 / 0.9, 0.2 / 0.9])
    assert state.prediction == pytest.approx([0.6 / 0.9, 0.3 / 0.9])
    state.undo()
    assert state.num_classes == 3 and state.target == pytest.approx([0.7, 0.2, 0.1])


def test_removing_every_class_with_target_mass_gives_a_uniform_target(qapp):
    s = ExplorerState(Scenario.create([0, 0, 1], [0.2, 0.3, 0.5]))
    s.set_num_classes(2)
    assert s.target == pytest.approx([0.5, 0.5])


def test_class_count_changes_in_logits_mode(state):
    state.set_logits([2.0, 1.0, 0.0])
    state.set_num_classes(4)
    # The new class gets the mean logit, 1.0.
    assert state.logits == pytest.approx([2.0, 1.0, 0.0, 1.0])
    assert state.prediction == pytest.approx(sps.softmax([2.0, 1.0, 0.0, 1.0]))
    state.set_num_classes(2)
    assert state.logits == pytest.approx([2.0, 1.0])
    assert state.prediction == pytest.approx(sps.softmax([2.0, 1.0]))


# --------------------------------------------------------------------------- logits mode and temperature


def test_switching_to_logits_mode_keeps_the_prediction(state, rec):
    p = state.prediction.copy()
    assert state.set_logits_mode(True)
    assert state.logits_mode
    assert state.logits.max() == 0.0
    assert state.logits == pytest.approx(np.log(p) - math.log(p.max()))
    assert state.prediction == pytest.approx(p, rel=1e-12)
    assert rec.changes == [{A.PREDICTION, A.EDIT_MODE}]
    assert state.set_logits_mode(False)
    assert not state.logits_mode and state.logits is None
    assert state.prediction == pytest.approx(p, rel=1e-12)


def test_temperature_rescales_the_softmax_of_the_logits(state):
    z = np.array([2.0, 1.0, 0.1])
    state.set_logits(z)
    assert state.prediction == pytest.approx(sps.softmax(z))
    state.set_temperature(4.0)
    assert state.logits == pytest.approx(z)  # the logits stay, the prediction flattens
    assert state.prediction == pytest.approx(sps.softmax(z / 4.0))
    # The gradient is (p - y) / T.
    assert state.evaluation.gradient == pytest.approx((sps.softmax(z / 4.0) - state.target) / 4.0)
    # CE is computed from the logits: -sum y log softmax(z / T).
    assert state.evaluation.cross_entropy == pytest.approx(-np.sum(state.target * sps.log_softmax(z / 4.0)))
    state.undo()
    assert state.temperature == 1.0 and state.prediction == pytest.approx(sps.softmax(z))


def test_setting_a_prediction_in_logits_mode_sets_matching_logits(state):
    state.set_logits_mode(True)
    state.set_temperature(2.0)
    state.set_prediction([0.2, 0.5, 0.3])
    assert state.logits_mode
    assert state.prediction == pytest.approx([0.2, 0.5, 0.3], rel=1e-12)
    assert sps.softmax(state.logits / 2.0) == pytest.approx([0.2, 0.5, 0.3], rel=1e-12)


def test_set_logit_changes_one_logit(state):
    state.set_logits([0.0, 0.0, 0.0])
    state.set_logit(1, 2.0)
    assert state.logits.tolist() == [0.0, 2.0, 0.0]
    assert state.history.undo_text == "Set logit: dog"


def test_set_logit_from_probability_mode_starts_from_floored_log_p(qapp):
    s = ExplorerState(Scenario.create([1, 0, 0], [0.5, 0.5, 0.0]))
    assert s.display_logits()[2] == -math.inf
    assert s.descent_start_logits()[2] == -100.0
    s.set_logit(0, 1.0)
    assert s.logits_mode
    assert s.logits == pytest.approx([1.0, 0.0, -100.0])
    assert np.all(np.isfinite(s.logits))


def test_label_smoothing_changes_the_effective_target(state):
    state.set_true_class(0)
    state.set_label_smoothing(0.3)
    assert state.raw_target.tolist() == [1.0, 0.0, 0.0]
    assert state.target == pytest.approx([0.8, 0.1, 0.1])  # 0.7 * (1, 0, 0) + 0.3 / 3
    # Setting the target folds the smoothing into it.
    state.set_target([0.5, 0.25, 0.25])
    assert state.label_smoothing == 0.0 and state.target.tolist() == [0.5, 0.25, 0.25]


def test_descent_settings(state, rec):
    assert state.set_descent(optimizer="adam", learning_rate=0.01)
    assert state.descent.optimizer == "adam" and state.descent.learning_rate == 0.01
    assert rec.changes == [{A.DESCENT}]


def test_infinite_loss_is_held_honestly(state):
    state.set_true_class(2)
    state.set_prediction([0.5, 0.5, 0.0])
    ev = state.evaluation
    assert ev.cross_entropy == math.inf and ev.kl_divergence == math.inf
    assert not np.any(np.isnan(ev.gradient))
    assert math.isfinite(ev.entropy)


# --------------------------------------------------------------------------- typed, per-aspect signals

OTHER = Scenario.create([0.1, 0.1, 0.8], [0.2, 0.2, 0.6], class_names=("x", "y", "z"), title="Other")

SETTERS = [
    ("prediction", lambda s: s.set_prediction([0.5, 0.3, 0.2]), {A.PREDICTION}),
    ("prediction value", lambda s: s.set_prediction_value(2, 0.3), {A.PREDICTION}),
    ("target", lambda s: s.set_target([0.2, 0.3, 0.5]), {A.TARGET}),
    ("true class", lambda s: s.set_true_class(2), {A.TARGET}),
    ("units", lambda s: s.set_units("bits"), {A.UNITS}),
    ("rename", lambda s: s.rename_class(1, "wolf"), {A.CLASSES}),
    ("temperature", lambda s: s.set_temperature(2.0), {A.TEMPERATURE}),
    ("smoothing", lambda s: s.set_label_smoothing(0.1), {A.SMOOTHING, A.TARGET}),
    ("logits mode", lambda s: s.set_logits_mode(True), {A.EDIT_MODE, A.PREDICTION}),
    ("logits", lambda s: s.set_logits([1.0, 0.0, 0.0]), {A.EDIT_MODE, A.PREDICTION}),
    ("descent", lambda s: s.set_descent(learning_rate=0.25), {A.DESCENT}),
    ("more classes", lambda s: s.set_num_classes(4), {A.CLASSES, A.TARGET, A.PREDICTION}),
    ("load", lambda s: s.load(OTHER), {A.REPLACED, A.CLASSES, A.TITLE, A.TARGET, A.PREDICTION}),
]


@pytest.mark.parametrize("name, edit, expected", SETTERS, ids=[s[0] for s in SETTERS])
def test_each_signal_fires_once_exactly_when_its_aspect_changed(state, rec, name, edit, expected):
    assert edit(state) is True
    assert sorted(rec.emitted, key=lambda a: a.name) == sorted(expected, key=lambda a: a.name)  # each once
    assert rec.whole == 1 and rec.started == rec.finished == 0
    # In the declared order: a rebuild (classes, replaced) comes before the numbers.
    assert rec.emitted == [a for a in Aspect if a in expected]
    assert state.last_change == expected
    # The same edit again changes nothing and emits nothing.
    rec.emitted.clear()
    assert edit(state) is False
    assert rec.emitted == [] and rec.whole == 1


def test_temperature_in_logits_mode_changes_the_prediction_too(state):
    state.set_logits([1.0, 0.0, -1.0])
    rec = Recorder(state)
    assert state.set_temperature(2.0)
    assert rec.changes == [{A.TEMPERATURE, A.PREDICTION}]
    assert state.prediction == pytest.approx(sps.softmax(np.array([1.0, 0.0, -1.0]) / 2.0), abs=1e-15)


_EDITS = st.sampled_from([
    lambda s, v: s.set_prediction_value(int(v * 3) % 3, 0.05 + 0.9 * v),
    lambda s, v: s.set_target_value(int(v * 7) % 3, 0.05 + 0.9 * v),
    lambda s, v: s.set_units("bits" if v > 0.5 else "nats"),
    lambda s, v: s.set_temperature(1.0 + round(v, 1)),
    lambda s, v: s.set_label_smoothing(round(v / 2, 1)),
    lambda s, v: s.set_logits_mode(v > 0.5),
    lambda s, v: s.rename_class(0, "cat" if v > 0.5 else "lynx"),
    lambda s, v: s.set_descent(learning_rate=1.0 if v > 0.5 else 0.5),
    lambda s, v: s.undo(),
    lambda s, v: s.redo(),
])


def _fields_that_differ(a: Scenario, b: Scenario) -> set:
    """Written out field by field, independently of the state's own comparison."""
    out = set()
    if not np.array_equal(a.effective_target, b.effective_target):
        out.add(A.TARGET)
    if a.label_smoothing != b.label_smoothing:
        out |= {A.SMOOTHING, A.TARGET}
    if (a.logits is None) != (b.logits is None):
        out |= {A.EDIT_MODE, A.PREDICTION}
    elif a.logits is not None and not np.array_equal(a.logits, b.logits):
        out.add(A.PREDICTION)
    if not np.array_equal(a.prediction, b.prediction):
        out.add(A.PREDICTION)
    if a.class_names != b.class_names:
        out.add(A.CLASSES)
    for field, aspect in (("units", A.UNITS), ("temperature", A.TEMPERATURE), ("descent", A.DESCENT)):
        if getattr(a, field) != getattr(b, field):
            out.add(aspect)
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_EDITS, st.floats(0.0, 1.0)), min_size=1, max_size=12))
def test_the_signals_name_exactly_what_changed_in_any_sequence_of_edits(qapp, edits):
    state = ExplorerState(Scenario.create([0.7, 0.2, 0.1], [0.6, 0.3, 0.1], class_names=("cat", "dog", "bird")))
    rec = Recorder(state)
    for edit, v in edits:
        before, n = state.scenario, len(rec.emitted)
        is_undo = edit.__code__.co_names[-1:] in (("undo",), ("redo",))
        changed = edit(state, v)
        fired = rec.emitted[n:]
        expected = _fields_that_differ(before, state.scenario)
        if changed and is_undo:
            expected.add(A.REPLACED)
        assert len(fired) == len(set(fired))  # each signal at most once per change
        assert set(fired) == expected
        assert bool(fired) == bool(changed)
    state.deleteLater()


def test_undo_and_redo_fire_the_aspects_they_restore(state, rec):
    state.set_units("bits")
    state.set_prediction([0.5, 0.3, 0.2])
    rec.changes.clear()
    assert state.undo()
    assert rec.changes == [{A.REPLACED, A.PREDICTION}]
    assert state.undo()
    assert rec.changes[-1] == {A.REPLACED, A.UNITS}
    assert state.redo()
    assert rec.changes[-1] == {A.REPLACED, A.UNITS}
    assert state.units == "bits"


def test_history_changed_means_only_that_undo_or_redo_availability_or_text_changed(state, rec):
    state.set_prediction([0.5, 0.3, 0.2])  # "Undo Set prediction" becomes available
    assert rec.history == 1
    state.set_prediction([0.4, 0.4, 0.2])  # the same text, still available: nothing new to show
    assert rec.history == 1
    state.set_units("bits")  # a new text
    assert rec.history == 2
    state.begin("Drag")
    state.set_prediction_value(0, 0.1)
    state.commit()
    assert rec.history == 3 and state.history.undo_text == "Drag"
    state.begin("Drag")
    state.commit()  # an empty gesture: started and finished, but the history is as it was
    assert rec.history == 3 and rec.started == rec.finished == 2


def test_a_gesture_of_100_moves_is_one_undo_entry_and_one_started_finished_pair(state, rec):
    before = len(state.history)
    state.begin("Drag prediction: dog")
    assert state.gesture_active and rec.started == 1 and rec.finished == 0
    for k in range(100):
        state.set_prediction_value(1, 0.3 + 0.005 * (k + 1))
    assert rec.history == 0  # nothing announced mid-gesture
    state.commit()
    assert not state.gesture_active and rec.started == rec.finished == 1
    assert len(state.history) == before + 1 and rec.history == 1
    assert state.history.undo_text == "Drag prediction: dog"
    assert rec.emitted.count(A.PREDICTION) == 100 and set(rec.emitted) == {A.PREDICTION}
    assert state.prediction[1] == pytest.approx(0.8)
    state.undo()
    assert state.prediction.tolist() == [0.6, 0.3, 0.1]


def test_an_edit_during_a_yielding_group_is_its_own_undo_step(state, rec):
    state.begin("Gradient descent run", yields=True)
    assert state.in_undo_group and not state.gesture_active
    state.show_run_step(state.scenario.replace(prediction=[0.5, 0.3, 0.2]))  # a frame of the run ...
    state.set_units("bits")  # ... and the user's edit ends the run's step first
    assert not state.in_undo_group and rec.finished == 1
    assert state.history.undo_text == "Units: bits"
    state.undo()
    assert state.history.undo_text == "Gradient descent run"


def test_start_from_replaces_the_scenario_with_nothing_to_undo(state, rec):
    state.set_units("bits")
    assert state.start_from(OTHER)
    assert state.scenario is OTHER and not state.history.can_undo
    assert A.REPLACED in rec.changes[-1] and rec.history == 2
    state.clear_history()  # nothing left to clear: nothing announced
    assert rec.history == 2


def test_connect_aspects_calls_once_per_change_with_what_changed(state):
    calls = []
    state.connect_aspects(calls.append, A.CLASSES, A.TARGET, A.PREDICTION)
    state.set_num_classes(4)
    state.set_units("bits")  # not followed
    state.set_prediction_value(0, 0.5)
    assert calls == [{A.CLASSES, A.TARGET, A.PREDICTION}, {A.PREDICTION}]



def test_connect_aspects_holds_a_method_weakly(state):
    """The state does not keep a follower alive, and calls it no more once it is gone."""
    calls = []

    class Follower:
        def on_change(self, aspects):
            calls.append((self, aspects))

    follower = Follower()
    state.connect_aspects(follower.on_change, A.PREDICTION)
    state.set_prediction_value(0, 0.5)
    assert calls == [(follower, {A.PREDICTION})]
    gone = weakref.ref(follower)
    calls.clear()
    del follower
    assert gone() is None  # nothing in the state held it
    state.set_prediction_value(0, 0.4)
    assert calls == []


def test_aspects_hash_and_compare_as_members():
    assert {A.TARGET: 1}[A("targetChanged")] == 1
    assert frozenset(A) & {A.PREDICTION, A.TARGET} == {A.PREDICTION, A.TARGET}
    assert len({*A, *A}) == len(A)

# --------------------------------------------------------------------------- a played descent run


@pytest.fixture
def controller(qapp):
    from conftest import hold_descent_clock

    s = ExplorerState(Scenario.create([0.7, 0.2, 0.1], [0.2, 0.3, 0.5], class_names=("cat", "dog", "bird")))
    c = DescentController(s)
    s.set_descent(steps_per_second=60.0, tolerance=0.0)
    s.clear_history()
    hold_descent_clock(c)
    yield c
    c.pause()
    c.deleteLater()
    s.deleteLater()


def test_a_played_run_of_n_frames_is_one_undo_entry_and_one_gesture(controller):
    from conftest import play_frames

    s = controller.state
    rec = Recorder(s)
    start = s.scenario
    controller.play()
    assert play_frames(controller, 40) == 40
    assert controller.run.index == 40
    assert s.in_undo_group and not s.gesture_active  # the run holds its step; the user is not dragging
    assert rec.history == 0 and len(s.history) == 0  # no pop and push per frame
    controller.pause()
    assert rec.started == rec.finished == 1
    assert len(s.history) == 1 and s.history.undo_text == "Gradient descent run" and rec.history == 1
    assert rec.emitted.count(A.PREDICTION) == 40
    # Resumed after a pause, the run stays one undo step.
    controller.play()
    play_frames(controller, 5)
    controller.pause()
    assert len(s.history) == 1 and controller.run.index == 45
    assert s.undo() and s.scenario.same_as(start)


def test_a_run_frame_computes_the_softmax_at_most_once_and_evaluates_once(controller, monkeypatch):
    """The run computes each step's softmax; the state shows it without a second one (it did
    one more to build the scenario), and every view reads the one evaluation."""
    from conftest import play_frames

    calls = {"softmax": 0, "evaluate": 0}

    def counting(name, key):
        original = getattr(core, name)

        def wrapper(*a, **k):
            calls[key] += 1
            return original(*a, **k)
        monkeypatch.setattr(core, name, wrapper)

    for name in ("softmax", "log_softmax", "softmax_and_log_softmax"):  # every public softmax
        counting(name, "softmax")
    counting("evaluate", "evaluate")
    controller.play()
    for _ in range(10):
        calls.update(softmax=0, evaluate=0)
        assert play_frames(controller, 1) == 1
        assert calls == {"softmax": 1, "evaluate": 1}
    s = controller.state
    assert s.evaluation.cross_entropy == pytest.approx(controller.run.cross_entropy[controller.run.index], rel=1e-12)
