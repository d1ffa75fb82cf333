"""Settings: the one configuration object, read from LIVEBLOG_* environment variables and flags.

An invalid setting is reported by the name of its environment variable and never with its
value (pydantic's own message prints every input, a password included): see load_settings.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.core.windows import SeriesSpecs, WindowSpec


class LogFormat(StrEnum):
    AUTO = "auto"  # console on a terminal, JSON otherwise
    JSON = "json"
    CONSOLE = "console"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"

    @property
    def uses_sasl(self) -> bool:
        return self in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL)

    @property
    def uses_tls(self) -> bool:
        return self in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL)


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


def _env(name: str) -> AliasChoices:
    """LIVEBLOG_<NAME> first, then the conventional KAFKA_<NAME>."""
    return AliasChoices(f"LIVEBLOG_{name}", f"KAFKA_{name}")


class Settings(BaseSettings):
    """Everything a process needs to know; built once by the CLI and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="LIVEBLOG_",
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        # VAR= (e.g. an unset pass-through in docker-compose) means "not set", not "".
        env_ignore_empty=True,
    )

    bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LIVEBLOG_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
        description="host:port[,host:port]; unset means: use the embedded broker.",
    )
    broker_heap: str = Field(
        default="512m",
        pattern=r"^\d+[kKmMgG]$",
        description="Java heap (-Xmx) of the embedded Apache Kafka broker.",
    )
    topic_prefix: str = Field(default="liveblog.", description="Prepended to every topic name.")
    partitions: int = Field(default=4, ge=1, description="Partitions of every topic created.")
    replication_factor: int = Field(default=1, ge=1)
    topic_retention_bytes: int = Field(
        default=-1,
        ge=-1,
        description="retention.bytes per partition of the non-compacted topics the service "
        "creates (-1: keep everything). Their retention.ms is -1: records carry event time, "
        "which may be years old on a replay, so only size may delete them.",
    )
    app_id: str = Field(default="liveblog-ingest", description="Faust app id / consumer group.")
    out_dir: Path = Field(default=Path("out"), description="Where the sink writes its files.")
    state_dir: Path = Field(default=Path(".run"), description="Pid files, logs, Faust data.")
    web_port: int = Field(default=6066, ge=0, le=65535, description="Worker HTTP port.")
    web_host: str = "127.0.0.1"
    canonical_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/]+$",
        description="How other workers reach this one's HTTP API, e.g. http://worker-1:6066 "
        "(unset: http://<web host>:<web port>). Each worker needs its own: with a web host of "
        "0.0.0.0, every worker would take itself for the owner of every key.",
    )
    log_format: LogFormat = LogFormat.AUTO
    log_level: LogLevel = Field(default=LogLevel.INFO, description="Least severe level logged.")
    session_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Consumer session timeout: how soon a dead worker's partitions move.",
    )
    heartbeat_interval_s: float = Field(default=1.0, gt=0)
    window_s: float = Field(
        default=86_400.0, gt=0, description="Tumbling per-speaker window (event time)."
    )
    window_expires_s: float = Field(
        default=7 * 86_400.0, gt=0, description="How long a tumbling window is kept after it ends."
    )
    hopping_window_s: float = Field(
        default=3_600.0, gt=0, description="Hopping per-speaker window size (event time)."
    )
    hopping_step_s: float = Field(
        default=300.0, gt=0, description="Hopping windows start this often."
    )
    hopping_expires_s: float = Field(
        default=86_400.0, gt=0, description="How long a hopping window is kept after it ends."
    )
    window_grace_s: float = Field(
        default=3_600.0,
        ge=0,
        description="A report this late (after the window ended, in the speaker's event time) "
        "still counts in its window.",
    )
    dedup_horizon_s: float = Field(
        default=7 * 86_400.0,
        gt=0,
        description="Event-time horizon of the dedup index: older entries leave it.",
    )
    # Off until a crash cannot lose a count with it on: `bench/crash.py --kills 20 --entries
    # 5000` lost one speaker occurrence at 0.1 s and none at 0 on the same code.
    coalesce_interval_s: float = Field(
        default=0.0,
        ge=0,
        description="Updates of one key within this interval (a row of a coalescing table, a "
        "key of speaker-updates or canonical-quotes) are written once, with the latest value; "
        "it bounds how stale those changelogs and outputs are. Offsets are committed only after "
        "such a write. 0: every update is written at once.",
    )
    sink_flush_interval_s: float = Field(default=0.5, gt=0)
    sink_retry_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="How long the sink retries writing while SQLite is locked or the disk is "
        "full, before it stops (committing nothing it has not written).",
    )
    max_entry_bytes: int = Field(
        default=512 * 1024,
        ge=1024,
        description="Largest raw entry event accepted; larger ones are dead-lettered.",
    )
    max_message_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024 * 1024,
        description="Largest Kafka message the service's topics and clients carry, so that an "
        "oversized entry reaches validation (and the dead-letter topic) instead of being "
        "refused by the broker.",
    )
    broker_retry_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="How long the service's own clients retry an unreachable broker.",
    )
    security_protocol: SecurityProtocol = Field(
        default=SecurityProtocol.PLAINTEXT, validation_alias=_env("SECURITY_PROTOCOL")
    )
    sasl_mechanism: SaslMechanism = Field(
        default=SaslMechanism.PLAIN, validation_alias=_env("SASL_MECHANISM")
    )
    sasl_username: str | None = Field(default=None, validation_alias=_env("SASL_USERNAME"))
    # SecretStr: repr, str and JSON dumps show "**********", so logging settings leaks nothing.
    sasl_password: SecretStr | None = Field(default=None, validation_alias=_env("SASL_PASSWORD"))
    ssl_cafile: Path | None = Field(
        default=None, validation_alias=_env("SSL_CAFILE"), description="CA bundle (PEM)."
    )
    ssl_certfile: Path | None = Field(
        default=None, validation_alias=_env("SSL_CERTFILE"), description="Client certificate."
    )
    ssl_keyfile: Path | None = Field(
        default=None, validation_alias=_env("SSL_KEYFILE"), description="Client key."
    )
    ssl_check_hostname: bool = Field(default=True, validation_alias=_env("SSL_CHECK_HOSTNAME"))

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    # The cross-field checks name the variables involved and no value: pydantic adds the whole
    # input to a model validator's error, and load_settings leaves that out.
    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        # A dead letter keeps a rejected entry whole, base64 (4/3) plus its metadata.
        if self.max_message_bytes < 2 * self.max_entry_bytes:
            raise ValueError(
                f"{env_name('max_message_bytes')} must be at least twice "
                f"{env_name('max_entry_bytes')}"
            )
        if -1 < self.topic_retention_bytes < self.max_message_bytes:
            raise ValueError(
                f"{env_name('topic_retention_bytes')} must be -1 or at least "
                f"{env_name('max_message_bytes')}"
            )
        if self.security_protocol.uses_sasl and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"a SASL {env_name('security_protocol')} needs {env_name('sasl_username')} "
                f"and {env_name('sasl_password')}"
            )
        return self

    api_gather_timeout_s: float = Field(
        default=5.0, gt=0, description="How long a worker waits for another worker's answer."
    )
    follow_interval_s: float = Field(
        default=60.0, gt=0, description="`liveblog follow` polls each URL this often."
    )
    follow_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Longest a request of `liveblog follow` may take, connecting and reading.",
    )
    follow_max_page_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="Largest page or feed read (after decompression); a larger one is a failure.",
    )
    follow_host_gap_s: float = Field(
        default=1.0,
        ge=0,
        description="Per-host limit: requests to one host start at least this far apart (and "
        "one at a time).",
    )
    follow_retries: int = Field(
        default=2, ge=0, description="Retries of a request answered 429 or 5xx, or not at all."
    )
    follow_backoff_s: float = Field(
        default=1.0, ge=0, description="Wait before the first retry; it doubles at each retry."
    )
    follow_max_retry_wait_s: float = Field(
        default=30.0,
        ge=0,
        description="A Retry-After longer than this ends the poll of that URL; its next poll "
        "comes no earlier than the server asked.",
    )
    follow_user_agent: str = Field(
        default="liveblog-ingest/0.1 (follow)",
        min_length=1,
        description="User-Agent header of `liveblog follow`'s requests.",
    )

    @model_validator(mode="after")
    def _windows_fit(self) -> Settings:
        # Window starts are multiples of the step, so a hopping window must be whole steps; a
        # window must outlive its grace period, or late reports would find it gone.
        if self.hopping_window_s % self.hopping_step_s:
            raise ValueError(
                f"{env_name('hopping_window_s')} must be a multiple of {env_name('hopping_step_s')}"
            )
        for name in ("hopping_expires_s", "window_expires_s"):
            if getattr(self, name) < self.window_grace_s:
                raise ValueError(f"{env_name(name)} must be at least {env_name('window_grace_s')}")
        return self

    @property
    def series_specs(self) -> SeriesSpecs:
        """The per-speaker event-time windows these settings ask for (service/core/windows.py)."""
        grace = self.window_grace_s
        hopping = WindowSpec(
            self.hopping_window_s, self.hopping_step_s, grace, self.hopping_expires_s
        )
        tumbling = WindowSpec(self.window_s, self.window_s, grace, self.window_expires_s)
        return SeriesSpecs(hopping=hopping, tumbling=tumbling)

    @property
    def embedded(self) -> bool:
        return self.bootstrap_servers is None

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced (None values are ignored: flag not given)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if not given:
            return self
        # Validate the result: a flag gets the same checks as an environment variable.
        return type(self).model_validate({**self.model_dump(), **given})


