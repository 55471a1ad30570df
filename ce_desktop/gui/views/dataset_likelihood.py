"""Likelihood: the product of the N samples' probabilities next to the sum of their logs.

Multiplied out in float64 the product ``Π p_n`` of the first n samples falls by the sample's
loss at each step (on a log scale) until it passes the smallest float64, ``2⁻¹⁰⁷⁴ ≈ 4.9 × 10⁻³²⁴``,
and is then exactly 0 for every later n; the log-likelihood ``log L = −Σ ℓ_n`` goes on as an
ordinary number. That is why training minimises ``−log L`` (the summed or mean cross-entropy)
and never computes L.

Two plots over the samples n = 1..N in data order, with the same units (powers of ten): above,
``log₁₀`` of the product as float64 holds it, with the float64 limit dashed and, once it is 0,
a marker and a line along the bottom "= 0"; below, ``log₁₀ L``, which keeps going. A readout
gives N, ``log L`` in nats, the product as float64 prints it and what L would be.

Every number is :func:`~ce_desktop.model.likelihood.cumulative_likelihood` and
:func:`~ce_desktop.model.likelihood.likelihood_summary` of the state's per-sample losses; the
view only changes the scale to powers of ten and thins the curves to at most :data:`MAX_POINTS`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.items.marker import Marker
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.dataset_samples import fit_readout, nice_ceiling, readout_label
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.gui.views.plots import make_plot, make_title_shrinkable, style_plot
from ce_desktop.model import formatting as fmt
from ce_desktop.model import likelihood

#: A curve is drawn through at most this many of its N points (a running sum is smooth enough).
MAX_POINTS = 2000
#: log₁₀ of the smallest positive float64 (2⁻¹⁰⁷⁴) and of the smallest normal one (2⁻¹⁰²²).
FLOOR = math.log10(likelihood.SMALLEST_SUBNORMAL)
NORMAL = math.log10(likelihood.SMALLEST_NORMAL)
#: The product plot's fixed range: 0 down to below the float64 floor, with room under it for the
#: "= 0" line and the floor's label.
PRODUCT_BOTTOM = -440.0
#: Where the "= 0" line of the product is drawn, and the top of the floor's label.
ZERO_LINE = -340.0
FLOOR_LABEL = -352.0
#: The log plot's range is set again when log₁₀ L leaves it or rises above this share of it.
SHRINK_BELOW = 0.4

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_of_ten(mantissa: float, exponent: int | None) -> str:
    """"5.01 × 10⁻³⁰¹¹"; "0" when there is no exponent (L = 0)."""
    if exponent is None:
        return "0" if mantissa == 0.0 else fmt.INFINITY
    if exponent == 0:
        return fmt.number(mantissa, 2)
    return f"{fmt.number(mantissa, 2)} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def thinned(n: int, keep: int | None = None, most: int = MAX_POINTS) -> np.ndarray:
    """Indices 0..n-1 of at most about ``most`` points, evenly spaced, with the last and ``keep``."""
    if n <= most:
        return np.arange(n)
    idx = np.arange(0, n, int(math.ceil(n / most)))
    extra = [n - 1] + ([keep] if keep is not None and 0 <= keep < n else [])
    return np.union1d(idx, extra)


def _plot(title: str):
    w = make_plot(title, grid=(False, True), grid_alpha=0.2, cache_axes=True, si_prefix=False)
    w.setMinimumSize(220, 110)
    make_title_shrinkable(w.getPlotItem().titleLabel)
    return w


class LikelihoodView(DeferredWhileHidden, QtWidgets.QWidget):
    """The running product of the samples' probabilities beside the running log-likelihood."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.product_plot = _plot("")
        self.product_plot.setAccessibleName("The product of the samples' probabilities, in float64")
        self.log_plot = _plot("")
        self.log_plot.setAccessibleName("The log-likelihood of the samples")
        self.log_plot.getPlotItem().setXLink(self.product_plot.getPlotItem())
        pp, lp = self.product_plot.getPlotItem(), self.log_plot.getPlotItem()
        pp.getViewBox().setYRange(PRODUCT_BOTTOM, 10.0, padding=0.0)
        self.product_curve = pg.PlotCurveItem()
        self.zero_curve = pg.PlotCurveItem()  # the product after it is 0, along the bottom
        self.log_curve = pg.PlotCurveItem()
        self.floor_lines = (pg.InfiniteLine(pos=FLOOR, angle=0, movable=False),
                            pg.InfiniteLine(pos=FLOOR, angle=0, movable=False))
        self.underflow_lines = (pg.InfiniteLine(angle=90, movable=False), pg.InfiniteLine(angle=90, movable=False))
        self.underflow_marker = Marker(11.0)
        self.log_marker = Marker(9.0)
        self.zero_text = pg.TextItem("", anchor=(1.0, 0.0))
        self.floor_text = pg.TextItem("dashed: the smallest float64, 2⁻¹⁰⁷⁴ ≈ 4.9 × 10⁻³²⁴", anchor=(0.0, 0.0))
        for item in (self.floor_lines[0], self.underflow_lines[0], self.product_curve, self.zero_curve,
                     self.underflow_marker):
            pp.addItem(item)
        pp.addItem(self.zero_text, ignoreBounds=True)
        pp.addItem(self.floor_text, ignoreBounds=True)
        for item in (self.floor_lines[1], self.underflow_lines[1], self.log_curve, self.log_marker):
            lp.addItem(item)
        self.readout = readout_label()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.product_plot, 1)
        lay.addWidget(self.log_plot, 1)
        lay.addWidget(self.readout)
        self.setToolTip("Multiplied out, the probabilities of the samples reach 0 in floating point; "
                        "the sum of their logs does not: why training minimises −log L")

        self._n = -1
        self._x = np.zeros(0)
        self._lo = -1.0
        self._cum: likelihood.CumulativeLikelihood | None = None
        self._summary: likelihood.LikelihoodSummary | None = None
        state.setupChanged.connect(self._on_setup_changed)
        state.positionChanged.connect(self._on_position_changed)
        self.apply_theme(LIGHT)

    # ------------------------------------------------------------------ reading

    def underflow_index(self) -> int | None:
        """The first n at which the drawn product is exactly 0, or None."""
        return None if self._cum is None else self._cum.underflow_index

    def marker_position(self) -> tuple[float, float] | None:
        """Where the underflow marker is drawn (n, log₁₀ of the floor), None when hidden."""
        return self.underflow_marker.position()

    def product_curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(n, log₁₀ of the float64 product) as drawn, up to the last n before it is 0."""
        x, y = self.product_curve.getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def log_curve_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(n, log₁₀ L of the first n) as drawn."""
        x, y = self.log_curve.getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

    def summary(self) -> likelihood.LikelihoodSummary | None:
        return self._summary

    def texts(self) -> list[str]:
        """Every text the view shows (tests)."""
        return [self.readout.text(), self.zero_text.toPlainText(), self.floor_text.toPlainText(),
                self.product_plot.getPlotItem().titleLabel.text, self.log_plot.getPlotItem().titleLabel.text]

    # ------------------------------------------------------------------ state → view

    def _on_setup_changed(self) -> None:
        self._n = -1

    def _on_position_changed(self, _k: int = 0) -> None:
        self.refresh()

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(ev)
        fit_readout(self.readout, self.theme, self.width(), 2)

    def refresh(self) -> None:
        """Feed the curves, the marker and the readout from the step shown."""
        if not self._visible_or_defer():  # a hidden tab catches up once when shown
            return
        losses = self.state.per_sample_loss()
        n = losses.shape[0]
        if n != self._n:
            self._n = n
            self._x = np.arange(1, n + 1, dtype=float)
            self.product_plot.getPlotItem().getViewBox().setXRange(0.0, max(n, 1) * 1.0, padding=0.02)
            self.floor_text.setPos(0.0, FLOOR_LABEL)
        cum = self._cum = likelihood.cumulative_likelihood(losses=losses)
        s = self._summary = likelihood.likelihood_summary(losses=losses)
        u = cum.underflow_index
        alive = n if u is None else u - 1  # the samples before the product is 0
        with np.errstate(divide="ignore"):
            idx = thinned(alive)
            self.product_curve.setData(self._x[idx], np.log10(cum.product[idx]))
        log10 = cum.log_likelihood / math.log(10.0)
        idx = thinned(n, None if u is None else u - 1)
        self.log_curve.setData(self._x[idx], log10[idx])
        self._fit_log_range(log10)
        if u is None:
            self.zero_curve.setData(np.zeros(0), np.zeros(0))
            self.underflow_marker.move_to(math.nan, math.nan)
            self.log_marker.move_to(math.nan, math.nan)
            for line in self.underflow_lines:
                line.setVisible(False)
            # The curve ends above the floor at n = N: say so where it is not.
            self.zero_text.setText(f"Π pₙ > 0 for all {fmt.count(n)}")
            high = n > 0 and cum.product[-1] > 1e-160
            self.zero_text.setAnchor((1.0, 1.0) if high else (1.0, 0.0))
            self.zero_text.setPos(float(n), FLOOR + 6.0 if high else 0.0)
        else:
            self.zero_curve.setData(np.array([u, max(n, u)], dtype=float), np.array([ZERO_LINE, ZERO_LINE]))
            self.underflow_marker.move_to(float(u), FLOOR)
            self.log_marker.move_to(float(u), float(log10[u - 1]))
            for line in self.underflow_lines:
                line.setValue(float(u))
                line.setVisible(True)
            true_zero = cum.log_likelihood_at_underflow == -math.inf
            self.zero_text.setText(f"Π pₙ = 0 exactly from n = {fmt.count(u)}" if not true_zero
                                   else f"pₙ = 0 at n = {fmt.count(u)}")
            # The curve falls from the top left and ends at n = u: the top right is free.
            self.zero_text.setAnchor((1.0, 0.0))
            self.zero_text.setPos(float(n), 0.0)
        self.readout.setText(self._readout_text(s, cum))
        fit_readout(self.readout, self.theme, self.width(), 2)

    def _fit_log_range(self, log10: np.ndarray) -> None:
        finite = log10[np.isfinite(log10)]
        lowest = min(float(finite.min()) if finite.size else 0.0, PRODUCT_BOTTOM)
        want = -nice_ceiling(-lowest * 1.05)
        if want < self._lo or want > SHRINK_BELOW * self._lo:
            self._lo = want
            self.log_plot.getPlotItem().getViewBox().setYRange(self._lo, -0.03 * self._lo, padding=0.0)

    def _readout_text(self, s: likelihood.LikelihoodSummary, cum: likelihood.CumulativeLikelihood) -> str:
        n = s.n
        first = (f"N = {fmt.count(n)}, step {fmt.count(self.state.position)}: log L = −Σ ℓ = "
                 f"{fmt.number(s.log_likelihood, 3)} nats (mean CE {fmt.loss(s.mean_loss)})")
        product = f"Π pₙ in float64: {s.product!r}"
        if s.log_likelihood == -math.inf:
            k = cum.underflow_index
            second = f"{product}; sample {fmt.count(k or 0)} has p = 0: L is truly 0, log L = −∞"
        elif s.underflowed:
            second = (f"{product} from n = {fmt.count(s.underflow_index or 0)}; "
                      f"L would be {power_of_ten(s.mantissa, s.exponent)}")
        else:
            second = f"{product}, above 0 for all N; L = {power_of_ten(s.mantissa, s.exponent)}"
        return f"{first}\n{second}"

    # ------------------------------------------------------------------ theme

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        lw = theme.line_width
        for plot in (self.product_plot, self.log_plot):
            plot.setBackground(theme.background)
        style_plot(self.product_plot, theme, title="The product Π pₙ, multiplied out in float64",
                   left="log₁₀ Π pₙ")
        style_plot(self.log_plot, theme, title="The log-likelihood log L = Σ log pₙ keeps going",
                   left="log₁₀ L", bottom="samples n (in data order)")
        self.product_curve.setPen(pg.mkPen(theme.prediction, width=lw))
        self.zero_curve.setPen(pg.mkPen(theme.cross_entropy, width=lw + 1.0))
        self.log_curve.setPen(pg.mkPen(theme.entropy, width=lw))
        dash = QtCore.Qt.PenStyle.DashLine
        for line in self.floor_lines:
            line.setPen(pg.mkPen(theme.muted, width=1.5, style=dash))
        for line in self.underflow_lines:
            line.setPen(pg.mkPen(theme.cross_entropy, width=1.5, style=QtCore.Qt.PenStyle.DotLine))
        for m in (self.underflow_marker, self.log_marker):
            m.setPen(pg.mkPen(theme.foreground, width=1.5))
            m.setBrush(theme.cross_entropy)
        font = QtGui.QFont()
        font.setPixelSize(theme.font_px(12))
        for t, colour in ((self.zero_text, theme.cross_entropy), (self.floor_text, theme.muted)):
            t.setFont(font)
            t.setColor(colour)
        self._n = -1
        self.refresh()
        fit_readout(self.readout, theme, self.width(), 2)
