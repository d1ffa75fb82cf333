"""Retrying an unreachable broker: backoff, a report per wait, a clear error at the deadline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kafka.errors import KafkaConnectionError, KafkaTimeoutError, SaslAuthenticationFailedError
from structlog.testing import capture_logs

from service import progress
from service.broker.embedded import free_port
from service.demo import run_demo
from service.kafka import retry
from service.kafka.retry import BrokerAuthenticationFailed, BrokerUnavailable, call_with_retry
from service.settings import Settings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff waits, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(retry, "pause", waited.append)
    return waited


def _settings(timeout_s: float) -> Settings:
    return Settings(bootstrap_servers="broker:9092", broker_retry_timeout_s=timeout_s)


class Flaky:
    """Fails `failures` times as an unreachable broker does, then answers."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.calls = 0
        self.error = error or KafkaConnectionError("111 ECONNREFUSED")

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "answer"


def test_an_unreachable_broker_is_retried_and_each_wait_reported(pauses: list[float]) -> None:
    flaky = Flaky(failures=3)

    with capture_logs() as logs:
        result = call_with_retry(_settings(60), "creating topics", flaky)

    assert result == "answer" and flaky.calls == 4
    waits = [e for e in logs if e["event"] == "broker_unreachable_retrying"]
    assert [w["attempt"] for w in waits] == [1, 2, 3]
    assert all(w["action"] == "creating topics" and w["next_in_s"] > 0 for w in waits)
    assert "ECONNREFUSED" in waits[0]["error"]


def test_the_wait_between_attempts_grows_up_to_a_bound(pauses: list[float]) -> None:
    call_with_retry(_settings(60), "x", Flaky(failures=8, error=KafkaTimeoutError("slow")))

    assert len(pauses) == 8
    assert pauses[3] > pauses[0]
    assert max(pauses) <= retry.MAX_WAIT_S + retry.INITIAL_WAIT_S


def test_giving_up_names_the_broker_the_action_and_the_time() -> None:
    start = time.monotonic()

    with pytest.raises(BrokerUnavailable) as caught:
        call_with_retry(_settings(1.5), "creating topics", Flaky(failures=1_000))

    assert 1.5 <= time.monotonic() - start < 10
    message = str(caught.value)
    assert "creating topics" in message and "broker:9092" in message and "2s" in message


def test_a_refused_authentication_is_raised_at_once_naming_broker_mechanism_and_user(
    pauses: list[float],
) -> None:
    refused = SaslAuthenticationFailedError(
        "SaslAuthenticationFailedError: Authentication failed during authentication due to "
        "invalid credentials with SASL mechanism SCRAM-SHA-512"
    )
    flaky = Flaky(failures=1, error=refused)
    settings = _settings(60).with_overrides(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="liveblog",
        sasl_password="hunter2-secret",
    )

    with pytest.raises(BrokerAuthenticationFailed) as caught:
        call_with_retry(settings, "creating topics", flaky)

    assert flaky.calls == 1 and pauses == []
    message = str(caught.value)
    assert message.startswith("creating topics: authentication failed at broker:9092")
    assert "SASL_SSL, SCRAM-SHA-512, user 'liveblog'" in message
    assert message.endswith("due to invalid credentials with SASL mechanism SCRAM-SHA-512")
    assert "hunter2" not in message


def test_an_error_retrying_cannot_fix_is_raised_at_once(pauses: list[float]) -> None:
    flaky = Flaky(failures=1, error=ValueError("bad configuration"))

    with pytest.raises(ValueError):
        call_with_retry(_settings(60), "connecting", flaky)

    assert flaky.calls == 1 and pauses == []


def test_waiting_for_processing_reports_an_unreachable_broker_then_gives_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def unreachable(_settings: Settings) -> bool:
        raise KafkaConnectionError("111 ECONNREFUSED")

    monkeypatch.setattr(progress, "drained", unreachable)
    settings = _settings(2).with_overrides(out_dir=tmp_path)

    with capture_logs() as logs, pytest.raises(BrokerUnavailable, match="waiting for processing"):
        progress.wait_until_processed(settings, {"entry-1"}, [], timeout_s=600)

    assert any(e["event"] == "broker_unreachable_retrying" for e in logs)


def test_the_demo_fails_with_a_clear_error_when_no_broker_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        bootstrap_servers=f"127.0.0.1:{free_port()}",  # nothing listens there
        broker_retry_timeout_s=3,
        state_dir=tmp_path / "state",
        out_dir=tmp_path / "out",
    )

    with capture_logs() as logs:
        code = run_demo(settings, SEEDS, timeout_s=60)

    assert code == 1
    err = capsys.readouterr().err
    assert "demo failed" in err and "no Kafka broker answered" in err
    assert any(e["event"] == "broker_unreachable_retrying" for e in logs)
