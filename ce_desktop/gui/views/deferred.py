"""A mixin for views that live in tabs: work that arrives while hidden is done once, when shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6 import QtWidgets

    from ce_desktop.gui.state import Aspect

    #: The base of the views' mixins, for the type checker: each is mixed into a QWidget, whose
    #: methods (isVisible, showEvent) it calls. At run time a mixin derives from object only.
    WidgetMixin = QtWidgets.QWidget
else:
    WidgetMixin = object


class DeferredWhileHidden(WidgetMixin):
    """Skip the work a hidden view would do and catch up once when it is shown.

    A drag elsewhere, or every frame of a descent run, then costs nothing for a view in a
    hidden tab. Two ways in, for the two kinds of change a view follows:

    - the state's aspects: subclasses set ``RELEVANT`` (the :class:`~ce_desktop.gui.state.Aspect` s
      they draw), connect them with ``state.connect_aspects(self._on_state_changed, *self.RELEVANT)``
      and implement ``_handle_state_change(aspects)`` (default: ``refresh()``); the aspects a hidden
      view receives are merged and handled once;
    - anything else (a descent controller's signals): a handler starts with
      ``if not self._visible_or_defer(): return``, and the view is ``refresh()``-ed in full once
      shown.
    """

    RELEVANT: tuple[Aspect, ...] = ()
    _pending: frozenset[Aspect] = frozenset()
    _stale = False

    if TYPE_CHECKING:
        def refresh(self) -> None: ...

    def _on_state_changed(self, aspects: frozenset[Aspect]) -> None:
        """(state, the RELEVANT aspects) Handle now, or once shown."""
        if not aspects:
            return
        if not self.isVisible():
            self._pending = self._pending | aspects
            return
        self._handle_state_change(aspects)

    def _visible_or_defer(self) -> bool:
        """True when visible; otherwise False, and the view is refreshed in full when shown."""
        if self.isVisible():
            return True
        self._stale = True
        return False

    def showEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(ev)
        if self._pending:
            aspects, self._pending = self._pending, frozenset()
            self._handle_state_change(aspects)
        if self._stale:
            self._stale = False
            self.refresh()

    def _handle_state_change(self, aspects: frozenset[Aspect]) -> None:
        self.refresh()
