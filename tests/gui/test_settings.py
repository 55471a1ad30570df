"""Settings: remembered between runs, in a directory the test chooses, and never fatal."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6 import QtWidgets

from ce_desktop.gui import settings as settings_mod
from ce_desktop.gui.settings import MAX_RECENT, Settings
from ce_desktop.model.scenario import Scenario


def test_defaults_in_an_empty_folder(tmp_path):
    s = Settings(tmp_path / "new" / "dir")
    assert (s.theme, s.font_scale, s.units) == ("light", 100, "nats")
    assert s.recent_files == [] and s.last_scenario is None and s.lesson_position is None
    assert s.warnings == []
    assert s.sync()
    assert (tmp_path / "new" / "dir" / "ce-desktop.ini").is_file()


def test_settings_persist_into_a_second_process(tmp_path):
    """Written by this process, read back by a fresh interpreter (no shared QSettings cache)."""
    s = Settings(tmp_path)
    s.theme = "projector"
    s.font_scale = 150
    s.units = "bits"
    s.add_recent(tmp_path / "a, b.json")  # a comma, which INI files like to split on
    s.add_recent(tmp_path / "c.json")
    s.lesson_position = ("entropy-basics", 3)
    scenario = Scenario.create([0.7, 0.2, 0.1], logits=[1.0, -2.0, 0.5], temperature=1.5,
                               class_names=("x", "y, z", "w"), title="For next week")
    s.last_scenario = scenario
    s.set_extra("descent_panel", {"open": True})
    assert s.sync()
    del s

    code = textwrap.dedent(
        f"""
        import json, sys
        from ce_desktop.gui.settings import Settings
        s = Settings({str(tmp_path)!r})
        print(json.dumps({{
            "theme": s.theme, "font_scale": s.font_scale, "units": s.units,
            "recent": s.recent_files, "lesson": s.lesson_position,
            "scenario": s.last_scenario.to_dict(), "extra": s.extra("descent_panel"),
            "warnings": s.warnings,
        }}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["theme"] == "projector" and got["font_scale"] == 150 and got["units"] == "bits"
    assert got["recent"] == [str(tmp_path / "c.json"), str(tmp_path / "a, b.json")]
    assert got["lesson"] == ["entropy-basics", 3]
    assert Scenario.from_dict(got["scenario"]).same_as(scenario)
    assert got["extra"] == {"open": True}
    assert got["warnings"] == []


def test_recent_files_are_capped_deduplicated_and_most_recent_first(tmp_path, monkeypatch):
    s = Settings(tmp_path)
    monkeypatch.chdir(tmp_path)
    for i in range(MAX_RECENT + 3):
        s.add_recent(f"f{i}.json")
    s.add_recent("f5.json")
    files = s.recent_files
    assert len(files) == MAX_RECENT
    assert files[0] == str(tmp_path / "f5.json")
    assert files[1] == str(tmp_path / f"f{MAX_RECENT + 2}.json")
    assert len(set(files)) == len(files)
    s.remove_recent(tmp_path / "f5.json")
    assert str(tmp_path / "f5.json") not in s.recent_files
    s.clear_recent()
    assert s.recent_files == []


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 8, b"\xff\xfe[General]\ntheme=dark\n", b"[General\ntheme=dark\n"],
    ids=["binary", "not-utf8", "broken-section"],
)
def test_a_corrupted_file_falls_back_to_defaults_with_a_warning(tmp_path, caplog, content):
    (tmp_path / "ce-desktop.ini").write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="ce_desktop.gui.settings"):
        s = Settings(tmp_path)
    assert s.theme == "light"
    assert len(s.warnings) == 1 and "using defaults" in s.warnings[0]
    assert any("using defaults" in r.getMessage() for r in caplog.records)
    assert (tmp_path / "ce-desktop.ini.corrupt").read_bytes() == content  # nothing is lost
    s.theme = "dark"  # and the fresh file works
    assert s.sync()
    assert Settings(tmp_path).theme == "dark"


def test_a_settings_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Notepad puts a byte-order mark before the first line; the file (and its JSON values) still count."""
    scenario = Scenario.create([0.0, 1.0], [0.25, 0.75], title="kept")
    s = Settings(tmp_path)
    s.theme = "dark"
    s.add_recent(tmp_path / "a.json")
    s.last_scenario = scenario
    assert s.sync()
    path = tmp_path / "ce-desktop.ini"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
    again = Settings(tmp_path)
    assert again.theme == "dark" and again.recent_files == [str(tmp_path / "a.json")]
    assert again.last_scenario.same_as(scenario) and again.warnings == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_as_the_settings_file_is_set_aside_not_waited_for(tmp_path):
    """Reading it would wait for a writer for ever, before the window even appears. Run in a
    child process, so that a regression fails on the timeout instead of hanging the suite."""
    os.mkfifo(tmp_path / "ce-desktop.ini")
    code = textwrap.dedent(f"""
        from ce_desktop.gui.settings import Settings
        s = Settings({str(tmp_path)!r})
        print(s.theme)
        print(s.warnings[0])
        s.theme = "dark"
        print(s.sync(), Settings({str(tmp_path)!r}).theme)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       cwd=str(Path(__file__).resolve().parents[2]))
    assert r.returncode == 0, r.stderr
    theme, warning, written = r.stdout.splitlines()
    assert theme == "light"
    assert "ce-desktop.ini was ignored because it cannot be used: not a regular file (a named pipe" in warning
    assert "kept as ce-desktop.ini.corrupt" in warning
    assert written == "True dark"  # a fresh file in its place works
    assert (tmp_path / "ce-desktop.ini.corrupt").is_fifo() and (tmp_path / "ce-desktop.ini").is_file()


