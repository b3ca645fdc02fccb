"""The library's label schemes are the codebook's (``../shared/codebook.md``), read apart.

The codebook is the specification; this reads its schemes and label ids from the text
itself (tables of the core schemes, bullets of the profile dimensions), so that a label
added, renamed or dropped on either side fails here. Skipped when ../shared is absent.
"""

from __future__ import annotations

import re

import pytest

from nlp.records.codebook import CODEBOOK_LABELS
from tests.realcorpus import SHARED_CORPUS

CODEBOOK = SHARED_CORPUS.parent / "codebook.md"


def codebook_schemes(text: str) -> dict[str, list[str]]:
    """Each scheme of the codebook with its label ids, in the codebook's order."""
    schemes: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^(?:## )?Scheme `(\w+)`", line)
        if heading:
            current = schemes.setdefault(heading.group(1), [])
            continue
        if line.startswith("## ") and "Scheme" not in line:
            current = None
        if current is None:
            continue
        row = re.match(r"^\| `(\w+)` \|", line)  # a table row of a core scheme
        bullet = re.match(r"^- `(\w+)`[:,]", line)  # a bullet of a profile dimension
        listed = re.match(r"^- ((?:`\w+`, )+`\w+`)\.$", line)  # several ids on one bullet
        if listed:
            current.extend(re.findall(r"`(\w+)`", listed.group(1)))
        elif row or bullet:
            current.append((row or bullet).group(1))  # type: ignore[union-attr]
    return schemes


@pytest.mark.skipif(not CODEBOOK.is_file(), reason="../shared/codebook.md is absent")
def test_the_library_has_the_codebook_s_schemes_and_labels_in_its_order() -> None:
    found = codebook_schemes(CODEBOOK.read_text(encoding="utf-8"))
    assert found == {scheme: list(labels) for scheme, labels in CODEBOOK_LABELS.items()}


def test_the_reader_finds_tables_and_bullets_and_ignores_prose() -> None:
    text = (
        "## Scheme `a` — two\n| id | name |\n|---|---|\n| `x` | X |\n| `y` | Y |\n"
        "- `x` is said again in prose, not as a label.\n"
        "Scheme `b` (profile)\n- `p`: first\n- `q`, `r`.\n## Worked examples\n- `z`: no\n"
    )
    assert codebook_schemes(text) == {"a": ["x", "y"], "b": ["p", "q", "r"]}
