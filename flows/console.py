"""How valpub's commands and workflows write to the terminal.

The commands' logging set-up; :func:`say`, the plain line that commands and workflows
(training, tagging texts) print on stdout or stderr; and :func:`fail`, a command's
failure: a red one-line message and exit code 2. Lines are written with Typer's echo, not
``print``, so a Prefect flow with ``log_prints`` leaves them on the process's own
streams. The command modules and the workflows both import this module; it imports
neither.
"""

from __future__ import annotations

import logging
from typing import NoReturn

import typer


def setup_logging(verbose: bool) -> None:
    """Log warnings (everything from INFO with ``verbose``), one line per record."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def say(message: str, *, err: bool = False) -> None:
    """Print one line on stdout, or on stderr with ``err``."""
    typer.echo(message, err=err)


def fail(message: str) -> NoReturn:
    """End a command: ``error: message`` in red on stderr, exit code 2."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)
