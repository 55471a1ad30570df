"""The command line without a window: ``report``, ``descend`` and ``train`` (:mod:`ce_desktop.cli_train`).

``python main.py report --target 0.7,0.2,0.1 --prediction 0.6,0.3,0.1`` prints CE, H(y),
KL, the per-class terms and the gradient; ``python main.py descend ...`` prints a gradient
descent run on the logits. Every number comes from :mod:`ce_desktop.model.core` (through
:class:`~ce_desktop.model.scenario.Scenario`); this module only parses and prints.

Every mistake a user can make exits with status 2 and one line on stderr starting with
``ce-desktop: error:``; nothing here prints a traceback for bad input. No Qt is imported.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys

import numpy as np

from ce_desktop.arguments import ArgumentParser, UsageError, whole
from ce_desktop.arguments import number as _number
from ce_desktop.arguments import number_list as _number_list
from ce_desktop.console import print_error, write_output
from ce_desktop.model import core, formatting, optim
from ce_desktop.model.scenario import DescentSettings, Scenario, ScenarioError
from ce_desktop.model.types import ArrayLike, FloatArray

PROG = "ce-desktop"
#: Most descent steps the command line will run. The table keeps only the rows it prints, so
#: any number of classes runs in little memory (1,000 classes and 1,000,000 steps: about 30 s);
#: ``--json`` prints every step and takes at most ``optim.max_run_steps(C)``, as the window's run.
MAX_STEPS = 1_000_000
#: Steps printed in full by ``descend``'s text output; longer runs are sampled.
FULL_TABLE_STEPS = 20
DECIMALS = 4

# Options whose value may start with "-" (a negative logit); argparse would take
# "--logits -1,2,3" for an option called "-1,2,3".
_VALUE_OPTIONS = {"--target", "--prediction", "--logits", "--temperature", "--lr", "--learning-rate",
                  "--momentum", "--label-smoothing", "--class-weights", "--weight-decay"}
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
# When the terminal cannot show a character, print these instead of failing.
_ASCII = str.maketrans({"∞": "inf", "ŷ": "y_hat", "∂": "d", "→": "->", "·": "*", "ε": "eps", "—": "-"})


# --------------------------------------------------------------------------- parsing values


def _name_list(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",")]
    if any(not s for s in names):
        raise argparse.ArgumentTypeError(f"class names must not be empty: {text!r}")
    return names


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text.strip()!r}")
    return value


def _join_negative_values(argv: list[str]) -> list[str]:
    """Turn ``--logits -1,2,3`` into ``--logits=-1,2,3`` so argparse reads a value, not an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in _VALUE_OPTIONS and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
        else:
            out.append(tok)
            i += 1
    return out


# --------------------------------------------------------------------------- parsers


def report_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=f"{PROG} report",
        allow_abbrev=False,
        description="Print cross-entropy, entropy, KL divergence, the per-class terms and the gradient "
        "for a target and a prediction (or logits, or a saved scenario). No window opens.",
        epilog="Example: ce-desktop report --target 0.7,0.2,0.1 --prediction 0.6,0.3,0.1",
    )
    p.add_argument("--target", type=_number_list, metavar="Y", help="target distribution, e.g. 0.7,0.2,0.1 or 1,0,0")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--prediction", type=_number_list, metavar="P", help="predicted distribution, e.g. 0.6,0.3,0.1")
    source.add_argument("--logits", type=_number_list, metavar="Z", help="logits; the prediction is softmax(Z / T)")
    source.add_argument("--scenario", metavar="FILE",
                        help="a scenario saved by CE Explorer (holds target and prediction)")
    p.add_argument("--temperature", type=_positive, metavar="T", help="softmax temperature for --logits (default 1)")
    p.add_argument(
        "--label-smoothing",
        type=_number,
        metavar="EPS",
        help="smooth the target as PyTorch does: y (1 - EPS) + EPS / C",
    )
    p.add_argument("--class-names", type=_name_list, metavar="A,B,C", help="names of the classes")
    p.add_argument("--bits", action="store_true", help="losses in bits (log base 2) instead of nats")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--csv", action="store_true", help="print the per-class table as CSV")
    out.add_argument("--code", choices=("numpy", "torch", "tensorflow", "jax"),
                     help="print a NumPy, PyTorch, TensorFlow or JAX script that reproduces the numbers")
    return p


