"""The local Prefect server kept across runs: started once, reused, stopped when idle or asked.

Real processes throughout: the keeper, Prefect's server, and `valpub run` against it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from flows.local_server import (
    STATE_NAME,
    ensure_server,
    read_state,
    running_server,
    stop_server,
)
from tests.paths import VALPUB
from tests.pdfgen import text_pdf

TEXT = "La commune ouvre un guichet numérique pour simplifier les démarches des habitants."


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Prefect home of its own; whatever server the test leaves there is stopped."""
    home = tmp_path / "prefect"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    yield home
    stop_server(home)


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a child of this process stays a zombie until reaped
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            if fh.read().split()[2] == "Z":
                return True
        time.sleep(0.2)
    return False


def test_runs_reuse_one_server_until_it_is_stopped(home: Path, tmp_path: Path) -> None:
    first = ensure_server(home)
    assert first.healthy() and first.url.startswith("http://127.0.0.1:")
    again = ensure_server(home)
    assert again == first  # found through the state file, not started anew

    # a real run reports to it (its flow run is recorded there), and leaves it running for the next one
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    out = tmp_path / "out"
    text_pdf(corpus / "strategie.pdf", [[TEXT]])
    env = {
        **{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
        "PREFECT_HOME": str(home),
        "VALPUB_KEEP_SERVER": "30",
    }
    done = subprocess.run(
        [str(VALPUB), "run", "--corpus", str(corpus), "--out", str(out), "--no-classifier"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert pd.read_parquet(out / "documents.parquet")["status"].tolist() == ["ok"]
    assert running_server(home) == first
    request = urllib.request.Request(
        f"{first.url}/flow_runs/filter", data=b"{}", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        runs = json.loads(resp.read())
    assert [r["state_type"] for r in runs if r["name"]] and all(
        r["state_type"] == "COMPLETED" for r in runs
    )

    status = subprocess.run(
        [str(VALPUB), "server", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert first.url in status.stdout
    stopped = subprocess.run(
        [str(VALPUB), "server", "stop"], env=env, capture_output=True, text=True, timeout=60
    )
    assert stopped.returncode == 0 and first.url in stopped.stdout
    assert _gone(first.keeper_pid, 10) and not first.healthy()
    assert not (home / STATE_NAME).exists()


def test_an_idle_server_stops_and_a_stale_record_is_replaced(home: Path) -> None:
    server = ensure_server(home, idle_minutes=0.05)  # three seconds without a run
    assert _gone(server.keeper_pid, 30), "the idle server did not stop"
    assert not server.healthy() and read_state(home) is None

    # a state file whose keeper is dead (killed, machine restarted) is not trusted
    (home / STATE_NAME).write_text(
        '{"url": "http://127.0.0.1:9/api", "keeper_pid": 999999999, "started": 0, '
        '"idle_minutes": 30}',
        encoding="utf-8",
    )
    assert running_server(home) is None
    fresh = ensure_server(home)
    assert fresh.healthy() and fresh.keeper_pid != 999999999
