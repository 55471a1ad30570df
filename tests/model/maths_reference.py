"""Shared references for the maths tests: hypothesis strategies, finite differences, strict floats.

Nothing here calls the code under test.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st


@st.composite
def probability_vectors(draw, size=None, zeros=True, min_size=2, max_size=8):
    """A probability distribution of ``size`` classes; entries are 0 or at least ~1e-3 before normalising."""
    c = size if size is not None else draw(st.integers(min_size, max_size))
    weight = st.one_of(st.just(0.0), st.floats(1e-3, 1.0)) if zeros else st.floats(1e-3, 1.0)
    w = np.array(draw(st.lists(weight, min_size=c, max_size=c)))
    assume(w.sum() > 0)
    return w / w.sum()


@st.composite
def pairs(draw, zeros_in_target=True, zeros_in_prediction=False):
    """(y, p) of the same size; p has no zeros unless asked."""
    c = draw(st.integers(2, 8))
    return draw(probability_vectors(c, zeros_in_target)), draw(probability_vectors(c, zeros_in_prediction))


def logits(size):
    return st.lists(st.floats(-30.0, 30.0), min_size=size, max_size=size).map(np.array)


@st.composite
def target_and_logits(draw, zeros=True):
    c = draw(st.integers(2, 8))
    return draw(probability_vectors(c, zeros)), draw(logits(c))


def rng_pairs(seed, n_cases=25):
    """Random (y, p) cases for comparisons against scipy: Dirichlet draws, some with zeros in y."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_cases):
        c = int(rng.integers(2, 12))
        y = rng.dirichlet(np.full(c, 0.7))
        if k % 3 == 0:
            y[rng.integers(c)] = 0.0
            y /= y.sum()
        p = rng.dirichlet(np.full(c, 1.3))
        out.append((y, p))
    return out


def central_difference(f, z, h=1e-6):
    z = np.asarray(z, float)
    g = np.zeros_like(z)
    for i in range(z.size):
        e = np.zeros_like(z)
        e.flat[i] = h
        g.flat[i] = (f(z + e) - f(z - e)) / (2 * h)
    return g