def descend_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
        prog=f"{PROG} descend",
        allow_abbrev=False,
        description="Run gradient descent on the logits towards a target and print the trajectory: "
        "the loss falls to H(y), not to 0, for a soft target. No window opens.",
        epilog="Example: ce-desktop descend --target 0.7,0.2,0.1 --logits 0,0,3 --lr 1 --steps 50",
    )
    p.add_argument("--target", type=_number_list, required=True, metavar="Y", help="target distribution")
    p.add_argument("--logits", type=_number_list, required=True, metavar="Z", help="starting logits")
    p.add_argument(
        "--lr",
        "--learning-rate",
        dest="lr",
        type=_positive,
        required=True,
        metavar="LR",
        help="learning rate (step size)",
    )
    p.add_argument("--steps", type=whole(0, MAX_STEPS), required=True, metavar="N",
                   help=f"number of steps, 0..{MAX_STEPS:,}")
    p.add_argument(
        "--optimizer", choices=optim.OPTIMIZERS, default="sgd", help="sgd (plain, default), momentum or adam"
    )
    p.add_argument("--momentum", type=_number, default=0.9, metavar="BETA", help="momentum coefficient (default 0.9)")
    p.add_argument("--temperature", type=_positive, default=1.0, metavar="T", help="softmax temperature (default 1)")
    p.add_argument("--class-names", type=_name_list, metavar="A,B,C", help="names of the classes")
    p.add_argument("--bits", action="store_true", help="losses in bits instead of nats")
    p.add_argument(
        "--json",
        action="store_true",
        help=f"print one JSON object with every step (at most {optim.max_run_steps(3):,} steps for 3 classes, "
        f"{optim.max_run_steps(1000):,} for 1,000, as the window's run keeps)",
    )
    return p


# --------------------------------------------------------------------------- entry point


def main(argv: list[str]) -> int:
    """Run ``report``, ``descend`` or ``train`` (``argv[0]``); return the exit status (0, or 2 for a user error)."""
    argv = list(argv)
    if not argv or argv[0] not in ("report", "descend", "train"):
        return _fail("expected a subcommand: report, descend or train")
    command, rest = argv[0], _join_negative_values(argv[1:])
    try:
        if command == "report":
            text = _report(report_parser().parse_args(rest))
        elif command == "descend":
            text = _descend(descend_parser().parse_args(rest))
        else:
            from ce_desktop import cli_train  # only what it needs: the dataset modules load here

            text = cli_train.train(cli_train.train_parser().parse_args(rest))
    except SystemExit as exc:  # --help: argparse printed the help and wants to exit
        return int(exc.code or 0) if isinstance(exc.code, (int, type(None))) else 2
    except (UsageError, ScenarioError) as exc:
        return _fail(str(exc))
    except MemoryError:  # what is accepted fits in a laptop's memory; a smaller machine says so
        return _fail("not enough memory for this request: ask for fewer --steps or classes")
    return _emit(text)


def _fail(message: str) -> int:
    print_error(" ".join(str(message).split()))
    return 2


