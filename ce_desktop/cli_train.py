"""``python main.py train``: train a classifier on 2-D points without a window.

The data come from a CSV file (``--data``) or a seeded generator (``--generate``); the model is
multinomial logistic regression, optionally on polynomial features, or a one-hidden-layer MLP;
the loss is PyTorch's ``F.cross_entropy`` with its reduction, class weights, label smoothing
(:mod:`ce_desktop.model.dataset_loss`). With ``--model linear --init zeros`` and no
``--batch-size`` every step is a full-batch step from W = 0, b = 0, so anyone can reproduce the
numbers. Every mistake exits with status 2 and one line, as ``report`` and ``descend`` do.
No Qt is imported.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np

from ce_desktop.arguments import ArgumentParser, UsageError, number_list, whole
from ce_desktop.arguments import number as _number
from ce_desktop.model import classifier, dataset_csv, dataset_generators, formatting, optim, training_code, workspace
from ce_desktop.model.dataset import Dataset, DatasetError
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.descent_run import StopReason
from ce_desktop.model.training import TrainingRun, TrainingSettings

PROG = "ce-desktop"
#: Most steps ``train`` runs (every step's parameters are kept, as the window's run keeps them).
MAX_TRAIN_STEPS = 100_000
#: Rows of the text table; longer runs are sampled.
TABLE_ROWS = 20


def _non_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _weights(text: str) -> list[float]:
    values = number_list(text)
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("class weights must be >= 0")
    return values


def train_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=f"{PROG} train",
        allow_abbrev=False,
        description="Train a classifier on 2-D points with PyTorch's cross-entropy and print the loss and "
        "accuracy per step, the weights and the bias. No window opens.",
        epilog="Example: ce-desktop train --generate blobs --samples 200 --classes 3 --seed 1 --steps 50",
    )
    data = p.add_mutually_exclusive_group(required=True)
    data.add_argument("--data", metavar="FILE.csv", help="points from a CSV file: x1,x2,label or x1,x2,p_<class>,...")
    data.add_argument("--generate", choices=dataset_generators.GENERATORS, help="points from a seeded generator")
    p.add_argument("--samples", type=whole(dataset_generators.MIN_GENERATED, dataset_generators.MAX_GENERATED),
                   default=200, metavar="N", help="points to generate (default 200)")
    p.add_argument("--classes", type=whole(2, 10), default=3, metavar="C", help="classes to generate (default 3)")
    p.add_argument("--seed", type=whole(0, 2**32 - 1), default=0, metavar="S",
                   help="seeds the generator, a random start and the mini-batches (default 0)")
    p.add_argument("--save-data", metavar="FILE.csv", help="also write the generated points to this CSV file")
    p.add_argument("--model", choices=("linear", "mlp"), default="linear",
                   help="linear: softmax(W x + b) (default); mlp: one hidden layer")
    p.add_argument("--hidden", type=whole(classifier.MIN_HIDDEN, classifier.MAX_HIDDEN), default=8, metavar="H",
                   help="hidden units of the MLP (default 8)")
    p.add_argument("--activation", choices=classifier.ACTIVATIONS, default="tanh", help="the MLP's (default tanh)")
    p.add_argument("--degree", type=whole(1, classifier.MAX_DEGREE), default=1, metavar="D",
                   help="polynomial features of the points, degree 1 to 3 (default 1: x1, x2)")
    p.add_argument("--init", choices=classifier.INITS, default="zeros", help="starting parameters (default zeros)")
    p.add_argument("--lr", "--learning-rate", dest="lr", type=_number, default=0.5, metavar="LR",
                   help="learning rate (default 0.5)")
    p.add_argument("--steps", type=whole(0, MAX_TRAIN_STEPS), default=100, metavar="K",
                   help=f"steps to take, 0 to {MAX_TRAIN_STEPS:,} (default 100)")
    p.add_argument("--optimizer", choices=optim.OPTIMIZERS, default="sgd", help="sgd (default), momentum or adam")
    p.add_argument("--batch-size", type=whole(1, 10**6), metavar="B",
                   help="mini-batches of B points, reshuffled each epoch (default: every step uses all points)")
    p.add_argument("--reduction", choices=("mean", "sum"), default="mean", help="as PyTorch's (default mean)")
    p.add_argument("--class-weights", type=_weights, metavar="W1,...,WC",
                   help="one weight per class; with hard labels the mean divides by the sum of the samples' weights")
    p.add_argument("--label-smoothing", type=_number, default=0.0, metavar="EPS", help="as PyTorch's, 0 to 1")
    p.add_argument("--weight-decay", type=_non_negative, default=0.0, metavar="L2",
                   help="adds L2 / 2 * sum of the squared weights (not the biases) to the loss")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--code", choices=training_code.FRAMEWORKS,
                     help="print a NumPy, PyTorch, TensorFlow (Keras) or JAX script that trains the same model on "
                     "the same data and prints the same losses")
    return p


def load_data(args: argparse.Namespace) -> Dataset:
    try:
        if args.data is not None:
            return dataset_csv.read_csv(args.data)
        data = dataset_generators.generate(args.generate, args.samples, args.classes, args.seed)
        if args.save_data:
            dataset_csv.write_csv(data, args.save_data)
        return data
    except (DatasetError, OSError) as exc:
        raise UsageError(str(exc)) from None


def build_run(args: argparse.Namespace, data: Dataset) -> TrainingRun:
    c = data.num_classes
    if args.class_weights is not None and len(args.class_weights) != c:
        raise UsageError(f"--class-weights: the data have {c} classes, got {len(args.class_weights)} weights")
    if not 0.0 <= args.label_smoothing <= 1.0:
        raise UsageError(f"--label-smoothing must be from 0 to 1, got {args.label_smoothing:g}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a number > 0, got {args.lr:g}")
    setup = workspace.DatasetSetup(
        data, None, args.data or args.generate, workspace.LabelSettings(),
        workspace.ModelSettings(args.model, args.degree, args.hidden, args.activation, args.init, args.seed),
        LossOptions(args.reduction, tuple(args.class_weights) if args.class_weights else None, args.label_smoothing),
        TrainingSettings(args.optimizer, args.lr, batch_size=args.batch_size, seed=args.seed,
                         weight_decay=args.weight_decay, max_steps=max(1, args.steps), tolerance=0.0),
    )
    try:
        # The window's own construction: hard labels go in as class indices, as a PyTorch user
        # would pass them (which decides how class weights divide the mean); soft ones as probabilities.
        return workspace.build_run(setup.checked(), data)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def take_steps(run: TrainingRun, steps: int) -> None:
    """Exactly ``steps`` steps: the rules that would pause the window's run (stalled, oscillating)
    do not end a scripted one; only numbers leaving the float range do."""
    while run.last < steps:
        if run.step():
            continue
        if run.stop_reason == StopReason.OVERFLOW:
            raise UsageError(f"stopped at step {run.last}: the parameters left ±1,000,000; try a smaller --lr")
        if not run.resume():  # the history is full: every step's parameters are kept
            raise UsageError(f"stopped at step {run.last:,}: a run of this model keeps at most that many steps; "
                             "ask for fewer --steps")


def _floats(a: Any) -> Any:
    return np.asarray(a, dtype=float).tolist()


def result_dict(args: argparse.Namespace, data: Dataset, run: TrainingRun) -> dict[str, Any]:
    model = run.model
    params = model.unpack(run.params)
    out: dict[str, Any] = {
        "loss": _floats(run.loss),
        "accuracy": _floats(run.accuracy),
    }
    if isinstance(params, classifier.LinearParams):
        out.update(weights=_floats(params.W), bias=_floats(params.b))
    else:
        out.update(hidden_weights=_floats(params.W1), hidden_bias=_floats(params.b1),
                   weights=_floats(params.W2), bias=_floats(params.b2))
    out["settings"] = {
        "samples": data.num_samples, "classes": data.num_classes, "class_names": list(data.class_names),
        "labels": "hard" if data.is_hard else "soft", "model": args.model, "degree": args.degree,
        "features": list(classifier.feature_names(args.degree)),
        **({"hidden": args.hidden, "activation": args.activation} if args.model == "mlp" else {}),
        "init": args.init, "optimizer": args.optimizer, "learning_rate": args.lr, "steps": args.steps,
        "batch_size": args.batch_size, "seed": args.seed, "reduction": args.reduction,
        "class_weights": args.class_weights, "label_smoothing": args.label_smoothing,
        "weight_decay": args.weight_decay, "units": "nats",
    }
    out["loss_floor"] = run.loss_floor
    return out


def result_text(args: argparse.Namespace, data: Dataset, run: TrainingRun) -> str:
    source = args.data if args.data is not None else f"{args.generate}, seed {args.seed}"
    model = (f"linear, degree {args.degree}" if args.model == "linear"
             else f"MLP, {args.hidden} {args.activation} units, degree {args.degree}")
    lines = [
        f"data: {source}: {data.num_samples:,} points, {data.num_classes} classes "
        f"({'hard' if data.is_hard else 'soft'} labels)",
        f"model: {model}; {args.optimizer}, lr {args.lr:g}"
        + (f", batches of {args.batch_size}" if args.batch_size else ", full batch"),
        f"loss: cross-entropy, reduction {args.reduction}"
        + (f", class weights {','.join(f'{w:g}' for w in args.class_weights)}" if args.class_weights else "")
        + (f", label smoothing {args.label_smoothing:g}" if args.label_smoothing else "")
        + (f", weight decay {args.weight_decay:g}" if args.weight_decay else "")
        + " (nats)",
        "",
        f"{'step':>7}  {'loss':>10}  {'accuracy':>8}",
    ]
    n = run.last
    shown = list(range(n + 1)) if n < TABLE_ROWS else sorted({round(i * n / (TABLE_ROWS - 1))
                                                             for i in range(TABLE_ROWS)})
    for k in shown:
        lines.append(f"{k:>7,}  {formatting.loss(float(run.loss[k])):>10}  {run.accuracy[k]:>8.1%}")
    lines.append(f"lowest loss any model could reach (the mean H(y) of the targets): "
                 f"{formatting.loss(run.loss_floor)}")
    return "\n".join(lines)


def code(args: argparse.Namespace, data: Dataset, run: TrainingRun) -> str:
    return training_code.script_for_run(args.code, run, data.points, workspace.loss_target(data),
                                        degree=args.degree, steps=args.steps)


def train(args: argparse.Namespace) -> str:
    data = load_data(args)
    run = build_run(args, data)
    if args.code:
        return code(args, data, run)
    take_steps(run, args.steps)
    if args.json:
        return json.dumps(result_dict(args, data, run))
    return result_text(args, data, run)
