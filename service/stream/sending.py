"""Send one schema model to a topic: encoded, keyed, stamped with its event time."""

from __future__ import annotations

from datetime import datetime

import faust
from pydantic import BaseModel

from service.stream.codec import encode


async def send(
    topic: faust.TopicT,
    key: str,
    model: BaseModel | None,
    *,
    at: datetime | None = None,
    partition: int | None = None,
) -> None:
    """Send one model (None: a tombstone); `at` becomes the record timestamp (event time).
    `partition` overrides the key's partition (probe batches go to the shard that owns them)."""
    await topic.send(
        key=key.encode("utf-8"),
        value=encode(model) if model is not None else None,
        timestamp=at.timestamp() if at else None,
        partition=partition,
    )
