"""Exports: the per-class table (CSV/TSV), code snippets and trajectories (pictures: tests/gui/test_pictures.py).

Numbers are checked against scipy computed here from the raw inputs, never against the
export's own output.
"""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from collections import namedtuple

import numpy as np
import pytest
from scipy import special

from ce_desktop.model import export
from ce_desktop.model.scenario import Scenario

# --------------------------------------------------------------------------- scenarios

def _scenarios() -> dict[str, Scenario]:
    return {
        "hard": Scenario.create([1, 0, 0], [0.8, 0.1, 0.1], class_names=("cat", "dog", "bird")),
        "soft": Scenario.create([0.7, 0.2, 0.1], [0.6, 0.3, 0.1]),
        "smoothed": Scenario.create([0, 1, 0, 0], [0.1, 0.6, 0.2, 0.1], label_smoothing=0.2),
        "logits-T": Scenario.create([0.5, 0.5, 0], logits=[2.0, -1.0, 0.5], temperature=2.5),
        "bits": Scenario.create([0.25, 0.25, 0.5], [0.5, 0.25, 0.25], units="bits"),
        "zero": Scenario.create([1, 0, 0], [0.0, 0.5, 0.5]),
        "zero-soft": Scenario.create([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]),
        "many-logits": Scenario.create(
            np.eye(1000)[3], logits=np.linspace(-40, 40, 1000), label_smoothing=0.05, units="bits"
        ),
    }


SCENARIOS = _scenarios()


def _reference(s: Scenario) -> dict[str, np.ndarray | float]:
    """Independent per-class numbers from scipy, straight from the raw fields."""
    y = np.asarray(s.target, float)
    c = y.size
    eps = s.label_smoothing
    y = y * (1 - eps) + eps / c
    if s.logits is not None:
        z = np.asarray(s.logits, float)
        p = special.softmax(z / s.temperature)
        logp = special.log_softmax(z / s.temperature)
        logit = z
    else:
        p = np.asarray(s.prediction, float)
        with np.errstate(divide="ignore"):
            logp = np.log(p)
        logit = logp - logp.max()
    k = math.log(2) if s.units == "bits" else 1.0
    ce = np.where(y > 0, -y * np.where(y > 0, logp, 0.0), 0.0) / k
    h = special.entr(y) / k
    kl = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1.0)) - np.where(y > 0, logp, 0.0)), 0.0) / k
    return {
        "target": y, "prediction": p, "logit": logit, "ce_term": ce, "entropy_term": h,
        "kl_term": kl, "gradient": (p - y) / s.temperature, "ce": float(ce.sum()),
    }


def _read(text: str, dialect="excel") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


# --------------------------------------------------------------------------- table

@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_csv_parses_and_matches_scipy(name):
    s = SCENARIOS[name]
    text = export.table_csv(s)
    rows = _read(text)
    assert text.splitlines()[0] == "class,target,prediction,logit,ce_term,entropy_term,kl_term,gradient"
    assert len(rows) == s.num_classes
    ref = _reference(s)
    assert [r["class"] for r in rows] == list(s.class_names)
    for key in ("target", "prediction", "logit", "ce_term", "entropy_term", "kl_term", "gradient"):
        got = np.array([float(r[key]) for r in rows])
        np.testing.assert_allclose(got, ref[key], rtol=1e-9, atol=1e-12, err_msg=key)
    assert "nan" not in text.lower()
    assert "-0.0," not in text and not any(f.strip() == "-0.0" for r in rows for f in r.values())


def test_csv_terms_add_up_to_the_totals():
    s = SCENARIOS["smoothed"]
    rows = _read(export.table_csv(s))
    ce = sum(float(r["ce_term"]) for r in rows)
    h = sum(float(r["entropy_term"]) for r in rows)
    kl = sum(float(r["kl_term"]) for r in rows)
    assert ce == pytest.approx(_reference(s)["ce"], rel=1e-12)
    assert ce == pytest.approx(h + kl, rel=1e-12)  # CE = H + KL
    assert sum(float(r["gradient"]) for r in rows) == pytest.approx(0.0, abs=1e-12)


def test_infinite_loss_is_written_as_inf():
    rows = _read(export.table_csv(SCENARIOS["zero"]))
    assert rows[0]["ce_term"] == "inf"
    assert rows[0]["kl_term"] == "inf"
    assert rows[0]["logit"] == "-inf"
    assert rows[0]["gradient"] == "-1.0"


