"""The main job as a Prefect flow: a corpus folder (or URL) in, documents and profiles out.

:func:`process_corpus` runs the stages: discover -> model (the current classifier
version; when there is none, one is trained from the shipped sentences first) -> extract
-> segment, tag and classify (one task per document: the lexicons and the classifier
share the same spaCy pass; :mod:`flows.tasks`) -> profiles and report. It submits
tagging as soon as a document is extracted and keeps only a few extractions queued, so
documents finish all along the run (Prefect's ``as_completed`` over the running
futures): the progress bar (:class:`flows.progress.RunProgress`)
and the per-document states in Prefect follow them. :func:`run_pipeline` picks the task
runner: ``process`` (default), task threads in this process driving extraction and
tagging worker processes (:mod:`flows.workers`), as many of each as ``workers`` (threads
alone would not scale, the work is CPU-bound); or ``dask``, the tasks on a Dask cluster
(an existing one at ``dask_address``, else a local one with ``workers`` processes). Paths
must mean the same on every machine: a remote cluster needs the output folder (and a
corpus given as a folder) on a shared file system; a corpus given as a URL is read by
each worker from there. :func:`pipeline_job` is the same run as a scheduled job.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.defaults import DEFAULT_LEXICONS, DEFAULT_OUT, SAMPLE_CORPUS
from flows.local_server import keep_minutes, kept_api
from flows.progress import RunProgress
from flows.summary import SUMMARY_KEY, summary_markdown
from flows.tasks import (
    FAILED_STATUSES,
    collect_sentences,
    extract_task,
    failed_row,
    model_task,
    pull_task,
    quiet_document_failures,
    tag_task,
    task_outcome,
)
from flows.workers import (
    EXTRACTORS,
    TAGGERS,
    cluster_slots,
    flush_cluster_logs,
    send_nlp_logs_to_prefect,
)
from nlp.extract.document import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from nlp.ingest.corpus import corpus_location, discover
from nlp.language.lexicon import lexicon_fingerprint
from nlp.records.errors import FetchError
from nlp.records.files import run_lock, sweep_temporary
from nlp.records.netaddr import is_loopback_address as _is_loopback
from nlp.records.tables import DOCUMENT_COLUMNS, write_table
from nlp.results.publish import publish_profiles
from nlp.results.store import RUN_STATE_NAME, run_key, run_options, save_run_state

log = logging.getLogger(__name__)
RUNNERS = ("process", "dask")


def _process_corpus(
    corpus: Path | str = SAMPLE_CORPUS,
    out: Path = DEFAULT_OUT,
    lexicons: Path = DEFAULT_LEXICONS,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    force: bool = False,
    ocr: bool = True,
    models: Path | None = None,
    classifier: bool = True,
    train: bool = True,
    runner: str = "process",
    progress: bool = False,
    sources: Path | None = None,
    pseudonymise: bool = True,
    extractor: str = "pdfplumber",
) -> list[dict[str, Any]]:
    """Run the pipeline on a corpus folder (or corpus URL); return one row per document.

    With ``pseudonymise`` (the default) every published quote conceals private persons
    (:mod:`nlp.language.pseudonymise`); ``sentences.parquet`` keeps the original ``text`` and adds
    its ``published_text``.

    With ``sources`` (a CSV of URLs, see :func:`nlp.ingest.pull.pull_sources`), the new and
    changed PDFs it lists are first downloaded into ``corpus`` (its manifest gains
    their rows), so a scheduled run picks up what the territories published.

    ``workers`` documents are extracted and tagged at once with the ``process`` runner;
    with ``dask``, the cluster's size decides (see :func:`run_pipeline`, which picks the
    task runner). The classifier is the current version in ``models`` (default
    ``out/models``); with ``classifier=False`` the labels are the lexicons'; with
    ``train=False`` a missing model is not trained (lexicons only). ``progress`` shows a
    progress bar on standard error. ``extractor`` is the page reader
    (:data:`nlp.extract.page_source.EXTRACTOR_CHOICES`).
    """
    started = time.monotonic()
    logger = get_run_logger()
    send_nlp_logs_to_prefect()  # also when run outside `valpub` (a worker, a script)
    quiet_document_failures()
    # Absolute paths: tasks may run in other processes, with another working directory.
    corpus = corpus_location(corpus)  # a URL stays one: each worker reads from there
    out, lexicons = Path(out).resolve(), Path(lexicons).resolve()
    models = Path(models).resolve() if models is not None else out / "models"
    on_dask = runner == "dask"
    pulled = None
    if sources is not None:
        if isinstance(corpus, str):
            raise FetchError(f"--sources downloads into a corpus folder, not into {corpus}")
        pulled = pull_task(Path(sources).resolve(), corpus)
    docs = discover(corpus)
    fingerprint = lexicon_fingerprint(lexicons)
    version = model_task(models, lexicons, train) if classifier else None
    logger.info(
        "%d documents in %s; lexicons %s; classifier %s; runner %s",
        len(docs),
        corpus,
        fingerprint,
        version or "none (lexicons only)",
        runner,
    )
    if not on_dask:
        EXTRACTORS.configure(workers, timeout, max_bytes, ocr, extractor)
    # Only a few extractions wait in the queue, so that tagging, submitted as each
    # document is extracted, does not wait behind all of them.
    window = 2 * (cluster_slots(workers) if on_dask else max(1, workers))
    rows: list[dict[str, Any]] = [{} for _ in docs]
    files: list[Path | None] = [None] * len(docs)
    waiting = deque(range(len(docs)))
    running: dict[PrefectFuture[Any], tuple[str, int]] = {}

    def extract_next() -> None:
        i = waiting.popleft()
        future = extract_task.submit(
            docs[i],
            out,
            max_bytes,
            force,
            ocr,
            timeout=timeout,
            on_dask=on_dask,
            extractor=extractor,
        )
        running[future] = ("extract", i)

    try:
        with RunProgress(len(docs), progress) as bar:
            while waiting and len(running) < window:
                extract_next()
            while running:
                future = next(as_completed(list(running)))
                kind, i = running.pop(future)
                if kind == "extract":
                    outcome = task_outcome(future)
                    row = outcome if isinstance(outcome, dict) else failed_row(docs[i], outcome)
                    rows[i] = row
                    if waiting:
                        extract_next()
                    if row["sha256"] and row["pages"] and row["status"] not in FAILED_STATUSES:
                        tagging = tag_task.submit(
                            row,
                            out,
                            lexicons,
                            workers,
                            fingerprint,
                            force,
                            models=models,
                            version=version,
                            on_dask=on_dask,
                            wait_for=[future],
                            return_state=False,
                        )
                        running[tagging] = ("tag", i)
                        continue
                else:
                    files[i] = _tagged_file(rows[i], task_outcome(future))
                bar.advance(int(rows[i]["pages"] or 0))
    finally:
        if on_dask:
            flush_cluster_logs()
        else:
            EXTRACTORS.close()
            for pool in TAGGERS.values():
                pool.close()
            TAGGERS.clear()
    write_table(rows, out / "documents.parquet", DOCUMENT_COLUMNS)
    sentences = collect_sentences(rows, files, out, pseudonymise)
    metrics = None
    if version:
        from nlp.model.registry import Registry

        metrics = Registry(models).metrics(version)
    published = publish_profiles(
        out, lexicons, corpus=corpus, model_metrics=metrics, pseudonymise=pseudonymise
    )
    logger.info(
        "profiles of %d territories; report %s",
        sum(k.startswith("profile:") for k in published),
        published["report"],
    )
    if isinstance(corpus, Path) and not any(r["status"] in FAILED_STATUSES for r in rows):
        # keyed by the digests extraction read: the content these outputs were made from
        documents = [(str(r["file"]), r["sha256"] or None) for r in rows]
        key = run_key(
            corpus,
            documents,
            fingerprint,
            version,
            run_options(max_bytes, ocr, pseudonymise, extractor),
        )
        save_run_state(out, key)  # the next run with the same inputs has nothing to do
    else:
        # failed documents are retried; a remote corpus is only known by reading it
        (out / RUN_STATE_NAME).unlink(missing_ok=True)
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        markdown=summary_markdown(
            rows, len(sentences), version, time.monotonic() - started, runner, pulled
        ),
        key=SUMMARY_KEY,
        description=f"valpub run of {corpus} into {out}",
    )
    return rows


def _tagged_file(row: dict[str, Any], outcome: Any) -> Path | None:
    """The tagged-sentences file of a document's tagging outcome; a failure marks ``row``."""
    if not isinstance(outcome, dict):
        outcome = {"path": None, "error": f"tagging failed: {outcome!r}"[:300]}
    tagged_file = Path(outcome["path"]) if outcome["path"] else None
    if tagged_file is not None and not tagged_file.is_file():
        tagged_file = None
        outcome["error"] = (
            f"tagged sentences not found here ({outcome['path']}): the output "
            "folder must be on a file system shared with the Dask workers"
        )
    if outcome["error"]:
        row["status"] = "failed"
        row["reason"] = "; ".join(r for r in (row["reason"], outcome["error"]) if r)
    return tagged_file


