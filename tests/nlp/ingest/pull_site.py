"""A real HTTP server on the loopback interface for the pull tests, and what it serves.

``LocalServer`` (stdlib ``ThreadingHTTPServer`` in a thread) answers each path with a
handler: a tiny real PDF (with or without validators), or one of the misbehaviours a
pull must survive (5xx, a slow or trickling answer, a body cut short, an endless body,
a redirect). Also the small readers the tests share (manifest, leftovers).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from nlp.ingest.pull import (
    MANIFEST_NAME,
    STATE_NAME,
    PullResult,
)

SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")
OLD_MTIME = 978_307_200  # 2001-01-01: a rewritten file would get "now" instead
LAST_MODIFIED = 1_700_000_000.0


def make_pdf(title: str) -> bytes:
    """A one-page real PDF whose only text is ``title``."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.drawString(72, 770, title)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- server

Handler = Callable[["_RequestHandler"], None]


@dataclass
class LocalServer:
    """Routes by raw request path; records every request's path and headers."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        local = self.server.local
        local.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = local.routes.get(self.path)
        if route is None:
            send(self, 404, b"<h1>Page introuvable</h1>", {"Content-Type": "text/html"})
        else:
            route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    local: LocalServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early (time-outs, too_large) are expected


def send(req: BaseHTTPRequestHandler, code: int, body: bytes, headers: dict[str, str]) -> None:
    req.send_response(code)
    for key, value in headers.items():
        req.send_header(key, value)
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving() -> Iterator[LocalServer]:
    """A LocalServer answering on a free loopback port until the block ends."""
    local = LocalServer()
    httpd = _Server(("127.0.0.1", 0), _RequestHandler)
    httpd.local = local
    local.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield local
    finally:
        httpd.shutdown()
        httpd.server_close()


# --------------------------------------------------------------------------- routes


def static_pdf(body: bytes, *, etag: str | None = None, last_modified: bool = False) -> Handler:
    """A PDF honouring If-None-Match / If-Modified-Since when it has validators."""
    stamp = formatdate(LAST_MODIFIED, usegmt=True)

    def route(req: _RequestHandler) -> None:
        headers = {"Content-Type": "application/pdf"}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = stamp
        inm = req.headers.get("If-None-Match")
        ims = req.headers.get("If-Modified-Since")
        if etag and inm is not None:
            fresh = etag in [tag.strip() for tag in inm.split(",")]
        elif last_modified and ims is not None:
            fresh = parsedate_to_datetime(ims).timestamp() >= LAST_MODIFIED
        else:
            fresh = False
        if fresh:
            req.send_response(304)
            for key, value in headers.items():
                if key != "Content-Type":
                    req.send_header(key, value)
            req.end_headers()
        else:
            send(req, 200, body, headers)

    return route


def flaky(body: bytes, failures: int) -> Handler:
    count = {"n": 0}

    def route(req: _RequestHandler) -> None:
        count["n"] += 1
        if count["n"] <= failures:
            send(req, 500, b"erreur interne", {"Content-Type": "text/plain"})
        else:
            send(req, 200, body, {"Content-Type": "application/pdf"})

    return route


def always(code: int) -> Handler:
    return lambda req: send(req, code, b"indisponible", {"Content-Type": "text/plain"})


def slow(body: bytes, delay: float) -> Handler:
    def route(req: _RequestHandler) -> None:
        time.sleep(delay)
        send(req, 200, body, {"Content-Type": "application/pdf"})

    return route


def truncated(body: bytes) -> Handler:
    def route(req: _RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/pdf")
        req.send_header("Content-Length", str(len(body) + 5000))
        req.end_headers()
        req.wfile.write(body)
        req.wfile.flush()
        req.close_connection = True

    return route


def endless(announce: int | None, start: bytes = b"%PDF-1.4\n") -> Handler:
    """A body far larger than any test limit, with or without Content-Length."""

    def route(req: _RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/pdf")
        if announce is not None:
            req.send_header("Content-Length", str(announce))
        req.end_headers()
        req.close_connection = True
        chunk = start + b"0" * (65_536 - len(start))
        for _ in range(320):  # 20 MiB at most; the client hangs up long before
            req.wfile.write(chunk)

    return route


def trickle(body: bytes, pause: float) -> Handler:
    def route(req: _RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        for i in range(0, len(body), 64):
            req.wfile.write(body[i : i + 64])
            req.wfile.flush()
            time.sleep(pause)

    return route


def redirect(location: str) -> Handler:
    def route(req: _RequestHandler) -> None:
        send(req, 301, b"", {"Location": location})

    return route


# --------------------------------------------------------------------------- helpers


def write_sources(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = ["url", "territory_code", "territory_name", "territory_type", "title", "year"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({col: row.get(col, "") for col in columns})
    return path


def read_manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / MANIFEST_NAME).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def leftovers(folder: Path) -> list[str]:
    """Anything in the folder that is neither a saved PDF nor one of the two bookkeeping files."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name not in (MANIFEST_NAME, STATE_NAME) and not SAFE.fullmatch(p.name)
    )


def path_of(result: PullResult) -> Path:
    assert result.path is not None, result
    return result.path


def by_path(results: list[PullResult], server: LocalServer) -> dict[str, PullResult]:
    return {r.url.removeprefix(server.base): r for r in results}
