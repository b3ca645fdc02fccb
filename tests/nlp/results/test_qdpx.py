"""`valpub export qdpx`: the sample corpus's coded sentences as a REFI-QDA project.

One real `valpub run` (lexicons only, a real Prefect flow in a subprocess) per module on
the sample corpus; every test exports from its outputs and reads the .qdpx back.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import typer
from lxml import etree
from typer.testing import CliRunner

from flows.commands.export import register
from nlp.language.lexicon import load_lexicons
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.results.qdpx import ExportSummary, export_qdpx
from nlp.results.qdpx_project import NAMESPACE
from tests.paths import ROOT, VALPUB
from tests.servers import static_site

CORPUS = ROOT / "corpus"
LEXICONS = load_lexicons(ROOT / "lexicons")
SCHEMAS = sorted((ROOT / "tests" / "fixtures" / "schemas" / "refi-qda").glob("*.xsd"))
NS = {"q": NAMESPACE}
WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory, prefect_api: dict[str, str]) -> Path:
    """Outputs of one lexicon-only `valpub run` on the sample corpus (about 30 s)."""
    out = tmp_path_factory.mktemp("run") / "out"
    env = {**os.environ, **prefect_api}
    done = subprocess.run(
        [str(VALPUB), "run", "--corpus", str(CORPUS), "--out", str(out), "--no-classifier"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def sentences(run_out: Path) -> pd.DataFrame:
    return pd.read_parquet(run_out / "sentences.parquet")


@pytest.fixture(scope="module")
def exported(run_out: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExportSummary]:
    target = tmp_path_factory.mktemp("qdpx") / "valpub.qdpx"
    return target, export_qdpx(run_out, CORPUS, target, lexicons=LEXICONS)


def read_project(path: Path) -> tuple[etree._Element, dict[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return etree.fromstring(files["project.qde"]), files


def internal(files: dict[str, bytes], uri: str) -> bytes:
    assert uri.startswith("internal://"), uri
    return files["sources/" + uri.removeprefix("internal://")]


def labelled(frame: pd.DataFrame, schemes: tuple[str, ...] = SCHEMES) -> pd.DataFrame:
    return frame[frame[list(schemes)].apply(lambda r: any(len(v) for v in r), axis=1)]


def code_ids(root: etree._Element) -> dict[str, str]:
    """Code GUID -> "scheme:label", read from each child code's description."""
    ids = {}
    for code in root.iterfind("q:CodeBook/q:Codes/q:Code/q:Code", NS):
        match = re.search(r"Identifiant : (\w+:\w+)", code.findtext("q:Description", "", NS))
        assert match, code.get("name")
        ids[code.get("guid")] = match.group(1)
    return ids


def segments(root: etree._Element, files: dict[str, bytes]) -> list[dict[str, object]]:
    """Every coded segment: file, page, offsets in its page, text, codes, coder."""
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    codes = code_ids(root)
    found = []
    for source in root.iterfind("q:Sources/*", NS):
        holder = source.find("q:Representation", NS)
        holder = source if holder is None else holder
        text = internal(files, holder.get("plainTextPath")).decode("utf-8")
        pages = [(m.end(), int(m.group(1))) for m in re.finditer(r"\[page (\d+)\]\n", text)]
        for selection in holder.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            offset, page = max(p for p in pages if p[0] <= start)
            found.append(
                {
                    "file": source.get("name"),
                    "page": page,
                    "start": start - offset,
                    "end": end - offset,
                    "text": text[start:end],
                    "codes": [
                        codes[c.get("targetGUID")]
                        for c in selection.iterfind("q:Coding/q:CodeRef", NS)
                    ],
                    "coders": {
                        users[c.get("creatingUser")] for c in selection.iterfind("q:Coding", NS)
                    },
                }
            )
    return found