class InvalidSettings(ValueError):
    """Settings that cannot be used; the message names each variable, and never a value."""


def env_name(field: str) -> str:
    """The environment variable a field is read from, e.g. LIVEBLOG_PARTITIONS (the LIVEBLOG_
    one, which wins, when a field also has a conventional KAFKA_ name)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"{Settings.model_config.get('env_prefix', '')}{field}".upper()


def _field_of(location: str) -> str | None:
    """The field a validation error's location names: a field name, or one of its aliases."""
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else []
        if location == field or location in choices:
            return field
    return None


def describe_invalid(error: ValidationError) -> str:
    """One line naming each bad variable and what is wrong with it, without any input value."""
    problems = []
    for detail in error.errors(include_input=False, include_url=False, include_context=False):
        location = str(detail["loc"][0]) if detail["loc"] else ""
        field = _field_of(location)
        message = detail["msg"].removeprefix("Value error, ")
        problems.append(f"{env_name(field)}: {message}" if field else message)
    return "; ".join(problems)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, then the given flags (None: not given).

    Raises InvalidSettings; the ValidationError is not chained, so that no traceback or log of
    this error can print the inputs it carries."""
    try:
        return Settings().with_overrides(**overrides)
    except ValidationError as exc:
        raise InvalidSettings(describe_invalid(exc)) from None
