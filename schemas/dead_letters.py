"""DeadLetter: an event that could not be processed, kept whole with the reason."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract

PREVIEW_CHARS = 500


class DeadLetter(Contract):
    schema_version: Literal[1] = SCHEMA_VERSION
    source_topic: str
    partition: int
    offset: int
    key_base64: str | None = Field(default=None, description="Original key bytes, base64.")
    value_base64: str = Field(description="Original value bytes, base64: nothing is lost.")
    value_preview: str = Field(description="Start of the value as text, for people reading logs.")
    stage: str = Field(description="The agent that rejected the event.")
    error_type: str = Field(description="Class of failure, e.g. invalid_json, validation_error.")
    reason: str = Field(description="Human-readable reason, e.g. the validation errors.")
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
    ) -> DeadLetter:
        return cls(
            source_topic=source_topic,
            partition=partition,
            offset=offset,
            key_base64=base64.b64encode(key).decode("ascii") if key is not None else None,
            value_base64=base64.b64encode(value).decode("ascii"),
            value_preview=value[:PREVIEW_CHARS].decode("utf-8", errors="replace"),
            stage=stage,
            error_type=error_type,
            reason=reason,
            failed_at=failed_at,
        )

    def original_value(self) -> bytes:
        return base64.b64decode(self.value_base64)
