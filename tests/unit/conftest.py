"""Fixtures shared by the unit tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the developer's shell exports (LIVEBLOG_*, KAFKA_*) must not leak into a test
    that reads settings from the environment."""
    for name in list(os.environ):
        if name.startswith(("LIVEBLOG_", "KAFKA_")):
            monkeypatch.delenv(name)
