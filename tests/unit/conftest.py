"""Fixtures shared by the unit tests."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import pytest
import structlog

from service.logging import configure_logging
from service.settings import LogFormat, Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the developer's shell exports (LIVEBLOG_*, KAFKA_*) must not leak into a test
    that reads settings from the environment."""
    for name in list(os.environ):
        if name.startswith(("LIVEBLOG_", "KAFKA_")):
            monkeypatch.delenv(name)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything structlog and the standard library log, as the service renders it (JSON)."""
    structlog.reset_defaults()
    configure_logging(Settings(log_format=LogFormat.JSON, log_level="DEBUG"))
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)
    structlog.reset_defaults()
