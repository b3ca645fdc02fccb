"""Training the classifier, as plain functions: what ``valpub train`` and ``retrain`` run.

:func:`train_model` trains on the shipped sentences and, optionally, the real-sentence
annotations (:mod:`flows.training_data`), measures the model (:mod:`nlp.model.classify`,
:mod:`nlp.model.fitting`), stores it in the registry with its metrics and model card, and
promotes it when it is not worse than the current one. :func:`analysts_examples` reads
the analysts' judgements of the annotation store, for ``retrain`` to give them to
:func:`train_model` as extra training data; the weekly deployment and the pipeline's
first run call these functions too, never the commands.
:func:`evaluate` is the experiment behind the model card, with nothing stored. Progress
is said on the terminal; failures are raised as :class:`nlp.records.errors.NlpError` (a version
not promoted as :class:`NotPromotedError`), for the caller to report.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.console import say
from flows.defaults import (
    DEFAULT_HELDOUT,
    DEFAULT_LEXICONS,
    DEFAULT_MODELS,
    DEFAULT_REAL,
    DEFAULT_TRAIN,
    ROOT,
    SHARED_CORPUS,
    SHIPPED_MODELS,
)
from flows.tagging import quiet_sklearn
from flows.training_data import (
    TrainingData,
    evaluation_documents,
    open_store,
    predicted_labels,
    prepare,
    territories,
)
from nlp.records.errors import NlpError

if TYPE_CHECKING:
    from nlp.model.classify import SentenceClassifier
    from nlp.model.learning import TrainConfig
    from nlp.model.training import Example


class NotPromotedError(NlpError):
    """A new version was stored but not promoted: it is worse than the current one.

    The message is the registry's reason; ``version`` is the version left aside.
    """

    def __init__(self, version: str, reason: str) -> None:
        self.version = version
        super().__init__(reason)


@dataclass(frozen=True)
class TrainingInputs:
    """What a training learns from and is measured on, and how it fits the models.

    ``train_file`` and ``heldout`` are the shipped sentences (JSONL), ``real`` the standoff
    annotations of real sentences, which point into ``corpus``; ``c`` is the inverse
    regularisation of the models and ``folds`` the number of cross-validation folds.
    :func:`train_model` and :func:`flows.evaluation.evaluate` take them, and so do the
    commands that run those as one group of options.
    """

    train_file: Path = DEFAULT_TRAIN
    heldout: Path = DEFAULT_HELDOUT
    real: Path = DEFAULT_REAL
    corpus: Path = SHARED_CORPUS
    c: float = 4.0
    folds: int = 5


def code_version() -> str:
    """The git commit of the code (with ``+dirty`` when files changed), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "nlp", "flows"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _summary(block: dict[str, Any] | None) -> float | None:
    if not block:
        return None
    values = [v["combined"]["macro_f1"] for v in block.values() if v["combined"]["macro_f1"]]
    return round(sum(values) / len(values), 4) if values else None


def train_and_measure(
    data: TrainingData, config: TrainConfig, with_real: bool, corpus: Path = SHARED_CORPUS
) -> tuple[SentenceClassifier, dict[str, Any]]:
    """Train; with enough real sentences, fit and measure decisions on them.

    Written sentences (train, held-out and analysts') are then training data only, and
    the figures are document-grouped and cross-fitted (``nlp.model.fitting``).
    """
    import scipy.sparse as sp

    from nlp.model.fitting import MIN_REAL_DOCUMENTS, document_of, train_for_real
    from nlp.model.learning import evaluate, train

    real = data.real.examples
    documents = {document_of(ex) for ex in real}
    if with_real and len(documents) >= MIN_REAL_DOCUMENTS:
        written = data.train + data.heldout + data.extra
        lex_w = sp.vstack([data.lex["train"], data.lex["heldout"], data.lex["extra"]], format="csr")
        fitted = train_for_real(
            written, real, lex_w, data.lex["real"], config, territories(real, corpus)
        )
        return fitted.classifier, {
            "rules": fitted.rules,
            "rule_micro_f1": fitted.rule_scores,
            "thresholds": fitted.thresholds,
            "real_cv": fitted.figures,
            "quality": fitted.quality,
            "heldout": {},
            "fitting": "real",
        }
    examples = data.train + data.extra
    parts = [data.lex["train"]]
    if data.extra:
        parts.append(data.lex["extra"])
    lex = sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
    clf, report = train(examples, lex, config)
    metrics: dict[str, Any] = {
        "rules": report.rules,
        "rule_macro_f1": report.rule_macro_f1,
        "thresholds": report.thresholds,
        "cv": report.cv,
        "heldout": evaluate(clf, data.heldout, data.lex["heldout"]),
        "train_seconds": report.seconds,
        "fitting": "written",
    }
    if real:
        metrics["real"] = evaluate(clf, real, data.lex["real"])
    return clf, metrics


