"""Big readouts (CE, H(y), KL, perplexity) and the CE = H(y) + KL decomposition bar.

Every number comes from ``state.evaluation`` and is formatted by :mod:`ce_desktop.model.formatting`.
An infinite cross-entropy reads "∞" with a line naming the class responsible.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.state import LOSS_ASPECTS
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.accessible import IdleTexts
from ce_desktop.model import formatting as fmt

ASPECTS = LOSS_ASPECTS


#: Text interaction under which QLabel's own paint is needed (it draws the selection).
_SELECTABLE = (QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
               | QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard)


class ValueLabel(QtWidgets.QLabel):
    """A label whose box only grows with its text, so a new number does not re-lay out the window.

    (Qt re-lays out every layout from a label up to the main window after each ``setText``,
    which costs two extra repaints of the window per drag move, unless the label's size is
    fixed. The box is fitted again when the font or style sheet changes: :meth:`refit`.)
    Use it for any text that changes on every drag move or animation frame.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._box = QtCore.QSize(0, 0)
        self._fitted_width = -1  # widest text (in pixels) the box was fitted for
        self._metrics: QtGui.QFontMetrics | None = None  # made at the first paint after a refit
        self._big_font: tuple[QtGui.QFont, QtGui.QFontMetrics] | None = None  # a lone ∞, drawn large
        self._interaction = QtCore.Qt.TextInteractionFlag.NoTextInteraction
        self._backdrop: QtGui.QColor | None = None
        #: Draw a lone "∞" this much larger: in most fonts the sign is only as tall as a small
        #: letter, and next to big digits it looked like a smaller, lesser number.
        self.infinity_scale = 1.0

    def set_backdrop(self, colour) -> None:
        """The solid colour behind the label (its parent's background), or None if unknown.

        With a backdrop the label paints every pixel of its box itself, so a new number
        repaints only the label, not the rounded, styled frame around it (or the panel, dock,
        tab widget and window behind it). ``"window"`` means the palette's window colour at
        the time of painting (a label on a plain panel; it follows theme changes).
        """
        self._backdrop = None if colour is None else colour if colour == "window" else QtGui.QColor(colour)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, self._backdrop is not None)
        self.update()

    def _backdrop_colour(self) -> QtGui.QColor | None:
        if self._backdrop == "window":
            return self.palette().color(QtGui.QPalette.ColorRole.Window)
        return self._backdrop

    def paintEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        # Plain text drawn directly: QLabel's own paint goes through the style sheet machinery
        # on every new number. A selectable label (pointer over it) or rich text uses QLabel's.
        text = self.text()
        if (self.textInteractionFlags() & _SELECTABLE) or QtGui.Qt.mightBeRichText(text):
            if self._backdrop is not None:
                p = QtGui.QPainter(self)
                p.fillRect(self.rect(), self._backdrop_colour())
                p.end()
            super().paintEvent(ev)
            return
        p = QtGui.QPainter(self)
        if self._backdrop is not None:
            p.fillRect(self.rect(), self._backdrop_colour())
        p.setPen(self.palette().color(self.foregroundRole()))
        big = self._infinity_font(text)
        if big is None:
            p.setFont(self.font())
            p.drawText(self.contentsRect(), int(self.alignment()), text)
        else:
            # On the baseline ordinary text would have, right-aligned like the numbers.
            font, fm = big
            r = self.contentsRect()
            width = fm.horizontalAdvance(text)
            x = r.right() + 1 - width if self.alignment() & QtCore.Qt.AlignmentFlag.AlignRight else r.left()
            p.setFont(font)
            p.drawText(QtCore.QPointF(x, r.top() + self._font_metrics().ascent()), text)
        p.end()

    def _font_metrics(self) -> QtGui.QFontMetrics:
        fm = self._metrics
        if fm is None:  # once per font or style change (refit), not per new number
            self.ensurePolished()
            fm = self._metrics = self.fontMetrics()
        return fm

    def _infinity_font(self, text: str) -> tuple[QtGui.QFont, QtGui.QFontMetrics] | None:
        """(font, metrics) to draw ``text`` with if it is a lone ∞ drawn large, else None."""
        if self.infinity_scale == 1.0 or text.lstrip("-") != fmt.INFINITY:
            return None
        big = self._big_font
        if big is None:
            self.ensurePolished()
            font = QtGui.QFont(self.font())
            if font.pixelSize() > 0:
                font.setPixelSize(max(1, round(font.pixelSize() * self.infinity_scale)))
            else:
                font.setPointSizeF(font.pointSizeF() * self.infinity_scale)
            big = self._big_font = (font, QtGui.QFontMetrics(font))
        return big

    # A selectable label repaints itself once more after each new text (its text control
    # updates later), which is one more window repaint per drag move. So the text is
    # selectable (to copy a number) only while the pointer is over it.

    def setTextInteractionFlags(self, flags) -> None:  # noqa: N802 (Qt's name)
        self._interaction = flags
        if self.underMouse():
            super().setTextInteractionFlags(flags)

    def enterEvent(self, ev) -> None:  # noqa: N802
        super().setTextInteractionFlags(self._interaction)
        super().enterEvent(ev)

    def leaveEvent(self, ev) -> None:  # noqa: N802
        super().leaveEvent(ev)
        if not self.hasSelectedText():
            super().setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.NoTextInteraction)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if text != self.text():
            super().setText(text)
            self._fit()

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self.refit()

    def refit(self) -> None:
        """Size the box afresh for the current font (after a theme change)."""
        self._box = QtCore.QSize(0, 0)
        self._fitted_width = -1
        self._metrics = None
        self._big_font = None
        self.setMinimumSize(0, 0)
        self.setMaximumSize(16777215, 16777215)  # QWIDGETSIZE_MAX
        self._fit()

    def _fit(self) -> None:
        text = self.text()
        big = self._infinity_font(text)
        width = (big[1] if big is not None else self._font_metrics()).horizontalAdvance(text)
        if width <= self._fitted_width:
            return  # no wider than a text the box already holds (sizeHint costs ~10x more)
        self._fitted_width = width
        hint = self.sizeHint()
        if big is not None:
            hint.setWidth(max(hint.width(), width + self.contentsMargins().left() + self.contentsMargins().right()))
        if hint.width() > self._box.width() or hint.height() > self._box.height():
            self._box = self._box.expandedTo(hint)
            self.setFixedSize(self._box)


