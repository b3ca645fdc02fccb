"""End to end: `valpub review` served on 127.0.0.1, driven in real headless Chromium.

Debian's chromium (/usr/bin/chromium) is driven by Playwright for Python (no browser
download). The test opens the app on a small real run, types the analyst's name, goes
to the sentence view and rejects a label with real clicks, then reads the row back from
the annotation store. Skipped when chromium or playwright is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nlp.annotation.store import AnnotationStore
from nlp.records.codebook import SCHEMES
from review.documents import first_labelled_row
from review.judgements import run_labels
from review.run import load_run
from tests.paths import VALPUB
from tests.review_fixtures import CORPUS, review_run
from tests.servers import stop_group

__all__ = ["review_run"]  # the fixture, imported for pytest

CHROMIUM = Path("/usr/bin/chromium")
ANALYST = "Dominique Martin"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not CHROMIUM.is_file():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`valpub review` exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"the review app did not answer within {limit} s:\n{log.read_text()}")


@pytest.fixture
def server(review_run: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`valpub review` on a free port of 127.0.0.1; yields its URL and its store URL."""
    port = free_port()
    store = f"sqlite:///{tmp_path / 'annotations.db'}"
    log = tmp_path / "review.log"
    env = {k: v for k, v in os.environ.items() if k != "VALPUB_ANNOTATIONS_URL"}
    env["VALPUB_ANALYST"] = "compte-de-test"  # replaced in the page by the typed name
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(VALPUB),
                "review",
                "--out",
                str(review_run),
                "--port",
                str(port),
                "--store",
                store,
                "--corpus",
                str(CORPUS),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, log)
        yield url, store
    finally:
        stop_group(proc)


def test_reject_a_label_in_chromium(server: tuple[str, str], review_run: Path) -> None:
    url, store_url = server
    run = load_run(review_run)
    row = first_labelled_row(run)
    assert row is not None
    labels = run_labels(run, row)
    scheme = next(s for s in SCHEMES if labels[s])
    label = labels[scheme][0]
    name = run.label_name(scheme, label)

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(url)
            page.get_by_role("heading", name="Matrice territoires × étiquettes").wait_for()
            who = page.get_by_role("textbox", name="Votre nom (analyste)")
            who.fill(ANALYST)
            who.press("Enter")
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_text("Phrase", exact=True).click()
            page.get_by_role("heading", name="Révision d'une phrase").wait_for()
            page.get_by_text(str(run.sentences.at[row, "text"])[:40]).first.wait_for()
            page.locator(f".st-key-reject-{scheme}-{label}-{row} button").click()
            page.get_by_text(f"« {name} » rejetée ({ANALYST})").wait_for()
            # the page now offers to restore the rejected label
            page.locator(f".st-key-add-{scheme}-{label}-{row} button").wait_for(state="visible")
        finally:
            browser.close()

    store = AnnotationStore(store_url)
    try:
        rows = store.judgements()
    finally:
        store.close()
    assert len(rows) == 1
    got = rows.iloc[0]
    assert got["annotator"] == ANALYST
    assert (got["scheme"], got["label"], got["action"]) == (scheme, label, "reject")
    assert got["labels"] == tuple(x for x in labels[scheme] if x != label)
    assert got["source"] == "review"
    assert got["sentence_key"] == run.sentences.at[row, "key"]