# Like the tasks, the flow wraps a module-level function: the flow travels with every
# task to Dask workers, which import its function by name.
process_corpus = flow(name="process-corpus", log_prints=True)(_process_corpus)


@contextlib.contextmanager
def _prefect_api(runner: str, dask_address: str | None, keep_server: float) -> Iterator[None]:
    """The Prefect API a run reports to: ``PREFECT_API_URL``, else a local server.

    The local server is the kept one (:mod:`flows.local_server`) unless ``keep_server``
    is 0. Then the process runner lets Prefect start its temporary server, and the
    Dask runner starts it here: each worker process would otherwise start one of its
    own and its task runs would be lost; the flow's settings travel with every task.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    if dask_address and not _is_loopback(dask_address):
        log.warning(
            "no PREFECT_API_URL: the local Prefect server listens on 127.0.0.1 only, "
            "out of reach of workers on other machines; set PREFECT_API_URL to a server "
            "they can reach"
        )
    if keep_server > 0:
        with kept_api(keep_server):
            yield
        return
    if runner != "dask":
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()  # stopped when this process exits, like Prefect's own
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield


def run_pipeline(
    corpus: Path | str,
    out: Path,
    workers: int,
    *,
    runner: str = "process",
    dask_address: str | None = None,
    progress: bool | None = None,
    keep_server: float | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Run :func:`process_corpus` with the chosen task runner; return one row per document.

    Args:
        corpus: the corpus folder, or its URL (see :func:`nlp.ingest.corpus.discover`).
        out: the output folder.
        workers: documents processed at once (``process``), or the number of worker
            processes of the local Dask cluster (``dask`` without an address).
        runner: ``process`` (threads driving worker processes here) or ``dask``.
        dask_address: the scheduler of an existing Dask cluster (``tcp://host:8786``).
        progress: show the progress bar on standard error (default: when it is a
            terminal).
        keep_server: without ``PREFECT_API_URL``, minutes the local Prefect server is
            kept for the next run (0: a temporary server for this run only; None:
            ``VALPUB_KEEP_SERVER``, else 30).
        **options: the other parameters of :func:`process_corpus`.
    """
    if runner not in RUNNERS:
        raise ValueError(f"unknown runner {runner!r} (choose from {', '.join(RUNNERS)})")
    with run_lock(out):
        # Under the lock no other run writes here: a temporary file whose writer is gone
        # is what a killed run left. (Writers are known by process id; a remote Dask
        # worker's are not, but none of this run's has started yet.)
        for leftover in sweep_temporary(out):
            log.info("removed %s, left by an interrupted run", leftover)
        # until this run completes, the outputs are not those of a known set of inputs
        (Path(out) / RUN_STATE_NAME).unlink(missing_ok=True)
        return _run_pipeline(
            corpus,
            out,
            workers,
            runner=runner,
            dask_address=dask_address,
            progress=progress,
            keep_server=keep_minutes() if keep_server is None else keep_server,
            **options,
        )


