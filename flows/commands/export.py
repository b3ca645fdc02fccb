"""``valpub export ...``: a run's results in formats other tools open.

* ``qdpx``: the coded sentences as a REFI-QDA project (``.qdpx``) for NVivo, MAXQDA and
  ATLAS.ti (the mapping is documented in :mod:`nlp.results.qdpx`).

:func:`register` adds the sub-app to `valpub`. No Prefect here: the export reads
the files a ``valpub run`` wrote.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from flows.defaults import DEFAULT_LEXICONS
from nlp.ingest.corpus import corpus_location
from nlp.records.errors import NlpError

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command("qdpx")
def qdpx_cmd(
    out: Annotated[Path, typer.Option("--out", help="Output folder of a `valpub run`.")] = Path(
        "outputs"
    ),
    corpus: Annotated[
        str,
        typer.Option("--corpus", help="Corpus folder (or URL) of that run: the PDFs to embed."),
    ] = "corpus",
    to: Annotated[
        Path | None,
        typer.Option("--to", help="The .qdpx file to write (default: OUT/valpub.qdpx)."),
    ] = None,
    scheme: Annotated[
        list[str] | None,
        typer.Option("--scheme", help="Only export this scheme (repeatable; default: all)."),
    ] = None,
    lexicons: Annotated[
        Path, typer.Option("--lexicons", help="Folder of lexicon YAML files (code names).")
    ] = DEFAULT_LEXICONS,
) -> None:
    """Write the coded sentences as a REFI-QDA project for NVivo, MAXQDA or ATLAS.ti.

    One source per document (the PDF embedded, with its text), one code per label under
    one parent code per scheme, one coded segment per labelled sentence, created by the
    machine coder "valpub <model version>" ("valpub lexicons" without a classifier).
    A PDF missing from the corpus is reported; its document is exported as text only.

    Example: valpub export qdpx --out outputs --corpus corpus --to outputs/valpub.qdpx
    """
    from nlp.language.lexicon import load_lexicons
    from nlp.results.qdpx import export_qdpx

    location = corpus_location(corpus)
    if isinstance(location, Path) and not location.is_dir():
        _fail(f"corpus folder {corpus} does not exist (give the run's --corpus)")
    target = to or out / "valpub.qdpx"
    try:
        summary = export_qdpx(
            out, location, target, lexicons=load_lexicons(lexicons), schemes=scheme or None
        )
    except NlpError as exc:
        _fail(str(exc))
        return
    per_scheme: Counter[str] = Counter()
    for code, n in summary.codings_per_code.items():
        per_scheme[code.split(":", 1)[0]] += n
    typer.echo(f"wrote {target}")
    typer.echo(f"  coder: {', '.join(summary.users)}; date {summary.created:%Y-%m-%d %H:%M} UTC")
    typer.echo(
        f"  {summary.sources} sources ({summary.pdfs_embedded} with their PDF), "
        f"{summary.selections} coded sentences, {summary.codings} codings"
    )
    if per_scheme:
        typer.echo("  codings: " + ", ".join(f"{s} {n}" for s, n in sorted(per_scheme.items())))
    for file, reason in sorted(summary.pdfs_missing.items()):
        typer.secho(f"  PDF not embedded, text only: {file}: {reason}", fg=typer.colors.YELLOW)
    if summary.documents_without_text:
        typer.echo(
            f"  {len(summary.documents_without_text)} documents without text left out "
            "(statuses: "
            + ", ".join(
                f"{s} {n}"
                for s, n in sorted(Counter(summary.documents_without_text.values()).items())
            )
            + ")"
        )
    if summary.sentences_skipped:
        typer.secho(
            f"  {summary.sentences_skipped} labelled sentences not found in their document's "
            "stored text (re-run `valpub run`)",
            fg=typer.colors.YELLOW,
        )


def register(main: typer.Typer) -> None:
    """Add the ``export`` sub-app to ``main``."""
    main.add_typer(app, name="export", help="Export a run's results (REFI-QDA project).")
