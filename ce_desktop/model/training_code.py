"""Scripts that train the same model on the same data as a :class:`TrainingRun`, in NumPy,
PyTorch, TensorFlow (Keras) or JAX, and print the same losses: what ``python main.py train
--code numpy|torch|tensorflow|jax`` prints.

Each script holds its data, its starting parameters and every setting as literals, so it runs on
its own and prints one line per step, ``step loss``, the loss over every point after that many
steps, as ``train --json``'s ``loss``. The model is the linear one (with polynomial features) or
the one-hidden-layer MLP. The loss is PyTorch's ``F.cross_entropy`` everywhere: PyTorch's own
function in the PyTorch script, the same formula written out in the others (whose frameworks
define class weights and the mean differently). The gradient is the framework's autodiff
(written out by hand in NumPy); the optimiser is ``torch.optim`` in PyTorch and written out in
the others, as :func:`~ce_desktop.model.optim.optimizer_update` does it. The texts of the scripts
are :mod:`~ce_desktop.model.training_code_frameworks`.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ce_desktop.model import training_code_frameworks as texts
from ce_desktop.model.classifier import ACTIVATIONS, MLP
from ce_desktop.model.types import FloatArray

if TYPE_CHECKING:
    from ce_desktop.model.training import TrainingRun

__all__ = ["FRAMEWORKS", "MODELS", "training_script", "script_for_run"]

#: The frameworks a script can be written for.
FRAMEWORKS = ("numpy", "torch", "tensorflow", "jax")
#: The models: ``"linear"`` (softmax(W x + b)) and ``"mlp"`` (one hidden layer).
MODELS = ("linear", "mlp")

_TITLES = {
    "linear": "Multinomial logistic regression, softmax(W x + b)",
    "mlp": "A one-hidden-layer MLP, softmax(W2 act(W1 x + b1) + b2)",
}

_HEADER = '''"""$title, trained with PyTorch's cross-entropy.

$description

