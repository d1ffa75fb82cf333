"""Raw Kafka bytes -> a schemas model, or a DeadLetter that says why not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas.dead_letters import DeadLetter

M = TypeVar("M", bound=BaseModel)

MAX_REASON = 2_000


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)[:MAX_REASON]


def decode(
    model: type[M],
    value: bytes | None,
    *,
    key: bytes | None,
    topic: str,
    partition: int,
    offset: int,
    stage: str,
    max_bytes: int | None = None,
) -> M | DeadLetter:
    """Parse and validate one event; never raises for bad input.

    max_bytes: a larger value is rejected before parsing, and its dead letter keeps only the
    head of it with its size and SHA-256 (the whole value may not fit in a message).
    """

    def dead(error_type: str, reason: str) -> DeadLetter:
        return DeadLetter.of(
            source_topic=topic,
            partition=partition,
            offset=offset,
            key=key,
            value=value or b"",
            stage=stage,
            error_type=error_type,
            reason=reason[:MAX_REASON],
            failed_at=datetime.now(UTC),
            keep_bytes=max_bytes,
        )

    if value is None:
        return dead("empty_value", "the event has no value (tombstone or null)")
    if max_bytes is not None and len(value) > max_bytes:
        return dead(
            "too_large",
            f"value is {len(value)} bytes, more than the {max_bytes} allowed (max_entry_bytes)",
        )
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return dead("invalid_utf8", f"value is not UTF-8: {exc}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return dead("invalid_json", f"value is not JSON: {exc}")
    except RecursionError:
        return dead("invalid_json", "value is nested too deeply to parse")
    if not isinstance(data, dict):
        return dead("not_an_object", f"expected a JSON object, got {type(data).__name__}")
    version = data.get("schema_version", 1)
    # Exactly the integer 1: true and 1.0 compare equal to 1 but are not a version.
    if type(version) is not int or version != 1:
        return dead("unknown_schema_version", f"schema_version {version!r} is not supported (1)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return dead("validation_error", _validation_reason(exc))
    except (RecursionError, ValueError, TypeError) as exc:  # pathological input, never a crash
        return dead("validation_error", f"{type(exc).__name__}: {exc}")


def encode(model: BaseModel) -> bytes:
    return model.model_dump_json().encode("utf-8")
