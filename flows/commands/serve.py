"""``valpub serve``: run the pipeline on a schedule, as a Prefect deployment served here.

The deployment needs a Prefect server that outlives each run: the local one is started
(or reused) and stopped with this process; ``PREFECT_API_URL`` points elsewhere instead.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from flows.commands.options import (
    CorpusOption,
    OutOption,
    Runner,
    SourcesOption,
    check_corpus,
)
from flows.console import fail as _fail
from flows.console import setup_logging as _setup_logging
from flows.defaults import DEFAULT_OUT, SAMPLE_CORPUS
from flows.local_server import free_port, prefect_environment


def serve(
    cron: Annotated[str, typer.Option(help="When to run: a cron expression.")] = "0 3 * * *",
    timezone: Annotated[
        str, typer.Option(help="Time zone of the cron expression (IANA name).")
    ] = "UTC",
    corpus: CorpusOption = str(SAMPLE_CORPUS),
    out: OutOption = DEFAULT_OUT,
    sources: SourcesOption = None,
    workers: Annotated[
        int, typer.Option(help="Documents processed in parallel (0: one per core).")
    ] = 0,
    name: Annotated[str, typer.Option(help="Name of the deployment.")] = "valpub",
    runner: Annotated[Runner, typer.Option(help="Where tasks run (as for `run`).")] = (
        Runner.process
    ),
    dask_address: Annotated[
        str | None, typer.Option(help="Scheduler of an existing Dask cluster.")
    ] = None,
    models: Annotated[
        Path | None,
        typer.Option(help="Folder of classifier versions (default: OUT/models)."),
    ] = None,
    classifier: Annotated[
        bool, typer.Option(help="Add the classifier's labels to the lexicons'.")
    ] = True,
) -> None:
    """Run the pipeline on a schedule: a Prefect deployment served by this process.

    Stays in the foreground, starts a run at each time the cron expression gives (and
    any run asked for with `prefect deployment run valpub-pipeline/NAME`), and stops on
    Ctrl-C or SIGTERM (the schedule is then paused). Schedules need a Prefect server:
    with PREFECT_API_URL set, that one; else a local server is started for as long as
    this command runs (its state is kept in PREFECT_HOME).

    Example: valpub serve --cron "0 3 * * *" --corpus corpus --out outputs
    """
    _setup_logging(False)
    location = check_corpus(corpus, sources)
    out.mkdir(parents=True, exist_ok=True)
    prefect_environment()
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from flows.pipeline import pipeline_job

    parameters = {
        "corpus": str(location),
        "out": str(out.resolve()),
        "workers": workers,
        "runner": "dask" if dask_address else runner.value,
        "dask_address": dask_address,
        "models": str(models.resolve()) if models else None,
        "classifier": classifier,
        "sources": str(sources.resolve()) if sources else None,
    }
    try:
        schedule = Cron(cron, timezone=timezone)
    except ValueError as exc:
        _fail(f"invalid schedule: {exc}")
        return
    # Prefect's SIGTERM handler exits without awaiting its own shutdown (it warns so);
    # the schedule is paused below instead.
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    with _scheduling_server():
        try:
            pipeline_job.serve(
                name=name,
                schedule=schedule,
                parameters=parameters,
                # by module: the runs import the installed package, wherever they start
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        except SystemExit:  # SIGTERM
            pass
        finally:
            _pause_deployment(f"{pipeline_job.name}/{name}")
    typer.echo(f"stopped serving {pipeline_job.name}/{name} (its schedule is paused)")


def _pause_deployment(full_name: str) -> None:
    """Pause a deployment's schedule, so that no run is scheduled while nobody serves it."""
    from prefect.client.orchestration import get_client

    with contextlib.suppress(Exception), get_client(sync_client=True) as client:
        client.pause_deployment(client.read_deployment_by_name(full_name).id)


@contextlib.contextmanager
def _scheduling_server() -> Iterator[None]:
    """The Prefect server that schedules runs: PREFECT_API_URL's, else one started here.

    A temporary server (what Prefect starts without PREFECT_API_URL) does not run the
    scheduler, so `serve` starts a full one on 127.0.0.1 and stops it on the way out.
    """
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    home = Path(os.environ["PREFECT_HOME"]).expanduser()
    with (home / "valpub-serve-server.log").open("w") as server_log:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "prefect", "server", "start"),
                *("--host", "127.0.0.1", "--port", str(port), "--no-ui"),
            ],
            stdout=server_log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches this command, which stops it
            preexec_fn=_stop_with_this_process(),  # only prctl and getppid in the child
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    _fail(f"the Prefect server did not start; see {server_log.name}")
                time.sleep(0.3)
            typer.echo(f"Prefect server for the schedule: {url} (stops with this command)")
            os.environ["PREFECT_API_URL"] = url  # for the runs, started as subprocesses
            with temporary_settings({PREFECT_API_URL: url}):
                yield
        finally:
            os.environ.pop("PREFECT_API_URL", None)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _stop_with_this_process() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child sent SIGTERM when this process dies (Linux).

    Stopping normally, ``serve`` stops its Prefect server itself; killed with SIGKILL,
    it cannot, and the server would outlive it. ``prctl(PR_SET_PDEATHSIG)`` makes the
    kernel do it. Elsewhere there is no such guard (None).
    """
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here, not in the forked child
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # this process died before the guard was set
            os._exit(1)

    return arm