def _emit(text: str) -> int:
    """Print ``text``; a stdout that cannot take it raises console.OutputError (app.main reports it)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.translate(_ASCII).encode("ascii", "replace").decode("ascii")
    write_output(text if text.endswith("\n") else text + "\n")
    return 0


# --------------------------------------------------------------------------- report


def _scenario_from(args: argparse.Namespace) -> Scenario:
    """The scenario the ``report`` arguments describe (ScenarioError/UsageError if they do not)."""
    if args.scenario is not None:
        if args.target is not None:
            raise UsageError("--scenario already holds the target; leave out --target")
        s = Scenario.load(args.scenario)
        changes: dict[str, object] = {}
        if args.temperature is not None:
            changes["temperature"] = args.temperature
        if args.label_smoothing is not None:
            changes["label_smoothing"] = args.label_smoothing
        if args.class_names is not None:
            changes["class_names"] = tuple(args.class_names)
        if args.bits:
            changes["units"] = "bits"
        s = s.replace(**changes) if changes else s
    else:
        if args.target is None:
            raise UsageError("the following argument is required: --target")
        s = Scenario.create(
            args.target,
            args.prediction,
            logits=args.logits,
            class_names=args.class_names,
            temperature=1.0 if args.temperature is None else args.temperature,
            label_smoothing=0.0 if args.label_smoothing is None else args.label_smoothing,
            units="bits" if args.bits else "nats",
        )
    if args.temperature is not None and not s.logits_mode:
        raise UsageError("--temperature applies to logits only (the prediction is softmax(logits / T)); use --logits")
    return s


def _report(args: argparse.Namespace) -> str:
    s = _scenario_from(args)
    if args.csv or args.code:
        from ce_desktop.model import export  # lazily: only these outputs need it

        return export.table_csv(s) if args.csv else export.code_snippet(s, args.code)
    ev = s.evaluate()
    if args.json:
        return json.dumps(report_dict(s, ev), indent=2)
    return report_text(s, ev)


def report_dict(s: Scenario, ev: core.Evaluation | None = None) -> dict[str, object]:
    """The numbers of ``report --json`` (infinite values stay ``inf``; ``json`` writes ``Infinity``)."""
    ev = ev or s.evaluate()
    out = {
        "cross_entropy": _f(ev.cross_entropy),
        "entropy": _f(ev.entropy),
        "kl_divergence": _f(ev.kl_divergence),
        "perplexity": _f(ev.perplexity),
        "contributions": {
            "cross_entropy": _fl(ev.contributions.cross_entropy),
            "entropy": _fl(ev.contributions.entropy),
            "kl_divergence": _fl(ev.contributions.kl_divergence),
        },
        "gradient": _fl(ev.gradient),
        "prediction": _fl(s.prediction),
        "target": _fl(s.effective_target),
        "unit": s.units,
        "class_names": list(s.class_names),
        "temperature": s.temperature,
        "label_smoothing": s.label_smoothing,
    }
    if s.logits is not None:
        out["logits"] = _fl(s.logits)
    return out


def report_text(s: Scenario, ev: core.Evaluation | None = None) -> str:
    """The readable table and summary of ``report``."""
    ev = ev or s.evaluate()
    unit = s.units
    c = ev.contributions
    y, p = s.effective_target, s.prediction
    lines = []
    head = f"{s.num_classes} classes, losses in {unit}"
    if s.logits is not None:
        head += ", ŷ = softmax(z)" if s.temperature == 1.0 else f", ŷ = softmax(z / {_short(s.temperature)})"
    if s.label_smoothing:
        head += f", target smoothed with ε = {_short(s.label_smoothing)}"
    lines += [f"CE Explorer report: {head}", ""]

    columns = ["class"] + (["z"] if s.logits is not None else []) + ["y", "ŷ", "CE term", "H term", "KL term", "∂CE/∂z"]
    rows = []
    for i, name in enumerate(s.class_names):
        values = ([s.logits[i]] if s.logits is not None else []) + [
            y[i],
            p[i],
            c.cross_entropy[i],
            c.entropy[i],
            c.kl_divergence[i],
            ev.gradient[i],
        ]
        rows.append([name] + [_num(v) for v in values])
    totals = ([""] if s.logits is not None else []) + [
        y.sum(),
        p.sum(),
        ev.cross_entropy,
        ev.entropy,
        ev.kl_divergence,
        ev.gradient.sum(),
    ]
    rows.append(["total"] + [v if isinstance(v, str) else _num(v) for v in totals])
    widths = [max(len(r[k]) for r in rows + [columns]) for k in range(len(columns))]
    for r in [columns] + rows:
        lines.append(
            "  ".join([r[0].ljust(widths[0])] + [v.rjust(w) for v, w in zip(r[1:], widths[1:], strict=True)]).rstrip()
        )

    ce, h, kl = _num(ev.cross_entropy), _num(ev.entropy), _num(ev.kl_divergence)
    base = "2" if unit == "bits" else "e"
    lines += [
        "",
        f"cross-entropy  CE    = {ce} {unit}",
        f"entropy        H(y)  = {h} {unit}",
        f"KL divergence  KL    = {kl} {unit}",
        f"CE = H + KL: {ce} = {h} + {kl}",
        f"perplexity     {base}^CE  = {_num(ev.perplexity)}",
    ]
    lines += _infinity_notes(s, ev)
    if unit == "bits":
        lines.append("(the gradient ∂CE/∂z is in nats, as an optimiser uses it)")
    return "\n".join(lines)


def _infinity_notes(s: Scenario, ev: core.Evaluation) -> list[str]:
    notes = []
    if math.isinf(ev.cross_entropy):
        y, p = s.effective_target, s.prediction
        i = int(np.flatnonzero((y > 0) & (p == 0))[0])
        notes.append(
            f"∞: class {s.class_names[i]!r} has target {_num(y[i])} but prediction 0, and "
            f"-y·log 0 = ∞ (the prediction rules out something the target says can happen)."
        )
    elif math.isinf(ev.perplexity):
        notes.append("∞: the perplexity e^CE is too large to represent as a number.")
    return notes


# --------------------------------------------------------------------------- descend


def _descend(args: argparse.Namespace) -> str:
    s = Scenario.create(
        args.target,
        logits=args.logits,
        class_names=args.class_names,
        temperature=args.temperature,
        units="bits" if args.bits else "nats",
        descent=DescentSettings(optimizer=args.optimizer, learning_rate=args.lr, momentum=args.momentum),
    )
    n = args.steps
    longest = optim.max_run_steps(s.num_classes)
    if args.json and n > longest:
        raise UsageError(
            f"--json prints every step, and a run keeps at most {longest:,} steps for {s.num_classes:,} "
            f"classes ({optim.MAX_RUN_VALUES:,} numbers, as in the window); ask for fewer --steps, "
            f"or leave out --json for a table of sampled steps"
        )
    shown = list(range(n + 1)) if args.json else _shown_steps(n)
    y = s.effective_target
    traj = _descent_rows(s, y, shown, args)
    ce, h, kl = core.trajectory_losses(y, traj, s.base, s.temperature)
    if args.json:
        return json.dumps(
            {
                "logits": [_fl(row) for row in traj],
                "loss": _fl(ce),
                "kl_divergence": _fl(kl),
                "entropy": _f(h),
                "optimizer": args.optimizer,
                "learning_rate": args.lr,
                "steps": args.steps,
                "temperature": s.temperature,
                "unit": s.units,
                "target": _fl(y),
                "class_names": list(s.class_names),
            },
            indent=2,
        )
    return descend_text(s, shown, traj, ce, h, kl, args)


def _shown_steps(n: int) -> list[int]:
    """The steps of an ``n``-step run that the table prints: all of a short run, else about 20."""
    if n <= FULL_TABLE_STEPS:
        return list(range(n + 1))
    return sorted(set(np.linspace(0, n, FULL_TABLE_STEPS + 1).round().astype(int).tolist()) | {n})


def _descent_rows(s: Scenario, y: FloatArray, shown: list[int], args: argparse.Namespace) -> FloatArray:
    """The logits at the ``shown`` steps of the run (the last is the run's end), keeping no others."""
    if s.logits is None:  # descend builds its scenario from logits (--logits is required)
        raise UsageError("descend needs --logits")
    keep = set(shown)
    rows = []
    k = 0
    try:
        for k, z in enumerate(
            optim.optimizer_path(y, s.logits, shown[-1], s.descent.optimizer_settings(s.temperature))
        ):
            if k in keep:
                rows.append(z)
    except FloatingPointError as exc:  # the stop rule of every run (optim.LOGIT_LIMIT), as in the window
        raise UsageError(
            f"stopped at step {k}: {exc} for {args.optimizer} ({args.lr:g}); try --lr 1 or smaller"
        ) from None
    return np.array(rows)


def descend_text(
    s: Scenario, shown: list[int], traj: FloatArray, ce: FloatArray, h: float, kl: FloatArray,
    args: argparse.Namespace,
) -> str:
    """The table of ``descend``: ``traj``, ``ce`` and ``kl`` hold the rows of the ``shown`` steps."""
    unit = s.units
    n = shown[-1]
    what = args.optimizer if args.optimizer != "momentum" else f"momentum {_short(args.momentum)}"
    lines = [
        f"Gradient descent on the logits: {what}, learning rate {args.lr:g}, {n} steps, losses in {unit}",
    ]
    if h > 0:
        lines.append(f"Floor: H(y) = {_num(h)} {unit}. CE falls towards it, not to 0 (KL → 0).")
    else:
        lines.append("Floor: H(y) = 0 (a hard target). CE → 0 only as the logits grow without bound.")
    lines.append("")
    header = ["step", "CE", "KL"] + [f"z[{name}]" for name in s.class_names]
    rows = [[str(k), _num(ce[i]), _num(kl[i])] + [_num(v) for v in traj[i]] for i, k in enumerate(shown)]
    widths = [max(len(r[j]) for r in rows + [header]) for j in range(len(header))]
    for r in [header] + rows:
        lines.append("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
    final = core.softmax(traj[-1], s.temperature)
    lines += [
        "",
        f"after {n} steps: ŷ = [{', '.join(_num(v) for v in final)}], "
        f"CE = {_num(ce[-1])} {unit}, KL = {_num(kl[-1])} {unit}",
    ]
    if n > FULL_TABLE_STEPS:
        lines.append(f"({len(shown)} of {n + 1} steps shown; --json prints every step)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- number formatting


def _num(x: float, decimals: int = DECIMALS) -> str:
    """Fixed decimals, ``∞`` for infinity, never ``-0.0000`` (the window's rules)."""
    return formatting.number(x, decimals)


def _short(x: float) -> str:
    """A setting such as a temperature or ε, as typed: ``2``, ``0.1``."""
    return f"{float(x):g}"


def _f(x: float) -> float:
    """A float for JSON: ``-0.0`` becomes ``0.0``; ``inf`` stays (written as ``Infinity``)."""
    return float(x) + 0.0


def _fl(a: ArrayLike) -> list[float]:
    return [_f(v) for v in np.asarray(a, dtype=float).ravel()]
