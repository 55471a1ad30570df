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


@pytest.mark.parametrize("text", ["", "   ", "abc", "nan", "inf", "-inf", "1/0", "1e999", "1e400", "1e300/1e-300",
                                  "1/2/3", "%", "0..5"])
def test_parse_number_refuses(text):
    with pytest.raises(ValueError):
        fmt.parse_number(text)


@pytest.mark.parametrize("text, value", [("  2 ", 2.0), ("0.25", 0.25), ("1/4", 0.25), ("−3", -3.0), ("1e-3", 0.001)])
def test_parse_number_without_comma_or_percent_reads_plain_numbers(text, value):
    assert fmt.parse_number(text, decimal_comma=False, percent=False) == pytest.approx(value)


@pytest.mark.parametrize("text", ["0,25", "80%", "1,5/3"])
def test_parse_number_without_comma_or_percent_refuses_them(text):
    with pytest.raises(ValueError, match="is not a number"):
        fmt.parse_number(text, decimal_comma=False, percent=False)


def test_parse_number_messages_quote_the_text_without_its_spaces():
    with pytest.raises(ValueError, match=r"^'abc' is not a number$"):
        fmt.parse_number("  abc ")
    with pytest.raises(ValueError, match=r"^'nan' is not a finite number$"):
        fmt.parse_number(" nan")
    with pytest.raises(ValueError, match=r"^Enter a number$"):
        fmt.parse_number(" ")


def test_quantity():
    assert fmt.quantity(math.inf, "bits") == "∞ bits"


# ---------------------------------------------------------------- one rule per kind of quantity

@pytest.mark.parametrize("value, text", [(0.6, "0.600"), (1.0, "1.000"), (0.0, "0.000"), (-1e-9, "0.000")])
def test_probability(value, text):
    assert fmt.probability(value) == text


@pytest.mark.parametrize("value, text", [(0.2231435513, "0.223"), (4.792e-05, "< 0.001"), (0.0, "0.000"),
                                         (-1e-12, "0.000"), (0.0006, "0.001"), (math.inf, "∞")])
def test_loss_never_reads_zero_when_it_is_not(value, text):
    assert fmt.loss(value) == text


@pytest.mark.parametrize("value, text", [(0.2, "+0.200"), (-1e-7, "0.000"), (-0.3, "-0.300")])
def test_gradient(value, text):
    assert fmt.gradient(value) == text


@pytest.mark.parametrize("value, text", [(-1.254, "-1.25"), (3.0, "3.00"), (-0.001, "0.00")])
def test_logit(value, text):
    assert fmt.logit(value) == text


@pytest.mark.parametrize("value, text", [(math.e, "2.72"), (99.994, "99.99"), (12345.6, "12,346"),
                                         (1.2e43, "1.2 × 10⁴³"), (3.4e6, "3.4 × 10⁶"), (math.inf, "∞")])
def test_perplexity(value, text):
    assert fmt.perplexity(value) == text


def test_count():
    assert fmt.count(1000) == "1,000"
    assert fmt.count(7) == "7"


def test_rounded_gradient_labels_sum_to_zero():
    # Ten classes, one-hot target, uniform ŷ: ∂CE/∂z = ŷ − y = (+0.1 ... −0.9); and a case
    # where plain rounding breaks the sum: nine components of 0.3/9 = 0.0333... and −0.3.
    for g in ([0.1] * 9 + [-0.9], [0.3 / 9] * 9 + [-0.3], [0.0045, 0.0045, -0.009]):
        shown = fmt.rounded_to_sum(g, 2, total=0.0)
        assert round(sum(shown) * 100) == 0
        assert all(abs(a - b) < 0.01 for a, b in zip(shown, g, strict=True))
    # Plain rounding to 2 decimals would show nine +0.03 against −0.30.
    assert round(sum(round(v, 2) for v in [0.3 / 9] * 9 + [-0.3]), 2) == -0.03


def test_rounded_to_sum_leaves_infinities():
    shown = fmt.rounded_to_sum([math.inf, 0.25, 0.25], 1)
    assert shown[0] == math.inf and len(shown) == 3


def test_identity_decimals_make_a_shown_difference_hold():
    ce, h = 0.23574, 0.23225
    kl = ce - h
    # With 3 decimals the line would read 0.236 − 0.232 = 0.003, which looks like a slip.
    assert (fmt.number(ce), fmt.number(h), fmt.number(kl)) == ("0.236", "0.232", "0.003")
    d = fmt.identity_decimals(ce, h, kl)
    assert 3 < d <= 6
    assert float(fmt.number(ce, d)) == pytest.approx(float(fmt.number(h, d)) + float(fmt.number(kl, d)))
    assert fmt.identity_decimals(0.5, 0.25, 0.25) == 3
    assert fmt.identity_decimals(math.inf, 0.5, math.inf) == 3
