"""The ``valpub`` command line: one entry point for every job.

Commands stay thin: options in, one library call or flow, a summary out. Commands that
need no flow do not import Prefect, so they start fast. Library errors
(:class:`nlp.records.errors.NlpError`) become a one-line message and exit code 2.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flows.console import fail as _fail
from flows.console import setup_logging as _setup_logging
from flows.local_server import DEFAULT_IDLE_MINUTES, free_port, prefect_environment
from nlp.records.errors import NlpError

app = typer.Typer(
    help="valpub: the public value French territories' digital policies aim at, with evidence.",
    no_args_is_help=True,
    add_completion=False,
)

DEFAULT_CORPUS = Path("corpus")
DEFAULT_OUT = Path("outputs")


class _ReportedOnce(logging.Filter):
    """Drops Prefect's record (and traceback) of an error the command reports itself.

    Such an error is the user's input or machine to fix (a full disk, a broken lexicon),
    not a bug, and the command says it in one line. ``--verbose`` keeps the records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from nlp.records.errors import NlpError

        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, NlpError | OSError)


class Runner(StrEnum):
    """Task runners of `valpub run`."""

    process = "process"
    dask = "dask"


class Reader(StrEnum):
    """Page readers of `valpub run` and `valpub extract` (see nlp.extract.page_source)."""

    pdfplumber = "pdfplumber"
    pdfium = "pdfium"
    auto = "auto"


READER_HELP = (
    "Library that reads the PDF text: pdfplumber (the reference), pdfium (faster), or "
    "auto (pdfium, with pdfplumber for rotated pages, vertical text or unmapped glyphs)."
)


