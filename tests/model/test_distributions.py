"""Tests of ce_desktop.model.distributions: making and editing distributions (the checks are
tested with the losses that apply them, in test_core.py and test_core_edges.py). No Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from maths_reference import probability_vectors

from ce_desktop.model import core, distributions

PROPERTY = settings(deadline=None, max_examples=60)


# --------------------------------------------------------------------------- making and editing distributions


def test_one_hot():
    assert distributions.one_hot(2, 4).tolist() == [0.0, 0.0, 1.0, 0.0]
    assert distributions.one_hot(0, 2).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match=r"class index 4 is outside 0\.\.3"):
        distributions.one_hot(4, 4)
    with pytest.raises(ValueError, match=r"class index -1 is outside"):
        distributions.one_hot(-1, 4)


def test_smooth_labels_follows_the_pytorch_formula():
    # PyTorch (CrossEntropyLoss(label_smoothing=eps)) mixes the target with the uniform
    # distribution: y (1 - eps) + eps / C.  y = (1, 0, 0), eps = 0.1: (0.9 + 0.1/3, 0.1/3, 0.1/3).
    assert distributions.smooth_labels([1, 0, 0], 0.1) == pytest.approx([0.93333333, 0.03333333, 0.03333333], abs=1e-8)
    soft = np.array([0.7, 0.2, 0.1])
    assert distributions.smooth_labels(soft, 0.3) == pytest.approx([0.7 * 0.7 + 0.1, 0.2 * 0.7 + 0.1, 0.1 * 0.7 + 0.1])
    assert distributions.smooth_labels(soft, 0.0).tolist() == soft.tolist()
    assert distributions.smooth_labels(soft, 1.0) == pytest.approx([1 / 3] * 3)
    # PyTorch's documented loss: (1 - eps) * NLL(true class) + eps/C * sum_i -log p_i.
    p, eps = np.array([0.6, 0.3, 0.1]), 0.2
    torch_loss = (1 - eps) * -math.log(0.6) + eps / 3 * -np.log(p).sum()
    assert core.cross_entropy(distributions.smooth_labels([1, 0, 0], eps), p) == pytest.approx(torch_loss, rel=1e-12)
    # Batches: per row.
    assert distributions.smooth_labels([[1, 0], [0, 1]], 0.5).tolist() == [[0.75, 0.25], [0.25, 0.75]]
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"label smoothing must lie in \[0, 1\]"):
            distributions.smooth_labels([1, 0], bad)


def test_redistribute_rescales_the_others_proportionally():
    out = distributions.redistribute([0.5, 0.3, 0.2], 0, 0.8)
    # The others shared 0.5 as 3:2; now they share 0.2 the same way: 0.12 and 0.08.
    assert out == pytest.approx([0.8, 0.12, 0.08], abs=1e-15)
    assert out.sum() == pytest.approx(1.0, abs=1e-15)
    out = distributions.redistribute([0.6, 0.3, 0.1], 2, 0.0)
    assert out == pytest.approx([2 / 3, 1 / 3, 0.0])


def test_redistribute_when_the_others_are_all_zero():
    # Nothing to rescale: the remainder 1 - 0.4 is shared evenly between the other two.
    out = distributions.redistribute([1.0, 0.0, 0.0], 0, 0.4)
    assert out == pytest.approx([0.4, 0.3, 0.3], abs=1e-15)
    out = distributions.redistribute([0.0, 1.0, 0.0, 0.0], 1, 0.1)
    assert out == pytest.approx([0.3, 0.1, 0.3, 0.3], abs=1e-15)


def test_redistribute_clips_to_0_1():
    assert distributions.redistribute([0.5, 0.3, 0.2], 1, 1.7).tolist() == [0.0, 1.0, 0.0]
    out = distributions.redistribute([0.5, 0.3, 0.2], 1, -3.0)
    assert out[1] == 0.0 and out == pytest.approx([5 / 7, 0.0, 2 / 7])
    with pytest.raises(ValueError, match="NaN"):
        distributions.redistribute([0.5, 0.5], 0, float("nan"))
    with pytest.raises(ValueError, match=r"class index 3 is outside 0\.\.2"):
        distributions.redistribute([0.5, 0.3, 0.2], 3, 0.5)
    with pytest.raises(ValueError, match="must sum to 1"):
        distributions.redistribute([0.5, 0.3, 0.3], 0, 0.5)


@PROPERTY
@given(probability_vectors(), st.data())
def test_redistribute_always_gives_a_distribution(p, data):
    i = data.draw(st.integers(0, p.size - 1))
    v = data.draw(st.floats(-0.5, 1.5))
    out = distributions.redistribute(p, i, v)
    assert out[i] == min(max(v, 0.0), 1.0)
    assert np.all(out >= 0)
    assert out.sum() == pytest.approx(1.0, abs=1e-12)
    distributions.validate_distribution(out)
    others, new_others = np.delete(p, i), np.delete(out, i)
    if others.sum() > 1e-9 and new_others.sum() > 1e-9:
        # Proportions among the other classes are kept.
        assert new_others / new_others.sum() == pytest.approx(others / others.sum(), abs=1e-9)


@PROPERTY
@given(probability_vectors())
def test_logits_from_probabilities_round_trips_through_softmax(p):
    z = distributions.logits_from_probabilities(p)
    assert z.max() == 0.0
    assert np.all(np.isneginf(z[p == 0]))
    assert core.softmax(z) == pytest.approx(p, rel=1e-12, abs=1e-15)
    zf = distributions.logits_from_probabilities(p, floor=-50.0)
    assert np.all(np.isfinite(zf)) and zf.min() >= -50.0
    assert core.softmax(zf) == pytest.approx(p, abs=1e-14 + 10 * math.exp(-50))


def test_logits_from_probabilities_batch_and_errors():
    z = distributions.logits_from_probabilities([[0.5, 0.5], [0.2, 0.8]])
    assert z == pytest.approx(np.array([[0.0, 0.0], [math.log(0.25), 0.0]]))
    for bad in (0.0, 1.0, float("nan"), float("-inf")):
        with pytest.raises(ValueError, match="floor must be a negative number"):
            distributions.logits_from_probabilities([0.5, 0.5], floor=bad)
