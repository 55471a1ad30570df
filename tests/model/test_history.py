"""Tests of ce_desktop.model.history: the Qt-free undo stack with begin/commit grouping."""

from __future__ import annotations

from ce_desktop.model.history import History


def _history(limit=1000):
    return History(limit=limit, same=lambda a, b: a == b)


def test_undo_and_redo_walk_back_and_forth():
    h = _history()
    assert not h.can_undo and not h.can_redo and h.undo() is None and h.redo() is None
    h.record("a", 0, 1)
    h.record("b", 1, 2)
    assert len(h) == 2 and h.undo_text == "b" and h.redo_text == ""
    assert h.undo() == 1
    assert h.undo_text == "a" and h.redo_text == "b" and h.can_redo
    assert h.undo() == 0
    assert not h.can_undo and h.undo() is None
    assert h.redo() == 1
    assert h.redo() == 2
    assert h.redo() is None
    assert h.undo_text == "b"


def test_a_new_edit_clears_redo():
    h = _history()
    h.record("a", 0, 1)
    h.record("b", 1, 2)
    h.undo()
    assert h.can_redo
    h.record("c", 1, 5)
    assert not h.can_redo and h.redo() is None
    assert h.undo() == 1 and h.undo() == 0


def test_an_edit_that_changes_nothing_is_not_recorded():
    h = _history()
    h.record("nothing", 3, 3)
    assert len(h) == 0
    # ... and does not clear redo either.
    h.record("a", 3, 4)
    h.undo()
    h.record("nothing", 3, 3)
    assert h.can_redo


def test_default_sameness_is_identity():
    h = History()
    h.record("same object", "x", "x")
    assert len(h) == 0
    h.record("equal lists, different objects", [1], [1])
    assert len(h) == 1


def test_a_group_is_one_step():
    h = _history()
    h.record("before", 0, 1)
    h.begin("drag", 1)
    assert h.in_group and h.group_start == 1
    for v in range(2, 30):
        h.record("move", v - 1, v)  # ignored: the group records the whole
    assert h.commit(29) is True
    assert not h.in_group and h.group_start is None
    assert len(h) == 2 and h.undo_text == "drag"
    assert h.undo() == 1
    assert h.undo() == 0


def test_nested_begin_keeps_the_outer_group():
    h = _history()
    h.begin("outer", 0)
    h.begin("inner", 5)
    assert h.group_start == 0
    assert h.commit(7)
    assert h.undo_text == "outer" and h.undo() == 0


def test_a_group_that_ends_where_it_started_records_nothing():
    h = _history()
    h.record("a", 0, 1)
    h.undo()
    h.begin("drag back and forth", 0)
    assert h.commit(0) is False
    assert len(h) == 0 and h.can_redo  # redo survives a no-op drag


def test_commit_without_begin_does_nothing():
    h = _history()
    assert h.commit(3) is False
    assert len(h) == 0


def test_the_oldest_entries_are_dropped_past_the_limit():
    h = _history(limit=3)
    for v in range(1, 6):
        h.record(f"step {v}", v - 1, v)
    assert len(h) == 3
    assert [h.undo() for _ in range(4)] == [4, 3, 2, None]  # entries 1 and 2 fell off
    assert h.redo() == 3


def test_a_committed_group_clears_redo_and_counts_towards_the_limit():
    h = _history(limit=2)
    h.record("a", 0, 1)
    h.record("b", 1, 2)
    h.undo()
    h.begin("g", 1)
    h.commit(9)
    assert not h.can_redo
    h.record("c", 9, 10)
    assert len(h) == 2
    assert h.undo() == 9 and h.undo() == 1 and h.undo() is None


def test_clear_forgets_everything():
    h = _history()
    h.record("a", 0, 1)
    h.undo()
    h.begin("g", 1)
    h.clear()
    assert not h.can_undo and not h.can_redo and not h.in_group and len(h) == 0