def test_archive_holds_the_project_and_every_file_it_points_to(
    exported: tuple[Path, ExportSummary], run_out: Path
) -> None:
    path, summary = exported
    root, files = read_project(path)
    assert root.tag == f"{{{NAMESPACE}}}Project"
    uris = [e.get("path") for e in root.iterfind(".//q:PDFSource", NS)]
    uris += [e.get("plainTextPath") for e in root.iter() if e.get("plainTextPath")]
    assert {"sources/" + u.removeprefix("internal://") for u in uris} | {"project.qde"} == set(
        files
    )
    documents = pd.read_parquet(run_out / "documents.parquet").set_index("file")
    pdfs = root.findall("q:Sources/q:PDFSource", NS)
    assert len(pdfs) == len(documents) == summary.pdfs_embedded == summary.sources >= 8
    for source in pdfs:  # the embedded PDF is the very file the run read
        sha = hashlib.sha256(internal(files, source.get("path"))).hexdigest()
        assert sha == documents.loc[source.get("name"), "sha256"]
    assert summary.pdfs_missing == {} and summary.documents_without_text == {}


@pytest.mark.parametrize("xsd", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_project_is_valid_against_the_refi_qda_schema(
    exported: tuple[Path, ExportSummary], xsd: Path
) -> None:
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    root, _ = read_project(exported[0])
    assert schema.validate(root), schema.error_log
    # The schema has teeth: a selection without its start, or elements out of the
    # standard's order, are refused.
    broken = copy.deepcopy(root)
    del broken.find(".//q:PlainTextSelection", NS).attrib["startPosition"]
    assert not schema.validate(broken)
    shuffled = copy.deepcopy(root)
    shuffled.insert(0, shuffled.find("q:Sources", NS))
    assert not schema.validate(shuffled)


def test_every_coded_segment_is_a_labelled_sentence_of_the_run(
    exported: tuple[Path, ExportSummary], sentences: pd.DataFrame
) -> None:
    path, summary = exported
    found = segments(*read_project(path))
    expected = labelled(sentences)
    assert len(found) == len(expected) == summary.selections > 100
    assert summary.sentences_skipped == 0
    rows = {
        (r.file, r.page, r.start, r.end): r
        for r in expected.itertuples(index=False)  # type: ignore[attr-defined]
    }
    for segment in found:
        row = rows[segment["file"], segment["page"], segment["start"], segment["end"]]
        assert segment["text"] == row.text
        assert segment["codes"] == [
            f"{s}:{label}"
            for s in SCHEMES
            for label in CODEBOOK_LABELS[s]
            if label in getattr(row, s)
        ]
        assert segment["coders"] == {"valpub lexicons"}


def test_codings_per_label_equal_the_label_counts(
    exported: tuple[Path, ExportSummary], sentences: pd.DataFrame
) -> None:
    path, summary = exported
    root, _ = read_project(path)
    codes = code_ids(root)
    assert sorted(codes.values()) == sorted(f"{s}:{x}" for s in SCHEMES for x in CODEBOOK_LABELS[s])
    counted = Counter(codes[c.get("targetGUID")] for c in root.iterfind(".//q:CodeRef", NS))
    expected = Counter(
        {
            f"{s}:{label}": n
            for s in SCHEMES
            for label, n in Counter(x for labels in sentences[s] for x in labels).items()
        }
    )
    assert counted == expected == summary.codings_per_code
    assert summary.codings == sum(expected.values())
    # Parent codes are the schemes, named after their lexicon, and not codable.
    parents = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [p.get("isCodable") for p in parents] == ["false"] * len(SCHEMES)
    assert parents[0].get("name") == "Valeur publique (Harrison et al. 2012)"


def test_exports_are_reproducible(run_out: Path, tmp_path: Path) -> None:
    first = tmp_path / "a.qdpx"
    second = tmp_path / "b.qdpx"
    export_qdpx(run_out, CORPUS, first, lexicons=LEXICONS)
    export_qdpx(run_out, CORPUS, second, lexicons=LEXICONS)
    assert first.read_bytes() == second.read_bytes()
    later = tmp_path / "c.qdpx"
    export_qdpx(run_out, CORPUS, later, lexicons=LEXICONS, created=WHEN)
    root_a, _ = read_project(first)
    root_c, _ = read_project(later)
    guids_a = [e.get("guid") for e in root_a.iter() if e.get("guid")]
    assert guids_a == [e.get("guid") for e in root_c.iter() if e.get("guid")]
    assert len(set(guids_a)) == len(guids_a)  # and all distinct
    assert root_c.get("creationDateTime") == "2025-03-14T09:30:00Z"
    assert {e.get("creationDateTime") for e in root_c.iter() if e.get("creationDateTime")} == {
        "2025-03-14T09:30:00Z"
    }


def test_cases_and_variables_describe_the_territories(exported: tuple[Path, ExportSummary]) -> None:
    root, _ = read_project(exported[0])
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}

    def values(element: etree._Element) -> dict[str, str]:
        return {
            variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
            for v in element.iterfind("q:VariableValue", NS)
        }

    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", NS)}
    assert set(cases) == {
        "Métropole de Valmont",
        "Saint-Aubin-des-Prés",
        "Bellerive-sur-Orlande",
        "Syndicat mixte Aurelle Numérique",
    }
    assert values(cases["Métropole de Valmont"]) == {
        "territory_code": "299010017",
        "territory_type": "epci",
    }
    sources = {s.get("guid"): s for s in root.iterfind("q:Sources/*", NS)}
    members = [r.get("targetGUID") for c in cases.values() for r in c.iterfind("q:SourceRef", NS)]
    assert sorted(members) == sorted(sources)  # each source in exactly one case
    valmont = [
        sources[r.get("targetGUID")]
        for r in cases["Métropole de Valmont"].iterfind("q:SourceRef", NS)
    ]
    assert {s.get("name"): values(s)["year"] for s in valmont} == {
        "valmont/feuille-de-route-2024.pdf": "2024",
        "valmont/strategie-territoire-intelligent-2021.pdf": "2021",
    }


