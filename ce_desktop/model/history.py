"""Qt-free undo/redo of scenarios, with begin/commit grouping for drags and runs.

Entries are whole scenario snapshots (scenarios are immutable and small), each with a
human-readable label such as "Drag prediction: class 2".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    label: str
    before: T
    after: T


class History(Generic[T]):
    """An undo stack of (label, before, after) snapshots.

    Parameters
    ----------
    limit : int
        Oldest entries are dropped past this many.
    same : callable, optional
        ``same(a, b) -> bool``; a group whose end state equals its start records nothing.
    """

    def __init__(self, limit: int = 1000, same: Callable[[T, T], bool] | None = None):
        self._undo: list[Entry[T]] = []
        self._redo: list[Entry[T]] = []
        self._limit = int(limit)
        self._same: Callable[[T, T], bool] = same or (lambda a, b: a is b)
        self._group: tuple[str, T] | None = None

    # -------------------------------------------------------------- recording

    def record(self, label: str, before: T, after: T) -> None:
        """One finished edit (ignored inside a group: the group records the whole)."""
        if self._group is not None or self._same(before, after):
            return
        self._undo.append(Entry(label, before, after))
        if len(self._undo) > self._limit:
            del self._undo[0]
        self._redo.clear()

    def begin(self, label: str, before: T, extend: bool = False) -> None:
        """Start a group (a drag, a run); nested calls keep the outer group.

        With ``extend``, when the newest entry has the same label, ends exactly at ``before``
        and nothing has been undone since, the group reopens that entry instead of starting a
        new one: a descent run that is paused, stepped and resumed stays one undo step.
        """
        if self._group is not None:
            return
        if extend and self._undo and not self._redo:
            last = self._undo[-1]
            if last.label == label and self._same(last.after, before):
                self._undo.pop()
                self._group = (label, last.before)
                return
        self._group = (label, before)

    def commit(self, after: T) -> bool:
        """End the group and record it as one entry; True if something was recorded."""
        if self._group is None:
            return False
        label, before = self._group
        self._group = None
        if self._same(before, after):
            return False
        self.record(label, before, after)
        return True

    @property
    def in_group(self) -> bool:
        return self._group is not None

    @property
    def group_start(self) -> T | None:
        return None if self._group is None else self._group[1]

    # -------------------------------------------------------------- moving

    def undo(self) -> T | None:
        """The state to go back to, or None when there is nothing to undo."""
        if not self._undo:
            return None
        e = self._undo.pop()
        self._redo.append(e)
        return e.before

    def redo(self) -> T | None:
        if not self._redo:
            return None
        e = self._redo.pop()
        self._undo.append(e)
        return e.after

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._group = None

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_text(self) -> str:
        return self._undo[-1].label if self._undo else ""

    @property
    def redo_text(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def __len__(self) -> int:
        return len(self._undo)
