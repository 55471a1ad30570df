"""The File menu: new, open, open recent, save, save as, export and copy, drag and drop.

:class:`FileActions` is a controller the main window installs. It owns the notion of a
*document*: the file the scenario came from (if any) and whether the scenario has changed
since it was opened or saved (the title shows ``*``, and closing or opening asks first).

Safety rules:

* a file is read and checked completely (``Scenario.load``) before anything is applied; any
  problem shows a message in the window and leaves the current state exactly as it was;
* every write goes through ``user_files.write_file_atomic``: the file on disk is
  replaced only once the new one is complete, so a failed save leaves the old file intact;
* nothing is saved or exported over a folder, named pipe, device or socket
  (``user_files.check_save_target``): the scenario stays as it was, unsaved;
* every question and file dialog goes through a :class:`Prompts` object, which tests replace.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import pictures, plain_text
from ce_desktop.gui.actions import make_action
from ce_desktop.gui.dialogs import CANCEL, DISCARD, SAVE, Prompts
from ce_desktop.gui.picture_dialog import find_plots
from ce_desktop.gui.workspaces import same_dataset_key
from ce_desktop.model import export, user_files
from ce_desktop.model.scenario import MAX_FILE_BYTES, Scenario, ScenarioError


def new_scenario() -> Scenario:
    """What File > New starts from: three classes, a hard target, a uniform prediction."""
    return Scenario.create([1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], title="Untitled")


# --------------------------------------------------------------------------- the controller


def _session():
    """The file's class, imported with the first file (it brings the dataset side of the model)."""
    from ce_desktop.model.workspace_file import Session

    return Session


def _session_max_bytes() -> int:
    from ce_desktop.model.workspace_file import MAX_FILE_BYTES as SESSION_MAX_BYTES

    return SESSION_MAX_BYTES


#: The code kinds, as the status bar names them.
CODE_TITLES = {"numpy": "NumPy", "torch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX"}


