"""The review app (review/app.py, its views and modules) with Streamlit's AppTest on a real run.

The run is the sample corpus through the real pipeline (tests/review_fixtures.py); the
annotation store is the real one (nlp.annotation.store) in a temporary SQLite file.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import typer
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from flows.commands.review import register, streamlit_command
from nlp.annotation.judgement import Judgement
from nlp.annotation.store import AnnotationStore
from nlp.model.registry import Registry
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from review import pdfs
from review.documents import neighbours
from review.evidence import EVIDENCE_SHOWN, cell_evidence
from review.judgements import current_labels, make_judgement, run_labels
from review.kwic import fold, fold_map, kwic
from review.pdfs import pdf_path
from review.run import Run, labels_of, load_run
from tests.review_fixtures import CORPUS, ROOT, review_run
from tests.servers import static_site

__all__ = ["review_run"]  # the fixture, imported for pytest

APP = ROOT / "review" / "app.py"
VIEWS = ["Matrice", "Territoire", "Phrase", "Page du PDF", "Recherche", "Lexique", "Modèle"]
ANALYST = "Camille Roussel"


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'annotations.db'}"


@pytest.fixture
def app(review_run: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on the shared run, writing to this test's store, analyst preset by env."""
    monkeypatch.setenv("VALPUB_REVIEW_OUT", str(review_run))
    monkeypatch.setenv("VALPUB_REVIEW_CORPUS", str(CORPUS))
    monkeypatch.setenv("VALPUB_ANNOTATIONS_URL", store_url)
    monkeypatch.setenv("VALPUB_ANALYST", ANALYST)
    yield AppTest.from_file(str(APP), default_timeout=60)


@pytest.fixture
def run(review_run: Path) -> Run:
    return load_run(review_run)


def show(at: AppTest, view: str, **state: object) -> AppTest:
    at.session_state["vue"] = view
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def labelled_row(run: Run, scheme: str = "public_value") -> int:
    s = run.sentences
    for i in s.index:
        if not s.at[i, "is_heading"] and len(s.at[i, scheme]) > 0:
            return int(i)
    raise AssertionError(f"no sentence with a {scheme} label in the run")


def test_every_view_renders_on_a_real_run(app: AppTest, run: Run) -> None:
    for view in VIEWS:
        show(app, view)
        assert not app.error, (view, [e.value for e in app.error])
    # the sidebar remembers the analyst's name from VALPUB_ANALYST
    assert app.sidebar.text_input(key="analyste").value == ANALYST
    show(app, "Territoire")
    svgs = [m.value for m in app.markdown]
    assert any('class="chart radar"' in v for v in svgs)
    assert sum('class="chart bars"' in v for v in svgs) == len(SCHEMES) - 1
    show(app, "Matrice")
    assert app.get("vega_lite_chart"), "the heatmap is drawn"


def test_matrix_cell_opens_the_sentences_it_counts(app: AppTest, run: Run) -> None:
    prof = run.profiles[(run.profiles["level"] == "territory") & (run.profiles["n_sentences"] > 0)]
    cell = prof.sort_values("n_sentences").iloc[0]
    code, key = cell["territory_code"], f"{cell['scheme']}:{cell['label']}"
    show(app, "Matrice", cell_territory=code, cell_label=key)
    text = " ".join(m.value for m in app.markdown)
    assert f"**{int(cell['n_sentences'])}** phrase(s)" in text
    review_buttons = [b for b in app.button if (b.key or "").startswith("rev-m-")]
    assert len(review_buttons) == min(int(cell["n_sentences"]), EVIDENCE_SHOWN)
    # the button opens the sentence view on that sentence
    review_buttons[0].click().run()
    assert app.session_state["vue"] == "Phrase"
    row = int((review_buttons[0].key or "").rsplit("-", 1)[1])
    assert app.session_state["phrase"] == row
    assert cell["label"] in labels_of(run.sentences.at[row, cell["scheme"]])


def test_every_cell_evidence_matches_the_profile_counts(run: Run) -> None:
    prof = run.profiles[run.profiles["level"] == "territory"]
    for rec in prof.itertuples(index=False):
        evidence = cell_evidence(run, rec.territory_code, rec.scheme, rec.label)
        assert len(evidence) == rec.n_sentences, (rec.territory_code, rec.scheme, rec.label)
        col = f"{rec.scheme}:{rec.label}"
        assert run.matrix.at[rec.territory_code, col] == pytest.approx(rec.per_1000)


