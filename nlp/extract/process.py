"""Extraction in a child process that is killed when a document exceeds its time limit.

pdfminer can loop on pathological files and a thread cannot be stopped, so
:class:`Extractor` runs :func:`nlp.extract.document.iter_pages` in a worker process (started
with ``python -m nlp.extract._worker``) and streams the pages back over a socket.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from nlp.extract.document import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    DocumentReport,
    Page,
    _join,
    classify_error,
    extractor_version,
    finish_report,
    iter_pages,
    precheck,
)
from nlp.extract.ocr import OMP_THREADS

#: A worker process is replaced after this many documents, to return memory.
DEFAULT_MAX_DOCS_PER_WORKER = 40


def _worker_main(conn: Connection) -> None:
    """Child process loop: extract the documents asked for, stream pages back."""
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        path, sha256, size, ocr, extractor = request
        report = DocumentReport(str(path), sha256, size)
        try:
            for page in iter_pages(Path(path), sha256, report, ocr=ocr, extractor=extractor):
                conn.send(("page", page))
        except Exception as exc:
            report.status, reason = classify_error(exc)
            report.reason = _join(reason, report.reason)
        conn.send(("done", report))


@dataclass
class Extractor:
    """Extract documents in a child process that is killed on time-out.

    One extractor owns at most one worker process, started on first use and reused
    across documents (imports and warm-up are paid once), replaced after
    ``max_docs_per_worker`` documents or after a kill. Use it as a context manager,
    or call :meth:`close`. Not thread-safe: give each thread its own extractor.
    """

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_docs_per_worker: int = DEFAULT_MAX_DOCS_PER_WORKER
    ocr: bool = False  # read pages without a text layer with Tesseract, when installed
    extractor: str = "pdfplumber"  # the page reader: see nlp.extract.page_source.EXTRACTOR_CHOICES
    _proc: Any = field(default=None, repr=False)
    _conn: Connection | None = field(default=None, repr=False)
    _served: int = 0

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker process, if any."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
        self._stop(graceful=True)

    def _stop(self, graceful: bool = False) -> None:
        proc, self._proc = self._proc, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if proc is not None:
            if graceful:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=2)
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=5)
        self._served = 0

    def _start(self) -> Connection:
        if self._proc is None or self._proc.poll() is not None:
            self._stop()
            # A fresh interpreter (fork + exec), not a forked copy: safe when the
            # parent runs threads (Prefect), and independent of the parent's __main__.
            ours, theirs = socket.socketpair()
            env = dict(os.environ)
            env.setdefault("OMP_THREAD_LIMIT", OMP_THREADS)
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "nlp.extract._worker", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
            )
            theirs.close()
            self._conn = Connection(ours.detach())
        assert self._conn is not None
        return self._conn

    def extract(
        self,
        path: Path,
        on_page: Callable[[Page], None],
        checked: DocumentReport | None = None,
    ) -> DocumentReport:
        """Extract ``path``, passing each page to ``on_page`` as soon as it is ready.

        Never raises for a bad document: the returned report carries the status.
        ``checked`` is the result of :func:`precheck` when the caller already has it.
        """
        start = time.perf_counter()
        path = Path(path)
        report = checked if checked is not None else precheck(path, self.max_bytes)
        report.extractor_version = extractor_version(self.extractor)
        if report.status != "ok":
            report.seconds = time.perf_counter() - start
            return report
        if self._served >= self.max_docs_per_worker:
            self.close()
        conn = self._start()
        self._served += 1
        conn.send((str(path), report.sha256, report.bytes, self.ocr, self.extractor))
        deadline = start + self.timeout
        result: DocumentReport | None = None
        while result is None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not conn.poll(min(remaining, 1.0)):
                if remaining <= 0:
                    self._stop()
                    report.status = "timeout"
                    report.reason = f"stopped after {self.timeout:.0f} s"
                    break
                if self._proc.poll() is not None:
                    code = self._proc.returncode
                    self._stop()
                    report.status, report.reason = "failed", f"worker died (exit code {code})"
                    break
                continue
            try:
                kind, payload = conn.recv()
            except (EOFError, OSError) as exc:
                self._stop()
                report.status, report.reason = "failed", f"worker died ({exc!r})"
                break
            if kind == "page":
                on_page(payload)
                report.pages_with_text += 0 if payload.needs_ocr else 1
            else:
                result = payload
        if result is not None:
            report = replace(result, bytes=report.bytes)
            finish_report(report, path)
        report.seconds = time.perf_counter() - start
        return report


def default_workers() -> int:
    """Number of extraction processes to run by default: one per core."""
    return max(1, os.cpu_count() or 1)
