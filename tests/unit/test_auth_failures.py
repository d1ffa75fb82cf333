"""A refused SASL authentication stops a kafka-python connection attempt with that error
(service/kafka/auth_failures.py), even when the broker's close arrives with its answer, while a
dropped connection is still retried."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace
from typing import Any

import pytest
from kafka.errors import KafkaConnectionError, SaslAuthenticationFailedError
from kafka.net.connection import KafkaConnection
from kafka.net.transport import KafkaTCPTransport
from kafka.protocol.sasl import SaslAuthenticateRequest, SaslHandshakeRequest

from service.kafka import auth_failures
from service.kafka.config import kafka_python_config
from service.settings import Settings

SECRET = "hunter2-not-logged"


class FakeTransport:
    host = "broker"

    def __init__(self, connection: KafkaConnection) -> None:
        self.connection = connection
        self.aborted_with: BaseException | None = None

    def abort(self, error: BaseException) -> None:
        self.aborted_with = error
        self.connection.connection_lost(error)


def connection(
    monkeypatch: pytest.MonkeyPatch, auth_error: int = 0, api_versions_error: bool = False
) -> tuple[KafkaConnection, FakeTransport]:
    """A connection whose broker answers the SASL exchange with `auth_error` (58: refused)."""

    async def get_api_versions(self: KafkaConnection, timeout_at: float | None = None) -> None:
        if api_versions_error:
            raise KafkaConnectionError("socket disconnected")

    async def send_request(self: KafkaConnection, request: Any, **_: Any) -> Any:
        if isinstance(request, SaslHandshakeRequest):
            return SimpleNamespace(error_code=0, mechanisms=["PLAIN"], API_VERSION=1)
        assert isinstance(request, SaslAuthenticateRequest)
        return SimpleNamespace(
            error_code=auth_error,
            error_message="Authentication failed: Invalid username or password",
            auth_bytes=b"",
            session_lifetime_ms=0,
        )

    monkeypatch.setattr(KafkaConnection, "_get_api_versions", get_api_versions)
    monkeypatch.setattr(KafkaConnection, "_send_request", send_request)
    conn = KafkaConnection(
        None,
        node_id="bootstrap-0",
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_plain_username="liveblog",
        sasl_plain_password=SECRET,
    )
    transport = FakeTransport(conn)
    conn.transport = transport
    return conn, transport


@pytest.fixture(autouse=True)
def installed() -> None:
    auth_failures.install()


def test_a_refused_authentication_is_raised_after_closing_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conn, transport = connection(monkeypatch, auth_error=58)

    with pytest.raises(SaslAuthenticationFailedError) as caught:
        asyncio.run(conn.initialize())

    # Raised, the manager records it and its next attempt fails at once instead of retrying.
    assert transport.aborted_with is caught.value
    assert conn.init_future.failed() and conn.init_future.exception is caught.value
    assert SECRET not in str(caught.value)


def test_a_dropped_connection_is_only_closed_so_it_is_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conn, transport = connection(monkeypatch, api_versions_error=True)

    asyncio.run(conn.initialize())  # does not raise: the bootstrap goes on trying

    assert isinstance(transport.aborted_with, KafkaConnectionError)
    assert conn.init_future.failed()


def test_accepted_credentials_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    conn, transport = connection(monkeypatch, auth_error=0)

    asyncio.run(conn.initialize())

    assert transport.aborted_with is None
    assert conn.init_future.succeeded()


def test_an_answer_read_together_with_the_close_is_delivered_before_the_close() -> None:
    ours, broker = socket.socketpair()
    ours.setblocking(False)
    broker.sendall(b"the broker's answer")
    broker.close()  # as Kafka does 100 ms after refusing an authentication
    transport = SimpleNamespace(_sock=ours)

    try:
        first = KafkaTCPTransport._sock_recv(transport)
        second = KafkaTCPTransport._sock_recv(transport)
    finally:
        ours.close()

    assert first == (b"the broker's answer", None)  # read by the connection: the refusal
    data, error = second
    assert data == b"" and isinstance(error, KafkaConnectionError)  # then the close


def test_every_kafka_python_client_gets_the_fix() -> None:
    kafka_python_config(Settings(bootstrap_servers="broker:9092"))

    assert getattr(KafkaConnection, "_liveblog_fails_on_authentication", False)
    wrapped = KafkaConnection.initialize
    auth_failures.install()  # a second install does not wrap twice
    assert KafkaConnection.initialize is wrapped
