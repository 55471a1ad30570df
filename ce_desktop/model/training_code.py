"""Scripts that train the same linear model on the same data as a :class:`TrainingRun`, in NumPy
or PyTorch, and print the same losses: what ``python main.py train --code numpy|torch`` prints.

Each script holds its data, its starting parameters and every setting as literals, so it runs on
its own (NumPy, or PyTorch's ``F.cross_entropy`` and ``torch.optim``) and prints one line per
step, ``step loss``, the loss over every point after that many steps, as ``train --json``'s
``loss``. Only the linear model (with polynomial features) is exported for now.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ce_desktop.model.types import FloatArray

FRAMEWORKS = ("numpy", "torch")


def _literal(a: Any) -> str:
    """A Python literal of ``a`` whose floats read back exactly (``repr``)."""
    if a is None:
        return "None"
    arr = np.asarray(a)
    if arr.ndim == 0:
        return repr(arr.item())
    return "[" + ", ".join(_literal(v) for v in arr) + "]"


_HEADER = '''"""Multinomial logistic regression, softmax(W x + b), trained with PyTorch's cross-entropy.

Exported by CE Explorer (python main.py train ... --code {framework}); prints "step loss" for
steps 0..{steps}, the loss over every point (as train --json's "loss").
"""
'''

_SETTINGS = '''
POINTS = {points}
TARGET = {target}  # {target_kind}
CLASS_WEIGHTS = {weights}
LABEL_SMOOTHING = {smoothing!r}
REDUCTION = {reduction!r}
DEGREE = {degree!r}
OPTIMIZER = {optimizer!r}
LR = {lr!r}
MOMENTUM = {momentum!r}
BETA1, BETA2, EPS = {beta1!r}, {beta2!r}, {eps!r}
BATCH_SIZE = {batch}  # None: every step uses every point
SEED = {seed!r}  # the mini-batches' shuffling: numpy.random.default_rng([SEED, epoch])
WEIGHT_DECAY = {weight_decay!r}  # adds WEIGHT_DECAY / 2 * sum(W ** 2) (not b) to the loss
STEPS = {steps!r}
W0 = {w0}
B0 = {b0}


def features(points, degree):
    """x1, x2; then x1^2, x1*x2, x2^2; then x1^3, x1^2*x2, x1*x2^2, x2^3."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([x1 ** (k - j) * x2 ** j for k in range(1, degree + 1) for j in range(k + 1)], axis=1)


def batches(n, epoch):
    order = np.random.default_rng([SEED, epoch]).permutation(n)
    return [order[i:i + BATCH_SIZE] for i in range(0, n, BATCH_SIZE)]
'''

_NUMPY = '''
import numpy as np
''' + _SETTINGS + '''

def loss_and_gradients(x, target, w, b):
    """PyTorch's F.cross_entropy (weight, label_smoothing, reduction) + the L2 term, and its gradients."""
    c = w.shape[0]
    cw = np.ones(c) if CLASS_WEIGHTS is None else np.asarray(CLASS_WEIGHTS, float)
    z = x @ w.T + b
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    eps = LABEL_SMOOTHING
    if target.ndim == 1:  # class indices: the mean divides by the weights of the samples' classes
        sample_w = cw[target]
        coef = (1 - eps) * sample_w[:, None] * np.eye(c)[target] + eps / c * cw[None, :]
        denominator = sample_w.sum()
    else:  # probabilities: the mean divides by N
        coef = ((1 - eps) * target + eps / c) * cw[None, :]
        denominator = len(target)
    scale = 1.0 / denominator if REDUCTION == "mean" else 1.0
    loss = -(coef * log_p).sum() * scale + WEIGHT_DECAY / 2 * (w ** 2).sum()
    g = (coef.sum(axis=1, keepdims=True) * np.exp(log_p) - coef) * scale  # d loss / d z
    return loss, g.T @ x + WEIGHT_DECAY * w, g.sum(axis=0)


x = features(np.array(POINTS, dtype=float), DEGREE)
target = np.array(TARGET)
w, b = np.array(W0, dtype=float), np.array(B0, dtype=float)
state = [(np.zeros_like(w), np.zeros_like(w)), (np.zeros_like(b), np.zeros_like(b))]
epoch, step_batches = 0, []
for k in range(STEPS + 1):
    loss, gw, gb = loss_and_gradients(x, target, w, b)
    print(k, repr(float(loss)))
    if k == STEPS:
        break
    if BATCH_SIZE is not None and BATCH_SIZE < len(x):
        if not step_batches:
            step_batches = batches(len(x), epoch)
            epoch += 1
        rows = step_batches.pop(0)
        _, gw, gb = loss_and_gradients(x[rows], target[rows], w, b)
    t = k + 1
    for i, (p, g) in enumerate(((w, gw), (b, gb))):
        m, v = state[i]
        if OPTIMIZER == "sgd":
            p -= LR * g
        elif OPTIMIZER == "momentum":
            m[:] = MOMENTUM * m + g
            p -= LR * m
        else:  # adam
            m[:] = BETA1 * m + (1 - BETA1) * g
            v[:] = BETA2 * v + (1 - BETA2) * g * g
            p -= LR * (m / (1 - BETA1 ** t)) / (np.sqrt(v / (1 - BETA2 ** t)) + EPS)
'''

_TORCH = '''
import numpy as np
import torch
import torch.nn.functional as F
''' + _SETTINGS + '''

torch.set_default_dtype(torch.float64)
x = torch.tensor(features(np.array(POINTS, dtype=float), DEGREE))
target = torch.tensor(TARGET)  # int64 class indices or float64 probabilities, as F.cross_entropy takes
weight = None if CLASS_WEIGHTS is None else torch.tensor(CLASS_WEIGHTS)
w = torch.tensor(W0, requires_grad=True)
b = torch.tensor(B0, requires_grad=True)
if OPTIMIZER == "sgd":
    opt = torch.optim.SGD([w, b], lr=LR)
elif OPTIMIZER == "momentum":
    opt = torch.optim.SGD([w, b], lr=LR, momentum=MOMENTUM)
else:
    opt = torch.optim.Adam([w, b], lr=LR, betas=(BETA1, BETA2), eps=EPS)


def loss_of(rows):
    logits = x[rows] @ w.T + b
    loss = F.cross_entropy(logits, target[rows], weight=weight, reduction=REDUCTION,
                           label_smoothing=LABEL_SMOOTHING)
    return loss + WEIGHT_DECAY / 2 * (w ** 2).sum()


everything = torch.arange(len(x))
epoch, step_batches = 0, []
for k in range(STEPS + 1):
    with torch.no_grad():
        print(k, repr(loss_of(everything).item()))
    if k == STEPS:
        break
    rows = everything
    if BATCH_SIZE is not None and BATCH_SIZE < len(x):
        if not step_batches:
            step_batches = batches(len(x), epoch)
            epoch += 1
        rows = torch.from_numpy(step_batches.pop(0))
    opt.zero_grad()
    loss_of(rows).backward()
    opt.step()
'''


def training_script(
    framework: str, points: FloatArray, target: Any, *, class_weights: Any = None, label_smoothing: float = 0.0,
    reduction: str = "mean", degree: int = 1, optimizer: str = "sgd", learning_rate: float = 0.5,
    momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
    batch_size: int | None = None, seed: int = 0, weight_decay: float = 0.0, steps: int = 100,
    w0: Any, b0: Any,
) -> str:
    """The script in ``framework`` (:data:`FRAMEWORKS`); ``target`` as class indices (int) or
    probabilities (N x C), as :func:`~ce_desktop.model.dataset_loss.cross_entropy` takes it."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"no script for {framework!r}: choose one of {', '.join(FRAMEWORKS)}")
    t = np.asarray(target)
    fields = dict(
        points=_literal(points), target=_literal(t),
        target_kind="class indices" if np.issubdtype(t.dtype, np.integer) else "probabilities, one row per point",
        weights=_literal(class_weights), smoothing=float(label_smoothing), reduction=reduction, degree=int(degree),
        optimizer=optimizer, lr=float(learning_rate), momentum=float(momentum), beta1=float(beta1),
        beta2=float(beta2), eps=float(eps), batch="None" if batch_size is None else repr(int(batch_size)),
        seed=int(seed), weight_decay=float(weight_decay), steps=int(steps), w0=_literal(w0), b0=_literal(b0),
    )
    body = (_NUMPY if framework == "numpy" else _TORCH).replace("{framework}", framework)
    return _HEADER.format(framework=framework, steps=int(steps)) + body.format(**fields)
