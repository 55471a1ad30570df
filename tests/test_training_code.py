"""``train --code numpy|torch|tensorflow|jax``: the exported script, run on its own, prints the
losses ``train --json`` prints (the run's own losses, to 1e-9 relative), for the linear model and
the MLP, every optimiser, mini-batches, weight decay, class weights, smoothing, the sum, soft
labels, an ignored class and a random start.

The NumPy scripts always run, one process each. The PyTorch, TensorFlow and JAX ones run where
their package is installed (none is a dependency of the app), all the cases of one framework in
one process so that the framework is imported once; every script is compiled always.
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest

from ce_desktop import app, cli_train
from ce_desktop.model import classifier, training_code
from ce_desktop.model.dataset_loss import LossOptions
from ce_desktop.model.training import TrainingRun, TrainingSettings

BASE = ("train", "--generate", "overlapping", "--samples", "60", "--classes", "3", "--seed", "3", "--steps", "12")
STEPS = 12
CLI_CASES = {
    "plain": (),
    "weights-smoothing-sum": ("--class-weights", "2,1,0.5", "--label-smoothing", "0.1", "--reduction", "sum",
                              "--lr", "0.01"),
    "degree-2-adam": ("--degree", "2", "--optimizer", "adam", "--lr", "0.05"),
    "momentum-batches-decay": ("--optimizer", "momentum", "--lr", "0.1", "--batch-size", "16",
                               "--weight-decay", "0.01"),
    "random-start": ("--init", "random", "--class-weights", "1,2,3"),
    "mlp-tanh": ("--model", "mlp", "--hidden", "5", "--init", "random", "--lr", "0.3"),
    "mlp-relu-adam-batches-decay": ("--model", "mlp", "--activation", "relu", "--hidden", "6", "--init", "random",
                                    "--optimizer", "adam", "--lr", "0.02", "--batch-size", "25",
                                    "--weight-decay", "0.005"),
    "mlp-momentum-weights-smoothing-sum-degree-2": (
        "--model", "mlp", "--hidden", "3", "--init", "random", "--optimizer", "momentum", "--lr", "0.005",
        "--class-weights", "0.5,1,3", "--label-smoothing", "0.2", "--reduction", "sum", "--degree", "2"),
    "mlp-zeros": ("--model", "mlp", "--hidden", "4"),  # only b2 learns: the symmetry a random start breaks
}


def _app(*argv: str) -> str:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert app.main(list(argv)) == 0
    return out.getvalue()


def _cli_case(extra: tuple[str, ...]) -> Callable[[str], tuple[str, list[float]]]:
    def make(framework: str) -> tuple[str, list[float]]:
        return _app(*BASE, *extra, "--code", framework), json.loads(_app(*BASE, *extra, "--json"))["loss"]
    return make


def _soft_mlp(framework: str) -> tuple[str, list[float]]:
    """Soft labels (probabilities, weighted: the mean divides by N) on an MLP, mini-batches, Adam."""
    rng = np.random.default_rng(7)
    points = rng.normal(size=(40, 2))
    target = rng.dirichlet(np.ones(3), size=40)
    model = classifier.MLP(2, 3, 4, "relu")
    run = TrainingRun(model, points, target, LossOptions("mean", (1.0, 2.0, 0.5), 0.05),
                      TrainingSettings("adam", 0.05, batch_size=15, seed=4, max_steps=STEPS, tolerance=0.0),
                      init="random", init_seed=2)
    cli_train.take_steps(run, STEPS)
    return training_code.script_for_run(framework, run, points, target), run.loss.tolist()


def _ignored_class(framework: str) -> tuple[str, list[float]]:
    """Class 1 ignored, with weights and smoothing, on degree-3 features: what the window can ask for."""
    rng = np.random.default_rng(8)
    points = rng.normal(size=(30, 2))
    labels = rng.integers(0, 3, size=30)
    x = classifier.polynomial_features(points, 3)
    run = TrainingRun(classifier.LinearModel(x.shape[1], 3), x, labels,
                      LossOptions("mean", (1.0, 2.0, 3.0), 0.1, ignore_index=1),
                      TrainingSettings("sgd", 0.02, max_steps=STEPS, tolerance=0.0), init="random", init_seed=5)
    cli_train.take_steps(run, STEPS)
    return training_code.script_for_run(framework, run, points, labels, degree=3), run.loss.tolist()


CASES: dict[str, Callable[[str], tuple[str, list[float]]]] = {
    **{name: _cli_case(extra) for name, extra in CLI_CASES.items()},
    "soft-labels-mlp": _soft_mlp,
    "ignored-class": _ignored_class,
}


def _losses(stdout: str) -> list[float]:
    rows = [line.split() for line in stdout.splitlines()]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    return [float(r[1]) for r in rows]


def _run_script(script: str, tmp_path) -> str:
    path = tmp_path / "train_script.py"
    path.write_text(script, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


_DRIVER = """
import contextlib, io, runpy, sys
for path in sys.argv[1:]:
    with open(path + ".out", "w") as out, contextlib.redirect_stdout(out):
        runpy.run_path(path, run_name="__main__")
