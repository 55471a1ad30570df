"""Export what the explorer shows as text: per-class tables, code snippets, trajectories.

No Qt (the command line's ``report`` uses this); pictures are :mod:`ce_desktop.gui.pictures`,
and every file reaches the disk through :func:`ce_desktop.model.user_files.write_file_atomic`.
Every number comes from the core (through ``Scenario.evaluate()``); nothing here computes a loss.
Infinite values are written as ``inf`` / ``-inf`` and ``-0.0`` as ``0.0``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import numpy as np

from ce_desktop.model import distributions
from ce_desktop.model.scenario import Scenario

if TYPE_CHECKING:
    from ce_desktop.model.descent_run import DescentRun

__all__ = [
    "TABLE_COLUMNS",
    "table_rows",
    "table_csv",
    "table_tsv",
    "CODE_KINDS",
    "code_snippet",
    "trajectory_csv",
    "run_rows",
]

#: Columns of the per-class table, in order.
TABLE_COLUMNS = ("class", "target", "prediction", "logit", "ce_term", "entropy_term", "kl_term", "gradient")


class HoldsScenario(Protocol):
    """Anything that holds a scenario (the window's ``ExplorerState``)."""

    @property
    def scenario(self) -> Scenario: ...


#: What the exports take: a scenario, or the state holding the one shown.
ScenarioSource: TypeAlias = "Scenario | HoldsScenario"


def _scenario_of(obj: ScenarioSource) -> Scenario:
    """Accept a Scenario or anything holding one (an ExplorerState)."""
    if isinstance(obj, Scenario):
        return obj
    s = getattr(obj, "scenario", None)
    if isinstance(s, Scenario):
        return s
    raise TypeError(f"expected a Scenario or an object with a .scenario, got {type(obj).__name__}")


def _fmt(v: float) -> str:
    """Shortest text that reads back as the same float; ``inf``/``-inf``; never ``-0.0``."""
    v = float(v)
    if math.isnan(v):  # the core never returns NaN for valid input; say so plainly if it ever did
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v + 0.0)


# --------------------------------------------------------------------------- table


def table_rows(scenario: ScenarioSource) -> list[dict[str, Any]]:
    """One dict per class with the keys of :data:`TABLE_COLUMNS`.

    ``target`` is the effective target (after label smoothing), the one the loss uses.
    ``logit`` is the edited logit in logits mode, else ``log p`` shifted so the largest is
    0 (``-inf`` for a zero probability). The three ``*_term`` columns are in the scenario's
    units and sum to CE, H(y) and KL; ``gradient`` is dCE/dz in nats.
    """
    s = _scenario_of(scenario)
    ev = s.evaluate()
    y = s.effective_target
    logits = s.logits if s.logits is not None else distributions.logits_from_probabilities(s.prediction)
    c = ev.contributions
    return [
        {
            "class": s.class_names[i],
            "target": float(y[i]),
            "prediction": float(s.prediction[i]),
            "logit": float(logits[i]),
            "ce_term": float(c.cross_entropy[i]),
            "entropy_term": float(c.entropy[i]),
            "kl_term": float(c.kl_divergence[i]),
            "gradient": float(ev.gradient[i]),
        }
        for i in range(s.num_classes)
    ]


def _table(scenario: ScenarioSource, dialect: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, dialect=dialect, lineterminator="\n")
    w.writerow(TABLE_COLUMNS)
    for row in table_rows(scenario):
        w.writerow([row["class"]] + [_fmt(row[k]) for k in TABLE_COLUMNS[1:]])
    return buf.getvalue()


def table_csv(scenario: ScenarioSource) -> str:
    """The per-class table as CSV (header + one row per class)."""
    return _table(scenario, "excel")


def table_tsv(scenario: ScenarioSource) -> str:
    """The per-class table as tab-separated text, which pastes into a spreadsheet."""
    return _table(scenario, "excel-tab")


# --------------------------------------------------------------------------- trajectory


def _field(row: object, *names: str) -> Any:
    for name in names:
        if isinstance(row, Mapping):
            if name in row:
                return row[name]
        elif hasattr(row, name):
            return getattr(row, name)
    raise KeyError(f"a trajectory row has none of the fields {', '.join(names)}")


def run_rows(run: DescentRun) -> list[dict[str, Any]]:
    """The steps of a descent run (``descent.DescentRun``) as rows for :func:`trajectory_csv`.

    Every recorded step, from the start (step 0) to the newest, whatever step is shown.
    """
    ce = run.cross_entropy
    kl = run.kl_divergence
    z = run.logits_history
    h = float(run.entropy)
    return [
        {"step": k, "loss": float(ce[k]), "kl": float(kl[k]), "entropy": h, "logits": z[k].tolist()}
        for k in range(len(ce))
    ]


