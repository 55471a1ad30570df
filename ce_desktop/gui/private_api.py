"""The versions of pyqtgraph and PySide6 our few uses of their private API were written for.

Every use of a library's private API in the package is listed in docs/private-api.md, and
each asks this module first. Outside the range it was written (and tested) for, a use steps
aside and the public behaviour is kept: the app starts and works as pyqtgraph or PySide
alone would make it, at worst a little slower or with a title that no longer shrinks. We
fall back rather than refuse to start because pyproject.toml already keeps untested
versions from being installed; the guard is for someone who installs one anyway, and for
them a working app with a known cosmetic cost beats a start-up error.
"""

from __future__ import annotations

import functools
import re

#: [lowest, first untested) pyqtgraph versions the private uses were written and tested for.
PYQTGRAPH_RANGE = ((0, 13, 7), (0, 15))
#: The same for PySide6 (its feature module's source scan, see qt_imports.py).
PYSIDE_RANGE = ((6, 7), (6, 13))


@functools.lru_cache(maxsize=16)
def version_tuple(version: str) -> tuple[int, ...]:
    """"0.13.7" -> (0, 13, 7); "0.14.0.dev1" -> (0, 14, 0); no number -> ()."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if m is None:
            break
        parts.append(int(m.group()))
        if m.end() != len(piece):
            break
    return tuple(parts)


def in_range(version: str, bounds: tuple[tuple[int, ...], tuple[int, ...]]) -> bool:
    """Whether ``version`` is in [bounds[0], bounds[1])."""
    v = version_tuple(version)
    return bool(v) and bounds[0] <= v < bounds[1]


def pyqtgraph_private_ok(version: str | None = None) -> bool:
    """Whether pyqtgraph (the imported one, or ``version``) is one our private uses of it
    were written for."""
    if version is None:
        import pyqtgraph

        version = getattr(pyqtgraph, "__version__", "")
    return in_range(version, PYQTGRAPH_RANGE)


def pyside_private_ok(version: str | None = None) -> bool:
    """Whether PySide6 (or ``version``) is one our private use of it was written for."""
    if version is None:
        import PySide6

        version = getattr(PySide6, "__version__", "")
    return in_range(version, PYSIDE_RANGE)