class Readout(QtWidgets.QFrame):
    """One large number with a title and a unit, in the colour of its quantity."""

    def __init__(self, title: str, quantity: str | None, tooltip: str, parent=None):
        super().__init__(parent)
        self.quantity = quantity
        self.title = QtWidgets.QLabel(title)
        self.value = ValueLabel("0.000")
        self.unit = QtWidgets.QLabel("")
        self.title.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.value.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignBaseline)
        self.unit.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignBaseline)
        self.value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # The number and its unit on one line (compact: the window must fit 1280x720 with docks).
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(4)
        row.addStretch(1)
        row.addWidget(self.value, 0, QtCore.Qt.AlignmentFlag.AlignBaseline)
        row.addWidget(self.unit, 0, QtCore.Qt.AlignmentFlag.AlignBaseline)
        row.addStretch(1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addLayout(row)
        self.setToolTip(tooltip)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)

    def apply_theme(self, theme: Theme, big_px: int, small_px: int) -> None:
        colour = getattr(theme, self.quantity) if self.quantity else theme.foreground
        self.value.setStyleSheet(f"color: {colour}; font-size: {big_px}px; font-weight: 600;")
        self.value.infinity_scale = 1.6
        self.value.set_backdrop(theme.background)
        self.value.refit()
        self.title.setStyleSheet(f"color: {theme.foreground}; font-size: {small_px}px;")
        self.unit.setStyleSheet(f"color: {theme.muted}; font-size: {max(9, small_px - 2)}px;")
        border = colour if self.quantity else theme.muted
        self.setStyleSheet(
            f"Readout {{ background: {theme.background}; border: {max(2, int(theme.line_width))}px solid {border};"
            " border-radius: 6px; }"
        )