@app.command()
def run(
    corpus: Annotated[
        str,
        typer.Option(
            help="Folder of PDFs (with manifest.csv), or its URL (https://…; s3://… with "
            "s3fs): each worker then reads the documents from there."
        ),
    ] = str(DEFAULT_CORPUS),
    out: Annotated[Path, typer.Option(help="Output folder.")] = DEFAULT_OUT,
    sources: Annotated[
        Path | None,
        typer.Option(
            help="CSV of PDF URLs (see `valpub pull`): new and changed ones are downloaded "
            "into the corpus folder first."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Documents processed in parallel.")] = 0,
    timeout: Annotated[float, typer.Option(help="Time limit per document, seconds.")] = 300.0,
    max_mb: Annotated[float, typer.Option(help="Largest file accepted, MiB.")] = 200.0,
    force: Annotated[bool, typer.Option(help="Redo work even when stored results exist.")] = False,
    ocr: Annotated[
        bool,
        typer.Option(
            help="OCR pages without a text layer (scans) when Tesseract with French data is "
            "installed; --no-ocr leaves them unread."
        ),
    ] = True,
    extractor: Annotated[Reader, typer.Option(help=READER_HELP)] = Reader.pdfplumber,
    fail_on_error: Annotated[bool, typer.Option(help="Exit 1 when a document failed.")] = False,
    models: Annotated[
        Path | None,
        typer.Option(help="Folder of classifier versions (default: OUT/models)."),
    ] = None,
    classifier: Annotated[
        bool,
        typer.Option(help="Add the classifier's labels to the lexicons' (current model)."),
    ] = True,
    train: Annotated[
        bool,
        typer.Option(help="When no model exists yet, train one from the shipped sentences."),
    ] = True,
    runner: Annotated[
        Runner,
        typer.Option(
            help="Where tasks run: worker processes here, or a Dask cluster (see --dask-address)."
        ),
    ] = Runner.process,
    dask_address: Annotated[
        str | None,
        typer.Option(
            help="Scheduler of an existing Dask cluster (tcp://HOST:8786); implies --runner "
            "dask. Without it, --runner dask starts a local cluster of --workers processes."
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar on standard error (default: when it is a terminal).",
        ),
    ] = None,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise/--no-pseudonymise",
            help="Conceal private persons (names, addresses, phones, e-mails, birth dates) "
            "in the report and profiles. Turn off only for internal use: the report says so.",
        ),
    ] = True,
    keep_server: Annotated[
        float,
        typer.Option(
            help="Without PREFECT_API_URL: minutes the local Prefect server waits for the "
            "next run, which then starts in seconds (0: a temporary server for this run).",
            envvar="VALPUB_KEEP_SERVER",
        ),
    ] = DEFAULT_IDLE_MINUTES,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the pipeline on a corpus folder.

    The labels combine the lexicons and the current classifier in OUT/models; the first
    run trains one from the shipped sentences (about a minute). For real documents,
    `valpub train` (which also learns from the real-sentence annotations) is better.

    Example: valpub run --corpus corpus --out outputs
    """
    import time

    _setup_logging(verbose)
    location = _check_corpus(corpus, sources)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    local = sources is None and runner == Runner.process and not dask_address
    if isinstance(location, Path) and local and not force:
        rows = _unchanged_run(
            location,
            out,
            models,
            classifier,
            int(max_mb * 2**20),
            ocr,
            pseudonymise,
            extractor.value,
        )
        if rows is not None:
            typer.echo(
                "Nothing changed since the last complete run (documents, manifest, lexicons, "
                "model, options): its outputs are up to date (--force redoes everything)."
            )
            _print_documents(rows)
            _print_tagging(out / "sentences.parquet", time.monotonic() - started)
            return
    prefect_environment()
    from flows.pipeline import run_pipeline
    from nlp.extract.process import default_workers

    if not verbose:
        for name in ("prefect.flow_runs", "prefect.task_runs"):
            logging.getLogger(name).addFilter(_ReportedOnce())

    try:
        rows = run_pipeline(
            location,
            out,
            workers or default_workers(),
            runner="dask" if dask_address else runner.value,
            dask_address=dask_address,
            progress=progress,
            timeout=timeout,
            max_bytes=int(max_mb * 2**20),
            force=force,
            ocr=ocr,
            models=models,
            classifier=classifier,
            train=train,
            sources=sources,
            pseudonymise=pseudonymise,
            keep_server=keep_server,
            extractor=extractor.value,
        )
    except NlpError as exc:
        _fail(str(exc))
        return
    _print_documents(rows)
    _print_ocr(rows, ocr)
    _print_tagging(out / "sentences.parquet", time.monotonic() - started)
    typer.echo(f"\nOutputs in {out.resolve()}:")
    typer.echo(f"  {out / 'documents.parquet'} (and .csv): one row per document, with status")
    typer.echo(f"  {out / 'pages'}/<sha256>.jsonl: clean text of every page")
    typer.echo(f"  {out / 'sentences.parquet'}: every sentence with its labels and evidence")
    typer.echo(f"  {out / 'profiles.parquet'} (and .csv), {out / 'profiles'}/<territory>.json")
    typer.echo(f"  {out / 'report.html'}: the report, in French (open it in a browser)")
    bad = [r for r in rows if r["status"] in {"failed", "timeout"}]
    if fail_on_error and bad:
        raise typer.Exit(1)


def _unchanged_run(
    corpus: Path,
    out: Path,
    models: Path | None,
    classifier: bool,
    max_bytes: int,
    ocr: bool,
    pseudonymise: bool,
    extractor: str = "pdfplumber",
) -> list[dict[str, object]] | None:
    """The documents of the last run when it was made from exactly these inputs, else None.

    Checked before Prefect starts, so an unchanged nightly run costs a second or two
    (hashing the documents) instead of the flow's start-up.
    """
    import pandas as pd

    from flows.defaults import DEFAULT_LEXICONS, adopt_shipped
    from nlp.model.tagging import lexicon_fingerprint
    from nlp.records.files import OutputBusyError, run_lock
    from nlp.results.store import corpus_documents, outputs_up_to_date, run_key, run_options

    version = adopt_shipped((models or out / "models").resolve()) if classifier else None
    if classifier and version is None:
        return None  # the run trains a model first
    try:
        with run_lock(out):
            key = run_key(
                corpus.resolve(),
                corpus_documents(corpus.resolve()),
                lexicon_fingerprint(DEFAULT_LEXICONS),
                version,
                run_options(max_bytes, ocr, pseudonymise, extractor),
            )
            if not outputs_up_to_date(out, key):
                return None
            rows: list[dict[str, object]] = pd.read_parquet(out / "documents.parquet").to_dict(
                "records"
            )
            return rows
    except OutputBusyError:
        return None  # the flow reports it


def _check_corpus(corpus: str, sources: Path | None) -> Path | str:
    """The corpus folder (absolute) or URL; stop with a clear message when it cannot be.

    A pull creates the folder; a URL is checked when the run reads it.
    """
    from nlp.ingest.corpus import corpus_location

    location = corpus_location(corpus)
    if isinstance(location, str):
        if sources is not None:
            _fail(f"--sources downloads into a corpus folder; {corpus} is a URL")
        return location
    if sources is not None:
        if not sources.is_file():
            _fail(f"sources file {sources} does not exist")
        location.mkdir(parents=True, exist_ok=True)
    elif not location.is_dir():
        _fail(f"corpus folder {corpus} does not exist")
    return location


def _print_documents(rows: list[dict[str, object]]) -> None:
    from collections import Counter

    width = max((len(str(r["file"])) for r in rows), default=10)
    width = min(width, 70)
    typer.echo(f"{'file':<{width}}  {'status':<9} {'pages':>5}  reason")
    for r in rows:
        name = str(r["file"])
        name = name if len(name) <= width else "…" + name[-(width - 1) :]
        typer.echo(f"{name:<{width}}  {r['status']!s:<9} {r['pages']!s:>5}  {r['reason'] or ''}")
    counts = Counter(str(r["status"]) for r in rows)
    pages = sum(int(str(r["pages"] or 0)) for r in rows)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    typer.echo(f"{len(rows)} documents ({summary}), {pages} pages")


def _print_ocr(rows: list[dict[str, object]], ocr: bool) -> None:
    """Pages read by OCR, and pages left unread with the one step that would read them."""
    from nlp.extract.ocr import INSTALL_HINT, ocr_unavailable

    read = sum(int(str(r.get("pages_ocr") or 0)) for r in rows)
    unread = sum(int(str(r.get("pages_needing_ocr") or 0)) for r in rows)
    if read:
        typer.echo(f"{read} pages read by OCR (Tesseract); their sentences have ocr = true")
    if not unread:
        return
    why = ocr_unavailable() if ocr else None
    if not ocr:
        typer.echo(f"{unread} pages without a text layer left unread (--no-ocr)")
    elif why:
        typer.echo(f"{unread} pages without a text layer left unread: {why}. {INSTALL_HINT}")
    else:
        typer.echo(f"{unread} pages without a text layer where OCR found no text")


def _print_tagging(path: Path, seconds: float | None = None) -> None:
    import pandas as pd

    from nlp.records.codebook import SCHEMES

    took = f" (run took {seconds:.1f} s)" if seconds is not None else ""
    if not path.is_file():
        if took:
            typer.echo(took.strip(" ()"))
        return
    frame = pd.read_parquet(path)
    if frame.empty:
        typer.echo(f"no sentence tagged{took}")
        return
    shares = ", ".join(f"{s} {(frame[s].str.len() > 0).mean():.0%}" for s in SCHEMES)
    versions = sorted({str(v) for v in frame.get("model_version", pd.Series(dtype=str))} - {""})
    model = ", ".join(versions) if versions else "none (lexicons only)"
    typer.echo(f"{len(frame)} sentences; with at least one label: {shares}")
    typer.echo(f"classifier: {model}{took}")


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="When to run: a cron expression.")] = "0 3 * * *",
    timezone: Annotated[
        str, typer.Option(help="Time zone of the cron expression (IANA name).")
    ] = "UTC",
    corpus: Annotated[
        str,
        typer.Option(
            help="Folder of PDFs (with manifest.csv), or its URL (https://…; s3://… with "
            "s3fs): each worker then reads the documents from there."
        ),
    ] = str(DEFAULT_CORPUS),
    out: Annotated[Path, typer.Option(help="Output folder.")] = DEFAULT_OUT,
    sources: Annotated[
        Path | None,
        typer.Option(
            help="CSV of PDF URLs (see `valpub pull`): new and changed ones are downloaded "
            "into the corpus folder first."
        ),
    ] = None,
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
    location = _check_corpus(corpus, sources)
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


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="PDF files.")],
    timeout: Annotated[float, typer.Option(help="Time limit per document, seconds.")] = 300.0,
    text: Annotated[bool, typer.Option(help="Print the clean text of each page.")] = False,
    ocr: Annotated[
        bool,
        typer.Option(help="OCR pages without a text layer (where Tesseract with French is)."),
    ] = True,
    extractor: Annotated[Reader, typer.Option(help=READER_HELP)] = Reader.pdfplumber,
) -> None:
    """Extract PDFs and print their status (and text with --text), without storing anything.

    Example: valpub extract corpus/valmont/feuille-de-route-2024.pdf --text
    """
    from nlp.extract.document import Page
    from nlp.extract.process import Extractor

    _setup_logging(False)

    def show(page: Page) -> None:
        if text:
            flag = " (needs OCR)" if page.needs_ocr else ""
            typer.echo(f"--- p. {page.page}{flag}")
            typer.echo(page.text)

    with Extractor(timeout=timeout, ocr=ocr, extractor=extractor.value) as worker:
        for path in files:
            if text:
                typer.echo(f"=== {path}")
            report = worker.extract(path, show)
            typer.echo(
                f"{path}: {report.status} ({report.pages} pages, {report.seconds:.1f} s)"
                + (f": {report.reason}" if report.reason else "")
            )


@app.command()
def pull(
    sources: Annotated[Path, typer.Option(help="CSV of URLs with the manifest columns.")],
    into: Annotated[Path, typer.Option(help="Folder to download into (a corpus folder).")],
    timeout: Annotated[float, typer.Option(help="Seconds per request.")] = 30.0,
    retries: Annotated[int, typer.Option(help="Retries on 5xx and connection errors.")] = 3,
    max_mb: Annotated[float, typer.Option(help="Largest download accepted, MiB.")] = 200.0,
) -> None:
    """Download the PDFs listed in a sources CSV; unchanged ones are not fetched again.

    Example: valpub pull --sources sources.csv --into corpus/pulled
    """
    from nlp.ingest.pull import format_summary, pull_sources

    _setup_logging(False)
    try:
        results = pull_sources(
            sources, into, timeout=timeout, retries=retries, max_bytes=int(max_mb * 2**20)
        )
    except NlpError as exc:
        _fail(str(exc))
        return
    typer.echo(format_summary(results))


def _mount_subcommands() -> None:
    from flows.annotate_cmds import register as register_annotate_commands
    from flows.export_cmds import register as register_export_commands
    from flows.lexicon_cmds import app as lexicon_app
    from flows.model_cmds import register as register_model_commands
    from flows.review_cmd import register as register_review_command
    from flows.server_cmds import register as register_server_commands

    app.add_typer(lexicon_app, name="lexicon", help="Check and explore the lexicons.")
    register_model_commands(app)
    register_export_commands(app)
    register_annotate_commands(app)
    register_review_command(app)
    register_server_commands(app)


_mount_subcommands()


def main() -> None:
    """Console entry point (``valpub``).

    An error of the library that a command did not handle (a broken lexicon file, a
    model that does not load...) ends the command with its one-line message and exit
    code 2, never a traceback: it is the user's input to fix, not a bug to report.
    """
    from nlp.records.errors import NlpError

    try:
        app()
    except NlpError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
    except OSError as exc:  # a full disk, a read-only or vanished folder
        where = f": {exc.filename}" if exc.filename else ""
        typer.secho(f"error: {exc.strerror or exc}{where}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