class FileActions(QtCore.QObject):
    """File menu actions around one :class:`~ce_desktop.gui.state.ExplorerState`.

    Parameters
    ----------
    window : QMainWindow
        Hosts the actions, the title (``name[*] — CE Explorer``), drops and the close check.
        If it has ``menus["File"]`` the actions go there; if it has ``status(msg)`` that
        shows short confirmations.
    state : ExplorerState
    settings : ce_desktop.gui.settings.Settings or None
        For recent files and the last folder used (None: nothing is remembered).
    prompts : Prompts, optional
        Dialogs and questions (tests pass a stand-in).
    trajectory : callable, optional
        ``trajectory() -> rows or None``: the current descent run for
        :func:`export.trajectory_csv`.
    plots : callable, optional
        ``plots() -> [(name, widget), ...]`` offered by Export picture besides the whole
        window; by default every visible pyqtgraph view in the window.
    ask_on_close : bool
        Ask Save / Discard / Cancel when the window is closed with unsaved changes. The app
        turns it on; windows built by tests leave it off so that closing them never blocks.

    Signals
    -------
    documentChanged()
        The file name or the modified flag changed.
    """

    documentChanged = QtCore.Signal()

    def __init__(self, window, state, settings=None, prompts=None, trajectory=None, plots=None,
                 ask_on_close: bool = True, parent=None):
        super().__init__(parent if parent is not None else window)
        self.window = window
        self.state = state
        self.settings = settings
        self.prompts = prompts if prompts is not None else Prompts(window)
        self._trajectory = trajectory if trajectory is not None else self._descent_rows
        self.ask_on_close = bool(ask_on_close)
        self._plots = plots
        self.path: Path | None = None
        self._clean: Scenario = state.scenario
        self._clean_dataset: tuple = ()  # the dataset workspace as opened or saved (Workspaces.dataset_key)
        self._modified = False
        self._build_actions()
        state.scenarioChanged.connect(self._on_scenario_changed)
        window.installEventFilter(self)
        window.setAcceptDrops(True)
        self._update_title()

    # ------------------------------------------------------------------ actions

    def _build_actions(self) -> None:
        K = QtGui.QKeySequence.StandardKey
        action = functools.partial(make_action, self.window, widget=self.window)  # live without the menu bar
        self.new_action = action("&New", self.new, K.New, "Start a new scenario")
        self.open_action = action("&Open…", self.open, K.Open, "Open a saved scenario (.json)")
        self.save_action = action("&Save", self.save, K.Save, "Save the scenario")
        self.save_as_action = action("Save &As…", self.save_as, "Ctrl+Shift+S", "Save under a new name")
        self.recent_menu = QtWidgets.QMenu("Open &Recent", self.window)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.export_picture_action = action(
            "Export &Picture…", self.export_picture, "Ctrl+Shift+E", "The window or one plot as PNG or SVG"
        )
        self.export_table_action = action(
            "Export &Table as CSV…", self.export_table, "Ctrl+Shift+T", "Per-class numbers as a CSV file"
        )
        self.export_trajectory_action = action(
            "Export T&rajectory as CSV…", self.export_trajectory, "Ctrl+Shift+D", "Every step of the descent run"
        )
        self.copy_table_action = action(
            "&Copy Table", self.copy_table, "Ctrl+Shift+C", "Per-class numbers, ready to paste into a spreadsheet"
        )
        self.copy_numpy_action = action(
            "Copy as &NumPy",
            lambda: self.copy_code("numpy"),
            "Ctrl+Shift+N",
            "A NumPy script reproducing these numbers",
        )
        self.copy_torch_action = action(
            "Copy as P&yTorch",
            lambda: self.copy_code("torch"),
            "Ctrl+Shift+Y",
            "A PyTorch script reproducing these numbers",
        )
        self.copy_tensorflow_action = action(
            "Copy as &TensorFlow",
            lambda: self.copy_code("tensorflow"),
            "Ctrl+Shift+F",
            "A TensorFlow script reproducing these numbers",
        )
        self.copy_jax_action = action(
            "Copy as &JAX",
            lambda: self.copy_code("jax"),
            "Ctrl+Shift+J",
            "A JAX script reproducing these numbers",
        )

    def actions(self) -> list[QtGui.QAction]:
        return [
            self.new_action,
            self.open_action,
            self.save_action,
            self.save_as_action,
            self.export_picture_action,
            self.export_table_action,
            self.export_trajectory_action,
            self.copy_table_action,
            self.copy_numpy_action,
            self.copy_torch_action,
            self.copy_tensorflow_action,
            self.copy_jax_action,
        ]

    def install(self, menu: QtWidgets.QMenu | None = None) -> QtWidgets.QMenu:
        """Put the actions at the top of ``menu`` (default: the window's File menu)."""
        if menu is None:
            menus = getattr(self.window, "menus", None)
            menu = menus.get("File") if isinstance(menus, dict) else None
        if menu is None:
            menu = self.window.menuBar().addMenu("&File")
        first = menu.actions()[0] if menu.actions() else None
        entries = [
            self.new_action,
            self.open_action,
            self.recent_menu.menuAction(),
            None,
            self.save_action,
            self.save_as_action,
            None,
            self.export_picture_action,
            self.export_table_action,
            self.export_trajectory_action,
            None,
            self.copy_table_action,
            self.copy_numpy_action,
            self.copy_torch_action,
            self.copy_tensorflow_action,
            self.copy_jax_action,
            None,
        ]
        if first is None:
            entries.pop()
        for entry in entries:
            if entry is None:
                entry = QtGui.QAction(menu)
                entry.setSeparator(True)
            if first is None:  # an empty menu
                menu.addAction(entry)
            else:
                menu.insertAction(first, entry)
        return menu

    # ------------------------------------------------------------------ the document

    @property
    def modified(self) -> bool:
        """True when the scenario differs from the one last opened or saved."""
        return self._modified

    @property
    def display_name(self) -> str:
        """The file's name, or the scenario's title while it has no file."""
        if self.path is not None:
            return self.path.name
        workspaces = getattr(self.window, "workspaces", None)
        if workspaces is not None and workspaces.current == "dataset":
            return f"Dataset: {workspaces.dataset_state.setup.source or 'untitled'}"
        return self.state.scenario.title or "Untitled"

    def _on_scenario_changed(self) -> None:
        """(state.scenarioChanged) Keep the modified flag and the title."""
        modified = not self.state.scenario.same_as(self._clean) or not same_dataset_key(self._dataset_key(),
                                                                                          self._clean_dataset)
        changed = modified != self._modified
        self._modified = modified
        self._update_title()  # also when the flag stays: an untitled document shows the scenario's title
        if changed:
            self.documentChanged.emit()

    def _dataset_key(self) -> tuple:
        workspaces = getattr(self.window, "workspaces", None)
        return workspaces.dataset_key() if workspaces is not None else ()

    def dataset_changed(self, *_args) -> None:
        """(the dataset workspace changed) Keep the modified flag: the data, the run, the workspace."""
        self._on_scenario_changed()

    def _set_document(self, path: Path | None, scenario: Scenario) -> None:
        self.path = path
        self._clean = scenario
        self._clean_dataset = self._dataset_key()
        self._modified = not self.state.scenario.same_as(scenario)
        self._update_title()
        self.documentChanged.emit()

    def _update_title(self) -> None:
        # A drag move changes neither, and setting them again costs a window-wide event.
        # Only the document's name: Qt adds the application's display name ("name — CE
        # Explorer"), so writing it here too showed it twice. The file path goes to
        # setWindowFilePath (the proxy icon on macOS).
        title = f"{plain_text.window_title(self.display_name)}[*]"
        if self.window.windowTitle() != title:
            self.window.setWindowTitle(title)
        path = str(self.path) if self.path is not None else ""
        if self.window.windowFilePath() != path:
            self.window.setWindowFilePath(path)
        if self.window.isWindowModified() != self._modified:
            self.window.setWindowModified(self._modified)

    update_title = _update_title

    def set_document(self, path, clean: Scenario | None = None) -> None:
        """Make ``path`` the current document (the app opened it itself, e.g. ``--scenario``).

        ``clean`` is the file's scenario (read again from ``path`` if omitted); the state is
        modified if it differs (say, ``--units bits`` on a file in nats). With ``path`` None
        the document is untitled and ``clean`` (default: the scenario shown) is what counts
        as unchanged: a lesson slide, as shown, is no change of the user's.
        """
        if path is None:
            self._set_document(None, clean if clean is not None else self.state.scenario)
            return
        p = Path(path)
        if clean is None:
            try:
                clean = Scenario.load(p)
            except ScenarioError:
                clean = self.state.scenario
        self._set_document(p.absolute(), clean)
        if self.settings is not None:
            self.settings.add_recent(p)
        self._remember_directory(p)

    def _status(self, message: str) -> None:
        status = getattr(self.window, "status", None)
        if callable(status):
            status(message)
        elif isinstance(self.window, QtWidgets.QMainWindow):
            self.window.statusBar().showMessage(message, 5000)

    def _error(self, title: str, text: str) -> None:
        self.prompts.error(title, text)
        self._status(f"{title}: {text}")

    def _directory(self) -> str:
        if self.path is not None:
            return str(self.path.parent)
        if self.settings is not None:
            last = self.settings.extra("last_directory")
            if isinstance(last, str) and os.path.isdir(last):
                return last
        return str(Path.home())

    def _remember_directory(self, path: Path) -> None:
        if self.settings is not None:
            self.settings.set_extra("last_directory", str(path.parent.absolute()))

    def _suggested(self, suffix: str, tag: str = "") -> str:
        stem = self.path.stem if self.path is not None else _slug(self.state.scenario.title) or "scenario"
        return os.path.join(self._directory(), f"{stem}{tag}{suffix}")

    # ------------------------------------------------------------------ asking before losing work

    def confirm_discard(self, doing: str = "continuing") -> bool:
        """True if it is fine to replace the scenario: unchanged, saved now, or discarded."""
        return self._settle_changes(doing) != CANCEL

    def _settle_changes(self, doing: str) -> str:
        """Ask about unsaved changes: SAVE (saved now, or nothing to save), DISCARD, or CANCEL
        (keep them: the user cancelled, or the save did not happen)."""
        if not self._modified:
            return SAVE
        answer = self.prompts.save_changes(self.display_name, doing)
        if answer == SAVE:
            return SAVE if self.save() else CANCEL
        return DISCARD if answer == DISCARD else CANCEL

    # ------------------------------------------------------------------ new / open

    def new(self) -> bool:
        if not self.confirm_discard("starting a new scenario"):
            return False
        scenario = new_scenario()
        self.state.load(scenario, "New scenario")
        self._set_document(None, scenario)
        return True

    def open(self) -> bool:
        """Ask for a file and open it."""
        if not self.confirm_discard("opening another scenario"):
            return False
        path = self.prompts.open_path(self._directory())
        if not path:
            return False
        return self.load_path(path)

    def open_file(self, path) -> bool:
        """Open ``path`` after asking about unsaved changes (drops, recent files)."""
        if not self.confirm_discard("opening another scenario"):
            return False
        return self.load_path(path)

    def load_path(self, path) -> bool:
        """Read ``path`` and make it the current scenario (and dataset, if the file has one); on any
        problem show why and change nothing."""
        p = Path(path)
        try:
            session = _session().load(p)
        except ScenarioError as exc:
            self._error("Cannot open the scenario", str(exc))
            if self.settings is not None and not p.exists():
                self.settings.remove_recent(p)
            return False
        scenario = session.scenario
        self.state.load(scenario, f"Open {p.name}")
        workspaces = getattr(self.window, "workspaces", None)
        if workspaces is not None:
            workspaces.apply_session(session, f"Open {p.name}")
        self._set_document(p.absolute(), scenario)
        if self.settings is not None:
            self.settings.add_recent(p)
        self._remember_directory(p)
        self._status(f"Opened {p.name}")
        return True

    # ------------------------------------------------------------------ save

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        path = self.prompts.save_path(self._suggested(".json"))
        if not path:
            return False
        p = Path(path)
        if not p.suffix:
            p = p.with_suffix(".json")
        return self.save_to(p)

    def save_to(self, path) -> bool:
        """Write the scenario to ``path`` atomically; the document becomes that file."""
        p = Path(path)
        scenario = self.state.scenario
        workspaces = getattr(self.window, "workspaces", None)
        session = workspaces.session(scenario) if workspaces is not None else _session()(scenario)
        data = session.to_json().encode("utf-8")
        limit = _session_max_bytes() if session.dataset is not None else MAX_FILE_BYTES
        if len(data) > limit:  # cannot happen within the class limit; never write what we would refuse
            self._error("Cannot save the scenario", f"it would be larger than {limit // 1000:,} kB")
            return False
        try:
            user_files.check_save_target(p)
        except user_files.FileError as exc:
            self._error("Cannot save the scenario", f"{exc} Nothing was written.")
            return False
        try:
            user_files.write_file_atomic(p, data)
        except OSError as exc:
            self._error("Cannot save the scenario", f"{exc}. The file on disk was not changed.")
            return False
        self._set_document(p.absolute(), scenario)
        if self.settings is not None:
            self.settings.add_recent(p)
            self.settings.sync()
        self._remember_directory(p)
        self._status(f"Saved {p.name}")
        return True

    # ------------------------------------------------------------------ recent files

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.settings.recent_files if self.settings is not None else []
        if not files:
            none = menu.addAction("No recent files")
            none.setEnabled(False)
            return
        for i, f in enumerate(files):
            p = Path(f)
            name = plain_text.menu_text(p.name)
            label = f"&{i + 1} {name}" if i < 9 else f"1&0 {name}"
            a = menu.addAction(f"{label}  —  {plain_text.menu_text(p.parent)}")
            a.setToolTip(f)
            a.triggered.connect(lambda _checked=False, f=f: self.open_file(f))
        menu.addSeparator()
        menu.addAction("&Clear Recent Files", self._clear_recent)

    def _clear_recent(self) -> None:
        if self.settings is not None:
            self.settings.clear_recent()

    # ------------------------------------------------------------------ export and copy

    def export_table(self) -> bool:
        path = self.prompts.export_path("Export table", self._suggested(".csv", "-table"), "CSV (*.csv)")
        if not path:
            return False
        return self._write_text(Path(path), export.table_csv(self.state.scenario), "table")

    def export_trajectory(self) -> bool:
        rows = self._trajectory() if self._trajectory is not None else None
        if not rows:
            self._error("No descent run to export", "Run gradient descent first (Descent > Play or Step).")
            return False
        path = self.prompts.export_path("Export trajectory", self._suggested(".csv", "-trajectory"), "CSV (*.csv)")
        if not path:
            return False
        text = export.trajectory_csv(rows, self.state.class_names)
        return self._write_text(Path(path), text, "trajectory")

    def _write_text(self, p: Path, text: str, what: str) -> bool:
        try:
            user_files.check_save_target(p)
            user_files.write_file_atomic(p, text.encode("utf-8"))
        except (user_files.FileError, OSError) as exc:
            self._error(f"Cannot export the {what}", str(exc))
            return False
        self._remember_directory(p)
        self._status(f"Exported the {what} to {p.name}")
        return True

    def copy_table(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(export.table_tsv(self.state.scenario))
        self._status("Copied the table (tab-separated: paste it into a spreadsheet)")

    def copy_code(self, kind: str) -> None:
        """A script in ``kind`` (numpy, torch, tensorflow, jax) to the clipboard: in the explorer, one
        that prints this sample's cross-entropy; in the dataset workspace, one that trains the same
        model on the same data and prints the same losses."""
        name = CODE_TITLES[kind]
        ws = getattr(self.window, "workspaces", None)
        if ws is not None and ws.current == "dataset":
            page = ws.dataset_page()
            QtGui.QGuiApplication.clipboard().setText(page.training_code(kind))
            self._status(f"Copied a {name} script that trains this model and prints its losses "
                         f"(steps 0 to {page.state.position:,})")
            return
        QtGui.QGuiApplication.clipboard().setText(export.code_snippet(self.state.scenario, kind))
        self._status(f"Copied a {name} script that prints this cross-entropy")

    def _descent_rows(self):
        """Rows of the window's descent run, if it has a DescentController with a run."""
        from ce_desktop.gui.descent import DescentController

        candidates = [getattr(self.window, "descent", None)] + self.window.findChildren(DescentController)
        candidates += [getattr(w, "controller", None) for w in self.window.findChildren(QtWidgets.QWidget)]
        for c in candidates:
            if isinstance(c, DescentController) and c.run is not None:
                return export.run_rows(c.run)
        return None

    def picture_targets(self) -> list[tuple[str, QtWidgets.QWidget]]:
        """The whole window, then each plot, as ``(name, widget)``."""
        plots = self._plots() if self._plots is not None else find_plots(self.window)
        return [("The whole window", self.window)] + list(plots)

    def export_picture(self) -> bool:
        choice = self.prompts.picture(self.picture_targets(), self._directory())
        if not choice:
            return False
        widget, path, size = choice
        p = Path(path)
        try:
            user_files.check_save_target(p)  # save_picture writes a device in place; a picture must not go there
            pictures.save_picture(widget, p, size)
        except (ValueError, OSError) as exc:  # FileError is a ValueError
            self._error("Cannot export the picture", str(exc))
            return False
        self._remember_directory(p)
        self._status(f"Exported {p.name} ({size[0]} × {size[1]})")
        return True

    # ------------------------------------------------------------------ window events

    def eventFilter(self, obj, event) -> bool:
        if obj is not self.window:
            return False
        t = event.type()
        if t in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
            if _dropped_scenario(event.mimeData()) is not None:
                event.acceptProposedAction()
                return True
            return False
        if t == QtCore.QEvent.Type.Drop:
            path = _dropped_scenario(event.mimeData())
            if path is None:
                return False
            event.acceptProposedAction()
            # Open after the drop has finished: a question box inside a drop handler would
            # keep the file manager waiting.
            QtCore.QTimer.singleShot(0, lambda: self.open_file(path))
            return True
        if t == QtCore.QEvent.Type.Close:
            if self.window.testAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen):
                return False  # an offscreen render (--screenshot): nobody to ask, no session to keep
            answer = self._settle_changes("closing") if self.ask_on_close else SAVE
            if answer == CANCEL:
                event.ignore()
                return True
            self.remember(discarded=answer == DISCARD)
        return False

    def remember(self, discarded: bool = False) -> None:
        """Store the session (the current scenario and its file) in the settings.

        ``discarded``: the user chose Discard, so the next start must not bring the changes
        back. It reopens the document as last opened or saved, or, if it never had a file,
        starts afresh. The window's geometry and layout are the window's own business
        (``Settings.save_window``).
        """
        if self.settings is None:
            return
        if discarded:
            self.settings.last_scenario = self._clean if self.path is not None else None
            self.settings.set_extra("last_path", str(self.path) if self.path is not None else "")
        else:
            self.settings.last_scenario = self.state.scenario
            self.settings.set_extra("last_path", str(self.path) if self.path is not None and not self._modified else "")
        workspaces = getattr(self.window, "workspaces", None)
        if workspaces is not None:
            workspaces.remember(self.settings, self.state.scenario, discarded)
        self.settings.sync()

    def restore(self, scenario_given: bool = False) -> bool:
        """Reopen the last session's scenario (unless one was given on the command line).

        Returns True if a remembered scenario was loaded. If it was saved unchanged from a
        file that still holds it, the document is that file again.
        """
        if self.settings is None or scenario_given:
            return False
        workspaces = getattr(self.window, "workspaces", None)
        if workspaces is not None:
            workspaces.restore(self.settings)
        scenario = self.settings.last_scenario
        if scenario is None:
            self._set_document(None, self.state.scenario)  # what the dataset workspace shows now is unchanged
            return False
        # The app starts here: there is nothing before it to undo.
        self.state.start_from(scenario)
        path = self.settings.extra("last_path")
        doc: Path | None = None
        if isinstance(path, str) and path:
            try:
                if Scenario.load(path).same_as(scenario):
                    doc = Path(path)
            except ScenarioError:
                pass
        # An untitled session comes back unmodified: it is remembered anyway, asking would nag.
        self._set_document(doc, scenario)
        return True


def _dropped_scenario(mime: QtCore.QMimeData) -> str | None:
    """The local ``.json`` file being dropped, if exactly one."""
    if mime is None or not mime.hasUrls():
        return None
    urls = [u for u in mime.urls() if u.isLocalFile()]
    if len(urls) != 1 or len(mime.urls()) != 1:
        return None
    path = urls[0].toLocalFile()
    return path if path.lower().endswith(".json") else None


def _slug(title: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in title.lower())
    return "-".join(part for part in keep.split("-") if part)[:60]
