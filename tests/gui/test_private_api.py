"""The private-API uses step aside on a library version they were not written for, and the
version ranges they were written for are pyproject.toml's bounds (docs/private-api.md)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore

from ce_desktop.gui import private_api
from ce_desktop.gui.items import polyline
from ce_desktop.gui.views.plots import make_plot, make_title_shrinkable, quiet_hover_while_dragging

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version, expected", [
    ("0.13.7", True), ("0.14.0", True), ("0.14.1.dev0", True),
    ("0.13.6", False), ("0.15.0", False), ("1.0", False), ("", False), ("unknown", False),
])
def test_pyqtgraph_versions_the_private_uses_were_written_for(version, expected):
    assert private_api.pyqtgraph_private_ok(version) is expected


@pytest.mark.parametrize("version, expected", [("6.7.0", True), ("6.11.3", True), ("6.12.1", True),
                                               ("6.13.0", False), ("6.6.3", False), ("7.0", False)])
def test_pyside_versions_the_private_use_was_written_for(version, expected):
    assert private_api.pyside_private_ok(version) is expected


def test_the_installed_libraries_are_ones_the_private_uses_were_written_for():
    # The suite runs on them: if this fails, the bounds and the ranges need a new look.
    assert private_api.pyqtgraph_private_ok()
    assert private_api.pyside_private_ok()


def _upper_bounds(package: str) -> set[tuple[int, ...]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover (3.10)
        pytest.skip("tomllib needs Python 3.11")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    found = set()
    for dep in deps:
        if dep.split(">")[0].split("<")[0].strip().lower() == package.lower():
            m = re.search(r"<\s*([\d.]+)", dep)
            assert m, f"{dep}: no upper bound"
            found.add(private_api.version_tuple(m.group(1)))
    assert found, f"{package} is not a dependency"
    return found


def test_pyproject_bounds_are_the_ranges_the_private_uses_were_written_for():
    assert _upper_bounds("pyqtgraph") == {private_api.PYQTGRAPH_RANGE[1]}
    # PySide6: <6.12 on Python < 3.12 (a crash there), <6.13 elsewhere; the range takes the wider.
    assert max(_upper_bounds("PySide6-Essentials")) == private_api.PYSIDE_RANGE[1]


def _pretend_pyqtgraph(monkeypatch, version: str) -> None:
    monkeypatch.setattr(pg, "__version__", version)


def test_on_another_pyqtgraph_the_title_keeps_pyqtgraphs_own_sizing(qtbot, monkeypatch):
    w = make_plot()
    qtbot.addWidget(w)
    label = w.getPlotItem().titleLabel
    _pretend_pyqtgraph(monkeypatch, "0.15.0")
    assert make_title_shrinkable(label) is False
    label.setText("a title much wider than nothing at all")
    assert label.minimumWidth() > 0  # pyqtgraph's updateMin ran: the title sets the width
    monkeypatch.undo()
    assert make_title_shrinkable(label) is True
    label.setText("a title much wider than nothing at all, again")
    assert label.minimumWidth() == 0


def test_on_another_pyqtgraph_the_hover_search_is_left_alone(qtbot, monkeypatch):
    w = make_plot()
    qtbot.addWidget(w)
    scene = w.scene()
    _pretend_pyqtgraph(monkeypatch, "0.15.0")
    assert quiet_hover_while_dragging(scene) is False
    assert scene.sendHoverEvents == type(scene).sendHoverEvents.__get__(scene)  # the class's own
    monkeypatch.undo()
    assert quiet_hover_while_dragging(scene) is True
    assert scene.sendHoverEvents != type(scene).sendHoverEvents.__get__(scene)


def test_the_public_polygon_is_the_fast_one(monkeypatch):
    x = np.array([0.0, 1.5, 2.0, -3.0])
    y = np.array([1.0, 0.25, -2.0, 7.0])
    fast = polyline.polygon(x, y)
    monkeypatch.setattr(polyline, "_FAST_POLYGONS", False)
    plain = polyline.polygon(x, y)
    assert [fast.at(i) for i in range(fast.size())] == [QtCore.QPointF(a, b) for a, b in zip(x, y, strict=True)]
    assert [plain.at(i) for i in range(plain.size())] == [fast.at(i) for i in range(fast.size())]
