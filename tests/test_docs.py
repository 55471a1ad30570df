"""The README, CONTRIBUTING.md and docs/*.md cannot go stale unnoticed.

* Every relative link resolves: the file (or folder) exists, and a ``#anchor`` is a heading of
  the target, slugged as GitHub does.
* Every command in a code block that starts with ``python main.py``, ``ce-desktop``,
  ``python -m ce_desktop`` or ``make`` is checked: ``report`` and ``descend`` are run for real
  (and the output a ``$ `` block shows is compared with what they print); the window's commands
  are parsed by the app's own parser and their presets, lessons, slides and files looked up,
  without opening a window; ``make`` targets and variables must exist in the Makefile. Blocks
  tagged ``text`` (synopses) or ``json`` are not commands.
* Every picture is a PNG of the size stated beside it, and the command line shown under it is
  the one ``make screenshots`` renders it with; rendered again now, each looks the same as the
  committed file (a change that shows and forgot ``make screenshots`` fails here).

Each check is a function returning its problems, so that the tests at the end can show that it
finds a planted one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shlex
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ce_desktop import app
from ce_desktop.model import lessons, presets
from ce_desktop.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[ \t]*([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"(!?)\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
SIZE = re.compile(r"\b(\d{2,5})[x×](\d{2,5})\b")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- markdown


def _blank(m: re.Match) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))


def without_code(text: str) -> str:
    """The text with fenced blocks and inline code blanked (their brackets are not links);
    every character keeps its offset."""
    return INLINE_CODE.sub(_blank, FENCE.sub(_blank, text))


def slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen."""
    title = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link in a heading: its text
    title = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return title.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for m in HEADING.finditer(without_code(text)):
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(path: Path, text: str | None = None) -> list[str]:
    """Every relative link of ``path`` whose file or anchor does not exist."""
    text = path.read_text(encoding="utf-8") if text is None else text
    problems = []
    for m in LINK.finditer(without_code(text)):
        target = m.group(3)
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        if not file_part:
            if anchor not in anchors(text):
                problems.append(f"{path.name}: link to {target!r}: no heading with that anchor on this page")
            continue
        dest = (path.parent / file_part).resolve()
        if not dest.exists():
            problems.append(f"{path.name}: link to {target!r}: no such file")
            continue
        if anchor:
            if dest.is_dir() or dest.suffix != ".md":
                problems.append(f"{path.name}: link to {target!r}: an anchor into a non-markdown file")
            elif anchor not in anchors(dest.read_text(encoding="utf-8")):
                problems.append(f"{path.name}: link to {target!r}: no heading with that anchor in {dest.name}")
    return problems


# --------------------------------------------------------------------------- commands


@dataclass
class Command:
    line: str
    output: list[str] = field(default_factory=list)  # what a ``$ `` block shows after it


def commands(text: str) -> list[Command]:
    """The command lines of the code blocks (not ``text`` ones), continuation lines joined."""
    found = []
    for m in FENCE.finditer(text):
        if m.group(1).strip().lower() in ("text", "json"):
            continue
        lines = m.group(2).replace("\\\n", " ").splitlines()
        console = any(line.startswith("$ ") for line in lines)
        for line in lines:
            if console and line.startswith("$ "):
                found.append(Command(line[2:].strip()))
            elif console and found and line.strip():
                found[-1].output.append(line.rstrip())
            elif not console and line.strip():
                found.append(Command(line.strip()))
    return found


def _tokens(line: str) -> list[str]:
    tokens = shlex.split(line, comments=True)
    for stop in ("|", ">", "&&", ";", "||", "2>"):
        if stop in tokens:
            tokens = tokens[:tokens.index(stop)]
    while tokens and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", tokens[0]):  # VAR=value make ...
        tokens = tokens[1:]
    return tokens


def app_arguments(tokens: list[str]) -> list[str] | None:
    """The app's own arguments if ``tokens`` start the app, else None."""
    for prefix in (["python", "main.py"], ["python3", "main.py"], ["ce-desktop"], ["python", "-m", "ce_desktop"]):
        if tokens[:len(prefix)] == prefix:
            return tokens[len(prefix):]
    return None


