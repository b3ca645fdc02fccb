"""The boundary rules of the code base, kept true by a test."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_library_never_imports_orchestration() -> None:
    for path in sorted((ROOT / "nlp").glob("*.py")):
        bad = imports(path) & {"prefect", "flows", "typer", "prefect_dask", "streamlit"}
        assert not bad, f"{path.name} imports {bad}"


def test_every_cli_command_has_help_and_is_in_the_readme() -> None:
    from flows.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, name
        assert "Example:" in command.callback.__doc__, name
        assert f"valpub {name}" in readme, name
