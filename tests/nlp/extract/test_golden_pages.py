"""Golden pages: real-corpus pages still extract to the clean text accepted last time.

The expected text is kept as per-line digests in ``tests/fixtures/golden_pages.json``
(see :mod:`tests.fixtures.golden`), never as text. Skipped when ../shared/corpus is
absent, and per document when the corpus holds another version of it.
"""

from __future__ import annotations

import json

import pytest

from nlp.records.files import file_sha256
from tests.fixtures.golden import DOCUMENTS, FIXTURE, differences, extract
from tests.realcorpus import SHARED_CORPUS

GOLDEN = json.loads(FIXTURE.read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(
    not (SHARED_CORPUS / "manifest.csv").is_file(), reason="../shared/corpus is absent"
)


def test_the_fixture_covers_each_layout_and_keeps_no_text() -> None:
    assert set(GOLDEN["documents"]) == set(DOCUMENTS)
    for doc in GOLDEN["documents"].values():
        assert doc["pages"], doc["layout"]
        for page in doc["pages"]:
            for line in page["lines"]:
                length, hashed = line.split(":")
                assert length.isdigit() and len(hashed) == 16 and int(hashed, 16) >= 0


@pytest.mark.parametrize("file", list(DOCUMENTS), ids=lambda f: DOCUMENTS[f])
def test_golden_page_text_is_unchanged(file: str) -> None:
    expected = GOLDEN["documents"][file]
    path = SHARED_CORPUS / file
    if not path.is_file() or file_sha256(path) != expected["sha256"]:
        pytest.skip(f"{file} is absent or another version")
    sha256, pages = extract(SHARED_CORPUS, file)
    assert sha256 == expected["sha256"]
    assert differences(expected, pages) == []
