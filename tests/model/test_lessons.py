"""Lessons: the built-in seed lesson, the lesson file format, and every way a file can be refused."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from ce_desktop import app
from ce_desktop.model import lessons
from ce_desktop.model.lessons import (
    FORMAT_NAME,
    MAX_FILE_BYTES,
    MAX_SLIDES,
    PANELS,
    LessonError,
    lesson_from_dict,
    lesson_from_json,
    render_caption,
)
from ce_desktop.model.scenario import Scenario

SEED = lessons.get(lessons.SEED_LESSON)

# The seed page's worked examples (target, prediction), in its order.
SEED_ROWS = [
    ([1, 0, 0], [0.8, 0.1, 0.1]),
    ([0, 1, 0], [0.3, 0.4, 0.3]),
    ([0, 0, 1], [0.9, 0.05, 0.05]),
    ([1, 0, 0], [0.99, 0.005, 0.005]),
    ([0, 1, 0], [0.33, 0.33, 0.34]),
    ([0.7, 0.2, 0.1], [0.6, 0.3, 0.1]),
    ([0.4, 0.3, 0.3], [0.8, 0.1, 0.1]),
    ([0.95, 0.03, 0.02], [0.93, 0.04, 0.03]),
]
# Numbers printed in the seed's table; rows 5, 7 and 8 are wrong, so no caption may quote any of them.
SEED_PRINTED = ["0.223", "0.916", "2.996", "0.010", "1.099", "0.829", "0.891", "0.021"]


def hand_ce(y, p) -> float:
    """-sum y_i ln p_i, written out term by term (0 ln anything = 0)."""
    return -sum(yi * math.log(pi) for yi, pi in zip(y, p, strict=True) if yi > 0)


def hand_h(y) -> float:
    return -sum(yi * math.log(yi) for yi in y if yi > 0)


def minimal(**slide_changes) -> dict:
    slide = {"caption": "CE = {ce}", "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}
    slide.update(slide_changes)
    return {"format": FORMAT_NAME, "version": 1, "name": "t", "title": "T", "slides": [slide]}


# --------------------------------------------------------------------------- the built-in lesson


def test_builtin_lessons_are_listed_and_the_seed_lesson_comes_first():
    assert lessons.LESSONS and lessons.LESSONS[0].name == "cross-entropy"
    assert len({lesson.name for lesson in lessons.LESSONS}) == len(lessons.LESSONS)
    # Loaded from the JSON file in ce_desktop/resources/lessons, not built in code.
    assert SEED.path is not None and SEED.path.name == "cross-entropy.json"
    assert SEED.path.parent == lessons.BUILTIN_DIR


@pytest.mark.parametrize("lesson", lessons.LESSONS, ids=lambda lesson: lesson.name)
def test_every_builtin_slide_loads_with_a_valid_scenario(lesson):
    for k, slide in enumerate(lesson.slides, 1):
        if slide.workspace == "dataset":
            continue  # tests/model/test_lessons_dataset.py
        s = slide.scenario
        # The scenario survives its own file format (it is a valid scenario in every field).
        again = Scenario.from_json(s.to_json())
        assert again.same_as(s), k
        ev = s.evaluate()
        assert not math.isnan(ev.cross_entropy) and ev.cross_entropy >= ev.entropy - 1e-12
        assert set(slide.panels) <= set(PANELS) and slide.panels, k
        assert slide.caption.strip() and slide.title.strip(), k
        text = render_caption(slide.caption, s)
        assert "{" not in text and "nan" not in text.lower(), (k, text)
        assert lesson.slide(k) is slide


def test_the_seed_lesson_follows_the_seed_page_in_order():
    titles = [s.title.lower() for s in SEED.slides]

    def first(pattern: str, start: int = 0) -> int:
        for i in range(start, len(titles)):
            if re.search(pattern, titles[i]):
                return i
        raise AssertionError(f"no slide matching {pattern!r} after slide {start + 1}: {titles}")

    order = [
        first(r"what cross-entropy measures"),
        first(r"hard labels"),
        first(r"soft labels"),
        first(r"likelihood"),
        first(r"h \+ kl"),
        first(r"nats and bits"),
        first(r"gradient"),
        first(r"worked example 1"),
        first(r"perfect prediction"),
        first(r"confident and wrong"),
        first(r"near-uniform"),
        first(r"soft labels need no special case"),
    ]
    assert order == sorted(order), order
    # The information-theory slide in bits is really in bits, and a gradient slide runs a descent.
    assert SEED.slides[order[5]].scenario.units == "bits"
    assert any(s.descent_steps > 0 and "descent" in s.panels for s in SEED.slides[order[6]:order[7]])
    assert any("binary" in s.panels for s in SEED.slides)
    assert any("comparison" in s.panels for s in SEED.slides)


def test_the_worked_examples_are_all_eight_seed_rows_with_computed_numbers():
    worked = [s for s in SEED.slides if s.title.lower().startswith("worked example")]
    assert len(worked) == 8
    for k, (slide, (y, p)) in enumerate(zip(worked, SEED_ROWS, strict=True), 1):
        assert f"worked example {k}" in slide.title.lower()
        np.testing.assert_allclose(slide.scenario.target, y, atol=1e-15)
        np.testing.assert_allclose(slide.scenario.prediction, p, atol=1e-15)
        text = render_caption(slide.caption, slide.scenario)
        assert f"{hand_ce(y, p):.3f}" in text, (k, text)
    # The seed prints wrong values for rows 5, 7 and 8; the app's numbers are the hand-worked ones.
    assert f"{hand_ce(*SEED_ROWS[4]):.3f}" == "1.109"
    assert f"{hand_ce(*SEED_ROWS[6]):.3f}" == "1.471"
    assert f"{hand_ce(*SEED_ROWS[7]):.3f}" == "0.236"
    for k in (4, 6, 7):
        text = render_caption(worked[k].caption, worked[k].scenario)
        assert SEED_PRINTED[k] not in text


def test_no_caption_quotes_a_number_from_the_seed_table():
    for slide in SEED.slides:
        for printed in SEED_PRINTED:
            assert printed not in slide.caption, (slide.title, printed)


def test_key_observation_slides_show_what_they_claim():
    by_title = {s.title.lower(): s for s in SEED.slides}
    perfect = next(s for t, s in by_title.items() if "perfect prediction" in t)
    np.testing.assert_allclose(perfect.scenario.prediction, perfect.scenario.target)
    ev = perfect.scenario.evaluate()
    assert ev.cross_entropy == pytest.approx(hand_h(perfect.scenario.target), abs=1e-12)
    wrong = next(s for t, s in by_title.items() if "confident and wrong" in t)
    k = int(np.argmax(wrong.scenario.target))
    assert wrong.scenario.prediction[k] <= 0.05 and wrong.scenario.evaluate().cross_entropy > 2.9
    uniform = next(s for t, s in by_title.items() if "near-uniform" in t)
    assert uniform.scenario.evaluate().cross_entropy == pytest.approx(math.log(3), abs=1e-12)


# --------------------------------------------------------------------------- captions


def test_placeholders_are_filled_with_independently_computed_numbers():
    s = Scenario.create([0.7, 0.2, 0.1], [0.4, 0.4, 0.2], class_names=("cat", "dog", "bird"), units="bits")
    y, p = [0.7, 0.2, 0.1], [0.4, 0.4, 0.2]
    ce_nats, h_nats = hand_ce(y, p), hand_h(y)
    fields = "{ce} {units}|{entropy}|{kl}|{ce_nats}|{kl_nats}|{p_true}|{true_class}|{classes}|{gradient}"
    text = render_caption(fields, s)
    parts = text.split("|")
    assert parts[0] == f"{ce_nats / math.log(2):.3f} bits"
    assert parts[1] == f"{h_nats / math.log(2):.3f}"
    assert parts[2] == f"{(ce_nats - h_nats) / math.log(2):.3f}"
    assert parts[3] == f"{ce_nats:.3f}"
    assert parts[4] == f"{ce_nats - h_nats:.3f}"
    assert parts[5:8] == ["0.400", "cat", "3"]
    assert parts[8] == "(-0.300, 0.200, 0.100)"  # p - y by hand


def test_captions_cannot_reach_anything_but_the_named_values():
    s = Scenario.create([1, 0], [0.5, 0.5])
    assert render_caption("{ce.__class__} {0} {} {CE}", s) == "{ce.__class__} {0} {} {CE}"
    with pytest.raises(LessonError, match=r"slide 1: unknown placeholder\(s\) \{bogus\}"):
        lesson_from_dict(minimal(caption="x {bogus}"))


def test_infinite_loss_reads_infinity_in_a_caption():
    s = Scenario.create([1, 0, 0], [0.0, 0.5, 0.5])
    assert render_caption("CE = {ce}, KL = {kl}", s) == "CE = ∞, KL = ∞"


# --------------------------------------------------------------------------- the file format


def test_a_minimal_lesson_loads_and_fills_in_defaults(tmp_path):
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(minimal()), encoding="utf-8")
    lesson = lessons.get(str(f))
    assert (lesson.name, lesson.title, len(lesson)) == ("t", "T", 1)
    slide = lesson.slide(1)
    assert slide.panels == lessons.DEFAULT_PANELS and slide.descent_steps == 0
    assert slide.scenario.evaluate().cross_entropy == pytest.approx(math.log(2))
    with pytest.raises(LessonError, match="slides 1..1, not 2"):
        lesson.slide(2)


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"format": "ce-explorer-scenario", "version": 1}', "not a CE Explorer lesson"),
        (json.dumps({**minimal(), "version": 2}), "format version 2, newer than"),
        (json.dumps({**minimal(), "version": 0}), "unknown lesson format version 0"),
        (json.dumps({**minimal(), "version": "1"}), "no valid version"),
        (json.dumps({**minimal(), "extra": 1}), r"unknown field\(s\) in lesson: extra"),
        (json.dumps({**minimal(), "slides": []}), "has no slides"),
        (json.dumps({**minimal(), "slides": {}}), "needs a list of 'slides'"),
        (json.dumps({**minimal(), "name": "has space"}), "lesson name 'has space'"),
        (json.dumps({k: v for k, v in minimal().items() if k != "title"}), "missing 'title'"),
        (json.dumps(minimal(panels=["editors", "nope"])), r"slide 1: unknown panel\(s\) 'nope'"),
        (json.dumps(minimal(panels=[])), "at least one panel"),
        (json.dumps(minimal(panels="editors")), "list of panel names"),
        (json.dumps(minimal(descent_steps=-1)), "descent_steps' must lie in 0..10000"),
        (json.dumps(minimal(descent_steps=True)), "descent_steps' must be a whole number"),
        (json.dumps(minimal(descent_steps=2.5)), "descent_steps' must be a whole number"),
        (json.dumps(minimal(caption=5)), "'caption' must be a string"),
        (json.dumps(minimal(caption="x" * 2001)), "2001 characters long"),
        (json.dumps(minimal(surprise=1)), r"slide 1: unknown field\(s\) surprise"),
        (json.dumps(minimal(scenario={"target": [1, 1], "prediction": [0.5, 0.5]})), "slide 1: target must sum to 1"),
        (json.dumps(minimal(scenario={"target": [1, 0]})), "slide 1: a scenario needs exactly one"),
        (json.dumps(minimal(scenario=[1, 0])), "'scenario' must be a JSON object"),
        (json.dumps(minimal(scenario_file="x.json")), "needs exactly one of 'scenario' or 'scenario_file'"),
        ('{"format": "ce-explorer-lesson", "version": NaN}', "NaN is not allowed"),
    ],
)
def test_malformed_lessons_are_refused_with_a_clear_message(text, message):
    with pytest.raises(LessonError, match=message):
        lesson_from_json(text)


def test_the_slide_count_and_file_size_are_bounded(tmp_path):
    data = minimal()
    data["slides"] = data["slides"] * (MAX_SLIDES + 1)
    with pytest.raises(LessonError, match=f"{MAX_SLIDES + 1} slides; at most {MAX_SLIDES}"):
        lesson_from_dict(data)
    data["slides"] = data["slides"][:MAX_SLIDES]
    assert len(lesson_from_dict(data)) == MAX_SLIDES
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1) + json.dumps(minimal()).encode())
    with pytest.raises(LessonError, match=r"big.json: the file is larger than 1000 kB"):
        lessons.load(big)
    with pytest.raises(LessonError, match="larger than"):
        lesson_from_json(" " * (MAX_FILE_BYTES + 1))


def test_a_file_error_names_the_file(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text(json.dumps(minimal(panels=["bogus"])), encoding="utf-8")
    with pytest.raises(LessonError, match=r"^broken.json: slide 1: unknown panel"):
        lessons.load(f)
    bad = tmp_path / "binary.json"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(LessonError, match="binary.json: not a text"):
        lessons.load(bad)
    with pytest.raises(LessonError, match="no such lesson file"):
        lessons.load(tmp_path / "missing.json")
    with pytest.raises(LessonError, match="folder.json: is a folder"):
        (tmp_path / "folder.json").mkdir()
        lessons.load(tmp_path / "folder.json")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_is_refused_at_once_with_its_own_message(tmp_path):
    """A FIFO is not "missing": it is refused as not a regular file, without reading it (a read
    would wait for a writer forever)."""
    fifo = tmp_path / "lesson.json"
    os.mkfifo(fifo)
    with pytest.raises(LessonError, match="lesson.json: not a regular file"):
        lessons.load(fifo)


#: A name that was a regular file when it was checked and is a named pipe when it is opened:
#: ``Path.stat`` reports the regular file. Run in a child process, so that a loader that opens
#: the pipe to read it (and waits for a writer for ever) fails on the timeout, not hangs the suite.
SWAPPED_FOR_A_PIPE = r"""
import pathlib, sys
from ce_desktop.model import lessons, scenario

