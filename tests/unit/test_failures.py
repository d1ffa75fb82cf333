"""service.stream.failures: which handler failures are worth another try, and the tries."""

from __future__ import annotations

import asyncio

import aiokafka.errors
import pytest
from pydantic import ValidationError

from schemas.dead_letters import Failure
from schemas.entries import RawEntry
from service.stream import failures
from service.stream.failures import Failed, transient, try_handler


def validation_error() -> ValidationError:
    try:
        RawEntry.model_validate({})
    except ValidationError as exc:
        return exc
    raise AssertionError("an empty entry validated")


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("timed out"),
        ConnectionResetError("reset by peer"),
        aiokafka.errors.KafkaTimeoutError(),
        aiokafka.errors.NotLeaderForPartitionError(),
        aiokafka.errors.RequestTimedOutError(),
    ],
    ids=type,
)
def test_timeouts_and_broker_hiccups_may_pass(error: Exception) -> None:
    assert transient(error)


@pytest.mark.parametrize(
    "error",
    [
        LookupError("answers for e1 but the entry was never stored"),
        ValueError("speaker mention without a speaker id"),
        KeyError("paragraphs"),
        aiokafka.errors.MessageSizeTooLargeError(),
        validation_error(),
    ],
    ids=type,
)
def test_bad_input_and_bugs_will_recur(error: Exception) -> None:
    assert not transient(error)


def test_an_error_caused_by_a_timeout_may_pass() -> None:
    error = RuntimeError("send failed")
    error.__cause__ = TimeoutError()

    assert transient(error)


def run_tries(
    outcomes: list[Exception | None], monkeypatch: pytest.MonkeyPatch
) -> tuple[Failed | None, int, list[int], list[float]]:
    """try_handler over a handler that fails with each given error in turn (None: succeeds):
    the result, the calls made, the attempt numbers reported before each retry, the waits."""
    calls = 0
    reported: list[int] = []
    waits: list[float] = []

    async def handler() -> None:
        nonlocal calls
        outcome = outcomes[calls]
        calls += 1
        if outcome is not None:
            raise outcome

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(failures, "pause", no_wait)
    result = asyncio.run(try_handler(handler, lambda state: reported.append(state.attempt_number)))
    return result, calls, reported, waits


def test_a_handler_that_succeeds_is_called_once_and_nothing_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run_tries([None], monkeypatch) == (None, 1, [], [])


def test_a_handler_that_times_out_twice_is_tried_a_third_time_after_growing_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls, reported, waits = run_tries([TimeoutError(), TimeoutError(), None], monkeypatch)

    assert (result, calls, reported) == (None, 3, [1, 2])
    assert len(waits) == 2
    assert failures.INITIAL_WAIT_S <= waits[0] < waits[1] <= failures.MAX_WAIT_S + 0.1


def test_a_failure_that_will_recur_after_a_timeout_stops_the_tries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls, reported, _ = run_tries([TimeoutError(), ValueError("bug")], monkeypatch)

    assert result is not None
    assert (result.failure, result.attempts, calls, reported) == (Failure.PERMANENT, 2, 2, [1])
    assert isinstance(result.error, ValueError)


def test_a_timeout_that_lasts_is_tried_every_time_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    tries = failures.TRANSIENT_ATTEMPTS
    result, calls, reported, _ = run_tries([TimeoutError()] * tries, monkeypatch)

    assert result is not None
    assert (result.failure, result.attempts, calls) == (Failure.TRANSIENT, tries, tries)
    assert reported == list(range(1, tries))
