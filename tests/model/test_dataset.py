"""The data set, its edits, its label operations and its generators, against hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from ce_desktop.model import dataset as ds
from ce_desktop.model.dataset import (
    Dataset,
    DatasetError,
    annotator_disagreement,
    one_hot_targets,
    smooth,
    with_label_noise,
)
from ce_desktop.model.dataset_generators import GENERATORS, class_sizes, generate


def hard(points, labels, c=2):
    return Dataset.from_labels(np.asarray(points, dtype=float), labels, c)


# ---------------------------------------------------------------------- the data set


def test_a_hard_data_set_and_what_it_derives():
    d = hard([[0, 0], [1, 2], [3, 4]], [1, 0, 1])
    assert d.num_samples == 3 and d.num_classes == 2
    assert d.labels.tolist() == [1, 0, 1]
    assert d.targets.tolist() == [[0, 1], [1, 0], [0, 1]]
    assert d.is_hard
    assert d.class_names == ("class 1", "class 2")
    assert d.class_counts().tolist() == [1, 2]
    assert d.feature_names == ("x1", "x2")


def test_soft_targets_are_kept_as_given_and_not_hard():
    t = [[0.25, 0.75], [0.5, 0.5]]
    d = Dataset(np.zeros((2, 2)), np.array(t), ("a", "b"))
    assert d.targets.tolist() == t
    assert not d.is_hard
    assert d.labels.tolist() == [1, 0]  # a tie goes to the first class


def test_arrays_are_copied_and_read_only():
    p = np.zeros((2, 2))
    d = hard(p, [0, 1])
    p[0, 0] = 9.0
    assert d.points[0, 0] == 0.0
    with pytest.raises(ValueError):
        d.points[0, 0] = 1.0
    with pytest.raises(ValueError):
        d.targets[0, 0] = 0.5


@pytest.mark.parametrize(
    "points, targets, names, words",
    [
        (np.zeros((2, 3)), np.eye(2), ("a", "b"), "pairs"),
        (np.zeros((0, 2)), np.zeros((0, 2)), ("a", "b"), "1 to 100,000 points"),
        ([[0, np.nan], [0, 0]], np.eye(2), ("a", "b"), "point 1 has a coordinate"),
        ([[0, 0], [np.inf, 0]], np.eye(2), ("a", "b"), "point 2 has a coordinate"),
        (np.zeros((2, 2)), np.ones((2, 1)), ("a",), "2 to 10 classes, not 1"),
        (np.zeros((2, 2)), np.full((2, 11), 1 / 11), tuple("abcdefghijk"), "2 to 10 classes, not 11"),
        (np.zeros((2, 2)), np.eye(2), ("a",), "1 class names for 2 classes"),
        (np.zeros((2, 2)), np.eye(2), ("a", "a"), "'a' is used twice"),
        (np.zeros((2, 2)), np.eye(2), ("a", " "), "non-empty"),
        (np.zeros((2, 2)), np.eye(2), ("a", "b "), "spaces at its start or end"),
        (np.zeros((2, 2)), np.eye(2), ("a", "b" * 41), "longer than 40"),
        (np.zeros((2, 2)), [[1, 0], [0.5, 0.4]], ("a", "b"), "point 2's label probabilities sum to 0.9"),
        (np.zeros((2, 2)), [[1.5, -0.5], [0, 1]], ("a", "b"), "point 1's label has a probability that is negative"),
        (np.zeros((3, 2)), np.eye(2), ("a", "b"), "one row per point (3)"),
    ],
)
def test_a_bad_data_set_is_refused_in_plain_words(points, targets, names, words):
    with pytest.raises(DatasetError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Dataset(np.asarray(points, dtype=float), np.asarray(targets, dtype=float), names)


def test_rows_may_miss_1_by_the_tolerance_only():
    Dataset(np.zeros((1, 2)), np.array([[0.5, 0.5 + 0.9e-6]]), ("a", "b"))
    with pytest.raises(DatasetError):
        Dataset(np.zeros((1, 2)), np.array([[0.5, 0.5 + 1.1e-6]]), ("a", "b"))


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


def test_one_hot_targets_refuses_out_of_range_and_fractions():
    assert one_hot_targets([2, 0], 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(DatasetError):
        one_hot_targets([3], 3)
    with pytest.raises(DatasetError):
        one_hot_targets([-1], 3)
    with pytest.raises(DatasetError):
        one_hot_targets([0.5], 3)


def test_equality_is_by_value():
    a = hard([[0, 0], [1, 1]], [0, 1])
    assert a == hard([[0, 0], [1, 1]], [0, 1])
    assert a != hard([[0, 0], [1, 1.5]], [0, 1])
    assert a != hard([[0, 0], [1, 1]], [1, 1])
    assert a != Dataset(a.points, a.targets, ("x", "y"))


# ---------------------------------------------------------------------- edits


def test_edits_return_a_new_data_set_and_leave_the_old_one():
    d = hard([[0, 0], [1, 1]], [0, 1], 3)
    added = d.with_point_added(5.0, 6.0, 2)
    assert added.points.tolist() == [[0, 0], [1, 1], [5, 6]]
    assert added.labels.tolist() == [0, 1, 2]
    moved = d.with_point_moved(1, -2.0, 3.0)
    assert moved.points.tolist() == [[0, 0], [-2, 3]] and moved.labels.tolist() == [0, 1]
    removed = d.with_point_removed(0)
    assert removed.points.tolist() == [[1, 1]] and removed.labels.tolist() == [1]
    assert d.points.tolist() == [[0, 0], [1, 1]] and d.num_samples == 2


def test_a_moved_point_keeps_its_soft_label():
    d = Dataset(np.zeros((2, 2)), np.array([[0.3, 0.7], [1.0, 0.0]]), ("a", "b"))
    assert d.with_point_moved(0, 1.0, 1.0).targets[0].tolist() == [0.3, 0.7]


def test_bad_edits_are_refused():
    d = hard([[0, 0]], [0])
    with pytest.raises(DatasetError, match="no point 1"):
        d.with_point_moved(1, 0.0, 0.0)
    with pytest.raises(DatasetError, match="no class 2"):
        d.with_point_added(0.0, 0.0, 2)
    with pytest.raises(DatasetError, match="at least one point"):
        d.with_point_removed(0)
    with pytest.raises(DatasetError, match="finite"):
        d.with_point_added(float("nan"), 0.0, 0)


# ---------------------------------------------------------------------- labels


def test_smooth_matches_the_formula_worked_by_hand():
    d = Dataset.from_labels(np.zeros((2, 2)), [1, 2], 3)
    s = smooth(d, 0.3)
    # y (1 - 0.3) + 0.3 / 3: the true class 0.7 + 0.1, the others 0.1.
    np.testing.assert_allclose(s.targets, [[0.1, 0.8, 0.1], [0.1, 0.1, 0.8]], rtol=0, atol=1e-15)
    assert not s.is_hard
    assert smooth(d, 0.0) == d
    np.testing.assert_allclose(smooth(d, 1.0).targets, np.full((2, 3), 1 / 3), atol=1e-15)


def test_smooth_applies_to_soft_labels_too():
    d = Dataset(np.zeros((1, 2)), np.array([[0.2, 0.8]]), ("a", "b"))
    np.testing.assert_allclose(smooth(d, 0.5).targets, [[0.2 * 0.5 + 0.25, 0.8 * 0.5 + 0.25]], atol=1e-15)


@pytest.mark.parametrize("eps", [-0.1, 1.1, float("nan"), "x"])
def test_smooth_refuses_eps_outside_0_1(eps):
    with pytest.raises(DatasetError):
        smooth(hard([[0, 0]], [0]), eps)


@pytest.mark.parametrize("n, percent, flipped", [(200, 10, 20), (100, 12.5, 12), (7, 50, 4), (50, 0, 0), (30, 100, 30)])
def test_label_noise_flips_exactly_round_k_n_over_100(n, percent, flipped):
    d = generate("blobs", max(n, 10), 4, 1) if n >= 10 else Dataset.from_labels(np.zeros((n, 2)), np.arange(n) % 4, 4)
    noisy = with_label_noise(d, percent, seed=5)
    changed = noisy.labels != d.labels
    assert int(changed.sum()) == flipped == round(percent * d.num_samples / 100)
    assert noisy.is_hard
    assert np.array_equal(noisy.points, d.points)


def test_label_noise_is_seeded_and_reaches_every_other_class():
    d = Dataset.from_labels(np.zeros((3000, 2)), np.zeros(3000, dtype=int), 4)
    a = with_label_noise(d, 50, seed=3)
    assert a == with_label_noise(d, 50, seed=3)
    assert a != with_label_noise(d, 50, seed=4)
    counts = np.bincount(a.labels, minlength=4)
    assert counts[0] == 1500
    # 1500 flips spread over the three other classes, about 500 each.
    assert all(400 < c < 600 for c in counts[1:])


def test_label_noise_refuses_soft_labels_and_bad_percentages():
    soft = Dataset(np.zeros((1, 2)), np.array([[0.5, 0.5]]), ("a", "b"))
    with pytest.raises(DatasetError, match="soft"):
        with_label_noise(soft, 10, 0)
    with pytest.raises(DatasetError):
        with_label_noise(hard([[0, 0]], [0]), 101, 0)
    with pytest.raises(DatasetError, match="seed"):
        with_label_noise(hard([[0, 0]], [0]), 10, -1)


FOUR = [[0, 0], [1, 0], [0, 2], [5, 5]]


def test_annotator_disagreement_on_four_points_by_hand():
    d = hard(FOUR, [0, 0, 1, 1])
    # One neighbour. Squared distances: 0-1: 1, 0-2: 4, 1-2: 5, 2-3: 34, 1-3: 41, 0-3: 50.
    # Nearest of 0 is 1 (class 0), of 1 is 0, of 2 is 0 (class 0), of 3 is 2 (class 1).
    one = annotator_disagreement(d, 1)
    np.testing.assert_allclose(one.targets, [[1, 0], [1, 0], [0.5, 0.5], [0, 1]], atol=1e-15)
    # Two: 0 -> {1, 2}; 1 -> {0, 2}; 2 -> {0, 1}; 3 -> {2, 1}; each with itself.
    two = annotator_disagreement(d, 2)
    np.testing.assert_allclose(two.targets, [[2 / 3, 1 / 3]] * 3 + [[1 / 3, 2 / 3]], atol=1e-15)
    assert np.allclose(two.targets.sum(axis=1), 1.0)


def test_annotator_disagreement_takes_the_lower_index_among_equal_distances():
    # Points 1, 2 and 3 are all at distance 1 from point 0: point 1 (class 1) counts.
    d = hard([[0, 0], [1, 0], [-1, 0], [0, 1]], [0, 1, 0, 1])
    np.testing.assert_allclose(annotator_disagreement(d, 1).targets[0], [0.5, 0.5])
    # Two neighbours: points 1 and 2.
    np.testing.assert_allclose(annotator_disagreement(d, 2).targets[0], [2 / 3, 1 / 3])


def _reference_disagreement(points, targets, k):
    """Brute force: sort each row by (distance, index), itself first."""
    out = np.empty_like(targets)
    for i in range(len(points)):
        d2 = ((points - points[i]) ** 2).sum(axis=1)
        d2[i] = -1.0
        order = sorted(range(len(points)), key=lambda j: (d2[j], j))[: k + 1]
        out[i] = targets[order].mean(axis=0)
    return out


@pytest.mark.parametrize("chunk_numbers", [7, 100, 4_000_000])
def test_annotator_disagreement_in_blocks_equals_brute_force(monkeypatch, chunk_numbers):
    monkeypatch.setattr(ds, "_CHUNK_NUMBERS", chunk_numbers)
    rng = np.random.default_rng(0)
    # Rounded coordinates make many equal distances.
    points = np.round(rng.normal(size=(60, 2)), 1)
    d = Dataset.from_labels(points, rng.integers(0, 3, 60), 3)
    for k in (1, 4, 59):
        got = annotator_disagreement(d, k).targets
        np.testing.assert_allclose(got, _reference_disagreement(points, d.targets, k), atol=1e-12)


def test_annotator_disagreement_edges():
    d = hard(FOUR, [0, 0, 1, 1])
    assert annotator_disagreement(d, 0) == d
    # Every point and all others: each row is the class frequencies.
    np.testing.assert_allclose(annotator_disagreement(d, 3).targets, np.full((4, 2), 0.5))
    with pytest.raises(DatasetError, match="0..3"):
        annotator_disagreement(d, 4)
    with pytest.raises(DatasetError):
        annotator_disagreement(d, -1)


def test_annotator_disagreement_of_10000_points_sums_to_1():
    d = generate("overlapping", 10_000, 10, 2)
    s = annotator_disagreement(d, 5)
    np.testing.assert_allclose(s.targets.sum(axis=1), 1.0, atol=1e-12)
    assert set(np.unique(np.round(s.targets * 6, 9))) <= set(range(7))  # multiples of 1/6
    assert not s.is_hard


# ---------------------------------------------------------------------- generators


def test_class_sizes_balance_to_within_one():
    assert class_sizes(101, 3) == [34, 34, 33]
    assert class_sizes(10, 10) == [1] * 10


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_balance_classes_and_repeat_with_the_seed(name):
    c = 2 if name == "moons" else 3
    d = generate(name, 101, c, seed=7)
    assert d.num_samples == 101 and d.num_classes == c and d.is_hard
    assert sorted(d.class_counts().tolist(), reverse=True) == class_sizes(101, c)
    assert np.all(np.abs(d.points) < 6)
    assert generate(name, 101, c, seed=7) == d
    assert generate(name, 101, c, seed=8) != d


@pytest.mark.parametrize("name", [g for g in GENERATORS if g != "moons"])
def test_generators_reach_ten_classes_and_ten_thousand_points(name):
    d = generate(name, 10_000, 10, 0)
    assert d.class_counts().tolist() == [1000] * 10


def test_generator_limits():
    with pytest.raises(DatasetError, match="two classes"):
        generate("moons", 100, 3, 0)
    with pytest.raises(DatasetError, match="10..10,000"):
        generate("blobs", 9, 2, 0)
    with pytest.raises(DatasetError, match="10..10,000"):
        generate("blobs", 10_001, 2, 0)
    with pytest.raises(DatasetError, match="2..10"):
        generate("blobs", 100, 11, 0)
    with pytest.raises(DatasetError, match="no generator called 'circles'"):
        generate("circles", 100, 2, 0)
    with pytest.raises(DatasetError, match="seed"):
        generate("blobs", 100, 2, 1.5)  # type: ignore[arg-type]


def test_xor_of_two_classes_is_the_xor_of_the_signs():
    d = generate("xor", 1000, 2, 1)
    x, y = d.points.T
    assert np.array_equal(d.labels, (x * y < 0).astype(int))


def _nearest_mean_accuracy(d):
    means = np.array([d.points[d.labels == k].mean(axis=0) for k in range(d.num_classes)])
    guess = np.argmin(((d.points[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
    return float(np.mean(guess == d.labels))


def test_blobs_are_apart_and_overlapping_classes_overlap():
    assert _nearest_mean_accuracy(generate("blobs", 2000, 5, 0)) > 0.97
    # Centres 1.5 apart, spread 1: the best boundary still misses Phi(-0.75) = 23 %.
    acc = _nearest_mean_accuracy(generate("overlapping", 4000, 2, 0))
    assert 0.72 < acc < 0.82


def test_rings_grow_with_the_class():
    d = generate("rings", 2000, 4, 0)
    r = np.hypot(*d.points.T)
    means = [r[d.labels == k].mean() for k in range(4)]
    assert means == sorted(means) and means[0] > 0.5


def test_moons_interleave():
    d = generate("moons", 2000, 2, 0)
    upper = d.points[d.labels == 0]
    lower = d.points[d.labels == 1]
    # The upper moon's middle lies above the lower moon's middle, and their x ranges overlap.
    assert upper[:, 1].mean() > lower[:, 1].mean()
    assert upper[:, 0].max() > lower[:, 0].min()