Exported by CE Explorer (python main.py train ... --code $framework); prints "step loss" for
steps 0..$steps, the loss over every point (as train --json's "loss").
"""
'''


def _literal(a: Any) -> str:
    """A Python literal of ``a`` whose floats read back exactly (``repr``)."""
    if a is None:
        return "None"
    arr = np.asarray(a)
    if arr.ndim == 0:
        return repr(arr.item())
    return "[" + ", ".join(_literal(v) for v in arr) + "]"


def _model_fields(model: str, start: Sequence[Any], activation: str) -> dict[str, str]:
    if model == "linear":
        if len(start) != 2:
            raise ValueError(f"a linear model starts from (W, b), got {len(start)} arrays")
        return {"w": _literal(start[0]), "b": _literal(start[1])}
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    if len(start) != 4:
        raise ValueError(f"an MLP starts from (W1, b1, W2, b2), got {len(start)} arrays")
    w1, b1, w2, b2 = start
    numpy_activation, numpy_derivative = texts.NUMPY_ACTIVATION[activation]
    return {
        "hidden": repr(int(np.shape(w1)[0])), "activation": repr(activation),
        "w1": _literal(w1), "b1": _literal(b1), "w2": _literal(w2), "b2": _literal(b2),
        "numpy_activation": numpy_activation, "numpy_derivative": numpy_derivative,
        "torch_activation": texts.TORCH_ACTIVATION[activation], "jax_activation": texts.JAX_ACTIVATION[activation],
    }


def training_script(
    framework: str, points: FloatArray, target: Any, *, model: str = "linear", start: Sequence[Any],
    activation: str = "tanh", class_weights: Any = None, label_smoothing: float = 0.0, ignore_index: int = -100,
    reduction: str = "mean", degree: int = 1, optimizer: str = "sgd", learning_rate: float = 0.5,
    momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
    batch_size: int | None = None, seed: int = 0, weight_decay: float = 0.0, steps: int = 100,
) -> str:
    """The script in ``framework`` (:data:`FRAMEWORKS`) for ``model`` (:data:`MODELS`).

    Parameters
    ----------
    points : array_like, shape (N, 2)
        The raw points; the script makes the polynomial features of ``degree`` itself.
    target : array_like
        Class indices (int, N) or probabilities (N x C), as
        :func:`~ce_desktop.model.dataset_loss.cross_entropy` takes them.
    start : sequence of array_like
        The starting parameters: ``(W, b)`` for the linear model, ``(W1, b1, W2, b2)`` for the
        MLP, laid out as :class:`~ce_desktop.model.classifier.LinearParams` and
        :class:`~ce_desktop.model.classifier.MLPParams` (``W`` is classes x inputs).
    activation : str
        The MLP's, ``"tanh"`` or ``"relu"``.
    The others are :class:`~ce_desktop.model.dataset_loss.LossOptions`' and
    :class:`~ce_desktop.model.training.TrainingSettings`' fields; ``steps`` is how many steps to take.
    """
    if framework not in FRAMEWORKS:
        raise ValueError(f"no script for {framework!r}: choose one of {', '.join(FRAMEWORKS)}")
    if model not in MODELS:
        raise ValueError(f"no script for the model {model!r}: choose one of {', '.join(MODELS)}")
    t = np.asarray(target)
    c = len(start[-1])
    ii = int(ignore_index)
    fields = dict(
        points=_literal(points), target=_literal(t), classes=repr(c),
        target_kind="class indices" if np.issubdtype(t.dtype, np.integer) else "probabilities, one row per point",
        weights=_literal(class_weights), smoothing=repr(float(label_smoothing)), ignore_index=repr(ii),
        ignore_note=f"the points of class {ii}" if 0 <= ii < c else "none, as PyTorch's default",
        reduction=repr(reduction), degree=repr(int(degree)), optimizer=repr(optimizer),
        lr=repr(float(learning_rate)), momentum=repr(float(momentum)), beta1=repr(float(beta1)),
        beta2=repr(float(beta2)), eps=repr(float(eps)), batch="None" if batch_size is None else repr(int(batch_size)),
        seed=repr(int(seed)), weight_decay=repr(float(weight_decay)), steps=repr(int(steps)),
        **_model_fields(model, start, activation),
    )
    helpers, models, body = texts.BODIES[framework]
    header = string.Template(_HEADER).substitute(
        title=_TITLES[model], description=texts.DESCRIPTIONS[framework], framework=framework, steps=int(steps))
    source = (texts.IMPORTS[framework] + texts.SETTINGS + texts.START[model] + helpers
              + body.replace("$model", models[model]))
    return header + "\n" + string.Template(source).substitute(fields)


def script_for_run(
    framework: str, run: TrainingRun, points: FloatArray, target: Any, *, degree: int = 1, steps: int | None = None,
) -> str:
    """:func:`training_script` for what ``run`` trains: its model, starting parameters, loss and settings.

    ``points`` are the raw 2-D points whose polynomial features of ``degree`` are the run's
    inputs, ``target`` the target the run was given; ``steps`` defaults to the run's last step.
    """
    m = run.model
    start = m.unpack(run.params_at(0))
    o, s = run.options, run.settings
    return training_script(
        framework, points, target, model="mlp" if isinstance(m, MLP) else "linear", start=list(start),
        activation=m.activation if isinstance(m, MLP) else "tanh", class_weights=o.weight,
        label_smoothing=o.label_smoothing, ignore_index=o.ignore_index, reduction=o.reduction, degree=degree,
        optimizer=s.optimizer, learning_rate=s.learning_rate, momentum=s.momentum, beta1=s.beta1, beta2=s.beta2,
        eps=s.eps, batch_size=s.batch_size, seed=s.seed, weight_decay=s.weight_decay,
        steps=run.last if steps is None else steps,
    )
