"""The per-sample loss strip alone on a DatasetState: bars against losses worked out with scipy,
real clicks choosing points, the ring, binning at N = 10,000, and the pixels of the bars."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import click_at, data_to_viewport, settle, show_view
from PySide6 import QtGui
from scipy import special

from ce_desktop.gui import themes
from ce_desktop.gui.dataset_state import DatasetState
from ce_desktop.gui.views.dataset_samples import MAX_BARS, PerSampleLossView, nice_ceiling
from ce_desktop.model import workspace

SIZE = (640, 360)


def independent_losses(state: DatasetState) -> np.ndarray:
    """Each point's CE from the state's logits and hard labels: −log softmax(z)[label] (scipy)."""
    z = state.logits()
    labels = state.data.labels
    return -special.log_softmax(z, axis=1)[np.arange(len(labels)), labels]


def blobs(n: int, c: int, seed: int = 1) -> DatasetState:
    spec = workspace.GeneratorSpec(name="blobs", samples=n, classes=c, seed=seed)
    return DatasetState(workspace.DatasetSetup(data=spec.generate(), generator=spec))


@pytest.fixture
def state():
    s = DatasetState()  # three blobs of 200 points, hard labels
    s.run_steps(20)
    return s


@pytest.fixture
def view(state, qtbot):
    return show_view(qtbot, PerSampleLossView(state), SIZE)


def test_bars_are_the_losses_sorted_worst_first(state, view):
    ell = independent_losses(state)
    assert state.num_samples <= MAX_BARS
    np.testing.assert_allclose(view.bar_heights(), np.sort(ell)[::-1], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(view.bar_ranks(), np.arange(state.num_samples))
    # each bar has the colour of its own point's class
    np.testing.assert_array_equal(view.bar_classes(), state.data.labels[np.argsort(-ell, kind="stable")])
    assert view.mean_loss() == pytest.approx(float(np.mean(ell)), rel=1e-12)


def test_the_bars_follow_the_run(state, view):
    before = view.bar_heights()
    state.run_steps(15)
    settle()
    np.testing.assert_allclose(view.bar_heights(), np.sort(independent_losses(state))[::-1], rtol=1e-9, atol=1e-12)
    assert not np.allclose(before, view.bar_heights())
    state.go_to(0)  # all zeros: every point has ŷ = 1/3
    settle()
    np.testing.assert_allclose(view.bar_heights(), np.full(state.num_samples, math.log(3.0)), rtol=1e-12)


def test_a_click_on_the_first_bar_chooses_the_worst_point(state, view):
    ell = independent_losses(state)
    worst = int(np.argmax(ell))
    click_at(None, view.plot, 0.5, 0.5 * float(ell[worst]))
    assert state.selected == worst
    # the ring sits on top of that point's bar
    x, y = view.ring_position()
    assert x == pytest.approx(0.5)
    assert y == pytest.approx(float(ell[worst]))
    assert "Chosen: point" in view.readout.text()


def test_a_click_on_a_later_bar_chooses_the_point_of_that_rank(state, view):
    ell = independent_losses(state)
    order = np.argsort(-ell, kind="stable")
    r = 37
    click_at(None, view.plot, r + 0.5, 0.5 * float(ell[order[r]]))
    assert state.selected == int(order[r])
    assert view.rank_of(state.selected) == r


def test_the_ring_follows_the_chosen_point_as_training_goes(state, view):
    i = 11
    state.select(i)
    settle()
    for _ in range(3):
        ell = independent_losses(state)
        rank = int(np.flatnonzero(np.argsort(-ell, kind="stable") == i)[0])
        x, y = view.ring_position()
        assert (x, y) == (pytest.approx(rank + 0.5), pytest.approx(float(ell[i])))
        state.run_steps(10)
        settle()
    state.select(-1)
    settle()
    assert view.ring_position() is None


def test_ten_thousand_points_are_binned_with_each_bin_as_tall_as_its_worst(qtbot):
    state = blobs(10_000, 10)
    state.run_steps(5)
    view = show_view(qtbot, PerSampleLossView(state), SIZE)
    ell = np.sort(independent_losses(state))[::-1]
    heights, first = view.bar_heights(), view.bar_ranks()
    assert len(heights) == MAX_BARS
    assert first[0] == 0 and np.all(np.diff(first) > 0) and first[-1] < 10_000
    edges = np.append(first, 10_000)
    np.testing.assert_allclose(heights, [ell[a:b].max() for a, b in zip(edges[:-1], edges[1:], strict=True)],
                               rtol=1e-9)
    # a click on the very first pixels still reaches the worst point
    click_at(None, view.plot, 0.5, 0.5 * heights[0])
    assert state.selected == int(np.argmax(independent_losses(state)))


@pytest.mark.parametrize("theme", [themes.LIGHT, themes.PROJECTOR], ids=lambda t: t.name)
def test_the_worst_bar_is_drawn_in_its_class_colour(qtbot, theme):
    state = blobs(40, 3)
    state.run_steps(10)
    view = show_view(qtbot, PerSampleLossView(state), SIZE, theme=theme)
    ell = independent_losses(state)
    worst = int(np.argmax(ell))
    image = view.plot.grab().toImage()
    ratio = image.devicePixelRatio()
    p = data_to_viewport(view.plot, 0.5, 0.5 * float(ell[worst]))
    colour = image.pixelColor(int(p.x() * ratio), int(p.y() * ratio))
    want = QtGui.QColor(theme.class_colours[state.data.labels[worst]])
    assert (colour.red(), colour.green(), colour.blue()) == (want.red(), want.green(), want.blue())
    # above every bar: the background
    top = data_to_viewport(view.plot, 0.5, 0.98 * view.y_range()[1])
    bg = image.pixelColor(int(top.x() * ratio), int(top.y() * ratio))
    assert bg.name().lower() == theme.background.lower()


def test_readout_numbers(state, view):
    text = view.readout.text()
    ell = independent_losses(state)
    assert f"mean CE {float(np.mean(ell)):.3f} nats" in text
    assert f"worst: point {int(np.argmax(ell)) + 1} " in text
    assert "nan" not in text.lower().replace("nats", "") and "-0.000" not in text


def test_the_y_range_holds_the_worst_loss(state, view):
    lo, hi = view.y_range()
    assert lo == 0.0 and hi >= float(np.max(independent_losses(state)))


@pytest.mark.parametrize("x, want", [(0.114, 0.12), (1.0, 1.0), (1.01, 1.2), (7.0, 8.0), (0.0, 1.0),
                                     (math.inf, 1.0), (math.nan, 1.0), (95.0, 100.0)])
def test_nice_ceiling(x, want):
    assert nice_ceiling(x) == pytest.approx(want)
