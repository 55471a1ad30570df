"""Practice questions for the predict-then-reveal mode: generation, scoring, rounds.

Qt-free and deterministic: every question comes from a ``numpy.random.Generator``
that the caller passes in (never the global random state), so a teacher who gives the
same seed gets the same set of questions. All losses are computed by the core.

Three kinds of question:

``"estimate"``
    Here are y and ŷ; estimate the cross-entropy. Full point within the tolerance
    (±10 % or ±0.1, whichever is larger), half a point within twice that.
``"compare"``
    Same target, two predictions A and B: which has the lower loss? The two losses
    differ by at least :data:`COMPARE_MARGIN` so there is a right answer.
``"reach"``
    A hard target and a starting prediction; drag ŷ of the true class until the loss is
    the goal, within the tolerance. Scored by the loss of the prediction handed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ce_desktop.model import core, distributions
from ce_desktop.model import formatting as fmt
from ce_desktop.model.types import ArrayLike, FloatArray, LogBase

KINDS = ("estimate", "compare", "reach")
#: Most questions in a round and most classes in a question (kept small: they are read aloud).
MAX_QUESTIONS = 50
MIN_CLASSES, MAX_CLASSES = 2, 6
#: Smallest probability in a generated prediction (no infinite losses in questions).
MIN_PROBABILITY = 0.01
#: Smallest difference (nats) between the two losses of a "compare" question.
COMPARE_MARGIN = 0.05
#: Relative and absolute parts of the tolerance for "estimate" and "reach".
RELATIVE_TOLERANCE = 0.10
ABSOLUTE_TOLERANCE = 0.10
UNITS = ("nats", "bits")


def _base(units: str) -> LogBase:
    return 2 if units == "bits" else None


def tolerance_for(value: float) -> float:
    """How far an answer may be from ``value`` and still count as right: max(10 %, 0.1)."""
    return max(RELATIVE_TOLERANCE * abs(float(value)), ABSOLUTE_TOLERANCE)


@dataclass(frozen=True, eq=False)
class Question:
    """One question. The answer is not stored as text anywhere the student can see it.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    target : numpy.ndarray, shape (C,)
    prediction : numpy.ndarray, shape (C,)
        The prediction to judge ("estimate"), prediction A ("compare"), or the
        starting prediction ("reach").
    other : numpy.ndarray or None
        Prediction B of a "compare" question.
    goal : float or None
        The loss to reach, in ``units`` ("reach").
    class_names : tuple of str
    units : str
    """

    kind: str
    target: FloatArray
    prediction: FloatArray
    other: FloatArray | None = None
    goal: float | None = None
    class_names: tuple[str, ...] = ()
    units: str = "nats"

    @property
    def num_classes(self) -> int:
        return int(self.target.shape[0])

    @property
    def true_class(self) -> int:
        """The class the target favours most (the one dragged in a "reach" question)."""
        return int(np.argmax(self.target))

    @property
    def prompt(self) -> str:
        if self.kind == "estimate":
            return f"Estimate the cross-entropy of this prediction, in {self.units}."
        if self.kind == "compare":
            return "Which prediction, A or B, has the lower cross-entropy?"
        return (f"Drag the prediction for {self.class_names[self.true_class]} until the loss is "
                f"{fmt.number(self._goal)} {self.units} (±{fmt.number(self.tolerance)}).")

    def loss(self, prediction: ArrayLike | None = None) -> float:
        """Cross-entropy of ``prediction`` (default: the question's own) against the target, in ``units``."""
        p = self.prediction if prediction is None else prediction
        return float(core.cross_entropy(self.target, p, _base(self.units)))

    @property
    def tolerance(self) -> float:
        if self.kind == "reach":
            return tolerance_for(self._goal)
        if self.kind == "estimate":
            return tolerance_for(self.loss())
        return 0.0

    @property
    def _goal(self) -> float:
        """The goal of a "reach" question (which always has one)."""
        if self.goal is None:
            raise ValueError(f"a {self.kind!r} question has no goal")
        return self.goal

    def answer(self) -> float | str:
        """The right answer: the loss ("estimate"), "A" or "B" ("compare"), the goal ("reach")."""
        if self.kind == "estimate":
            return self.loss()
        if self.kind == "compare":
            return "A" if self.loss(self.prediction) < self.loss(self.other) else "B"
        return self._goal

    def solution(self) -> FloatArray:
        """A prediction that reaches the goal of a "reach" question exactly (for the reveal)."""
        if self.kind != "reach":
            raise ValueError("only a 'reach' question has a prediction to find")
        q = float(core.perplexity(-self._goal, _base(self.units)))  # e^(-goal) or 2^(-goal)
        return distributions.redistribute(self.prediction, self.true_class, q)


@dataclass(frozen=True)
class Result:
    """How an answer scored.

    Attributes
    ----------
    points : float
        1, 0.5 or 0.
    correct : bool
        Full marks.
    truth : float or str
        The right answer (for "reach": the loss the answer actually has).
    error : float or None
        ``|given - truth|`` for numeric questions (for "reach": distance from the goal).
    message : str
        What the reveal says.
    """

    points: float
    correct: bool
    truth: float | str
    error: float | None
    message: str


def score(question: Question, given: Any) -> Result:
    """Score an answer: a number ("estimate"), "A"/"B" ("compare") or a prediction vector ("reach").

    ``given`` is what the student entered, of any type: its form is checked here.

    Raises
    ------
    ValueError
        If the answer has the wrong form (not a number, not A/B, not a distribution).
    """
    u = question.units
    if question.kind == "estimate":
        try:
            g = float(given)
        except (TypeError, ValueError):
            raise ValueError(f"The answer must be a number, got {given!r}") from None
        if not math.isfinite(g):
            raise ValueError("the answer must be a finite number")
        truth = question.loss()
        return _numeric_result(abs(g - truth), question.tolerance, truth,
                               f"CE = {fmt.number(truth)} {u}; you said {fmt.number(g)}")
    if question.kind == "compare":
        letter = str(given).strip().upper()
        if letter not in ("A", "B"):
            raise ValueError(f"The answer must be A or B, got {given!r}")
        better = question.answer()
        la, lb = question.loss(question.prediction), question.loss(question.other)
        detail = f"A: {fmt.number(la)} {u}, B: {fmt.number(lb)} {u}"
        ok = letter == better
        verdict = "right" if ok else "not quite"
        return Result(1.0 if ok else 0.0, ok, better, None, f"{better} has the lower loss ({detail}): {verdict}.")
    p = distributions.validate_distribution(given, "answer")
    if p.shape != question.target.shape:
        raise ValueError(f"The answer has {p.shape[-1]} classes, the question {question.num_classes}")
    reached = question.loss(p)
    err = abs(reached - question._goal) if math.isfinite(reached) else math.inf
    res = _numeric_result(err, question.tolerance, reached,
                          f"Your prediction's loss is {fmt.number(reached)} {u}, the goal "
                          f"{fmt.number(question._goal)} {u}")
    return res


def _numeric_result(err: float, tol: float, truth: float, head: str) -> Result:
    if err <= tol:
        points, verdict = 1.0, f"within ±{fmt.number(tol)}: full point"
    elif err <= 2 * tol:
        points, verdict = 0.5, f"within ±{fmt.number(2 * tol)}: half a point"
    else:
        points, verdict = 0.0, f"more than ±{fmt.number(2 * tol)} away: no point"
    return Result(points, points == 1.0, truth, err, f"{head} (off by {fmt.number(err)}); {verdict}.")


# --------------------------------------------------------------------------- generation


def _check_rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError("pass a numpy.random.Generator, e.g. numpy.random.default_rng(seed)")
    return rng


def _rounded(p: FloatArray) -> FloatArray:
    """``p`` rounded to two decimals, each at least MIN_PROBABILITY, summing to exactly 1."""
    c = p.shape[0]
    q = np.maximum(np.round(p, 2), MIN_PROBABILITY)
    # Put the rounding remainder on the largest entry; in hundredths so the sum is exact.
    hundredths = np.round(q * 100).astype(int)
    hundredths[int(np.argmax(hundredths))] += 100 - int(hundredths.sum())
    if hundredths.min() < 1:  # cannot happen for C <= 6, but never hand out a bad question
        hundredths = np.full(c, 100 // c)
        hundredths[0] += 100 - int(hundredths.sum())
    return hundredths / 100.0


def _random_target(rng: np.random.Generator, c: int, hard: bool) -> FloatArray:
    if hard:
        return distributions.one_hot(int(rng.integers(c)), c)
    k = int(rng.integers(c))
    alpha = np.ones(c)
    alpha[k] = 4.0
    return _rounded(rng.dirichlet(alpha))


def _random_prediction(rng: np.random.Generator, c: int) -> FloatArray:
    # A mix of confident and hesitant predictions: concentration from 0.5 (peaked) to 3 (flat).
    return _rounded(rng.dirichlet(np.full(c, float(rng.uniform(0.5, 3.0)))))


def generate(rng: np.random.Generator, kind: str | None = None, num_classes: int = 3, units: str = "nats",
             class_names: Sequence[str] | None = None) -> Question:
    """One random question drawn with ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    kind : str or None
        One of :data:`KINDS`; None picks one at random.
    num_classes : int
        2 to 6.
    units : str
        "nats" or "bits".
    class_names : sequence of str or None
        Defaults to ``("class 1", ...)``.
    """
    rng = _check_rng(rng)
    if kind is None:
        kind = KINDS[int(rng.integers(len(KINDS)))]
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    c = int(num_classes)
    if not MIN_CLASSES <= c <= MAX_CLASSES:
        raise ValueError(f"questions have {MIN_CLASSES}..{MAX_CLASSES} classes, got {num_classes!r}")
    if units not in UNITS:
        raise ValueError(f"units must be 'nats' or 'bits', got {units!r}")
    names = tuple(class_names) if class_names is not None else tuple(f"class {i + 1}" for i in range(c))
    if len(names) != c:
        raise ValueError(f"{len(names)} class names for {c} classes")

    if kind == "estimate":
        y = _random_target(rng, c, hard=bool(rng.random() < 0.6))
        return Question(kind, y, _random_prediction(rng, c), class_names=names, units=units)

    if kind == "compare":
        y = _random_target(rng, c, hard=bool(rng.random() < 0.5))
        for _ in range(1000):
            a, b = _random_prediction(rng, c), _random_prediction(rng, c)
            la, lb = float(core.cross_entropy(y, a)), float(core.cross_entropy(y, b))
            if abs(la - lb) >= COMPARE_MARGIN:
                return Question(kind, y, a, other=b, class_names=names, units=units)
        raise RuntimeError("could not draw two predictions with different losses")  # pragma: no cover

    # "reach": a hard target, a goal between about 0.1 and 3 nats, and a start clearly
    # away from it (more than twice the tolerance), so there is something to do.
    y = _random_target(rng, c, hard=True)
    k = int(np.argmax(y))
    base = _base(units)
    for _ in range(1000):
        goal_q = float(rng.uniform(0.05, 0.9))
        start_q = round(float(rng.uniform(0.02, 0.98)), 2)
        start = _rounded(distributions.redistribute(_random_prediction(rng, c), k, start_q))
        goal = round(float(core.cross_entropy(y, distributions.redistribute(start, k, goal_q), base)), 2)
        if abs(float(core.cross_entropy(y, start, base)) - goal) > 2 * tolerance_for(goal):
            return Question(kind, y, start, goal=goal, class_names=names, units=units)
    raise RuntimeError("could not draw a start away from the goal")  # pragma: no cover


# --------------------------------------------------------------------------- a round


@dataclass
class Round:
    """A round of questions and the answers given so far.

    Build one with :meth:`create`; the same seed gives the same questions.
    """

    questions: tuple[Question, ...]
    seed: int | None = None
    results: list[Result] = field(default_factory=list)

    @classmethod
    def create(cls, seed: int | None = None, count: int = 5, kinds: Sequence[str] = KINDS, num_classes: int = 3,
               units: str = "nats", class_names: Sequence[str] | None = None) -> Round:
        """``count`` questions cycling through ``kinds``, drawn from ``numpy.random.default_rng(seed)``."""
        n = int(count)
        if not 1 <= n <= MAX_QUESTIONS:
            raise ValueError(f"a round has 1..{MAX_QUESTIONS} questions, got {count!r}")
        kinds = tuple(kinds)
        if not kinds or any(k not in KINDS for k in kinds):
            raise ValueError(f"kinds must be chosen from {', '.join(KINDS)}")
        rng = np.random.default_rng(seed)
        qs = tuple(generate(rng, kinds[i % len(kinds)], num_classes, units, class_names) for i in range(n))
        return cls(qs, seed)

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def index(self) -> int:
        """Index of the question being asked (== len(self) when the round is over)."""
        return len(self.results)

    @property
    def finished(self) -> bool:
        return self.index >= len(self.questions)

    @property
    def current(self) -> Question | None:
        return None if self.finished else self.questions[self.index]

    def answer(self, given: Any) -> Result:
        """Score ``given`` for the current question and move on. ``ValueError`` on a malformed answer."""
        q = self.current
        if q is None:
            raise ValueError("the round is over")
        result = score(q, given)
        self.results.append(result)
        return result

    @property
    def score(self) -> float:
        return float(sum(r.points for r in self.results))

    def summary(self) -> str:
        return f"{fmt.number(self.score, 1)} / {len(self.questions)} points"
