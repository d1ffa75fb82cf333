"""When to send each event: as fast as possible, at a fixed rate, or paced by event time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.entries import RawEntry


class PacingMode(StrEnum):
    FAST = "fast"  # as fast as the broker takes them
    RATE = "rate"  # a fixed number of events per second
    REALTIME = "realtime"  # event-time gaps, divided by a speed-up factor


@dataclass(frozen=True)
class Pacing:
    mode: PacingMode = PacingMode.FAST
    rate: float | None = None  # events/s, for RATE
    speedup: float = 1.0  # for REALTIME: 60 plays an hour in a minute

    def __post_init__(self) -> None:
        if self.mode is PacingMode.RATE and not (self.rate and self.rate > 0):
            raise ValueError("a fixed-rate replay needs a rate > 0 events/s")
        if self.speedup <= 0:
            raise ValueError("the speed-up factor must be > 0")


def send_offsets(event_times: Sequence[datetime], pacing: Pacing) -> list[float]:
    """Seconds after the start at which each event is due (events in the order given)."""
    if not event_times:
        return []
    if pacing.mode is PacingMode.FAST:
        return [0.0] * len(event_times)
    if pacing.mode is PacingMode.RATE:
        assert pacing.rate is not None
        return [i / pacing.rate for i in range(len(event_times))]
    first = event_times[0]
    # Out-of-order event times are sent at once rather than "in the past".
    return [max(0.0, (t - first).total_seconds() / pacing.speedup) for t in event_times]


def looped(entries: Sequence[RawEntry], loops: int) -> Iterator[RawEntry]:
    """The entries `loops` times; every pass after the first gets fresh ids and later times,
    so a load test sees new events rather than replays of the same ones."""
    if loops < 1:
        raise ValueError("loops must be >= 1")
    if not entries:
        return
    span = max(e.event_time for e in entries) - min(e.event_time for e in entries)
    shift = span + timedelta(minutes=1)
    for n in range(loops):
        for entry in entries:
            if n == 0:
                yield entry
                continue
            # model_validate, not model_copy: the new ids must pass the same checks.
            yield RawEntry.model_validate(
                {
                    **entry.model_dump(),
                    "entry_id": f"{entry.entry_id}@loop{n}",
                    "document_id": f"{entry.document_id}@loop{n}",
                    "event_time": entry.event_time + shift * n,
                }
            )
