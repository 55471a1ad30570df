"""What the app remembers between runs: window layout, theme, font scale, units, recent files.

A thin, validating wrapper around an INI-format :class:`QSettings` file in an explicit
directory, so that tests (and ``--settings-dir`` / ``CE_DESKTOP_SETTINGS_DIR``) never touch
the user's real settings. Every value is checked when read; a value of the wrong kind falls
back to its default, and a corrupted file is moved aside (``ce-desktop.ini.corrupt``) and
replaced by defaults. Both log a warning and add it to :attr:`Settings.warnings`; neither
ever raises.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from ce_desktop.model import user_files
from ce_desktop.model.scenario import Scenario, ScenarioError

log = logging.getLogger(__name__)

#: Environment variable naming the settings directory (the hidden ``--settings-dir`` wins).
ENV_VAR = "CE_DESKTOP_SETTINGS_DIR"
FILE_NAME = "ce-desktop.ini"
#: Written into the file; a file from a newer build is read as far as it makes sense.
SETTINGS_VERSION = 1
MAX_RECENT = 10
THEMES = ("light", "dark", "projector")
UNITS = ("nats", "bits")
FONT_SCALE_RANGE = (50, 300)
#: A settings file larger than this is not ours (or is damaged).
MAX_FILE_BYTES = 1_000_000

DEFAULTS: dict[str, Any] = {"theme": "light", "font_scale": 100, "units": "nats"}


def default_directory(explicit=None) -> Path:
    """The settings directory: ``explicit``, else ``$CE_DESKTOP_SETTINGS_DIR``, else the user's config dir."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base or Path.home() / ".config") / "ce-desktop"


