"""Exercises (Qt-free): seeded generation, scoring against hand-computed losses, rounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import xlogy

from ce_desktop.model import exercises as ex
from ce_desktop.model.exercises import Question, Round, generate, score


def ref_ce(y, p, units="nats") -> float:
    """-sum y log p by scipy's xlogy (0 log 0 = 0), converted to bits on request."""
    v = float(-np.sum(xlogy(np.asarray(y, float), np.asarray(p, float))))
    return v / math.log(2) if units == "bits" else v


# --------------------------------------------------------------------------- generation


def test_the_same_seed_gives_the_same_round_and_the_global_random_state_is_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = Round.create(seed=42, count=9)
    after = np.random.get_state()[1]
    np.testing.assert_array_equal(before, after)
    np.random.seed(999)  # global seeding must not matter
    b = Round.create(seed=42, count=9)
    for qa, qb in zip(a.questions, b.questions, strict=True):
        assert qa.kind == qb.kind and qa.goal == qb.goal
        np.testing.assert_array_equal(qa.target, qb.target)
        np.testing.assert_array_equal(qa.prediction, qb.prediction)
    c = Round.create(seed=43, count=9)
    assert any(not np.array_equal(x.prediction, y.prediction) for x, y in zip(a.questions, c.questions, strict=True))


def test_generate_takes_only_a_generator():
    for bad in (42, None, np.random.RandomState(1)):
        with pytest.raises(TypeError, match="numpy.random.Generator"):
            generate(bad)
    with pytest.raises(ValueError, match="kind must be one of"):
        generate(np.random.default_rng(0), "guess")
    with pytest.raises(ValueError, match="2..6 classes"):
        generate(np.random.default_rng(0), "estimate", num_classes=7)
    with pytest.raises(ValueError, match="units"):
        generate(np.random.default_rng(0), "estimate", units="hartleys")


@pytest.mark.parametrize("kind", ex.KINDS)
@pytest.mark.parametrize("c", [2, 3, 5])
def test_generated_questions_are_readable_and_finite(kind, c):
    rng = np.random.default_rng(c)
    for _ in range(40):
        q = generate(rng, kind, num_classes=c)
        for dist in (q.target, q.prediction) + ((q.other,) if q.other is not None else ()):
            assert dist.shape == (c,)
            assert abs(dist.sum() - 1.0) < 1e-12
            assert np.all(dist >= 0)
            # Two decimals, so the numbers on screen are exactly the numbers used.
            np.testing.assert_allclose(dist, np.round(dist, 2), atol=1e-12)
        assert q.prediction.min() >= ex.MIN_PROBABILITY - 1e-12  # no infinite loss to estimate
        assert math.isfinite(ref_ce(q.target, q.prediction))
        if kind == "compare":
            assert abs(ref_ce(q.target, q.prediction) - ref_ce(q.target, q.other)) >= ex.COMPARE_MARGIN
        if kind == "reach":
            k = q.true_class
            assert q.target[k] == 1.0  # hard target
            assert q.goal == round(q.goal, 2)
            # The start is more than twice the tolerance away from the goal: there is work to do.
            assert abs(ref_ce(q.target, q.prediction) - q.goal) > 2 * ex.tolerance_for(q.goal)


# --------------------------------------------------------------------------- scoring


def test_estimate_scores_full_half_and_no_points_against_the_hand_computed_loss():
    q = Question("estimate", np.array([0.0, 1.0, 0.0]), np.array([0.3, 0.4, 0.3]))
    truth = -math.log(0.4)  # 0.9163 nats, by hand
    assert q.answer() == pytest.approx(truth, abs=1e-15)
    tol = max(0.1 * truth, 0.1)
    assert q.tolerance == pytest.approx(tol)
    r = score(q, truth)
    assert (r.points, r.correct, r.error) == (1.0, True, pytest.approx(0.0, abs=1e-15))
    assert "full point" in r.message and "0.916" in r.message
    assert score(q, truth + 0.95 * tol).points == 1.0
    assert score(q, truth - 1.5 * tol).points == 0.5
    r = score(q, truth + 3 * tol)
    assert (r.points, r.correct) == (0.0, False) and "no point" in r.message
    assert score(q, "0.92").points == 1.0  # text that is a number is fine


def test_estimate_in_bits():
    q = Question("estimate", np.array([1.0, 0.0]), np.array([0.25, 0.75]), units="bits")
    assert q.answer() == pytest.approx(2.0, abs=1e-12)  # -log2(1/4)
    assert score(q, 2.0).correct and not score(q, 2.0 * math.log(2)).correct


