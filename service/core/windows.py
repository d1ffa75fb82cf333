"""Per-speaker occurrence counts in event-time windows: hopping and tumbling, with a grace
period for late reports and expiry of old windows.

Time here is event time, never the wall clock: replaying last year's coverage must fill last
year's windows. A speaker's *stream time* is the latest event time counted for them. A window
[start, start + size) keeps counting until that stream time reaches its end + grace; after
that a report for it is late and only the windows still open count it. A window is dropped
once the stream time is `expires` past its end. Stream time is kept per speaker rather than
per partition so that counts do not depend on which speakers happen to share a partition.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from schemas.speakers import SpeakerSeries, WindowCount


@dataclass(frozen=True)
class WindowSpec:
    """Windows of `size_s` starting every `step_s` (hopping; tumbling when step == size)."""

    size_s: float
    step_s: float
    grace_s: float
    expires_s: float

    def __post_init__(self) -> None:
        if self.size_s <= 0 or self.step_s <= 0 or self.size_s % self.step_s:
            raise ValueError("a window is a positive whole number of steps")

    @property
    def per_instant(self) -> int:
        """How many windows contain any one instant."""
        return int(self.size_s // self.step_s)

    def starts(self, at: float) -> list[float]:
        """Starts of every window that contains `at`, oldest first."""
        latest = math.floor(at / self.step_s) * self.step_s
        return [latest - i * self.step_s for i in reversed(range(self.per_instant))]

    def current_start(self, as_of: float) -> float:
        """The window that ends next after `as_of`: the rolling "last size_s seconds"."""
        return self.starts(as_of)[0]

    def is_open(self, start: float, stream_time: float | None) -> bool:
        return stream_time is None or stream_time < start + self.size_s + self.grace_s

    def is_expired(self, start: float, stream_time: float) -> bool:
        return stream_time >= start + self.size_s + self.expires_s

    @property
    def max_points(self) -> int:
        """How many consecutive windows can still be held at any time (the longest series)."""
        return int((self.size_s + self.expires_s) // self.step_s)


@dataclass(frozen=True)
class SeriesSpecs:
    hopping: WindowSpec
    tumbling: WindowSpec


def _count(
    counts: Mapping[float, int], spec: WindowSpec, at: float, before: float | None, now: float
) -> tuple[dict[float, int], bool]:
    """Counts with one report at `at` added to its open windows; True if it missed one."""
    updated = dict(counts)
    late = False
    for start in spec.starts(at):
        if spec.is_open(start, before):
            updated[start] = updated.get(start, 0) + 1
        else:
            late = True
    kept = {s: n for s, n in updated.items() if not spec.is_expired(s, now)}
    return dict(sorted(kept.items())), late


def add_to_series(
    series: SpeakerSeries | None,
    speaker_id: str,
    at: datetime,
    offset: int,
    specs: SeriesSpecs,
) -> SpeakerSeries:
    """Count one occurrence reported at event time `at`, read at input `offset`.

    An offset already applied changes nothing, so a replayed input is not counted twice; the
    caller makes sure the same occurrence arriving at another offset is not counted again.
    """
    if series is not None and offset <= series.offset:
        return series
    before = series.stream_time.timestamp() if series else None
    now = max(before or at.timestamp(), at.timestamp())
    hopping, late_h = _count(
        series.hopping if series else {}, specs.hopping, at.timestamp(), before, now
    )
    tumbling, late_t = _count(
        series.tumbling if series else {}, specs.tumbling, at.timestamp(), before, now
    )
    return SpeakerSeries(
        speaker_id=speaker_id,
        stream_time=datetime.fromtimestamp(now, tz=UTC),
        offset=offset,
        late=(series.late if series else 0) + (1 if late_h or late_t else 0),
        hopping=hopping,
        tumbling=tumbling,
    )


def move_in_series(
    series: SpeakerSeries, counted_at: datetime, earliest: datetime, offset: int, specs: SeriesSpecs
) -> SpeakerSeries:
    """An occurrence counted at `counted_at` has an earlier report, at `earliest`: its count
    moves to the earlier report's windows, so windows do not depend on which copy came first."""
    if offset <= series.offset:
        return series
    at = counted_at.timestamp()
    uncounted = series.model_copy(
        update={
            "hopping": _uncount(series.hopping, specs.hopping, at),
            "tumbling": _uncount(series.tumbling, specs.tumbling, at),
        }
    )
    return add_to_series(uncounted, series.speaker_id, earliest, offset, specs)


def remove_from_series(
    series: SpeakerSeries, counted_at: datetime, offset: int, specs: SeriesSpecs
) -> SpeakerSeries:
    """Take back one occurrence counted at `counted_at` (no entry reports it any more)."""
    if offset <= series.offset:
        return series
    at = counted_at.timestamp()
    return series.model_copy(
        update={
            "hopping": _uncount(series.hopping, specs.hopping, at),
            "tumbling": _uncount(series.tumbling, specs.tumbling, at),
            "offset": offset,
        }
    )


def _uncount(counts: Mapping[float, int], spec: WindowSpec, at: float) -> dict[float, int]:
    updated = dict(counts)
    for start in spec.starts(at):
        if updated.get(start, 0) > 1:
            updated[start] -= 1
        else:
            updated.pop(start, None)
    return updated


def window_count(counts: Mapping[float, int], spec: WindowSpec, as_of: datetime) -> int:
    """Occurrences in the window that ends next after `as_of`."""
    return counts.get(spec.current_start(as_of.timestamp()), 0)


def recent_counts(
    counts: Mapping[float, int], spec: WindowSpec, as_of: datetime, points: int
) -> list[int]:
    """Occurrences of the `points` consecutive windows up to the current one, oldest first
    (zero where a window has none)."""
    last = spec.current_start(as_of.timestamp())
    return [counts.get(last - i * spec.step_s, 0) for i in reversed(range(points))]


def series_start(spec: WindowSpec, as_of: datetime, points: int) -> datetime:
    """Start of the first window `recent_counts` returns."""
    first = spec.current_start(as_of.timestamp()) - (points - 1) * spec.step_s
    return datetime.fromtimestamp(first, tz=UTC)


def stored_windows(counts: Mapping[float, int], spec: WindowSpec) -> list[WindowCount]:
    """The windows held for a speaker, oldest first."""
    return [
        WindowCount(
            start=(start_at := datetime.fromtimestamp(start, tz=UTC)),
            end=start_at + timedelta(seconds=spec.size_s),
            occurrences=n,
        )
        for start, n in sorted(counts.items())
    ]


def merge_series(series: SpeakerSeries, other: SpeakerSeries) -> SpeakerSeries:
    """`series` with another id's window counts added (a surname-only id resolved to this
    speaker): counts summed per window, the later stream time, late reports summed."""

    def add(a: Mapping[float, int], b: Mapping[float, int]) -> dict[float, int]:
        return {s: a.get(s, 0) + b.get(s, 0) for s in sorted({*a, *b})}

    return series.model_copy(
        update={
            "stream_time": max(series.stream_time, other.stream_time),
            "late": series.late + other.late,
            "hopping": add(series.hopping, other.hopping),
            "tumbling": add(series.tumbling, other.tumbling),
        }
    )
