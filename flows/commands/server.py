"""``valpub server``: see and stop the local Prefect server that runs reuse.

`valpub run` starts it when ``PREFECT_API_URL`` is not set (see
:mod:`flows.local_server`) and it stops by itself after ``--keep-server`` minutes
without a run; these commands say where it is and stop it sooner.
"""

from __future__ import annotations

import time

import typer

from flows.local_server import prefect_environment, prefect_home, running_server, stop_server

server_app = typer.Typer(no_args_is_help=True)


@server_app.command("status")
def status_cmd() -> None:
    """Say whether the local Prefect server runs, where, and for how long it is kept."""
    prefect_environment()
    state = running_server(prefect_home())
    if state is None:
        typer.echo("No local Prefect server runs; the next `valpub run` starts one.")
        return
    minutes = (time.time() - state.started) / 60
    typer.echo(
        f"Local Prefect server: {state.url} (process {state.keeper_pid}, up {minutes:.0f} min, "
        f"stops after {state.idle_minutes:g} min without a run)"
    )


@server_app.command("stop")
def stop_cmd() -> None:
    """Stop the local Prefect server now (the next `valpub run` starts another)."""
    prefect_environment()
    state = stop_server(prefect_home())
    if state is None:
        typer.echo("No local Prefect server was running.")
    else:
        typer.echo(f"Stopped the local Prefect server at {state.url}.")


def register(app: typer.Typer) -> None:
    """Add ``valpub server`` to the command line."""
    app.add_typer(server_app, name="server", help="The local Prefect server that runs reuse.")
