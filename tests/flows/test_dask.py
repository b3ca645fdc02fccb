"""`valpub run --runner dask` on a real Dask cluster, against the local run.

A `dask scheduler` and two `dask worker` processes run on 127.0.0.1 for the module; the
same corpus (the sample documents, an HTML page saved as .pdf, a manifest row whose file
is missing) is processed locally and on the cluster, and the outputs must be the same.
The runs also show the progress lines, the per-document task states and the run summary
artifact, read back from the Prefect server (tests/servers.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from flows.progress import RunProgress
from flows.summary import SUMMARY_KEY, summary_markdown
from flows.workers import worker_counts
from tests.paths import ROOT, VALPUB
from tests.pdfgen import text_pdf
from tests.servers import TEMPORARY_PREFECT_HOME, api, free_port, static_site, stop_group

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PREFECT_HOME = TEMPORARY_PREFECT_HOME
TEXT = (
    "La communauté de communes déploie la fibre optique dans chaque bourg et ouvre un "
    "espace numérique où les habitants sont accompagnés dans leurs démarches en ligne."
)


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALPUB), "run", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two single-threaded worker processes on 127.0.0.1."""
    from distributed import Client

    home = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    procs: list[subprocess.Popen[bytes]] = []
    logs = []

    def start(name: str, *args: str) -> None:
        log = (home / f"{name}.log").open("wb")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [str(BIN / "dask"), *args, "--no-dashboard"],
                cwd=home,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port))
    for n in (1, 2):
        start(f"worker{n}", "worker", address, "--nworkers", "1", "--nthreads", "1")
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for proc in reversed(procs):  # workers first, then the scheduler
            stop_group(proc)
        for log in logs:
            log.close()


