"""Client settings shared by every Kafka client: bootstrap servers and security.

One place turns Settings into the keyword arguments of each client library, so a security
setting cannot reach one client and miss another:

* kafka_python_config: the project's own producer, consumers and admin clients (kafka-python);
* faust_credentials: the Faust worker; its aiokafka clients receive them from Faust's
  configuration.
"""

from __future__ import annotations

import ssl
from typing import Any

from faust.auth import SASLCredentials, SSLCredentials
from faust.types.auth import CredentialsT

from service.kafka import auth_failures
from service.settings import SecurityProtocol, Settings


def bootstrap(settings: Settings) -> str:
    if settings.bootstrap_servers is None:
        raise RuntimeError("no bootstrap servers: start the embedded broker first")
    return settings.bootstrap_servers


def security_config(settings: Settings) -> dict[str, Any]:
    """Security keyword arguments, named as kafka-python and aiokafka both name them."""
    protocol = settings.security_protocol
    config: dict[str, Any] = {"security_protocol": protocol.value}
    if protocol.uses_sasl:
        password = settings.sasl_password
        config |= {
            "sasl_mechanism": settings.sasl_mechanism.value,
            "sasl_plain_username": settings.sasl_username,
            "sasl_plain_password": password.get_secret_value() if password else None,
        }
    return config


def kafka_python_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments common to every kafka-python client."""
    # Every kafka-python client is configured here, so none connects before this fix is in.
    auth_failures.install()
    config = {
        "bootstrap_servers": bootstrap(settings).split(","),
        "request_timeout_ms": 30_000,
        # A client gives up one bootstrap attempt after at most 10 s (the retry layer reports
        # it and tries again), and looks for a broker that went away every 2 s, not 30 s.
        "bootstrap_timeout_ms": int(min(10.0, settings.broker_retry_timeout_s / 2) * 1000),
        "reconnect_backoff_max_ms": 2_000,
        **security_config(settings),
    }
    if settings.security_protocol.uses_tls:
        config |= {
            "ssl_check_hostname": settings.ssl_check_hostname,
            "ssl_cafile": _path(settings.ssl_cafile),
            "ssl_certfile": _path(settings.ssl_certfile),
            "ssl_keyfile": _path(settings.ssl_keyfile),
        }
    return config


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of the aiokafka clients (None without TLS)."""
    if not settings.security_protocol.uses_tls:
        return None
    context = ssl.create_default_context(
        purpose=ssl.Purpose.SERVER_AUTH, cafile=_path(settings.ssl_cafile)
    )
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile is not None:
        context.load_cert_chain(str(settings.ssl_certfile), _path(settings.ssl_keyfile))
    return context


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """Faust's broker_credentials; Faust hands them to every aiokafka client it creates."""
    protocol = settings.security_protocol
    context = ssl_context(settings)
    if protocol.uses_sasl:
        password = settings.sasl_password
        return SASLCredentials(
            username=settings.sasl_username,
            password=password.get_secret_value() if password else None,
            ssl_context=context,  # given: SASL_SSL, else SASL_PLAINTEXT
            mechanism=settings.sasl_mechanism.value,
        )
    if protocol is SecurityProtocol.SSL and context is not None:
        return SSLCredentials(context)
    return None


def _path(value: object) -> str | None:
    return None if value is None else str(value)
