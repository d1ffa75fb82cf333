"""Checks shared by every suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def stale_compiled_modules(root: Path) -> list[str]:
    """Compiled modules (see setup.py) older than their source: they would shadow the edit."""
    stale = []
    for compiled in sorted((root / "service").rglob("*.so")):
        source = compiled.with_name(compiled.name.split(".", 1)[0] + ".py")
        if source.exists() and source.stat().st_mtime > compiled.stat().st_mtime:
            stale.append(str(source.relative_to(root)))
    return stale


def pytest_configure(config: pytest.Config) -> None:
    if stale := stale_compiled_modules(ROOT):
        raise pytest.UsageError(
            f"{', '.join(stale)} changed after it was compiled, so the tests would run the old "
            "code: rebuild with ./run setup (or run ./run test)"
        )
