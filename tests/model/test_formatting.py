"""formatting: ∞ for infinity, never "-0.000", never "nan", and typed numbers."""

from __future__ import annotations

import math

import pytest

from ce_desktop.model import formatting as fmt


@pytest.mark.parametrize("value, text", [
    (0.2231435513, "0.223"),
    (-0.0001, "0.000"),
    (-0.0, "0.000"),
    (math.inf, "∞"),
    (-math.inf, "-∞"),
    (math.nan, "—"),
    (1.0, "1.000"),
    (-0.5, "-0.500"),
])
def test_number(value, text):
    assert fmt.number(value) == text


@pytest.mark.parametrize("value, text", [(0.1, "+0.100"), (-0.2, "-0.200"), (-0.00001, "0.000"),
                                         (0.0, "0.000"), (math.inf, "+∞")])
def test_signed(value, text):
    assert fmt.signed(value) == text


@pytest.mark.parametrize("value, text", [(1.0, "1"), (0.8, "0.8"), (1 / 3, "0.333"), (0.0, "0"), (-1e-9, "0")])
def test_plain(value, text):
    assert fmt.plain(value) == text


@pytest.mark.parametrize("text, value", [("0.8", 0.8), (" 0,25 ", 0.25), ("80%", 0.8), ("1/3", 1 / 3),
                                         ("−1.5", -1.5), ("2e-3", 0.002)])
def test_parse_number(text, value):
    assert fmt.parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "-inf", "1/0", "1e999"])
def test_parse_number_refuses(text):
    with pytest.raises(ValueError):
        fmt.parse_number(text)


def test_quantity():
    assert fmt.quantity(math.inf, "bits") == "∞ bits"