def makefile_targets(makefile: Path = ROOT / "Makefile") -> tuple[set[str], str]:
    text = makefile.read_text(encoding="utf-8")
    targets = {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_-][A-Za-z0-9_.-]*)[ \t]*:(?!=)", text, re.M)}
    return targets, text


def check_make(args: list[str], makefile: Path = ROOT / "Makefile") -> list[str]:
    targets, text = makefile_targets(makefile)
    problems = []
    goals = [a for a in args if "=" not in a and not a.startswith("-")]
    for goal in goals:
        if goal not in targets:
            problems.append(f"make {goal}: no such target in the Makefile")
    for assignment in (a for a in args if "=" in a):
        name, _, value = assignment.partition("=")
        if f"$({name})" not in text:
            problems.append(f"make ... {name}=: the Makefile does not use {name}")
        elif name == "ARGS" and "run" in goals:
            problems += check_app(shlex.split(value))
        elif name == "ARGS" and {"bench", "bench-instructions"} & set(goals):
            script = ROOT / "benchmarks" / ("run.py" if "bench" in goals else "instructions.py")
            source = script.read_text(encoding="utf-8")
            problems += [f"make bench ARGS: {opt} is not an option of {script.name}"
                         for opt in re.findall(r"--[\w-]+", value) if f'"{opt}"' not in source]
        elif name == "PYTEST_ARGS":
            named = [p for p in shlex.split(value) if p.startswith("tests")]
            problems += [f"make test PYTEST_ARGS: {p} does not exist"
                         for p in named if not (ROOT / p.split("::")[0]).exists()]
    return problems


