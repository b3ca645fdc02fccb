"""`valpub serve` and `python -m flows.deployments` against real Prefect servers.

`serve` registers its deployment with the cron schedule, runs what is asked of it and
stops cleanly on SIGTERM or SIGINT, with a Prefect server (PREFECT_API_URL, the session
server of tests/servers.py) or without (it starts one and stops it).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.paths import VALPUB
from tests.pdfgen import text_pdf
from tests.servers import TEMPORARY_PREFECT_HOME, api

pytestmark = pytest.mark.slow

PREFECT_HOME = TEMPORARY_PREFECT_HOME
TEXT = (
    "Le syndicat mixte met à disposition des communes membres un portail de données "
    "ouvertes et associe les usagers à la conception des nouveaux services en ligne."
)


def wait_for(what: str, check: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def deployment(url: str, name: str) -> dict[str, Any] | None:
    found = api(url, "/deployments/filter", {"deployments": {"name": {"any_": [name]}}})
    return found[0] if found else None


def serve(tmp_path: Path, name: str, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    corpus = tmp_path / "corpus"
    (corpus / "syndicat").mkdir(parents=True)
    text_pdf(corpus / "syndicat" / "charte.pdf", [[TEXT], [TEXT]], header="Syndicat", footer=True)
    return subprocess.Popen(
        [
            str(VALPUB),
            "serve",
            "--cron",
            "0 3 * * *",
            "--timezone",
            "Europe/Paris",
            "--corpus",
            str(corpus),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
            "--name",
            name,
            "--no-classifier",
            *extra,
        ],
        cwd=tmp_path,
        env=env,
        stdout=(tmp_path / "serve.out").open("w"),
        stderr=(tmp_path / "serve.err").open("w"),
        text=True,
    )


def started_server(tmp_path: Path) -> str:
    """The API URL of the Prefect server `serve` started, once it says so."""
    out = tmp_path / "serve.out"
    line = wait_for(
        "the server",
        lambda: next(
            (ln for ln in out.read_text().splitlines() if "Prefect server for" in ln), None
        ),
        timeout=150,
    )
    return re.search(r"http://127\.0\.0\.1:\d+/api", line).group(0)


def stopped(proc: subprocess.Popen[str], sig: int, tmp_path: Path) -> float:
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, (tmp_path / "serve.err").read_text()[-3000:]
    return time.monotonic() - started


def test_serve_registers_the_schedule_runs_on_demand_and_stops_on_sigterm(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    url = prefect_api["PREFECT_API_URL"]
    name = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, **prefect_api, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    proc = serve(tmp_path, name, env)
    try:
        dep = wait_for("the deployment", lambda: deployment(url, name))
        assert [s["schedule"]["cron"] for s in dep["schedules"]] == ["0 3 * * *"]
        assert dep["schedules"][0]["schedule"]["timezone"] == "Europe/Paris"
        assert dep["parameters"]["corpus"] == str(tmp_path / "corpus")
        assert dep["paused"] is False
        # a run asked for now is run by the serving process
        run = api(url, f"/deployments/{dep['id']}/create_flow_run", {})

        def finished() -> str | None:
            state = api(url, f"/flow_runs/{run['id']}", method="GET")["state"]["type"]
            return state if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

        assert wait_for("the run", finished, timeout=240) == "COMPLETED"
        docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
        assert docs[["file", "status"]].values.tolist() == [["syndicat/charte.pdf", "ok"]]
        seconds = stopped(proc, signal.SIGTERM, tmp_path)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert seconds < 30
    assert deployment(url, name)["paused"] is True  # nobody serves it any more
    assert f"stopped serving valpub-pipeline/{name}" in (tmp_path / "serve.out").read_text()


@pytest.mark.skipif(
    os.environ.get("PYTEST_XDIST_WORKER") is not None,
    reason="known problem: inside the parallel suite, serve takes over 60 s to stop on Ctrl-C "
    "(passes alone: pytest -n 0 tests/flows/test_serve.py); cause not found yet",
)
def test_serve_without_a_server_starts_one_and_stops_it_on_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    # a home of its own: the worker's shared one holds other tests' deployments and runs,
    # which its server's scheduler would also work through
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    env["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = "1"  # schedule at once
    proc = serve(tmp_path, "local", env)
    try:
        url = started_server(tmp_path)
        dep = wait_for("the deployment", lambda: deployment(url, "local"))
        assert [s["schedule"]["cron"] for s in dep["schedules"]] == ["0 3 * * *"]

        # the server it started schedules (a temporary one would not): future runs appear
        def scheduled() -> list[Any]:
            runs = api(
                url,
                "/flow_runs/filter",
                {"flow_runs": {"deployment_id": {"any_": [dep["id"]]}}},
            )
            return [r for r in runs if r["state"]["type"] == "SCHEDULED"]

        runs = wait_for("scheduled runs", scheduled, timeout=60)
        assert all(r["expected_start_time"][11:16] in {"01:00", "02:00"} for r in runs)
        seconds = stopped(proc, signal.SIGINT, tmp_path)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert seconds < 30
    with pytest.raises(urllib.error.URLError):  # the server it started is gone
        api(url, "/health", method="GET")


def test_serve_killed_with_sigkill_takes_its_server_with_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(PREFECT_HOME)
    proc = serve(tmp_path, "killed", env)
    try:
        url = started_server(tmp_path)
        assert api(url, "/health", method="GET") is True
        proc.send_signal(signal.SIGKILL)  # no handler runs: the kernel stops the server
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()

    def gone() -> bool | None:
        try:
            api(url, "/health", method="GET")
        except (urllib.error.URLError, ConnectionError):  # refused, or reset while dying
            return True
        return None

    assert wait_for("the server to stop", gone, timeout=60)


def test_deployments_registers_pipeline_and_retraining_on_a_process_pool(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    url = prefect_api["PREFECT_API_URL"]
    pool = f"pool-{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.deployments",
            "--pool",
            pool,
            "--corpus",
            "corpus",
            "--out",
            "sorties",
            "--cron",
            "30 2 * * *",
        ],
        cwd=tmp_path,
        env={**os.environ, **prefect_api, "VALPUB_RETRAIN_CRON": "0 5 * * 1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert api(url, f"/work_pools/{pool}", method="GET")["type"] == "process"
    found = api(
        url,
        "/deployments/filter",
        {"work_pools": {"name": {"any_": [pool]}}},
    )
    by_name = {d["name"]: d for d in found}
    assert set(by_name) == {"nightly", "weekly"}
    nightly, weekly = by_name["nightly"], by_name["weekly"]
    assert nightly["entrypoint"] == "flows.pipeline.pipeline_job"
    assert weekly["entrypoint"] == "flows.deployments.retrain_job"
    assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["30 2 * * *"]
    assert [s["schedule"]["cron"] for s in weekly["schedules"]] == ["0 5 * * 1"]
    assert nightly["parameters"]["corpus"] == str(tmp_path / "corpus")  # absolute paths
    assert weekly["parameters"]["out"] == str(tmp_path / "sorties")

    # without a server to register on, it says so
    refused = subprocess.run(
        [sys.executable, "-m", "flows.deployments"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        | {"PREFECT_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "PREFECT_API_URL" in refused.stderr