def test_reject_writes_one_row_with_analyst_and_time(
    app: AppTest, run: Run, store_url: str
) -> None:
    row = labelled_row(run)
    rec = run.sentences.loc[row]
    predicted = tuple(rec["public_value"])
    label = predicted[0]
    show(app, "Phrase", phrase=row)
    assert app.session_state["phrase"] == row
    before = datetime.now(UTC)
    app.button(key=f"reject-public_value-{label}-{row}").click().run()
    after = datetime.now(UTC)
    assert not app.exception and not app.error

    store = AnnotationStore(store_url)
    rows = store.judgements()
    assert len(rows) == 1
    got = rows.iloc[0]
    assert got["annotator"] == ANALYST
    assert got["action"] == "reject" and got["label"] == label and got["scheme"] == "public_value"
    assert got["labels"] == tuple(x for x in predicted if x != label)
    assert got["source"] == "review"
    assert before <= got["at"].to_pydatetime() <= after
    assert got["text"] == rec["text"] and got["doc_sha256"] == rec["doc_sha256"]
    assert (got["page"], got["start"], got["end"]) == (rec["page"], rec["start"], rec["end"])
    assert got["model_version"] == rec["model_version"] != ""
    assert got["sentence_key"] == rec["key"]

    # the view now shows the label as rejected, with a button to restore it
    assert f"reject-public_value-{label}-{row}" not in [b.key for b in app.button]
    app.button(key=f"add-public_value-{label}-{row}").click().run()
    rows = store.judgements()
    assert rows["action"].tolist() == ["reject", "add"]
    assert rows.iloc[1]["labels"] == predicted
    store.close()


def test_no_decision_without_an_analyst_name(app: AppTest, run: Run, store_url: str) -> None:
    row = labelled_row(run)
    label = run.sentences.at[row, "public_value"][0]
    show(app, "Phrase", phrase=row)
    app.sidebar.text_input(key="analyste").input("  ").run()
    button = app.button(key=f"reject-public_value-{label}-{row}")
    assert button.disabled
    assert any("Indiquez votre nom" in w.value for w in app.warning)
    assert AnnotationStore(store_url).judgements().empty


def test_adding_a_label_of_another_scheme(app: AppTest, run: Run, store_url: str) -> None:
    row = labelled_row(run)
    missing = [
        lab for lab in CODEBOOK_LABELS["obstacle"] if lab not in run.sentences.at[row, "obstacle"]
    ]
    show(app, "Phrase", phrase=row)
    app.selectbox(key=f"addsel-obstacle-{row}").set_value(missing[0]).run()
    app.button(key=f"addbtn-obstacle-{row}").click().run()
    got = AnnotationStore(store_url).judgements().iloc[-1]
    assert (got["scheme"], got["action"], got["label"]) == ("obstacle", "add", missing[0])
    assert missing[0] in got["labels"]


def test_keyword_in_context_ignores_case_and_accents(app: AppTest, run: Run) -> None:
    texts = run.sentences["text"].tolist()
    expected = sum(len(re.findall(r"donn[ée]es", t, flags=re.IGNORECASE)) for t in texts)
    assert expected > 5
    show(app, "Recherche")
    app.text_input(key="kwic_q").input("DONNEES").run()
    table = app.dataframe[0].value
    assert len(table) == expected
    assert set(table["Occurrence"].str.lower()) <= {"données", "donnees"}
    for rec in table.itertuples(index=False):
        assert rec[3] + rec[4] + rec[5] in " ".join(texts)
    # whole words only: "donnee" finds the singular, not "données"
    singular = sum(len(re.findall(r"\bdonn[ée]e\b", t, flags=re.IGNORECASE)) for t in texts)
    found = kwic(run, "donnee", whole_word=True)
    assert len(found) == singular
    assert set(found["match"].str.lower()) <= {"donnée", "donnee"}


