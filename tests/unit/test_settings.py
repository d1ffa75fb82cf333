"""service.settings: defaults, LIVEBLOG_* / KAFKA_* environment variables, derived flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.processes import child_env
from service.settings import LogFormat, Settings

pytestmark = pytest.mark.usefixtures("clean_env")


def test_defaults_use_the_embedded_broker_and_local_folders() -> None:
    settings = Settings()

    assert settings.bootstrap_servers is None
    assert settings.embedded
    assert settings.broker_heap == "512m"
    assert settings.topic_prefix == "liveblog."
    assert settings.partitions >= 1
    assert settings.out_dir == Path("out")
    assert settings.state_dir == Path(".run")
    assert settings.log_format is LogFormat.AUTO
    assert settings.window_s == 86_400


def test_partitions_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_PARTITIONS", "12")

    assert Settings().partitions == 12


def test_kafka_bootstrap_servers_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")

    settings = Settings()

    assert settings.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert not settings.embedded


def test_liveblog_bootstrap_servers_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_BOOTSTRAP_SERVERS", "broker:29092")

    assert Settings().bootstrap_servers == "broker:29092"


def test_liveblog_bootstrap_servers_wins_over_kafka_bootstrap_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "generic:9092")
    monkeypatch.setenv("LIVEBLOG_BOOTSTRAP_SERVERS", "specific:9092")

    assert Settings().bootstrap_servers == "specific:9092"


def test_other_fields_come_from_liveblog_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_TOPIC_PREFIX", "test.")
    monkeypatch.setenv("LIVEBLOG_STATE_DIR", "/tmp/state")
    monkeypatch.setenv("LIVEBLOG_BROKER_HEAP", "1g")

    settings = Settings()

    assert settings.topic_prefix == "test."
    assert settings.state_dir == Path("/tmp/state")
    assert settings.broker_heap == "1g"


@pytest.mark.parametrize("heap", ["512", "lots", "1.5g", ""])
def test_a_broker_heap_java_would_not_take_is_refused(heap: str) -> None:
    with pytest.raises(ValidationError):
        Settings(broker_heap=heap)


def test_overrides_replace_the_given_fields() -> None:
    settings = Settings()

    changed = settings.with_overrides(partitions=8, topic_prefix="x.")

    assert (changed.partitions, changed.topic_prefix) == (8, "x.")
    assert (settings.partitions, settings.topic_prefix) != (8, "x.")


def test_overrides_ignore_none_flags() -> None:
    settings = Settings(partitions=6, bootstrap_servers="kafka:9092")

    same = settings.with_overrides(partitions=None, bootstrap_servers=None)

    assert same == settings
    assert same.partitions == 6


def test_flag_overrides_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_PARTITIONS", "12")

    settings = Settings().with_overrides(partitions=3)

    assert settings.partitions == 3


def test_settings_are_immutable() -> None:
    settings = Settings()

    with pytest.raises(ValidationError):
        settings.partitions = 9  # type: ignore[misc]


def test_zero_partitions_is_rejected() -> None:
    with pytest.raises(ValidationError, match="partitions"):
        Settings(partitions=0)


def test_zero_partitions_from_the_environment_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVEBLOG_PARTITIONS", "0")

    with pytest.raises(ValidationError, match="partitions"):
        Settings()


def test_non_numeric_partitions_from_the_environment_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVEBLOG_PARTITIONS", "four")

    with pytest.raises(ValidationError, match="partitions"):
        Settings()


@pytest.mark.parametrize("override", [{"partitions": 0}, {"web_port": 70_000}])
def test_invalid_override_is_rejected(override: dict[str, object]) -> None:
    settings = Settings()

    with pytest.raises(ValidationError):
        settings.with_overrides(**override)


def test_speaker_windows_default_to_hourly_hops_every_five_minutes_and_a_day() -> None:
    settings = Settings()

    assert (settings.hopping_window_s, settings.hopping_step_s) == (3_600, 300)
    assert settings.window_s == 86_400
    assert settings.window_grace_s > 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"hopping_window_s": 3_600, "hopping_step_s": 7 * 60},
            "multiple of LIVEBLOG_HOPPING_STEP_S",
        ),
        ({"window_grace_s": 7_200, "hopping_expires_s": 3_600}, "at least LIVEBLOG_WINDOW_GRACE_S"),
    ],
)
def test_windows_that_cannot_work_are_rejected(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**changes)


@pytest.mark.parametrize("retention", [0, 1024, 1024 * 1024])
def test_a_topic_retention_smaller_than_one_message_is_refused(retention: int) -> None:
    with pytest.raises(ValidationError, match="LIVEBLOG_TOPIC_RETENTION_BYTES"):
        Settings(topic_retention_bytes=retention)


def test_topics_keep_everything_unless_told_a_size() -> None:
    assert Settings().topic_retention_bytes == -1
    assert Settings(topic_retention_bytes=2**30).topic_retention_bytes == 2**30


def test_a_child_process_runs_with_every_setting_of_its_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every field away from its default, so a field the child does not receive shows.
    parent = Settings().with_overrides(
        bootstrap_servers="kafka-1:9092",
        partitions=6,
        session_timeout_s=42.5,
        heartbeat_interval_s=2.5,
        app_id="liveblog-7",
        dedup_horizon_s=3600.0,
        coalesce_interval_s=0.25,
        window_s=7200.0,
        web_host="0.0.0.0",
        canonical_url="http://worker-7:6066",
        security_protocol="SASL_SSL",
        sasl_username="svc",
        sasl_password="not-a-real-one",
        ssl_check_hostname=False,
        log_level="DEBUG",
    )
    monkeypatch.setenv("LIVEBLOG_SASL_USERNAME", "stale")  # the parent's environment loses
    for name, value in child_env(parent).items():
        if name.startswith(("LIVEBLOG_", "KAFKA_")):
            monkeypatch.setenv(name, value)

    child = Settings()

    assert child.log_format is LogFormat.JSON  # its output goes to a log file
    assert child.with_overrides(log_format=parent.log_format) == parent


def test_an_unset_setting_stays_unset_in_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_CANONICAL_URL", "http://worker-1:6066")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9092")

    env = child_env(Settings().model_copy(update={"canonical_url": None}))

    assert "LIVEBLOG_CANONICAL_URL" not in env
    assert "KAFKA_BOOTSTRAP_SERVERS" not in env
