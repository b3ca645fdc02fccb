"""The sources CSV of a pull (nlp.ingest.sources): its reader, the names of pulled files,
and the statuses a pull reports (nlp.ingest.fetch). No server needed; the pulls
themselves are tested in ``test_pull.py``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import get_args
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.ingest.fetch import STATUSES, PullStatus
from nlp.ingest.pull import pull_sources
from nlp.ingest.sources import read_sources, safe_filename
from nlp.records.errors import ManifestError

SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("file,title\na.pdf,Plan\n", "no 'url' column"),
        ("url,titel\nhttp://x/a.pdf,Plan\n", "unknown column"),
        ("url,title,url\nhttp://x/a.pdf,Plan,\n", "duplicated column"),
        ("", "empty file"),
    ],
)
def test_read_sources_rejects_bad_headers(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=reason) as caught:
        read_sources(path)
    assert caught.value.path == str(path)


def test_read_sources_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes("url,title\nhttp://x/a.pdf,Délibération\n".encode("latin-1"))
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_sources(path)


def test_read_sources_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "\ufeffurl,title,file\n"
        ' http://x/a.pdf ,"Plan\nsur deux lignes",ignored.pdf\n'
        "\n"
        "http://x/b.pdf,Plan B,b.pdf,extra\n",
        encoding="utf-8",
    )
    rows = read_sources(path)
    assert [(r.line, r.url, r.problem) for r in rows] == [
        (2, "http://x/a.pdf", None),
        (5, "http://x/b.pdf", "4 cells for 3 columns"),
    ]
    assert rows[0].fields == {"title": "Plan\nsur deux lignes", "file": "ignored.pdf"}


def test_bad_rows_become_invalid_results(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "url\nnotaurl\nhttp://\nhttps://exa mple.org/a.pdf\nhttp://x:99999/a.pdf\n",
        encoding="utf-8",
    )
    results = pull_sources(path, tmp_path / "out", retries=0)
    assert [r.status for r in results] == ["invalid"] * 4
    assert all(r.reason and r.attempts == 0 for r in results)


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_safe_filename_never_escapes(segment: str) -> None:
    root = Path("/srv/pulled")
    for url in (f"https://h.example/a/{segment}", f"https://h.example/a/{quote(segment)}?q=1"):
        name = safe_filename(url)
        assert SAFE.fullmatch(name)
        assert len(name) <= 80 + 1 + 10 + 4
        assert os.path.dirname(os.path.normpath(root / name)) == str(root)
        assert safe_filename(url) == name


def test_safe_filename_examples() -> None:
    assert safe_filename("https://h/x/Rapport%20Annuel.PDF").startswith("Rapport_Annuel-")
    assert safe_filename("https://h/x/..%2F..%2Fetc%2Fpasswd").startswith("etc_passwd-")
    assert safe_filename("https://h/").startswith("document-")
    assert safe_filename("https://h/a/rapport.pdf") != safe_filename("https://h/b/rapport.pdf")


def test_status_vocabulary_is_documented() -> None:
    """Every status a pull can give (the ``PullStatus`` type) has its line in STATUSES."""
    assert set(STATUSES) == set(get_args(PullStatus))
    assert all(STATUSES.values())
