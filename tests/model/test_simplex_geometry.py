"""Tests of ce_desktop.model.simplex_geometry: the simplex view's triangle, checked by hand and by brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ce_desktop.model import simplex_geometry


class TestSimplexGeometry:
    def test_corners_and_centre(self):
        np.testing.assert_allclose(simplex_geometry.barycentric_to_cartesian(np.eye(3)),
                                   [[0, 0], [1, 0], [0.5, math.sqrt(3) / 2]])
        np.testing.assert_allclose(simplex_geometry.barycentric_to_cartesian([1 / 3] * 3), [0.5, math.sqrt(3) / 6])

    def test_round_trip(self):
        rng = np.random.default_rng(2)
        p = rng.dirichlet([1, 1, 1], size=50)
        np.testing.assert_allclose(
            simplex_geometry.cartesian_to_barycentric(simplex_geometry.barycentric_to_cartesian(p)), p, atol=1e-12
        )

    def test_outside_point_has_a_negative_weight(self):
        b = simplex_geometry.cartesian_to_barycentric([0.5, -0.1])
        assert b[2] < 0 and b.sum() == pytest.approx(1)

    def test_wrong_class_count(self):
        with pytest.raises(ValueError, match="exactly 3 classes"):
            simplex_geometry.barycentric_to_cartesian([0.5, 0.5])

    def test_projection_is_nearest_distribution(self):
        rng = np.random.default_rng(3)
        for _ in range(30):
            v = rng.normal(size=4) * 2
            q = simplex_geometry.project_to_simplex(v)
            assert q.min() >= 0 and q.sum() == pytest.approx(1)
            d = np.linalg.norm(v - q)
            others = rng.dirichlet(np.ones(4), size=500)
            assert np.all(np.linalg.norm(v - others, axis=1) >= d - 1e-12)

    def test_projection_keeps_distributions_and_drops_below_an_edge(self):
        np.testing.assert_allclose(simplex_geometry.project_to_simplex([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5])
        # A point below the bottom edge of the triangle lands straight above it on the edge.
        xy = np.array([0.3, -0.2])
        q = simplex_geometry.project_to_simplex(simplex_geometry.cartesian_to_barycentric(xy))
        np.testing.assert_allclose(simplex_geometry.barycentric_to_cartesian(q), [0.3, 0.0], atol=1e-12)
