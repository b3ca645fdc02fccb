"""Extraction on PDFs the tests generate: clean text, layout, and every bad-input status."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest

from nlp.extract.document import STATUSES, Page, extract_document
from nlp.extract.page_source import EXTRACTOR_CHOICES
from nlp.extract.process import Extractor
from tests.pdfgen import (
    encrypted_pdf,
    footnote_pdf,
    image_only_pdf,
    slow_pdf,
    text_pdf,
    two_column_pdf,
)

BODY = [
    "La métropole engage une stratégie de développement des usages numériques au service "
    "des habitants, des entreprises et des associations du territoire. Les démarches en "
    "ligne seront simplifiées et accessibles à tous les publics, y compris les plus éloignés."
]


#: The layout tests run with every page reader: pdfium's words go through the same rules.
READERS = pytest.mark.parametrize("reader", EXTRACTOR_CHOICES)


def extract(path: Path, **kw: object) -> tuple[object, list[Page]]:
    pages: list[Page] = []
    report = extract_document(path, pages.append, **kw)  # type: ignore[arg-type]
    return report, pages


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    with Extractor(timeout=60) as ex:
        yield ex


@READERS
def test_clean_text_and_provenance(tmp_path: Path, reader: str) -> None:
    pdf = text_pdf(tmp_path / "doc.pdf", [BODY, ["Deuxième page."]])
    report, pages = extract(pdf, extractor=reader)
    assert report.status == "ok", report.reason
    assert [p.page for p in pages] == [1, 2]
    assert len({p.doc_sha256 for p in pages}) == 1 and len(pages[0].doc_sha256) == 64
    # The wrapped lines of the paragraph are joined back with spaces.
    assert pages[0].text == BODY[0]
    assert all(unicodedata.is_normalized("NFC", p.text) for p in pages)


@READERS
def test_running_header_footer_and_page_numbers_are_removed(tmp_path: Path, reader: str) -> None:
    header = "Métropole de Valmont - Stratégie numérique 2021-2026"
    pdf = text_pdf(tmp_path / "doc.pdf", [BODY] * 5, header=header, footer=True)
    report, pages = extract(pdf, extractor=reader)
    assert report.status == "ok"
    for page in pages:
        assert "Valmont" not in page.text
        assert "Page" not in page.text
        assert page.text == BODY[0]


@READERS
def test_line_end_hyphenation(tmp_path: Path, reader: str) -> None:
    lines = [
        "Le schéma directeur accompagne le déve-",
        "loppement des services et la co-",
        "construction avec les habitants, ainsi que les e-",
        "services de la commune de Saint-",
        "Aubin, dans une démarche de sobriété numé-",
        "rique.",
    ]
    report, pages = extract(
        text_pdf(tmp_path / "h.pdf", [["\n".join(lines)]], width=300), extractor=reader
    )
    text = pages[0].text
    assert "développement" in text
    assert "co-construction" in text
    assert "e-services" in text
    assert "Saint-Aubin" in text
    assert "numérique." in text
    assert "- " not in text


@READERS
def test_two_columns_are_read_one_after_the_other(tmp_path: Path, reader: str) -> None:
    left = [f"Gauche, phrase {i} du texte." for i in range(1, 16)]
    right = [f"Droite, phrase {i} du texte." for i in range(1, 16)]
    pdf = two_column_pdf(
        tmp_path / "cols.pdf", "Feuille de route du territoire intelligent", left, right
    )
    report, pages = extract(pdf, extractor=reader)
    text = pages[0].text
    assert text.startswith("Feuille de route du territoire intelligent\n")
    assert "Gauche, phrase 15 du texte." in text
    assert text.index("Gauche, phrase 15 ") < text.index("Droite, phrase 1 ")
    assert "Gauche" not in text[text.index("Droite") :]


@READERS
def test_a_sentence_running_into_the_next_column_stays_one_unit(
    tmp_path: Path, reader: str
) -> None:
    left = [f"Ligne {i} à gauche, texte." for i in range(1, 15)] + [
        "Elle aide les communes dans le"
    ]
    right = ["déploiement de leurs services en ligne."] + [
        f"Ligne {i} à droite, texte." for i in range(2, 16)
    ]
    pdf = two_column_pdf(tmp_path / "flow.pdf", "Titre", left, right)
    report, pages = extract(pdf, extractor=reader)
    text = pages[0].text
    assert "Elle aide les communes dans le déploiement de leurs services en ligne." in text
    assert (
        text.index("Ligne 14 à gauche") < text.index("Elle aide") < text.index("Ligne 2 à droite")
    )


@READERS
def test_bullets_and_headings_stay_separate_units(tmp_path: Path, reader: str) -> None:
    lines = [
        "Nos priorités",
        "Le plan comprend trois actions :",
        "• ouvrir les données publiques,",
        "• former les agents,",
        "• accompagner les publics éloignés du numérique.",
    ]
    report, pages = extract(text_pdf(tmp_path / "b.pdf", [lines]), extractor=reader)
    assert pages[0].text.split("\n") == lines


@READERS
def test_table_cells_are_separate_statements(tmp_path: Path, reader: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    path = tmp_path / "t.pdf"
    data = [
        ["Action", "Budget", "Calendrier"],
        ["Portail open data", "120 000 €", "2024"],
        ["Tiers-lieu numérique", "80 000 €", "2025"],
    ]
    table = Table(data)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build([table])
    report, pages = extract(path, extractor=reader)
    assert pages[0].text.split("\n") == [cell for row in data for cell in row]


@READERS
def test_footnote_calls_do_not_glue_onto_words(tmp_path: Path, reader: str) -> None:
    report, pages = extract(footnote_pdf(tmp_path / "f.pdf"), extractor=reader)
    assert "ouvertes chaque trimestre" in pages[0].text
    assert "ouvertes1" not in pages[0].text


# --- bad input: one status each, a clear reason, and the batch goes on -----------------


def make_bad_files(tmp: Path) -> dict[str, Path]:
    good = text_pdf(tmp / "good.pdf", [BODY])
    data = good.read_bytes()
    files = {
        "empty": tmp / "empty.pdf",
        "not_pdf": tmp / "page.pdf",
        "corrupt": tmp / "truncated.pdf",
        "corrupt_garbage": tmp / "garbage.pdf",
        "encrypted": tmp / "locked.pdf",
        "needs_ocr": tmp / "scan.pdf",
    }
    files["empty"].write_bytes(b"")
    files["not_pdf"].write_text("<!DOCTYPE html><html><body>Erreur 404</body></html>")
    files["corrupt"].write_bytes(data[: len(data) // 3])
    files["corrupt_garbage"].write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    encrypted_pdf(good, files["encrypted"], user_password="secret", owner_password="owner")
    image_only_pdf(files["needs_ocr"])
    files["ok"] = good
    files["ok_encrypted_empty_password"] = encrypted_pdf(good, tmp / "open.pdf", "", "owner")
    return files


def test_every_bad_input_gets_its_status_and_the_batch_goes_on(
    tmp_path: Path, extractor: Extractor
) -> None:
    _check_bad_inputs(tmp_path, extractor)


@pytest.mark.parametrize("reader", ["pdfium", "auto"])
def test_bad_inputs_get_the_same_statuses_with_pdfium(tmp_path: Path, reader: str) -> None:
    with Extractor(timeout=60, extractor=reader) as ex:
        _check_bad_inputs(tmp_path, ex)


def _check_bad_inputs(tmp_path: Path, extractor: Extractor) -> None:
    files = make_bad_files(tmp_path)
    expected_status = {
        "empty": "empty",
        "not_pdf": "not_pdf",
        "corrupt": "corrupt",
        "corrupt_garbage": "corrupt",
        "encrypted": "encrypted",
        "needs_ocr": "needs_ocr",
        "ok": "ok",
        "ok_encrypted_empty_password": "ok",
    }
    for case, path in files.items():
        pages: list[Page] = []
        report = extractor.extract(path, pages.append)
        assert report.status == expected_status[case], (case, report)
        assert report.status in STATUSES
        if report.status != "ok":
            assert len(report.reason) > 10, case
        if report.status == "ok":
            assert pages[0].text == BODY[0]


def test_too_large(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "doc.pdf", [BODY])
    with Extractor(max_bytes=100) as ex:
        report = ex.extract(pdf, lambda p: None)
    assert report.status == "too_large"
    assert "MiB" in report.reason


def test_timeout_kills_the_worker_and_the_next_document_still_works(tmp_path: Path) -> None:
    slow = slow_pdf(tmp_path / "slow.pdf", operations=100_000)  # ~30 s of pdfminer work
    good = text_pdf(tmp_path / "good.pdf", [BODY])
    with Extractor(timeout=3) as ex:
        start = time.perf_counter()
        report = ex.extract(slow, lambda p: None)
        assert report.status == "timeout"
        assert time.perf_counter() - start < 10
        pages: list[Page] = []
        report = ex.extract(good, pages.append)
    assert report.status == "ok"
    assert pages[0].text == BODY[0]


def test_missing_file(tmp_path: Path) -> None:
    report, _ = extract(tmp_path / "nope.pdf")
    assert report.status == "failed"
    assert "not found" in report.reason


def test_ocr_reads_scanned_pages_when_asked(tmp_path: Path) -> None:
    from nlp.extract.ocr import ocr_unavailable
    from tests.pdfgen import scanned_text_pdf

    why = ocr_unavailable()
    if why:
        pytest.skip(f"OCR not installed: {why}")
    lines = ["La commune publie les données", "de ses services numériques."]
    pdf = scanned_text_pdf(tmp_path / "scan.pdf", lines)
    report, pages = extract(pdf)  # without OCR: the page needs it
    assert report.status == "needs_ocr"
    report, pages = extract(pdf, ocr=True)
    assert report.status == "ocr", report.reason
    assert report.pages_ocr == 1 and pages[0].ocr and not pages[0].needs_ocr
    assert "données" in pages[0].text and "numériques" in pages[0].text


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def test_ocr_character_error_rate_at_300_dpi(tmp_path: Path) -> None:
    """A typed page scanned at 300 dpi is read with at most 3 % of characters wrong."""
    from nlp.extract.ocr import ocr_unavailable
    from tests.pdfgen import scanned_text_pdf

    why = ocr_unavailable()
    if why:
        pytest.skip(f"OCR not installed: {why}")
    lines = [
        "Le conseil municipal approuve le schéma directeur du numérique",
        "pour les années 2024 à 2027. Il prévoit l'ouverture des données",
        "publiques, un guichet en ligne pour les démarches des habitants",
        "et des ateliers d'accompagnement dans les quartiers prioritaires.",
        "Les associations seront consultées avant chaque étape du projet ;",
        "un budget de 120 000 euros est inscrit au titre de l'exercice.",
    ]
    pdf = scanned_text_pdf(tmp_path / "scan.pdf", lines, dpi=300, points=11)
    report, pages = extract(pdf, ocr=True)
    assert report.status == "ocr", report.reason
    expected = " ".join(lines)
    read = " ".join(pages[0].text.split())
    errors = _edit_distance(expected, read)
    assert errors / len(expected) <= 0.03, (errors, read)


def test_ocr_leaves_a_picture_without_words_needing_ocr(tmp_path: Path) -> None:
    from nlp.extract.ocr import ocr_unavailable

    if ocr_unavailable():
        pytest.skip("OCR not installed")
    pdf = image_only_pdf(tmp_path / "plan.pdf", pages=1)
    report, pages = extract(pdf, ocr=True)
    assert report.status == "needs_ocr" and report.pages_ocr == 0
    assert pages[0].needs_ocr and not pages[0].ocr