class DecompositionBar(QtWidgets.QWidget):
    """A stacked bar: H(y) then KL(y‖ŷ), whose total length is CE.

    The scale is kept stable while dragging: it grows when CE passes it and shrinks
    only when CE falls below a quarter of it. An infinite KL is drawn to the end with "∞".
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = LIGHT
        self.entropy = 0.0
        self.kl = 0.0
        self.ce = 0.0
        self.units = "nats"
        self._scale = 1.0
        self._font: dict[str, Any] | None = None  # _style's font, pens and colours, made once per theme
        self.setMinimumHeight(46)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setAccessibleName("CE = H + KL decomposition")
        # It paints every pixel (the window's colour first), so a new value repaints only the
        # bar, not the panel, splitters and window behind it.
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def set_values(self, entropy: float, kl: float, ce: float, units: str, holding: bool = False) -> None:
        """The numbers to draw. The scale is a function of them, with hysteresis only while
        ``holding`` (a gesture: a drag, a run), so one state is drawn at one width."""
        if (entropy, kl, ce, units) == (self.entropy, self.kl, self.ce, self.units) and holding:
            return
        self.entropy, self.kl, self.ce, self.units = entropy, kl, ce, units
        finite_total = ce if math.isfinite(ce) else entropy
        need = max(finite_total, 0.05)
        if not holding or need > self._scale or need < self._scale / 4:
            self._scale = need * 1.25
        self.update()

    @property
    def scale(self) -> float:
        """The value (nats or bits) drawn at the bar's full width."""
        return self._scale

    def describe(self) -> None:
        """The tooltip and accessible description: the identity with the current numbers."""
        self.setToolTip(
            "CE = H(y) + KL(y‖ŷ)\n{} = {} + {}".format(*fmt.identity(self.ce, self.entropy, self.kl)) +
            f" {self.units}\nH(y) is the part no prediction can remove; KL is what a better ŷ removes."
        )
        self.setAccessibleDescription(self.toolTip())

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setMinimumHeight(int(46 * theme.font_scale))
        self.setFixedHeight(int(48 * theme.font_scale))
        self._font = None
        self.update()

    def changeEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(ev)
        if ev.type() == QtCore.QEvent.Type.FontChange:
            self._font = None

    def _style(self) -> dict[str, Any]:
        """Font, metrics, colours and pens of the current theme, made once (not per paint)."""
        if self._font is None:
            t = self.theme
            font = QtGui.QFont(self.font())
            font.setPixelSize(t.font_px(13))
            font.setBold(True)
            fm = QtGui.QFontMetrics(font)
            labels = {}
            for name in ("H(y)", "KL", "KL = ∞"):
                st = QtGui.QStaticText(name)
                st.setTextFormat(QtCore.Qt.TextFormat.PlainText)
                st.prepare(QtGui.QTransform(), font)
                labels[name] = (st, fm.horizontalAdvance(name))
            self._font = {
                "font": font, "fm": fm, "labels": labels,
                "text": QtGui.QColor(t.foreground),
                "track": QtGui.QPen(QtGui.QColor(t.muted), 1),
                "edge": QtGui.QPen(QtGui.QColor(t.foreground if not t.dark else t.background),
                                   max(1.0, t.bar_pen_width / 1.5)),
                "fill": {q: QtGui.QColor(getattr(t, q)) for q in ("entropy", "kl_divergence")},
                "on": {q: QtGui.QColor("#FFFFFF") if q != "kl_divergence" or t.name == "projector"
                       else QtGui.QColor("#000000") for q in ("entropy", "kl_divergence")},
                "marker": QtGui.QPen(QtGui.QColor(t.cross_entropy), max(3.0, t.line_width)),
            }
        return self._font

    def paintEvent(self, ev) -> None:
        st = self._style()
        fm = st["fm"]
        p = QtGui.QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), self.palette().color(QtGui.QPalette.ColorRole.Window))
        p.setFont(st["font"])
        left, right = 8, w - 8
        top, bar_h = 4 + fm.height(), h - 8 - fm.height()
        usable = max(1, right - left)

        def x_of(v: float) -> float:
            return left + usable * min(v / self._scale, 1.0)

        # Caption line above the bar: CE = H + KL with the numbers.
        caption = "CE {} = H(y) {} + KL {}".format(*fmt.identity(self.ce, self.entropy, self.kl)) + f"  {self.units}"
        p.setPen(st["text"])
        baseline = (fm.height() + 2 - fm.height()) / 2 + fm.ascent()
        p.drawText(QtCore.QPointF(left, baseline), caption)
        # Track.
        p.setPen(st["track"])
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.drawRect(QtCore.QRectF(left, top, usable, bar_h))
        xh = x_of(self.entropy)
        segs: list[tuple[str, float, float, str]] = [("H(y)", left, xh, "entropy")]
        if math.isfinite(self.kl):
            segs.append(("KL", xh, x_of(self.entropy + self.kl), "kl_divergence"))
        else:
            segs.append(("KL = ∞", xh, right, "kl_divergence"))
        for name, x0, x1, q in segs:
            if x1 - x0 <= 0.5:
                continue
            p.setPen(st["edge"])
            p.setBrush(st["fill"][q])
            p.drawRect(QtCore.QRectF(x0, top, x1 - x0, bar_h))
            text, width = st["labels"][name]
            if width + 8 < x1 - x0:
                p.setPen(st["on"][q])
                p.drawStaticText(QtCore.QPointF((x0 + x1 - width) / 2, top + (bar_h - fm.height()) / 2), text)
        # CE end marker (a thick line in the CE colour).
        if math.isfinite(self.ce):
            xc = x_of(self.ce)
            p.setPen(st["marker"])
            p.drawLine(QtCore.QPointF(xc, top - 3), QtCore.QPointF(xc, top + bar_h + 3))
        p.end()


