"""Option groups (flows.commands.options): options declared once, taken as one parameter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from typer.testing import CliRunner

from flows.commands.options import OptionGroup, with_option_groups


@dataclass(frozen=True)
class Fitting:
    name: str
    c: float = 4.0
    folds: int = 5


FittingOptions = Annotated[
    Fitting,
    OptionGroup(
        name=typer.Option("--name", help="What to fit."),
        c=typer.Option(help="Inverse regularisation."),
        folds=typer.Option(help="Folds."),
    ),
]
calls: list[tuple[str, Fitting, bool]] = []


@with_option_groups
def fit(
    before: Annotated[str, typer.Option(help="Before the group.")] = "b",
    fitting: FittingOptions = Fitting("x"),
    after: Annotated[bool, typer.Option(help="After the group.")] = False,
) -> None:
    """Fit something."""
    calls.append((before, fitting, after))


def invoke(*args: str) -> str:
    app = typer.Typer()
    app.command()(fit)
    app.command("other")(lambda: None)  # two commands: `fit` is named on the command line
    result = CliRunner().invoke(app, ["fit", *args], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_gets_the_group_as_one_instance() -> None:
    calls.clear()
    invoke("--name", "n", "--folds", "3", "--after")
    assert calls == [("b", Fitting("n", 4.0, 3), True)]


def test_a_field_without_default_is_a_required_option() -> None:
    app = typer.Typer()
    app.command()(fit)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["fit"])
    assert result.exit_code == 2
    assert "--name" in result.output


def test_help_lists_the_fields_in_place_with_their_defaults() -> None:
    text = invoke("--help")
    order = [text.index(option) for option in ("--before", "--name", "--c", "--folds", "--after")]
    assert order == sorted(order)
    assert "Inverse regularisation." in text and "[default: 4.0]" in text
    assert "--fitting" not in text
    assert fit.__doc__ == "Fit something."
