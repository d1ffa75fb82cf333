"""service.logging: one JSON line per event, whichever library logs it."""

from __future__ import annotations

import io
import json
import logging

import structlog


def _raise() -> None:
    raise ValueError("coordinator state broke")


def test_a_librarys_exception_is_logged_with_its_traceback(log_output: io.StringIO) -> None:
    try:
        _raise()
    except ValueError:
        logging.getLogger("aiokafka.consumer").exception("Unexpected error in coordinator")

    (line,) = [json.loads(line) for line in log_output.getvalue().splitlines()]
    assert line["event"] == "Unexpected error in coordinator"
    assert "Traceback" in line["exception"]
    assert "in _raise" in line["exception"]
    assert "ValueError: coordinator state broke" in line["exception"]


def test_an_exception_given_to_the_services_logger_keeps_its_traceback(
    log_output: io.StringIO,
) -> None:
    try:
        _raise()
    except ValueError as exc:
        structlog.get_logger("service.test").error("event_processing_failed", exc_info=exc)

    (line,) = [json.loads(line) for line in log_output.getvalue().splitlines()]
    assert "in _raise" in line["exception"]
