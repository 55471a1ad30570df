"""The live calculation, written out with the current numbers (like the seed page's
"Calculation for Sample 1"): CE = −Σ y_i log ŷ_i term by term, the terms with y_i = 0
shown struck through as dropped, then H(y) and KL = CE − H(y).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.state import LOSS_ASPECTS
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.deferred import DeferredWhileHidden
from ce_desktop.model import core
from ce_desktop.model import formatting as fmt

ASPECTS = LOSS_ASPECTS
#: With more classes than this, the dropped (y_i = 0) terms are counted instead of listed.
MAX_LISTED_DROPPED = 6


class FormulaView(DeferredWhileHidden, QtWidgets.QTextBrowser):
    """Read-only rich text of the current calculation; refreshed only while visible."""

    RELEVANT = ASPECTS

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.setOpenLinks(False)
        self.setAccessibleName("Calculation")
        state.connect_aspects(self._on_state_changed, *ASPECTS)
        self.refresh()

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setStyleSheet(
            f"QTextBrowser {{ background: {theme.background}; color: {theme.foreground};"
            f" font-size: {theme.font_px(16)}px; border: none; }}"
        )
        self.refresh()

    def refresh(self) -> None:
        self.setHtml(self.html())

    # ------------------------------------------------------------ the text

    def html(self) -> str:
        s = self.state
        t = self.theme
        ev = s.evaluation
        y = s.target
        logs = core.log_probabilities(s.prediction, s.base, s.logits, s.temperature)
        log = "log₂" if s.units == "bits" else "log"
        units = s.units
        names = s.class_names
        n = len(y)
        dropped_style = f"color:{t.muted}; text-decoration: line-through;"

        def col(q: str, text: str) -> str:
            return f'<span style="color:{getattr(t, q)}; font-weight:600">{text}</span>'

        yv = col("target", "y")
        pv = col("prediction", "ŷ")
        kept = [i for i in range(n) if y[i] > 0]
        dropped = [i for i in range(n) if y[i] == 0]
        # Line 1: every term, the dropped ones struck through.
        terms = []
        for i in range(n):
            term = f"{fmt.plain(y[i])}·{log}({fmt.plain(s.prediction[i])})"
            if y[i] == 0:
                if n <= MAX_LISTED_DROPPED:
                    terms.append(f'<span style="{dropped_style}">{term}</span>')
            else:
                terms.append(term)
        line1 = " + ".join(terms)
        if dropped and n > MAX_LISTED_DROPPED:
            line1 += f' <span style="color:{t.muted}">(+ {len(dropped)} terms with y = 0, dropped)</span>'
        # Line 2: the logarithms filled in.
        line2 = " + ".join(f"{fmt.plain(y[i])}({_num(logs[i])})" for i in kept)
        ce_text = fmt.loss(ev.cross_entropy)
        rows = [
            f"<b>{col('cross_entropy', 'CE')}({yv}, {pv}) = −Σ {yv}<sub>i</sub> {log} {pv}<sub>i</sub></b>",
        ]
        if s.logits_mode:
            tpart = f"/{fmt.plain(s.temperature)}" if s.temperature != 1.0 else ""
            rows.append(f"{pv} = softmax(z{tpart}) = [{', '.join(fmt.number(v) for v in s.prediction)}]")
        rows.append(f"= −[{line1}]")
        if len(kept) == 1 and y[kept[0]] == 1.0:
            i = kept[0]
            rows.append(
                f"= −{log}({fmt.plain(s.prediction[i])}) "
                f"<span style='color:{t.muted}'>(hard label: only “{plain_text.escape(names[i])}” counts)</span>"
            )
        else:
            rows.append(f"= −[{line2}]")
        rows.append(f"= {col('cross_entropy', ce_text)} {units}")
        if not math.isfinite(ev.cross_entropy):
            bad = [names[i] for i in kept if not np.isfinite(logs[i])]
            if bad:
                rows.append(
                    f"<span style='color:{t.muted}'>{log}(0) = −∞: the target wants "
                    f"“{plain_text.escape(bad[0])}”, which the prediction rules out.</span>"
                )
        if dropped:
            rows.append(
                f"<span style='color:{t.muted}'>Terms with y<sub>i</sub> = 0 drop out "
                f"(0·{log} ŷ<sub>i</sub> = 0): <span style='{dropped_style}'>struck through</span>.</span>"
            )
        h_terms = " + ".join(f"{fmt.plain(y[i])}·{log}({fmt.plain(y[i])})" for i in kept)
        rows.append("")
        rows.append(
            f"<b>{col('entropy', 'H')}({yv}) = −Σ {yv}<sub>i</sub> {log} {yv}<sub>i</sub></b> = −[{h_terms}] = "
            f"{col('entropy', fmt.loss(ev.entropy))} {units}"
        )
        # The line is an identity: its numbers get the decimals at which it holds as shown.
        ce_i, h_i, kl_i = fmt.identity(ev.cross_entropy, ev.entropy, ev.kl_divergence)
        more = (
            f" <span style='color:{t.muted}'>(more decimals, so that the rounded numbers add up)</span>"
            if len(kl_i.partition(".")[2]) > fmt.DECIMALS
            else ""
        )
        rows.append(
            f"<b>{col('kl_divergence', 'KL')}({yv}‖{pv}) = CE − H</b> = {ce_i} − {h_i} = "
            f"{col('kl_divergence', kl_i)} {units}{more}"
        )
        body = "<br>".join(rows)
        return f"<div style='line-height:150%'>{body}</div>"


def _num(v: float) -> str:
    if math.isinf(v):
        return "−∞" if v < 0 else "∞"
    return fmt.number(v).replace("-", "−")