def test_negative_zero_is_never_written():
    s = Scenario.create([1, 0, 0], logits=[-0.0, -0.0, -0.0])
    text = export.table_csv(s)
    assert "-0.0" not in text
    assert _read(text)[0]["logit"] == "0.0"


def test_tsv_is_the_same_table_with_tabs_and_awkward_names_survive():
    s = Scenario.create([0.5, 0.5], [0.25, 0.75], class_names=('a, "quoted"', "b\tc"))
    tsv = export.table_tsv(s)
    csv_rows = _read(export.table_csv(s))
    tsv_rows = _read(tsv, "excel-tab")
    assert "," not in tsv.splitlines()[0]
    assert len(tsv.splitlines()[0].split("\t")) == 8
    assert tsv_rows == csv_rows
    # Tabs inside names are folded to spaces by the scenario, so every line has 8 cells.
    assert tsv_rows[1]["class"] == "b c"


def test_table_rows_accepts_a_state_like_object():
    s = SCENARIOS["hard"]
    holder = type("Holder", (), {"scenario": s})()
    rows = export.table_rows(holder)
    assert list(rows[0]) == list(export.TABLE_COLUMNS)
    assert rows[0]["ce_term"] == pytest.approx(-math.log(0.8), rel=1e-15)
    with pytest.raises(TypeError):
        export.table_rows(object())


# --------------------------------------------------------------------------- code

def _run(code: str, tmp_path) -> str:
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return out.stdout


def _printed(stdout: str, name: str) -> str:
    line = next(ln for ln in stdout.splitlines() if ln.startswith(f"{name} ="))
    return line.split("=", 1)[1].strip()