pipe, regular, loader = sys.argv[1:]
real_stat = pathlib.Path.stat
pathlib.Path.stat = lambda self, *a, **k: real_stat(pathlib.Path(regular) if str(self) == pipe else self, *a, **k)
try:
    (lessons.load if loader == "lesson" else scenario.Scenario.load)(pipe)
except ValueError as exc:  # LessonError, ScenarioError
    print(type(exc).__name__, exc)
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
@pytest.mark.parametrize("loader", ["lesson", "scenario"])
def test_a_file_swapped_for_a_named_pipe_after_the_check_is_refused_not_waited_for(tmp_path, loader):
    import subprocess
    import sys

    regular = tmp_path / "regular.json"
    regular.write_text(json.dumps(minimal()), encoding="utf-8")
    pipe = tmp_path / "lesson.json"
    os.mkfifo(pipe)
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run(
        [sys.executable, "-c", SWAPPED_FOR_A_PIPE, str(pipe), str(regular), loader],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
    )
    assert r.returncode == 0, r.stderr
    error = "LessonError" if loader == "lesson" else "ScenarioError"
    assert r.stdout.strip() == f"{error} lesson.json: not a regular file (a named pipe cannot be opened)"


def test_lessons_and_their_scenario_files_with_a_byte_order_mark_load(tmp_path):
    """Windows Notepad writes UTF-8 with a byte-order mark; the lesson and its scenario file may both have one."""
    Scenario.create([0.0, 1.0], [0.25, 0.75]).save(tmp_path / "a.json")
    (tmp_path / "a.json").write_text((tmp_path / "a.json").read_text(encoding="utf-8"), encoding="utf-8-sig")
    data = minimal()
    data["slides"] = [{"caption": "a", "scenario_file": "a.json"}]
    f = tmp_path / "lesson.json"
    f.write_text(json.dumps(data), encoding="utf-8-sig")
    lesson = lessons.load(f)
    assert lesson.slide(1).scenario.evaluate().cross_entropy == pytest.approx(-math.log(0.75))
    assert len(lesson_from_json("\ufeff" + json.dumps(minimal()))) == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_scenario_file_that_is_a_loop_of_links_is_a_lesson_error_naming_the_slide(tmp_path):
    os.symlink(tmp_path / "a.json", tmp_path / "b.json")
    os.symlink(tmp_path / "b.json", tmp_path / "a.json")
    data = minimal()
    data["slides"] = [minimal()["slides"][0], {"caption": "x", "scenario_file": "a.json"}]
    f = tmp_path / "loop.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LessonError) as info:
        lessons.load(f)
    message = str(info.value)
    assert message.startswith("loop.json: slide 2: 'scenario_file' 'a.json'"), message
    assert "loop of symbolic links" in message or "Too many levels of symbolic links" in message, message


