"""The data a model learns from and is measured on, loaded for one training.

:func:`prepare` loads spaCy, the lexicons and every data set: the shipped written
sentences (training and held-out splits), the real-sentence annotations resolved
against the corpus, and the analysts' examples, each with its lexicon matrix. The
analysts' examples come from the annotation store (:func:`open_store`): their judgements
plus, for a scheme they did not judge, the run's labels (:func:`predicted_labels`);
sentences of evaluation-only documents are found with :func:`evaluation_documents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flows.console import say
from flows.defaults import DEFAULT_OUT
from flows.tagging import load_nlp
from nlp.records.errors import NlpError

if TYPE_CHECKING:
    import scipy.sparse as sp
    from spacy.language import Language

    from nlp.annotation.store import AnnotationStore
    from nlp.language.lexicon_match import LexiconMatcher
    from nlp.model.standoff import Resolution
    from nlp.model.training import Example


class StoreUnavailableError(NlpError):
    """The annotation store cannot be opened: a bad URL, a missing driver, a newer schema..."""


@dataclass
class TrainingData:
    """spaCy, the lexicons and the data sets of one training, with their lexicon matrices.

    ``lex`` holds the matrix of each set by name (``train``, ``heldout``, ``real``,
    ``extra``); ``extra`` are the analysts' examples used, and ``extra_report`` counts
    those given, used and left out.
    """

    nlp: Language
    matcher: LexiconMatcher
    train: list[Example]
    heldout: list[Example]
    real: Resolution
    lex: dict[str, sp.csr_matrix] = field(default_factory=dict)
    extra: list[Example] = field(default_factory=list)
    extra_report: dict[str, int] = field(default_factory=dict)


def prepare(
    lexicons: Path,
    train: Path,
    heldout: Path,
    real: Path,
    corpus: Path,
    use_real: bool,
    extra: Sequence[Example] = (),
    outputs: Path = DEFAULT_OUT,
) -> TrainingData:
    """Load spaCy, the lexicons and every data set, and compute their lexicon matrices.

    ``extra`` examples (the analysts' annotations) join the training data only: one
    whose sentence is in the held-out split or among the real annotations is left out
    (so promotion stays comparable), and one whose sentence is in the training file
    replaces that record (the analyst's decision is the newer one). Real annotations
    that are skipped or unresolved are said on stderr.
    """
    from nlp.model.lexicon_features import lexicon_matrix, lexicon_tags
    from nlp.model.standoff import Resolution, load_standoff, resolve_standoff
    from nlp.model.training import load_examples

    nlp, matcher = load_nlp(lexicons)
    data = TrainingData(nlp, matcher, load_examples(train), load_examples(heldout), Resolution())
    if not use_real:
        data.real.skipped_reason = "disabled (--without-real)"
    elif not real.is_file():
        data.real.skipped_reason = f"{real} does not exist yet"
    else:
        records = load_standoff(real)
        data.real = resolve_standoff(
            records,
            corpus,
            pages_dir=outputs / "pages",
            cache_dir=outputs / "cache",
        )
        if data.real.unresolved:
            say(
                f"{len(data.real.unresolved)} real annotation(s) unresolved: "
                + ", ".join(sorted(data.real.unresolved)[:10]),
                err=True,
            )
    if data.real.skipped_reason:
        say(f"real annotations skipped: {data.real.skipped_reason}", err=True)
    if extra:
        _merge_extra(data, extra)
    for name, examples in (
        ("train", data.train),
        ("heldout", data.heldout),
        ("real", data.real.examples),
        ("extra", data.extra),
    ):
        data.lex[name] = lexicon_matrix(lexicon_tags(nlp, matcher, [ex.text for ex in examples]))
    return data


def _merge_extra(data: TrainingData, extra: Sequence[Example]) -> None:
    from nlp.model.training import sentence_hash

    evaluated = {sentence_hash(ex.text) for ex in [*data.heldout, *data.real.examples]}
    kept = [ex for ex in extra if sentence_hash(ex.text) not in evaluated]
    mine = {sentence_hash(ex.text) for ex in kept}
    before = len(data.train)
    data.train = [ex for ex in data.train if sentence_hash(ex.text) not in mine]
    data.extra = kept
    data.extra_report = {
        "given": len(extra),
        "used": len(kept),
        "left_out_evaluated": len(extra) - len(kept),
        "replaced_training": before - len(data.train),
    }


def territories(real: Sequence[Example], corpus: Path) -> list[str]:
    """The territory of each real sentence's document (manifest, else the file prefix)."""
    from nlp.ingest.corpus import read_manifest

    manifest = corpus / "manifest.csv"
    rows = read_manifest(manifest) if manifest.is_file() else {}
    out = []
    for ex in real:
        file = str(ex.provenance.get("file", ""))
        row = rows.get(file) or rows.get(Path(file).name) or {}
        out.append(row.get("territory_name") or row.get("territory") or file.split("__")[0])
    return out


def open_store(url: str | None, out: Path) -> tuple[AnnotationStore, str]:
    """The annotation store at ``url`` (default: the one of ``out``) and its URL to show.

    The URL shown hides the password.

    Raises:
        StoreUnavailableError: the store cannot be opened; the message names it.
    """
    import sqlalchemy as sa

    from flows.settings import settings
    from nlp.annotation.store import AnnotationStore, store_url

    url = url or store_url(out, settings().annotations_url)
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    try:
        return AnnotationStore(url), shown
    except (NlpError, sa.exc.SQLAlchemyError) as exc:
        raise StoreUnavailableError(f"cannot open the annotation store {shown}: {exc}") from exc


def predicted_labels(path: Path) -> dict[str, dict[str, list[str]]]:
    """Final labels of every sentence of a run, by store sentence key (empty without a run)."""
    import pandas as pd

    from nlp.annotation.judgement import sentence_key
    from nlp.records.codebook import SCHEMES

    if not path.is_file():
        return {}
    frame = pd.read_parquet(path)
    out: dict[str, dict[str, list[str]]] = {}
    for row in frame.to_dict("records"):
        key = sentence_key(str(row["text"]), row["doc_sha256"], int(row["page"]), int(row["start"]))
        out[key] = {s: [str(v) for v in row[s]] for s in SCHEMES if s in row}
    return out


def evaluation_documents(out: Path, corpus: Path) -> tuple[set[str], dict[str, str]]:
    """Evaluation-only patterns of ``corpus`` and the file of every known document sha256.

    Files come from the run's ``documents.parquet`` and the corpus ``manifest.csv`` (its
    ``sha256`` column, when it has one).
    """
    import pandas as pd

    from nlp.ingest.evaluation import evaluation_only

    patterns = evaluation_only(corpus)
    files: dict[str, str] = {}
    if not patterns:
        return patterns, files
    manifest = corpus / "manifest.csv"
    if manifest.is_file():
        table = pd.read_csv(manifest, dtype=str)
        if {"sha256", "file"} <= set(table.columns):
            files.update(zip(table["sha256"], table["file"], strict=True))
    documents = out / "documents.parquet"
    if documents.is_file():
        table = pd.read_parquet(documents, columns=["sha256", "file"])
        files.update(zip(table["sha256"].astype(str), table["file"].astype(str), strict=True))
    return patterns, files
