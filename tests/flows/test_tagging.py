"""The tagging stage isolates failures: a bad document is reported, the others are tagged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.defaults import DEFAULT_LEXICONS
from flows.tagging import TaggerPool
from flows.tasks import tag_one
from nlp.language.lexicon import lexicon_fingerprint
from nlp.results.store import pages_path

GOOD = "La commune ouvre un guichet numérique et accompagne les publics éloignés du numérique."


@pytest.fixture(scope="module")
def pool() -> TaggerPool:
    p = TaggerPool(DEFAULT_LEXICONS, workers=1)
    yield p
    p.close()


def test_bad_pages_file_is_reported_and_the_next_document_is_tagged(
    tmp_path: Path, pool: TaggerPool
) -> None:
    fp = lexicon_fingerprint(DEFAULT_LEXICONS)
    bad, good = "a" * 64, "b" * 64
    pages_path(tmp_path, bad).parent.mkdir(parents=True)
    pages_path(tmp_path, bad).write_text("{not json\n", encoding="utf-8")
    page = {"doc_sha256": good, "page": 1, "text": GOOD, "needs_ocr": False, "ocr": False}
    pages_path(tmp_path, good).write_text(
        json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8"
    )

    path, error = tag_one({"sha256": bad, "file": "bad.pdf"}, tmp_path, pool, fp, force=False)
    assert path is None and "tagging failed" in error

    path, error = tag_one({"sha256": good, "file": "good.pdf"}, tmp_path, pool, fp, force=False)
    assert error == "" and path is not None
    frame = pd.read_parquet(path)
    assert frame["text"].tolist() == [GOOD]
    assert "inclusion" in frame["pillar"].iloc[0]


def test_a_killed_worker_is_replaced(tmp_path: Path, pool: TaggerPool) -> None:
    import os
    import signal

    fp = lexicon_fingerprint(DEFAULT_LEXICONS)
    sha = "c" * 64
    pages_path(tmp_path, sha).parent.mkdir(parents=True)
    page = {"doc_sha256": sha, "page": 1, "text": GOOD, "needs_ocr": False, "ocr": False}
    pages_path(tmp_path, sha).write_text(
        json.dumps(page, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tag_one({"sha256": sha, "file": "c.pdf"}, tmp_path, pool, fp, force=False)  # pool is up
    for pid in list(pool._pool._processes):  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
    path, error = tag_one({"sha256": sha, "file": "c.pdf"}, tmp_path, pool, fp, force=True)
    assert error == "" and path is not None and len(pd.read_parquet(path)) == 1
