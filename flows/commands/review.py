"""``valpub review``: start the analysts' review app (Streamlit) over a run's outputs.

:func:`register` adds it to `valpub`. The command checks that the output folder
holds a run and that the annotation store opens (it is created or migrated then), and
replaces itself with ``python -m streamlit run review/app.py``: bound to 127.0.0.1
unless told otherwise, headless (no browser opened), without usage statistics.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from flows.defaults import DEFAULT_OUT, ROOT
from flows.settings import settings
from nlp.ingest.corpus import corpus_location
from nlp.records.netaddr import is_loopback
from review.auth import HOW_TO, hash_password, login_mode, read_secrets

APP_SCRIPT = ROOT / "review" / "app.py"


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def streamlit_command(out: Path, host: str, port: int, store: str, corpus: Path | str) -> list[str]:
    """The ``streamlit run`` command line of the review app."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # the app is not edited while it runs: no file watching, no reloads
        "--server.fileWatcherType",
        "none",
        # the analysts' menu only (no "Deploy" button, no developer options)
        "--client.toolbarMode",
        "viewer",
        "--",
        "--out",
        str(Path(out).resolve()),
        "--store",
        store,
        "--corpus",
        str(corpus_location(corpus)),
    ]


def review_cmd(
    out: Annotated[Path, typer.Option(help="Output folder of `valpub run`.")] = DEFAULT_OUT,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    store: Annotated[
        str | None,
        typer.Option(help="Annotation store URL (default: sqlite:///OUT/annotations.db)."),
    ] = None,
    corpus: Annotated[
        str, typer.Option(help="Corpus folder (or URL) of the run, to show the PDF pages.")
    ] = "corpus",
) -> None:
    """Start the review app (in French) in the browser: matrix, territories, sentences to review.

    Analysts accept, reject or add labels; each decision is stored at once in the
    annotation store with their name and the time, and `valpub retrain` learns from them.
    Open the address it prints; stop it with Ctrl+C.

    Example: valpub review --out outputs
    """
    from nlp.annotation.store import AnnotationStore, store_url

    try:
        import streamlit  # noqa: F401  (the app runs in it)
    except ImportError:
        _fail("the review app needs Streamlit: .venv/bin/pip install -e '.[review]'")
    if not is_loopback(host) and login_mode(read_secrets([Path.home(), Path.cwd()])) is None:
        _fail(f"--host {host} shares the app with the network, so it needs a login: {HOW_TO}")
    if not (out / "sentences.parquet").is_file():
        _fail(f"{out} holds no sentences.parquet: run `valpub run --out {out}` first")
    url = store or store_url(out, settings().annotations_url)
    try:
        AnnotationStore(url).close()
    except Exception as exc:  # a bad URL, a missing driver, a newer schema...
        _fail(f"cannot open the annotation store {url}: {exc}")
    command = streamlit_command(out, host, port, url, corpus)
    typer.echo(f"review app on http://{host}:{port} (annotations: {url}); Ctrl+C stops it")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)


def review_user_cmd(
    name: Annotated[str, typer.Argument(help="The analyst's user name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="Asked when omitted."
        ),
    ],
) -> None:
    """Print the secrets line that lets an analyst log in to a shared review app.

    Add the line under `[valpub.users]` in `.streamlit/secrets.toml` (next to where
    `valpub review` runs, never in the repository); only a salted hash is stored. With
    logins configured, `valpub review --host 0.0.0.0` shares the app and records each
    decision under the logged-in user.

    Example: valpub review-user camille
    """
    if not name.strip() or any(c in name for c in '"\n=[]'):
        _fail(f"invalid user name {name!r}: letters, digits, dots and dashes only")
    if len(password) < 8:
        _fail("the password needs at least 8 characters")
    typer.echo("[valpub.users]")
    typer.echo(f'"{name.strip()}" = "{hash_password(password)}"')


def register(app: typer.Typer) -> None:
    """Add ``valpub review`` and ``valpub review-user`` to the command line."""
    app.command("review")(review_cmd)
    app.command("review-user")(review_user_cmd)
