"""The quote extractor is compiled with mypyc (setup.py): the build must be in use and must
behave exactly as its Python source."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run in a child process: extracts every seed's quotes and prints them with the files the
# extractor's modules were loaded from. With "source" as its argument, a finder placed first
# loads service.core modules from their .py files, bypassing the compiled ones.
_EXTRACT = """
import json, sys
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, SourceFileLoader
from pathlib import Path

class SourceOnly:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if not name.startswith("service.core.") or not path:
            return None
        for entry in path:
            spec = FileFinder(entry, (SourceFileLoader, SOURCE_SUFFIXES)).find_spec(name)
            if spec is not None:
                return spec
        return None

if sys.argv[1] == "source":
    sys.meta_path.insert(0, SourceOnly)
from service.quotes_command import quote_records

records = [
    record
    for path in sorted(Path("seeds").glob("*.txt"))
    for record in quote_records(path.name, path.read_text(encoding="utf-8"))
]
files = {name: module.__file__ for name, module in sys.modules.items()
         if name.startswith("service.core.")}
print(json.dumps({"records": records, "files": files}))
"""


def _compiled_modules() -> list[str]:
    """The module names setup.py compiles (its COMPILED list, read without running it)."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "COMPILED":
            paths = ast.literal_eval(node.value)
            return [p.removesuffix(".py").replace("/", ".") for p in paths]
    raise AssertionError("setup.py has no COMPILED list")


def _extract(mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _EXTRACT, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(
    os.environ.get("LIVEBLOG_PURE_PYTHON") == "1", reason="built without compiling on purpose"
)
def test_the_extractor_runs_compiled() -> None:
    modules = _compiled_modules()
    assert "service.core.quotes" in modules
    for name in modules:
        loaded_from = importlib.import_module(name).__file__ or ""
        assert loaded_from.endswith(tuple(EXTENSION_SUFFIXES)), f"{name}: {loaded_from}"


def test_compiled_and_source_extractors_give_the_same_quotes() -> None:
    compiled, source = _extract("compiled"), _extract("source")
    modules = _compiled_modules()
    assert all(source["files"][name].endswith(".py") for name in modules)
    assert len(source["records"]) >= 150  # the seeds' gold holds 167 quotes
    assert compiled["records"] == source["records"]
