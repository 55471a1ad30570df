"""Lesson slides on the dataset workspace, and the built-in lesson "Cross-entropy on a dataset"."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import special

from ce_desktop.model import lessons
from ce_desktop.model.lessons import LessonError, lesson_from_dict, render_dataset_caption, render_slide_caption
from ce_desktop.model.lessons_dataset import DATASET_PANELS, DATASET_PLACEHOLDERS
from ce_desktop.model.workspace import GeneratorSpec, build_run, labelled

LESSON = lessons.get("cross-entropy-dataset")
MINUS = "\u2212" if "\u2212" in lessons.fmt.number(-1) else "-"
MOONS = {"name": "moons", "samples": 60, "classes": 2, "seed": 3}


def lesson_of(**slide) -> dict:
    base = {"caption": "Loss {loss}", "workspace": "dataset", "dataset": {"generator": MOONS}}
    base.update(slide)
    return {"format": "ce-explorer-lesson", "version": 1, "name": "t", "title": "T", "slides": [base]}


def hand_values(setup, steps):
    """The placeholders' numbers recomputed by hand from the run's parameters (scipy's log-softmax)."""
    run = build_run(setup)
    run.run(steps)
    z = run.logits()
    data = labelled(setup)
    logp = special.log_softmax(z, axis=1)
    per_sample = -(data.targets * logp).sum(axis=1)  # no weights, no smoothing in these setups
    return run, per_sample


# --------------------------------------------------------------------------- reading


def test_a_dataset_slide_generates_its_data_and_opens_at_step_0():
    lesson = lesson_from_dict(lesson_of(train_steps=30, select=4, panels=["training", "sample"]))
    slide = lesson.slide(1)
    assert slide.workspace == "dataset" and slide.train_steps == 30 and slide.select == 4
    assert slide.dataset is not None and slide.dataset.data == GeneratorSpec("moons", 60, 2, 3).generate()
    assert slide.panels == ("training", "sample") and slide.main_plot == "training"
    assert slide.descent_steps == 0
    # the explorer beside it shows the selected point's class
    assert int(np.argmax(slide.scenario.target)) == int(slide.dataset.data.labels[4])
    assert lesson_from_dict(lesson_of()).slide(1).main_plot == "plane"
    assert lesson_from_dict(lesson_of()).slide(1).panels == ("plane", "training")


def test_an_explorer_slide_is_unchanged():
    data = lesson_of()
    data["slides"] = [{"caption": "CE = {ce}", "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}]
    slide = lesson_from_dict(data).slide(1)
    assert slide.workspace == "explorer" and slide.dataset is None and slide.main_plot == "contributions"


@pytest.mark.parametrize("change, message", [
    ({"workspace": "both"}, "'workspace' must be"),
    ({"dataset": None}, "'dataset' must be an object"),
    ({"dataset": {"generator": {**MOONS, "classes": 3}}}, "'dataset.generator'"),
    ({"dataset": {"generator": MOONS, "model": {"degree": 5}}}, "'dataset.model'"),
    ({"dataset": {"generator": MOONS, "run": {"steps": 3}}}, "'train_steps'"),
    ({"train_steps": -1}, "'train_steps' must lie in"),
    ({"train_steps": 1.5}, "'train_steps' must be a whole number"),
    ({"select": 60}, "'select' must lie in 0..59"),
    ({"panels": ["editors"]}, "unknown panel(s) 'editors'"),
    ({"panels": []}, "at least one panel"),
    ({"main_plot": "loss_plot"}, "'main_plot' must be one of plane"),
    ({"autoplay": True}, "'autoplay' needs 'train_steps'"),
    ({"descent_steps": 3}, "'descent_steps' belongs to explorer slides"),
    ({"scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}, "'scenario' belongs to explorer slides"),
    ({"caption": "CE = {ce}"}, "unknown placeholder(s) {ce}"),
    ({"train_step": 3}, "unknown field(s) train_step"),
])
def test_bad_dataset_slides_are_refused_naming_the_slide_and_field(change, message):
    with pytest.raises(LessonError) as info:
        lesson_from_dict(lesson_of(**change))
    assert str(info.value).startswith("slide 1: ") and message in str(info.value), str(info.value)


def test_explorer_slides_may_not_use_dataset_fields():
    data = lesson_of()
    data["slides"] = [{"caption": "x", "train_steps": 3, "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}]
    with pytest.raises(LessonError, match="unknown field.*train_steps"):
        lesson_from_dict(data)
    data["slides"] = [{"caption": "{loss}", "scenario": {"target": [1, 0], "prediction": [0.5, 0.5]}}]
    with pytest.raises(LessonError, match=r"unknown placeholder\(s\) \{loss\}"):
        lesson_from_dict(data)


# --------------------------------------------------------------------------- captions


def test_the_placeholders_are_the_runs_numbers_after_the_slides_steps():
    caption = " | ".join("{" + k + "}" for k in DATASET_PLACEHOLDERS)
    slide = lesson_from_dict(lesson_of(caption=caption, train_steps=25)).slide(1)
    assert slide.dataset is not None
    run, per_sample = hand_values(slide.dataset, 25)
    acc = float(np.mean(np.argmax(run.logits(), axis=1) == slide.dataset.data.labels))
    values = render_slide_caption(slide).split(" | ")
    assert values == [
        f"{per_sample.mean():.3f}",  # loss: the mean
        f"{math.log(2):.3f}",  # start_loss: W = 0, b = 0 give 1/2 each
        f"{100 * acc:.1f} %",
        "0.000",  # floor: hard labels
        f"{-per_sample.sum():.3f}".replace("-", MINUS),
        "60", "2", "nats",
    ]
    assert per_sample.mean() < math.log(2)  # the steps were played


def test_the_log_likelihood_is_minus_the_sum_whatever_the_reduction():
    for reduction in ("mean", "sum"):
        data = lesson_of(caption="{log_likelihood}|{loss}", train_steps=10)
        data["slides"][0]["dataset"] = {"generator": MOONS, "loss": {"reduction": reduction},
                                        "training": {"learning_rate": 0.5 if reduction == "mean" else 0.01}}
        slide = lesson_from_dict(data).slide(1)
        run, per_sample = hand_values(slide.dataset, 10)
        ll, loss = render_slide_caption(slide).split("|")
        assert float(ll.replace("−", "-")) == pytest.approx(-per_sample.sum(), abs=5e-4)
        expected = per_sample.sum() if reduction == "sum" else per_sample.mean()
        assert float(loss) == pytest.approx(expected, abs=5e-4)


def test_the_caption_follows_the_windows_run():
    slide = lesson_from_dict(lesson_of(caption="{loss}", train_steps=20)).slide(1)
    run = build_run(slide.dataset)
    at_start = render_dataset_caption(slide.caption, slide.dataset, run)
    run.run(20)
    assert at_start == f"{math.log(2):.3f}" and render_dataset_caption(slide.caption, slide.dataset, run) != at_start


def test_the_floor_of_soft_labels_is_their_mean_entropy():
    data = lesson_of(caption="{floor}")
    data["slides"][0]["dataset"] = {"generator": {"name": "overlapping", "samples": 80, "classes": 2, "seed": 1},
                                    "label_settings": {"neighbours": 6}}
    slide = lesson_from_dict(data).slide(1)
    y = labelled(slide.dataset).targets
    h = -np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0).sum(axis=1).mean()
    assert h > 0 and render_slide_caption(slide) == f"{h:.3f}"


# --------------------------------------------------------------------------- the built-in lesson


def test_the_dataset_lesson_is_built_in_with_at_least_ten_dataset_slides():
    assert "cross-entropy-dataset" in lessons.names() and lessons.LESSONS[0].name == "cross-entropy"
    assert LESSON.title == "Cross-entropy on a dataset" and len(LESSON) >= 10
    assert all(s.workspace == "dataset" and s.dataset is not None for s in LESSON.slides)


@pytest.mark.parametrize("k", range(1, len(LESSON) + 1))
def test_every_slide_of_the_dataset_lesson_renders_and_trains(k):
    slide = LESSON.slide(k)
    assert slide.title.strip() and slide.caption.strip()
    assert set(slide.panels) <= set(DATASET_PANELS) and slide.main_plot in DATASET_PANELS
    text = render_slide_caption(slide)
    assert "{" not in text and "nan" not in text.lower() and "–" not in text, text
    run = lessons.slide_run(slide)
    assert run.last == slide.train_steps or run.stop is not None
    assert np.isfinite(run.data_loss).all()
    if slide.train_steps:
        assert run.data_loss[-1] < run.data_loss[0], slide.title  # training sensibly: the loss fell
    assert run.data_loss[-1] >= run.loss_floor - 1e-9


def test_no_dataset_caption_quotes_a_computed_number():
    for slide in LESSON.slides:
        for m in re.finditer(r"\d+\.\d{2,}", slide.caption):
            raise AssertionError(f"{slide.title}: quotes {m.group(0)}")


def _slide(pattern: str):
    found = [s for s in LESSON.slides if re.search(pattern, s.title, re.I)]
    assert found, pattern
    return found[0]


def test_the_lesson_covers_its_topics_in_order():
    titles = [s.title.lower() for s in LESSON.slides]
    topics = [r"likelihood of n", r"why the log", r"mean versus sum", r"hard labels", r"soft labels",
              r"label smoothing", r"decision regions", r"convex", r"class weights", r"exercise"]
    where = [next(i for i, t in enumerate(titles) if re.search(p, t)) for p in topics]
    assert where == sorted(where), where


def test_the_slides_set_up_what_they_say():
    convex = _slide(r"logistic regression is convex")
    assert "convexity" in convex.panels and convex.dataset.data.num_classes == 2
    assert convex.dataset.model.kind == "linear" and convex.dataset.model.degree == 1
    not_convex = _slide(r"not convex")
    assert "convexity" in not_convex.panels and not_convex.dataset.model.kind == "mlp"

    soft = _slide(r"soft labels and the h floor")
    assert not labelled(soft.dataset).is_hard
    assert lessons.slide_run(soft).loss_floor > 0.05

    smoothing = _slide(r"label smoothing")
    assert smoothing.dataset.loss.label_smoothing > 0 and lessons.slide_run(smoothing).loss_floor > 0

    separable = _slide(r"0 only on separable")
    run = lessons.slide_run(separable)
    assert run.loss_floor == 0 and run.accuracy[-1] == 1.0 and run.data_loss[-1] < 0.01
    overlapping = _slide(r"overlapping classes")
    assert lessons.slide_run(overlapping).data_loss[-1] > 0.2  # the floor is 0, but out of reach

    underflow = _slide(r"underflows")
    run = lessons.slide_run(underflow)
    assert math.prod(np.exp(-run.per_sample_loss())) == 0.0  # the product really is 0 in floating point
    assert np.isfinite(-run.per_sample_loss().sum())

    total = _slide(r"mean versus sum")
    assert total.dataset.loss.reduction == "sum"

    weights = _slide(r"class weights")
    assert weights.dataset.loss.weight is not None and weights.dataset.data.is_hard

    line, curved = _slide(r"a line cannot split"), _slide(r"polynomial")
    assert line.dataset.model.degree == 1 and curved.dataset.model.degree > 1
    assert lessons.slide_run(curved).accuracy[-1] > lessons.slide_run(line).accuracy[-1]