def _sample_counts(real: Sequence[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ex in real:
        key = str(ex.provenance.get("sample", "targeted"))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _agreement(*paths: Path) -> dict[str, Any]:
    """Cohen's kappa per label between two independent readings of the same sentences.

    Each file holds rows with a ``first`` and a ``second`` reading; a row may read only
    some schemes (the full second reading of the real sentences covers the two core
    schemes), so each scheme is measured on the rows that read it twice.
    """
    import numpy as np

    from nlp.model.evaluation import cohen_kappa
    from nlp.model.training import read_jsonl
    from nlp.records.codebook import CODEBOOK_LABELS

    rows = [row for path in paths if path.is_file() for row in read_jsonl(path)]
    if not rows:
        return {}
    kappa: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for scheme, labels in CODEBOOK_LABELS.items():
        read = [r for r in rows if scheme in r["first"] and scheme in r["second"]]
        counts[scheme] = len(read)
        kappa[scheme] = {}
        for label in labels:
            a = np.array([label in r["first"][scheme] for r in read])
            b = np.array([label in r["second"][scheme] for r in read])
            kappa[scheme][label] = {
                "kappa": cohen_kappa(a, b),
                "positives": [int(a.sum()), int(b.sum())],
            }
    return {"sentences": max(counts.values()), "sentences_per_scheme": counts, "kappa": kappa}


def _comparison() -> dict[str, Any]:
    """The representation comparison of ``benchmarks/label_bench.py``, when recorded."""
    path = ROOT / "benchmarks" / "label_bench.json"
    if not path.is_file():
        return {}
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def _fingerprint(paths: Sequence[Path], extra: Sequence[Example] = ()) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.read_bytes())
    for ex in extra:
        digest.update(json.dumps([ex.id, ex.text, ex.labels], sort_keys=True).encode("utf-8"))
    for path in sorted((ROOT / "nlp").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train_model(
    lexicons: Path = DEFAULT_LEXICONS,
    models: Path = DEFAULT_MODELS,
    inputs: TrainingInputs = TrainingInputs(),
    with_real: bool = True,
    promote: bool = True,
    force: bool = False,
    *,
    extra: Sequence[Example] = (),
    extra_source: str | None = None,
    outputs: Path = Path("outputs"),
) -> str:
    """Train, measure and store a new version; promote it when not worse (or ``force``).

    ``inputs`` are the data files and the fitting settings (:class:`TrainingInputs`);
    ``extra`` examples (analysts') join the training data. ``extra_source`` (e.g. the
    annotation store's URL) is recorded in the metrics with the counts of analysts'
    examples used and left out; ``outputs`` is where the pages and the cache of
    resolved real sentences are read and written. Returns the stored version.

    Raises:
        NotPromotedError: the version is stored but worse than the current one.
        nlp.records.errors.NlpError: a broken lexicon file, an unusable registry...
    """
    from nlp.language.lexicon import load_lexicons
    from nlp.model.card import model_card
    from nlp.model.learning import TrainConfig
    from nlp.model.registry import ModelError, Registry
    from nlp.model.training import data_fingerprint

    quiet_sklearn()
    started = time.perf_counter()
    data = prepare(
        lexicons,
        inputs.train_file,
        inputs.heldout,
        inputs.real,
        inputs.corpus,
        with_real,
        extra,
        outputs,
    )
    config = TrainConfig(c=inputs.c, folds=inputs.folds)
    clf, metrics = train_and_measure(data, config, with_real, inputs.corpus)
    paths = [inputs.train_file, inputs.heldout, inputs.real]
    registry = Registry(models)
    version = registry.new_version(_fingerprint(paths, data.extra))
    real_block = metrics.get("real_cv") or metrics.get("real")
    summary = {
        "heldout_macro_f1": _summary(metrics["heldout"]),
        "real_macro_f1": _summary(real_block),
        "real_micro_f1": {
            scheme: block["combined"]["micro_f1"] for scheme, block in (real_block or {}).items()
        },
        "fitting": metrics.get("fitting"),
        "train_size": len(data.train)
        + len(data.extra)
        + (len(data.real.examples) if with_real else 0),
    }
    metrics.update(
        {
            "version": version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "code_version": code_version(),
            "lexicon_versions": {lx.scheme: lx.version for lx in load_lexicons(lexicons)},
            "data": data_fingerprint(paths),
            "training": {"c": inputs.c, "folds": inputs.folds, "with_real": with_real},
            "real_annotations": {
                "resolved": len(data.real.examples),
                "unresolved": len(data.real.unresolved),
                "unresolved_ids": sorted(data.real.unresolved),
                "skipped": data.real.skipped_reason,
                "samples": _sample_counts(data.real.examples),
            },
            "agreement": _agreement(
                inputs.real.with_name("agreement.jsonl"),
                inputs.real.with_name("core_readings.jsonl"),
            ),
            "comparison": _comparison(),
            "summary": summary,
        }
    )
    if extra_source is not None:
        counts = {"given": 0, "used": 0, "left_out_evaluated": 0, "replaced_training": 0}
        counts.update(data.extra_report)
        metrics["annotations"] = {"source": extra_source, **counts}
        say(
            f"analysts' examples in the training data: {counts['used']} (left out as in a "
            f"held-out set: {counts['left_out_evaluated']}; replacing a training record: "
            f"{counts['replaced_training']})"
        )
    bundle = clf.to_bundle()
    bundle["meta"] = {**bundle["meta"], "version": version}
    folder = registry.save(version, bundle, metrics, model_card(metrics))
    say(f"stored {folder} in {time.perf_counter() - started:.1f} s")
    _say_figures(metrics)
    if promote:
        try:
            why = registry.promote(version, force=force)
        except ModelError as exc:
            raise NotPromotedError(version, str(exc)) from exc
        say(f"promoted {version} ({why})")
    return version


def _say_figures(metrics: dict[str, Any]) -> None:
    """One line per scheme: real-sentence figures (when fitted on them), held-out ones."""
    for scheme, block in (metrics.get("real_cv") or {}).items():
        micro = block["bootstrap"]["micro"]
        natural = block.get("natural", {}).get("micro", {})
        say(
            f"  {scheme:13s} real sentences, document-grouped CV: micro-F1 {micro['f1']} "
            f"{micro['f1_ci']} P {micro['precision']} R {micro['recall']}; "
            f"natural-rate precision {natural.get('precision')} (rule {metrics['rules'][scheme]})"
        )
    for scheme, block in metrics["heldout"].items():
        say(
            f"  {scheme:13s} held-out macro-F1 lexicon {block['lexicon']['macro_f1']} "
            f"classifier {block['classifier']['macro_f1']} combined "
            f"{block['combined']['macro_f1']} (rule {block['rule']})"
        )


def ship_model(models: Path, version: str) -> None:
    """Make ``version`` of ``models`` the model shipped in the repository (``models/``)."""
    from nlp.model.registry import Registry

    Registry(SHIPPED_MODELS).ship(Registry(models), version)
    say(f"shipped {version} in {SHIPPED_MODELS}")


def analysts_examples(
    out: Path, store: str | None, corpus: Path = SHARED_CORPUS
) -> tuple[list[Example], str]:
    """The analysts' annotations of ``store`` as training examples, and the store's address.

    What retraining adds to :func:`train_model`'s data (``extra``, ``extra_source``):
    the judgements join the training data only, never the held-out sets. ``store``
    defaults to the annotation store of ``out``. A scheme an analyst did not judge keeps
    the run's labels (``out/sentences.parquet``); sentences with conflicting judgements,
    and sentences of documents the README of ``corpus`` lists as evaluation-only, are
    left out, and the counts are said.

    Raises:
        flows.training_data.StoreUnavailableError: the store cannot be opened.
    """
    from nlp.ingest.evaluation import is_evaluation_only

    annotations, shown = open_store(store, out)
    try:
        predicted = predicted_labels(out / "sentences.parquet")
        examples = annotations.training_examples(predicted)
        latest = annotations.latest()
        reviewed = latest["sentence_key"].nunique() if not latest.empty else 0
        conflicts = annotations.conflicts()
    finally:
        annotations.close()
    if not predicted:
        say(
            f"warning: no {out / 'sentences.parquet'}: only sentences judged on every scheme "
            "can be used",
            err=True,
        )
    conflicted = conflicts["sentence_key"].nunique() if len(conflicts) else 0
    say(
        f"analysts' annotations in {shown}: {reviewed} sentences reviewed, {len(examples)} "
        f"usable; left out: {conflicted} with conflicting judgements, "
        f"{reviewed - len(examples) - conflicted} with an unjudged scheme and no prediction"
    )
    patterns, files = evaluation_documents(out, corpus)
    if patterns:
        kept = [
            ex
            for ex in examples
            if not is_evaluation_only(files.get(str(ex.provenance.get("doc_sha256")), ""), patterns)
        ]
        if len(kept) < len(examples):
            say(
                f"left out {len(examples) - len(kept)} annotated sentence(s) of evaluation-only "
                f"documents ({corpus / 'README.md'})"
            )
        examples = kept
    return examples, shown