def test_values_of_the_wrong_kind_fall_back_one_by_one(qtbot, tmp_path):
    (tmp_path / "ce-desktop.ini").write_text(
        "[General]\n"
        "theme=purple\n"
        "font_scale=huge\n"
        "units=bits\n"
        "recent_files=[not json\n"
        'last_scenario="{\\"format\\": \\"ce-explorer-scenario\\", \\"version\\": 99}"\n'
        "lesson_position=[1, 2, 3]\n"
        "settings_version=1\n"
        "[window]\n"
        "geometry=just text\n",
        encoding="utf-8",
    )
    s = Settings(tmp_path)
    assert s.theme == "light"
    assert s.font_scale == 100
    assert s.units == "bits"  # the good value survives
    assert s.recent_files == []
    assert s.last_scenario is None
    assert s.lesson_position is None
    w = QtWidgets.QMainWindow()
    try:
        assert s.restore_window(w) is False
    finally:
        w.deleteLater()
    text = " | ".join(s.warnings)
    for word in ("theme", "font scale", "recent", "newer", "lesson", "geometry"):
        assert word in text
    assert Settings(tmp_path).warnings == []  # the bad values were dropped, not kept


def test_stored_json_is_read_as_strictly_as_a_file(tmp_path):
    """NaN, Infinity and nesting too deep for Python are damage, as in a scenario file; good values survive."""
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "ce-desktop.ini").write_text(
        f"[extra]\nnan=NaN\ninf=[1, -Infinity]\ndeep={deep}\ngood=[1, 2]\nbig=1{'0' * 5000}\n", encoding="utf-8"
    )
    s = Settings(tmp_path)
    for key in ("nan", "inf", "deep", "big"):
        assert s.extra(key, "default") == "default", key
    assert s.extra("good") == [1, 2]
    text = " | ".join(s.warnings)
    assert all(f"extra/{key} (damaged)" in text for key in ("nan", "inf", "deep", "big"))
    assert "good" not in text


def test_out_of_range_font_scale_and_bad_setters(tmp_path):
    (tmp_path / "ce-desktop.ini").write_text("[General]\nfont_scale=1000\n", encoding="utf-8")
    s = Settings(tmp_path)
    assert s.font_scale == 100 and s.warnings
    with pytest.raises(ValueError):
        s.font_scale = 20
    with pytest.raises(ValueError):
        s.theme = "neon"
    with pytest.raises(ValueError):
        s.units = "hartleys"
    s.font_scale = 300
    assert s.font_scale == 300


def test_window_geometry_and_splitters_are_restored(qtbot, tmp_path):
    def make():
        w = QtWidgets.QMainWindow()
        sp = QtWidgets.QSplitter()
        sp.setObjectName("main_splitter")
        sp.addWidget(QtWidgets.QLabel("left"))
        sp.addWidget(QtWidgets.QLabel("right"))
        w.setCentralWidget(sp)
        dock = QtWidgets.QDockWidget("Numbers")
        dock.setObjectName("numbers_dock")
        dock.setWidget(QtWidgets.QLabel("n"))
        w.addDockWidget(right_dock_area(), dock)
        qtbot.addWidget(w)
        return w, sp, dock

    w1, sp1, dock1 = make()
    w1.resize(700, 480)  # inside the offscreen screen (800x600): no clamping
    w1.show()
    qtbot.waitExposed(w1)
    dock1.hide()
    qtbot.waitUntil(lambda: sp1.width() > 650)  # the central area took the dock's room
    sp1.setSizes([150, 450])
    sizes = sp1.sizes()
    s = Settings(tmp_path)
    s.save_window(w1)
    assert s.sync()

    w2, sp2, dock2 = make()
    assert Settings(tmp_path).restore_window(w2)
    w2.show()
    qtbot.waitExposed(w2)
    assert (w2.width(), w2.height()) == (700, 480)
    qtbot.waitUntil(lambda: sp2.width() > 650)
    assert sp2.sizes() == sizes
    assert dock2.isHidden()


def right_dock_area():
    from PySide6 import QtCore

    return QtCore.Qt.DockWidgetArea.RightDockWidgetArea


def test_environment_variable_and_explicit_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(settings_mod.ENV_VAR, str(tmp_path / "env"))
    assert Settings.for_app().directory == tmp_path / "env"
    assert Settings.for_app(tmp_path / "cli").directory == tmp_path / "cli"


def test_an_unusable_folder_is_a_warning_not_a_crash(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    s = Settings(blocker / "settings")
    s.theme = "dark"
    assert s.sync() is False
    assert any("settings" in w for w in s.warnings)
