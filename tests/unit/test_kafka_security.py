"""SASL/TLS settings reach every Kafka client the service builds, and no secret reaches a log.

The clients are checked where they are built: real kafka-python and aiokafka client objects
constructed from the service's configuration. tests/integration/test_security.py runs the
service end to end over a SASL_SSL listener of the embedded Apache Kafka.
"""

from __future__ import annotations

import asyncio
import io
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from faust.auth import SASLCredentials, SSLCredentials
from kafka.errors import KafkaConnectionError
from pydantic import SecretStr, ValidationError

from service import cli
from service.kafka import admin, lag
from service.kafka.config import faust_credentials, kafka_python_config
from service.processes import child_env
from service.replay import producer
from service.settings import SaslMechanism, SecurityProtocol, Settings
from service.sink import runner
from service.stream.app import create_app
from tests.unit.kafka_clients import Clients

PASSWORD = "pa55-w0rd-that-must-not-leak"
TLS = Path(__file__).resolve().parents[1] / "data" / "tls"


pytestmark = pytest.mark.usefixtures("clean_env")


def sasl(protocol: SecurityProtocol = SecurityProtocol.SASL_SSL, **more: Any) -> Settings:
    return Settings(
        bootstrap_servers="kafka-1:9093,kafka-2:9093",
        security_protocol=protocol,
        sasl_mechanism=SaslMechanism.SCRAM_SHA_512,
        sasl_username="liveblog",
        sasl_password=SecretStr(PASSWORD),
        ssl_cafile=TLS / "client.pem",
        ssl_certfile=TLS / "client.pem",
        ssl_keyfile=TLS / "client.key",
        ssl_check_hostname=False,
        **more,
    )


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Clients:
    recorded = Clients()
    monkeypatch.setattr(producer, "KafkaProducer", recorded.producer)
    monkeypatch.setattr(runner, "KafkaConsumer", recorded.consumer)
    monkeypatch.setattr(lag, "KafkaConsumer", recorded.consumer)
    monkeypatch.setattr(lag, "KafkaAdminClient", recorded.admin)
    monkeypatch.setattr(admin, "KafkaAdminClient", recorded.admin)
    return recorded


EXPECTED_SASL_SSL = {
    "security_protocol": "SASL_SSL",
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_plain_username": "liveblog",
    "sasl_plain_password": PASSWORD,
    "ssl_cafile": str(TLS / "client.pem"),
    "ssl_certfile": str(TLS / "client.pem"),
    "ssl_keyfile": str(TLS / "client.key"),
    "ssl_check_hostname": False,
}


def _subset(config: dict[str, Any]) -> dict[str, Any]:
    return {k: config.get(k) for k in EXPECTED_SASL_SSL}


# --- settings --------------------------------------------------------------------------------


