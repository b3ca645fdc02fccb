"""The ``valpub`` command line: one entry point for every job.

Commands stay thin: options in, one flow or library call, a summary out. Each module of
``flows.commands`` holds one command or one group; this one builds the Typer app from
them and is the console entry point. Commands that need no flow do not import Prefect,
so they start fast. Library errors (:class:`nlp.records.errors.NlpError`) become a
one-line message and exit code 2.
"""

from __future__ import annotations

import typer

from flows.commands import annotate, export, lexicon, model, review, run, serve, server

app = typer.Typer(
    help="valpub: the public value French territories' digital policies aim at, with evidence.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(run.run)
app.command()(serve.serve)
app.command()(run.extract)
app.command()(run.pull)
app.add_typer(lexicon.app, name="lexicon", help="Check and explore the lexicons.")
model.register(app)
export.register(app)
annotate.register(app)
review.register(app)
server.register(app)


def main() -> None:
    """Console entry point (``valpub``).

    An error of the library that a command did not handle (a broken lexicon file, a
    model that does not load...) ends the command with its one-line message and exit
    code 2, never a traceback: it is the user's input to fix, not a bug to report.
    """
    from nlp.records.errors import NlpError

    try:
        app()
    except NlpError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
    except OSError as exc:  # a full disk, a read-only or vanished folder
        where = f": {exc.filename}" if exc.filename else ""
        typer.secho(f"error: {exc.strerror or exc}{where}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