def test_fold_maps_positions_back_to_the_original_text() -> None:
    text = "Œuvre COÛTS l’État"
    folded = fold(text)
    assert folded == "oeuvre couts l'etat"
    positions = fold_map(text)
    start = folded.index("etat")
    assert text[positions[start] : positions[start + 3] + 1] == "État"
    assert positions[-1] == len(text)


def test_lexicon_diagnostics_match_a_hand_count(app: AppTest, run: Run, store_url: str) -> None:
    # the most frequent entry, counted straight from the evidence text
    counts: dict[str, int] = {}
    for evidence in run.sentences["evidence"]:
        for entry in re.findall(r'\["([a-z_]+\.[a-z0-9-]+)", ', evidence or ""):
            counts[entry] = counts.get(entry, 0) + 1
    entry = max(sorted(counts), key=lambda e: counts[e])
    matched = [
        (i, scheme, label)
        for i, evidence in run.sentences["evidence"].items()
        for scheme, found in json.loads(evidence or "{}").items()
        for label, hits in found.items()
        if any(h[0] == entry for h in hits)
    ]
    assert len(matched) >= 3
    # two analysts' decisions: keep the label on two sentences, drop it on one
    store = AnnotationStore(store_url)
    for k, (i, scheme, label) in enumerate(matched[:3]):
        rec = run.sentences.loc[i]
        labels = set(labels_of(rec[scheme])) | {label}
        action = "accept" if k < 2 else "reject"
        if action == "reject":
            labels.discard(label)
        store.add(make_judgement(run, i, scheme, label, "add", "Alex", ()))
        store.add(
            Judgement(
                sentence_key=rec["key"],
                text=rec["text"],
                scheme=scheme,
                labels=tuple(labels),
                annotator=ANALYST,
                action=action,
                label=label,
            )
        )
    store.close()

    show(app, "Lexique")
    table = app.dataframe[0].value.set_index("Entrée")
    got = table.loc[entry]
    assert got["Occurrences"] == counts[entry]
    assert got["Phrases"] == len({i for i, _, _ in matched})
    assert (got["Révisées"], got["Confirmées"]) == (3, 2)
    assert got["Précision"] == pytest.approx(2 / 3)
    # an entry of the lexicon files with no hit in the run is listed with zeros
    assert (table["Occurrences"] == 0).any()
    untouched = table[(table["Occurrences"] > 0) & (table["Révisées"] == 0)]
    assert untouched["Précision"].isna().all()