def test_one_scheme_only(run_out: Path, sentences: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / "pv.qdpx"
    summary = export_qdpx(run_out, CORPUS, target, lexicons=LEXICONS, schemes=["public_value"])
    root, files = read_project(target)
    assert [c.get("name") for c in root.iterfind("q:CodeBook/q:Codes/q:Code", NS)] == [
        "Valeur publique (Harrison et al. 2012)"
    ]
    found = segments(root, files)
    assert len(found) == len(labelled(sentences, ("public_value",))) == summary.selections
    assert all(code.startswith("public_value:") for s in found for code in s["codes"])


def test_missing_or_changed_pdf_is_exported_as_text_and_reported(
    run_out: Path, sentences: pd.DataFrame, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("training"))
    (corpus / "valmont" / "feuille-de-route-2024.pdf").unlink()
    with (corpus / "bellerive-sur-orlande" / "charte-donnee-ouverte-2023.pdf").open("ab") as fh:
        fh.write(b"\n% edited after the run\n")
    target = tmp_path / "p.qdpx"
    summary = export_qdpx(run_out, corpus, target, lexicons=LEXICONS)
    assert set(summary.pdfs_missing) == {
        "valmont/feuille-de-route-2024.pdf",
        "bellerive-sur-orlande/charte-donnee-ouverte-2023.pdf",
    }
    assert "not found" in summary.pdfs_missing["valmont/feuille-de-route-2024.pdf"]
    assert (
        "changed since the run"
        in summary.pdfs_missing["bellerive-sur-orlande/charte-donnee-ouverte-2023.pdf"]
    )
    root, files = read_project(target)
    assert sorted(s.get("name") for s in root.iterfind("q:Sources/q:TextSource", NS)) == sorted(
        summary.pdfs_missing
    )
    documents = pd.read_parquet(run_out / "documents.parquet")
    assert (
        sum(name.endswith(".pdf") for name in files) == summary.pdfs_embedded == len(documents) - 2
    )
    found = segments(root, files)  # the text-only documents keep their coded sentences
    assert len(found) == len(labelled(sentences))
    for xsd in SCHEMAS:
        assert etree.XMLSchema(etree.parse(str(xsd))).validate(root)


def test_a_corpus_url_gives_the_same_project(
    run_out: Path, exported: tuple[Path, ExportSummary], tmp_path: Path
) -> None:
    """The PDFs of a corpus on a web server are fetched, checked and embedded."""
    corpus = tmp_path / "site"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("training"))
    (corpus / "valmont" / "feuille-de-route-2024.pdf").unlink()
    target = tmp_path / "url.qdpx"
    with static_site(corpus) as site:
        summary = export_qdpx(run_out, site.url + "/", target, lexicons=LEXICONS)
        asked = [r for r in site.requests if r.endswith(".pdf")]
    local_target, local = exported
    assert summary.pdfs_embedded == local.pdfs_embedded - 1
    assert list(summary.pdfs_missing) == ["valmont/feuille-de-route-2024.pdf"]
    assert summary.pdfs_missing["valmont/feuille-de-route-2024.pdf"].startswith("not found: http")
    assert len(asked) == local.pdfs_embedded  # each PDF read once
    _, files = read_project(target)
    _, local_files = read_project(local_target)
    pdfs = {n: b for n, b in files.items() if n.endswith(".pdf")}
    assert len(pdfs) == summary.pdfs_embedded
    assert all(local_files[n] == b for n, b in pdfs.items())  # the same bytes, same names


