"""Flush the sink's writers, retrying with backoff while the disk is full or SQLite is locked.

Both pass: another process holding SQLite's write lock lets go, space is freed. Each wait is
logged as `sink_write_retrying`; after Settings.sink_retry_timeout_s the flush gives up with
SinkWriteFailed, whose message is the one line the CLI prints. Nothing is committed to Kafka
past what a flush wrote, so a sink restarted after the fix loses nothing.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Callable, Sequence

import structlog
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)

from service.sink.writers import Writer

log = structlog.get_logger(__name__)

INITIAL_WAIT_S = 0.2
MAX_WAIT_S = 5.0
# SQLite's messages for SQLITE_BUSY, SQLITE_LOCKED and SQLITE_FULL (sqlite3 gives no codes
# on OperationalError before Python 3.11's sqlite_errorcode, which other errors lack too).
PASSING_SQLITE_ERRORS = ("database is locked", "database table is locked", "disk is full")
FULL_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
pause = time.sleep  # the backoff itself; tests replace it to act between attempts


class SinkWriteFailed(RuntimeError):
    """The writers could not write for the allowed time: the sink stops, committing nothing."""


def passing(exc: BaseException) -> bool:
    """An error that waiting can cure: a locked database, a full disk."""
    if isinstance(exc, sqlite3.OperationalError):
        return any(message in str(exc) for message in PASSING_SQLITE_ERRORS)
    return isinstance(exc, OSError) and exc.errno in FULL_DISK_ERRNOS


def _report(writer: Writer) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "sink_write_retrying",
            writer=type(writer).__name__,
            attempt=state.attempt_number,
            next_in_s=round(state.upcoming_sleep, 1),
            error=f"{type(exc).__name__}: {exc}",
        )

    return before_sleep


def flush_writers(writers: Sequence[Writer], timeout_s: float) -> None:
    """Flush each writer in turn (the order matters: see JsonlWriter), retrying what passes."""
    for writer in writers:
        retrying = Retrying(
            retry=retry_if_exception(passing),
            wait=wait_exponential_jitter(
                multiplier=INITIAL_WAIT_S, max=MAX_WAIT_S, jitter=INITIAL_WAIT_S
            ),
            stop=stop_after_delay(timeout_s),
            before_sleep=_report(writer),
            sleep=lambda seconds: pause(seconds),
        )
        try:
            retrying(writer.flush)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            tried = f"for {timeout_s:.0f}s ({exc.last_attempt.attempt_number} attempts)"
            raise _failed(writer, tried, last) from last
        except (OSError, sqlite3.Error) as exc:  # waiting cannot cure it: say so at once
            raise _failed(writer, "", exc) from exc


def _failed(writer: Writer, tried: str, exc: BaseException | None) -> SinkWriteFailed:
    return SinkWriteFailed(
        f"the sink could not write its output{' ' + tried if tried else ''} "
        f"({type(writer).__name__}: {type(exc).__name__}: {exc}); no offset past the last "
        "written record was committed, so a restart after the fix loses nothing"
    )
