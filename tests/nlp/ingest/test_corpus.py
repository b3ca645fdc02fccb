from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nlp.ingest.corpus import discover, fetch_document, read_manifest
from nlp.records.errors import FetchError, ManifestError
from tests.paths import ROOT
from tests.pdfgen import text_pdf
from tests.servers import static_site

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
    corpus = ROOT / "corpus"
    docs = discover(corpus)
    assert len(docs) >= 8
    assert all(d.path.is_file() for d in docs)
    assert sum(d.territory_from == "folder" for d in docs) == 1


def _site_corpus(root: Path) -> None:
    """Two documents in folders (one with a space in its name), a manifest for one."""
    (root / "valmont").mkdir(parents=True)
    (root / "lorvelle").mkdir()
    text_pdf(root / "valmont" / "a.pdf", [["Texte de Valmont."]])
    text_pdf(root / "lorvelle" / "plan numérique.pdf", [["Texte de Lorvelle."]])
    (root / "manifest.csv").write_text(
        HEADER + "valmont/a.pdf,299010017,Métropole de Valmont,epci,Stratégie,2021,fr,,\n"
        "absent.pdf,99001,Ailleurs,commune,Absent,2020,fr,,\n",
        encoding="utf-8",
    )


def test_a_corpus_url_lists_the_same_documents_as_its_folder(tmp_path: Path) -> None:
    root = tmp_path / "site"
    _site_corpus(root)
    with static_site(root) as site:
        remote = discover(site.url + "/")
        local = discover(root)
        # listing reads the manifest and the directory pages: no PDF is downloaded
        assert not [r for r in site.requests if r.endswith(".pdf")], site.requests
    assert (
        [d.file for d in remote]
        == [d.file for d in local]
        == [
            "absent.pdf",
            "lorvelle/plan numérique.pdf",
            "valmont/a.pdf",
        ]
    )
    for r, loc in zip(remote, local, strict=True):
        assert (r.territory_code, r.territory_name, r.territory_from) == (
            loc.territory_code,
            loc.territory_name,
            loc.territory_from,
        )
        assert not loc.url and loc.location == str(loc.path)
    assert remote[1].url == f"{site.url}/lorvelle/plan%20num%C3%A9rique.pdf"
    assert remote[1].location == remote[1].url


def test_a_remote_document_is_fetched_or_says_why_not(tmp_path: Path) -> None:
    root = tmp_path / "site"
    _site_corpus(root)
    folder = tmp_path / "fetched"
    folder.mkdir()
    with static_site(root) as site:
        docs = {d.file: d for d in discover(site.url)}
        got = fetch_document(docs["lorvelle/plan numérique.pdf"].url, folder, 2**20)
        assert got.read_bytes() == (root / "lorvelle" / "plan numérique.pdf").read_bytes()
        with pytest.raises(FetchError, match=r"not found: .*absent\.pdf") as missing:
            fetch_document(docs["absent.pdf"].url, folder, 2**20)
        assert missing.value.status == "failed"
        with pytest.raises(FetchError, match=r"over the 100 B limit \(download stopped\)") as large:
            fetch_document(docs["valmont/a.pdf"].url, folder, 100)
        assert large.value.status == "too_large"
    # the server is gone: the corpus cannot be read, and the error says where
    with pytest.raises(FetchError, match=r"cannot read http://127\.0\.0\.1:\d+/manifest\.csv"):
        discover(site.url)
    with pytest.raises(FetchError, match="cannot read"):
        fetch_document(docs["valmont/a.pdf"].url, folder, 2**20)


def test_a_manifest_can_name_documents_by_url(tmp_path: Path) -> None:
    remote = tmp_path / "site"
    remote.mkdir()
    text_pdf(remote / "deliberation.pdf", [["Texte."]])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with static_site(remote) as site:
        url = f"{site.url}/deliberation.pdf"
        (corpus / "manifest.csv").write_text(
            HEADER + f"{url},99002,Lorvelle,commune,Délibération,2024,fr,,\n", encoding="utf-8"
        )
        (doc,) = discover(corpus)
    assert (doc.file, doc.url, doc.territory_name, doc.year) == (url, url, "Lorvelle", 2024)
    assert doc.path == Path("deliberation.pdf")


def test_a_url_without_manifest_or_listing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with static_site(tmp_path / "empty") as site, pytest.raises(FetchError, match="no documents"):
        discover(site.url)
    with pytest.raises(FetchError, match="cannot read the corpus nosuch://x"):
        discover("nosuch://x")
