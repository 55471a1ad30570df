"""Texts nobody reads mid-gesture: accessible descriptions and tooltips, written once a drag ends.

A view's accessible description spells out every class's number ("cat 0.600; dog 0.300; …").
Building those strings on every drag move was a tenth of a move's cost, for text that a
screen reader only reads once the pointer stops. :class:`IdleTexts` runs such updates at
once when no drag or descent run holds an undo step open, and otherwise shortly after the
drag ends (``state.gestureFinished``), with the numbers of that moment. While a run plays
its texts are brought up to date at most :data:`SETTLE_MS` apart, not 60 times a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore

from ce_desktop.gui.views.deferred import WidgetMixin

if TYPE_CHECKING:
    from ce_desktop.gui.state import ExplorerState

#: Delay (ms) from the end of a drag step or run frame to the texts' update.
SETTLE_MS = 100


class IdleTexts(WidgetMixin):
    """Mixin for a QWidget with a ``state`` (an :class:`~ce_desktop.gui.state.ExplorerState`)."""

    state: ExplorerState

    def when_idle(self, key: str, update: Callable[[], None]) -> None:
        """Run ``update`` now, or (during a drag or a playing run) a little later.

        Only the newest ``update`` for each ``key`` runs.
        """
        state = self.state
        if not state.in_undo_group:
            pending = getattr(self, "_idle_updates", None)
            if pending:
                pending.pop(key, None)
            update()
            return
        pending = self.__dict__.setdefault("_idle_updates", {})
        pending[key] = update
        if not getattr(self, "_idle_hooked", False):
            self._idle_hooked = True
            state.gestureFinished.connect(self._run_idle_updates)
        if not state.gesture_active:
            self._run_idle_updates()  # a playing run: every SETTLE_MS, not every frame

    def _run_idle_updates(self) -> None:
        """(gestureFinished) Bring the texts up to date soon, once per SETTLE_MS at most."""
        if getattr(self, "_idle_updates", None) and not getattr(self, "_idle_scheduled", False):
            self._idle_scheduled = True
            QtCore.QTimer.singleShot(SETTLE_MS, self, self._settle_idle_updates)

    def _settle_idle_updates(self) -> None:
        self._idle_scheduled = False
        pending = getattr(self, "_idle_updates", None)
        if not pending or self.state.gesture_active:
            return  # still mid-drag: its end schedules this again
        updates = list(pending.values())
        pending.clear()
        for update in updates:
            update()
