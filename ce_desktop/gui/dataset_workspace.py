"""The dataset workspace: a classifier learning on N points, as the second page of the window.

It composes the views around one :class:`~ce_desktop.gui.dataset_state.DatasetState`: the
controls on the left, the plane in the middle, and on the right the loss and accuracy per step
above tabs for the per-sample losses, the likelihood, the convexity slice and the chosen
sample. A lesson slide asks for panels by name (:data:`PANELS`) and a main plot.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.actions import make_action
from ce_desktop.gui.dataset_state import DatasetState
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.dataset_controls import DatasetControls
from ce_desktop.gui.views.dataset_convexity import ConvexityView
from ce_desktop.gui.views.dataset_likelihood import LikelihoodView
from ce_desktop.gui.views.dataset_plane import PlaneView
from ce_desktop.gui.views.dataset_sample import SamplePanel
from ce_desktop.gui.views.dataset_samples import PerSampleLossView
from ce_desktop.gui.views.dataset_training import TrainingCurves
from ce_desktop.model import dataset_csv, training_code, workspace
from ce_desktop.model.dataset import DatasetError

#: The panels a dataset slide can name.
PANELS = ("plane", "training", "per_sample", "likelihood", "convexity", "sample")
#: The controls column's width (its rows wrap to it).
CONTROLS_WIDTH = 270
#: The tabs under the training curves, in order: panel name → tab title.
TAB_TITLES = {"per_sample": "Per sample", "likelihood": "Likelihood", "convexity": "Convexity", "sample": "Sample"}


class DatasetWorkspace(QtWidgets.QWidget):
    """The page: controls | plane | (training curves over the analysis tabs)."""

    def __init__(self, state: DatasetState | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("dataset_workspace")
        self.state = state or DatasetState(parent=self)
        s = self.state
        self.controls = DatasetControls(s)
        self.plane = PlaneView(s)
        self.training = TrainingCurves(s)
        self.sample = SamplePanel(s)
        self.views: dict[str, QtWidgets.QWidget] = {
            "controls": self.controls, "plane": self.plane, "training": self.training, "sample": self.sample,
        }
        self.views["per_sample"] = PerSampleLossView(s)
        self.views["likelihood"] = LikelihoodView(s)
        self.views["convexity"] = ConvexityView(s)
        self._pages: dict[str, QtWidgets.QWidget] = {}
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("dataset_tabs")
        self.tabs.setDocumentMode(True)
        for panel, title in TAB_TITLES.items():
            if panel in self.views:
                page = self.views[panel]
                if panel == "sample":  # the single-sample views are tall: they scroll rather than squeeze
                    page = QtWidgets.QScrollArea()
                    page.setWidgetResizable(True)
                    page.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
                    page.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
                    page.setWidget(self.views[panel])
                    self.views[panel].setMinimumHeight(420)
                self._pages[panel] = page
                self.tabs.addTab(page, title)
        self.right = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.right.addWidget(self.training)
        self.right.addWidget(self.tabs)
        self.right.setChildrenCollapsible(False)
        self.right.setStretchFactor(0, 2)
        self.right.setStretchFactor(1, 3)
        self.right.setSizes([240, 460])
        self.main = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.main.addWidget(self.controls)
        self.main.addWidget(self.plane)
        self.main.addWidget(self.right)
        self.main.setChildrenCollapsible(False)
        self.main.setStretchFactor(0, 0)
        self.main.setStretchFactor(1, 1)
        self.main.setStretchFactor(2, 1)
        self.main.setSizes([CONTROLS_WIDTH, 480, 530])
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.main)
        self._build_actions()
        self.plane.sigPointClicked.connect(self._on_point_clicked)
        self.controls.open_csv_button.clicked.connect(lambda: self.open_csv())
        self.controls.save_csv_button.clicked.connect(lambda: self.save_csv())

    def _build_actions(self) -> None:
        s = self.state
        self.training_actions = {
            "play": make_action(self, "Play / pause training", s.toggle, "Space", widget=self),
            "step": make_action(self, "Training step", s.step_forward, "Right", widget=self),
            "back": make_action(self, "Training step back", s.step_back, "Left", widget=self),
            "reset": make_action(self, "Reset the training", s.reset, "Ctrl+R", widget=self),
        }

    def _on_point_clicked(self, _i: int) -> None:
        """A click on a point shows its own views (where the slide or the desk shows the Sample tab)."""
        page = self._pages.get("sample")
        k = self.tabs.indexOf(page) if page is not None else -1
        if k >= 0 and self.tabs.isTabVisible(k) and self.tabs.isVisible():
            self.tabs.setCurrentIndex(k)

    # ------------------------------------------------------------------ CSV files

    def ask_open_path(self) -> str:
        """(the Open CSV button) A file dialog; tests replace it."""
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open data (CSV)", "", "CSV files (*.csv);;All files (*)")
        return path

    def ask_save_path(self) -> str:
        """(the Save CSV button) A file dialog; tests replace it."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the data as CSV", "data.csv", "CSV files (*.csv)")
        return path

    def open_csv(self, path: str | None = None) -> bool:
        """Open a CSV file of points (``x1,x2,label`` or ``x1,x2,p_<class>,...``): one undo step.
        A file that cannot be used changes nothing and says which line and why."""
        path = path if path is not None else self.ask_open_path()
        if not path:
            return False
        try:
            data = dataset_csv.read_csv(path)
        except DatasetError as exc:
            self._error("Cannot open the data", str(exc))
            return False
        return self.state.open_data(data, Path(path).name)

    def save_csv(self, path: str | None = None) -> bool:
        """Save the points and their labels (as made, before the label settings) as CSV."""
        path = path if path is not None else self.ask_save_path()
        if not path:
            return False
        p = Path(path)
        if not p.suffix:
            p = p.with_suffix(".csv")
        try:
            dataset_csv.write_csv(self.state.setup.data, p)
        except (DatasetError, OSError) as exc:
            self._error("Cannot save the data", f"{exc}. Nothing was written.")
            return False
        self.state.message.emit(f"Saved {self.state.num_samples:,} points to {p.name}")
        return True

    def _error(self, title: str, text: str) -> None:
        self.state.message.emit(text)
        box = plain_text.message_box(QtWidgets.QMessageBox.Icon.Warning, title, text, parent=self)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()  # not modal to the whole app: the lesson goes on

    def training_code(self, framework: str) -> str:
        """A script (numpy, torch, tensorflow or jax) that trains the same model on the same data
        from the same start with the same settings and prints the losses of steps 0 to the one shown."""
        s = self.state
        return training_code.script_for_run(framework, s.run, s.data.points, workspace.loss_target(s.data),
                                            degree=s.setup.model.degree, steps=s.position)

    # ------------------------------------------------------------------ panels

    def show_panels(self, panels: Iterable[str] | None = None, main: str = "plane") -> None:
        """Show the named panels (all when None); ``main`` gets the most room."""
        want = set(PANELS if panels is None else panels)
        self.plane.setVisible("plane" in want or not want & set(PANELS))
        self.training.setVisible("training" in want)
        tabbed = [p for p in TAB_TITLES if p in want and p in self.views]
        self.tabs.setVisible(bool(tabbed))
        for k in range(self.tabs.count()):
            panel = next(p for p, t in TAB_TITLES.items() if t == self.tabs.tabText(k))
            self.tabs.setTabVisible(k, panel in tabbed)
        if main in tabbed:
            self.tabs.setCurrentWidget(self._pages[main])
        elif tabbed:
            self.tabs.setCurrentWidget(self._pages[tabbed[0]])
        self.right.setVisible(self.training.isVisibleTo(self) or self.tabs.isVisibleTo(self))
        c = self.controls.minimumWidth() if self.controls.isVisibleTo(self) else 0
        room = max(400, self.width() - c)
        aside = main in ("training",) + tuple(TAB_TITLES)
        share = 0.38 if aside else 0.55  # the plane's share of the width beside the controls
        self.main.setSizes([c, int(room * share), room - int(room * share)])
        height = max(300, self.right.height())
        top = 0.6 if main == "training" else (0.35 if main in TAB_TITLES else 0.45)
        self.right.setSizes([int(height * top), height - int(height * top)])

    def tab_page(self, panel: str) -> QtWidgets.QWidget:
        """The tab that shows ``panel`` ("per_sample", "likelihood", "convexity", "sample")."""
        return self._pages[panel]

    def show_tab(self, panel: str) -> None:
        """Bring ``panel``'s tab to the front."""
        self.tabs.setCurrentWidget(self._pages[panel])

    def show_controls(self, on: bool) -> None:
        self.controls.setVisible(bool(on))

    def apply_theme(self, theme: Theme = LIGHT) -> None:
        for v in self.views.values():
            if hasattr(v, "apply_theme"):
                v.apply_theme(theme)
        f = QtGui.QFont(self.tabs.font())
        f.setPixelSize(theme.font_px(13))
        self.tabs.tabBar().setFont(f)
