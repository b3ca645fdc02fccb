"""The VALPUB_* settings: one class names them all, bad values stop a command in one line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from flows.settings import Settings, SettingsError, settings
from tests.paths import ROOT

#: Variables `valpub review` sets for the Streamlit process it starts: plumbing between
#: two of our processes, not settings a user gives.
INTERNAL = {"VALPUB_REVIEW_OUT", "VALPUB_REVIEW_CORPUS"}


def test_every_variable_the_code_names_is_a_setting() -> None:
    named = set()
    for folder in ("nlp", "flows", "review"):
        for path in (ROOT / folder).rglob("*.py"):
            named |= set(re.findall(r"\bVALPUB_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    fields = {f"VALPUB_{name.upper()}" for name in Settings.model_fields}
    assert named - INTERNAL - {"VALPUB_"} <= fields, named - INTERNAL - fields
    assert {"VALPUB_KEEP_SERVER", "VALPUB_ANNOTATIONS_URL", "VALPUB_CACHE"} <= fields


def test_the_library_reads_no_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "nlp").rglob("*.py")
        # handing the environment on to a child process is not reading a setting
        if re.search(
            r"environ\.get\(|environ\[|getenv\(|environ\.setdefault|VALPUB_",
            path.read_text(encoding="utf-8"),
        )
    ]
    assert readers == []


def test_values_are_read_when_asked_and_blank_means_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VALPUB_KEEP_SERVER", "")
    monkeypatch.setenv("VALPUB_CACHE", str(tmp_path))
    monkeypatch.setenv("VALPUB_WORKERS", "3")
    config = settings()
    assert config.keep_server == 30.0
    assert config.cache == tmp_path
    assert config.workers == 3
    monkeypatch.setenv("VALPUB_KEEP_SERVER", "0")
    assert settings().keep_server == 0.0


def test_a_bad_value_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALPUB_KEEP_SERVER", "soon")
    monkeypatch.setenv("VALPUB_WORKERS", "-1")
    with pytest.raises(SettingsError) as caught:
        settings()
    message = str(caught.value)
    assert "\n" not in message
    assert "VALPUB_KEEP_SERVER='soon'" in message and "VALPUB_WORKERS='-1'" in message


def test_run_stops_before_writing_anything(tmp_path: Path) -> None:
    out = tmp_path / "out"
    valpub = str(Path(sys.executable).parent / "valpub")
    proc = subprocess.run(
        [valpub, "run", "--corpus", "corpus", "--out", str(out)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VALPUB_KEEP_SERVER": "soon"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].startswith("error: VALPUB_KEEP_SERVER='soon'")
    assert "Traceback" not in proc.stderr
    assert not out.exists()