"""


@pytest.fixture(scope="module")
def framework_outputs(tmp_path_factory):
    """framework -> case -> (what the script printed, the app's losses): every case in one process."""
    cache: dict[str, dict[str, tuple[str, list[float]]]] = {}

    def outputs(framework: str) -> dict[str, tuple[str, list[float]]]:
        if framework not in cache:
            folder = tmp_path_factory.mktemp(framework)
            made = {name: make(framework) for name, make in CASES.items()}
            paths = []
            for name, (script, _) in made.items():
                path = folder / f"{name.replace('-', '_')}.py"
                path.write_text(script, encoding="utf-8")
                paths.append(str(path))
            proc = subprocess.run([sys.executable, "-c", _DRIVER, *paths], capture_output=True, text=True,
                                  timeout=600, cwd=folder)
            assert proc.returncode == 0, proc.stderr[-3000:]
            cache[framework] = {name: (pathlib.Path(p + ".out").read_text(encoding="utf-8"), made[name][1])
                                for name, p in zip(made, paths, strict=True)}
        return cache[framework]

    return outputs


@pytest.mark.parametrize("case", list(CASES))
def test_the_numpy_script_prints_the_apps_losses(case, tmp_path):
    script, expected = CASES[case]("numpy")
    got = _losses(_run_script(script, tmp_path))
    assert len(got) == STEPS + 1
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


_PACKAGES = {"torch": "torch", "tensorflow": "tensorflow", "jax": "jax"}


@pytest.mark.parametrize("framework", list(_PACKAGES))
@pytest.mark.parametrize("case", list(CASES))
def test_the_framework_script_prints_the_apps_losses(framework, case, framework_outputs):
    pytest.importorskip(_PACKAGES[framework])
    stdout, expected = framework_outputs(framework)[case]
    got = _losses(stdout)
    assert len(got) == STEPS + 1
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("framework", training_code.FRAMEWORKS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_script_compiles(framework, case):
    """Checked even where the framework is not installed."""
    script, _ = CASES[case](framework)
    compile(script, f"{framework}_{case}.py", "exec")


def test_the_frameworks_are_the_ones_offered():
    assert set(_PACKAGES) | {"numpy"} == set(training_code.FRAMEWORKS)


def test_the_scripts_say_how_they_differ_from_their_framework():
    tf_script, _ = CASES["plain"]("tensorflow")
    assert "tf.GradientTape" in tf_script and "CategoricalCrossentropy" in tf_script
    assert "keras.optimizers.Adam puts EPS outside" in tf_script
    jax_script, _ = CASES["mlp-relu-adam-batches-decay"]("jax")
    assert "jax.grad(loss_of)" in jax_script and "jax.nn.relu(" in jax_script
    torch_script, _ = CASES["mlp-tanh"]("torch")
    assert "F.cross_entropy(" in torch_script and "torch.nn.Tanh()" in torch_script


def test_soft_labels_go_in_as_probabilities():
    script, _ = CASES["soft-labels-mlp"]("numpy")
    assert "# probabilities, one row per point" in script
    assert "IGNORE_INDEX = -100" in script
    assert "IGNORE_INDEX = 1  # class-index targets equal to this count for nothing (the points of class 1)" in (
        CASES["ignored-class"]("numpy")[0])


def test_every_framework_is_a_choice_and_others_are_refused(capsys):
    for framework in training_code.FRAMEWORKS:
        assert app.main([*BASE, "--model", "mlp", "--steps", "1", "--code", framework]) == 0
    capsys.readouterr()
    assert app.main([*BASE, "--code", "matlab"]) == 2
    assert "--code" in capsys.readouterr().err
    with pytest.raises(ValueError, match="numpy, torch, tensorflow, jax"):
        training_code.training_script("matlab", np.zeros((1, 2)), np.zeros(1, int), start=[[[0, 0]] * 2, [0, 0]])
    with pytest.raises(ValueError, match="W1, b1, W2, b2"):
        training_code.training_script("numpy", np.zeros((1, 2)), np.zeros(1, int), model="mlp",
                                      start=[[[0, 0]] * 2, [0, 0]])