def test_get_finds_names_and_files_and_lists_the_names_otherwise(tmp_path):
    assert lessons.get("cross-entropy") is SEED
    with pytest.raises(LessonError, match=r"unknown lesson 'nope'; choose from: cross-entropy"):
        lessons.get("nope")


# --------------------------------------------------------------------------- scenario files


def _write_scenario(path, target=(0.0, 1.0), prediction=(0.25, 0.75)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Scenario.create(list(target), list(prediction)).save(path)


def test_scenario_files_beside_the_lesson_are_loaded(tmp_path):
    _write_scenario(tmp_path / "a.json")
    _write_scenario(tmp_path / "sub" / "b.json", (1.0, 0.0), (0.9, 0.1))
    data = minimal()
    data["slides"] = [{"caption": "a", "scenario_file": "a.json"}, {"caption": "b", "scenario_file": "sub/b.json"}]
    f = tmp_path / "lesson.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    lesson = lessons.load(f)
    assert lesson.slide(1).scenario.evaluate().cross_entropy == pytest.approx(-math.log(0.75))
    assert lesson.slide(2).scenario.evaluate().cross_entropy == pytest.approx(-math.log(0.9))


@pytest.mark.parametrize(
    "name, message",
    [
        ("/etc/passwd", "must be relative to the lesson's folder"),
        ("../outside.json", r"may not use '\.\.'"),
        ("sub/../../outside.json", r"may not use '\.\.'"),
        ("..\\outside.json", r"may not use '\.\.'"),
        ("C:\\scenarios\\x.json", "must be relative"),
        ("", "must be a file name"),
        (5, "must be a file name"),
        ("missing.json", "missing.json"),
    ],
)
def test_scenario_files_outside_the_lesson_folder_are_refused(tmp_path, name, message):
    folder = tmp_path / "lesson"
    folder.mkdir()
    _write_scenario(tmp_path / "outside.json")
    data = minimal()
    data["slides"] = [{"caption": "x", "scenario_file": name}]
    f = folder / "l.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LessonError, match=message):
        lessons.load(f)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_leading_out_of_the_folder_is_refused(tmp_path):
    folder = tmp_path / "lesson"
    folder.mkdir()
    _write_scenario(tmp_path / "outside.json")
    os.symlink(tmp_path / "outside.json", folder / "inside.json")
    data = minimal()
    data["slides"] = [{"caption": "x", "scenario_file": "inside.json"}]
    f = folder / "l.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LessonError, match="leads outside the lesson's folder"):
        lessons.load(f)


def test_scenario_files_need_a_lesson_file():
    data = minimal()
    data["slides"] = [{"caption": "x", "scenario_file": "a.json"}]
    with pytest.raises(LessonError, match="only be used in a lesson loaded from a file"):
        lesson_from_dict(data)


# --------------------------------------------------------------------------- command line


def test_list_lessons_prints_name_tab_count_tab_title(capsys):
    assert app.main(["--list-lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(lessons.LESSONS)
    name, count, title = lines[0].split("\t")
    assert (name, int(count), title) == ("cross-entropy", len(SEED.slides), SEED.title)


def test_the_minimal_example_in_the_readme_loads(tmp_path):
    from pathlib import Path

    teaching = (Path(__file__).resolve().parents[2] / "docs" / "teaching.md").read_text(encoding="utf-8")
    doc = teaching[teaching.index("## Writing a lesson") :]
    block = re.search(r"```json\n(.*?)```", doc, re.S).group(1)
    lesson = lesson_from_json(block)
    assert len(lesson) == 2 and lesson.slide(2).descent_steps == 20
    text = render_caption(lesson.slide(1).caption, lesson.slide(1).scenario)
    assert text == f"The true class is cat; it gets 0.800, so CE = {-math.log(0.8):.3f} nats."


def test_a_slide_names_its_scenario_unless_the_scenario_has_a_title():
    lesson = lesson_from_dict(minimal(title="Slide A"))
    assert lesson.slide(1).scenario.title == "Slide A"
    lesson = lesson_from_dict(
        minimal(title="Slide A", scenario={"target": [1, 0], "prediction": [0.5, 0.5], "title": "Own"})
    )
    assert lesson.slide(1).scenario.title == "Own"


def test_a_damaged_builtin_lesson_is_skipped_with_a_warning(tmp_path, monkeypatch):
    (tmp_path / "a-good.json").write_text(json.dumps(minimal()), encoding="utf-8")
    (tmp_path / "b-bad.json").write_text("{", encoding="utf-8")
    monkeypatch.setattr(lessons, "BUILTIN_DIR", tmp_path)
    with pytest.warns(RuntimeWarning, match=r"built-in lesson skipped: b-bad.json: not valid JSON"):
        found = lessons._load_builtin()
    assert [lesson.name for lesson in found] == ["t"]
