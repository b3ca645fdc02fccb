"""``valpub run``, ``valpub extract`` and ``valpub pull``: the pipeline on a corpus, now.

``run`` processes a corpus folder (or URL) into profiles and a report through the
pipeline flow; ``extract`` prints what extraction makes of some PDFs; ``pull`` downloads
the PDFs a sources CSV lists.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from flows.commands.options import (
    READER_HELP,
    CorpusOption,
    OutOption,
    Reader,
    ReportedOnce,
    Runner,
    SourcesOption,
    check_corpus,
)
from flows.console import fail as _fail
from flows.console import setup_logging as _setup_logging
from flows.defaults import DEFAULT_OUT, SAMPLE_CORPUS
from flows.local_server import DEFAULT_IDLE_MINUTES, prefect_environment
from flows.settings import settings
from nlp.records.errors import NlpError


def run(
    corpus: CorpusOption = str(SAMPLE_CORPUS),
    out: OutOption = DEFAULT_OUT,
    sources: SourcesOption = None,
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
        float | None,
        typer.Option(
            help="Without PREFECT_API_URL: minutes the local Prefect server waits for the "
            "next run, which then starts in seconds (0: a temporary server for this run). "
            f"Default: $VALPUB_KEEP_SERVER, else {DEFAULT_IDLE_MINUTES:g}.",
            show_default=False,
        ),
    ] = None,
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
    # the environment's settings are checked before anything is written
    keep_minutes = settings().keep_server if keep_server is None else keep_server
    location = check_corpus(corpus, sources)
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
            logging.getLogger(name).addFilter(ReportedOnce())

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
            keep_server=keep_minutes,
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
    from nlp.language.lexicon import lexicon_fingerprint
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