def _check_printed(stdout: str, s: Scenario) -> None:
    """CE, H, KL and the gradient a snippet printed, against scipy from the raw fields and the app's numbers."""
    ref = _reference(s)
    ev = s.evaluate()
    for name, expected, app in (
        ("cross_entropy", ref["ce"], ev.cross_entropy),
        ("entropy", float(np.sum(ref["entropy_term"])), ev.entropy),
        ("kl_divergence", float(np.sum(ref["kl_term"])), ev.kl_divergence),
    ):
        value, units = _printed(stdout, name).split()
        assert units == s.units
        if math.isinf(expected):
            assert float(value) == math.inf and app == math.inf
        else:
            assert float(value) == pytest.approx(expected, rel=1e-9, abs=1e-12), name
            assert float(value) == pytest.approx(app, rel=1e-9, abs=1e-12), name
    grad = np.array(eval(_printed(stdout, "gradient")))  # a printed list of floats
    np.testing.assert_allclose(grad, ref["gradient"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grad, ev.gradient, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_numpy_snippet_runs_and_prints_the_app_numbers(name, tmp_path):
    s = SCENARIOS[name]
    _check_printed(_run(export.code_snippet(s, "numpy"), tmp_path), s)


_DRIVER = """
import contextlib, runpy, sys
for path in sys.argv[1:]:
    with open(path + ".out", "w") as out, contextlib.redirect_stdout(out):
        runpy.run_path(path, run_name="__main__")
"""


@pytest.fixture(scope="module")
def snippet_outputs(tmp_path_factory):
    """kind -> scenario name -> what its snippet printed: every scenario in one process, so that the
    framework is imported once."""
    cache: dict[str, dict[str, str]] = {}

    def outputs(kind: str) -> dict[str, str]:
        if kind not in cache:
            folder = tmp_path_factory.mktemp(kind)
            paths = {}
            for name, s in SCENARIOS.items():
                path = folder / f"{name.replace('-', '_')}.py"
                path.write_text(export.code_snippet(s, kind), encoding="utf-8")
                paths[name] = path
            proc = subprocess.run([sys.executable, "-c", _DRIVER, *map(str, paths.values())], capture_output=True,
                                  text=True, timeout=600, cwd=folder)
            assert proc.returncode == 0, proc.stderr[-3000:]
            cache[kind] = {name: path.with_name(path.name + ".out").read_text(encoding="utf-8")
                           for name, path in paths.items()}
        return cache[kind]

    return outputs


@pytest.mark.parametrize("kind", ["tensorflow", "jax"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_tensorflow_and_jax_snippets_print_the_app_numbers(kind, name, snippet_outputs):
    """Where the framework is installed (neither is a dependency); they compile always (below)."""
    pytest.importorskip(kind)
    _check_printed(snippet_outputs(kind)[name], SCENARIOS[name])


@pytest.mark.parametrize("kind", export.CODE_KINDS)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_snippet_compiles(kind, name):
    compile(export.code_snippet(SCENARIOS[name], kind), f"{kind}.py", "exec")


def test_the_frameworks_use_their_own_autodiff():
    s = SCENARIOS["smoothed"]
    tf_code = export.code_snippet(s, "tensorflow")
    assert "tf.GradientTape()" in tf_code and "label_smoothing = 0.2" in tf_code and "dtype=tf.float64" in tf_code
    jax_code = export.code_snippet(s, "jax")
    assert "jax.value_and_grad(" in jax_code and '"jax_enable_x64", True' in jax_code


def test_report_offers_every_code_kind(capsys):
    from ce_desktop import app

    for kind in export.CODE_KINDS:
        assert app.main(["report", "--target", "1,0", "--logits", "0,1", "--code", kind]) == 0
        assert capsys.readouterr().out == export.code_snippet(Scenario.create([1, 0], logits=[0, 1]), kind)


def test_snippets_mention_their_settings():
    s = SCENARIOS["many-logits"]
    np_code = export.code_snippet(s, "numpy")
    assert "label_smoothing = 0.05" in np_code and "np.log(2)" in np_code
    assert max(len(line) for line in np_code.splitlines()) < 100  # long vectors are wrapped
    torch_code = export.code_snippet(s, "torch")
    assert "F.cross_entropy(" in torch_code and "label_smoothing=0.05" in torch_code
    assert "torch.tensor([3])" in torch_code  # a hard label becomes a class index
    soft = export.code_snippet(SCENARIOS["logits-T"], "torch")
    assert "dtype=torch.float64)  # class probabilities" in soft
    assert "logits / temperature" in soft


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_torch_snippet_is_valid_python(name, tmp_path):
    code = export.code_snippet(SCENARIOS[name], "torch")
    compile(code, "snippet.py", "exec")
    try:
        import torch  # noqa: F401
    except ImportError:
        return  # torch is not a dependency; the snippet is still checked to compile
    stdout = _run(code, tmp_path)
    value = float(_printed(stdout, "cross_entropy").split()[0])
    assert value == pytest.approx(_reference(SCENARIOS[name])["ce"], rel=1e-9)


def test_snippet_title_cannot_break_the_script(tmp_path):
    s = Scenario.create([1, 0], [0.5, 0.5], title='evil """ title \\ here')
    stdout = _run(export.code_snippet(s, "numpy"), tmp_path)
    assert float(_printed(stdout, "cross_entropy").split()[0]) == pytest.approx(math.log(2))


def test_unknown_snippet_kind_is_refused():
    with pytest.raises(ValueError, match="numpy"):
        export.code_snippet(SCENARIOS["hard"], "matlab")


# --------------------------------------------------------------------------- trajectory

def test_trajectory_csv_from_dicts_and_objects():
    Row = namedtuple("Row", "step cross_entropy kl_divergence entropy logits")
    rows = [
        {"step": 0, "loss": math.inf, "kl": math.inf, "entropy": 0.0, "logits": [0.0, -100.0]},
        Row(1, 0.5, 0.25, 0.25, np.array([0.5, -99.5])),
    ]
    text = export.trajectory_csv(rows, class_names=("yes", "no"))
    parsed = _read(text)
    assert text.splitlines()[0] == "step,loss,kl,entropy,logit_yes,logit_no"
    assert parsed[0]["loss"] == "inf"
    assert [int(r["step"]) for r in parsed] == [0, 1]
    assert float(parsed[1]["logit_no"]) == -99.5
    assert export.trajectory_csv(rows).splitlines()[0].endswith("logit_1,logit_2")


def test_trajectory_csv_refuses_ragged_rows():
    rows = [{"step": 0, "loss": 1, "kl": 1, "entropy": 0, "logits": [0, 1]},
            {"step": 1, "loss": 1, "kl": 1, "entropy": 0, "logits": [0, 1, 2]}]
    with pytest.raises(ValueError):
        export.trajectory_csv(rows)
    assert export.trajectory_csv([]) == "step,loss,kl,entropy\n"


def test_tables_and_code_need_no_qt():
    """`report --csv/--code` uses these without a window: importing export loads no Qt."""
    code = (
        "import sys; from ce_desktop.model import export; from ce_desktop.model.scenario import Scenario\n"
        "s = Scenario.create([1, 0], [0.5, 0.5]); export.table_csv(s); export.code_snippet(s, 'torch')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken', 'pyqtgraph'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