class ReadoutPanel(IdleTexts, QtWidgets.QWidget):
    """CE, H(y), KL and perplexity in large type, an explanation line, and the decomposition bar."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme = LIGHT
        self.ce = Readout("Cross-entropy CE", "cross_entropy",
                          "CE(y, ŷ) = −Σ y_i log ŷ_i: the loss a classifier is trained to minimise.")
        self.entropy = Readout("Entropy H(y)", "entropy",
                               "H(y) = −Σ y_i log y_i: the uncertainty in the target itself; CE can never go below it.")
        self.kl = Readout("KL(y‖ŷ)", "kl_divergence",
                          "KL(y‖ŷ) = Σ y_i log(y_i/ŷ_i) = CE − H(y): the extra cost of using ŷ instead of y; ≥ 0.")
        self.perplexity = Readout("Perplexity", None,
                                  "e^CE (2^CE in bits): the number of equally likely choices that would cost the same.")
        self.explanation = plain_text.label()  # it names a class
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName("Explanation")
        self.bar = DecompositionBar()
        self.grid = QtWidgets.QGridLayout()
        self.grid.setSpacing(6)
        self.columns = 0
        self.set_columns(4)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addLayout(self.grid)
        lay.addWidget(self.bar)
        lay.addWidget(self.explanation)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Maximum)
        self.setAccessibleName("Cross-entropy, entropy, KL and perplexity")
        state.connect_aspects(self._on_state_changed, *ASPECTS)
        # The end of a gesture (drag, run): the range held during it is refitted to the data.
        state.gestureFinished.connect(self._on_gesture_finished)
        self.apply_theme(self.theme)

    def _on_gesture_finished(self) -> None:
        ev = self.state.evaluation
        self.bar.set_values(ev.entropy, ev.kl_divergence, ev.cross_entropy, self.state.units)

    def set_columns(self, columns: int) -> None:
        """The four readouts in one row (4) or two rows of two (2, for large text)."""
        columns = 2 if columns < 4 else 4
        if columns == self.columns:
            return
        self.columns = columns
        for k, r in enumerate((self.ce, self.entropy, self.kl, self.perplexity)):
            self.grid.removeWidget(r)
            self.grid.addWidget(r, k // columns, k % columns)
        for c in range(4):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def _on_state_changed(self, _aspects: frozenset) -> None:
        self.refresh()

    def refresh(self) -> None:
        s = self.state
        ev = s.evaluation
        units = s.units
        self.ce.value.setText(fmt.loss(ev.cross_entropy))
        self.entropy.value.setText(fmt.loss(ev.entropy))
        self.kl.value.setText(fmt.loss(ev.kl_divergence))
        self.perplexity.value.setText(_perplexity_text(ev.perplexity))
        for r in (self.ce, self.entropy, self.kl):
            r.unit.setText(units)
        self.perplexity.title.setText("Perplexity " + ("2<sup>CE</sup>" if units == "bits" else "e<sup>CE</sup>"))
        self.perplexity.unit.setText("choices")
        self.bar.set_values(ev.entropy, ev.kl_divergence, ev.cross_entropy, units, holding=s.in_undo_group)
        self.explanation.setText(self._explain())
        self.when_idle("description", self._describe)

    def _describe(self) -> None:
        ev = self.state.evaluation
        units = self.state.units
        self.bar.describe()
        self.setAccessibleDescription(
            f"Cross-entropy {fmt.loss(ev.cross_entropy)} {units}, entropy {fmt.loss(ev.entropy)}, "
            f"KL {fmt.loss(ev.kl_divergence)}, perplexity {_perplexity_text(ev.perplexity)}"
        )

    def _explain(self) -> str:
        s = self.state
        ev = s.evaluation
        if not math.isfinite(ev.cross_entropy):
            bad = np.flatnonzero(np.isinf(ev.contributions.cross_entropy))
            if bad.size:
                i = int(bad[0])
                name = s.class_names[i]
                return (f"CE = ∞: the target wants “{name}” (y = {fmt.plain(s.target[i])}) "
                        f"but ŷ gives it 0, and −log 0 = ∞.")
            return "CE is ∞: a class the target wants got probability 0."
        if ev.kl_divergence == 0.0:
            return "ŷ equals y: KL = 0, so CE = H(y), the lowest CE possible for this target."
        if ev.entropy == 0.0:
            return "Hard target: H(y) = 0, so CE = KL = −log ŷ of the true class."
        return "Soft target: CE = H(y) + KL; only the KL part can be trained away."

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        big = theme.font_px(34)
        small = theme.font_px(14)
        for r in (self.ce, self.entropy, self.kl, self.perplexity):
            r.apply_theme(theme, big, small)
        self.explanation.setStyleSheet(f"color: {theme.foreground}; font-size: {theme.font_px(14)}px;")
        self.bar.apply_theme(theme)
        self.refresh()

    def texts(self) -> list[str]:
        """Every text shown (tests)."""
        return [w.text() for w in self.findChildren(QtWidgets.QLabel)]


def _perplexity_text(v: float) -> str:
    return fmt.perplexity(v)