class Settings:
    """The remembered settings, stored in ``<directory>/ce-desktop.ini``.

    Parameters
    ----------
    directory : str or Path
        Where the file lives (created if missing). Use :meth:`for_app` to apply the
        command-line option and the environment variable.
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME
        #: Problems found while reading or writing, in plain words (also logged).
        self.warnings: list[str] = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._warn(f"cannot create the settings folder {self.directory}: {exc.strerror or exc}; "
                       "settings will not be remembered")
        damaged = self._damage_of_file()
        if damaged is None:  # QSettings reads the file at once: only once it is known to be one
            self._qs = QtCore.QSettings(str(self.path), QtCore.QSettings.Format.IniFormat)
            if self._qs.status() == QtCore.QSettings.Status.FormatError:
                damaged = "it is not a valid settings file"
        if damaged is not None:
            self._set_aside(damaged)
        version = self._qs.value("settings_version")
        if version is not None and _as_int(version) is None:
            self._warn("the settings file has an invalid version; using defaults")
            self._qs.clear()
        self._qs.setValue("settings_version", SETTINGS_VERSION)

    @classmethod
    def for_app(cls, explicit_dir=None) -> Settings:
        """Settings in ``--settings-dir``, else ``$CE_DESKTOP_SETTINGS_DIR``, else the user's config dir."""
        return cls(default_directory(explicit_dir))

    # ------------------------------------------------------------------ housekeeping

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("settings: %s", message)

    def _damage_of_file(self) -> str | None:
        """Why the file on disk is unusable, or None if it looks like text settings."""
        if not self.path.exists():
            return None
        try:  # never waiting: a named pipe in its place would hang the start
            raw = user_files.read_file_bytes(self.path, MAX_FILE_BYTES, "settings")
        except user_files.FileError as exc:
            reason = str(exc).removeprefix(f"{self.path}: ").removeprefix(f"{self.path.name}: ")
            return f"it cannot be used: {reason}"
        if b"\x00" in raw:
            return "it contains binary data"
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return "it is not text"
        return None

    def _set_aside(self, why: str) -> None:
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            os.replace(self.path, aside)
            where = f"; the damaged file was kept as {aside.name}"
        except OSError:
            where = ""
        self._warn(f"the settings file {self.path} was ignored because {why}{where}; using defaults")
        # A pipe or device that could not be moved is never opened (reading it would hang the start):
        # the settings then go to the unused name beside it, or nowhere if the folder is read-only.
        stays = self.path.exists() and not self.path.is_file()
        self._qs = QtCore.QSettings(str(aside if stays else self.path), QtCore.QSettings.Format.IniFormat)
        self._qs.clear()

    def sync(self) -> bool:
        """Write to disk now; False (with a warning) if that failed."""
        self._qs.sync()
        status = self._qs.status()
        if status == QtCore.QSettings.Status.AccessError:
            self._warn(f"cannot write the settings file {self.path}")
            return False
        return True

    def clear(self) -> None:
        """Forget everything (back to defaults)."""
        self._qs.clear()
        self._qs.setValue("settings_version", SETTINGS_VERSION)

    # ------------------------------------------------------------------ simple values

    def _choice(self, key: str, choices) -> str:
        v = self._qs.value(key)
        if v is None:
            return DEFAULTS[key]
        if isinstance(v, str) and v in choices:
            return v
        self._warn(f"ignored the remembered {key.replace('_', ' ')} {v!r}; using {DEFAULTS[key]!r}")
        self._qs.remove(key)
        return DEFAULTS[key]

    @property
    def theme(self) -> str:
        """``"light"``, ``"dark"`` or ``"projector"``."""
        return self._choice("theme", THEMES)

    @theme.setter
    def theme(self, value: str) -> None:
        if value not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {value!r}")
        self._qs.setValue("theme", value)

    @property
    def units(self) -> str:
        """``"nats"`` or ``"bits"``."""
        return self._choice("units", UNITS)

    @units.setter
    def units(self, value: str) -> None:
        if value not in UNITS:
            raise ValueError(f"units must be 'nats' or 'bits', got {value!r}")
        self._qs.setValue("units", value)

    @property
    def font_scale(self) -> int:
        """Font scale in percent, 50..300."""
        v = self._qs.value("font_scale")
        if v is None:
            return DEFAULTS["font_scale"]
        n = _as_int(v)
        lo, hi = FONT_SCALE_RANGE
        if n is None or not lo <= n <= hi:
            self._warn(f"ignored the remembered font scale {v!r}; using {DEFAULTS['font_scale']}%")
            self._qs.remove("font_scale")
            return DEFAULTS["font_scale"]
        return n

    @font_scale.setter
    def font_scale(self, value: int) -> None:
        n = _as_int(value)
        lo, hi = FONT_SCALE_RANGE
        if n is None or not lo <= n <= hi:
            raise ValueError(f"font scale must be a whole percentage in {lo}..{hi}, got {value!r}")
        self._qs.setValue("font_scale", n)

    # ------------------------------------------------------------------ recent files

    @property
    def recent_files(self) -> list[str]:
        """Most recent first, at most :data:`MAX_RECENT`, absolute paths, no duplicates."""
        data = self._json("recent_files", [])
        if not isinstance(data, list) or not all(isinstance(p, str) and p for p in data):
            self._warn("ignored the remembered list of recent files (damaged)")
            self._qs.remove("recent_files")
            return []
        out: list[str] = []
        for p in data:
            if p not in out:
                out.append(p)
        return out[:MAX_RECENT]

    def add_recent(self, path) -> None:
        """Put ``path`` first in the recent files."""
        p = str(Path(path).absolute())
        files = [p] + [f for f in self.recent_files if f != p]
        self._qs.setValue("recent_files", json.dumps(files[:MAX_RECENT]))

    def remove_recent(self, path) -> None:
        p = str(Path(path).absolute())
        self._qs.setValue("recent_files", json.dumps([f for f in self.recent_files if f != p]))

    def clear_recent(self) -> None:
        self._qs.setValue("recent_files", json.dumps([]))

    # ------------------------------------------------------------------ last scenario / lesson

    @property
    def last_scenario(self) -> Scenario | None:
        """The scenario open when the app last closed, or None."""
        text = self._qs.value("last_scenario")
        if text is None or text == "":
            return None
        if not isinstance(text, str):
            self._warn("ignored the remembered scenario (damaged)")
            self._qs.remove("last_scenario")
            return None
        try:
            return Scenario.from_json(text)
        except ScenarioError as exc:
            self._warn(f"ignored the remembered scenario: {exc}")
            self._qs.remove("last_scenario")
            return None

    @last_scenario.setter
    def last_scenario(self, scenario: Scenario | None) -> None:
        if scenario is None:
            self._qs.remove("last_scenario")
        else:
            self._qs.setValue("last_scenario", scenario.to_json())

    @property
    def lesson_position(self) -> tuple[str, int] | None:
        """``(lesson name, slide index from 0)`` of the lesson last open, or None."""
        data = self._json("lesson_position", None)
        if data is None:
            return None
        if (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and data[0]
                and isinstance(data[1], int) and not isinstance(data[1], bool) and data[1] >= 0):
            return data[0], data[1]
        self._warn("ignored the remembered lesson position (damaged)")
        self._qs.remove("lesson_position")
        return None

    @lesson_position.setter
    def lesson_position(self, value: tuple[str, int] | None) -> None:
        if value is None:
            self._qs.remove("lesson_position")
            return
        name, slide = value
        if not isinstance(name, str) or not name or int(slide) < 0:
            raise ValueError(f"a lesson position is (name, slide >= 0), got {value!r}")
        self._qs.setValue("lesson_position", json.dumps([name, int(slide)]))

    # ------------------------------------------------------------------ window layout

    def _bytes(self, key: str) -> QtCore.QByteArray | None:
        v = self._qs.value(key)
        if v is None:
            return None
        if isinstance(v, QtCore.QByteArray):
            return v
        if isinstance(v, (bytes, bytearray)):
            return QtCore.QByteArray(bytes(v))
        self._warn(f"ignored the remembered {key.replace('_', ' ')} (damaged)")
        self._qs.remove(key)
        return None

    def save_window(self, window: QtWidgets.QMainWindow) -> None:
        """Remember the window's geometry, docks/toolbars and every named splitter's sizes."""
        self._qs.setValue("window/geometry", window.saveGeometry())
        if isinstance(window, QtWidgets.QMainWindow):
            self._qs.setValue("window/state", window.saveState(SETTINGS_VERSION))
        for sp in window.findChildren(QtWidgets.QSplitter):
            if sp.objectName():
                self._qs.setValue(f"splitters/{sp.objectName()}", sp.saveState())

    def restore_window(self, window: QtWidgets.QMainWindow) -> bool:
        """Apply what :meth:`save_window` stored; True if the geometry was restored.

        Unusable stored data is ignored with a warning; the window keeps its own layout.
        """
        restored = False
        geometry = self._bytes("window/geometry")
        if geometry is not None:
            restored = bool(window.restoreGeometry(geometry))
            if not restored:
                self._warn("ignored the remembered window geometry (damaged)")
        state = self._bytes("window/state")
        if state is not None and isinstance(window, QtWidgets.QMainWindow):
            if not window.restoreState(state, SETTINGS_VERSION):
                self._warn("ignored the remembered dock layout (damaged)")
        for sp in window.findChildren(QtWidgets.QSplitter):
            if sp.objectName():
                data = self._bytes(f"splitters/{sp.objectName()}")
                if data is not None and not sp.restoreState(data):
                    self._warn(f"ignored the remembered sizes of {sp.objectName()} (damaged)")
        return restored

    # ------------------------------------------------------------------ anything else

    def extra(self, key: str, default=None):
        """A JSON value another part of the app stored with :meth:`set_extra` (``default`` if none)."""
        return self._json(f"extra/{key}", default)

    def set_extra(self, key: str, value) -> None:
        self._qs.setValue(f"extra/{key}", json.dumps(value, allow_nan=False))

    def _json(self, key: str, default):
        """The JSON value stored under ``key``, read as files are (:func:`user_files.parse_json`)."""
        text = self._qs.value(key)
        if text is None:
            return default
        if isinstance(text, list):  # QSettings splits "a, b" into a list when reading INI
            text = ", ".join(str(t) for t in text)
        try:
            return user_files.parse_json(str(text), MAX_FILE_BYTES, "setting")
        except user_files.FileError:
            self._warn(f"ignored the remembered {key} (damaged)")
            self._qs.remove(key)
            return default


def _as_int(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return int(f) if f.is_integer() else None
