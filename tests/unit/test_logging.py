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


def test_credentials_in_a_logged_url_are_redacted(log_output: io.StringIO) -> None:
    url = "https://reader:hunter2@news.example.test/feed?api_key=abc123&page=2"

    structlog.get_logger("service.follow").warning(
        "follow_fetch_failed", url=url, reason=f"ConnectError: cannot reach {url}"
    )

    (line,) = [json.loads(line) for line in log_output.getvalue().splitlines()]
    for field in ("url", "reason"):
        assert "hunter2" not in line[field] and "abc123" not in line[field]
        assert "news.example.test/feed" in line[field] and "page=2" in line[field]
