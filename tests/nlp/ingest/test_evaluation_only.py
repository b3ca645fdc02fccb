"""The corpus README's list of evaluation-only documents, read once for every command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nlp.ingest.evaluation import evaluation_only, is_evaluation_only
from tests.paths import ROOT

SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


def test_evaluation_only_parses_names_and_patterns(tmp_path: Path) -> None:
    assert evaluation_only(tmp_path) == set()  # no README
    (tmp_path / "README.md").write_text(
        "# Corpus\n\n- not-this-one.pdf\n\n## Evaluation only\nKeep them aside.\n\n"
        "- ville-a__cm-2020.pdf\n* `ville-b__budget-2021.pdf` (kept whole)\n"
        "- every Lannion document (lannion__*.pdf): a territory\n\n## Other\n- later.pdf\n",
        encoding="utf-8",
    )
    patterns = evaluation_only(tmp_path)
    assert patterns == {"ville-a__cm-2020.pdf", "ville-b__budget-2021.pdf", "lannion__*.pdf"}
    assert is_evaluation_only("pdf/lannion__cm-2022.pdf", patterns)
    assert is_evaluation_only("ville-a__cm-2020.pdf", patterns)
    assert not is_evaluation_only("pdf/lannionais__cm-2022.pdf", patterns)
    assert not is_evaluation_only("pdf/later.pdf", patterns)


def test_evaluation_only_of_the_shared_corpus() -> None:
    if not (SHARED_CORPUS / "README.md").is_file():
        pytest.skip("../shared/corpus is absent")
    patterns = evaluation_only(SHARED_CORPUS)
    assert "lannion__*.pdf" in patterns
    assert len(patterns) == 7
    manifest = pd.read_csv(SHARED_CORPUS / "manifest.csv")
    flagged = [f for f in manifest["file"] if is_evaluation_only(f, patterns)]
    assert any("lannion__" in f for f in flagged)
    assert len(flagged) > len(patterns)  # the Lannion pattern covers several files


def test_the_readme_of_the_parent_folder_counts(tmp_path: Path) -> None:
    (tmp_path / "pdf").mkdir()
    (tmp_path / "README.md").write_text(
        "# Corpus\n\n## Evaluation only\n\n- ville__reserve.pdf\n\n## Other\n", encoding="utf-8"
    )
    assert evaluation_only(tmp_path / "pdf") == {"ville__reserve.pdf"}
