"""The shells stay apart: the stream shell and the web one never import each other (the worker's
entry point wires them), and the core imports neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Each module of the folder -> the modules it imports, at any depth of its code."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(SERVICE.parent))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("web", ("service.stream",)),
        ("stream", ("service.web",)),
        ("core", ("service.stream", "service.web", "faust", "kafka", "aiokafka")),
    ],
)
def test_a_shell_does_not_import_what_it_must_not(folder: str, forbidden: tuple[str, ...]) -> None:
    modules = imported_modules(SERVICE / folder)
    prefixes = tuple(f"{name}." for name in forbidden)

    crossing = {
        module: sorted(n for n in names if n in forbidden or n.startswith(prefixes))
        for module, names in modules.items()
    }

    assert modules
    assert {m: names for m, names in crossing.items() if names} == {}
