"""The plane: regions drawn from the model, and real mouse edits of the points."""

import numpy as np
import pytest
from conftest import click_at, drag_between, right_click_at, settle, show_view

from ce_desktop.gui import themes
from ce_desktop.gui.dataset_state import DatasetState
from ce_desktop.gui.views.dataset_plane import GRID, PlaneView


@pytest.fixture
def plane(qtbot):
    state = DatasetState()
    view = show_view(qtbot, PlaneView(state), size=(600, 500))
    yield view
    state.pause()


def _empty_spot(view):
    pts = view.state.setup.data.points
    (x0, x1), (y0, y1) = view.view_box().viewRange()
    for x in np.linspace(x0 + 0.1 * (x1 - x0), x1 - 0.1 * (x1 - x0), 15):
        for y in np.linspace(y0 + 0.1 * (y1 - y0), y1 - 0.1 * (y1 - y0), 15):
            if np.min(np.hypot(pts[:, 0] - x, pts[:, 1] - y)) > 0.4:
                return float(x), float(y)
    raise AssertionError("no empty spot")


def test_regions_are_uniform_at_the_start_and_follow_training(plane):
    img = plane.region_image()
    assert img.shape == (GRID, GRID, 3)
    assert len(np.unique(img.reshape(-1, 3), axis=0)) == 1  # W = 0: every cell is a tie, the palest tint
    plane.state.run_steps(40)
    settle()
    img = plane.region_image()
    # each class's colour is the strongest at its own points: the cell under a point's centroid
    x0, x1, y0, y1 = plane.region_extent()
    t = themes.LIGHT
    data = plane.state.data
    for c in range(3):
        cx, cy = data.points[data.labels == c].mean(axis=0)
        col = int((cx - x0) / (x1 - x0) * GRID)
        row = int((cy - y0) / (y1 - y0) * GRID)
        pixel = img[row, col].astype(float)
        dists = [np.linalg.norm(pixel - np.array(plane_rgb(t.class_colours[k]))) for k in range(3)]
        assert int(np.argmin(dists)) == c


def plane_rgb(name):
    from PySide6 import QtGui
    q = QtGui.QColor(name)
    return (q.red(), q.green(), q.blue())


def test_a_click_on_empty_ground_adds_a_point_of_the_chosen_class(plane):
    state = plane.state
    state.set_add_class(1)
    x, y = _empty_spot(plane)
    n = state.num_samples
    click_at(None, plane, x, y)
    assert state.num_samples == n + 1
    assert state.setup.data.labels[-1] == 1
    px = state.setup.data.points[-1]
    sx, sy = plane.view_box().viewPixelSize()
    assert abs(px[0] - x) < 2 * sx and abs(px[1] - y) < 2 * sy


def test_a_click_on_a_point_chooses_it_and_a_drag_moves_it(plane):
    state = plane.state
    i = 17
    x, y = state.setup.data.points[i]
    click_at(None, plane, x, y)
    assert state.selected == i and state.num_samples == 200
    tx, ty = _empty_spot(plane)
    drag_between(plane, (x, y), (tx, ty))
    moved = state.setup.data.points[i]
    sx, sy = plane.view_box().viewPixelSize()
    assert abs(moved[0] - tx) < 2 * sx and abs(moved[1] - ty) < 2 * sy
    assert state.history.undo_text == "Move a point"
    state.undo()
    assert tuple(state.setup.data.points[i]) == (x, y)


def test_right_click_and_delete_remove_points(plane, qtbot):
    state = plane.state
    x, y = state.setup.data.points[5]
    right_click_at(plane, x, y)
    assert state.num_samples == 199
    state.select(0)
    plane.setFocus()
    from PySide6 import QtCore
    qtbot.keyClick(plane, QtCore.Qt.Key.Key_Delete)
    assert state.num_samples == 198 and state.selected == -1


def test_the_worst_points_have_rings(plane):
    state = plane.state
    state.run_steps(20)
    settle()
    loss = state.per_sample_loss()
    worst = set(np.argsort(-loss)[:5].tolist())
    ringed = plane.worst.getData()
    pts = state.setup.data.points
    got = {int(np.argmin(np.hypot(pts[:, 0] - a, pts[:, 1] - b))) for a, b in zip(*ringed, strict=True)}
    assert got == worst
