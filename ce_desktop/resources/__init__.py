"""The data files CE Explorer reads at run time, shipped inside the package.

``lessons/`` holds the built-in lessons, ``scenarios/`` the example scenario files, ``datasets/``
the built-in data sets (CSV, with a README of their sources and licences). Every
run-time lookup of a file of the app's own goes through this module, which finds them with
:mod:`importlib.resources` beside the ``ce_desktop`` that was imported: the same files for
``python main.py`` in a checkout, the editable install ``make`` does and an installed wheel.
(The README's pictures in the repository's top-level ``resources/screenshots`` are not
needed at run time and are not shipped.)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _folder(name: str) -> Path:
    # A real path, not just a Traversable: a lesson's ``scenario_file`` is resolved (and kept)
    # inside the lesson's folder. pip unpacks a wheel into plain files, so there is one.
    folder = resources.files(__name__) / name
    if not isinstance(folder, Path):
        raise RuntimeError(f"CE Explorer's {name} are not plain files ({folder}): install it unpacked")
    return folder


def lessons_dir() -> Path:
    """The folder of the built-in lessons (``*.json``)."""
    return _folder("lessons")


def scenarios_dir() -> Path:
    """The folder of the example scenario files (``*.json``) the README and docs point to."""
    return _folder("scenarios")


def datasets_dir() -> Path:
    """The folder of the built-in data sets (``*.csv``) and the README of their sources."""
    return _folder("datasets")