def _run_pipeline(
    corpus: Path | str,
    out: Path,
    workers: int,
    *,
    runner: str,
    dask_address: str | None,
    progress: bool | None,
    keep_server: float,
    **options: Any,
) -> list[dict[str, Any]]:
    workers = max(1, workers)
    show = sys.stderr.isatty() if progress is None else progress
    params: dict[str, Any] = dict(
        corpus=corpus, out=out, workers=workers, runner=runner, progress=show, **options
    )
    task_runner: Any
    if runner == "process":
        task_runner = ThreadPoolTaskRunner(max_workers=3 * workers)
        with _prefect_api(runner, dask_address, keep_server):
            rows: list[dict[str, Any]] = process_corpus.with_options(task_runner=task_runner)(
                **params
            )
        return rows
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:  # an optional extra
        from nlp.records.errors import NlpError

        raise NlpError("the Dask runner needs prefect-dask: pip install 'valpub[dask]'") from exc
    if dask_address:
        task_runner = DaskTaskRunner(address=dask_address)
    else:
        task_runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "host": "127.0.0.1",
                # None does not turn the dashboard off; a free port avoids clashes
                "dashboard_address": "127.0.0.1:0",
            }
        )
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        # Dask sets its loggers to INFO when imported: keep the terminal for our messages
        logging.getLogger("distributed").setLevel(logging.WARNING)
    with _prefect_api(runner, dask_address, keep_server):
        rows = process_corpus.with_options(task_runner=task_runner)(**params)
    return rows


@flow(name="valpub-pipeline", log_prints=True)
def pipeline_job(
    corpus: str = "corpus",
    out: str = "outputs",
    workers: int = 0,
    runner: str = "process",
    dask_address: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = True,
    models: str | None = None,
    classifier: bool = True,
    train: bool = True,
    sources: str | None = None,
    pseudonymise: bool = True,
    extractor: str = "pdfplumber",
) -> dict[str, int]:
    """The pipeline as a scheduled job (``valpub serve``, ``flows.deployments``).

    Runs :func:`process_corpus` as a subflow with the chosen task runner and returns
    the count of documents per status. ``corpus`` is a folder or a URL; ``workers=0``
    means one per core; ``sources``, a CSV of URLs pulled into ``corpus`` first.
    """
    from nlp.extract.process import default_workers

    rows = run_pipeline(
        corpus_location(corpus),
        Path(out),
        workers or default_workers(),
        runner=runner,
        dask_address=dask_address,
        progress=False,
        timeout=timeout,
        max_bytes=max_bytes,
        ocr=ocr,
        models=Path(models) if models else None,
        classifier=classifier,
        train=train,
        sources=Path(sources) if sources else None,
        pseudonymise=pseudonymise,
        extractor=extractor,
    )
    return dict(Counter(str(r["status"]) for r in rows))
