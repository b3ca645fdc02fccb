"""SIGKILL at several moments of `valpub run`, then a normal run: exactly the outputs of
an uninterrupted run, nothing duplicated, nothing lost, no half-written file.

Each run is a real `valpub run` process group (the flow, its extraction and tagging
worker processes) killed with SIGKILL when the output folder shows it has reached a
given stage. Runs talk to a Prefect server started for the session (tests/servers.py),
which keeps each start-up to a few seconds. The uninterrupted run they must match is the
session's real run of the same sample corpus (tests/review_fixtures.py), made with the
same model version that the killed runs use: one pipeline run fewer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.paths import ROOT, VALPUB
from tests.review_fixtures import review_run

__all__ = ["review_run"]  # the fixture, imported for pytest

SAMPLES = ROOT / "corpus"
RUN_DATE = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} UTC")


def start(out: Path, models: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(VALPUB),
            "run",
            "--corpus",
            str(SAMPLES),
            "--out",
            str(out),
            "--models",
            str(models),
            "--workers",
            "2",
            "--no-progress",
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run_to_end(out: Path, models: Path, env: dict[str, str]) -> None:
    proc = start(out, models, env)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-3000:]


def kill_when(out: Path, models: Path, env: dict[str, str], reached: Callable[[], bool]) -> None:
    """Start a run and SIGKILL its whole process group as soon as ``reached()``."""
    proc = start(out, models, env)
    try:
        while not reached():
            if proc.poll() is not None:
                pytest.fail(
                    "the run ended before the kill point: " + proc.stderr.read().decode()[-2000:]
                )  # type: ignore[union-attr]
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def assert_no_half_written_file(out: Path) -> None:
    """Every file under its final name is complete (temporary names aside)."""
    for path in out.rglob("*"):
        if not path.is_file() or path.name.endswith(".tmp") or path.name.startswith(".valpub"):
            continue
        if path.suffix == ".parquet":
            pd.read_parquet(path)
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                json.loads(line)
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path


def snapshot(out: Path) -> dict[str, object]:
    """What a run leaves, with the run's date and timings taken out."""
    files = sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and "models" not in p.relative_to(out).parts
    )
    docs = pd.read_parquet(out / "documents.parquet").drop(columns=["seconds"])
    docs = docs.astype(object).where(docs.notna(), None)  # NaN != NaN in a dict comparison
    return {
        "files": files,
        "documents": docs.to_dict("records"),
        "sentences": pd.read_parquet(out / "sentences.parquet").to_json(),
        "profiles": pd.read_parquet(out / "profiles.parquet").to_json(),
        "json": {p.name: p.read_text() for p in sorted((out / "profiles").glob("*.json"))},
        "csv": {
            p.name: p.read_bytes() for p in sorted(out.glob("*.csv")) if p.name != "documents.csv"
        },
        "report": RUN_DATE.sub("DATE", (out / "report.html").read_text(encoding="utf-8")),
    }


def test_killed_runs_then_a_normal_run_give_the_uninterrupted_outputs(
    tmp_path: Path, review_run: Path, prefect_api: dict[str, str]
) -> None:
    # the reference: the sample corpus run to the end, with the model the runs below use
    models = tmp_path / "models"
    shutil.copytree(review_run / "models", models)
    expected = snapshot(review_run)

    out = tmp_path / "crashed"
    pages = out / "pages"
    tagged = out / "sentences"
    # 1. while extracting: some documents' pages are stored, others not yet
    kill_when(out, models, prefect_api, lambda: len(list(pages.glob("*.jsonl"))) >= 2)
    assert_no_half_written_file(out)
    # 2. while tagging: more documents' sentences are being stored
    began = time.time()
    kill_when(
        out,
        models,
        prefect_api,
        lambda: (
            tagged.is_dir() and any(p.stat().st_mtime >= began for p in tagged.glob("*.parquet"))
        ),
    )
    assert_no_half_written_file(out)
    # 3. while publishing: the sentence table is written, the profiles are being computed
    began = time.time()
    table = out / "sentences.parquet"
    kill_when(out, models, prefect_api, lambda: table.is_file() and table.stat().st_mtime >= began)
    assert_no_half_written_file(out)

    run_to_end(out, models, prefect_api)
    assert not list(out.rglob("*.tmp")), "leftovers of the killed runs were not swept"
    got = snapshot(out)
    for key in expected:
        assert got[key] == expected[key], key
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert not sentences.duplicated(["doc_sha256", "page", "start"]).any()


def test_a_second_run_into_a_busy_output_folder_stops_with_a_clear_error(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    from nlp.records.files import run_lock

    out = tmp_path / "out"
    with run_lock(out):  # another run holds the folder
        proc = start(out, tmp_path / "no-models", prefect_api)
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2
    message = err.decode()
    assert "another valpub run" in message and str(out) in message
    assert not (out / "documents.parquet").exists()