def test_security_settings_come_from_liveblog_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBLOG_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("LIVEBLOG_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("LIVEBLOG_SASL_USERNAME", "svc")
    monkeypatch.setenv("LIVEBLOG_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("LIVEBLOG_SSL_CAFILE", "/etc/kafka/ca.pem")
    monkeypatch.setenv("LIVEBLOG_SSL_CHECK_HOSTNAME", "false")

    settings = Settings()

    assert settings.security_protocol is SecurityProtocol.SASL_SSL
    assert settings.sasl_mechanism is SaslMechanism.SCRAM_SHA_256
    assert settings.sasl_username == "svc"
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == PASSWORD
    assert settings.ssl_cafile == Path("/etc/kafka/ca.pem")
    assert settings.ssl_check_hostname is False


def test_conventional_kafka_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)

    settings = Settings()

    assert settings.security_protocol is SecurityProtocol.SASL_PLAINTEXT
    assert settings.sasl_mechanism is SaslMechanism.PLAIN


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_sasl_without_credentials_is_rejected(protocol: str) -> None:
    with pytest.raises(ValidationError, match="LIVEBLOG_SASL_USERNAME and LIVEBLOG_SASL_PASSWORD"):
        Settings(security_protocol=protocol, sasl_username="svc")


def test_unknown_mechanism_is_rejected() -> None:
    with pytest.raises(ValidationError, match="sasl_mechanism"):
        Settings(sasl_mechanism="GSSAPI")


def test_overrides_keep_the_password() -> None:
    changed = sasl().with_overrides(partitions=2)

    assert changed.sasl_password is not None
    assert changed.sasl_password.get_secret_value() == PASSWORD


def test_child_processes_receive_the_security_settings() -> None:
    env = child_env(sasl())

    assert env["LIVEBLOG_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["LIVEBLOG_SASL_PASSWORD"] == PASSWORD
    assert env["LIVEBLOG_SSL_KEYFILE"] == str(TLS / "client.key")


def test_a_child_reads_back_the_settings_it_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = sasl()
    for name, value in child_env(parent).items():
        if name.startswith("LIVEBLOG_"):
            monkeypatch.setenv(name, value)

    child = Settings()

    fields = ["security_protocol", "sasl_mechanism", "sasl_username", "sasl_password"]
    fields += ["ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_check_hostname"]
    assert {f: getattr(child, f) for f in fields} == {f: getattr(parent, f) for f in fields}


# --- every client ----------------------------------------------------------------------------


def test_plaintext_is_the_default_and_adds_no_credentials() -> None:
    config = kafka_python_config(Settings(bootstrap_servers="kafka:9092"))

    assert config["security_protocol"] == "PLAINTEXT"
    assert not any(k.startswith(("sasl_", "ssl_")) for k in config)


def test_replay_producer_gets_the_security_settings(clients: Clients) -> None:
    producer.create_producer(sasl())

    assert _subset(clients.calls["producer"][0]) == EXPECTED_SASL_SSL
    assert _subset(clients.built["producer"][0]) == EXPECTED_SASL_SSL


def test_sink_consumer_gets_the_security_settings(clients: Clients) -> None:
    runner.SinkRunner(sasl(), writers=[])._consumer()

    assert _subset(clients.built["consumer"][0]) == EXPECTED_SASL_SSL


def test_topic_admin_gets_the_security_settings(clients: Clients) -> None:
    admin.connect_admin(sasl())

    assert _subset(clients.calls["admin"][0]) == EXPECTED_SASL_SSL


def test_lag_check_clients_get_the_security_settings(clients: Clients) -> None:
    with pytest.raises(KafkaConnectionError):  # the recorded clients reach no broker
        lag.group_lag(sasl(), "group", ["topic"])

    assert _subset(clients.calls["admin"][0]) == EXPECTED_SASL_SSL
    assert _subset(clients.built["consumer"][0]) == EXPECTED_SASL_SSL


@pytest.fixture
def worker_app(tmp_path: Path) -> Iterator[Any]:
    app = create_app(sasl(state_dir=tmp_path))
    yield app


def _aiokafka_auth(client: Any) -> dict[str, Any]:
    return {
        "security_protocol": client._security_protocol,
        "sasl_mechanism": client._sasl_mechanism,
        "sasl_plain_username": client._sasl_plain_username,
        "sasl_plain_password": client._sasl_plain_password,
    }


EXPECTED_AIOKAFKA = {
    "security_protocol": "SASL_SSL",
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_plain_username": "liveblog",
    "sasl_plain_password": PASSWORD,
}


def test_faust_worker_consumer_and_producer_get_the_security_settings(worker_app: Any) -> None:
    async def build() -> tuple[Any, Any]:
        consumer = worker_app.consumer._thread._create_worker_consumer(worker_app.transport)
        producer = worker_app.producer._new_producer()
        return consumer, producer

    consumer, producer_ = asyncio.run(build())

    assert _aiokafka_auth(consumer._client) == EXPECTED_AIOKAFKA
    assert _aiokafka_auth(producer_.client) == EXPECTED_AIOKAFKA
    assert isinstance(consumer._client._ssl_context, ssl.SSLContext)
    assert consumer._client._ssl_context.check_hostname is False


def test_faust_credentials_follow_the_protocol() -> None:
    plain_sasl = faust_credentials(sasl(SecurityProtocol.SASL_PLAINTEXT))
    tls_only = faust_credentials(sasl(SecurityProtocol.SSL))

    assert isinstance(plain_sasl, SASLCredentials)
    assert plain_sasl.protocol.value == "SASL_PLAINTEXT" and plain_sasl.ssl_context is None
    assert isinstance(tls_only, SSLCredentials) and tls_only.protocol.value == "SSL"
    assert faust_credentials(Settings()) is None


def test_tls_context_loads_the_client_certificate_and_ca() -> None:
    from service.kafka.config import ssl_context

    context = ssl_context(sasl(SecurityProtocol.SSL))

    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert any("liveblog-test-client" in str(c["subject"]) for c in context.get_ca_certs())


# --- no secret in logs -----------------------------------------------------------------------


def test_settings_repr_str_and_json_hide_the_password() -> None:
    settings = sasl()

    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert PASSWORD not in text
    assert "**********" in settings.model_dump_json()


def test_the_startup_settings_log_hides_the_password(log_output: io.StringIO) -> None:
    logged = cli._logged(sasl())
    structlog.get_logger("test").warning("settings_object", settings=logged)

    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["settings", "settings_object"]
    assert lines[0]["sasl_username"] == "liveblog"
    assert lines[0]["sasl_password"] == "**********"
    assert PASSWORD not in log_output.getvalue()
