from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nlp.corpus import discover, read_manifest
from nlp.errors import ManifestError
from tests.pdfgen import text_pdf

HEADER = "file,territory_code,territory_name,territory_type,title,year,language,source_url,notes\n"


def test_manifest_folder_and_unknown_territories(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "valmont").mkdir()
    text_pdf(tmp_path / "valmont" / "a.pdf", [["Texte."]])
    text_pdf(tmp_path / "valmont" / "b.pdf", [["Texte."]])
    text_pdf(tmp_path / "loose.pdf", [["Texte."]])
    (tmp_path / "manifest.csv").write_text(
        HEADER + "valmont/a.pdf,299010017,Métropole de Valmont,epci,Stratégie,2021,fr,,\n"
        "missing.pdf,99001,Ailleurs,commune,Absent,2020,fr,,\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        docs = {d.file: d for d in discover(tmp_path)}
    assert set(docs) == {"valmont/a.pdf", "valmont/b.pdf", "loose.pdf", "missing.pdf"}
    a = docs["valmont/a.pdf"]
    assert (a.territory_code, a.territory_name, a.year, a.territory_from) == (
        "299010017",
        "Métropole de Valmont",
        2021,
        "manifest",
    )
    # b.pdf has no row: its folder's other document says which territory it is.
    assert docs["valmont/b.pdf"].territory_code == "299010017"
    assert docs["valmont/b.pdf"].territory_name == "Métropole de Valmont"
    assert docs["valmont/b.pdf"].territory_from == "folder"
    assert docs["loose.pdf"].territory_code == "unknown"
    assert "loose.pdf" in caplog.text and "valmont/b.pdf" in caplog.text
    assert not docs["missing.pdf"].path.exists()  # kept, so that the run reports it


def test_a_folder_unknown_to_the_manifest_names_the_territory(tmp_path: Path) -> None:
    (tmp_path / "bellerive").mkdir()
    text_pdf(tmp_path / "bellerive" / "c.pdf", [["Texte."]])
    (doc,) = discover(tmp_path)
    assert (doc.territory_code, doc.territory_name, doc.territory_from) == (
        "bellerive",
        "bellerive",
        "folder",
    )


def test_other_manifest_spellings_are_read(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(
        "file,territory,territory_type,insee_or_siren,title,year\npdf/x.pdf,Corte,commune,2B096,PV,2024\n",
        encoding="utf-8",
    )
    row = read_manifest(tmp_path / "manifest.csv")["pdf/x.pdf"]
    assert row["territory_code"] == "2B096" and row["territory_name"] == "Corte"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,year\nx,2020\n", "no 'file' column"),
        (HEADER + ",1,A,commune,t,2020,fr,,\n", "row without a 'file'"),
        (HEADER + "a.pdf,1,A,commune,t,deux mille,fr,,\n", "is not a number"),
        (HEADER + "a.pdf,1,A,commune,t,2020,fr,,\na.pdf,1,A,commune,t,2020,fr,,\n", "listed twice"),
    ],
)
def test_bad_manifests_say_where_and_why(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message) as err:
        read_manifest(path)
    assert str(path) in str(err.value)


def test_sample_manifest_is_valid() -> None:
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    docs = discover(corpus)
    assert len(docs) >= 8
    assert all(d.path.is_file() for d in docs)
    assert sum(d.territory_from == "folder" for d in docs) == 1