def trajectory_csv(rows: Iterable[object], class_names: Sequence[str] | None = None) -> str:
    """A descent run as CSV: ``step, loss, kl, entropy, logit_1 .. logit_C``.

    Parameters
    ----------
    rows : iterable
        Mappings or objects with ``step``, ``loss`` (or ``cross_entropy``), ``kl`` (or
        ``kl_divergence``), ``entropy`` and ``logits`` (a sequence of C numbers).
    class_names : sequence of str, optional
        Names the logit columns ``logit_<name>`` instead of ``logit_<k>``.
    """
    rows = list(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    width = len(np.atleast_1d(_field(rows[0], "logits"))) if rows else (len(class_names) if class_names else 0)
    if class_names is not None and len(class_names) == width:
        labels = [f"logit_{name}" for name in class_names]
    else:
        labels = [f"logit_{k + 1}" for k in range(width)]
    w.writerow(["step", "loss", "kl", "entropy", *labels])
    for row in rows:
        z = [float(v) for v in np.atleast_1d(_field(row, "logits"))]
        if len(z) != width:
            raise ValueError(f"trajectory rows have different numbers of logits ({width} and {len(z)})")
        w.writerow(
            [
                int(_field(row, "step")),
                _fmt(_field(row, "loss", "cross_entropy")),
                _fmt(_field(row, "kl", "kl_divergence")),
                _fmt(_field(row, "entropy")),
                *(_fmt(v) for v in z),
            ]
        )
    return buf.getvalue()


# --------------------------------------------------------------------------- code


def _array(values: Iterable[float], indent: int = 4) -> str:
    """A Python list literal of floats, wrapped for long vectors."""
    return _wrapped([_py_float(v) for v in values], indent)


def _wrapped(items: list[str], indent: int = 4) -> str:
    body = ", ".join(items)
    if len(body) <= 72:
        return f"[{body}]"
    pad = " " * indent
    lines, line = [], ""
    for item in items:
        piece = f"{item},"
        if line and len(line) + 1 + len(piece) > 76 - indent:
            lines.append(line)
            line = piece
        else:
            line = f"{line} {piece}" if line else piece
    lines.append(line)
    return "[\n" + "\n".join(pad + ln for ln in lines) + "\n]"


def _py_float(v: float) -> str:
    v = float(v)
    if math.isinf(v):
        return "float('inf')" if v > 0 else "float('-inf')"
    return repr(v + 0.0)


def _one_hot_index(y: np.ndarray) -> int | None:
    """The class index when ``y`` is exactly one-hot, else None."""
    ones = np.flatnonzero(y == 1.0)
    if ones.size == 1 and np.count_nonzero(y) == 1:
        return int(ones[0])
    return None


_TQ = '"' * 3


def _header(s: Scenario, kind: str) -> list[str]:
    # One line, and no closing quotes or backslashes that could end the docstring early.
    title = " ".join((s.title or "a scenario").split()).replace('"', "'").replace("\\", "/")
    return [
        f"{_TQ}Cross-entropy of one sample, from CE Explorer: {title}.",
        "",
        f"Units: {s.units}. Reproduces the numbers the app shows; needs {kind} only.",
        _TQ,
    ]


def _numpy_snippet(s: Scenario) -> str:
    L = _header(s, "NumPy")
    L += ["import numpy as np", ""]
    L.append(f"classes = {_wrapped([repr(n) for n in s.class_names])}")
    L.append(f"target = np.array({_array(s.target)})  # y")
    if s.label_smoothing:
        L.append(f"label_smoothing = {_py_float(s.label_smoothing)}")
        L.append("y = target * (1 - label_smoothing) + label_smoothing / len(target)  # as in PyTorch")
    else:
        L.append("y = target")
    L.append(f"temperature = {_py_float(s.temperature)}")
    if s.logits is not None:
        L.append(f"logits = np.array({_array(s.logits)})  # z")
        L += [
            "",
            "# log-softmax of z / T, shifted by the largest logit so nothing overflows",
            "shifted = (logits - logits.max()) / temperature",
            "log_p = shifted - np.log(np.exp(shifted).sum())",
            "prediction = np.exp(log_p)  # y_hat = softmax(z / T)",
        ]
    else:
        L.append(f"prediction = np.array({_array(s.prediction)})  # y_hat")
        L += [
            "",
            'with np.errstate(divide="ignore"):',
            "    log_p = np.log(prediction)  # log 0 = -inf: an honest infinite loss",
        ]
    L += [
        "",
        "# -y_i log y_hat_i, with 0 log 0 = 0",
        'with np.errstate(divide="ignore", invalid="ignore"):',
        "    terms = np.where(y > 0, -y * log_p, 0.0)",
    ]
    if s.units == "bits":
        L.append("terms = terms / np.log(2)  # bits")
    L += [
        "cross_entropy = terms.sum()",
        "gradient = (prediction - y) / temperature  # dCE/dz in nats: y_hat - y at T = 1",
        'with np.errstate(divide="ignore", invalid="ignore"):',
        "    log_y = np.log(np.where(y > 0, y, 1.0))",
        "    entropy = -np.where(y > 0, y * log_y, 0.0).sum()  # H(y)",
        "    kl_divergence = np.where(y > 0, y * (log_y - log_p), 0.0).sum()  # KL(y || y_hat)",
    ]
    if s.units == "bits":
        L += ["entropy, kl_divergence = entropy / np.log(2), kl_divergence / np.log(2)"]
    L += [
        "",
        *(f'print("{name} =", float({name}) + 0.0, "{s.units}")'
          for name in ("cross_entropy", "entropy", "kl_divergence")),
        'print("gradient =", gradient.tolist())',
    ]
    return "\n".join(L) + "\n"


def _torch_snippet(s: Scenario) -> str:
    L = _header(s, "PyTorch")
    L += ["import math", ""] if s.units == "bits" else []
    L += ["import torch", "import torch.nn.functional as F", ""]
    L.append(f"classes = {_wrapped([repr(n) for n in s.class_names])}")
    index = _one_hot_index(s.target)
    if index is not None:
        L.append(f"target = torch.tensor([{index}])  # the true class ({s.class_names[index]!r}), a batch of one")
    else:
        L.append(f"target = torch.tensor([{_array(s.target, 8)}], dtype=torch.float64)  # class probabilities")
    T = s.temperature
    eps = s.label_smoothing
    smoothing = f", label_smoothing={_py_float(eps)}" if eps else ""
    scale = " / math.log(2)" if s.units == "bits" else ""
    if s.logits is not None:
        L.append(f"logits = torch.tensor([{_array(s.logits, 8)}], dtype=torch.float64, requires_grad=True)")
        L.append(f"temperature = {_py_float(T)}")
        L.append("")
        L.append(f"loss = F.cross_entropy(logits / temperature, target{smoothing})")
        L.append("loss.backward()")
        L.append("gradient = logits.grad[0]  # (y_hat - y) / T")
    else:
        p = s.prediction
        y = s.effective_target
        L.append(f"prediction = torch.tensor([{_array(p, 8)}], dtype=torch.float64)")
        if T != 1.0:
            L.append(f"temperature = {_py_float(T)}")
        if np.any((p == 0) & (y == 0)) and index is None and not eps:
            # F.cross_entropy would compute 0 * log 0 = NaN here; xlogy defines it as 0.
            L.append("# A zero probability on a class the target also gives 0: F.cross_entropy would")
            L.append("# compute 0 * log 0 = NaN, so the sum is written out with xlogy (0 log 0 = 0).")
            L.append("loss = -torch.xlogy(target, prediction).sum()")
            grad = "(prediction - target)[0]" + (" / temperature" if T != 1.0 else "")
            L.append(f"gradient = {grad}  # dCE/dz")
        else:
            L.append("# log-probabilities are logits: softmax(log p) = p")
            if T != 1.0:
                L.append("logits = (temperature * prediction.log()).requires_grad_()")
                L.append("")
                L.append(f"loss = F.cross_entropy(logits / temperature, target{smoothing})")
            else:
                L.append("logits = prediction.log().requires_grad_()")
                L.append("")
                L.append(f"loss = F.cross_entropy(logits, target{smoothing})")
            L.append("loss.backward()")
            L.append("gradient = logits.grad[0]  # dCE/dz = y_hat - y" + (" (over T)" if T != 1.0 else ""))
    L += [
        "",
        f'print("cross_entropy =", loss.item(){scale}, "{s.units}")',
        'print("gradient =", gradient.tolist())',
    ]
    return "\n".join(L) + "\n"


def _target_lines(s: Scenario, array: str, dtype: str = "") -> list[str]:
    """``target`` and the smoothed ``y`` the loss uses, as ``array(...)`` of the framework."""
    L = [f"classes = {_wrapped([repr(n) for n in s.class_names])}",
         f"target = {array}({_array(s.target)}{dtype})  # y"]
    if s.label_smoothing:
        L.append(f"label_smoothing = {_py_float(s.label_smoothing)}")
        L.append("y = target * (1 - label_smoothing) + label_smoothing / len(classes)  # as in PyTorch")
    else:
        L.append("y = target")
    L.append(f"temperature = {_py_float(s.temperature)}")
    return L


def _printed_lines(s: Scenario, gradient: str) -> list[str]:
    scale = " / math.log(2)" if s.units == "bits" else ""
    return [
        "",
        *(f'print("{name} =", float({name}){scale} + 0.0, "{s.units}")  # + 0.0: never -0.0'
          for name in ("cross_entropy", "entropy", "kl_divergence")),
        f'print("gradient =", {gradient})',
    ]


def _tensorflow_snippet(s: Scenario) -> str:
    L = _header(s, "TensorFlow")
    L += ["import os", ""]
    L += ['os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a quieter start',
          'os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the plain kernels', ""]
    L += ["import math  # noqa: E402", ""] if s.units == "bits" else []
    L += ["import tensorflow as tf  # noqa: E402", ""]
    L += _target_lines(s, "tf.constant", ", dtype=tf.float64")
    if s.logits is not None:
        L.append(f"logits = tf.Variable({_array(s.logits)}, dtype=tf.float64)  # z")
    else:
        L.append(f"prediction = tf.constant({_array(s.prediction)}, dtype=tf.float64)  # y_hat")
        L.append("# logits whose softmax(z / T) is the prediction (log 0 = -inf: an honest infinite loss)")
        L.append("logits = tf.Variable(temperature * tf.math.log(prediction))")
    L += [
        "",
        "with tf.GradientTape() as tape:",
        "    log_p = tf.nn.log_softmax(logits / temperature)",
        "    # -sum y_i log y_hat_i with 0 log 0 = 0: multiply_no_nan is 0 where y_i = 0, even if log y_hat_i = -inf",
        "    cross_entropy = -tf.reduce_sum(tf.math.multiply_no_nan(log_p, y))",
        "gradient = tape.gradient(cross_entropy, logits)  # dCE/dz in nats: (y_hat - y) / T",
        "entropy = -tf.reduce_sum(tf.math.xlogy(y, y))  # H(y)",
        "kl_divergence = tf.reduce_sum(tf.math.xlogy(y, y) - tf.math.multiply_no_nan(log_p, y))  # KL(y || y_hat)",
    ]
    L += _printed_lines(s, "gradient.numpy().tolist()")
    return "\n".join(L) + "\n"


def _jax_snippet(s: Scenario) -> str:
    L = _header(s, "JAX")
    L += ["import math", ""] if s.units == "bits" else []
    L += ["import jax", "import jax.numpy as jnp", "from jax.scipy.special import xlogy", "",
          'jax.config.update("jax_enable_x64", True)  # float64, as CE Explorer computes', ""]
    L += _target_lines(s, "jnp.array")
    if s.logits is not None:
        L.append(f"logits = jnp.array({_array(s.logits)})  # z")
    else:
        L.append(f"prediction = jnp.array({_array(s.prediction)})  # y_hat")
        L.append("# logits whose softmax(z / T) is the prediction (log 0 = -inf: an honest infinite loss)")
        L.append("logits = temperature * jnp.log(prediction)")
    L += [
        "",
        "",
        "def cross_entropy_of(z):",
        "    log_p = jax.nn.log_softmax(z / temperature)",
        "    return -jnp.where(y > 0, y * log_p, 0.0).sum()  # -sum y_i log y_hat_i, with 0 log 0 = 0",
        "",
        "",
        "cross_entropy, gradient = jax.value_and_grad(cross_entropy_of)(logits)  # dCE/dz in nats: (y_hat - y) / T",
        "log_p = jax.nn.log_softmax(logits / temperature)",
        "entropy = -xlogy(y, y).sum()  # H(y)",
        "kl_divergence = jnp.where(y > 0, xlogy(y, y) - y * log_p, 0.0).sum()  # KL(y || y_hat)",
    ]
    L += _printed_lines(s, "gradient.tolist()")
    return "\n".join(L) + "\n"


#: The kinds of :func:`code_snippet`.
CODE_KINDS = ("numpy", "torch", "tensorflow", "jax")
_SNIPPETS = {"numpy": _numpy_snippet, "torch": _torch_snippet, "tensorflow": _tensorflow_snippet, "jax": _jax_snippet}


def code_snippet(scenario: ScenarioSource, kind: str) -> str:
    """A short self-contained script that reproduces the scenario's numbers.

    Parameters
    ----------
    scenario : Scenario or ExplorerState
    kind : {"numpy", "torch", "tensorflow", "jax"}
        :data:`CODE_KINDS`. ``"torch"`` uses ``torch.nn.functional.cross_entropy`` (class index
        or class probabilities as the target; temperature and label smoothing included);
        ``"tensorflow"`` and ``"jax"`` write the sum out in their ops and take the gradient by
        their autodiff (``tf.GradientTape``, ``jax.grad``), in float64.

    Returns
    -------
    str
        Python source that prints ``cross_entropy = <value> <units>`` and the gradient; the
        NumPy, TensorFlow and JAX ones also ``entropy`` (H(y)) and ``kl_divergence``.
    """
    s = _scenario_of(scenario)
    make = _SNIPPETS.get(kind)
    if make is None:
        raise ValueError(f"unknown code kind {kind!r}; choose one of {', '.join(CODE_KINDS)}")
    return make(s)