def check_window_arguments(args: list[str]) -> list[str]:
    """Parse with the app's parser (no window) and look up what the options name."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            parsed = app.gui_parser().parse_args(args)
    except SystemExit:  # --help
        return []
    except app.UsageError as exc:
        return [f"the app refuses {shlex.join(args)!r}: {exc}"]
    problems = []
    if parsed.preset is not None and parsed.preset not in presets.names():
        problems.append(f"unknown preset {parsed.preset!r}")
    if parsed.lesson is not None:
        try:
            lesson = lessons.get(parsed.lesson if parsed.lesson in lessons.names() else ROOT / parsed.lesson)
        except lessons.LessonError as exc:
            problems.append(str(exc))
        else:
            if parsed.slide is not None and not 1 <= parsed.slide <= len(lesson.slides):
                problems.append(f"lesson {lesson.name!r} has no slide {parsed.slide}")
    elif parsed.slide is not None:
        problems.append("--slide without --lesson")
    if parsed.scenario is not None:
        try:
            Scenario.load(ROOT / parsed.scenario)
        except Exception as exc:  # noqa: BLE001 - any refusal is the problem to report
            problems.append(f"--scenario {parsed.scenario}: {exc}")
    if parsed.screenshot is not None and Path(parsed.screenshot).suffix.lower() not in (".png", ".svg"):
        problems.append(f"--screenshot {parsed.screenshot}: not .png or .svg")
    return problems


def run_app(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=60
    )


def check_app(args: list[str], output: list[str] | None = None) -> list[str]:
    """``report`` and ``descend`` are run; anything else is a window command, parsed."""
    output = output or []
    if not args or args[0] not in app.SUBCOMMANDS:
        return check_window_arguments(args)
    proc = run_app(args)
    shown = shlex.join(args)
    if output and output[0].startswith("ce-desktop: error:"):
        if proc.returncode != 2 or proc.stderr.strip() != output[0]:
            return [
                f"{shown}: the docs show {output[0]!r}, the app exits {proc.returncode} with {proc.stderr.strip()!r}"
            ]
        return []
    if proc.returncode != 0:
        return [f"{shown}: exit status {proc.returncode}: {proc.stderr.strip()}"]
    actual = [line.rstrip() for line in proc.stdout.splitlines()]
    at = 0
    for line in (line for line in output if line.strip() != "..."):
        try:
            at = actual.index(line, at) + 1
        except ValueError:
            return [f"{shown}: the docs show {line!r}, which the app does not print (in that order)"]
    return []


CANDIDATE = re.compile(r"(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:python3? |ce-desktop\b|make\b)")


def check_command(command: Command) -> list[str]:
    if not CANDIDATE.match(command.line):  # JSON, pip, a comment: not ours to check
        return []
    try:
        tokens = _tokens(command.line)
    except ValueError as exc:
        return [f"{command.line!r}: cannot be split as a shell line: {exc}"]
    args = app_arguments(tokens)
    if args is not None:
        return check_app(args, command.output)
    if tokens[:1] == ["make"]:
        return check_make(tokens[1:])
    return []


# --------------------------------------------------------------------------- pictures


def png_size(path: Path) -> tuple[int, int] | None:
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _screenshot_tool():
    spec = importlib.util.spec_from_file_location("make_screenshots", ROOT / "tools" / "make_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pixels(path: Path):
    import numpy as np
    from PySide6 import QtGui

    image = QtGui.QImage(str(path))
    if image.isNull():
        return None
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : 4 * image.width()].reshape(image.height(), image.width(), 4).astype(np.int16)


#: A picture is stale when more than this share of its pixels changed by more than a shade
#: (anti-aliasing that differs between two renders of the same window stays under both).
STALE_SHARE, SHADE = 0.001, 8


def stale_pictures(committed: Path, rendered: Path) -> list[str]:
    """Each picture ``make screenshots`` wrote to ``rendered`` looks like the one in ``committed``."""
    problems = []
    for new in sorted(rendered.glob("*.png")):
        old = committed / new.name
        a, b = _pixels(old) if old.exists() else None, _pixels(new)
        if a is None:
            problems.append(f"{new.name}: not committed under {committed.name}/")
        elif a.shape != b.shape:
            problems.append(f"{new.name}: committed {a.shape[1]}x{a.shape[0]}, renders {b.shape[1]}x{b.shape[0]}")
        else:
            share = float((abs(a - b).max(axis=2) > SHADE).mean())
            if share > STALE_SHARE:
                problems.append(f"{new.name}: {share:.1%} of its pixels differ from what the app renders now")
    return problems


def broken_pictures(path: Path, text: str | None = None) -> list[str]:
    """Each picture exists, is a PNG of the size stated in its alt text or the text up to the next
    picture or heading, and is rendered by ``make screenshots`` with the command shown there."""
    text = path.read_text(encoding="utf-8") if text is None else text
    tool = _screenshot_tool()
    tool_source = (ROOT / "tools" / "make_screenshots.py").read_text(encoding="utf-8")
    plain = without_code(text)
    pictures = [m for m in LINK.finditer(plain) if m.group(1)]
    problems = []
    for i, m in enumerate(pictures):
        src = m.group(3)
        if re.match(r"[a-z][a-z0-9+.-]*:", src, re.I):
            problems.append(f"{path.name}: picture {src}: not one of the app's own pictures")
            continue
        dest = (path.parent / src).resolve()
        end = pictures[i + 1].start() if i + 1 < len(pictures) else len(text)
        heading = HEADING.search(plain, m.end(), end)
        around = m.group(2) + text[m.end() : heading.start() if heading else end]
        if not dest.is_file():
            problems.append(f"{path.name}: picture {src}: no such file")
            continue
        size = png_size(dest)
        stated = SIZE.search(around)
        if size is None:
            problems.append(f"{path.name}: picture {src}: not a PNG")
        elif stated is None:
            problems.append(f"{path.name}: picture {src}: its size is not stated beside it")
        elif size != (int(stated.group(1)), int(stated.group(2))):
            problems.append(f"{path.name}: picture {src} is {size[0]}x{size[1]}, the text says {stated.group(0)}")
        if dest.name not in tool_source:
            problems.append(f"{path.name}: picture {src}: tools/make_screenshots.py does not render it")
        shown = [c for c in commands(around) if f"--screenshot {dest.name}" in c.line]
        if dest.name in tool.COMMANDS:
            args = app_arguments(_tokens(shown[0].line)) if shown else None
            if args is None:
                problems.append(f"{path.name}: picture {src}: the command line that renders it is not shown")
                continue
            i_shot, i_size = args.index("--screenshot"), args.index("--size") if "--size" in args else None
            rest = [
                a
                for j, a in enumerate(args)
                if j not in (i_shot, i_shot + 1) and (i_size is None or j not in (i_size, i_size + 1))
            ]
            if rest != tool.COMMANDS[dest.name] or i_size is None or args[i_size + 1] != tool.SIZE:
                problems.append(
                    f"{path.name}: picture {src}: shown as {shlex.join(args)!r}, but make screenshots "
                    f"renders it with {shlex.join(tool.COMMANDS[dest.name])!r} --size {tool.SIZE}"
                )
    return problems


# --------------------------------------------------------------------------- the docs themselves


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", DOCS, ids=_ids(DOCS))
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


@pytest.mark.parametrize("path", DOCS, ids=_ids(DOCS))
def test_every_command_in_a_code_block_runs_or_parses(path):
    problems = [p for c in commands(path.read_text(encoding="utf-8")) for p in check_command(c)]
    assert problems == []


@pytest.mark.parametrize("path", DOCS, ids=_ids(DOCS))
def test_every_picture_is_a_png_of_its_stated_size_made_by_make_screenshots(path):
    assert broken_pictures(path) == []


def test_the_pictures_are_what_the_app_renders_now(tmp_path):
    """``make screenshots`` run again gives the committed pictures: none is stale."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_screenshots.py"), "--out", str(tmp_path)],
                   check=True, env=env, cwd=ROOT, capture_output=True, timeout=300)
    rendered = sorted(p.name for p in tmp_path.glob("*.png"))
    assert rendered == sorted([*_screenshot_tool().COMMANDS, "descent-hard.png"])
    problems = stale_pictures(ROOT / "resources" / "screenshots", tmp_path)
    assert problems == [], "run `make screenshots`, look at the pictures and commit them:\n" + "\n".join(problems)


