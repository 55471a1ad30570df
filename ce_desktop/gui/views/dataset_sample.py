"""One point of the data set in the explorer's single-sample views: its label y, the model's ŷ,
each class's share of its CE, the gradient ŷ − y and CE = H + KL, following the training.

The views are the explorer's own (readouts, bar charts, per-class plot, gradient), drawn from
an :class:`~ce_desktop.gui.state.ExplorerState` of their own that this panel fills with the
chosen point's label and logits at the step shown. They only show: the point's label is
edited on the plane, and "Open in the explorer" copies the sample there to play with.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.state import ExplorerState
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.gui.views.contributions import ContributionPlot
from ce_desktop.gui.views.editors import PredictionEditor, TargetEditor
from ce_desktop.gui.views.gradient import GradientPlot
from ce_desktop.gui.views.readouts import ReadoutPanel
from ce_desktop.model.scenario import Scenario, ScenarioError

PROMPT = "Click a point on the plane to see its y, ŷ and CE = H + KL here."


class SamplePanel(QtWidgets.QWidget):
    """The chosen point's single-sample views."""

    #: Asks the window to open this sample in the explorer workspace (carries the scenario).
    sigOpenInExplorer = QtCore.Signal(object)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.sample_state = ExplorerState()
        s = self.sample_state
        self.target = TargetEditor(s)
        self.prediction = PredictionEditor(s)
        self.readouts = ReadoutPanel(s)
        self.contributions = ContributionPlot(s)
        self.gradient = GradientPlot(s)
        for v in (self.target, self.prediction, self.contributions, self.gradient):
            # Shown, not edited here: the label is edited on the plane, ŷ is the model's.
            v.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            v.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.readouts.set_columns(2)  # beside the plane there is room for two cards a row
        self.readouts.explanation.hide()
        self.heading = plain_text.label(PROMPT)
        self.heading.setWordWrap(True)
        self.open_button = QtWidgets.QPushButton("Open in the explorer")
        self.open_button.setToolTip("Copy this point's y and logits into the explorer workspace")
        self.open_button.clicked.connect(self._on_open)
        top = QtWidgets.QVBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.open_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        grid = QtWidgets.QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.target, 0, 0)
        grid.addWidget(self.prediction, 0, 1)
        grid.addWidget(self.contributions, 1, 0)
        grid.addWidget(self.gradient, 1, 1)
        for v in (self.target, self.prediction, self.contributions, self.gradient):
            v.setMinimumSize(120, 90)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(self.readouts)
        lay.addLayout(grid, 1)
        self._spacer = QtWidgets.QWidget()  # keeps the prompt at the top while no point is chosen
        lay.addWidget(self._spacer, 1)
        self.views = (self.target, self.prediction, self.readouts, self.contributions, self.gradient)
        state.selectionChanged.connect(self.refresh)
        state.positionChanged.connect(self.refresh)
        state.setupChanged.connect(self.refresh)
        self.refresh()

    def scenario(self) -> Scenario | None:
        """The chosen point as a single-sample scenario at the step shown (None: no point)."""
        i = self.state.selected
        if i < 0:
            return None
        y, z = self.state.sample_scenario_parts(i)
        try:
            return Scenario.create(y, logits=z, class_names=self.state.class_names,
                                   label_smoothing=self.state.setup.loss.label_smoothing,
                                   title=f"Point {i + 1} of {self.state.setup.source}")
        except ScenarioError:
            return None

    def refresh(self, *_args) -> None:
        sc = self.scenario()
        has = sc is not None
        for v in self.views:
            v.setVisible(has)
        self.open_button.setEnabled(has)
        self._spacer.setVisible(not has)
        if sc is None:
            self.heading.setText(PROMPT)
            return
        i = self.state.selected
        x1, x2 = self.state.setup.data.points[i]
        self.heading.setText(f"Point {i + 1} at ({x1:.3g}, {x2:.3g}), step {self.state.position:,}")
        cur = self.sample_state.scenario
        if cur.class_names == sc.class_names and cur.label_smoothing == sc.label_smoothing and cur.logits is not None:
            # The same classes, new numbers (a frame of the run, another point): no restyling.
            self.sample_state.show_run_step(sc)
        else:
            self.sample_state.start_from(sc)

    def _on_open(self) -> None:
        sc = self.scenario()
        if sc is not None:
            self.sigOpenInExplorer.emit(sc)

    def apply_theme(self, theme: Theme = LIGHT) -> None:
        for v in self.views:
            v.apply_theme(theme)
        f = QtGui.QFont(self.heading.font())
        f.setPixelSize(theme.font_px(13))
        self.heading.setFont(f)
        self.open_button.setFont(f)
