"""A failed SASL authentication ends a kafka-python client's bootstrap at once.

kafka-python 3.0 keeps the last authentication failure of each broker so that the next
connection attempt raises it "instead of silently retrying forever" (KafkaNetManager._connect
and get_connection), but it records only errors that KafkaConnection.initialize raises, and
initialize raises none: it closes the connection with the error and returns. So a wrong
password looked like an unreachable broker: the bootstrap tried again until its timeout and
ended in `KafkaTimeoutError: Unable to bootstrap`, which service/kafka/retry.py then retried
for the whole LIVEBLOG_BROKER_RETRY_TIMEOUT_S.

`install()` makes initialize raise the authentication failure it met, after closing the
connection as before. The manager records it, and the next attempt raises
SaslAuthenticationFailedError out of the client's constructor, which the retry layer does not
retry. Other errors of initialize (a dropped connection, a timeout) are still only closed
with, so they are retried as before.

The broker closes the connection 100 ms after its answer to a failed authentication
(connection.failed.authentication.delay.ms). A client that reads late (a busy machine) gets
the answer and the close in one read, and kafka-python's transports then drop the bytes
they read and report only "socket disconnected": the refusal never reaches initialize, and
each attempt looks like a broker going away. `install()` also makes such a read hand over
its bytes first; the next read meets the close again and reports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kafka.errors import SaslAuthenticationFailedError
from kafka.net.connection import KafkaConnection
from kafka.net.transport import KafkaSSLTransport, KafkaTCPTransport

_FAILURE = "_liveblog_authentication_failure"  # set on a connection whose SASL exchange failed
_INSTALLED = "_liveblog_fails_on_authentication"


def install() -> None:
    """Patch KafkaConnection once (idempotent)."""
    if getattr(KafkaConnection, _INSTALLED, False):
        return
    KafkaConnection._sasl_authenticate = _remember_failure(KafkaConnection._sasl_authenticate)
    KafkaConnection.initialize = _raise_failure(KafkaConnection.initialize)
    for transport in (KafkaTCPTransport, KafkaSSLTransport):  # each has its own _sock_recv
        transport._sock_recv = _data_before_close(transport._sock_recv)
    setattr(KafkaConnection, _INSTALLED, True)


def _remember_failure(
    authenticate: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    async def _sasl_authenticate(self: KafkaConnection, *args: Any, **kwargs: Any) -> Any:
        try:
            return await authenticate(self, *args, **kwargs)
        except SaslAuthenticationFailedError as exc:
            setattr(self, _FAILURE, exc)
            raise

    return _sasl_authenticate


def _raise_failure(initialize: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    async def _initialize(self: KafkaConnection, *args: Any, **kwargs: Any) -> None:
        setattr(self, _FAILURE, None)
        await initialize(self, *args, **kwargs)  # closes the connection with any error
        failure = getattr(self, _FAILURE)
        if failure is not None:
            raise failure

    return _initialize


def _data_before_close(
    receive: Callable[[Any], tuple[bytes, BaseException | None]],
) -> Callable[[Any], tuple[bytes, BaseException | None]]:
    def _sock_recv(self: Any) -> tuple[bytes, BaseException | None]:
        data, error = receive(self)
        if data and error is not None:
            # Deliver what arrived before the close. The socket stays readable at its end,
            # so the next read returns no data and the error, and the transport aborts then.
            return data, None
        return data, error

    return _sock_recv
