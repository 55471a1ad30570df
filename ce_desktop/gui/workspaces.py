"""The window's two workspaces: the single-sample explorer and the dataset workspace.

The explorer's desk is the content of the window's central scroll area; the dataset workspace
(:class:`~ce_desktop.gui.dataset_workspace.DatasetWorkspace`, built the first time it is
asked for) takes its place there, so presentation mode, which moves the central area onto its
stage, shows whichever is current. While the dataset workspace shows, the explorer's toolbar,
descent dock and exercises keep out of the way (they come back as they were), the descent
shortcuts give way to the training ones (Space, ←, →, Ctrl+R), and undo and redo act on the
dataset's own history.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui.actions import make_action
from ce_desktop.gui.panels import Panel

EXPLORER, DATASET = "explorer", "dataset"
#: The largest dataset workspace the settings keep between runs (as a file's JSON: some 8,000
#: points), well inside the settings file's own limit (1 MB); a larger one is in its saved file.
REMEMBERED_DATASET_BYTES = 400_000


def same_dataset_key(a: tuple, b: tuple) -> bool:
    """Two :meth:`Workspaces.dataset_key` values: the same setup object (undo gives the very one
    back; comparing every point each frame would cost), and equal positions."""
    if len(a) != len(b):
        return False
    return not a or (a[0] is b[0] and a[1:] == b[1:])
WORKSPACES = (EXPLORER, DATASET)
TITLES = {EXPLORER: "Explorer (one sample)", DATASET: "Dataset (N samples)"}


class Workspaces(QtCore.QObject):
    """Which workspace the window shows, and switching between them."""

    #: The workspace shown changed (carries its name).
    changed = QtCore.Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._current = EXPLORER
        self._page = None
        self._desk: QtWidgets.QWidget | None = None
        self._hidden: dict[QtWidgets.QWidget, bool] = {}
        self.group = QtGui.QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[str, QtGui.QAction] = {}
        for k, name in enumerate(WORKSPACES, start=1):
            a = make_action(window, f"{TITLES[name]} workspace", lambda _on, n=name: self.set_current(n),
                            f"Ctrl+{k}", checkable=True, widget=window)
            self.group.addAction(a)
            self.actions[name] = a
        self.actions[EXPLORER].setChecked(True)
        window.presentation.activeChanged.connect(self._on_presenting)

    @property
    def current(self) -> str:
        return self._current

    @property
    def built(self) -> bool:
        return self._page is not None

    def dataset_page(self):
        """The dataset workspace (built on first use)."""
        if self._page is None:
            from ce_desktop.gui.dataset_workspace import DatasetWorkspace

            w = self.window
            page = DatasetWorkspace(parent=w)  # always owned by the window, hidden while not shown
            page.state.message.connect(w.status)
            page.state.historyChanged.connect(w.refresh_undo_actions)
            page.state.setupChanged.connect(self._update_title)
            page.sample.sigOpenInExplorer.connect(self._open_in_explorer)
            files = getattr(w, "file_actions", None)
            if files is not None:  # the unsaved-changes flag follows the dataset too
                page.state.setupChanged.connect(files.dataset_changed)
                page.state.positionChanged.connect(files.dataset_changed)
                self.changed.connect(files.dataset_changed)
            for a in page.training_actions.values():
                a.setEnabled(False)
            page.apply_theme(w.theme)
            w.themeChanged.connect(page.apply_theme)
            self._page = page
            page.hide()
        return self._page

    @property
    def dataset_state(self):
        return self.dataset_page().state

    def set_current(self, name: str) -> None:
        """Show workspace ``name`` ("explorer" or "dataset")."""
        if name not in WORKSPACES:
            raise ValueError(f"no workspace called {name!r}; choose explorer or dataset")
        self.actions[name].setChecked(True)
        if name == self._current:
            return
        w = self.window
        area = w.central_area
        page = self.dataset_page()
        if name == DATASET:
            w.descent.pause()
            self._desk = area.takeWidget()
            if self._desk is not None:  # owned by the window while the dataset shows: never an orphan
                self._desk.hide()
                self._desk.setParent(w)
            area.setWidget(page)
            page.show()
            self._hide_explorer_chrome(True)
        else:
            page.state.pause()
            area.takeWidget()
            page.hide()
            page.setParent(w)
            if self._desk is not None:
                area.setWidget(self._desk)
                self._desk.show()
            self._hide_explorer_chrome(False)
        for a in page.training_actions.values():
            a.setEnabled(name == DATASET)
        for key in ("play", "step", "back", "reset"):
            w.descent_views["actions"][key].setEnabled(name == EXPLORER)
        self._current = name
        w.refresh_undo_actions()
        self._update_title()
        self.changed.emit(name)

    def _hide_explorer_chrome(self, hide: bool) -> None:
        w = self.window
        parts: list[QtWidgets.QWidget] = [w.controls]
        dock = w.panel_layout.dock(Panel.DESCENT)
        if dock is not None:
            parts.append(dock)
        parts.append(w.classroom.exercise_dock)
        readouts = w.panel_layout.widget(Panel.READOUTS)
        if readouts is not None and w.panel_layout.presenting:
            parts.append(readouts)
        self.dataset_page().show_controls(not w.panel_layout.presenting)
        if hide:
            self._hidden = {p: p.isVisible() or not p.isHidden() for p in parts}
            for p in parts:
                p.hide()
        else:
            for p, was in self._hidden.items():
                p.setVisible(was)
            self._hidden = {}

    # ------------------------------------------------------------------ files

    def session(self, scenario):
        """What a saved file holds: the explorer's ``scenario`` and, once the dataset workspace has
        been used, its setup and run (steps, position, and the start when it is not the model's own)."""
        from ce_desktop.model.workspace_file import Session

        if self._page is None:
            return Session(scenario)
        state = self._page.state
        run = state.run
        start = run.params_at(0)
        own = run.model.init(state.setup.model.init, state.setup.model.init_seed)
        return Session(scenario, self._current, state.setup, run.last, run.index,
                       None if np.array_equal(start, own) else start)

    def apply_session(self, session, label: str) -> None:
        """Show a file's dataset part (its run replayed) and its workspace; the explorer's
        scenario is the caller's. A file without a dataset leaves the dataset workspace as it is."""
        if session.dataset is not None:
            self.dataset_state.load(session.dataset, session.run_steps, session.run_position,
                                    session.run_start, label)
        self.set_current(session.workspace if session.dataset is not None else EXPLORER)

    def dataset_key(self) -> tuple:
        """What the unsaved-changes flag compares of the dataset workspace (empty until it is used)."""
        if self._page is None:
            return ()
        state = self._page.state
        return (state.setup, state.run.last, state.run.index, self._current)

    def remember(self, settings, scenario, discarded: bool) -> None:
        """Keep the dataset workspace in ``settings`` for the next start (when it was used and is
        small enough); a Discard forgets it."""
        session = self.session(scenario) if not discarded else None
        text = session.to_json() if session is not None and session.dataset is not None else ""
        settings.set_extra("last_dataset", text if len(text) <= REMEMBERED_DATASET_BYTES else "")

    def restore(self, settings) -> bool:
        """Bring back the dataset workspace the last run kept (True if it did)."""
        from ce_desktop.model.scenario import ScenarioError
        from ce_desktop.model.workspace_file import Session

        text = settings.extra("last_dataset")
        if not isinstance(text, str) or not text:
            return False
        try:
            session = Session.from_json(text)
        except ScenarioError as exc:  # a damaged setting: start without it
            self.window.status(f"The remembered dataset was not restored: {exc}")
            return False
        self.apply_session(session, "Restore")
        self.dataset_state.clear_history()  # the app starts here: nothing to undo
        return True

    def _on_presenting(self, on: bool) -> None:
        """Presentation mode puts the explorer's readouts above the central area: not above the
        dataset workspace, whose controls also give the projector their room (the keys still play)."""
        if self._current != DATASET:
            return
        lay = self.window.panel_layout
        for part in (lay.widget(Panel.READOUTS), lay.dock(Panel.DESCENT)):
            if on and part is not None:  # presentation shows the explorer's slide panels: not here
                self._hidden.setdefault(part, not part.isHidden())
                part.hide()
        page = self.dataset_page()
        page.show_controls(not on)

    def _update_title(self) -> None:
        self.window.refresh_title()  # the file's name, or the scenario's or the dataset's title

    def _open_in_explorer(self, scenario) -> None:
        w = self.window
        self.set_current(EXPLORER)
        if w.state.load(scenario, "Open a point from the dataset"):
            w.status(f"{scenario.title}: its y and logits are now in the explorer.")
