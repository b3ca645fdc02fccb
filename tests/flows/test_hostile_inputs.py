"""Every command given hostile input: one clear error line, the documented exit code, no
traceback, and nothing lost or half-written.

The commands run as users run them (the ``valpub`` console script, in a subprocess),
so that what reaches the terminal is checked, not what a test runner catches. Manifests
that climb out of their corpus are in ``test_hostile_corpus.py``; spreadsheet formulas
in ``tests/nlp/records/test_spreadsheet.py``; two runs into one folder in ``tests/flows/test_crash.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT, VALPUB

GOOD = "La commune déploie la fibre optique pour tous ses habitants."


def valpub(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(VALPUB), *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def models(tmp_path: Path) -> Path:
    """A models folder holding a copy of the shipped model (no training in tests)."""
    folder = tmp_path / "models"
    shutil.copytree(ROOT / "models", folder)
    return folder


def test_tag_text_names_each_bad_line_and_tags_the_rest(tmp_path: Path, models: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": GOOD}).encode(),
        b"not json",
        json.dumps({"id": "b"}).encode(),
        b"\xff\xfe not utf-8",
        json.dumps({"id": "c", "text": "x" * 200_000}).encode(),
        json.dumps({"id": "d", "text": GOOD}).encode(),
    ]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    done = valpub(
        "tag-text", "--in", "in.jsonl", "--out", "out.jsonl", "--models", str(models), cwd=tmp_path
    )
    assert done.returncode == 1
    assert error_lines(done.stderr) == [
        "error: line 2: invalid JSON (Expecting value)",
        "error: line 3: 'text' must be a string",
        "error: line 4: not UTF-8 text",
        "error: line 5: text of 200,000 characters (at most 100,000: a sentence, not a document)",
    ]
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "d"]


def test_tag_text_with_missing_files_fails_at_once(tmp_path: Path, models: Path) -> None:
    done = valpub("tag-text", "--in", "nowhere.jsonl", "--models", str(models), cwd=tmp_path)
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "error: cannot read nowhere.jsonl: No such file or directory"
    ]
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": 1, "text": GOOD}) + "\n")
    done = valpub("tag-text", "--in", "in.jsonl", "--out", "no/dir/out.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "error: cannot write no/dir/out.jsonl: its folder does not exist"
    ]


@pytest.fixture
def broken_lexicons(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicons"
    shutil.copytree(ROOT / "lexicons", folder)
    (folder / "public_value.yaml").write_text("scheme: public_value\nlabels: [unclosed\n")
    return folder


@pytest.mark.parametrize(
    "command",
    [
        ["tag-text", "--in", "in.jsonl"],
        ["train", "--models", "m"],
        ["evaluate"],
        ["lexicon", "stats", "--corpus", str(ROOT / "corpus")],
    ],
    ids=lambda c: c[0] if c[0] != "lexicon" else "lexicon-stats",
)
def test_a_broken_lexicon_file_is_named_in_one_line(
    tmp_path: Path, broken_lexicons: Path, command: list[str]
) -> None:
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": 1, "text": GOOD}) + "\n")
    done = valpub(*command, "--lexicons", str(broken_lexicons), cwd=tmp_path)
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert line.startswith(
        f"error: {broken_lexicons / 'public_value.yaml'}: invalid YAML at line 3"
    )
    assert not (tmp_path / "m").exists()  # no model half-trained or stored


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://valpub@127.0.0.1:9/none", "its database driver psycopg2 is not installed"),
        ("postgresql+psycopg://valpub@127.0.0.1:9/none", "the database cannot be reached"),
        ("nonsense://", "not a usable database URL"),
    ],
)
def test_an_unusable_annotation_store_is_named_in_one_line(
    tmp_path: Path, url: str, expected: str
) -> None:
    (tmp_path / "labels.csv").write_text("sentence_key,scheme,labels\n", encoding="utf-8")
    done = valpub("annotate", "import", "labels.csv", "--store", url, cwd=tmp_path)
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert line.startswith(f"error: cannot open the annotation store {url}: ")
    assert expected in line


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 400 kB tmpfs: room for a run's pages, not for all its outputs."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_ends_the_run_in_one_line_and_leaves_no_partial_file(
    full_disk: Path, tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    out = full_disk / "out"
    corpus = str(ROOT / "corpus")
    # the session's Prefect server: no temporary one to start (10-15 s) for this run
    done = valpub(
        *("run", "--corpus", corpus, "--out", str(out), "--no-classifier"),
        cwd=tmp_path,
        env=prefect_api,
    )
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert line.startswith("error: No space left on device: ")
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))
    for table in out.glob("*.parquet"):  # what was written is whole
        import pandas as pd

        pd.read_parquet(table)
    many = "\n".join(json.dumps({"id": i, "text": f"{GOOD} ({i})"}) for i in range(4000))
    (tmp_path / "many.jsonl").write_text(many + "\n")
    done = valpub(
        "tag-text", "--in", "many.jsonl", "--out", str(full_disk / "tagged.jsonl"), cwd=tmp_path
    )
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        f"error: cannot write {full_disk / 'tagged.jsonl'}: No space left on device "
        "(nothing was written)"
    ]
    assert not (full_disk / "tagged.jsonl").exists()
