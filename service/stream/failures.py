"""Tell a handler failure that may pass (try the event again) from one that will recur
(dead-letter it at once), and try the first kind again with backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiokafka.errors
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from schemas.dead_letters import Failure

# How often a handler is tried while it fails in a way that may pass, and the waits between
# (0.2 s doubling to 2 s, about 4 s in all): long enough for a leader election or a slow
# answer, short enough not to hold up the partition's stream for long.
TRANSIENT_ATTEMPTS = 5
INITIAL_WAIT_S = 0.2
MAX_WAIT_S = 2.0
pause = asyncio.sleep  # the backoff itself; tests replace it to run without waiting


@dataclass(frozen=True)
class Failed:
    error: Exception
    failure: Failure
    attempts: int


def transient(exc: BaseException) -> bool:
    """A timeout or a broker hiccup: the same event may well succeed when tried again. Anything
    else (bad input that passed validation, a bug) would fail again the same way."""
    for error in (exc, exc.__cause__):
        if isinstance(error, TimeoutError | ConnectionError | aiokafka.errors.KafkaTimeoutError):
            return True
        if isinstance(error, aiokafka.errors.KafkaError) and error.retriable:
            return True
    return False


async def try_handler(
    attempt: Callable[[], Awaitable[None]], on_retry: Callable[[RetryCallState], None]
) -> Failed | None:
    """attempt(), tried again while it fails transiently (TRANSIENT_ATTEMPTS tries in all).
    None once it succeeded; else how it failed last and after how many tries. Trying again is
    safe: every handler is idempotent, as it must be for Kafka's redeliveries anyway."""
    # The first try runs bare: setting up the retries costs far more than most handlers.
    try:
        await attempt()
    except Exception as exc:  # one bad event must not stop the stream
        if not transient(exc):
            return Failed(exc, Failure.PERMANENT, 1)
        return await _try_again(attempt, exc, on_retry)
    return None


async def _try_again(
    attempt: Callable[[], Awaitable[None]],
    first: Exception,
    on_retry: Callable[[RetryCallState], None],
) -> Failed | None:
    """The tries after a first that failed with `first`, which may pass."""
    tries = 0

    async def counted() -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            # The try already made, replayed, so that the waits and reports are as for any.
            raise first
        await attempt()

    retrying = AsyncRetrying(
        retry=retry_if_exception(transient),
        stop=stop_after_attempt(TRANSIENT_ATTEMPTS),
        wait=wait_exponential_jitter(multiplier=INITIAL_WAIT_S, max=MAX_WAIT_S, jitter=0.1),
        before_sleep=on_retry,
        sleep=lambda seconds: pause(seconds),
        reraise=True,
    )
    try:
        await retrying(counted)
    except Exception as exc:
        kind = Failure.TRANSIENT if transient(exc) else Failure.PERMANENT
        return Failed(exc, kind, tries)
    return None
