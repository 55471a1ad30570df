"""Tests of the command line without a window: ``report``, ``descend``, ``--list-presets``.

Most run in-process through ``app.main`` (fast); a few run ``python main.py`` in a
subprocess to prove the real entry point, exit status and streams. Expected numbers are
worked out by hand or with scipy, never pasted from the program's own output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sps

from ce_desktop import app, cli
from ce_desktop.model import core, optim
from ce_desktop.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
LN2 = math.log(2.0)
ERROR_LINE = re.compile(r"^ce-desktop: error: \S.*\n$")

# Seed sample 6 by hand (see tests/model/test_core.py): y = (0.7, 0.2, 0.1), y_hat = (0.6, 0.3, 0.1).
Y6, P6 = "0.7,0.2,0.1", "0.6,0.3,0.1"
CE6, H6 = 0.82863101, 0.80181855


def run(capsys, *argv):
    """``app.main(argv)`` in-process: (exit status, stdout, stderr)."""
    rc = app.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys, *argv):
    rc, out, err = run(capsys, *argv, "--json")
    assert rc == 0, err
    assert err == ""
    return json.loads(out)


def assert_user_error(rc, out, err, *fragments):
    assert rc == 2
    assert out == ""
    assert ERROR_LINE.match(err), repr(err)  # exactly one line
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def main_py(*argv, env_extra=None, timeout=120):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


# --------------------------------------------------------------------------- report --json


def test_report_json_has_the_documented_keys_and_hand_values(capsys):
    d = run_json(capsys, "report", "--target", Y6, "--prediction", P6)
    assert {"cross_entropy", "entropy", "kl_divergence", "contributions", "gradient", "prediction", "target",
            "unit", "perplexity"} <= set(d)
    assert set(d["contributions"]) == {"cross_entropy", "entropy", "kl_divergence"}
    assert d["unit"] == "nats"
    assert d["cross_entropy"] == pytest.approx(CE6, abs=1e-8)
    assert d["entropy"] == pytest.approx(H6, abs=1e-8)
    assert d["kl_divergence"] == pytest.approx(CE6 - H6, abs=2e-8)
    assert d["perplexity"] == pytest.approx(math.exp(CE6), rel=1e-8)
    # Per-class terms by hand: -y ln p, -y ln y, y ln(y/p).
    assert d["contributions"]["cross_entropy"] == pytest.approx([0.35757794, 0.24079456, 0.23025851], abs=1e-8)
    assert d["contributions"]["entropy"] == pytest.approx([0.24967246, 0.32188758, 0.23025851], abs=1e-8)
    assert d["contributions"]["kl_divergence"] == pytest.approx([0.10790548, -0.08109302, 0.0], abs=1e-8)
    assert d["gradient"] == pytest.approx([-0.1, 0.1, 0.0], abs=1e-15)
    assert d["prediction"] == pytest.approx([0.6, 0.3, 0.1])
    assert d["target"] == pytest.approx([0.7, 0.2, 0.1])


@pytest.mark.parametrize("sample,y,p,ce", [
    (1, "1,0,0", "0.8,0.1,0.1", 0.22314355),  # -ln 0.8
    (5, "0,1,0", "0.33,0.33,0.34", 1.10866262),  # -ln 0.33 (the seed's 1.099 is wrong)
    (7, "0.4,0.3,0.3", "0.8,0.1,0.1", 1.47080848),  # the seed's 0.891 is wrong
    (8, "0.95,0.03,0.02", "0.93,0.04,0.03", 0.23563959),  # the seed's 0.021 is wrong
])
def test_report_seed_rows(capsys, sample, y, p, ce):
    d = run_json(capsys, "report", "--target", y, "--prediction", p)
    assert d["cross_entropy"] == pytest.approx(ce, abs=2e-8)
    bits = run_json(capsys, "report", "--target", y, "--prediction", p, "--bits")
    assert bits["unit"] == "bits"
    assert bits["cross_entropy"] == pytest.approx(ce / LN2, abs=3e-8)
    # The perplexity does not depend on the unit.
    assert bits["perplexity"] == pytest.approx(d["perplexity"], rel=1e-12)


def test_report_json_writes_infinity_never_nan(capsys):
    rc, out, err = run(capsys, "report", "--target", "0,1,0", "--prediction", "0.5,0,0.5", "--json")
    assert rc == 0 and err == ""
    assert "NaN" not in out and "nan" not in out
    assert re.search(r'"cross_entropy": Infinity', out)
    d = json.loads(out)
    assert d["cross_entropy"] == d["kl_divergence"] == d["perplexity"] == math.inf
    assert d["contributions"]["cross_entropy"] == [0.0, math.inf, 0.0]
    assert d["entropy"] == 0.0
    assert d["gradient"] == [0.5, -1.0, 0.5]


def test_report_json_has_no_negative_zero(capsys):
    rc, out, _ = run(capsys, "report", "--target", "1,0,0", "--prediction", "1,0,0", "--json")
    assert rc == 0
    assert "-0.0" not in out
    assert json.loads(out)["cross_entropy"] == 0.0


def test_report_from_logits_is_softmax_and_exact_where_it_underflows(capsys):
    d = run_json(capsys, "report", "--target", "1,0,0", "--logits", "2,1,0.1")
    z = np.array([2.0, 1.0, 0.1])
    assert d["prediction"] == pytest.approx(sps.softmax(z), rel=1e-12)
    assert d["logits"] == [2.0, 1.0, 0.1]
    assert d["cross_entropy"] == pytest.approx(-sps.log_softmax(z)[0], rel=1e-12)
    # z = (1000, 0, -1000), y = (0, 0, 1): log softmax = z - 1000, so CE = 2000 nats exactly.
    d = run_json(capsys, "report", "--target", "0,0,1", "--logits", "1000,0,-1000")
    assert d["cross_entropy"] == 2000.0
    assert d["contributions"]["cross_entropy"] == [0.0, 0.0, 2000.0]
    assert d["perplexity"] == math.inf


def test_report_temperature_and_negative_logits(capsys):
    # "--logits -1,2,0" must be read as a value even though it starts with "-".
    d = run_json(capsys, "report", "--target", "0,1,0", "--logits", "-1,2,0", "--temperature", "2")
    z = np.array([-1.0, 2.0, 0.0]) / 2
    assert d["temperature"] == 2.0
    assert d["cross_entropy"] == pytest.approx(-sps.log_softmax(z)[1], rel=1e-12)
    assert d["gradient"] == pytest.approx((sps.softmax(z) - [0, 1, 0]) / 2, rel=1e-12)


def test_report_label_smoothing_as_pytorch(capsys):
    d = run_json(capsys, "report", "--target", "1,0,0", "--prediction", "0.6,0.3,0.1", "--label-smoothing", "0.2")
    # PyTorch: (1 - eps) * -ln p_true + eps / C * sum_i -ln p_i.
    expected = 0.8 * -math.log(0.6) + 0.2 / 3 * -(math.log(0.6) + math.log(0.3) + math.log(0.1))
    assert d["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    assert d["target"] == pytest.approx([0.8 + 0.2 / 3, 0.2 / 3, 0.2 / 3])


def test_report_fractions_and_class_names(capsys):
    d = run_json(capsys, "report", "--target", "1/3,1/3,1/3", "--prediction", "1,0,0", "--class-names", "a,b,c")
    assert d["class_names"] == ["a", "b", "c"]
    assert d["cross_entropy"] == math.inf
    assert d["entropy"] == pytest.approx(math.log(3))


# --------------------------------------------------------------------------- report text


def test_report_text_table_and_identity_line(capsys):
    rc, out, err = run(capsys, "report", "--target", Y6, "--prediction", P6, "--class-names", "cat,dog,bird")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("class"))
    for col in ("y", "ŷ", "CE term", "H term", "KL term", "∂CE/∂z"):
        assert col in header
    dog = next(line for line in lines if line.startswith("dog"))
    # y, y_hat, -0.2 ln 0.3, -0.2 ln 0.2, 0.2 ln(2/3), gradient 0.3 - 0.2
    assert dog.split()[1:] == ["0.2000", "0.3000", "0.2408", "0.3219", "-0.0811", "0.1000"]
    assert "CE = H + KL: 0.8286 = 0.8018 + 0.0268" in lines
    assert any(line.startswith("cross-entropy") and line.endswith("0.8286 nats") for line in lines)
    assert any(line.startswith("perplexity") and line.endswith(f"{math.exp(CE6):.4f}") for line in lines)
    assert "-0.0000" not in out and "nan" not in out.lower()


def test_report_text_shows_infinity_with_one_explanation(capsys):
    rc, out, err = run(capsys, "report", "--target", "0,1,0", "--prediction", "0.5,0,0.5",
                       "--class-names", "cat,dog,bird")
    assert rc == 0 and err == ""
    assert "CE = H + KL: ∞ = 0.0000 + ∞" in out
    notes = [line for line in out.splitlines() if line.startswith("∞:")]
    assert len(notes) == 1 and "'dog'" in notes[0] and "prediction 0" in notes[0]
    assert "nan" not in out.lower() and "inf " not in out


def test_report_text_never_prints_negative_zero(capsys):
    # 0.1 - 0.1 style cancellations: gradient entries of about -1e-17 must print as 0.0000.
    rc, out, _ = run(capsys, "report", "--target", "0.1,0.2,0.7", "--prediction", "0.1,0.2,0.7")
    assert rc == 0
    assert not re.search(r"-0\.0+\b(?!\d)", out)
    assert "KL divergence  KL    = 0.0000 nats" in out


def test_report_text_in_bits_and_logits_mode(capsys):
    rc, out, _ = run(capsys, "report", "--target", "0.5,0.5", "--logits", "0,0", "--bits")
    assert rc == 0
    assert "CE = H + KL: 1.0000 = 1.0000 + 0.0000" in out  # a fair coin: 1 bit
    assert "2^CE" in out and "losses in bits" in out
    assert "ŷ = softmax(z)" in out


# --------------------------------------------------------------------------- report --scenario, --csv, --code


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "lecture.json"
    Scenario.create([0.7, 0.2, 0.1], [0.6, 0.3, 0.1], class_names=("cat", "dog", "bird")).save(path)
    return path


def test_report_scenario_file(capsys, scenario_file):
    d = run_json(capsys, "report", "--scenario", str(scenario_file))
    assert d["cross_entropy"] == pytest.approx(CE6, abs=1e-8)
    assert d["class_names"] == ["cat", "dog", "bird"]
    d = run_json(capsys, "report", "--scenario", str(scenario_file), "--bits")
    assert d["cross_entropy"] == pytest.approx(CE6 / LN2, abs=1e-8)


def test_report_scenario_refuses_a_second_target(capsys, scenario_file):
    assert_user_error(*run(capsys, "report", "--scenario", str(scenario_file), "--target", "1,0,0"), "--target")


@pytest.mark.parametrize("content,fragment", [
    ("{not json", "not valid JSON"),
    ('{"format": "ce-explorer-scenario", "version": 99, "target": [1, 0], "prediction": [1, 0]}', "version 99"),
    ('{"format": "ce-explorer-scenario", "version": 1, "target": [1, 1], "prediction": [1, 0]}', "sum to 1"),
    ("[]", "JSON object"),
])
def test_report_bad_scenario_files(capsys, tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert_user_error(*run(capsys, "report", "--scenario", str(path)), "bad.json", fragment)


def test_report_missing_scenario_file(capsys, tmp_path):
    assert_user_error(*run(capsys, "report", "--scenario", str(tmp_path / "nope.json")), "nope.json")


def test_report_csv_is_the_export_table(capsys):
    export = pytest.importorskip("ce_desktop.model.export")
    rc, out, err = run(capsys, "report", "--target", Y6, "--prediction", P6, "--csv")
    assert rc == 0 and err == ""
    assert out.rstrip("\n") == export.table_csv(Scenario.create([0.7, 0.2, 0.1], [0.6, 0.3, 0.1])).rstrip("\n")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3
    # Whatever the column names, the per-class CE terms are in there: -0.7 ln 0.6 etc.
    numbers = [float(v) for v in rows[0].values() if re.fullmatch(r"-?[\d.e+-]+", v or "")]
    assert any(v == pytest.approx(0.35757794, abs=1e-8) for v in numbers)


def test_report_numpy_code_runs_and_reproduces_the_loss(capsys, tmp_path):
    pytest.importorskip("ce_desktop.model.export")
    rc, out, err = run(capsys, "report", "--target", Y6, "--prediction", P6, "--code", "numpy")
    assert rc == 0 and err == ""
    script = tmp_path / "snippet.py"
    script.write_text(out)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    value = float(re.search(r"cross.entropy\D*([-\d.e+]+)", proc.stdout).group(1))
    assert value == pytest.approx(CE6, abs=1e-8)


def test_report_torch_code_is_printed(capsys):
    pytest.importorskip("ce_desktop.model.export")
    rc, out, _ = run(capsys, "report", "--target", "1,0,0", "--logits", "2,1,0.1", "--code", "torch")
    assert rc == 0 and "torch" in out
    compile(out, "snippet.py", "exec")  # valid Python


def test_report_code_kind_is_checked(capsys):
    assert_user_error(*run(capsys, "report", "--target", Y6, "--prediction", P6, "--code", "matlab"), "--code")


# --------------------------------------------------------------------------- descend


def _reference_gd(y, z, lr, steps):
    rows = [np.array(z, float)]
    for _ in range(steps):
        rows.append(rows[-1] - lr * (sps.softmax(rows[-1]) - y))
    return np.array(rows)


def test_descend_json_matches_a_direct_reimplementation(capsys):
    y = np.array([0.7, 0.2, 0.1])
    d = run_json(capsys, "descend", "--target", "0.7,0.2,0.1", "--logits", "0,0,3", "--lr", "0.5", "--steps", "30")
    assert {"logits", "loss", "kl_divergence", "entropy", "optimizer", "learning_rate"} <= set(d)
    assert d["optimizer"] == "sgd" and d["learning_rate"] == 0.5
    ref = _reference_gd(y, [0, 0, 3], 0.5, 30)
    assert len(d["logits"]) == len(d["loss"]) == len(d["kl_divergence"]) == 31
    assert d["logits"][0] == [0.0, 0.0, 3.0]
    assert np.array(d["logits"]) == pytest.approx(ref, abs=1e-12)
    ref_loss = [-np.sum(y * sps.log_softmax(z)) for z in ref]
    assert d["loss"] == pytest.approx(ref_loss, rel=1e-12)
    assert d["entropy"] == pytest.approx(H6, abs=1e-8)
    assert np.array(d["kl_divergence"]) == pytest.approx(np.array(ref_loss) - H6, abs=2e-8)


def test_descend_soft_target_settles_on_entropy_hard_target_heads_to_zero(capsys):
    soft = run_json(capsys, "descend", "--target", "0.7,0.2,0.1", "--logits", "0,0,3", "--lr", "1", "--steps", "300")
    assert soft["loss"][-1] == pytest.approx(H6, abs=1e-6)
    assert min(soft["loss"]) >= H6 - 1e-12
    hard = run_json(capsys, "descend", "--target", "1,0,0", "--logits", "0,0,3", "--lr", "1", "--steps", "300")
    assert hard["entropy"] == 0.0
    assert np.all(np.diff(hard["loss"]) < 0) and hard["loss"][-1] < 0.02
    assert hard["logits"][-1][0] > hard["logits"][100][0] > hard["logits"][0][0]


def test_descend_momentum_and_adam(capsys):
    args = ["descend", "--target", "0.2,0.8", "--logits", "1,0", "--lr", "0.1", "--steps", "5"]
    m = run_json(capsys, *args, "--optimizer", "momentum", "--momentum", "0.5")
    # Heavy ball by hand-written loop: v <- 0.5 v + g; z <- z - 0.1 v.
    y, z, v = np.array([0.2, 0.8]), np.array([1.0, 0.0]), np.zeros(2)
    for k in range(5):
        v = 0.5 * v + (sps.softmax(z) - y)
        z = z - 0.1 * v
        assert m["logits"][k + 1] == pytest.approx(z, abs=1e-12)
    a = run_json(capsys, *args, "--optimizer", "adam")
    assert a["optimizer"] == "adam"
    # Adam's first step is lr * sign(g): g = softmax(1, 0) - y has sign (+, -).
    assert a["logits"][1] == pytest.approx([0.9, 0.1], abs=1e-6)


def test_descend_bits_and_temperature(capsys):
    d = run_json(capsys, "descend", "--target", "0.5,0.5", "--logits", "2,0", "--lr", "1", "--steps", "0",
                 "--bits", "--temperature", "2")
    assert d["unit"] == "bits" and d["temperature"] == 2.0
    assert d["loss"] == pytest.approx([-0.5 * (sps.log_softmax([1.0, 0.0]).sum()) / LN2])
    assert d["entropy"] == pytest.approx(1.0)


def test_descend_text_shows_every_step_when_short(capsys):
    rc, out, err = run(capsys, "descend", "--target", "0.7,0.2,0.1", "--logits", "0,0,3", "--lr", "1", "--steps", "5")
    assert rc == 0 and err == ""
    steps = [int(line.split()[0]) for line in out.splitlines() if re.match(r"^\s*\d+\s", line)]
    assert steps == [0, 1, 2, 3, 4, 5]
    assert "H(y) = 0.8018 nats" in out


def test_descend_text_samples_long_runs_and_keeps_the_last_step(capsys):
    rc, out, _ = run(capsys, "descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "997")
    assert rc == 0
    steps = [int(line.split()[0]) for line in out.splitlines() if re.match(r"^\s*\d+\s", line)]
    assert steps[0] == 0 and steps[-1] == 997
    assert 10 <= len(steps) <= 30 and steps == sorted(set(steps))
    assert "H(y) = 0" in out and "--json" in out


def test_descend_overflow_is_a_user_error(capsys):
    rc, out, err = run(capsys, "descend", "--target", "1,0", "--logits", "0,0", "--lr", "1e308", "--steps", "10",
                       "--optimizer", "momentum")
    assert_user_error(rc, out, err, "stopped at step 0", "beyond ±1,000,000", "learning rate")


@pytest.mark.parametrize("optimizer, lr", [("momentum", "4e5"), ("adam", "5e5")])
def test_descend_stops_where_every_run_stops_at_the_logit_limit(capsys, optimizer, lr):
    """The rule of the window's run (tests/model/test_descent_run.py compares the two): the last step whose
    logits lie within ±1e6 is the step named; before this, descend let logits reach 1e308."""
    path = []
    with pytest.raises(FloatingPointError):
        for z in optim.optimizer_path([1, 0, 0], [0, 0, 0], 1000, optim.OptimizerSettings(optimizer, float(lr))):
            path.append(z)
    assert 1 <= len(path) - 1 < 1000
    assert np.max(np.abs(path[-1])) <= 1e6
    rc, out, err = run(capsys, "descend", "--target", "1,0,0", "--logits", "0,0,0", "--lr", lr, "--steps", "1000",
                       "--optimizer", optimizer)
    assert_user_error(rc, out, err, f"stopped at step {len(path) - 1}:", "beyond ±1,000,000")


# --------------------------------------------------------------------------- user errors: exit 2, one line


@pytest.mark.parametrize("argv,fragment", [
    (["report"], "required"),
    (["report", "--prediction", P6], "--target"),
    (["report", "--target", Y6], "--prediction"),
    (["report", "--target", "0.7,0.2,x", "--prediction", P6], "'x' is not a number"),
    (["report", "--target", Y6, "--prediction", P6, "--label-smoothing", "0,1"], "'0,1' is not a number"),
    (["report", "--target", Y6, "--prediction", P6, "--label-smoothing", "10%"], "'10%' is not a number"),
    (["report", "--target", Y6, "--prediction", P6, "--label-smoothing", "1e400"], "finite"),
    (["report", "--target", "0.7,,0.1", "--prediction", P6], "empty"),
    (["report", "--target", "nan,0.5", "--prediction", "0.5,0.5"], "finite"),
    (["report", "--target", "inf,0", "--prediction", "0.5,0.5"], "finite"),
    (["report", "--target", "0.7,0.2,0.2", "--prediction", P6], "target must sum to 1"),
    (["report", "--target", Y6, "--prediction", "0.6,0.3,0.2"], "prediction must sum to 1"),
    (["report", "--target", "0.5,0.5", "--prediction", P6], "3 classes but the target has 2"),
    (["report", "--target", "-0.5,1.5", "--prediction", "0.5,0.5"], "negative"),
    (["report", "--target", "1", "--prediction", "1"], "at least 2 classes"),
    (["report", "--target", Y6, "--prediction", P6, "--logits", "1,2,3"], "not allowed with"),
    (["report", "--target", Y6, "--prediction", P6, "--json", "--csv"], "not allowed with"),
    (["report", "--target", Y6, "--prediction", P6, "--bogus"], "unrecognized arguments: --bogus"),
    (["report", "--target", Y6, "--prediction", P6, "--temperature", "2"], "--temperature"),
    (["report", "--target", Y6, "--logits", "1,2,3", "--temperature", "0"], "positive"),
    (["report", "--target", Y6, "--logits", "1,2,3", "--temperature", "1000"], "temperature must lie"),
    (["report", "--target", Y6, "--logits", "1,2,3e7"], "1,000,000"),
    (["report", "--target", Y6, "--prediction", P6, "--class-names", "a,b"], "2 class names given for 3"),
    (["report", "--target", Y6, "--prediction", P6, "--class-names", "a,,c"], "empty"),
    (["report", "--target", Y6, "--prediction", P6, "--label-smoothing", "-1"], "label smoothing"),
    (["report", "--target"], "expected one argument"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1"], "--steps"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--steps", "3"], "--lr"),
    (["descend", "--target", "1,0", "--lr", "1", "--steps", "3"], "--logits"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "-1", "--steps", "3"], "positive"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "2.5"], "whole number"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "5000000"], "from 0 to 1,000,000"),
    (["descend", "--target", "1,0", "--logits", "0,0,0", "--lr", "1", "--steps", "3"], "3 classes but the target"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "3", "--optimizer", "lbfgs"],
     "invalid choice"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "3", "--momentum", "1.5"],
     "momentum must lie in"),
    (["descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "3", "--json", "x"],
     "unrecognized arguments: x"),
])
def test_user_errors_exit_2_with_one_clear_line(capsys, argv, fragment):
    assert_user_error(*run(capsys, *argv), fragment)


def test_help_exits_0(capsys):
    for sub in ("report", "descend"):
        rc, out, err = run(capsys, sub, "--help")
        assert rc == 0 and err == ""
        assert out.startswith(f"usage: ce-desktop {sub}")


# --------------------------------------------------------------------------- the real entry point


def test_main_py_report_in_a_subprocess():
    proc = main_py("report", "--target", Y6, "--prediction", P6, "--json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["cross_entropy"] == pytest.approx(CE6, abs=1e-8)
    proc = main_py("report", "--target", "0,1", "--prediction", "1,0")
    assert proc.returncode == 0
    assert "∞" in proc.stdout


def test_main_py_user_error_in_a_subprocess():
    proc = main_py("report", "--target", "0.5,0.5", "--prediction", P6)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "ce-desktop: error: prediction has 3 classes but the target has 2\n"


def test_main_py_on_an_ascii_terminal_prints_plain_text():
    proc = main_py("report", "--target", "0,1", "--prediction", "1,0", env_extra={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0, proc.stderr
    assert "inf" in proc.stdout and "y_hat" in proc.stdout


def test_main_py_descend_in_a_subprocess():
    proc = main_py("descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    # Two steps of plain GD by hand: z1 = (1/2, -1/2), z2 = z1 + (1 - s)(1, -1) with s = sigmoid(1).
    s = 1 / (1 + math.exp(-1))
    expected = np.array([[0, 0], [0.5, -0.5], [1.5 - s, -1.5 + s]])
    assert np.array(json.loads(proc.stdout)["logits"]) == pytest.approx(expected, abs=1e-15)


def test_list_presets():
    proc = main_py("--list-presets")
    assert proc.returncode == 0 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) >= 8
    for line in lines:
        name, sep, description = line.partition("\t")
        assert sep == "\t" and name and description
        assert " " not in name and "\t" not in description
    names = [line.split("\t")[0] for line in lines]
    assert "good-prediction" in names and len(set(names)) == len(names)


# --------------------------------------------------------------------------- garbage in


_JUNK = ["", "x", "-", "--", "0", "-1", "1e999", "nan", "inf", "-inf", "1/0", "0.5,0.5", "1,0", "1,0,0", "0,0,1",
         "0.7,0.2,0.1", "0.6,0.3,0.1", "1000,0,-1000", ",,", "1,", "a,b", "1/3,1/3,1/3", "1e308,1e308", "-1e308,0",
         "0.5;0.5", "１,０", "∞", "0x10", "1_0", " 1 , 0 ", "1e-320,1", "100", "0.001", "5", "momentum", "adam",
         "sgd", "numpy", "torch", "\x00", "--json", "-0,1", "3.5", "99999999999999999999"]
_REPORT_FLAGS = ["--target", "--prediction", "--logits", "--scenario", "--temperature", "--bits", "--json", "--csv",
                 "--code", "--class-names", "--label-smoothing", "--help", "--unknown", "-x"]
_DESCEND_FLAGS = ["--target", "--logits", "--lr", "--learning-rate", "--steps", "--optimizer", "--momentum",
                  "--temperature", "--bits", "--json", "--class-names", "--prediction"]
_SWITCHES = {"--bits", "--json", "--csv", "--help"}


def _garbage(rng: random.Random, files: list[str]) -> list[str]:
    command = rng.choice(["report", "descend"])
    flags = _REPORT_FLAGS if command == "report" else _DESCEND_FLAGS
    argv = [command]
    for _ in range(rng.randint(0, 9)):
        flag = rng.choice(flags)
        argv.append(flag)
        if flag in _SWITCHES and rng.random() < 0.8:
            continue
        if flag == "--scenario":
            argv.append(rng.choice(files))
        elif flag == "--steps":
            argv.append(rng.choice(["0", "1", "3", "20", "-2", "x", "1e3"]))
        elif rng.random() < 0.9:
            argv.append(rng.choice(_JUNK))
    if rng.random() < 0.3:  # sometimes a well-formed core, so that deeper code paths run
        argv[1:1] = ["--target", "0.7,0.2,0.1", rng.choice(["--prediction", "--logits"]), "0.6,0.3,0.1"]
    if command == "descend" and rng.random() < 0.3:
        argv[1:1] = ["--target", "1,0,0", "--logits", "0,1,2", "--lr", rng.choice(["0.5", "1e308", "x"]),
                     "--steps", "4"]
    return argv


def test_garbage_argv_gives_a_result_or_exit_2_never_a_traceback(capsys, tmp_path):
    good = tmp_path / "good.json"
    Scenario.create([0.5, 0.5], logits=[1.0, -1.0]).save(good)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ce-explorer-scenario", "version": 1}')
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    files = [str(good), str(bad), str(binary), str(tmp_path / "missing.json"), str(tmp_path), "", "-"]
    rng = random.Random(20240611)
    outcomes = {0: 0, 2: 0}
    for _ in range(400):
        argv = _garbage(rng, files)
        rc = app.main(list(argv))
        out, err = capsys.readouterr()
        assert rc in (0, 2), (argv, rc, err)
        assert "Traceback" not in out + err, argv
        if rc == 2:
            assert ERROR_LINE.match(err), (argv, err)
            assert out == ""
        else:
            assert out and "nan" not in out.lower().replace("nans", ""), (argv, out)
        outcomes[rc] += 1
    assert outcomes[0] >= 20 and outcomes[2] >= 100  # both kinds of outcome really happened


def test_report_and_descend_load_no_qt():
    probe = (
        "import sys, io, contextlib\n"
        "from ce_desktop import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    args = ['report', '--target', '1,0', '--prediction', '0.5,0.5']\n"
        "    codes = [app.main(args + [k]) for k in ('--json', '--csv')]\n"
        "    codes.append(app.main(['report', '--target', '1,0', '--logits', '0,1', '--code', 'numpy']))\n"
        "    codes.append(app.main(['descend', '--target', '1,0', '--logits', '0,0', '--lr', '1', '--steps', '3']))\n"
        "print(codes, sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[0, 0, 0, 0] []"


# --------------------------------------------------------------------------- make run's Qt check


def test_qtcheck_names_the_missing_packages():
    from ce_desktop import qtcheck

    text = (
        "Cannot load library .../libqxcb.so: (libxcb-icccm.so.4: cannot open shared object file: No such file)\n"
        "Cannot load library .../libqxcb.so: (libxcb-icccm.so.4: cannot open shared object file: No such file)\n"
        "libEGL.so.1: cannot open shared object file\n"
    )
    assert qtcheck.missing_packages(text) == ["libxcb-icccm4", "libegl1"]
    assert "sudo apt-get install libxcb-icccm4 libegl1" in qtcheck.advice(text)
    # An unreachable display is not a missing library, whatever else Qt prints.
    text = (
        "qt.qpa.xcb: could not connect to display :77\n"
        "qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.\n"
    )
    assert "cannot connect to the X display ':77'" in qtcheck.advice(text)
    assert "apt-get" not in qtcheck.advice(text)


def _without_display(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**env, **extra}


def _qtcheck(env, *argv):
    return subprocess.run(
        [sys.executable, "-m", "ce_desktop.qtcheck", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_qtcheck_without_a_display_explains_and_stops():
    proc = _qtcheck(_without_display())
    assert proc.returncode == 2
    assert proc.stderr.startswith("qtcheck: no display") and proc.stderr.count("\n") == 1
    assert "report" in proc.stderr and "--screenshot" in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--target", "1,0", "--prediction", "0.5,0.5"],
        ["--screenshot", "x.png"],
        ["--screenshot=x.svg"],
        ["--list-presets"],
        ["--help"],
    ],
)
def test_qtcheck_without_a_display_passes_when_the_arguments_open_no_window(argv):
    proc = _qtcheck(_without_display(), *argv)
    assert (proc.returncode, proc.stderr) == (0, "")


@pytest.mark.parametrize("platform", [None, "xcb"])
def test_qtcheck_with_a_dead_display_fails_with_advice(platform):
    env = _without_display(DISPLAY=":4321", **({"QT_QPA_PLATFORM": platform} if platform else {}))
    proc = _qtcheck(env)
    assert proc.returncode == 2
    assert "cannot connect to the X display ':4321'" in proc.stderr
    assert "Traceback" not in proc.stderr


def _main_py_window(env, *argv):
    """``python main.py`` that would open the window; the first paint quits it (benchmarks/run.py's hook)."""
    env = {**env, "CE_DESKTOP_REPORT_FIRST_PAINT": "1"}
    return subprocess.run(
        [sys.executable, "main.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "display, fragment",
    [
        (None, "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset)"),
        (":4321", "cannot connect to the X display ':4321'"),
        ("not-a-display", "DISPLAY='not-a-display' is not an X display name"),
    ],
)
@pytest.mark.parametrize("platform", [None, "xcb"])
def test_main_py_without_a_usable_display_says_so_and_exits_2(tmp_path, display, fragment, platform):
    """Before: Qt aborted the process (status 134) with its own cryptic lines."""
    env = _without_display(
        **({"DISPLAY": display} if display else {}), **({"QT_QPA_PLATFORM": platform} if platform else {})
    )
    proc = _main_py_window(env, "--settings-dir", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert ERROR_LINE.match(proc.stderr), proc.stderr
    assert fragment in proc.stderr


def test_main_py_offscreen_or_a_screenshot_needs_no_display(tmp_path):
    from PySide6 import QtGui

    proc = _main_py_window(_without_display(QT_QPA_PLATFORM="offscreen"), "--settings-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("CE_DESKTOP_FIRST_PAINT ")
    picture = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(picture), "--size", "640x400", "--settings-dir", str(tmp_path)],
        cwd=ROOT,
        env=_without_display(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    image = QtGui.QImage(str(picture))
    assert (image.width(), image.height()) == (640, 400)


def test_display_problem_finds_a_wayland_compositor_by_its_socket(tmp_path):
    import socket

    from ce_desktop import qtcheck

    path = tmp_path / "wayland-test"
    env = {"WAYLAND_DISPLAY": str(path), "QT_QPA_PLATFORM": "wayland"}
    assert "cannot connect to the Wayland display" in qtcheck.display_problem(env)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        assert qtcheck.display_problem(env) is None
        # By name in XDG_RUNTIME_DIR, as libwayland looks for it, and without QT_QPA_PLATFORM.
        assert qtcheck.display_problem({"WAYLAND_DISPLAY": "wayland-test", "XDG_RUNTIME_DIR": str(tmp_path)}) is None
    assert "XDG_RUNTIME_DIR is unset" in qtcheck.display_problem(
        {"WAYLAND_DISPLAY": "wayland-test", "QT_QPA_PLATFORM": "wayland"}
    )
    # Platforms without a display server are never refused.
    for platform in ("offscreen", "minimal", "vnc", "xcb;offscreen"):
        assert qtcheck.display_problem({"QT_QPA_PLATFORM": platform}) is None


def _make_run(env, *variables):
    """``make run`` with this interpreter's venv, told never to (re)build it."""
    venv = Path(sys.prefix)
    stamp = venv / ".installed"
    return subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={venv}", "-o", str(stamp), "PYTHON=false", *variables],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(
    shutil.which("make") is None or sys.prefix == sys.base_prefix, reason="needs make and a virtual environment"
)
def test_make_run_without_a_display_stops_with_status_2_before_the_app_starts(tmp_path):
    proc = _make_run(_without_display())
    assert proc.returncode == 2
    assert "qtcheck: no display" in proc.stderr
    assert "main.py" not in proc.stdout  # make never got as far as starting the app
    proc = _make_run(_without_display(), "ARGS=report --target 1,0 --prediction 0.5,0.5 --json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout[proc.stdout.index("{") :])["cross_entropy"] == pytest.approx(math.log(2), abs=1e-15)


# --------------------------------------------------------------------------- descend: bounded work


THOUSAND_TARGET = ",".join(["1"] + ["0"] * 999)
THOUSAND_LOGITS = ",".join(["0"] * 1000)


def main_py_with_memory_limit(*argv, limit=int(1.5 * 2**30), timeout=600):
    """``python main.py ...`` with its address space limited (RLIMIT_AS), as on a small machine."""
    import resource

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "main.py", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=limit_memory,
    )


def test_descend_json_keeps_as_many_steps_as_the_window_and_refuses_more_in_one_line():
    # 4,000,000 numbers at 4 C + 6 per step: 4,000,000 // 4,006 = 998 rows, 997 steps for 1,000 classes.
    assert optim.max_run_steps(1000) == 997 and optim.max_run_steps(3) == 222_221
    argv = ("descend", "--target", THOUSAND_TARGET, "--logits", THOUSAND_LOGITS, "--lr", "1", "--json", "--steps")
    proc = main_py_with_memory_limit(*argv, "998")
    assert proc.returncode == 2 and proc.stdout == ""
    assert ERROR_LINE.match(proc.stderr), proc.stderr
    assert "at most 997 steps for 1,000 classes" in proc.stderr and "leave out --json" in proc.stderr
    # The largest accepted --json run of 1,000 classes finishes in 1.5 GB, every step printed.
    proc = main_py_with_memory_limit(*argv, "997")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert len(d["logits"]) == 998 and len(d["loss"]) == 998 and len(d["logits"][-1]) == 1000


def test_descend_table_keeps_only_its_rows_so_a_long_wide_run_fits_in_memory():
    """80,000 steps of 1,000 classes: every step's logits would be 640 MB, and the losses of all
    of them several times that (over 1.5 GB before this); the table keeps its 21 rows."""
    proc = main_py_with_memory_limit(
        "descend", "--target", THOUSAND_TARGET, "--logits", THOUSAND_LOGITS, "--lr", "1", "--steps", "80000"
    )
    assert proc.returncode == 0, proc.stderr
    steps = [int(line.split()[0]) for line in proc.stdout.splitlines() if re.match(r"^\s*\d+\s", line)]
    assert steps[0] == 0 and steps[-1] == 80_000 and len(steps) == 21
    assert "after 80000 steps" in proc.stdout


def test_descend_table_rows_are_those_of_the_full_run(capsys):
    rc, out, _ = run(capsys, "descend", "--target", "0.7,0.2,0.1", "--logits", "0,0,3", "--lr", "0.5", "--steps", "400")
    assert rc == 0
    full = optim.optimize([0.7, 0.2, 0.1], [0, 0, 3], 400, optim.OptimizerSettings("sgd", 0.5))
    ce, _, kl = core.trajectory_losses([0.7, 0.2, 0.1], full)
    rows = [line.split() for line in out.splitlines() if re.match(r"^\s*\d+\s", line)]
    assert len(rows) == 21
    for row in rows:
        k = int(row[0])
        assert [float(v) for v in row[1:]] == pytest.approx([ce[k], kl[k], *full[k]], abs=5e-5)


def test_running_out_of_memory_is_a_user_facing_line_not_an_internal_error(capsys, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(optim, "optimizer_path", no_memory)
    rc, out, err = run(capsys, "descend", "--target", "1,0", "--logits", "0,0", "--lr", "1", "--steps", "5")
    assert_user_error(rc, out, err, "not enough memory", "--steps")


@pytest.mark.slow
def test_the_largest_accepted_descend_requests_finish_in_one_and_a_half_gigabytes():
    """1,000,000 steps of 1,000 classes (the table; about 30 s), and the longest --json run of 3
    classes (222,221 steps, every one printed)."""
    proc = main_py_with_memory_limit(
        "descend", "--target", THOUSAND_TARGET, "--logits", THOUSAND_LOGITS, "--lr", "1", "--steps", str(cli.MAX_STEPS)
    )
    assert proc.returncode == 0, proc.stderr
    assert f"after {cli.MAX_STEPS} steps" in proc.stdout
    proc = main_py_with_memory_limit(
        "descend", "--target", "1,0,0", "--logits", "0,0,0", "--lr", "1", "--steps", "222221", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["logits"]) == 222_222
