"""``train --code numpy|torch``: the exported script, run on its own, prints the losses
``train --json`` prints, for every loss option, optimiser, mini-batches, weight decay and a
random start. The NumPy script runs always; the PyTorch one where torch is installed."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from ce_desktop import app

BASE = ("train", "--generate", "overlapping", "--samples", "60", "--classes", "3", "--seed", "3", "--steps", "12")
CASES = {
    "plain": (),
    "weights-smoothing-sum": ("--class-weights", "2,1,0.5", "--label-smoothing", "0.1", "--reduction", "sum",
                              "--lr", "0.01"),
    "degree-2-adam": ("--degree", "2", "--optimizer", "adam", "--lr", "0.05"),
    "momentum-batches-decay": ("--optimizer", "momentum", "--lr", "0.1", "--batch-size", "16",
                               "--weight-decay", "0.01"),
    "random-start": ("--init", "random", "--class-weights", "1,2,3"),
}


def _app(*argv: str) -> str:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert app.main(list(argv)) == 0
    return out.getvalue()


def _script_losses(script: str, tmp_path) -> list[float]:
    path = tmp_path / "train_script.py"
    path.write_text(script, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split() for line in proc.stdout.splitlines()]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    return [float(r[1]) for r in rows]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_script_prints_the_apps_losses(framework, case, tmp_path):
    if framework == "torch":
        pytest.importorskip("torch")
    expected = json.loads(_app(*BASE, *CASES[case], "--json"))["loss"]
    got = _script_losses(_app(*BASE, *CASES[case], "--code", framework), tmp_path)
    assert len(got) == 13
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_soft_labels_go_in_as_probabilities(tmp_path):
    data = tmp_path / "soft.csv"
    data.write_text("x1,x2,p_a,p_b\n0,0,0.5,0.5\n1,0,0.9,0.1\n0,1,0.2,0.8\n2,1,0.6,0.4\n", encoding="utf-8")
    args = ("train", "--data", str(data), "--steps", "6", "--class-weights", "1,3")
    script = _app(*args, "--code", "numpy")
    assert "# probabilities, one row per point" in script
    np.testing.assert_allclose(_script_losses(script, tmp_path), json.loads(_app(*args, "--json"))["loss"],
                               rtol=1e-12)


def test_the_mlp_is_refused_with_a_reason(capsys):
    assert app.main([*BASE, "--model", "mlp", "--code", "numpy"]) == 2
    assert "--code exports the linear model only" in capsys.readouterr().err
