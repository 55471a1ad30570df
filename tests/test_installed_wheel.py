"""The installed app is the whole app: built as a wheel, installed outside the checkout, run elsewhere.

The wheel is built from a copy of the checkout (the build writes ``build/`` and
``*.egg-info`` next to its sources) with this interpreter's setuptools, so nothing is
downloaded; it is installed with ``pip install --no-deps`` into a fresh virtual environment
outside the checkout, and every run below uses that environment's own interpreter or
``ce-desktop`` script, with no ``PYTHONPATH``, from a working directory that is not the
checkout. Its dependencies (numpy, PySide6, pyqtgraph) are the test environment's, made
visible by a ``.pth`` line (which adds the folder but runs none of its own ``.pth`` files,
so the checkout's editable install stays out). The probe checks that every ``ce_desktop`` module, and the
data the app reads, come from the installed folder, so the checkout cannot stand in for
a file the wheel forgot.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import site as site_module
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ce_desktop"
#: Left out of the copy the wheel is built from: not sources, and some are large.
NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis")

PROBE = """
import json, pkgutil, sys
import ce_desktop
from ce_desktop import resources
from ce_desktop.model import dataset_csv, lessons
for info in pkgutil.walk_packages(ce_desktop.__path__, "ce_desktop."):
    __import__(info.name)
modules = {name: getattr(m, "__file__", None) for name, m in sys.modules.items() if name.startswith("ce_desktop")}
print(json.dumps({"modules": modules, "lessons": str(resources.lessons_dir()),
                  "scenarios": str(resources.scenarios_dir()), "lesson_names": lessons.names(),
                  "datasets": str(resources.datasets_dir()), "dataset_names": dataset_csv.builtin_datasets()}))
"""


def _setuptools_can_build() -> bool:
    """Whether this interpreter's setuptools meets pyproject.toml's build requirement."""
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 77


def _pip(*args: str) -> None:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    proc = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("checkout-copy") / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    out = tmp_path_factory.mktemp("wheel")
    # `make test` installs setuptools with the test extra; an older environment lets pip
    # fetch the build requirement into an isolated build instead.
    isolation = ["--no-build-isolation"] if _setuptools_can_build() else []
    _pip("wheel", "--no-deps", "-q", *isolation, "-w", str(out), str(src))
    (built,) = out.glob("ce_desktop-*.whl")
    return built


def _venv_python(site: Path) -> Path:
    """The interpreter of the environment whose site-packages is ``site``."""
    return site.parents[2] / "bin" / "python"


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The site-packages of a fresh environment the wheel was installed into."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site,) = (venv / "lib").glob("python*/site-packages")
    _pip("--python", str(_venv_python(site)), "install", "--no-deps", "--no-index", "-q", str(wheel))
    (site / "test-dependencies.pth").write_text("\n".join(site_module.getsitepackages()) + "\n")
    return site


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working directory with no ``ce_desktop`` in it."""
    d = tmp_path / "elsewhere"
    d.mkdir()
    return d


def run_installed(site: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    """``argv`` (the installed environment's interpreter's arguments, or a script with its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env.update(PYTHONNOUSERSITE="1", QT_QPA_PLATFORM="offscreen", PYQTGRAPH_QT_LIB="PySide6")
    cmd = list(argv) if argv[0].endswith("ce-desktop") else [str(_venv_python(site)), *argv]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def _package_files() -> set[str]:
    """The files of the package folder in the checkout, as paths inside a wheel."""
    return {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_holds_the_package_with_its_lessons_and_scenarios_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    files = {n for n in names if ".dist-info/" not in n}
    assert files == _package_files()
    assert "ce_desktop/resources/lessons/cross-entropy.json" in files
    assert "ce_desktop/resources/scenarios/ten-digits.json" in files
    assert {"ce_desktop/resources/datasets/iris_petals.csv", "ce_desktop/resources/datasets/README.md"} <= files
    assert not [n for n in names if n.startswith("tests/") or "screenshots" in n or n.endswith(".png")]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "ce-desktop = ce_desktop.app:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_every_module_and_data_file_comes_from_the_installed_folder(installed, elsewhere):
    proc = run_installed(installed, elsewhere, "-c", PROBE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout)
    outside = {name: f for name, f in found["modules"].items() if not (f and Path(f).is_relative_to(installed))}
    assert not outside, outside
    assert {"ce_desktop.app", "ce_desktop.gui.views.editors", "ce_desktop.resources"} <= set(found["modules"])
    assert Path(found["lessons"]) == installed / "ce_desktop" / "resources" / "lessons"
    assert Path(found["scenarios"]) == installed / "ce_desktop" / "resources" / "scenarios"
    assert "cross-entropy" in found["lesson_names"]
    assert Path(found["datasets"]) == installed / "ce_desktop" / "resources" / "datasets"
    assert "iris_petals" in found["dataset_names"]


def test_python_m_ce_desktop_lists_the_builtin_lesson_and_the_presets(installed, elsewhere):
    from ce_desktop.model import presets

    proc = run_installed(installed, elsewhere, "-m", "ce_desktop", "--list-lessons")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[0].split("\t")[0] == "cross-entropy"
    proc = run_installed(installed, elsewhere, "-m", "ce_desktop", "--list-presets")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == [p.name for p in presets.PRESETS]


def _assert_picture(path: Path, size: tuple[int, int]) -> None:
    """``path`` is a picture of ``size`` pixels with more in it than a blank window."""
    from PySide6 import QtGui

    img = QtGui.QImage(str(path))
    assert not img.isNull(), path
    assert (img.width(), img.height()) == size
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20, f"{path.name}: {len(colours)} colours; the window looks blank"


def test_the_installed_app_renders_a_slide_of_the_builtin_lesson(installed, elsewhere, qapp):
    shot = elsewhere / "slide.png"
    proc = run_installed(installed, elsewhere, "-m", "ce_desktop", "--lesson", "cross-entropy", "--slide", "3",
                         "--screenshot", str(shot), "--size", "800x500", "--settings-dir", str(elsewhere / "s"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    _assert_picture(shot, (800, 500))


def test_the_installed_app_opens_a_shipped_scenario(installed, elsewhere, qapp):
    scenarios = installed / "ce_desktop" / "resources" / "scenarios"
    shot = elsewhere / "scenario.png"
    proc = run_installed(installed, elsewhere, "-m", "ce_desktop", "--scenario", str(scenarios / "ten-digits.json"),
                         "--screenshot", str(shot), "--size", "800x500", "--settings-dir", str(elsewhere / "s"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    _assert_picture(shot, (800, 500))


def test_the_installed_ce_desktop_script_reports_on_a_shipped_scenario(installed, elsewhere):
    """The gui-script entry point, without a window: ten-digits puts 0.5 on its true class."""
    script = _venv_python(installed).parent / "ce-desktop"
    proc = run_installed(installed, elsewhere, str(script), "report", "--json", "--scenario",
                         str(installed / "ce_desktop" / "resources" / "scenarios" / "ten-digits.json"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout)
    assert r["cross_entropy"] == pytest.approx(math.log(2)) and r["entropy"] == 0.0
