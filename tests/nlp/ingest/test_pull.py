"""Tests of a pull (nlp.ingest: pull, sources, fetch, atomic) against a real HTTP server.

The server (stdlib ``ThreadingHTTPServer`` in a thread) serves tiny real PDFs made
with reportlab, plus every misbehaviour the puller must survive: 5xx, a slow
answer, a body cut short, an HTML page named ``.pdf``, an oversized body, a 404,
hostile names. Nothing is mocked; only the loopback interface is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from email.utils import formatdate
from pathlib import Path

import httpx

from nlp.ingest.corpus import MANIFEST_COLUMNS
from nlp.ingest.pull import (
    MANIFEST_NAME,
    STATE_NAME,
    USER_AGENT,
    PullResult,
    format_summary,
    pull_sources,
)
from nlp.ingest.sources import safe_filename
from tests.nlp.ingest.pull_site import (
    LAST_MODIFIED,
    OLD_MTIME,
    LocalServer,
    _RequestHandler,
    always,
    by_path,
    closed_port,
    endless,
    flaky,
    leftovers,
    make_pdf,
    path_of,
    read_manifest,
    redirect,
    send,
    slow,
    static_pdf,
    trickle,
    truncated,
    write_sources,
)

# --------------------------------------------------------------------------- the batch


GOOD = (
    "/docs/strategie.pdf",
    "/docs/schema-lm.pdf",
    "/docs/sans-cache.pdf",
    "/docs/flaky.pdf",
    "/docs/..%2F..%2Fevil.pdf",
    "/docs/d%C3%A9lib%C3%A9ration%20n%C2%B012.PDF",
    "/ancien/rapport.pdf",
)


def test_batch_pull_then_conditional_repull(server: LocalServer, tmp_path: Path) -> None:
    pdfs = {
        name: make_pdf(f"Schéma directeur du numérique, pièce {i}")
        for i, name in enumerate(["strategie", "lm", "sans", "flaky", "evil", "delib", "redir"])
    }
    routes = server.routes
    routes["/docs/strategie.pdf"] = static_pdf(pdfs["strategie"], etag='"v1"', last_modified=True)
    routes["/docs/schema-lm.pdf"] = static_pdf(pdfs["lm"], last_modified=True)
    routes["/docs/sans-cache.pdf"] = static_pdf(pdfs["sans"])
    routes["/docs/flaky.pdf"] = flaky(pdfs["flaky"], failures=2)
    routes["/docs/toujours-500.pdf"] = always(500)
    routes["/docs/lent.pdf"] = slow(pdfs["sans"], delay=1.2)
    routes["/docs/tronque.pdf"] = truncated(pdfs["sans"])
    routes["/docs/page.pdf"] = lambda req: send(
        req, 200, b"<!doctype html><html><body>Portail citoyen</body></html>", {}
    )
    routes["/docs/enorme.pdf"] = endless(announce=None)
    routes["/docs/annonce.pdf"] = endless(announce=50_000_000)

    def hostile(req: _RequestHandler) -> None:
        disposition = "attachment; filename=\"../../x.pdf\"; filename*=UTF-8''..%2F..%2Fx.pdf"
        send(req, 200, pdfs["evil"], {"Content-Disposition": disposition})

    routes["/docs/..%2F..%2Fevil.pdf"] = hostile
    routes["/docs/d%C3%A9lib%C3%A9ration%20n%C2%B012.PDF"] = static_pdf(pdfs["delib"])
    routes["/ancien/rapport.pdf"] = redirect("/nouveau/rapport.pdf")
    routes["/nouveau/rapport.pdf"] = static_pdf(pdfs["redir"])

    refused = f"http://127.0.0.1:{closed_port()}/docs/ferme.pdf"
    rows = [
        {
            "url": server.url("/docs/strategie.pdf"),
            "territory_code": "76999",
            "territory_name": "Valmont",
            "territory_type": "commune",
            "title": "Stratégie numérique communale",
            "year": "2023",
        },
        {"url": server.url("/docs/toujours-500.pdf")},
        {"url": server.url("/docs/schema-lm.pdf"), "title": "Schéma départemental"},
        {"url": server.url("/docs/lent.pdf")},
        {"url": server.url("/docs/sans-cache.pdf")},
        {"url": server.url("/docs/tronque.pdf")},
        {"url": server.url("/docs/flaky.pdf")},
        {"url": server.url("/docs/page.pdf")},
        {"url": server.url("/docs/enorme.pdf")},
        {"url": server.url("/docs/annonce.pdf")},
        {"url": server.url("/docs/absent.pdf")},
        {"url": server.url("/docs/..%2F..%2Fevil.pdf")},
        {"url": server.url("/docs/d%C3%A9lib%C3%A9ration%20n%C2%B012.PDF")},
        {"url": server.url("/ancien/rapport.pdf")},
        {"url": refused},
        {"url": "ftp://example.org/rapport.pdf"},
        {"url": "", "title": "ligne sans adresse"},
        {"url": server.url("/docs/strategie.pdf")},
    ]
    sources = write_sources(tmp_path / "sources.csv", rows)
    into = tmp_path / "a" / "b" / "pulled"
    into.mkdir(parents=True)
    (into / MANIFEST_NAME).write_text(
        ",".join(MANIFEST_COLUMNS) + "\nancien.pdf,76999,Valmont,commune,Ancien plan,2019,fr,,\n",
        encoding="utf-8",
    )

    def pull() -> list[PullResult]:
        return pull_sources(sources, into, timeout=0.3, retries=2, backoff=0.01, max_bytes=200_000)

    started = time.monotonic()
    first = pull()
    elapsed = time.monotonic() - started

    assert [r.line for r in first] == list(range(2, 2 + len(rows)))
    got = by_path(first[:14], server)  # rows 14+ are not on the test server
    assert {p: got[p].status for p in GOOD} == dict.fromkeys(GOOD, "downloaded")
    assert got["/docs/flaky.pdf"].attempts == 3
    fail = {p: (got[p].status, got[p].http_status, got[p].attempts) for p in got if p not in GOOD}
    assert fail["/docs/toujours-500.pdf"] == ("http_error", 500, 3)
    assert fail["/docs/absent.pdf"] == ("http_error", 404, 1)  # a 4xx is not retried
    assert fail["/docs/lent.pdf"][0] == "timeout"
    assert fail["/docs/tronque.pdf"][::2] == ("connection_error", 3)
    assert "cut short" in got["/docs/tronque.pdf"].reason
    assert fail["/docs/page.pdf"][0] == "not_pdf"
    assert fail["/docs/enorme.pdf"][0] == "too_large"
    assert "Content-Length" in got["/docs/annonce.pdf"].reason
    assert got["/docs/annonce.pdf"].status == "too_large"
    assert (first[14].status, first[14].attempts) == ("connection_error", 3)
    assert [r.status for r in first[15:]] == ["invalid"] * 3
    assert "duplicate of line 2" in first[17].reason
    assert len(server.hits("/docs/toujours-500.pdf")) == 3
    assert len(server.hits("/docs/absent.pdf")) == 1
    assert len(server.hits("/docs/strategie.pdf")) == 1  # the duplicate row was not fetched
    assert all(h["user-agent"] == USER_AGENT for _, h in server.requests)
    assert elapsed < 6

    saved = {p: path_of(got[p]) for p in GOOD}
    for path in GOOD:
        result = got[path]
        assert saved[path].parent == into.resolve()
        data = saved[path].read_bytes()
        assert data.startswith(b"%PDF-") and len(data) == result.bytes
        assert hashlib.sha256(data).hexdigest() == result.sha256
    assert saved["/docs/strategie.pdf"].read_bytes() == pdfs["strategie"]
    assert saved["/ancien/rapport.pdf"].read_bytes() == pdfs["redir"]
    assert saved["/docs/..%2F..%2Fevil.pdf"].name.startswith("evil-")
    delib = got["/docs/d%C3%A9lib%C3%A9ration%20n%C2%B012.PDF"].path
    assert delib is not None and delib.name.startswith("deliberation_n12-")

    # Nothing was written outside the folder, nothing half-written or temporary stayed in it.
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and into not in p.parents]
    assert outside == [sources]
    assert leftovers(into) == []
    assert sorted(p.name for p in into.glob("*.pdf")) == sorted(saved[p].name for p in GOOD)

    manifest = read_manifest(into)
    assert list(manifest[0]) == list(MANIFEST_COLUMNS)
    assert len(manifest) == len(GOOD) + 1
    strat = next(m for m in manifest if m["file"] == saved["/docs/strategie.pdf"].name)
    assert (strat["territory_code"], strat["title"], strat["year"]) == (
        "76999",
        "Stratégie numérique communale",
        "2023",
    )
    assert strat["source_url"] == server.url("/docs/strategie.pdf")

    # Second pull of the same sources: validators sent back, nothing rewritten.
    for path in GOOD:
        os.utime(saved[path], (OLD_MTIME, OLD_MTIME))
    inodes = {p: saved[p].stat().st_ino for p in GOOD}
    server.requests.clear()
    second = pull()
    again = by_path(second[:14], server)

    assert {p: again[p].status for p in GOOD} == dict.fromkeys(GOOD, "unchanged")
    assert server.hits("/docs/strategie.pdf")[0]["if-none-match"] == '"v1"'
    lm_headers = server.hits("/docs/schema-lm.pdf")[0]
    assert "if-none-match" not in lm_headers
    assert lm_headers["if-modified-since"] == formatdate(LAST_MODIFIED, usegmt=True)
    assert again["/docs/strategie.pdf"].reason == "304 Not Modified"
    assert again["/docs/schema-lm.pdf"].reason == "304 Not Modified"
    assert "same bytes" in again["/docs/sans-cache.pdf"].reason  # no validators: compared
    for path in GOOD:
        assert path_of(again[path]) == saved[path]
        assert saved[path].stat().st_mtime == OLD_MTIME
        assert saved[path].stat().st_ino == inodes[path]
        assert again[path].sha256 == got[path].sha256
    assert again["/docs/lent.pdf"].status == "timeout"
    assert leftovers(into) == []

    manifest = read_manifest(into)
    files = [m["file"] for m in manifest]
    assert len(files) == len(set(files)) == len(GOOD) + 1
    assert set(files) == {"ancien.pdf", *(saved[p].name for p in GOOD)}

    state = json.loads((into / STATE_NAME).read_text(encoding="utf-8"))
    entry = state["urls"][server.url("/docs/strategie.pdf")]
    assert entry["etag"] == '"v1"' and entry["file"] == saved["/docs/strategie.pdf"].name

    summary = format_summary(second)
    lines = summary.splitlines()
    assert len(lines) == len(second) + 2
    assert lines[-1].startswith(f"{len(rows)} URL(s): ")
    assert f"{len(GOOD)} unchanged" in lines[-1] and "3 invalid" in lines[-1]
    assert "HTTP 404" in summary and saved["/docs/strategie.pdf"].name in summary


# --------------------------------------------------------------------------- focused cases


def test_changed_content_replaces_the_file_and_deleted_file_is_fetched_without_validators(
    server: LocalServer, tmp_path: Path
) -> None:
    v1, v2 = make_pdf("Rapport annuel, version 1"), make_pdf("Rapport annuel, version 2")
    server.routes["/r.pdf"] = static_pdf(v1, etag='"1"')
    sources = write_sources(tmp_path / "s.csv", [{"url": server.url("/r.pdf"), "year": "2024"}])
    into = tmp_path / "out"

    [first] = pull_sources(sources, into, retries=0)
    assert first.status == "downloaded" and first.path is not None
    server.routes["/r.pdf"] = static_pdf(v2, etag='"2"')
    [second] = pull_sources(sources, into, retries=0)
    assert second.status == "downloaded" and second.path == first.path
    assert first.path.read_bytes() == v2
    assert server.hits("/r.pdf")[1]["if-none-match"] == '"1"'

    first.path.unlink()
    [third] = pull_sources(sources, into, retries=0)
    assert third.status == "downloaded" and first.path.read_bytes() == v2
    assert "if-none-match" not in server.hits("/r.pdf")[2]  # a 304 would leave no file
    assert [m["file"] for m in read_manifest(into)] == [first.path.name]
    assert read_manifest(into)[0]["year"] == "2024"


def test_deadline_stops_a_trickling_download(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/goutte.pdf"] = trickle(make_pdf("Compte rendu"), pause=0.1)
    sources = write_sources(tmp_path / "s.csv", [{"url": server.url("/goutte.pdf")}])
    into = tmp_path / "out"
    started = time.monotonic()
    [result] = pull_sources(sources, into, timeout=1.0, deadline=0.3, retries=0)
    assert result.status == "timeout" and "0.3" in result.reason
    assert time.monotonic() - started < 1.0
    assert list(into.glob("*.pdf")) == [] and leftovers(into) == []
    assert not (into / MANIFEST_NAME).exists()


def test_long_non_pdf_is_rejected_on_its_first_kilobyte(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/portail.pdf"] = endless(None, start=b"<!doctype html><html><body>")
    sources = write_sources(tmp_path / "s.csv", [{"url": server.url("/portail.pdf")}])
    into = tmp_path / "out"
    [result] = pull_sources(sources, into, retries=0, max_bytes=100 * 2**20)
    assert result.status == "not_pdf" and "first 1024 bytes" in result.reason
    assert list(into.glob("*.pdf")) == [] and leftovers(into) == []


def test_unexpected_error_fails_one_row_only(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/a.pdf"] = static_pdf(make_pdf("Délibération A"))
    server.routes["/b.pdf"] = static_pdf(make_pdf("Délibération B"))
    urls = [server.url("/a.pdf"), server.url("/b.pdf")]
    sources = write_sources(tmp_path / "s.csv", [{"url": u} for u in urls])
    into = tmp_path / "out"
    (into / safe_filename(urls[0])).mkdir(parents=True)  # os.replace onto a directory fails

    results = pull_sources(sources, into, retries=0)
    assert [r.status for r in results] == ["failed", "downloaded"]
    assert results[0].path is None and results[0].reason
    assert leftovers(into) == []
    assert [m["file"] for m in read_manifest(into)] == [safe_filename(urls[1])]


def test_caller_client_gets_the_valpub_user_agent(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/a.pdf"] = static_pdf(make_pdf("Plan d'action"))
    sources = write_sources(tmp_path / "s.csv", [{"url": server.url("/a.pdf")}])
    with httpx.Client() as client:
        [result] = pull_sources(sources, tmp_path / "out", client=client)
        assert not client.is_closed
    assert result.status == "downloaded"
    assert server.hits("/a.pdf")[0]["user-agent"] == USER_AGENT
