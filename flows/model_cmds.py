"""``valpub train | evaluate | tag-text`` and ``valpub models list | promote | rollback``.

The lead mounts them with :func:`register`. The library does the work
(``nlp.training``, ``nlp.classify``, ``nlp.models``); these commands read options, load
spaCy and the lexicons once, and print summaries.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import subprocess
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    import scipy.sparse as sp
    from spacy.language import Language

    from nlp.classify import SentenceClassifier, TrainConfig
    from nlp.lexicon_match import LexiconMatcher
    from nlp.training import Example, Resolution

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LEXICONS = ROOT / "lexicons"
TRAINING = ROOT / "corpus" / "training"
DEFAULT_TRAIN = TRAINING / "train.jsonl"
DEFAULT_HELDOUT = TRAINING / "heldout.jsonl"
DEFAULT_REAL = TRAINING / "real_annotations.jsonl"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_MODELS = Path("outputs") / "models"
SHIPPED_MODELS = ROOT / "models"
"""The model shipped in the repository (a registry with one version), trained with the
real annotations: what a fresh output folder starts from."""
BATCH = 512

models_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Stored model versions.")

LexiconsOption = Annotated[Path, typer.Option("--lexicons", help="Folder of lexicon YAML files.")]
ModelsOption = Annotated[Path, typer.Option("--models", help="Folder of model versions.")]
TrainOption = Annotated[Path, typer.Option("--train", help="Training sentences (JSONL).")]
HeldoutOption = Annotated[Path, typer.Option("--heldout", help="Held-out sentences (JSONL).")]
RealOption = Annotated[
    Path, typer.Option("--real", help="Standoff annotations of real sentences (JSONL).")
]
CorpusOption = Annotated[
    Path, typer.Option("--corpus", help="Shared corpus the real annotations point into.")
]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _quiet_sklearn() -> None:
    # a label absent from a cross-validation fold is expected on small data
    warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")


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


def _load_nlp(lexicons: Path) -> tuple[Language, LexiconMatcher]:
    from flows.tagging import lemma_memo, one_blas_thread
    from nlp.lexicon import load_lexicons
    from nlp.lexicon_match import LexiconMatcher
    from nlp.segment import load_pipeline

    one_blas_thread()
    loaded = load_lexicons(lexicons)  # before spaCy: a broken file fails at once
    nlp = load_pipeline()
    return nlp, LexiconMatcher(nlp, loaded, lemma_memo())


@dataclass
class _Data:
    nlp: Language
    matcher: LexiconMatcher
    train: list[Example]
    heldout: list[Example]
    real: Resolution
    lex: dict[str, sp.csr_matrix] = field(default_factory=dict)
    extra: list[Example] = field(default_factory=list)
    extra_report: dict[str, int] = field(default_factory=dict)


def _prepare(
    lexicons: Path,
    train: Path,
    heldout: Path,
    real: Path,
    corpus: Path,
    use_real: bool,
    extra: Sequence[Example] = (),
    outputs: Path = Path("outputs"),
) -> _Data:
    """Load spaCy, the lexicons and every data set, and compute their lexicon matrices.

    ``extra`` examples (the analysts' annotations) join the training data only: one
    whose sentence is in the held-out split or among the real annotations is left out
    (so promotion stays comparable), and one whose sentence is in the training file
    replaces that record (the analyst's decision is the newer one).
    """
    from nlp.classify import lexicon_matrix, lexicon_tags
    from nlp.training import Resolution, load_examples, load_standoff, resolve_standoff

    nlp, matcher = _load_nlp(lexicons)
    data = _Data(nlp, matcher, load_examples(train), load_examples(heldout), Resolution())
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
            _err(
                f"{len(data.real.unresolved)} real annotation(s) unresolved: "
                + ", ".join(sorted(data.real.unresolved)[:10])
            )
    if data.real.skipped_reason:
        _err(f"real annotations skipped: {data.real.skipped_reason}")
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


def _merge_extra(data: _Data, extra: Sequence[Example]) -> None:
    from nlp.training import sentence_hash

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


def _summary(block: dict[str, Any] | None) -> float | None:
    if not block:
        return None
    values = [v["combined"]["macro_f1"] for v in block.values() if v["combined"]["macro_f1"]]
    return round(sum(values) / len(values), 4) if values else None


def _territories(real: Sequence[Example], corpus: Path) -> list[str]:
    """The territory of each real sentence's document (manifest, else the file prefix)."""
    from nlp.corpus import read_manifest

    manifest = corpus / "manifest.csv"
    rows = read_manifest(manifest) if manifest.is_file() else {}
    out = []
    for ex in real:
        file = str(ex.provenance.get("file", ""))
        row = rows.get(file) or rows.get(Path(file).name) or {}
        out.append(row.get("territory_name") or row.get("territory") or file.split("__")[0])
    return out


def _train_and_measure(
    data: _Data, config: TrainConfig, with_real: bool, corpus: Path = DEFAULT_CORPUS
) -> tuple[SentenceClassifier, dict[str, Any]]:
    """Train; with enough real sentences, fit and measure decisions on them.

    Written sentences (train, held-out and analysts') are then training data only, and
    the figures are document-grouped and cross-fitted (``nlp.fitting``).
    """
    import scipy.sparse as sp

    from nlp.classify import evaluate, train
    from nlp.fitting import MIN_REAL_DOCUMENTS, document_of, train_for_real

    real = data.real.examples
    documents = {document_of(ex) for ex in real}
    if with_real and len(documents) >= MIN_REAL_DOCUMENTS:
        written = data.train + data.heldout + data.extra
        lex_w = sp.vstack([data.lex["train"], data.lex["heldout"], data.lex["extra"]], format="csr")
        fitted = train_for_real(
            written, real, lex_w, data.lex["real"], config, _territories(real, corpus)
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


def _agreement(path: Path) -> dict[str, Any]:
    """Cohen's kappa per label between the two independent readings of ``path``."""
    import numpy as np

    from nlp.codebook import CODEBOOK_LABELS
    from nlp.evaluation import cohen_kappa
    from nlp.training import read_jsonl

    if not path.is_file():
        return {}
    rows = list(read_jsonl(path))
    kappa: dict[str, dict[str, Any]] = {}
    for scheme, labels in CODEBOOK_LABELS.items():
        kappa[scheme] = {}
        for label in labels:
            a = np.array([label in r["first"][scheme] for r in rows])
            b = np.array([label in r["second"][scheme] for r in rows])
            kappa[scheme][label] = {
                "kappa": cohen_kappa(a, b),
                "positives": [int(a.sum()), int(b.sum())],
            }
    return {"sentences": len(rows), "kappa": kappa}


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
    for path in sorted((ROOT / "nlp").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train_cmd(
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    models: ModelsOption = DEFAULT_MODELS,
    train_file: TrainOption = DEFAULT_TRAIN,
    heldout: HeldoutOption = DEFAULT_HELDOUT,
    real: RealOption = DEFAULT_REAL,
    corpus: CorpusOption = DEFAULT_CORPUS,
    c: Annotated[float, typer.Option(help="Inverse regularisation of the models.")] = 4.0,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    with_real: Annotated[
        bool, typer.Option("--with-real/--without-real", help="Train on real annotations too.")
    ] = True,
    promote: Annotated[
        bool, typer.Option("--promote/--no-promote", help="Promote when not worse.")
    ] = True,
    force: Annotated[bool, typer.Option(help="Promote even when worse.")] = False,
    ship: Annotated[
        bool,
        typer.Option(
            help="Also make it the model shipped in the repository (models/), "
            "the default of every fresh output folder."
        ),
    ] = False,
) -> None:
    """Train the classifier, measure it, store a new version and promote it if not worse.

    Example: valpub train --models outputs/models --ship
    """
    from nlp.models import Registry

    version = train_model(
        lexicons, models, train_file, heldout, real, corpus, c, folds, with_real, promote, force
    )
    if ship:
        Registry(SHIPPED_MODELS).ship(Registry(models), version)
        typer.echo(f"shipped {version} in {SHIPPED_MODELS}")


def train_model(
    lexicons: Path,
    models: Path,
    train_file: Path,
    heldout: Path,
    real: Path,
    corpus: Path,
    c: float = 4.0,
    folds: int = 5,
    with_real: bool = True,
    promote: bool = True,
    force: bool = False,
    *,
    extra: Sequence[Example] = (),
    extra_source: str | None = None,
    outputs: Path = Path("outputs"),
) -> str:
    """What ``valpub train`` does; ``extra`` examples (analysts') join the training data.

    ``extra_source`` (e.g. the annotation store's URL) is recorded in the metrics with
    the counts of analysts' examples used and left out; ``outputs`` is where the pages
    and the cache of resolved real sentences are read and written. Returns the stored
    version; raises ``typer.Exit(1)`` when it is not promoted (worse, without force).
    """
    from nlp.classify import TrainConfig
    from nlp.lexicon import load_lexicons
    from nlp.models import ModelError, Registry, model_card
    from nlp.training import data_fingerprint

    _quiet_sklearn()
    started = time.perf_counter()
    data = _prepare(lexicons, train_file, heldout, real, corpus, with_real, extra, outputs)
    config = TrainConfig(c=c, folds=folds)
    clf, metrics = _train_and_measure(data, config, with_real, corpus)
    paths = [train_file, heldout, real]
    registry = Registry(models)
    version = registry.new_version(_fingerprint(paths, data.extra))
    summary = {
        "heldout_macro_f1": _summary(metrics["heldout"]),
        "real_macro_f1": _summary(metrics.get("real_cv") or metrics.get("real")),
        "real_micro_f1": {
            scheme: block["combined"]["micro_f1"]
            for scheme, block in (metrics.get("real_cv") or metrics.get("real") or {}).items()
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
            "training": {"c": c, "folds": folds, "with_real": with_real},
            "real_annotations": {
                "resolved": len(data.real.examples),
                "unresolved": len(data.real.unresolved),
                "unresolved_ids": sorted(data.real.unresolved),
                "skipped": data.real.skipped_reason,
                "samples": _sample_counts(data.real.examples),
            },
            "agreement": _agreement(real.with_name("agreement.jsonl")),
            "comparison": _comparison(),
            "summary": summary,
        }
    )
    if extra_source is not None:
        counts = {"given": 0, "used": 0, "left_out_evaluated": 0, "replaced_training": 0}
        counts.update(data.extra_report)
        metrics["annotations"] = {"source": extra_source, **counts}
        typer.echo(
            f"analysts' examples in the training data: {counts['used']} (left out as in a "
            f"held-out set: {counts['left_out_evaluated']}; replacing a training record: "
            f"{counts['replaced_training']})"
        )
    bundle = clf.to_bundle()
    bundle["meta"] = {**bundle["meta"], "version": version}
    folder = registry.save(version, bundle, metrics, model_card(metrics))
    seconds = time.perf_counter() - started
    typer.echo(f"stored {folder} in {seconds:.1f} s")
    for scheme, block in (metrics.get("real_cv") or {}).items():
        micro = block["bootstrap"]["micro"]
        natural = block.get("natural", {}).get("micro", {})
        typer.echo(
            f"  {scheme:13s} real sentences, document-grouped CV: micro-F1 {micro['f1']} "
            f"{micro['f1_ci']} P {micro['precision']} R {micro['recall']}; "
            f"natural-rate precision {natural.get('precision')} (rule {metrics['rules'][scheme]})"
        )
    for scheme, block in metrics["heldout"].items():
        typer.echo(
            f"  {scheme:13s} held-out macro-F1 lexicon {block['lexicon']['macro_f1']} "
            f"classifier {block['classifier']['macro_f1']} combined "
            f"{block['combined']['macro_f1']} (rule {block['rule']})"
        )
    if promote:
        try:
            why = registry.promote(version, force=force)
        except ModelError as exc:
            _err(f"not promoted: {exc}")
            raise typer.Exit(1) from exc
        typer.echo(f"promoted {version} ({why})")
    return version


def evaluate_cmd(
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    train_file: TrainOption = DEFAULT_TRAIN,
    heldout: HeldoutOption = DEFAULT_HELDOUT,
    real: RealOption = DEFAULT_REAL,
    corpus: CorpusOption = DEFAULT_CORPUS,
    c: Annotated[float, typer.Option(help="Inverse regularisation of the models.")] = 4.0,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    out: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
    card: Annotated[Path | None, typer.Option(help="Write a Markdown report here.")] = None,
) -> None:
    """Compare lexicon, classifier and combined, trained with and without real annotations.

    Nothing is stored in the registry: this is the experiment behind the model card.

    Example: valpub evaluate --out outputs/evaluation.json --card outputs/evaluation.md
    """
    from nlp.classify import TrainConfig
    from nlp.models import model_card

    _quiet_sklearn()
    data = _prepare(lexicons, train_file, heldout, real, corpus, True)
    config = TrainConfig(c=c, folds=folds)
    report: dict[str, Any] = {
        "real_annotations": {
            "resolved": len(data.real.examples),
            "unresolved": len(data.real.unresolved),
            "skipped": data.real.skipped_reason,
        }
    }
    _clf, without = _train_and_measure(data, config, with_real=False)
    report["without_real"] = without
    if data.real.examples:
        _clf, with_ = _train_and_measure(data, config, with_real=True)
        report["with_real"] = with_
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    if card:
        parts = []
        for key, block in report.items():
            if key.startswith("with"):
                parts.append(
                    model_card(
                        {
                            **block,
                            "version": key,
                            "created": datetime.now(UTC).isoformat(timespec="seconds"),
                            "real_annotations": report["real_annotations"],
                            "summary": {},
                        }
                    )
                )
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_text("\n\n".join(parts), encoding="utf-8")
    for key in ("without_real", "with_real"):
        if key not in report:
            continue
        for set_name in ("heldout", "real", "real_cv"):
            block = report[key].get(set_name)
            if not block:
                continue
            for scheme, fig in block.items():
                typer.echo(
                    f"{key:12s} {set_name:8s} {scheme:13s} lexicon "
                    f"{fig['lexicon']['macro_f1']} classifier {fig['classifier']['macro_f1']} "
                    f"combined {fig['combined']['macro_f1']} "
                    f"({fig.get('rule') or report[key]['rules'][scheme]})"
                )
    if not out:
        typer.echo(text)


# --------------------------------------------------------------------------- tag-text


#: Longest text tag-text accepts: a sentence or a paragraph, not a whole document.
MAX_TEXT = 100_000


def _read_lines(handle: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    """Non-blank lines with their numbers; ``None`` for a line that is not UTF-8."""
    for number, raw in enumerate(handle, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None
            continue
        if line.strip():
            yield number, line


def _parse(number: int, line: str | None) -> tuple[Any, str] | str:
    """``(id, text)`` or an error message naming the line."""
    if line is None:
        return f"line {number}: not UTF-8 text"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"line {number}: invalid JSON ({exc.msg})"
    if not isinstance(obj, dict) or "id" not in obj:
        return f"line {number}: expected an object with 'id' and 'text'"
    text = obj.get("text")
    if not isinstance(text, str):
        return f"line {number}: 'text' must be a string"
    if len(text) > MAX_TEXT:
        return (
            f"line {number}: text of {len(text):,} characters "
            f"(at most {MAX_TEXT:,}: a sentence, not a document)"
        )
    return obj["id"], text


#: Distinct texts whose tag-text results a :class:`Tagger` keeps (about 1 kB each).
SEEN_TEXTS = 50_000


def adopt_shipped(models: Path) -> str | None:
    """The current version of ``models``, adopting the shipped model when it has none."""
    from nlp.models import Registry

    registry = Registry(models)
    if registry.current() is None:
        adopted = registry.adopt(Registry(SHIPPED_MODELS))
        if adopted is not None:
            _err(f"using the shipped model {adopted} (trained with real annotations)")
    return registry.current()


class Tagger:
    """spaCy, lexicons and the current model, loaded once, tagging batches of texts."""

    def __init__(self, lexicons: Path, models: Path, version: str | None = None) -> None:
        """Load everything; without a model, tag with the lexicons only (said on stderr)."""
        from nlp.classify import SentenceClassifier
        from nlp.models import ModelError, Registry

        self.nlp, self.matcher = _load_nlp(lexicons)
        self._seen: OrderedDict[str, str] = OrderedDict()
        if version is None:
            adopt_shipped(models)
        registry = Registry(models)
        self.classifier: SentenceClassifier | None = None
        try:
            self.classifier = SentenceClassifier(registry.load(version))
        except ModelError as exc:
            if version is not None:
                raise
            _err(f"no trained model ({exc}): tagging with the lexicons only")

    def tag(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """Labels, scores, sources and evidence for each text."""
        from nlp.classify import lexicon_only_predictions, lexicon_tags

        tags = lexicon_tags(self.nlp, self.matcher, texts, batch_size=BATCH)
        if self.classifier is None:
            preds = lexicon_only_predictions(texts, tags)
        else:
            preds = self.classifier.predict(texts, tags)
        return [
            {
                "labels": p.labels,
                "scores": p.scores,
                "sources": p.sources,
                "evidence": p.evidence,
            }
            for p in preds
        ]

    def forget(self) -> None:
        """Drop the kept results (:meth:`tag_lines`): the next texts are all tagged anew."""
        self._seen.clear()

    def tag_lines(self, batch: Sequence[tuple[Any, str]]) -> list[str]:
        """``valpub tag-text``'s output line (JSON, newline-ended) for each ``(id, text)``.

        A text is tagged once however often it occurs: real documents repeat a third of
        their sentences (headers, formulas of council minutes). The results of the last
        :data:`SEEN_TEXTS` distinct texts are kept for later batches; a text's result
        does not depend on the others, so the output is the same as without.
        """
        todo = list(dict.fromkeys(t for _id, t in batch if t not in self._seen))
        for text, result in zip(todo, self.tag(todo), strict=True):
            # the object's members without its braces: the line adds "id" in front
            self._seen[text] = json.dumps(result, ensure_ascii=False)[1:-1]
        lines = []
        for ident, text in batch:
            self._seen.move_to_end(text)
            lines.append(f'{{"id": {json.dumps(ident, ensure_ascii=False)}, {self._seen[text]}}}\n')
        while len(self._seen) > SEEN_TEXTS:
            self._seen.popitem(last=False)
        return lines


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


#: The tagger that forked tag-text workers inherit (set in the parent just before forking).
_FORKED_TAGGER: Tagger | None = None


def _tag_in_worker(batch: list[tuple[Any, str]]) -> list[str]:
    assert _FORKED_TAGGER is not None
    return _FORKED_TAGGER.tag_lines(batch)


def tag_batches(
    tagger: Tagger, batches: Iterator[list[tuple[Any, str]]], workers: int
) -> Iterator[tuple[list[tuple[Any, str]], list[str]]]:
    """Each batch of ``(id, text)`` with its output lines (:meth:`Tagger.tag_lines`), in order.

    The lines are made where the tagging runs, so the parent process only writes them.

    With ``workers`` > 1 and more than one batch, batches are tagged in that many forked
    processes, which share the loaded spaCy pipeline, lexicons and model (copy on
    write): spaCy's lemmas are CPU-bound, so processes are what scale. At most two
    batches per worker are in flight, so memory does not grow with the input.
    """
    global _FORKED_TAGGER
    first = next(batches, None)
    second = next(batches, None)
    if first is None:
        return
    if workers <= 1 or second is None:
        for batch in itertools.chain((b for b in (first, second) if b is not None), batches):
            yield batch, tagger.tag_lines(batch)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    _FORKED_TAGGER = tagger
    pending: deque[tuple[list[tuple[Any, str]], Future[list[str]]]] = deque()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for batch in itertools.chain((first, second), batches):
                pending.append((batch, pool.submit(_tag_in_worker, batch)))
                if len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
    finally:
        _FORKED_TAGGER = None


def tag_text_cmd(
    in_: Annotated[str, typer.Option("--in", help="JSONL input file, or - for stdin.")] = "-",
    out: Annotated[str, typer.Option("--out", help="JSONL output file, or - for stdout.")] = "-",
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    models: ModelsOption = DEFAULT_MODELS,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: the current one).")
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes tagging batches in parallel (0: one per core).")
    ] = 0,
) -> None:
    """Tag sentences: JSONL {"id","text"} in, labels, scores and evidence out, same order.

    A malformed line is reported on stderr with its line number and skipped; the exit
    code is then 1.

    Example: valpub tag-text --in sentences.jsonl --out tagged.jsonl
    """
    from nlp.errors import NlpError
    from nlp.store import atomic_open

    _quiet_sklearn()
    # the files first: a wrong path should not wait for the models to load
    try:
        source = sys.stdin.buffer if in_ == "-" else open(in_, "rb")  # noqa: SIM115
    except OSError as exc:
        _fail(f"cannot read {in_}: {exc.strerror}")
    if out != "-" and not Path(out).resolve().parent.is_dir():
        _fail(f"cannot write {out}: its folder does not exist")
    try:
        tagger = Tagger(lexicons, models, version)
    except NlpError as exc:  # a model that does not load, a broken lexicon file
        _fail(str(exc))
    errors = 0

    def batches() -> Iterator[list[tuple[Any, str]]]:
        nonlocal errors
        batch: list[tuple[Any, str]] = []
        for number, line in _read_lines(source):
            parsed = _parse(number, line)
            if isinstance(parsed, str):
                _err(f"error: {parsed}")
                errors += 1
                continue
            batch.append(parsed)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    # written whole or not at all: a failure leaves no half-written output file
    target = contextlib.nullcontext(sys.stdout) if out == "-" else atomic_open(Path(out))
    try:
        with target as sink:
            for _batch, lines in tag_batches(tagger, batches(), workers or _cores()):
                sink.writelines(lines)
            sink.flush()
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror or exc} (nothing was written)")
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    if errors:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- models


@models_app.command("list")
def models_list(models: ModelsOption = DEFAULT_MODELS) -> None:
    """List stored versions with their held-out figures; * marks the current one.

    Example: valpub models list
    """
    from nlp.models import Registry

    infos = Registry(models).list_versions()
    if not infos:
        typer.echo(f"no model in {models}")
    for info in infos:
        mark = "*" if info.current else " "
        typer.echo(
            f"{mark} {info.version}  held-out {info.summary.get('heldout_macro_f1')}  "
            f"real {info.summary.get('real_macro_f1')}"
        )


@models_app.command("promote")
def models_promote(
    version: Annotated[str, typer.Argument(help="Version to make current.")],
    models: ModelsOption = DEFAULT_MODELS,
    force: Annotated[bool, typer.Option(help="Promote even when worse.")] = False,
) -> None:
    """Make a version current if it is not worse than the current one (or --force).

    Example: valpub models promote 20261122T101500Z-1a2b3c4d
    """
    from nlp.models import ModelError, Registry

    try:
        why = Registry(models).promote(version, force=force)
    except ModelError as exc:
        _fail(str(exc))
    typer.echo(f"promoted {version} ({why})")


@models_app.command("rollback")
def models_rollback(models: ModelsOption = DEFAULT_MODELS) -> None:
    """Go back to the version promoted before the current one.

    Example: valpub models rollback
    """
    from nlp.models import ModelError, Registry

    try:
        version = Registry(models).rollback()
    except ModelError as exc:
        _fail(str(exc))
    typer.echo(f"current model is now {version}")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``evaluate``, ``tag-text`` and the ``models`` sub-app to ``app``."""
    app.command("train")(train_cmd)
    app.command("evaluate")(evaluate_cmd)
    app.command("tag-text")(tag_text_cmd)
    app.add_typer(models_app, name="models")


def main() -> None:
    """Run these commands on their own (``python -m flows.model_cmds``)."""
    app = typer.Typer(no_args_is_help=True, add_completion=False)
    register(app)
    app()


if __name__ == "__main__":
    main()
