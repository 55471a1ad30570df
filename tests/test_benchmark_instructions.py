"""benchmarks/instructions.py: instructions per drag move and per descent frame under callgrind.

The parsing of callgrind's dump files and the summary are checked on hand-made dumps with
hand-worked numbers; the script's refusals and its valgrind-less path run as real processes.
The real count under valgrind takes minutes, so it is in the opt-in long run (``make test-long``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "instructions.py"


def _module():
    spec = importlib.util.spec_from_file_location("ce_bench_instructions", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dump(directory: Path, name: str, part: int, total: int) -> None:
    # The lines callgrind writes that matter here, among others that do not.
    (directory / name).write_text(
        f"# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 77\ncmd: python\npart: {part}\n\n"
        f"desc: I1 cache:\npositions: line\nevents: Ir\nsummary: {total}\n\nfl=(1) x.c\nfn=(1) f\n0 {total}\n\n"
        f"totals: {total}\n", encoding="utf-8")


def test_dumps_are_read_in_part_order_and_the_first_and_last_are_dropped(tmp_path):
    mod = _module()
    # Twelve parts: in name order part 10 would come before part 2.
    totals = {1: 5_000_000_000, **{k: 6_000_000 + k for k in range(2, 12)}, 12: 40_000_000}
    for part, total in totals.items():
        name = "callgrind.out.77" if part == 12 else f"callgrind.out.77.{part}"
        _dump(tmp_path, name, part, total)
    (tmp_path / "unrelated.txt").write_text("summary: 1\n", encoding="utf-8")
    dumps = mod.parse_dumps(tmp_path)
    assert [p for p, _ in dumps] == list(range(1, 13))
    assert mod.per_update(dumps, 10) == [6_000_000 + k for k in range(2, 12)]


def test_a_missing_or_extra_dump_is_an_error_not_a_wrong_number(tmp_path):
    mod = _module()
    for part in range(1, 6):
        _dump(tmp_path, f"callgrind.out.9.{part}", part, 100 * part)
    dumps = mod.parse_dumps(tmp_path)
    with pytest.raises(ValueError, match="expected 6 callgrind dumps"):
        mod.per_update(dumps, 4)
    assert mod.per_update(dumps, 3) == [200, 300, 400]
    (tmp_path / "callgrind.out.9.6").write_text("part: 6\nevents: Ir\n", encoding="utf-8")  # cut off
    with pytest.raises(ValueError, match="not a complete callgrind dump"):
        mod.parse_dumps(tmp_path)


def test_summary_by_hand():
    mod = _module()
    # Ten updates: nine of 6 M and one of 18 M (a plot range change).
    counts = [6_000_000] * 9 + [18_000_000]
    s = mod.summarise(counts)
    assert s["median_M"] == 6.0 and s["max_M"] == 18.0 and s["updates"] == 10
    # p90 by linear interpolation: position 0.9 * 9 = 8.1 between 6 M and 18 M: 6 + 0.1 * 12 = 7.2 M.
    assert s["p90_M"] == pytest.approx(7.2) and s["p90_ratio"] == pytest.approx(1.2)
    assert s["over_1_5x_median"] == 1
    assert mod.summarise([5, 5, 5])["over_1_5x_median"] == 0


def _run(*args, path=None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=3600, env=env, cwd=str(ROOT))


def test_without_valgrind_it_says_so_and_writes_why(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "i.json"
    proc = _run("--json", str(out), path=str(empty))
    assert proc.returncode == 0, proc.stderr
    assert "valgrind is not installed" in proc.stdout
    assert json.loads(out.read_text(encoding="utf-8")) == {"skipped": "valgrind not installed"}


@pytest.mark.parametrize("args, message", [
    (["--kinds", "scroll"], "--kinds takes drag and/or frame"),
    (["--classes", "ten"], "--classes takes whole numbers"),
    (["--updates", "0"], "--updates must be at least 1"),
])
def test_bad_arguments_are_refused_with_a_reason(args, message):
    proc = _run(*args)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_real_counts_under_callgrind(tmp_path):
    out = tmp_path / "i.json"
    proc = _run("--classes", "3", "--updates", "5", "--json", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = json.loads(out.read_text(encoding="utf-8"))
    for kind in ("drag", "frame"):
        d = r[kind]["3"]
        assert len(d["counts"]) == d["updates"] == 5
        # A move or a frame repaints several plots: millions of instructions, far less than
        # the start-up's billions (which would mean the dumps were misread).
        assert all(1e6 < c < 2e8 for c in d["counts"]), d["counts"]
        assert d["median_M"] <= d["p90_M"] <= d["max_M"]
    assert "drag move, C = 3: median" in proc.stdout and "descent frame, C = 3" in proc.stdout
