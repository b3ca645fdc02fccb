"""What the commands share: option groups, folder options, runners, readers, log filter.

``valpub run``, ``valpub serve`` and ``valpub extract`` take the same corpus, output and
sources options, task runners and page readers; they are declared once here (the default
folders themselves are in :mod:`flows.defaults`). Commands that take the same set of
options take it as one parameter, a dataclass with an :class:`OptionGroup`
(:func:`with_option_groups`); :func:`run_alone` runs a module's commands on their own.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_type_hints

import typer

from flows.console import fail as _fail

_Result = TypeVar("_Result")

CorpusOption = Annotated[
    str,
    typer.Option(
        help="Folder of PDFs (with manifest.csv), or its URL (https://…; s3://… with "
        "s3fs): each worker then reads the documents from there."
    ),
]
OutOption = Annotated[Path, typer.Option(help="Output folder.")]
SourcesOption = Annotated[
    Path | None,
    typer.Option(
        help="CSV of PDF URLs (see `valpub pull`): new and changed ones are downloaded "
        "into the corpus folder first."
    ),
]


class ReportedOnce(logging.Filter):
    """Drops Prefect's record (and traceback) of an error the command reports itself.

    Such an error is the user's input or machine to fix (a full disk, a broken lexicon),
    not a bug, and the command says it in one line. ``--verbose`` keeps the records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep a record unless it carries an error the command reports itself."""
        from nlp.records.errors import NlpError

        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, NlpError | OSError)


class Runner(StrEnum):
    """Task runners of `valpub run`."""

    process = "process"
    dask = "dask"


class Reader(StrEnum):
    """Page readers of `valpub run` and `valpub extract` (see nlp.extract.page_source)."""

    pdfplumber = "pdfplumber"
    pdfium = "pdfium"
    auto = "auto"


READER_HELP = (
    "Library that reads the PDF text: pdfplumber (the reference), pdfium (faster), or "
    "auto (pdfium, with pdfplumber for rotated pages, vertical text or unmapped glyphs)."
)


def check_corpus(corpus: str, sources: Path | None) -> Path | str:
    """The corpus folder (absolute) or URL; stop with a clear message when it cannot be.

    A pull creates the folder; a URL is checked when the run reads it.
    """
    from nlp.ingest.corpus import corpus_location

    location = corpus_location(corpus)
    if isinstance(location, str):
        if sources is not None:
            _fail(f"--sources downloads into a corpus folder; {corpus} is a URL")
        return location
    if sources is not None:
        if not sources.is_file():
            _fail(f"sources file {sources} does not exist")
        location.mkdir(parents=True, exist_ok=True)
    elif not location.is_dir():
        _fail(f"corpus folder {corpus} does not exist")
    return location


class OptionGroup:
    """The ``typer.Option`` of each field of a dataclass: options that commands share.

    Used as ``Annotated[SomeDataclass, OptionGroup(field=typer.Option(...), ...)]``, the
    type of one parameter of a command made with :func:`with_option_groups`; the types
    and defaults of the options are those of the dataclass's fields.
    """

    def __init__(self, **options: Any) -> None:
        self.options = options


def with_option_groups(command: Callable[..., _Result]) -> Callable[..., _Result]:
    """``command`` with each parameter typed with an :class:`OptionGroup` spread into options.

    Typer makes one option of each parameter. Commands that share a set of options take
    it as one parameter, a dataclass: Typer sees one option per field in its place (in
    the fields' order, with their types and defaults and the group's ``typer.Option``),
    and the command gets them back as one instance of the dataclass. Other parameters
    are left as they are, but keyword-only (Typer passes every option by name), so that
    a field without default may follow a parameter with one.
    """
    hints = get_type_hints(command, include_extras=True)
    params: list[inspect.Parameter] = []
    groups: dict[str, tuple[type[Any], list[str]]] = {}
    for param in inspect.signature(command).parameters.values():
        hint = hints[param.name]
        group = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, OptionGroup)]
        if not group:
            params.append(param.replace(annotation=hint, kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        kind = get_args(hint)[0]
        types = get_type_hints(kind)
        fields = dataclasses.fields(kind)
        groups[param.name] = (kind, [field.name for field in fields])
        params += [
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[types[field.name], group[0].options[field.name]],
                default=(
                    inspect.Parameter.empty
                    if field.default is dataclasses.MISSING
                    else field.default
                ),
            )
            for field in fields
        ]

    @functools.wraps(command)
    def run(**options: Any) -> _Result:
        for name, (kind, fields) in groups.items():
            given = {field: options.pop(field) for field in fields if field in options}
            options[name] = kind(**given)
        return command(**options)

    signature = inspect.Signature(
        params, return_annotation=hints.get("return", inspect.Signature.empty)
    )
    run.__signature__ = signature  # type: ignore[attr-defined]
    run.__annotations__ = {param.name: param.annotation for param in params}
    return run


def run_alone(register: Callable[[typer.Typer], None]) -> None:
    """Run the commands that ``register`` adds to an app, as a command line of their own.

    What ``python -m flows.commands.model`` (or ``annotate``) does: those commands
    without the rest of `valpub`.
    """
    app = typer.Typer(no_args_is_help=True, add_completion=False)
    register(app)
    app()
