"""Local servers for the tests: a Prefect API server shared by the tests that run the
pipeline (fixture ``prefect_api`` in tests/conftest.py), a static web site of a folder
(:func:`static_site`), free ports, process groups.

`valpub run` without a server starts a temporary one (10-15 s a run); against a running
server a run starts in a few seconds. Tests use this one; the serverless default is
tested in test_run.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PREFECT = Path(sys.executable).parent / "prefect"
#: The Prefect home of the runs that start their own temporary server (no PREFECT_API_URL):
#: its database is made once, not in every test. One per pytest-xdist worker, so that two
#: such servers never share a SQLite database.
TEMPORARY_PREFECT_HOME = Path(tempfile.gettempdir()) / "-".join(
    [
        "valpub-test-prefect",
        str(os.getuid()),
        *filter(None, [os.environ.get("PYTEST_XDIST_WORKER")]),
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_prefect_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A Prefect API server on a free port of 127.0.0.1, its home ``home``; and its API URL."""
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    command = [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with (home / "server.log").open("w") as log:
        proc = subprocess.Popen(
            [*command, "--no-ui"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while not answers(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_group(proc)
            raise RuntimeError((home / "server.log").read_text()[-3000:])
        time.sleep(0.3)
    return proc, url


def answers(url: str) -> bool:
    """Whether the Prefect API at ``url`` says it is healthy."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the file ``path`` (created), shared with other processes."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: The shared server this process started (under pytest-xdist), to reap it if it stops it.
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment variables that point Prefect at a local server started for the session.

    Under pytest-xdist the workers share one server (one start-up, ~15 s of CPU, and one
    set of background services instead of one per worker): the first worker that needs it
    starts it, the last one done with it stops it. The count is kept in files beside the
    workers' temporary folders (:func:`shared_server_folder`), under a file lock.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        home = tmp_path_factory.mktemp("prefect-home")
        proc, url = start_prefect_server(home)
        try:
            yield {"PREFECT_HOME": str(home), "PREFECT_API_URL": url}
        finally:
            stop_group(proc)
        return
    shared = shared_server_folder(tmp_path_factory.getbasetemp().parent)
    shared.mkdir(exist_ok=True)
    info_file = shared / "server.json"
    with locked(shared / "lock"):
        if info_file.is_file():
            info = json.loads(info_file.read_text(encoding="utf-8"))
        else:
            home = shared / "home"
            home.mkdir(exist_ok=True)
            proc, url = start_prefect_server(home)
            _STARTED[proc.pid] = proc
            info = {"pid": proc.pid, "home": str(home), "url": url}
            info_file.write_text(json.dumps(info), encoding="utf-8")
        (shared / f"user-{worker}").touch()
    try:
        yield {"PREFECT_HOME": info["home"], "PREFECT_API_URL": info["url"]}
    finally:
        with locked(shared / "lock"):
            (shared / f"user-{worker}").unlink()
            if not any(shared.glob("user-*")):
                info_file.unlink()
                stop_shared_server(info)


def shared_server_folder(basetemp: Path) -> Path:
    """Where the pytest-xdist workers of a run (temporary folders under ``basetemp``)
    keep their shared Prefect server's address, home and users."""
    return basetemp / "prefect-server"


def stop_shared_server(info: dict[str, Any]) -> None:
    """Stop the server of :func:`prefect_api` that ``info`` describes, whoever started it."""
    proc = _STARTED.pop(info["pid"], None)
    if proc is not None:
        stop_group(proc)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(info["pid"], signal.SIGTERM)
    # not our child: wait until it no longer answers (it stays a zombie of the worker that
    # started it until that worker ends)
    deadline = time.monotonic() + 20
    while answers(info["url"]) and time.monotonic() < deadline:
        time.sleep(0.3)
    with contextlib.suppress(ProcessLookupError):
        if answers(info["url"]):
            os.killpg(info["pid"], signal.SIGKILL)


def stop_leftover_server(basetemp: Path) -> None:
    """At the end of a pytest-xdist run: stop a shared server a crashed worker left."""
    info_file = shared_server_folder(basetemp) / "server.json"
    if info_file.is_file():
        stop_shared_server(json.loads(info_file.read_text(encoding="utf-8")))
        info_file.unlink()


def api(url: str, path: str, body: dict[str, Any] | None = None, method: str = "POST") -> Any:
    """Call the Prefect REST API at ``url`` (its ``/api`` root); the decoded JSON answer."""
    request = urllib.request.Request(
        f"{url}{path}",
        data=None if method == "GET" else json.dumps(body or {}).encode(),
        headers={"content-type": "application/json"},
        method=method,
    )
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            # the session's server answers 503 while its SQLite database is busy
            if exc.code != 503 or attempt == 4:
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM a process started in its own session (and its children), SIGKILL if it lingers."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@dataclass
class StaticSite:
    """A folder served over HTTP on 127.0.0.1, and the paths its clients asked for."""

    url: str
    root: Path
    requests: list[str] = field(default_factory=list)


@contextlib.contextmanager
def static_site(root: Path) -> Iterator[StaticSite]:
    """Serve ``root`` (with directory listings) from a thread of this process."""
    site = StaticSite("", root)

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
