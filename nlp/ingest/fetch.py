"""One HTTP download of a pull, with the rules that keep a broken or hostile server harmless.

:func:`fetch` sends a GET with the ETag / Last-Modified remembered from the previous
run (a ``304`` leaves the saved file alone); allows a time-out on connect and on each
read, plus an optional whole-download deadline (a server trickling bytes defeats
per-read time-outs); retries with exponential back-off on 5xx, time-outs and
connection errors, never on 4xx; reads the body as a stream and stops as soon as it
exceeds ``max_bytes`` or its first 1024 bytes show it is not a PDF; and saves it
through a temporary file, so a failed download leaves nothing behind. The status
vocabulary every outcome of a pull belongs to (:data:`STATUSES`) lives here with it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import httpx

from nlp.ingest.atomic import commit, temp_in
from nlp.records.files import file_sha256

logger = logging.getLogger(__name__)

__all__ = [
    "MAGIC_WINDOW",
    "MAX_BACKOFF",
    "PDF_MAGIC",
    "STATUSES",
    "Outcome",
    "PullStatus",
    "describe",
    "fetch",
]

MAX_BACKOFF: Final = 30.0  # a single wait between two attempts never exceeds this
PDF_MAGIC: Final = b"%PDF-"
MAGIC_WINDOW: Final = 1024  # "%PDF-" must start within the first 1024 bytes (ISO 32000 tolerance)

PullStatus = Literal[
    "downloaded",
    "unchanged",
    "not_pdf",
    "too_large",
    "http_error",
    "timeout",
    "connection_error",
    "invalid",
    "failed",
]

STATUSES: Final[Mapping[str, str]] = {
    "downloaded": "a new or changed PDF was saved",
    "unchanged": "the server answered 304 Not Modified, or sent the bytes already saved; "
    "the file was not rewritten",
    "not_pdf": "the body does not start with %PDF- within its first 1024 bytes (an HTML page, …)",
    "too_large": "the body (or its announced Content-Length) exceeds max_bytes; reading stopped",
    "http_error": "a 4xx, or a 5xx still there after the retries (http_status holds the code)",
    "timeout": "connecting or reading took longer than the time-out, after the retries",
    "connection_error": "refused or reset connection, DNS failure, body cut short (after retries)",
    "invalid": "a bad sources row: no url, not http(s), malformed, or a duplicate url",
    "failed": "any other error (disk full, unexpected exception); reason says which",
}
"""The status vocabulary of :class:`nlp.ingest.pull.PullResult`, with what each status means."""


@dataclass(frozen=True)
class Outcome:
    """The end of one attempt; ``retry`` says whether another attempt may help."""

    status: PullStatus
    reason: str
    retry: bool = False
    http_status: int | None = None
    path: Path | None = None
    size: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None


class _DeadlineExceededError(Exception):
    """The whole download took longer than the deadline."""


def _conditional_headers(entry: Mapping[str, Any] | None, target: Path) -> dict[str, str]:
    """Validators to send back, only when the file they describe is still there."""
    if not entry or not target.is_file():
        return {}
    headers: dict[str, str] = {}
    if isinstance(entry.get("etag"), str):
        headers["If-None-Match"] = entry["etag"]
    if isinstance(entry.get("last_modified"), str):
        headers["If-Modified-Since"] = entry["last_modified"]
    return headers


def _fetch_once(
    client: httpx.Client,
    url: str,
    target: Path,
    entry: Mapping[str, Any] | None,
    *,
    timeout: float,
    max_bytes: int,
    deadline: float | None,
    user_agent: str | None,
) -> Outcome:
    """Send one GET and act on its answer; transport errors propagate to the caller."""
    headers = _conditional_headers(entry, target)
    if user_agent:
        headers["User-Agent"] = user_agent
    started = time.monotonic()
    with client.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as resp:
        code = resp.status_code
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        phrase = f"HTTP {code} {resp.reason_phrase}".strip()
        if code == 304 and headers.keys() & {"If-None-Match", "If-Modified-Since"} and entry:
            size = target.stat().st_size
            return Outcome(
                "unchanged",
                "304 Not Modified",
                http_status=code,
                path=target,
                size=size,
                sha256=entry.get("sha256") if isinstance(entry.get("sha256"), str) else None,
                etag=etag or entry.get("etag"),
                last_modified=last_modified or entry.get("last_modified"),
            )
        if code >= 500:
            return Outcome("http_error", phrase, retry=True, http_status=code)
        if not 200 <= code < 300 or code in (204, 205, 206):
            return Outcome("http_error", phrase, http_status=code)
        announced = resp.headers.get("Content-Length", "").strip()
        if announced.isdigit() and int(announced) > max_bytes:
            return Outcome(
                "too_large",
                f"Content-Length {int(announced)} exceeds the limit of {max_bytes} bytes",
                http_status=code,
            )
        content_type = resp.headers.get("Content-Type", "no Content-Type")
        with temp_in(target.parent) as (handle, tmp):
            digest = hashlib.sha256()
            size = 0
            head = b""
            checked = False
            for chunk in resp.iter_bytes():
                if deadline is not None and time.monotonic() - started > deadline:
                    raise _DeadlineExceededError(f"download not finished after {deadline:g} s")
                size += len(chunk)
                if size > max_bytes:
                    return Outcome(
                        "too_large",
                        f"body exceeds the limit of {max_bytes} bytes; reading stopped",
                        http_status=code,
                    )
                if not checked:
                    head += chunk[: MAGIC_WINDOW - len(head)]
                    if len(head) >= MAGIC_WINDOW:
                        checked = True
                        if PDF_MAGIC not in head:
                            return _not_pdf(head, content_type, code)
                digest.update(chunk)
                handle.write(chunk)
            if not checked and PDF_MAGIC not in head:
                return _not_pdf(head, content_type, code)
            sha = digest.hexdigest()
            common: dict[str, Any] = {
                "http_status": code,
                "path": target,
                "size": size,
                "sha256": sha,
                "etag": etag,
                "last_modified": last_modified,
            }
            if target.is_file() and file_sha256(target) == sha:
                return Outcome("unchanged", "same bytes as the saved file; not rewritten", **common)
            commit(handle, tmp, target)
            return Outcome("downloaded", f"{size} bytes", **common)


def _not_pdf(head: bytes, content_type: str, code: int) -> Outcome:
    """The outcome for a body that does not start like a PDF."""
    what = "empty body" if not head else f"no %PDF- in the first {len(head)} bytes"
    return Outcome("not_pdf", f"{what} ({content_type})", http_status=code)


def fetch(
    client: httpx.Client,
    url: str,
    target: Path,
    entry: Mapping[str, Any] | None,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    max_bytes: int,
    deadline: float | None,
    user_agent: str | None,
) -> tuple[Outcome, int]:
    """Fetch ``url`` with retries; return the last outcome and the number of attempts."""
    attempt = 0
    while True:
        attempt += 1
        try:
            outcome = _fetch_once(
                client,
                url,
                target,
                entry,
                timeout=timeout,
                max_bytes=max_bytes,
                deadline=deadline,
                user_agent=user_agent,
            )
        except (httpx.TimeoutException, _DeadlineExceededError) as exc:
            outcome = Outcome("timeout", describe(exc) or "timed out", retry=True)
        except httpx.UnsupportedProtocol as exc:  # e.g. a redirect to ftp:
            outcome = Outcome("failed", f"unsupported protocol: {describe(exc)}")
        except httpx.TooManyRedirects as exc:
            outcome = Outcome("http_error", f"too many redirects: {describe(exc)}")
        except httpx.RemoteProtocolError as exc:
            outcome = Outcome(
                "connection_error", f"body cut short or bad HTTP: {describe(exc)}", retry=True
            )
        except httpx.TransportError as exc:
            outcome = Outcome("connection_error", describe(exc) or type(exc).__name__, retry=True)
        if not outcome.retry or attempt > retries:
            return outcome, attempt
        wait = min(backoff * 2 ** (attempt - 1), MAX_BACKOFF)
        logger.info(
            "%s: %s (%s); attempt %d of %d in %.2f s",
            url,
            outcome.status,
            outcome.reason,
            attempt + 1,
            retries + 1,
            wait,
        )
        time.sleep(wait)


def describe(exc: BaseException) -> str:
    """A one-line description of an exception."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