SAMPLES = (
    "valmont/strategie-territoire-intelligent-2021.pdf",
    "valmont/feuille-de-route-2024.pdf",
    "saint-aubin-des-pres/conseil-municipal-2023-03-14.pdf",
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three sample documents, an HTML page named .pdf and a listed file that is missing."""
    folder = tmp_path_factory.mktemp("corpus")
    manifest = (ROOT / "corpus" / "manifest.csv").read_text(encoding="utf-8").splitlines()
    kept = [manifest[0]] + [ln for ln in manifest[1:] if ln.split(",")[0] in SAMPLES]
    assert len(kept) == 1 + len(SAMPLES)
    for name in SAMPLES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "corpus" / name, folder / name)
    (folder / "valmont" / "page.pdf").write_text("<html><body>Page introuvable</body></html>")
    kept.append("absent/deliberation-2025.pdf,99999,Nulle-Part,commune,Absente,2025,fr,,")
    (folder / "manifest.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


def frames(out: Path) -> dict[str, pd.DataFrame]:
    return {
        "documents": pd.read_parquet(out / "documents.parquet").drop(columns=["seconds"]),
        "sentences": pd.read_parquet(out / "sentences.parquet"),
        "profiles": pd.read_parquet(out / "profiles.parquet"),
    }


@pytest.fixture(scope="module")
def local_run(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, prefect_api: dict[str, str]
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The corpus run here with two worker processes: the outputs Dask must give."""
    out = tmp_path_factory.mktemp("local")
    args = ("--corpus", str(corpus), "--workers", "2", "--no-classifier", "--progress")
    local = run(*args, "--out", str(out), env=prefect_api, cwd=out)
    assert local.returncode == 0, local.stderr[-3000:]
    return out, local


# First, before the module's cluster starts: it would sit idle while this test runs its
# own (its three processes use about 8 s of CPU a minute doing nothing).
def test_dask_without_address_or_server_uses_a_local_cluster_and_one_temporary_server(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "bourg").mkdir(parents=True)
    for n in (1, 2):
        text_pdf(corpus / "bourg" / f"note-{n}.pdf", [[TEXT], [TEXT]], header="Bourg", footer=True)
    home = PREFECT_HOME  # its database already made by earlier runs, most of the time
    env = {"PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "INFO"}
    out = tmp_path / "out"
    result = subprocess.run(
        [
            *(str(VALPUB), "run", "--corpus", str(corpus), "--out", str(out)),
            *("--workers", "2", "--no-classifier", "--runner", "dask"),
        ],
        cwd=tmp_path,
        env={k: v for k, v in {**os.environ, **env}.items() if k != "PREFECT_API_URL"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "INFO distributed" not in result.stderr  # Dask's chatter stays out of the terminal
    # one temporary Prefect server, the flow's: the workers report to it, start none
    assert result.stderr.count("Starting temporary server") == 1, result.stderr[-3000:]
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert sorted(set(sentences["file"])) == ["bourg/note-1.pdf", "bourg/note-2.pdf"]
    # the workers' task runs are in the database of the run's own temporary server
    with contextlib.closing(sqlite3.connect(home / "prefect.db")) as db:
        rows = db.execute(
            "SELECT t.name, t.state_type FROM task_run t JOIN flow_run f ON t.flow_run_id = f.id "
            "WHERE f.parameters LIKE ?",
            (f"%{out}%",),
        ).fetchall()
    assert sorted(rows) == sorted(
        [(f"extract bourg/note-{n}.pdf", "COMPLETED") for n in (1, 2)]
        + [(f"tag bourg/note-{n}.pdf", "COMPLETED") for n in (1, 2)]
    )


@dataclass(frozen=True)
class OnDask:
    """The module's corpus, its run with the process runner (``local``, in ``local_out``),
    the Dask ``cluster`` and the Prefect server both runs report to (``env``)."""

    corpus: Path
    local_out: Path
    local: subprocess.CompletedProcess[str]
    cluster: str
    env: dict[str, str]

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """`valpub run` with ``args`` on the cluster, without progress lines; it must succeed."""
        done = run(
            *(*args, "--runner", "dask", "--dask-address", self.cluster, "--no-progress"),
            env=self.env,
            cwd=cwd,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def worker_counts(self) -> dict[str, dict[str, int]]:
        """What each worker of the cluster did since the last call (which resets them)."""
        from distributed import Client

        with Client(self.cluster, timeout=30) as client:
            counts: dict[str, dict[str, int]] = client.run(worker_counts, reset=True)
        return counts


@pytest.fixture
def on_dask(
    corpus: Path,
    local_run: tuple[Path, subprocess.CompletedProcess[str]],
    dask_cluster: str,
    prefect_api: dict[str, str],
) -> OnDask:
    return OnDask(corpus, *local_run, dask_cluster, prefect_api)


def test_dask_run_gives_the_local_outputs_with_states_summary_and_progress(
    tmp_path: Path, on_dask: OnDask
) -> None:
    local_out, local = on_dask.local_out, on_dask.local
    args = ("--corpus", str(on_dask.corpus), "--workers", "2", "--no-classifier")
    dask_run = on_dask.run(*args, "--out", str(tmp_path / "dask"), cwd=tmp_path)

    expected, got = frames(local_out), frames(tmp_path / "dask")
    for name in expected:
        pd.testing.assert_frame_equal(got[name], expected[name], check_like=False)
    docs = expected["documents"].set_index("file")
    assert len(docs) == 5 and len(expected["sentences"]) > 100
    assert docs.loc["absent/deliberation-2025.pdf", ["status", "reason"]].tolist() == [
        "failed",
        "file not found",
    ]
    assert docs.loc["valmont/page.pdf", "status"] == "not_pdf"
    # a failed document is one warning with its reason, not Prefect's ERROR records too
    assert "absent/deliberation-2025.pdf: failed: file not found" in local.stderr
    assert "Task run failed with state" not in local.stderr, local.stderr
    assert "Finished in state Failed" not in local.stderr

    # both Dask workers did work, in their own processes, and all of it
    counts = on_dask.worker_counts()
    assert len(counts) == 2
    assert all(c.get("extracted", 0) > 0 for c in counts.values()), counts
    assert sum(c.get("extracted", 0) for c in counts.values()) == 5
    assert sum(c.get("tagged", 0) for c in counts.values()) == 3  # the documents with pages

    # progress: one line per finished document with --progress, none with --no-progress
    lines = [ln for ln in local.stderr.splitlines() if ln.startswith("documents ")]
    assert [ln.split(",")[0] for ln in lines] == [f"documents {n}/5" for n in range(1, 6)]
    assert all("pages/s" in ln for ln in lines) and "left" in lines[0]
    assert "documents 1/5" not in dask_run.stderr
    # the terminal table ends with the totals
    assert "5 documents (1 failed, 1 not_pdf, 3 ok)" in dask_run.stdout
    assert "classifier: none (lexicons only) (run took" in dask_run.stdout

    # the summary artifact of the Dask run, read back from the Prefect server (which other
    # tests' runs may be using at the same time: the run is found by its output folder)
    url = on_dask.env["PREFECT_API_URL"]
    runs = api(url, "/flow_runs/filter", {"sort": "START_TIME_DESC", "limit": 200})
    ours = [r["id"] for r in runs if r["parameters"].get("out") == str(tmp_path / "dask")]
    assert len(ours) == 1, [r["parameters"].get("out") for r in runs]
    artifacts = api(
        url,
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": [SUMMARY_KEY]}, "flow_run_id": {"any_": ours}}},
    )
    assert len(artifacts) == 1
    summary = artifacts[0]["data"]
    assert "| failed | 1 |" in summary and "| ok | 3 |" in summary and "| not_pdf | 1 |" in summary
    assert "| absent/deliberation-2025.pdf | failed | file not found |" in summary
    assert f"| 5 | {int(docs['pages'].sum())} | {len(expected['sentences'])} |" in summary
    assert "| dask |" in summary

    # one task run per document and stage, in the flow run of the Dask run
    flow_run = artifacts[0]["flow_run_id"]
    tasks = api(url, "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run]}}})
    states = {t["name"]: t["state"]["type"] for t in tasks}
    extract = {k: v for k, v in states.items() if k.startswith("extract ")}
    assert len(extract) == 5
    assert extract.pop("extract absent/deliberation-2025.pdf") == "FAILED"
    assert set(extract.values()) == {"COMPLETED"}
    assert sum(k.startswith("tag ") for k in states) == 3
    # the library's log records reach Prefect too
    logs = api(url, "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run]}}})
    assert any(rec["name"].startswith("nlp.") for rec in logs), {rec["name"] for rec in logs}


def test_dask_workers_read_the_documents_from_a_corpus_url(tmp_path: Path, on_dask: OnDask) -> None:
    """The corpus on a web server: the workers fetch each PDF themselves (fsspec)."""
    with static_site(on_dask.corpus) as site:
        on_dask.run(
            *("--corpus", f"{site.url}/", "--out", str(tmp_path / "out"), "--no-classifier"),
            cwd=tmp_path,
        )
    expected, got = frames(on_dask.local_out), frames(tmp_path / "out")
    # the missing document: not found at its URL instead of in the folder
    absent = f"not found: {site.url}/absent/deliberation-2025.pdf"
    assert (
        got["documents"].set_index("file").loc["absent/deliberation-2025.pdf", "reason"] == absent
    )
    expected["documents"].loc[expected["documents"]["status"] == "failed", "reason"] = absent
    for name in expected:
        pd.testing.assert_frame_equal(got[name], expected[name], check_like=False)

    # every PDF was downloaded once, by the Dask workers (this process only served them);
    # the missing one was also asked for when its version was (fsspec tries GET after HEAD)
    pdfs = sorted(r for r in site.requests if r.endswith(".pdf"))
    there = ["/" + urllib.parse.quote(f) for f in [*SAMPLES, "valmont/page.pdf"]]
    assert [r for r in pdfs if r in there] == sorted(there), site.requests
    assert set(pdfs) - set(there) == {"/absent/deliberation-2025.pdf"}
    counts = on_dask.worker_counts()
    assert sum(c.get("extracted", 0) for c in counts.values()) == 5
    # quotes in the report link to the documents' pages on the web server
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f'href="{site.url}/valmont/' in report


def test_summary_lists_failed_documents_first_with_their_reasons() -> None:
    rows = [
        {"file": "a.pdf", "status": "ok", "reason": "", "pages": 4},
        {"file": "b.pdf", "status": "needs_ocr", "reason": "none of the 2 pages", "pages": 2},
        {"file": "c|d.pdf", "status": "timeout", "reason": "stopped after 300 s", "pages": 0},
    ]
    text = summary_markdown(rows, sentences=57, model_version="v1", seconds=12.34, runner="process")
    assert "| 3 | 6 | 57 | `v1` | process | 12.3 s |" in text
    assert "| needs_ocr | 1 |" in text and "| ok | 1 |" in text and "| timeout | 1 |" in text
    flagged = text.split("## Documents to check")[1]
    assert flagged.index("c\\|d.pdf | timeout | stopped after 300 s") < flagged.index("b.pdf")
    assert "a.pdf" not in flagged
    clean = summary_markdown(rows[:1], 3, None, 1.0)
    assert "none (lexicons only)" in clean and "Documents to check" not in clean


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_shows_documents_pages_per_second_and_time_left() -> None:
    stream = FakeTerminal()
    with RunProgress(3, enabled=True, stream=stream) as bar:
        for pages in (4, 0, 6):
            bar.advance(pages)
    shown = stream.getvalue()
    assert "3/3" in shown and "pages/s" in shown and "left" in shown
    assert bar.pages == 10 and bar.seconds_left() == 0
    quiet = FakeTerminal()
    with RunProgress(3, enabled=False, stream=quiet) as bar:
        bar.advance(1)
    assert quiet.getvalue() == ""
