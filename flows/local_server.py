"""The local Prefect server that `valpub run` starts once and reuses across runs.

Without ``PREFECT_API_URL``, Prefect starts a temporary API server in every process
that calls a flow: 10 to 15 s before the first document on a two-core machine, on
every run. valpub keeps one such server per Prefect home instead, on 127.0.0.1, owned
by a small keeper process (this module run with ``-m``). The first run pays the
start-up; later runs find the server through the keeper's state file and reach their
first document in a few seconds. The keeper stops the server after a stretch without
runs (runs in progress keep it alive), or when asked (`valpub server stop`). It is the
same server, with the same settings, that Prefect would start itself, so the states,
logs and artefacts of a run are the same. ``PREFECT_API_URL``, when set, always wins.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.settings import Settings, settings
from nlp.records.errors import NlpError

#: Minutes a kept server waits for the next run before it stops (``VALPUB_KEEP_SERVER``).
DEFAULT_IDLE_MINUTES = float(Settings.model_fields["keep_server"].default)
#: Longest wait for a new server to answer (a first start creates its database).
START_TIMEOUT = 120.0
STATE_NAME = "valpub-server.json"
USED_NAME = "valpub-server.used"
LOCK_NAME = "valpub-server.lock"
LOG_NAME = "valpub-server.log"
#: How often a run in progress tells the keeper it is still using the server.
HEARTBEAT_SECONDS = 30.0


class ServerError(NlpError):
    """The local Prefect server could not be started or reached."""


@dataclass(frozen=True)
class KeptServer:
    """What the state file says of a running kept server."""

    url: str
    keeper_pid: int
    started: float
    idle_minutes: float

    def healthy(self, timeout: float = 2.0) -> bool:
        """Whether the server answers its health check now."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=timeout) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False


