"""Published outputs on real sample PDFs: tables, JSON profiles and the HTML report in Chromium."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from spacy.language import Language

from nlp.extract.document import Page, extract_document
from nlp.language.lexicon_match import LexiconMatcher
from nlp.model.tagging import tag_document
from nlp.records.tables import DOCUMENT_COLUMNS, write_frame, write_table
from nlp.results.publish import publish_profiles
from nlp.results.report_format import fr_number
from tests.paths import ROOT

CORPUS = ROOT / "corpus"
LEXICONS = ROOT / "lexicons"
FILES = [
    "valmont/strategie-territoire-intelligent-2021.pdf",
    "valmont/feuille-de-route-2024.pdf",
    "bellerive-sur-orlande/plan-inclusion-numerique-2022.pdf",
]


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, nlp: Language, lexicon_matcher: LexiconMatcher
) -> dict[str, Path]:
    """Extract and tag three sample PDFs as the flow does, then publish the profiles."""
    out = tmp_path_factory.mktemp("out")
    manifest = pd.read_csv(CORPUS / "manifest.csv", dtype=str).set_index("file")
    rows: list[dict[str, Any]] = []
    frames = []
    for file in FILES:
        pages: list[Page] = []
        report = extract_document(CORPUS / file, pages.append)
        meta = manifest.loc[file]
        row = report.as_dict() | {
            "file": file,
            "territory_code": meta["territory_code"],
            "territory_name": meta["territory_name"],
            "territory_type": meta["territory_type"],
            "title": meta["title"],
            "year": int(meta["year"]),
        }
        rows.append(row)
        frame = tag_document(nlp, lexicon_matcher, pages)
        for key in ("file", "territory_code", "territory_name", "year"):
            frame.insert(0, key, row[key])
        frames.append(frame)
    rows.append(  # a document that gave nothing: listed, never counted
        dict.fromkeys(DOCUMENT_COLUMNS)
        | {
            "file": "valmont/scan.pdf",
            "territory_code": "299010017",
            "status": "encrypted",
            "territory_name": "Métropole de Valmont",
            "year": 2024,
            "pages": 0,
        }
    )
    write_table(rows, out / "documents.parquet", DOCUMENT_COLUMNS)
    write_frame(pd.concat(frames, ignore_index=True), out / "sentences.parquet")
    (out / "profiles").mkdir()
    (out / "profiles" / "gone.json").write_text("{}")  # stale file of an earlier run
    paths = publish_profiles(
        out, LEXICONS, corpus=CORPUS, resamples=200, generated=datetime(2025, 3, 14, tzinfo=UTC)
    )
    return paths


def test_tables_and_json(run: dict[str, Path]) -> None:
    profiles = pd.read_parquet(run["profiles"])
    sentences = pd.read_parquet(run["profiles"].parent / "sentences.parquet")
    valmont = profiles[
        (profiles["territory_code"] == "299010017") & (profiles["level"] == "territory")
    ]
    assert valmont["sentences_total"].iloc[0] == (sentences["territory_code"] == "299010017").sum()
    assert valmont["documents_total"].iloc[0] == 2  # the encrypted one is not counted
    assert set(profiles.loc[profiles["territory_code"] == "299010017", "year"].dropna()) == {
        2021,
        2024,
    }
    pv = valmont[valmont["scheme"] == "public_value"]
    assert (pv["n_sentences"] > 0).sum() >= 4  # the strategy addresses several value types
    # the French-Excel CSV holds the same figures
    raw = run["profiles_csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(
        io.StringIO(raw.decode("utf-8-sig")), sep=";", decimal=",", dtype={"territory_code": str}
    )
    assert list(csv.columns) == list(profiles.columns)
    assert csv["per_1000"].to_numpy() == pytest.approx(profiles["per_1000"].to_numpy())
    assert re.search(r";\d+,\d+;", raw.decode("utf-8-sig"))  # decimal comma
    # one JSON per territory, the stale one removed
    names = sorted(p.name for p in (run["report"].parent / "profiles").glob("*.json"))
    assert names == ["299010017.json", "99384.json"]
    prof = json.loads((run["report"].parent / "profiles" / "299010017.json").read_text("utf-8"))
    assert prof["coverage"]["types_covered"] == int(pv["passes_threshold"].sum())
    quote = prof["schemes"]["public_value"]["quotes"]["strategic"][0]
    assert quote["file"] in FILES and quote["page"] >= 1 and quote["terms"]
    assert any(t.lower() in quote["text"].lower() for t in quote["terms"])
    assert {c["from_year"] for c in prof["changes"]} == {2021}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], str]] = []
        self._open: list[tuple[str, dict[str, str]]] = []
        self.text: dict[int, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, ""))
        if tag == "td":
            self._open.append((tag, {}))
            self.text[len(self.elements) - 1] = ""

    def handle_data(self, data: str) -> None:
        if self._open and self.text:
            last = max(self.text)
            self.text[last] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open:
            self._open.pop()


def test_report_is_self_contained_and_links_pages(run: dict[str, Path]) -> None:
    page = run["report"].read_text("utf-8")
    assert "<html lang='fr'>" in page and "Méthodologie" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "<img" not in page and "<link" not in page
    # links are relative to the report and open the PDF at the page
    links = re.findall(r'href="([^"#]+\.pdf)#page=(\d+)"', page)
    assert links
    for target, number in links:
        assert (run["report"].parent / target).resolve().is_file()
        assert int(number) >= 1
    assert "14/03/2025" in page and "valeur d&#x27;intendance" in page


def test_report_renders_in_chromium(run: dict[str, Path], tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (make system-deps installs it)")
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            run["report"].as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    parser = _Collect()
    parser.feed(dom)
    body = next(a for t, a, _ in parser.elements if t == "body")
    assert int(body["data-rendered"]) > 100  # the script ran over every chart element
    profiles = pd.read_parquet(run["profiles"])
    terr = profiles[profiles["level"] == "territory"].set_index(
        ["territory_code", "scheme", "label"]
    )
    charts = {"rect": 0, "polygon": 0, "circle": 0}
    for i, (tag, attrs, _) in enumerate(parser.elements):
        if tag in charts and "data-bbox" in attrs:
            w, h = (float(x) for x in attrs["data-bbox"].split("x"))
            assert w > 0 and h > 0, (tag, attrs)
            charts[tag] += 1
        if "data-label" in attrs and "data-value" in attrs and attrs["data-value"]:
            scheme, label = attrs["data-label"].split(":")
            col = attrs.get("data-col", "per_1000")
            expected = terr.loc[(attrs["data-territory"], scheme, label), col]
            assert float(attrs["data-value"]) == pytest.approx(float(expected), abs=1e-12)
            if tag == "td" and col == "per_1000":  # the figure shown is the same, in French
                assert parser.text[i].strip() == fr_number(float(expected))
    n_labels = len(terr.loc["299010017"])
    assert charts["rect"] >= 2 * n_labels  # heatmap cells + bars
    assert charts["polygon"] >= 2 and charts["circle"] == 2 * 7  # two radars of seven types
    heat = [a for t, a, _ in parser.elements if t == "rect" and "cell" in a.get("class", "")]
    assert len(heat) == 2 * n_labels
    shown = [a for t, a, _ in parser.elements if t == "td" and a.get("data-col") == "per_1000"]
    assert len(shown) == 2 * n_labels


def test_a_territory_with_too_little_text_is_profiled_but_not_compared(
    run: dict[str, Path], tmp_path: Path
) -> None:
    from nlp.results.report import MIN_COMPARED_SENTENCES

    source = run["report"].parent
    sentences = pd.read_parquet(source / "sentences.parquet")
    documents = pd.read_parquet(source / "documents.parquet")
    tiny = sentences[sentences["public_value"].map(len) > 0].head(1).copy()
    fields = ["file", "territory_code", "territory_name"]
    tiny[[*fields, "doc_sha256"]] = ["tiny.pdf", "99999", "Bourg minuscule", "f" * 64]
    doc = documents.head(1).copy()
    doc[[*fields, "sha256", "status"]] = ["tiny.pdf", "99999", "Bourg minuscule", "f" * 64, "ok"]
    write_frame(pd.concat([sentences, tiny], ignore_index=True), tmp_path / "sentences.parquet")
    write_table(
        pd.concat([documents, doc]).to_dict("records"),
        tmp_path / "documents.parquet",
        DOCUMENT_COLUMNS,
    )
    paths = publish_profiles(tmp_path, LEXICONS, resamples=50)
    page = paths["report"].read_text("utf-8")
    profiles = pd.read_parquet(paths["profiles"])
    assert "99999" in set(profiles["territory_code"])  # profiled, in the data files
    assert (tmp_path / "profiles" / "99999.json").is_file()
    assert "id='t-99999'" in page  # and its own section
    assert "data-territory='99999'" not in page.split("id='t-99999'")[0]  # not in the matrix
    assert f"moins de {MIN_COMPARED_SENTENCES} phrases" in page
    assert "Bourg minuscule (1 phrase(s))" in page
    similarity = page.split("class='similarity'")[1].split("</table>")[0]
    assert "Bourg minuscule" not in similarity and "Métropole de Valmont" in similarity


def _metrics_with_quality(reliable: set[str]) -> dict[str, Any]:
    from nlp.records.codebook import CODEBOOK_LABELS

    quality = {
        scheme: {
            label: {
                "precision": 0.7 if label in reliable else 0.4,
                "recall": 0.65 if label in reliable else 0.3,
                "f1": 0.67 if label in reliable else 0.34,
            }
            for label in labels
        }
        for scheme, labels in CODEBOOK_LABELS.items()
    }
    return {"version": "test", "quality": quality, "summary": {}}


@pytest.mark.parametrize("reliable", [{"stewardship"}, {"social", "economic", "political"}])
def test_indicative_labels_are_greyed_and_never_findings(
    run: dict[str, Path], tmp_path: Path, reliable: set[str]
) -> None:
    source = run["report"].parent
    for name in ("sentences.parquet", "documents.parquet"):
        shutil.copy(source / name, tmp_path / name)
    paths = publish_profiles(
        tmp_path, LEXICONS, resamples=20, model_metrics=_metrics_with_quality(reliable)
    )
    page = paths["report"].read_text("utf-8")
    profiles = pd.read_parquet(paths["profiles"])
    assert set(profiles.loc[profiles["reliable"], "label"]) == reliable
    assert "(indicatif)" in page and 'data-reliable="0"' in page
    for path in (tmp_path / "profiles").glob("*.json"):
        prof = json.loads(path.read_text("utf-8"))
        if prof["dominant"] is not None:
            assert prof["dominant"]["label"] in reliable and len(reliable) >= 2
        assert not {f"public_value:{x}" for x in reliable} & set(
            prof["label_quality"]["indicative"]
        )
    similarity = pd.read_csv(paths["similarity"], sep=";", decimal=",", index_col=0)
    if len(reliable) < 3:  # one reliable label: comparing territories would compare noise
        assert similarity.empty and "id='no-similarity'" in page
        assert "Thème dominant" not in page
    else:
        assert not similarity.empty and "class='similarity'" in page
