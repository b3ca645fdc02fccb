"""`valpub lexicon`: check, stats over a corpus, and keywords in context."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.commands.lexicon import app as lexicon_app
from tests.nlp.language.lexicon_files import VALID, write

runner = CliRunner()


def test_check_accepts_the_repository_lexicons() -> None:
    result = runner.invoke(lexicon_app, ["check"])
    assert result.exit_code == 0, result.output
    assert "Duplicate cues (same label): 0" in result.output
    assert "OK: " in result.output


def test_check_reports_invalid_files_and_duplicates(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    write(bad, "coproduction", VALID.replace('version: "1.2.3"', "version: 3"))
    result = runner.invoke(lexicon_app, ["check", "--lexicons", str(bad)])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "version" in result.output

    dup = tmp_path / "dup"
    dup.mkdir()
    data = yaml.safe_load(VALID)
    data["labels"][0]["entries"].append(
        {"id": "active.encore", "terms": ["plateformes de signalement"]}
    )
    data["labels"][1]["entries"].append(
        {"id": "participative.signalement", "terms": ["Plateforme de signalement"]}
    )
    (dup / "coproduction.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    result = runner.invoke(lexicon_app, ["check", "--lexicons", str(dup)])
    assert result.exit_code == 1
    assert "Duplicate cues (same label): 1" in result.output
    assert "Cues shared by two labels of one scheme: 1" in result.output
    assert "coproduction/active.signalement" in result.output


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.pdfgen import text_pdf

    root = tmp_path_factory.mktemp("corpus")
    (root / "pdf").mkdir()
    text_pdf(
        root / "pdf" / "ville__magazine.pdf",
        [
            [
                "La commune lance son premier budget participatif pour les habitants.",
                "Une plateforme de signalement permet de déclarer un dépôt sauvage.",
            ],
            ["Le conseil municipal s'est réuni le 12 mars à 18 h."],
        ],
    )
    text_pdf(root / "pdf" / "ville__reserve.pdf", [["Le budget participatif est reconduit."]])
    (root / "README.md").write_text(
        "# Corpus\n\n## Evaluation only\n\n- ville__reserve.pdf\n\n## Other\n", encoding="utf-8"
    )
    return root


def test_stats_over_a_corpus(small_corpus: Path) -> None:
    result = runner.invoke(lexicon_app, ["stats", "--corpus", str(small_corpus), "--top", "5"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "political.budget-participatif" in out
    assert "active.signalement" in out
    assert "Entries that never fire:" in out
    assert "public_value/economic.maitrise-des-couts" in out  # never fires here
    # the evaluation-only document is skipped: one budget participatif, not two
    line = next(x for x in out.splitlines() if "participative.budget-participatif" in x)
    assert line.split()[-1] == "1"


def test_kwic_shows_document_and_page(small_corpus: Path) -> None:
    result = runner.invoke(
        lexicon_app, ["kwic", "budgets participatifs", "--corpus", str(small_corpus)]
    )
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if "[" in x]
    assert len(lines) == 1
    assert lines[0].startswith("ville__magazine.pdf:p1")
    assert "[budget participatif]" in lines[0]
    result = runner.invoke(
        lexicon_app,
        ["kwic", "active.signalement", "--corpus", str(small_corpus), "--include-evaluation"],
    )
    assert "[plateforme de signalement]" in result.output