def prefect_environment() -> None:
    """Settings that make Prefect run offline and quietly (each can be overridden)."""
    from flows.tagging import cache_dir

    defaults = {
        # One Prefect home per user, not per run: its database is created (and
        # migrated) once, which saves several seconds on every later run.
        "PREFECT_HOME": str(cache_dir() / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "nlp",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # The temporary server logs tracebacks when it stops with events still queued
        # (harmless: the run is over); keep them out of the terminal.
        "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
        "PREFECT_UI_ENABLED": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # Prefect does not create missing parent folders of its home.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def keep_minutes() -> float:
    """Minutes to keep the local server: ``VALPUB_KEEP_SERVER``, else the default."""
    return settings().keep_server


def prefect_home() -> Path:
    """The Prefect home in use (``PREFECT_HOME``), where the keeper's files live."""
    home = os.environ.get("PREFECT_HOME")
    if not home:
        raise ServerError("PREFECT_HOME is not set (valpub sets it before starting Prefect)")
    return Path(home).expanduser()


def read_state(home: Path) -> KeptServer | None:
    """The kept server recorded in ``home``, or None (no file, or one that is unreadable)."""
    try:
        data = json.loads((home / STATE_NAME).read_text(encoding="utf-8"))
        return KeptServer(
            str(data["url"]),
            int(data["keeper_pid"]),
            float(data["started"]),
            float(data["idle_minutes"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    # A keeper started by this very process stays a zombie once it has exited, and a
    # zombie still takes signals: reap it first, or a stop would wait its whole timeout.
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_server(home: Path) -> KeptServer | None:
    """The kept server of ``home`` if its keeper lives and the server answers."""
    state = read_state(home)
    if state is None or not _alive(state.keeper_pid) or not state.healthy():
        return None
    return state


def _touch(path: Path) -> None:
    path.touch()  # an existing file gets a new modification time


def ensure_server(home: Path, idle_minutes: float = DEFAULT_IDLE_MINUTES) -> KeptServer:
    """The kept server of ``home``: the running one, else one started now.

    Two runs starting together get the same server (a file lock orders them).
    Raises :class:`ServerError` when a new server does not answer in time.
    """
    home.mkdir(parents=True, exist_ok=True)
    with (home / LOCK_NAME).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = running_server(home)
        if state is not None:
            _touch(home / USED_NAME)
            return state
        _touch(home / USED_NAME)
        (home / STATE_NAME).unlink(missing_ok=True)
        with (home / LOG_NAME).open("ab") as log:
            keeper = subprocess.Popen(
                [
                    *(sys.executable, "-m", "flows.local_server"),
                    *(str(home), str(idle_minutes)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives this command, untouched by its Ctrl-C
                env={k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            state = read_state(home)
            if state is not None and state.keeper_pid == keeper.pid and state.healthy():
                return state
            if keeper.poll() is not None:
                break
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(keeper.pid, signal.SIGTERM)
        raise ServerError(f"the local Prefect server did not start; see {home / LOG_NAME}")


@contextlib.contextmanager
def kept_api(idle_minutes: float = DEFAULT_IDLE_MINUTES) -> Iterator[str | None]:
    """Point Prefect at the kept local server for the duration of a run.

    Yields the API URL in use, or None when ``PREFECT_API_URL`` is set (it wins) or
    ``idle_minutes`` is 0 (Prefect then starts its temporary server, as it would alone).
    While the run lasts, the keeper is told every :data:`HEARTBEAT_SECONDS` that the
    server is in use, so a long run is never cut off.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value() or idle_minutes <= 0:
        yield None
        return
    home = prefect_home()
    state = ensure_server(home, idle_minutes)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(OSError):
                _touch(home / USED_NAME)

    beat = threading.Thread(target=heartbeat, name="valpub-server-heartbeat", daemon=True)
    beat.start()
    os.environ["PREFECT_API_URL"] = state.url  # for processes this run starts
    try:
        with temporary_settings({PREFECT_API_URL: state.url}):
            yield state.url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        stop.set()
        with contextlib.suppress(OSError):
            _touch(home / USED_NAME)


def stop_server(home: Path, timeout: float = 30.0) -> KeptServer | None:
    """Stop the kept server of ``home``; return what was stopped (None: none ran)."""
    state = read_state(home)
    if state is None or not _alive(state.keeper_pid):
        (home / STATE_NAME).unlink(missing_ok=True)
        return None
    os.kill(state.keeper_pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(state.keeper_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(state.keeper_pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(state.keeper_pid, signal.SIGKILL)
    (home / STATE_NAME).unlink(missing_ok=True)
    return state


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _idle_for(home: Path) -> float:
    try:
        return time.time() - (home / USED_NAME).stat().st_mtime
    except OSError:
        return float("inf")


def keep(home: Path, idle_minutes: float) -> int:
    """The keeper: start the server, record it, stop it when idle or asked; exit code."""
    from prefect.server.api.server import SubprocessASGIServer

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server = SubprocessASGIServer(port=free_port())
    try:
        server.start(timeout=int(START_TIMEOUT))
        state: dict[str, Any] = {
            "url": server.api_url,
            "keeper_pid": os.getpid(),
            "started": time.time(),
            "idle_minutes": idle_minutes,
        }
        tmp = home / f".{STATE_NAME}.{os.getpid()}"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(home / STATE_NAME)
        process = server.server_process
        while not stopping.wait(1.0):
            if process is not None and process.poll() is not None:
                return 1  # the server died: the next run starts another
            if _idle_for(home) > idle_minutes * 60:
                break
        return 0
    finally:
        state_now = read_state(home)
        if state_now is not None and state_now.keeper_pid == os.getpid():
            (home / STATE_NAME).unlink(missing_ok=True)
        server.stop()


if __name__ == "__main__":
    # started only by ensure_server: python -m flows.local_server HOME IDLE_MINUTES
    sys.exit(keep(Path(sys.argv[1]), float(sys.argv[2])))
