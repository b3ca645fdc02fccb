"""The boundary rules of the code base, kept true by a test."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

#: The library's subpackages, bottom first: each imports only from itself and those before it.
LAYERS = ("records", "ingest", "extract", "language", "model", "results", "annotation")
#: What the library never imports (orchestration, command line, the review app).
ORCHESTRATION = {"prefect", "flows", "typer", "prefect_dask", "streamlit", "review"}


def module_names(package: Path) -> dict[str, Path]:
    """Dotted name of every module under ``package`` (a folder named like the package)."""
    base = package.parent
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, anywhere in it (in functions, under TYPE_CHECKING).

    ``from a.b import c`` gives ``a.b`` and ``a.b.c`` (``c`` may be a module); relative
    imports are made absolute.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(parent + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names.add(source)
            names |= {f"{source}.{alias.name}" for alias in node.names}
    return names


def layer_violations(package: Path, layers: tuple[str, ...]) -> list[str]:
    """Imports of a module of ``package`` from a layer above its own, or outside any layer."""
    top = package.name
    rank = {layer: i for i, layer in enumerate(layers)}
    problems = []
    for module, path in module_names(package).items():
        parts = module.split(".")
        if len(parts) == 1:  # the package's own __init__
            continue
        if parts[1] not in rank or (len(parts) == 2 and path.name != "__init__.py"):
            problems.append(f"{module} is in no layer")
            continue
        # ``from nlp.x.y import z`` gives nlp.x.y and nlp.x.y.z: one layer, said once
        sources = {tuple(name.split(".")[:2]) for name in imported(module, path)}
        for target in sorted(source for source in sources if source[0] == top):
            if len(target) < 2 or target[1] not in rank:
                problems.append(f"{module} imports {'.'.join(target)}, which is in no layer")
            elif rank[target[1]] > rank[parts[1]]:
                problems.append(f"{module} ({parts[1]}) imports from {target[1]}, above it")
    return problems


def import_cycles(package: Path) -> list[list[str]]:
    """The cycles of the import graph between the modules of ``package`` (one per cycle)."""
    modules = module_names(package)
    graph = {
        module: sorted(name for name in imported(module, path) if name in modules)
        for module, path in modules.items()
    }
    cycles, state = [], dict.fromkeys(graph, 0)  # 0 unseen, 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in graph[module]:
            if state[target] == 1:
                cycles.append([*path[path.index(target) :], target])
            elif state[target] == 0:
                visit(target)
        path.pop()
        state[module] = 2

    for module in graph:
        if state[module] == 0:
            visit(module)
    return cycles


def test_library_never_imports_orchestration() -> None:
    modules = module_names(ROOT / "nlp")
    assert len(modules) > 40  # the walk reaches into every subpackage
    for module, path in modules.items():
        bad = {name.split(".")[0] for name in imported(module, path)} & ORCHESTRATION
        assert not bad, f"{module} imports {bad}"


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    assert {p.name for p in (ROOT / "nlp").iterdir() if (p / "__init__.py").is_file()} == set(
        LAYERS
    )
    assert layer_violations(ROOT / "nlp", LAYERS) == []


def test_no_import_cycles_between_library_modules() -> None:
    assert import_cycles(ROOT / "nlp") == []


def test_flows_never_import_the_commands_and_have_no_cycles() -> None:
    """Commands call flows, never the reverse: no module of ``flows`` outside
    ``flows.commands`` imports from it, and ``flows`` has no import cycle."""
    names = module_names(ROOT / "flows")
    upward = [
        module
        for module, path in names.items()
        if not module.startswith("flows.commands")
        and any(name.startswith("flows.commands") for name in imported(module, path))
    ]
    assert upward == []
    # a module importing itself by name (flows.deployments under ``-m``) is no cycle
    assert [c for c in import_cycles(ROOT / "flows") if len(set(c)) > 1] == []


def test_the_checks_find_an_upward_import_a_flat_module_and_a_cycle(tmp_path: Path) -> None:
    files = {
        "lib/__init__.py": "",
        "lib/flat.py": "",
        "lib/low/__init__.py": "",
        "lib/low/a.py": "def f():\n    from lib.high.b import g\n",
        "lib/high/__init__.py": "",
        "lib/high/b.py": "from ..low import a\nfrom lib.low.a import f\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert layer_violations(tmp_path / "lib", ("low", "high")) == [
        "lib.flat is in no layer",
        "lib.low.a (low) imports from high, above it",
    ]
    assert import_cycles(tmp_path / "lib") == [["lib.high.b", "lib.low.a", "lib.high.b"]]


def test_every_cli_command_has_help_and_is_in_the_readme() -> None:
    from flows.commands.app import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, name
        assert "Example:" in command.callback.__doc__, name
        assert f"valpub {name}" in readme, name


def test_tests_mirror_the_packages_and_the_unit_order_names_real_modules() -> None:
    """A library test sits in the folder of the layer it tests; stale paths fail here."""
    from tests.conftest import LONGEST_FIRST, SHARED_UNITS

    layers = {p.name for p in (ROOT / "nlp").iterdir() if (p / "__init__.py").is_file()}
    assert {p.name for p in (ROOT / "tests" / "nlp").iterdir() if p.is_dir()} - {
        "__pycache__"
    } <= layers
    assert [p.name for p in (ROOT / "tests").glob("test_*.py")] == ["test_architecture.py"]
    for name in [*SHARED_UNITS, *(u for u in LONGEST_FIRST if u.endswith(".py"))]:
        assert (ROOT / name).is_file(), name
