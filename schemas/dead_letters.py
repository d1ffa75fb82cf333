"""DeadLetter: an event that could not be processed, kept whole with the reason."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract

PREVIEW_CHARS = 500
# What an oversized value keeps: its head, with size and digest to identify the whole.
TRUNCATED_HEAD_BYTES = 64 * 1024


class Failure(StrEnum):
    """Whether trying the same event again could succeed."""

    # Fails on every try: bad input, or a bug. Dead-lettered at once; replay it after a fix.
    PERMANENT = "permanent"
    # Could pass (a timeout, a broker hiccup) but lasted through every retry. Replay it once
    # the cause is gone (`liveblog dead-letters replay`).
    TRANSIENT = "transient"


class DeadLetter(Contract):
    schema_version: Literal[1] = SCHEMA_VERSION
    source_topic: str
    partition: int
    offset: int
    key_base64: str | None = Field(default=None, description="Original key bytes, base64.")
    value_base64: str = Field(
        description="Original value bytes, base64; only the head when value_truncated."
    )
    value_truncated: bool = Field(
        default=False,
        description="True when the value was too large to keep: value_base64 holds its first "
        "bytes, value_size and value_sha256 identify the whole.",
    )
    value_size: int | None = Field(default=None, ge=0, description="Size of the whole value.")
    value_sha256: str | None = Field(default=None, description="SHA-256 of the whole value, hex.")
    value_preview: str = Field(description="Start of the value as text, for people reading logs.")
    stage: str = Field(description="The agent that rejected the event.")
    error_type: str = Field(description="Class of failure, e.g. invalid_json, validation_error.")
    reason: str = Field(description="Human-readable reason, e.g. the validation errors.")
    failure: Failure = Field(
        default=Failure.PERMANENT,
        description="permanent: fails on every try (bad input, a bug), dead-lettered at once; "
        "transient: could pass (a timeout, a broker hiccup) but lasted through every retry.",
    )
    attempts: int = Field(default=1, ge=1, description="How many times the event was tried.")
    failed_at: AwareDatetime

    @classmethod
    def of(
        cls,
        *,
        source_topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
        stage: str,
        error_type: str,
        reason: str,
        failed_at: datetime,
        keep_bytes: int | None = None,
        failure: Failure = Failure.PERMANENT,
        attempts: int = 1,
    ) -> DeadLetter:
        """keep_bytes: values longer than this keep only their head (None: keep everything)."""
        truncated = keep_bytes is not None and len(value) > keep_bytes
        kept = value
        if keep_bytes is not None and truncated:
            kept = value[: min(keep_bytes, TRUNCATED_HEAD_BYTES)]
        return cls(
            source_topic=source_topic,
            partition=partition,
            offset=offset,
            key_base64=base64.b64encode(key).decode("ascii") if key is not None else None,
            value_base64=base64.b64encode(kept).decode("ascii"),
            value_truncated=truncated,
            value_size=len(value),
            value_sha256=hashlib.sha256(value).hexdigest(),
            value_preview=value[:PREVIEW_CHARS].decode("utf-8", errors="replace"),
            stage=stage,
            error_type=error_type,
            reason=reason,
            failure=failure,
            attempts=attempts,
            failed_at=failed_at,
        )

    def original_value(self) -> bytes:
        """The original bytes; raises if only the head was kept (see value_truncated)."""
        if self.value_truncated:
            raise ValueError(
                f"only the first bytes of a {self.value_size}-byte value were kept "
                f"(sha256 {self.value_sha256}); use kept_value()"
            )
        return self.kept_value()

    def kept_value(self) -> bytes:
        """The bytes kept: the whole value, or its head when value_truncated."""
        return base64.b64decode(self.value_base64)
