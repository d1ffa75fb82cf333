"""DeadLetter: an event that could not be processed, kept whole with the reason."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Base64Bytes, Field

from schemas.base import SCHEMA_VERSION, Contract


class DeadLetter(Contract):
    schema_version: Literal[1] = SCHEMA_VERSION
    source_topic: str
    partition: int
    offset: int
    key: Base64Bytes | None = Field(default=None, description="Original key bytes, base64.")
    value: Base64Bytes = Field(description="Original value bytes, base64: nothing is lost.")
    stage: str = Field(description="The agent that rejected the event.")
    error_type: str = Field(description="Class of failure, e.g. invalid_json, validation_error.")
    reason: str = Field(description="Human-readable reason, e.g. the validation errors.")
    failed_at: AwareDatetime
