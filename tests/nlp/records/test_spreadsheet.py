"""Every CSV valpub writes is safe to open in a spreadsheet (OWASP CSV injection rule),
and valpub reads its own CSVs back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from nlp.annotation.export import csv_sheet
from nlp.annotation.importing import read_csv
from nlp.ingest.corpus import read_manifest
from nlp.ingest.pull import _write_manifest
from nlp.records.spreadsheet import FORMULA_STARTS, read_cell, safe_cell
from nlp.records.tables import DOCUMENT_COLUMNS, write_csv_fr, write_table

HOSTILE = ["=1+1", "+33 1 23", "-2+3", "@SUM(A1:A9)", "\tcmd", "\r=1", '=HYPERLINK("x")']


def cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    return [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for c in row]


def is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def assert_inert(path: Path) -> None:
    """No text cell a spreadsheet would run (a number such as -1,5 is a number)."""
    for cell in cells(path):
        assert is_number(cell) or not cell.startswith(FORMULA_STARTS), (path.name, cell)


def test_safe_cell_round_trip() -> None:
    for value in HOSTILE:
        assert safe_cell(value).startswith("'")
        assert read_cell(safe_cell(value)) == value
    assert safe_cell("Valmont") == "Valmont" and safe_cell(-1.5) == -1.5
    assert read_cell("'apostrophe d'abord") == "'apostrophe d'abord"


def test_documents_and_profile_csvs_are_inert(tmp_path: Path) -> None:
    rows = [
        dict.fromkeys(DOCUMENT_COLUMNS, "")
        | {"file": f"doc{i}.pdf", "title": v, "territory_name": v, "reason": v, "pages": -1}
        for i, v in enumerate(HOSTILE)
    ]
    write_table(rows, tmp_path / "documents.parquet", DOCUMENT_COLUMNS)
    assert_inert(tmp_path / "documents.csv")
    kept = pd.read_parquet(tmp_path / "documents.parquet")
    assert kept["title"].tolist() == HOSTILE  # the data file keeps the text as it is
    frame = pd.DataFrame({"label": HOSTILE, "per_1000": [-1.5] * len(HOSTILE)}, index=HOSTILE)
    write_csv_fr(frame, tmp_path / "m.csv", index=True)
    assert_inert(tmp_path / "m.csv")


def test_annotation_sheet_is_inert_and_reads_back(tmp_path: Path) -> None:
    selected = pd.DataFrame(
        [
            {
                "key": "",
                "file": "a.pdf",
                "page": 1,
                "start": 0,
                "end": 5,
                "doc_sha256": "",
                "text": v,
                "public_value": ["social"],
            }
            for v in HOSTILE[:4]
        ]
    )
    path = tmp_path / "sheet.csv"
    path.write_text("\ufeff" + csv_sheet(selected), encoding="utf-8")
    assert_inert(path)
    judgements, errors = read_csv(path, default_annotator="=cmd")
    assert not errors
    texts = {j.text for j in judgements}
    assert texts >= {"=1+1", "+33 1 23", "-2+3", "@SUM(A1:A9)"}


def test_pulled_manifest_is_inert_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "manifest.csv"
    _write_manifest(path, ["file", "title"], {"a.pdf": {"file": "a.pdf", "title": "=1+1"}})
    assert "'=1+1" in path.read_text(encoding="utf-8")
    assert read_manifest(path)["a.pdf"]["title"] == "=1+1"
