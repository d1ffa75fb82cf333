"""service.stream.failures: which handler failures are worth another try."""

from __future__ import annotations

import aiokafka.errors
import pytest
from pydantic import ValidationError

from schemas.entries import RawEntry
from service.stream.failures import transient


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