def test_model_card_and_comparison_after_a_retraining(
    app: AppTest, review_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = Registry(review_run / "models")
    current = registry.current()
    assert current is not None
    show(app, "Modèle")
    assert app.metric[0].value == current
    assert any(m.value.startswith(f"# valpub sentence classifier {current}") for m in app.markdown)
    assert not [d for d in app.dataframe if "écart" in d.value.columns]

    # a retraining stores and promotes a new version: the page puts both side by side
    out = tmp_path / "run"
    shutil.copytree(review_run, out)
    registry = Registry(out / "models")
    metrics = registry.metrics(current)
    metrics["summary"]["heldout_macro_f1"] = round(metrics["summary"]["heldout_macro_f1"] + 0.05, 4)
    new = "29990101T000000Z-retrain0"
    registry.save(new, registry.load(current), {**metrics, "version": new}, "# nouveau\n")
    registry.promote(new)
    monkeypatch.setenv("VALPUB_REVIEW_OUT", str(out))
    show(app, "Modèle")
    assert [m.value for m in app.metric][:2] == [new, current]
    comparison = next(d.value for d in app.dataframe if "écart" in d.value.columns)
    assert list(comparison.columns[2:]) == [current, new, "écart"]
    summary = comparison[comparison["mesure"].str.contains("jeu réservé")].iloc[0]
    assert summary["écart"] == pytest.approx(0.05)
    per_scheme = comparison[comparison["grille"] == "public_value"]
    assert len(per_scheme) >= 1


def test_document_view_renders_the_pdf_page(app: AppTest, run: Run) -> None:
    row = labelled_row(run)
    rec = run.sentences.loc[row]
    show(app, "Phrase", phrase=row)
    app.button(key="sent_pdf").click().run()
    assert app.session_state["vue"] == "Page du PDF"
    assert app.session_state["doc"] == rec["doc_sha256"]
    assert app.session_state["doc_page"] == rec["page"]
    assert len(app.get("image")) == 1 and not app.warning
    assert f"docrev-{row}" in [b.key for b in app.button]


def test_the_pdf_page_of_a_corpus_read_by_url(
    app: AppTest, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = labelled_row(run)
    rec = run.sentences.loc[row]
    site_root = tmp_path / "site"
    shutil.copytree(CORPUS, site_root, ignore=shutil.ignore_patterns("training"))
    monkeypatch.setattr(pdfs, "PDF_CACHE", tmp_path / "fetched")
    with static_site(site_root) as site:
        monkeypatch.setenv("VALPUB_REVIEW_CORPUS", site.url + "/")
        show(app, "Page du PDF", doc=rec["doc_sha256"], doc_page=int(rec["page"]))
        assert len(app.get("image")) == 1 and not app.warning
        show(app, "Page du PDF", doc_page=1)  # another page: the copy is reused
        fetched = [r for r in site.requests if r.endswith(".pdf")]
    assert fetched == ["/" + urllib.parse.quote(str(rec["file"]))]
    # a PDF changed since the run is not shown as if it were the one the run read
    path = pdf_path(CORPUS, str(rec["file"]), str(rec["doc_sha256"]))
    assert path is not None
    changed = tmp_path / "changed"
    shutil.copytree(CORPUS, changed, ignore=shutil.ignore_patterns("training"))
    with (changed / str(rec["file"])).open("ab") as fh:
        fh.write(b"\n% edited after the run\n")
    assert pdf_path(changed, str(rec["file"]), str(rec["doc_sha256"])) is None
    monkeypatch.setenv("VALPUB_REVIEW_CORPUS", str(changed))
    show(app, "Page du PDF", doc=rec["doc_sha256"], doc_page=int(rec["page"]))
    assert "modifié depuis le run" in app.warning[0].value and not app.get("image")


def test_neighbours_are_the_surrounding_sentences(run: Run) -> None:
    row = labelled_row(run)
    around = neighbours(run, row)
    doc = run.sentences[run.sentences["doc_sha256"] == run.sentences.at[row, "doc_sha256"]]
    ordered = doc.sort_values(["page", "start"]).index.tolist()
    k = ordered.index(row)
    assert around.index.tolist() == ordered[max(0, k - 2) : k + 3]
    assert around.loc[row, "offset"] == 0


def test_a_missing_run_is_reported_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALPUB_REVIEW_OUT", str(tmp_path))
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert "lancez d'abord `valpub run" in at.error[0].value


def test_review_command_refuses_an_empty_output_folder(tmp_path: Path) -> None:
    cli = typer.Typer()
    cli.callback()(lambda: None)
    register(cli)
    result = CliRunner().invoke(cli, ["review", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "run `valpub run" in result.output
    command = streamlit_command(tmp_path, "127.0.0.1", 8765, "sqlite:///x.db", CORPUS)
    assert command[1:4] == ["-m", "streamlit", "run"]
    flags = dict(zip(command[5::2], command[6::2], strict=False))
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert command[command.index("--") + 1 :][:2] == ["--out", str(tmp_path.resolve())]


def test_labels_round_trip_through_the_store_helpers(run: Run) -> None:
    row = labelled_row(run)
    current = run_labels(run, row)["public_value"]
    judgement = make_judgement(run, row, "public_value", current[0], "reject", "A", current)
    assert current[0] not in judgement.labels
    frame = pd.DataFrame(
        [
            {
                "id": 1,
                "sentence_key": judgement.sentence_key,
                "scheme": "public_value",
                "labels": judgement.labels,
                "annotator": "A",
                "at": pd.Timestamp("2024-01-01", tz="UTC"),
            }
        ]
    )
    assert current_labels(run, row, frame, "A")["public_value"] == judgement.labels
    assert current_labels(run, row, frame, "B")["public_value"] == current


def test_review_command_without_streamlit_says_which_extra_to_install(tmp_path: Path) -> None:
    """After `make run` alone (no review extra) the command says in one line what to do."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['streamlit'] = None\n"  # as in a venv without the extra
        "from flows.commands.app import app\n"
        f"app(['review', '--out', {str(tmp_path)!r}])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: the review app needs Streamlit: .venv/bin/pip install -e '.[review]'"
    ]
