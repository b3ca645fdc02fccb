"""Local servers for the tests: a Prefect API server shared by the tests that run the
pipeline (fixture ``prefect_api`` in tests/conftest.py), a static web site of a folder
(:func:`static_site`), free ports, process groups.

`valpub run` without a server starts a temporary one (10-15 s a run); against a running
server a run starts in a few seconds. Tests use this one; the serverless default is
tested in test_run.py.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment variables that point Prefect at a local server started for the session."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise RuntimeError((home / "server.log").read_text()[-3000:])
        time.sleep(0.3)
    try:
        yield {"PREFECT_HOME": str(home), "PREFECT_API_URL": url}
    finally:
        stop_group(proc)
        log.close()


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
