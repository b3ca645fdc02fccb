"""``valpub annotate export | import`` and ``valpub retrain``: the annotation loop.

1. ``annotate export`` runs the pipeline (cached work is reused), picks the sentences most
   worth an analyst's time (``nlp.annotation.active``: uncertain for the current model, diverse,
   spread over documents, never evaluation-only documents) and writes them as Label
   Studio tasks, its labeling config and a CSV sheet.
2. ``annotate import`` reads what analysts return (Label Studio JSON exports, CSV sheets)
   into the annotation store (``nlp.annotation.store``), then reports conflicts between
   annotators and Cohen's kappa per label.
3. ``retrain`` trains on the shipped sentences, the real-sentence annotations and the
   store's judgements, and promotes the new model only when it is not worse on the
   held-out sets (or with ``--force``): :func:`flows.train.analysts_examples` and
   :func:`flows.train.train_model` do the work.

:func:`register` adds them to `valpub`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.commands.model import (
    DEFAULT_INPUTS,
    ForceOption,
    LexiconsOption,
    PromoteOption,
    RealOption,
    TrainingOptions,
    WithRealOption,
    exit_not_promoted,
)
from flows.commands.options import run_alone, with_option_groups
from flows.console import fail, setup_logging
from flows.defaults import DEFAULT_LEXICONS, DEFAULT_OUT, DEFAULT_REAL
from flows.train import NotPromotedError, analysts_examples, train_model
from flows.training_data import StoreUnavailableError, open_store

if TYPE_CHECKING:
    import pandas as pd

    from nlp.annotation.store import AnnotationStore

annotate_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Pick sentences for analysts to label; import their labels into the store.",
)

OutOption = Annotated[Path, typer.Option("--out", help="Output folder of the run.")]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="SQLAlchemy URL of the annotation store (default: sqlite OUT/annotations.db, "
        "or $VALPUB_ANNOTATIONS_URL).",
    ),
]


def _open_store(url: str | None, out: Path) -> tuple[AnnotationStore, str]:
    try:
        return open_store(url, out)
    except StoreUnavailableError as exc:
        fail(str(exc))


def _label_names(lexicons: Path) -> dict[str, dict[str, str]]:
    from nlp.language.lexicon import load_lexicons

    return {lx.scheme: {lab.id: lab.name for lab in lx.labels} for lx in load_lexicons(lexicons)}


def _thresholds(models: Path) -> tuple[dict[str, Any] | None, str]:
    from nlp.model.classify import SentenceClassifier
    from nlp.model.registry import ModelError, Registry

    registry = Registry(models)
    version = registry.current()
    if version is None:
        return None, ""
    try:
        return SentenceClassifier(registry.load(version)).thresholds, version
    except (ModelError, ValueError) as exc:
        typer.echo(f"warning: model {version} unusable ({exc}); lexicon uncertainty", err=True)
        return None, ""


@annotate_app.command("export")
def export_cmd(
    corpus: Annotated[Path, typer.Option(help="Folder of PDFs (with manifest.csv).")] = Path(
        "corpus"
    ),
    out: OutOption = DEFAULT_OUT,
    n: Annotated[int, typer.Option("--n", help="Sentences to select.")] = 200,
    per_document: Annotated[
        int, typer.Option("--per-document", help="Most sentences taken from one document.")
    ] = 5,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to", help="Prefix of the files written (default OUT/annotate/export-<UTC time>)."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Documents processed in parallel.")] = 0,
    models: Annotated[
        Path | None, typer.Option(help="Folder of classifier versions (default: OUT/models).")
    ] = None,
    train: Annotated[
        bool,
        typer.Option(help="When no model exists yet, train one from the shipped sentences."),
    ] = True,
    store: StoreOption = None,
    real: RealOption = DEFAULT_REAL,
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
) -> None:
    """Pick the sentences most worth annotating; write Label Studio tasks and a CSV sheet.

    Runs the pipeline first (stored work is reused), then selects by uncertainty of the
    current model (lexicon-only uncertainty without a model) and diversity, leaving out
    headings, sentences already annotated and evaluation-only documents. Writes
    PREFIX.json (tasks), PREFIX.label_config.xml (Label Studio config) and PREFIX.csv.

    Example: valpub annotate export --corpus corpus --n 200 --to outputs/annotate/batch1
    """
    import pandas as pd

    from flows.local_server import prefect_environment
    from nlp.annotation.active import (
        SelectionConfig,
        key_hashes,
        select_for_annotation,
        standoff_hashes,
    )
    from nlp.annotation.export import csv_sheet, label_config, label_studio_tasks
    from nlp.ingest.evaluation import evaluation_only
    from nlp.records.errors import NlpError
    from nlp.records.files import atomic_open, write_json

    if not corpus.is_dir():
        fail(f"corpus folder {corpus} does not exist")
    if n <= 0 or per_document <= 0:
        fail("--n and --per-document must be positive")
    setup_logging(False)
    out.mkdir(parents=True, exist_ok=True)
    prefect_environment()
    from flows.pipeline import run_pipeline
    from nlp.extract.process import default_workers

    models = models or out / "models"
    try:
        run_pipeline(corpus, out, workers or default_workers(), models=models, train=train)
    except NlpError as exc:
        fail(str(exc))
    path = out / "sentences.parquet"
    if not path.is_file():
        fail(f"the run wrote no {path}")
    sentences = pd.read_parquet(path)
    thresholds, version = _thresholds(models)
    annotations, shown = _open_store(store, out)
    try:
        judged = key_hashes(annotations.judgements()["sentence_key"])
    finally:
        annotations.close()
    known = standoff_hashes(real)
    patterns = evaluation_only(corpus)
    selected = select_for_annotation(
        sentences,
        thresholds,
        config=SelectionConfig(n=n, per_document=per_document),
        exclude_hashes=judged | known,
        evaluation_patterns=patterns,
    )
    prefix = to or out / "annotate" / f"export-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    files = {
        "tasks": prefix.with_name(prefix.name + ".json"),
        "config": prefix.with_name(prefix.name + ".label_config.xml"),
        "sheet": prefix.with_name(prefix.name + ".csv"),
    }
    write_json(files["tasks"], label_studio_tasks(selected))
    with atomic_open(files["config"]) as handle:
        handle.write(label_config(_label_names(lexicons)))
    with atomic_open(files["sheet"]) as handle:
        handle.write("\ufeff" + csv_sheet(selected))
    how = f"model {version} thresholds" if thresholds else "lexicons only (no model)"
    typer.echo(
        f"selected {len(selected)} of {len(sentences)} sentences from "
        f"{selected['file'].nunique() if len(selected) else 0} documents; uncertainty by {how}"
    )
    if len(selected):
        typer.echo(
            f"  uncertainty {selected['uncertainty'].min():.3f} to "
            f"{selected['uncertainty'].max():.3f}"
        )
    typer.echo(
        f"  left out: sentences already in the store {shown} ({len(judged)} keys) or in {real} "
        f"({len(known)}); evaluation-only patterns: {', '.join(sorted(patterns)) or 'none'}"
    )
    for what, file in files.items():
        typer.echo(f"  {what}: {file}")


def _print_conflicts(conflicts: pd.DataFrame, limit: int = 20) -> None:
    if conflicts.empty:
        typer.echo("conflicts: none")
        return
    typer.echo(f"conflicts: {len(conflicts)} (sentence, scheme) pairs with different labels")
    for row in conflicts.head(limit).itertuples():
        sets = "  vs  ".join(
            f"{who}: {'|'.join(labels) or '(none)'}"
            for who, labels in zip(row.annotators, row.labels, strict=True)
        )
        typer.echo(f"  {str(row.sentence_key)[:16]} {row.scheme:13s} {sets}")
        typer.echo(f"      « {str(row.text)[:100]} »")
    if len(conflicts) > limit:
        typer.echo(f"  ... and {len(conflicts) - limit} more")


def _print_kappa(kappa: pd.DataFrame) -> None:
    if kappa.empty:
        typer.echo("kappa: no sentence judged by two annotators yet")
        return
    typer.echo("Cohen's kappa per label (sentences judged by two annotators):")
    typer.echo(f"  {'scheme':13s} {'label':20s} {'n':>5s} {'agree':>6s} {'kappa':>6s}")
    for row in kappa.itertuples():
        value = "n/a" if row.kappa != row.kappa else f"{row.kappa:.2f}"
        typer.echo(
            f"  {row.scheme:13s} {row.label:20s} {row.n_sentences:5d} "
            f"{row.agreement:6.2f} {value:>6s}"
        )


@annotate_app.command("import")
def import_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Label Studio JSON exports (.json) or CSV sheets (.csv).")
    ],
    out: OutOption = DEFAULT_OUT,
    store: StoreOption = None,
    annotator: Annotated[
        str | None,
        typer.Option(help="Annotator of CSV rows whose 'annotator' cell is empty."),
    ] = None,
) -> None:
    """Import analysts' labels into the annotation store; report conflicts and kappa.

    Every file is read; bad rows or tasks are reported with their number and the rest is
    imported (exit code 1 when any was bad). Importing the same export twice adds nothing.

    Example: valpub annotate import project-1.json sheet.csv --annotator "C. Martin"
    """
    from nlp.annotation.importing import read_annotations

    annotations, shown = _open_store(store, out)
    errors = 0
    try:
        for path in files:
            if not path.is_file():
                typer.echo(f"error: {path}: no such file", err=True)
                errors += 1
                continue
            judgements, problems = read_annotations(path, default_annotator=annotator)
            added = annotations.add_many(judgements)
            sentences = len({j.sentence_key for j in judgements})
            typer.echo(
                f"{path}: {len(judgements)} judgements on {sentences} sentences read, "
                f"{added} added ({len(judgements) - added} already in the store), "
                f"{len(problems)} error(s)"
            )
            for problem in problems:
                typer.echo(f"error: {path}: {problem}", err=True)
            errors += len(problems)
        typer.echo(f"store {shown}: {len(annotations.judgements())} judgements")
        _print_conflicts(annotations.conflicts())
        _print_kappa(annotations.kappa())
    finally:
        annotations.close()
    if errors:
        raise typer.Exit(1)


@with_option_groups
def retrain_cmd(
    out: OutOption = DEFAULT_OUT,
    store: StoreOption = None,
    models: Annotated[
        Path | None, typer.Option(help="Folder of model versions (default: OUT/models).")
    ] = None,
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    inputs: TrainingOptions = DEFAULT_INPUTS,
    with_real: WithRealOption = True,
    promote: PromoteOption = True,
    force: ForceOption = False,
) -> None:
    """Retrain on shipped + real + analysts' annotations; promote only if not worse.

    The analysts' judgements (the annotation store) join the training data only, never
    the held-out sets, so the new model is compared with the current one on the same
    figures. A scheme an analyst did not judge keeps the run's labels
    (OUT/sentences.parquet); sentences with conflicting judgements, and sentences of
    documents the corpus README lists as evaluation-only, are left out.

    Example: valpub retrain --out outputs
    """
    try:
        examples, shown = analysts_examples(out, store, inputs.corpus)
        train_model(
            lexicons,
            models or out / "models",
            inputs,
            with_real,
            promote,
            force,
            extra=examples,
            extra_source=shown,
            outputs=out,
        )
    except StoreUnavailableError as exc:
        fail(str(exc))
    except NotPromotedError as exc:
        exit_not_promoted(exc)


def register(app: typer.Typer) -> None:
    """Add the ``annotate`` sub-app (``export``, ``import``) and ``retrain`` to ``app``."""
    app.add_typer(annotate_app, name="annotate")
    app.command("retrain")(retrain_cmd)


if __name__ == "__main__":
    run_alone(register)