def test_a_stale_picture_is_found(tmp_path):
    shots = ROOT / "resources" / "screenshots"
    (tmp_path / "hard.png").write_bytes((shots / "hard.png").read_bytes())
    assert stale_pictures(shots, tmp_path) == []
    from PySide6 import QtCore, QtGui

    image = QtGui.QImage(str(shots / "hard.png"))
    painter = QtGui.QPainter(image)
    painter.fillRect(QtCore.QRect(100, 100, 60, 40), QtGui.QColor("#ff00ff"))  # 0.26 % of 1280x720
    painter.end()
    image.save(str(tmp_path / "hard.png"))
    assert stale_pictures(shots, tmp_path) == ["hard.png: 0.3% of its pixels differ from what the app renders now"]
    (tmp_path / "new.png").write_bytes((shots / "hard.png").read_bytes())
    assert "new.png: not committed under screenshots/" in stale_pictures(shots, tmp_path)


def test_the_readme_stays_short_and_shows_a_picture():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert any(m.group(1) for m in LINK.finditer(without_code(text)))


def test_each_docs_page_starts_with_what_it_is_for():
    for path in [ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        assert paragraphs[0].startswith("# "), path.name
        assert not paragraphs[1].startswith(("#", "```", "|", "-", "!")), f"{path.name}: no opening paragraph"


def test_the_readme_and_docs_show_commands_of_each_kind():
    """The checks above are not vacuous: they see report, descend, window and make commands."""
    lines = [_tokens(c.line) for path in DOCS for c in commands(path.read_text(encoding="utf-8"))]
    args = [app_arguments(t) for t in lines]
    assert any(a and a[0] == "report" for a in args)
    assert any(a and a[0] == "descend" for a in args)
    assert any(a is not None and a[:1] != ["report"] and a[:1] != ["descend"] for a in args)
    assert any(t[:1] == ["make"] for t in lines)
    assert sum(1 for path in DOCS for c in commands(path.read_text(encoding="utf-8")) if c.output) >= 3


# --------------------------------------------------------------------------- the checks can fail


def test_slugs_are_githubs():
    assert slug("The command line") == "the-command-line"
    assert slug("`report`: CE, H, KL, the per-class terms") == "report-ce-h-kl-the-per-class-terms"
    assert slug("CE = H(y) + KL") == "ce--hy--kl"
    assert slug("Robustness: tested by attacking it") == "robustness-tested-by-attacking-it"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_a_missing_file_or_anchor_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    text = (
        "# Page\n\n[ok](other.md) [ok](other.md#a-section) [ok](#page) [web](https://example.org/x)\n"
        "[gone](missing.md) [bad anchor](other.md#no-such) [bad self](#nowhere)\n"
        "`[not a link](nowhere.md)`\n"
    )
    problems = broken_links(page, text)
    assert len(problems) == 3
    assert "missing.md" in problems[0] and "other.md#no-such" in problems[1] and "#nowhere" in problems[2]


def test_commands_are_read_from_code_blocks_only():
    text = (
        "run `python main.py --nope` inline\n\n```sh\nmake run   # comment\npython main.py --preset x \\\n"
        "    --theme dark\n```\n\n```text\npython main.py [--synopsis]\n```\n\n```console\n"
        "$ python main.py report --x\nout 1\n\nout 2\n```\n"
    )
    found = commands(text)
    assert [c.line.split()[0:2] for c in found] == [["make", "run"], ["python", "main.py"], ["python", "main.py"]]
    assert "--theme dark" in found[1].line
    assert found[2].output == ["out 1", "out 2"]


@pytest.mark.parametrize(
    "line",
    [
        "make no-such-target",
        "make test NO_SUCH_VARIABLE=1",
        "make test PYTEST_ARGS=tests/no_such_test.py",
        'make run ARGS="--no-such-option"',
        'make bench ARGS="--no-such-option"',
        "python main.py --no-such-option",
        "python main.py --theme sepia",
        "python main.py --preset no-such-preset",
        "python main.py --lesson no-such-lesson",
        "python main.py --lesson cross-entropy --slide 99",
        "python main.py --scenario no/such/file.json",
        "python main.py --screenshot out.gif",
        "ce-desktop report --target 1,0 --prediction 0.5,0.5,0",
        "python -m ce_desktop descend --target 1,0 --logits 0,0 --lr 1",
    ],
)
def test_a_stale_command_is_found(line):
    assert check_command(Command(line)) != []


def test_good_commands_pass_and_shown_output_is_compared():
    assert check_command(Command("make test PYTEST_ARGS=tests/model/test_core.py")) == []
    assert check_command(Command("python main.py --lesson cross-entropy --slide 27 --theme projector")) == []
    run = "python main.py report --target 1,0 --prediction 0.5,0.5"
    assert check_command(Command(run, ["...", "perplexity     e^CE  = 2.0000"])) == []
    assert check_command(Command(run, ["perplexity     e^CE  = 2.0001"])) != []
    wrong = "python main.py report --target 1,0 --prediction 0.5,0.5,0"
    assert check_command(Command(wrong, ["ce-desktop: error: prediction has 3 classes but the target has 2"])) == []
    assert check_command(Command(wrong, ["ce-desktop: error: something else"])) != []


def test_a_wrong_missing_or_unstated_picture_is_found(tmp_path):
    shots = ROOT / "resources" / "screenshots"
    page = tmp_path / "page.md"
    (tmp_path / "fake.png").write_bytes(b"GIF89a" + bytes(40))
    (tmp_path / "small.png").write_bytes(PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 10, 20))
    good = (
        f"![soft at 1280x720]({shots / 'soft.png'})\n\n```sh\n"
        "python main.py --preset soft-overconfident --screenshot soft.png --size 1280x720\n```\n"
    )
    assert broken_pictures(page, good) == []
    cases = {
        "no such file": "![gone](missing.png) 1280x720\n",
        "not a PNG": "![fake](fake.png) 1280x720\n",
        "is 10x20": "![small](small.png) at 1280x720\n",
        "size is not stated": f"![hard]({shots / 'hard.png'})\n",
        "does not render it": "![small](small.png) at 10x20\n",
        "but make screenshots renders it": f"![soft]({shots / 'soft.png'})\n\n```sh\n"
        "python main.py --preset excellent --screenshot soft.png --size 1280x720\n```\n",
        "not shown": f"![soft at 1280x720]({shots / 'soft.png'})\n",
    }
    for expected, text in cases.items():
        problems = broken_pictures(page, text)
        assert any(expected in p for p in problems), (expected, problems)
