"""The likelihood view alone on a DatasetState: the product's underflow against hand-worked values
(p = 1/2 for every sample is 2⁻ⁿ, exactly 0 from n = 1075) and a plain Python product, the
log-likelihood against scipy, the readout's numbers, and the marker's pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import data_to_viewport, settle, show_view
from PySide6 import QtGui
from scipy import special

from ce_desktop.gui import themes
from ce_desktop.gui.dataset_state import DatasetState
from ce_desktop.gui.views.dataset_likelihood import FLOOR, LikelihoodView, power_of_ten, thinned
from ce_desktop.model import workspace

SIZE = (640, 420)


def blobs(n: int, c: int, seed: int = 1) -> DatasetState:
    spec = workspace.GeneratorSpec(name="blobs", samples=n, classes=c, seed=seed)
    return DatasetState(workspace.DatasetSetup(data=spec.generate(), generator=spec))


def independent_losses(state: DatasetState) -> np.ndarray:
    z = state.logits()
    labels = state.data.labels
    return -special.log_softmax(z, axis=1)[np.arange(len(labels)), labels]


def python_product(p) -> tuple[list[float], int | None]:
    """The running product multiplied one float at a time, and the first n where it is 0."""
    out, prod, first = [], 1.0, None
    for k, v in enumerate(p, start=1):
        prod *= v
        out.append(prod)
        if prod == 0.0 and first is None:
            first = k
    return out, first


def test_half_probabilities_underflow_at_1075(qtbot):
    # Two classes from W = 0, b = 0: every sample has ŷ = 1/2, the product is 2⁻ⁿ, exact down to
    # 2⁻¹⁰⁷⁴ (the smallest subnormal) and 0 at n = 1075 (2⁻¹⁰⁷⁵ rounds to even, 0).
    state = blobs(2000, 2)
    view = show_view(qtbot, LikelihoodView(state), SIZE)
    assert view.underflow_index() == 1075
    assert view.marker_position() == (1075.0, pytest.approx(FLOOR))
    x, y = view.product_curve_data()
    assert x[-1] == 1074.0  # the last n before 0
    np.testing.assert_allclose(y, -x * math.log10(2.0), rtol=1e-12)  # log₁₀ 2⁻ⁿ
    lx, ly = view.log_curve_data()
    assert lx[-1] == 2000.0 and ly[-1] == pytest.approx(-2000 * math.log10(2.0), rel=1e-12)
    text = view.readout.text()
    assert "log L = −Σ ℓ = -1386.294 nats" in text  # −2000 ln 2
    assert "float64: 0.0 from n = 1,075" in text
    assert "L would be 8.71 × 10⁻⁶⁰³" in text  # 2⁻²⁰⁰⁰ = 8.7098… × 10⁻⁶⁰³ (decimal arithmetic)
    assert "Π pₙ = 0 exactly from n = 1,075" in view.zero_text.toPlainText()


def test_the_marker_follows_the_underflow_as_training_goes(qtbot):
    state = blobs(3000, 10)
    view = show_view(qtbot, LikelihoodView(state), SIZE)
    seen = set()
    for _ in range(3):
        ell = independent_losses(state)
        _, first = python_product(np.exp(-ell).tolist())
        assert first is not None
        assert view.underflow_index() == first
        assert view.marker_position()[0] == float(first)
        seen.add(first)
        state.run_steps(3)
        settle()
    assert len(seen) > 1  # as the model learns, the probabilities rise and the product lasts longer


def test_the_product_curve_is_the_float64_product(qtbot):
    state = blobs(3000, 10)
    state.run_steps(5)
    view = show_view(qtbot, LikelihoodView(state), SIZE)
    ell = independent_losses(state)
    prods, first = python_product(np.exp(-ell).tolist())
    x, y = view.product_curve_data()
    n = x.astype(int)
    assert n[-1] == first - 1
    got = np.asarray(prods)[n - 1]
    np.testing.assert_allclose(y, np.log10(got), rtol=1e-9)
    lx, ly = view.log_curve_data()
    np.testing.assert_allclose(ly, -np.cumsum(ell)[lx.astype(int) - 1] / math.log(10.0), rtol=1e-9)


def test_no_underflow_on_a_few_well_fitted_points(qtbot):
    state = DatasetState()  # 200 points in three blobs
    state.run_steps(30)
    view = show_view(qtbot, LikelihoodView(state), SIZE)
    ell = independent_losses(state)
    prods, first = python_product(np.exp(-ell).tolist())
    assert first is None and view.underflow_index() is None
    assert view.marker_position() is None
    text = view.readout.text()
    assert f"float64: {prods[-1]!r}" in text
    assert f"log L = −Σ ℓ = {-float(np.sum(ell)):.3f} nats" in text
    assert "above 0 for all N" in text


@pytest.mark.parametrize("theme", [themes.LIGHT, themes.PROJECTOR], ids=lambda t: t.name)
def test_the_marker_is_drawn_where_the_product_gives_out(qtbot, theme):
    state = blobs(2000, 2)
    view = show_view(qtbot, LikelihoodView(state), SIZE, theme=theme)
    image = view.product_plot.grab().toImage()
    ratio = image.devicePixelRatio()
    p = data_to_viewport(view.product_plot, 1075.0, FLOOR)
    colour = image.pixelColor(int(p.x() * ratio), int(p.y() * ratio))
    want = QtGui.QColor(theme.cross_entropy)
    assert max(abs(colour.red() - want.red()), abs(colour.green() - want.green()),
               abs(colour.blue() - want.blue())) <= 8
    for t in view.texts():
        assert "nan" not in t.lower().replace("nats", "") and "-0.000" not in t


@pytest.mark.parametrize("m, e, want", [(8.70981, -603, "8.71 × 10⁻⁶⁰³"), (2.4, -2, "2.40 × 10⁻²"),
                                        (1.5, 0, "1.50"), (0.0, None, "0")])
def test_power_of_ten(m, e, want):
    assert power_of_ten(m, e) == want


def test_thinned_keeps_the_ends_and_the_point_asked_for():
    idx = thinned(10_000, keep=4321)
    assert idx[0] == 0 and idx[-1] == 9999 and 4321 in idx and len(idx) <= 2002
    assert np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(thinned(50), np.arange(50))