def test_model_versions_become_machine_coders(run_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(run_out, out, ignore=shutil.ignore_patterns("*.qdpx"))
    frame = pd.read_parquet(out / "sentences.parquet")
    classified = frame["file"].str.startswith("valmont/")
    frame.loc[classified, "model_version"] = "20250301-120000-ab12cd"
    frame = frame.drop(columns=["sources", "scores"])  # as in outputs older than the classifier
    frame.to_parquet(out / "sentences.parquet", index=False)
    target = tmp_path / "m.qdpx"
    summary = export_qdpx(out, CORPUS, target, lexicons=LEXICONS, created=WHEN)
    assert summary.users == ["valpub lexicons", "valpub 20250301-120000-ab12cd"]
    root, files = read_project(target)
    assert [u.get("name") for u in root.iterfind("q:Users/q:User", NS)] == summary.users
    for segment in segments(root, files):
        model = segment["file"].startswith("valmont/")
        assert segment["coders"] == {summary.users[1] if model else summary.users[0]}
    description = root.find(".//q:PlainTextSelection/q:Description", NS).text
    assert description.startswith("Page ") and "lexique" in description


def app() -> typer.Typer:
    main = typer.Typer()

    @main.command()
    def version() -> None:  # a second command, so that `export` stays a sub-command
        """Print nothing."""

    register(main)
    return main


def test_command_writes_the_project_and_reports(run_out: Path, tmp_path: Path) -> None:
    target = tmp_path / "cli.qdpx"
    result = CliRunner().invoke(
        app(),
        [
            "export",
            "qdpx",
            "--out",
            str(run_out),
            "--corpus",
            str(CORPUS),
            "--to",
            str(target),
            "--scheme",
            "coproduction",
            "--scheme",
            "governance",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output and "coder: valpub lexicons" in result.output
    root, _ = read_project(target)
    assert len(root.findall("q:CodeBook/q:Codes/q:Code", NS)) == 2
    default = CliRunner().invoke(
        app(), ["export", "qdpx", "--out", str(run_out), "--corpus", str(CORPUS)]
    )
    assert default.exit_code == 0, default.output
    assert (run_out / "valpub.qdpx").is_file()


def test_command_explains_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app(), ["export", "qdpx", "--out", str(tmp_path), "--corpus", str(CORPUS)]
    )
    assert result.exit_code == 2
    assert "sentences.parquet does not exist: run `valpub run` first" in result.output
    unknown = CliRunner().invoke(
        app(),
        ["export", "qdpx", "--out", str(tmp_path), "--corpus", str(CORPUS), "--scheme", "nope"],
    )
    assert unknown.exit_code == 2 and "unknown scheme" in unknown.output
