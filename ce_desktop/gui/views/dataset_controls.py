"""The dataset workspace's controls: data, labels, model, loss, training and the run.

Every control writes to the :class:`~ce_desktop.gui.dataset_state.DatasetState` through its
methods and follows it back (with its own signals blocked, so it never echoes); a value the
state refuses is put back and the state says why (its ``message`` signal).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ce_desktop.gui import plain_text
from ce_desktop.gui.themes import LIGHT, Theme
from ce_desktop.model import dataset_csv, dataset_generators
from ce_desktop.model import formatting as fmt
from ce_desktop.model.dataset import DatasetError
from ce_desktop.model.dataset_loss import SURPRISES, LossOptions
from ce_desktop.model.optim import OPTIMIZERS
from ce_desktop.model.training import TrainingSettings
from ce_desktop.model.workspace import ACTIVATIONS, INITS, MODEL_KINDS, GeneratorSpec, LabelSettings, ModelSettings

OPTIMIZER_TITLES = {"sgd": "Gradient descent", "momentum": "Momentum", "adam": "Adam"}
MODEL_TITLES = {"linear": "Logistic regression", "mlp": "MLP (one hidden layer)"}


def _spin(lo: int, hi: int, value: int, suffix: str = "") -> QtWidgets.QSpinBox:
    s = QtWidgets.QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setSuffix(suffix)
    s.setKeyboardTracking(False)
    s.setGroupSeparatorShown(True)
    return s


def _dspin(lo: float, hi: float, value: float, decimals: int, step: float,
           suffix: str = "") -> QtWidgets.QDoubleSpinBox:
    s = QtWidgets.QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setValue(value)
    s.setSuffix(suffix)
    s.setKeyboardTracking(False)
    return s


def _combo(items: dict[str, str]) -> QtWidgets.QComboBox:
    c = QtWidgets.QComboBox()
    for key, title in items.items():
        c.addItem(title, key)
    return c


def _select(combo: QtWidgets.QComboBox, key) -> None:
    i = combo.findData(key)
    if i >= 0:
        combo.setCurrentIndex(i)


class DatasetControls(QtWidgets.QScrollArea):
    """The column of controls beside the plane."""

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.theme: Theme = LIGHT
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._body = body = QtWidgets.QWidget()
        self.setWidget(body)
        col = QtWidgets.QVBoxLayout(body)
        col.setContentsMargins(4, 4, 4, 4)
        self._updating = False
        col.addWidget(self._build_run())
        col.addWidget(self._build_data())
        col.addWidget(self._build_labels())
        col.addWidget(self._build_model())
        col.addWidget(self._build_loss())
        col.addWidget(self._build_training())
        col.addStretch(1)
        state.setupChanged.connect(self._on_setup_changed)
        state.gestureFinished.connect(self.follow_state)
        state.positionChanged.connect(self._follow_position)
        state.playingChanged.connect(self._follow_playing)
        state.statusChanged.connect(self._on_status)
        state.classChanged.connect(lambda _c: self.follow_state())
        self.follow_state()
        self._on_status(state.status)

    # ------------------------------------------------------------------ building

    def _group(self, title: str) -> tuple[QtWidgets.QGroupBox, QtWidgets.QFormLayout]:
        box = QtWidgets.QGroupBox(title)
        form = QtWidgets.QFormLayout(box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(6, 4, 6, 4)
        return box, form

    def _build_run(self) -> QtWidgets.QWidget:
        box, form = self._group("Training run")
        row = QtWidgets.QGridLayout()
        self.play_button = QtWidgets.QPushButton("Play")
        self.step_button = QtWidgets.QPushButton("Step")
        self.back_button = QtWidgets.QPushButton("Back")
        self.reset_button = QtWidgets.QPushButton("Reset")
        for k, (b, slot, tip) in enumerate(((self.play_button, self.state.toggle, "Play or pause the training (Space)"),
                             (self.step_button, self.state.step_forward, "One step (→)"),
                             (self.back_button, self.state.step_back, "One step back (←)"),
                             (self.reset_button, self.state.reset, "Start again from the initial parameters"))):
            b.clicked.connect(slot)
            b.setToolTip(tip)
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.TabFocus)
            row.addWidget(b, k // 2, k % 2)
        form.addRow(row)
        self.scrubber = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.scrubber.setRange(0, 0)
        self.scrubber.setAccessibleName("Step shown")
        self.scrubber.valueChanged.connect(self._on_scrub)
        form.addRow("Step", self.scrubber)
        self.status_label = plain_text.label()
        self.status_label.setWordWrap(True)
        form.addRow(self.status_label)
        return box

    def _build_data(self) -> QtWidgets.QWidget:
        box, form = self._group("Data")
        self.generator = QtWidgets.QComboBox()
        for name in dataset_generators.GENERATORS:
            self.generator.addItem(name.replace("_", " ").capitalize(), name)
        self.samples = _spin(dataset_generators.MIN_GENERATED, dataset_generators.MAX_GENERATED, 200)
        self.classes = _spin(2, 10, 3)
        self.seed = _spin(0, 2**31 - 1, 0)
        self.generate_button = QtWidgets.QPushButton("Generate")
        self.generate_button.clicked.connect(self._on_generate)
        form.addRow("Generator", self.generator)
        form.addRow("Points", self.samples)
        form.addRow("Classes", self.classes)
        form.addRow("Seed", self.seed)
        form.addRow(self.generate_button)
        self.builtin = QtWidgets.QComboBox()
        self.builtin.addItem("Built-in data…", "")
        for name in dataset_csv.builtin_datasets():
            self.builtin.addItem(name.replace("_", " "), name)
        self.builtin.activated.connect(self._on_builtin)
        form.addRow(self.builtin)
        files = QtWidgets.QHBoxLayout()
        self.open_csv_button = QtWidgets.QPushButton("Open CSV…")
        self.open_csv_button.setToolTip("Points from a CSV file: x1,x2,label or x1,x2,p_<class>,… (soft labels)")
        self.save_csv_button = QtWidgets.QPushButton("Save CSV…")
        self.save_csv_button.setToolTip("The points and their labels as a CSV file")
        files.addWidget(self.open_csv_button)
        files.addWidget(self.save_csv_button)
        form.addRow(files)
        self.source_label = plain_text.label()
        self.source_label.setWordWrap(True)
        form.addRow(self.source_label)
        self.add_class = QtWidgets.QComboBox()
        self.add_class.setAccessibleName("Class of added points")
        self.add_class.activated.connect(lambda i: self.state.set_add_class(i))
        form.addRow("Click adds", self.add_class)
        return box

    def _build_labels(self) -> QtWidgets.QWidget:
        box, form = self._group("Labels")
        self.noise = _dspin(0.0, 100.0, 0.0, 1, 5.0, " %")
        self.noise_seed = _spin(0, 2**31 - 1, 0)
        self.neighbours = _spin(0, 50, 0)
        self.smoothing = _dspin(0.0, 1.0, 0.0, 3, 0.05)
        self.noise.setToolTip("Flip this share of the hard labels to another class (seeded)")
        self.neighbours.setToolTip("Annotator disagreement: each label becomes the mix of its own and its "
                                   "nearest neighbours' classes")
        self.smoothing.setToolTip("Label smoothing ε (PyTorch's label_smoothing): (1 − ε) y + ε / C")
        for w in (self.noise, self.noise_seed, self.neighbours):
            w.valueChanged.connect(self._on_labels)
        self.smoothing.valueChanged.connect(self._on_loss)
        form.addRow("Label noise", self.noise)
        form.addRow("Noise seed", self.noise_seed)
        form.addRow("Neighbours mixed", self.neighbours)
        form.addRow("Smoothing ε", self.smoothing)
        return box

    def _build_model(self) -> QtWidgets.QWidget:
        box, form = self._group("Model")
        self.model_kind = _combo({k: MODEL_TITLES[k] for k in MODEL_KINDS})
        self.degree = _spin(1, 3, 1)
        self.hidden = _spin(2, 64, 8)
        self.activation = _combo({a: a for a in ACTIVATIONS})
        self.init = _combo({i: "zeros" if i == "zeros" else "random (seeded)" for i in INITS})
        self.init_seed = _spin(0, 2**31 - 1, 0)
        self.degree.setToolTip("Polynomial features: 1 is x1, x2; 2 adds x1², x1·x2, x2²; 3 the cubes")
        for combo in (self.model_kind, self.activation, self.init):
            combo.activated.connect(self._on_model)
        for spin in (self.degree, self.hidden, self.init_seed):
            spin.valueChanged.connect(self._on_model)
        form.addRow("Model", self.model_kind)
        form.addRow("Degree", self.degree)
        form.addRow("Hidden units", self.hidden)
        form.addRow("Activation", self.activation)
        form.addRow("Start", self.init)
        form.addRow("Start seed", self.init_seed)
        return box

    def _build_loss(self) -> QtWidgets.QWidget:
        box, form = self._group("Loss (PyTorch's F.cross_entropy)")
        self.reduction = _combo({"mean": "mean", "sum": "sum"})
        self.reduction.activated.connect(self._on_loss)
        self.weights = QtWidgets.QLineEdit()
        self.weights.setPlaceholderText("all 1")
        self.weights.setToolTip("One weight per class, separated by commas")
        self.weights.editingFinished.connect(self._on_loss)
        self.ignore = QtWidgets.QComboBox()
        self.ignore.activated.connect(self._on_loss)
        form.addRow("Reduction", self.reduction)
        form.addRow("Class weights", self.weights)
        form.addRow("Ignore class", self.ignore)
        self.surprise = plain_text.label()
        self.surprise.setWordWrap(True)
        form.addRow(self.surprise)
        return box

    def _build_training(self) -> QtWidgets.QWidget:
        box, form = self._group("Training")
        self.optimizer = _combo({o: OPTIMIZER_TITLES.get(o, o) for o in OPTIMIZERS})
        self.lr = _dspin(1e-4, 100.0, 0.5, 4, 0.05)
        self.batch = _spin(0, 100_000, 0)
        self.batch.setSpecialValueText("all points")
        self.decay = _dspin(0.0, 10.0, 0.0, 4, 0.001)
        self.max_steps = _spin(1, 100_000, 500)
        self.optimizer.activated.connect(self._on_training)
        for w in (self.lr, self.batch, self.decay, self.max_steps):
            w.valueChanged.connect(self._on_training)
        form.addRow("Optimiser", self.optimizer)
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch size", self.batch)
        form.addRow("Weight decay λ", self.decay)
        form.addRow("Max steps", self.max_steps)
        return box

    # ------------------------------------------------------------------ view → state

    def _on_generate(self) -> None:
        spec = GeneratorSpec(self.generator.currentData(), self.samples.value(), self.classes.value(),
                             self.seed.value())
        self.state.generate(spec)

    def _on_builtin(self, index: int) -> None:
        name = self.builtin.itemData(index)
        self.builtin.setCurrentIndex(0)
        if not name:
            return
        try:
            data = dataset_csv.load_builtin(name)
        except DatasetError as exc:
            self.state.message.emit(str(exc))
            return
        self.state.open_data(data, f"{name}.csv")

    def _on_labels(self) -> None:
        if self._updating:
            return
        ok = self.state.set_labels(LabelSettings(self.noise.value(), self.noise_seed.value(), self.neighbours.value()))
        if not ok:
            self.follow_state()

    def _on_model(self) -> None:
        if self._updating:
            return
        m = ModelSettings(self.model_kind.currentData(), self.degree.value(), self.hidden.value(),
                          self.activation.currentData(), self.init.currentData(), self.init_seed.value())
        if m != self.state.setup.model and not self.state.set_model(m):
            self.follow_state()

    def _on_loss(self) -> None:
        if self._updating:
            return
        text = self.weights.text().strip()
        weight = None
        if text:
            try:  # the one reader of typed numbers; the commas separate the classes' weights
                weight = tuple(fmt.parse_number(v, decimal_comma=False)
                               for v in text.replace(";", ",").split(","))
            except ValueError as exc:
                self.state.message.emit(f"Class weights must be numbers separated by commas: {exc}")
                self.follow_state()
                return
        ignore = self.ignore.currentData()
        loss = LossOptions(self.reduction.currentData(), weight, self.smoothing.value(),
                           -100 if ignore is None else int(ignore))
        if loss != self.state.setup.loss and not self.state.set_loss(loss):
            self.follow_state()

    def _on_training(self) -> None:
        if self._updating:
            return
        old = self.state.setup.training
        t = TrainingSettings(self.optimizer.currentData(), self.lr.value(), old.momentum, old.beta1, old.beta2,
                             old.eps, self.batch.value() or None, old.seed, self.decay.value(), self.max_steps.value(),
                             old.tolerance)
        if t != old and not self.state.set_training(t):
            self.follow_state()

    def _on_scrub(self, k: int) -> None:
        if not self._updating and k != self.state.position:
            self.state.go_to(k)

    # ------------------------------------------------------------------ state → view

    def _on_setup_changed(self) -> None:
        if self.state.gesture_active:  # a point drag: only the number of points can change, at its end
            self._follow_position(self.state.position)
            return
        self.follow_state()

    def follow_state(self) -> None:
        s = self.state.setup
        self._updating = True
        try:
            if s.generator is not None:
                _select(self.generator, s.generator.name)
                self.samples.setValue(s.generator.samples)
                self.classes.setValue(s.generator.classes)
                self.seed.setValue(s.generator.seed)
            n, c = s.data.num_samples, s.data.num_classes
            hard = "hard" if self.state.data.is_hard else "soft"  # the labels the loss sees
            how = ""
            if s.labels.neighbours:
                how = f" (mixed from {s.labels.neighbours} neighbours)"
            elif s.labels.noise_percent:
                how = f" ({s.labels.noise_percent:g} % flipped)"
            self.source_label.setText(f"{s.source}: {n:,} points, {c} classes, {hard} labels{how}")
            self.add_class.clear()
            for k, name in enumerate(s.data.class_names):
                pix = QtGui.QPixmap(12, 12)
                pix.fill(QtGui.QColor(self.theme.class_colours[k % len(self.theme.class_colours)]))
                self.add_class.addItem(QtGui.QIcon(pix), name)
            self.add_class.setCurrentIndex(self.state.add_class)
            self.noise.setValue(s.labels.noise_percent)
            self.noise.setEnabled(s.data.is_hard)
            self.noise_seed.setValue(s.labels.noise_seed)
            self.neighbours.setMaximum(max(0, min(50, n - 1)))
            self.neighbours.setValue(s.labels.neighbours)
            self.smoothing.setValue(s.loss.label_smoothing)
            m = s.model
            _select(self.model_kind, m.kind)
            self.degree.setValue(m.degree)
            self.hidden.setValue(m.hidden)
            _select(self.activation, m.activation)
            _select(self.init, m.init)
            self.init_seed.setValue(m.init_seed)
            mlp = m.kind == "mlp"
            self.hidden.setEnabled(mlp)
            self.activation.setEnabled(mlp)
            _select(self.reduction, s.loss.reduction)
            w = s.loss.weight
            self.weights.setText("" if w is None else ", ".join(f"{v:g}" for v in w))
            self.ignore.clear()
            self.ignore.addItem("none", None)
            for k, name in enumerate(s.data.class_names):
                self.ignore.addItem(name, k)
            _select(self.ignore, s.loss.ignore_index if 0 <= s.loss.ignore_index < c else None)
            self.ignore.setEnabled(self.state.data.is_hard)
            self.surprise.setText(self._surprise_text())
            t = s.training
            _select(self.optimizer, t.optimizer)
            self.lr.setValue(t.learning_rate)
            self.batch.setMaximum(n)
            self.batch.setValue(t.batch_size or 0)
            self.decay.setValue(t.weight_decay)
            self.max_steps.setValue(t.max_steps)
        finally:
            self._updating = False
        self._follow_position(self.state.position)

    def _surprise_text(self) -> str:
        s = self.state.setup
        hard = self.state.data.is_hard
        if s.loss.reduction == "sum":
            return SURPRISES[5]
        if s.loss.weight is not None:
            return SURPRISES[0] if hard else SURPRISES[1]
        if s.loss.label_smoothing > 0:
            return SURPRISES[2]
        return "Mean: the loss is the average CE of the points." if hard else (
            "Soft labels: the loss is the average CE; it cannot go below the mean H(y) of the labels.")

    def _follow_position(self, k: int) -> None:
        self._updating = True
        try:
            self.scrubber.setMaximum(self.state.run.last)
            self.scrubber.setValue(k)
        finally:
            self._updating = False

    def _follow_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    def _on_status(self, text: str) -> None:
        self.status_label.setText(text)

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        f = QtGui.QFont(self.font())
        f.setPixelSize(theme.font_px(13))
        self._body.setFont(f)
        self.follow_state()
        # As wide as the rows need at this text size (no horizontal scrolling, nothing cut).
        bar = self.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(self._body.minimumSizeHint().width() + bar + 2)
