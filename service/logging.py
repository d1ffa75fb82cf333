"""Configure structlog once per process: JSON lines in production, pretty on a terminal."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from service.settings import LogFormat, Settings

# Credentials a followed URL may carry: user:password@host, or a query parameter such as
# ?api_key=... or &token=...; redacted wherever a URL is logged (a field, an error message, a
# traceback).
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_SECRET_QUERY = re.compile(
    r"(?i)([?&][^=&\s#]*(?:key|token|secret|pass|sig|auth|session|credential)[^=&\s#]*=)"
    r"[^&\s#\"']+"
)


def redact_urls(text: str) -> str:
    """`text` with the credentials of every URL in it replaced by "[redacted]"."""
    return _SECRET_QUERY.sub(r"\1[redacted]", _USERINFO.sub("[redacted]@", text))


def _redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    for key, value in event.items():
        if isinstance(value, str) and ("://" in value or "?" in value or "&" in value):
            event[key] = redact_urls(value)
    return event


def configure_logging(settings: Settings) -> None:
    fmt = settings.log_format
    if fmt is LogFormat.AUTO:
        fmt = LogFormat.CONSOLE if sys.stderr.isatty() else LogFormat.JSON
    # The console renderer prints a traceback itself; JSON needs it as text, or an exception
    # logged by any library (exc_info) would show as the repr of a traceback object.
    rendering: list[structlog.typing.Processor] = (
        [_redact, structlog.dev.ConsoleRenderer()]
        if fmt is LogFormat.CONSOLE
        else [structlog.processors.format_exc_info, _redact, structlog.processors.JSONRenderer()]
    )
    level = logging.getLevelName(settings.log_level.upper())
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_logger_name,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    # Route the standard library (Faust, aiokafka, kafka-python) through the same renderer so a
    # process writes one log format, not two.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Client libraries are chatty at INFO (every rebalance table); keep their warnings.
    for noisy in ("aiokafka", "kafka", "faust", "mode", "httpx", "httpcore", "trafilatura"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
