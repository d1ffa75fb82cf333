"""Retry with backoff where the project's own code talks to the broker, and say so while waiting.

An unreachable broker is retried with exponential backoff (with jitter) for
Settings.broker_retry_timeout_s; every wait is logged as `broker_unreachable_retrying` with the
attempt number and the delay, and giving up raises BrokerUnavailable naming the broker and the
time spent. Errors that retrying cannot fix (bad configuration, unknown topic...) are raised at
once; a failed authentication as BrokerAuthenticationFailed, which names the broker, the
mechanism and the user (never the password).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import structlog
from kafka.errors import (
    BrokerNotAvailableError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MetadataEmptyBrokerList,
    NetworkExceptionError,
    NodeNotReadyError,
    RequestTimedOutError,
    SaslAuthenticationFailedError,
)
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)

from service.settings import Settings

log = structlog.get_logger(__name__)
T = TypeVar("T")

# What a broker that is down, restarting or cut off looks like to kafka-python.
UNREACHABLE = (
    KafkaConnectionError,
    MetadataEmptyBrokerList,
    BrokerNotAvailableError,
    NetworkExceptionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    RequestTimedOutError,
    ConnectionError,
    TimeoutError,
)
INITIAL_WAIT_S = 0.5
MAX_WAIT_S = 5.0
pause = time.sleep  # the backoff itself; tests replace it to run without waiting


class BrokerUnavailable(RuntimeError):
    """The broker did not answer within the allowed time."""


class BrokerAuthenticationFailed(RuntimeError):
    """The broker refused the configured credentials: trying again cannot help."""


def unreachable(exc: BaseException) -> bool:
    return isinstance(exc, UNREACHABLE)


def _report(action: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "broker_unreachable_retrying",
            action=action,
            attempt=state.attempt_number,
            next_in_s=round(state.upcoming_sleep, 1),
            waited_s=round(state.seconds_since_start or 0.0, 1),
            error=f"{type(exc).__name__}: {exc}" if exc else None,
        )

    return before_sleep


def retrying(settings: Settings, action: str) -> Retrying:
    """A tenacity policy for one action against the broker (also usable as an iterator)."""
    return Retrying(
        retry=retry_if_exception(unreachable),
        wait=wait_exponential_jitter(
            multiplier=INITIAL_WAIT_S, max=MAX_WAIT_S, jitter=INITIAL_WAIT_S
        ),
        stop=stop_after_delay(settings.broker_retry_timeout_s),
        before_sleep=_report(action),
        sleep=lambda seconds: pause(seconds),
        reraise=False,
    )


def call_with_retry(settings: Settings, action: str, fn: Callable[[], T]) -> T:
    """fn(), retried while the broker is unreachable; BrokerUnavailable once the time is up."""
    try:
        return retrying(settings, action)(fn)
    except RetryError as exc:
        raise gave_up(settings, action, exc) from exc.last_attempt.exception()
    except SaslAuthenticationFailedError as exc:
        raise refused(settings, action, exc) from exc


def refused(settings: Settings, action: str, exc: BaseException) -> BrokerAuthenticationFailed:
    # The broker's own reason says which check failed; kafka-python prefixes it with the error
    # class (twice), which the first words of this message already say.
    reason = str(exc).rpartition("SaslAuthenticationFailedError: ")[2] or type(exc).__name__
    return BrokerAuthenticationFailed(
        f"{action}: authentication failed at {settings.bootstrap_servers} "
        f"({settings.security_protocol.value}, {settings.sasl_mechanism.value}, user "
        f"{settings.sasl_username!r}): {reason}"
    )


def gave_up(settings: Settings, action: str, exc: RetryError) -> BrokerUnavailable:
    last = exc.last_attempt.exception()
    return BrokerUnavailable(
        f"{action}: no Kafka broker answered at {settings.bootstrap_servers} within "
        f"{settings.broker_retry_timeout_s:.0f}s ({exc.last_attempt.attempt_number} attempts; "
        f"last error {type(last).__name__}: {last})"
    )
