"""``valpub train | evaluate | tag-text`` and ``valpub models list | promote | rollback``.

:func:`register` adds them to `valpub`. These commands only read options, call the
workflows (:mod:`flows.train`, :mod:`flows.evaluation`, :mod:`flows.tag_text`) or the
model registry (``nlp.model.registry``), print summaries and turn errors into exit codes. The
options they share with ``valpub retrain`` are defined here (:data:`TrainingOptions`).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from flows.commands.options import OptionGroup, run_alone, with_option_groups
from flows.console import fail, say
from flows.defaults import DEFAULT_LEXICONS, DEFAULT_MODELS
from flows.evaluation import evaluate, evaluation_card
from flows.train import NotPromotedError, TrainingInputs, ship_model, train_model

models_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Stored model versions.")

LexiconsOption = Annotated[Path, typer.Option("--lexicons", help="Folder of lexicon YAML files.")]
ModelsOption = Annotated[Path, typer.Option("--models", help="Folder of model versions.")]
REAL_OPTION = typer.Option("--real", help="Standoff annotations of real sentences (JSONL).")
RealOption = Annotated[Path, REAL_OPTION]
WithRealOption = Annotated[
    bool, typer.Option("--with-real/--without-real", help="Train on real annotations too.")
]
PromoteOption = Annotated[
    bool, typer.Option("--promote/--no-promote", help="Promote when not worse.")
]
ForceOption = Annotated[bool, typer.Option(help="Promote even when worse.")]


TrainingOptions = Annotated[
    TrainingInputs,
    OptionGroup(
        train_file=typer.Option("--train", help="Training sentences (JSONL)."),
        heldout=typer.Option("--heldout", help="Held-out sentences (JSONL)."),
        real=REAL_OPTION,
        corpus=typer.Option("--corpus", help="Shared corpus the real annotations point into."),
        c=typer.Option(help="Inverse regularisation of the models."),
        folds=typer.Option(help="Cross-validation folds."),
    ),
]
"""The data and fitting options of ``train``, ``evaluate`` and ``retrain``, as one
parameter: a :class:`flows.train.TrainingInputs` (see :func:`with_option_groups`)."""
DEFAULT_INPUTS = TrainingInputs()
"""Every training option at its default (the group's defaults are the dataclass's)."""


def exit_not_promoted(exc: NotPromotedError) -> NoReturn:
    """End a training command whose new version was not promoted: exit code 1."""
    say(f"not promoted: {exc}", err=True)
    raise typer.Exit(1) from exc


@with_option_groups
def train_cmd(
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    models: ModelsOption = DEFAULT_MODELS,
    inputs: TrainingOptions = DEFAULT_INPUTS,
    with_real: WithRealOption = True,
    promote: PromoteOption = True,
    force: ForceOption = False,
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
    try:
        version = train_model(lexicons, models, inputs, with_real, promote, force)
    except NotPromotedError as exc:
        exit_not_promoted(exc)
    if ship:
        ship_model(models, version)


@with_option_groups
def evaluate_cmd(
    lexicons: LexiconsOption = DEFAULT_LEXICONS,
    inputs: TrainingOptions = DEFAULT_INPUTS,
    out: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
    card: Annotated[Path | None, typer.Option(help="Write a Markdown report here.")] = None,
) -> None:
    """Compare lexicon, classifier and combined, trained with and without real annotations.

    Nothing is stored in the registry: this is the experiment behind the model card.

    Example: valpub evaluate --out outputs/evaluation.json --card outputs/evaluation.md
    """
    report = evaluate(lexicons, inputs)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    if card:
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_text(evaluation_card(report), encoding="utf-8")
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
    from flows.tag_text import BATCH, Tagger, cores, parse_line, read_lines, tag_batches
    from flows.tagging import quiet_sklearn
    from nlp.records.errors import NlpError
    from nlp.records.files import atomic_open

    quiet_sklearn()
    # the files first: a wrong path should not wait for the models to load
    try:
        source = sys.stdin.buffer if in_ == "-" else open(in_, "rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {in_}: {exc.strerror}")
    if out != "-" and not Path(out).resolve().parent.is_dir():
        fail(f"cannot write {out}: its folder does not exist")
    try:
        tagger = Tagger(lexicons, models, version)
    except NlpError as exc:  # a model that does not load, a broken lexicon file
        fail(str(exc))
    errors = 0

    def batches() -> Iterator[list[tuple[Any, str]]]:
        nonlocal errors
        batch: list[tuple[Any, str]] = []
        for number, line in read_lines(source):
            parsed = parse_line(number, line)
            if isinstance(parsed, str):
                say(f"error: {parsed}", err=True)
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
            for _batch, lines in tag_batches(tagger, batches(), workers or cores()):
                sink.writelines(lines)
            sink.flush()
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc} (nothing was written)")
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
    from nlp.model.registry import Registry

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
    force: ForceOption = False,
) -> None:
    """Make a version current if it is not worse than the current one (or --force).

    Example: valpub models promote 20261122T101500Z-1a2b3c4d
    """
    from nlp.model.registry import ModelError, Registry

    try:
        why = Registry(models).promote(version, force=force)
    except ModelError as exc:
        fail(str(exc))
    typer.echo(f"promoted {version} ({why})")


@models_app.command("rollback")
def models_rollback(models: ModelsOption = DEFAULT_MODELS) -> None:
    """Go back to the version promoted before the current one.

    Example: valpub models rollback
    """
    from nlp.model.registry import ModelError, Registry

    try:
        version = Registry(models).rollback()
    except ModelError as exc:
        fail(str(exc))
    typer.echo(f"current model is now {version}")


def register(app: typer.Typer) -> None:
    """Add ``train``, ``evaluate``, ``tag-text`` and the ``models`` sub-app to ``app``."""
    app.command("train")(train_cmd)
    app.command("evaluate")(evaluate_cmd)
    app.command("tag-text")(tag_text_cmd)
    app.add_typer(models_app, name="models")


if __name__ == "__main__":
    run_alone(register)