def test_compare_scores_the_lower_loss_found_by_hand():
    y = np.array([0.4, 0.3, 0.3])
    a, b = np.array([0.8, 0.1, 0.1]), np.array([0.4, 0.3, 0.3])
    q = Question("compare", y, a, other=b)
    # A: 0.4 ln(1/0.8) + 0.6 ln 10 = 1.4708; B = H(y) = 1.0889: B is lower.
    assert ref_ce(y, a) == pytest.approx(1.4708, abs=1e-4) and ref_ce(y, b) == pytest.approx(1.0889, abs=1e-4)
    assert q.answer() == "B"
    right, wrong = score(q, "b"), score(q, "A")
    assert (right.points, right.correct, wrong.points, wrong.correct) == (1.0, True, 0.0, False)
    assert "1.471" in right.message and "1.089" in right.message


def test_reach_scores_the_loss_of_the_prediction_handed_in():
    q = Question("reach", np.array([0.0, 0.0, 1.0]), np.array([0.3, 0.3, 0.4]), goal=1.5)
    k = q.true_class
    assert k == 2
    # -ln q = 1.5  <=>  q = e^-1.5 = 0.2231
    exact = np.array([0.5, 0.5, 0.0]) * (1 - math.exp(-1.5)) + np.array([0, 0, 1.0]) * math.exp(-1.5)
    r = score(q, exact)
    assert r.correct and r.error == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(q.solution(), exact, atol=1e-12)
    assert score(q, q.prediction).points == 0.0  # the start: -ln 0.4 = 0.92, far from 1.5
    near = exact.copy()
    near[2] = 0.2
    near[:2] = 0.4
    assert score(q, near).points == 1.0  # -ln 0.2 = 1.609, within 0.15 of 1.5
    r = score(q, [0.5, 0.5, 0.0])
    assert r.points == 0.0 and "∞" in r.message


@pytest.mark.parametrize(
    "kind, given, message",
    [
        ("estimate", "lots", "must be a number"),
        ("estimate", float("nan"), "finite"),
        ("estimate", float("inf"), "finite"),
        ("compare", "C", "must be A or B"),
        ("reach", [0.5, 0.6, 0.1], "sum to 1"),
        ("reach", [0.5, 0.5], "2 classes"),
    ],
)
def test_malformed_answers_are_refused(kind, given, message):
    q = generate(np.random.default_rng(5), kind)
    with pytest.raises(ValueError, match=message):
        score(q, given)


# --------------------------------------------------------------------------- rounds


def test_a_round_cycles_through_the_kinds_and_adds_up_the_points():
    r = Round.create(seed=7, count=6)
    assert [q.kind for q in r.questions] == ["estimate", "compare", "reach"] * 2
    assert (r.index, r.finished, r.score) == (0, False, 0.0)
    expected = 0.0
    for i, q in enumerate(r.questions):
        assert r.current is q
        if q.kind == "estimate":
            given = ref_ce(q.target, q.prediction) if i % 2 == 0 else 100.0
        elif q.kind == "compare":
            lower_a = ref_ce(q.target, q.prediction) < ref_ce(q.target, q.other)
            given = "A" if lower_a else "B"
        else:
            given = q.solution()
        res = r.answer(given)
        expected += res.points
        assert r.index == i + 1
    assert r.finished and r.current is None
    assert r.score == expected == 5.0  # every answer right except the deliberately wrong estimate
    assert r.summary() == "5.0 / 6 points"
    with pytest.raises(ValueError, match="over"):
        r.answer(1.0)


def test_round_arguments_are_checked():
    with pytest.raises(ValueError, match="1..50 questions"):
        Round.create(seed=1, count=0)
    with pytest.raises(ValueError, match="kinds"):
        Round.create(seed=1, kinds=("estimate", "riddle"))
    r = Round.create(seed=1, count=3, kinds=("compare",), units="bits")
    assert {q.kind for q in r.questions} == {"compare"} and {q.units for q in r.questions} == {"bits"}


@pytest.mark.parametrize("module", ["ce_desktop.model.exercises", "ce_desktop.model.lessons"])
def test_lessons_and_exercises_import_no_qt(module):
    import json
    import subprocess
    import sys
    from pathlib import Path

    probe = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    assert module in loaded
    assert not [m for m in loaded if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")]


def test_feedback_sentences_start_with_a_capital():
    rng = np.random.default_rng(7)
    for kind, answer in (("estimate", 1.0), ("compare", "A"), ("reach", None)):
        q = ex.generate(rng, kind)
        given = answer if answer is not None else q.prediction
        message = ex.score(q, given).message
        assert message[0].isupper() or message[0] in "AB", message
    for kind, bad in (("estimate", "lots"), ("compare", "C")):
        with pytest.raises(ValueError) as info:
            ex.score(ex.generate(rng, kind), bad)
        assert str(info.value)[0].isupper()
