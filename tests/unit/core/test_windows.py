"""service.core.windows: hopping and tumbling event-time windows, grace, expiry, replay guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.speakers import SpeakerSeries
from service.core.windows import (
    SeriesSpecs,
    WindowSpec,
    add_to_series,
    move_in_series,
    recent_counts,
    series_start,
    stored_windows,
    window_count,
)

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)
HOUR, DAY = 3_600.0, 86_400.0
SPECS = SeriesSpecs(
    hopping=WindowSpec(HOUR, 300, grace_s=HOUR, expires_s=DAY),
    tumbling=WindowSpec(DAY, DAY, grace_s=HOUR, expires_s=7 * DAY),
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fold(*minutes: float, specs: SeriesSpecs = SPECS) -> SpeakerSeries:
    """One report per argument, in that arrival order, at consecutive offsets."""
    series: SpeakerSeries | None = None
    for offset, m in enumerate(minutes):
        series = add_to_series(series, "putin", at(m), offset, specs)
    assert series is not None
    return series


def ts(moment: datetime) -> float:
    return moment.timestamp()


def test_a_hopping_instant_lies_in_size_over_step_windows_aligned_to_the_step() -> None:
    spec = WindowSpec(HOUR, 300, grace_s=0, expires_s=DAY)

    starts = spec.starts(ts(at(7)))

    assert len(starts) == 12
    assert starts[-1] == ts(at(5))  # the latest window starts at the last 5-minute mark
    assert starts[0] == ts(at(5)) - 11 * 300
    assert all(s <= ts(at(7)) < s + HOUR for s in starts)


def test_a_tumbling_instant_lies_in_exactly_one_window() -> None:
    assert SPECS.tumbling.starts(ts(at(7))) == [ts(T0.replace(hour=0))]


def test_window_size_must_be_whole_steps() -> None:
    with pytest.raises(ValueError, match="whole number of steps"):
        WindowSpec(HOUR, 7 * 60, grace_s=0, expires_s=DAY)


def test_one_report_counts_once_in_every_window_that_contains_it() -> None:
    series = fold(7)

    assert sorted(series.hopping.values()) == [1] * 12
    assert series.tumbling == {ts(T0.replace(hour=0)): 1}
    assert series.stream_time == at(7)
    assert series.late == 0


def test_the_current_hopping_window_is_the_last_hour_up_to_the_next_step() -> None:
    series = fold(0, 10, 50, 70)  # 12:00, 12:10, 12:50, 13:10

    # At 13:12 the current window is [12:15, 13:15): it holds 12:50 and 13:10.
    assert window_count(series.hopping, SPECS.hopping, at(72)) == 2
    # At 12:52 it is [11:55, 12:55): 12:00, 12:10 and 12:50.
    assert window_count(series.hopping, SPECS.hopping, at(52)) == 3


def test_recent_counts_are_consecutive_windows_oldest_first_with_zeros() -> None:
    series = fold(0, 68)  # 12:00 and 13:08

    counts = recent_counts(series.hopping, SPECS.hopping, at(72), points=3)

    # Windows [12:05, 13:05), [12:10, 13:10), [12:15, 13:15).
    assert counts == [0, 1, 1]
    assert series_start(SPECS.hopping, at(72), points=3) == at(5)


def test_a_replayed_offset_is_not_counted_twice() -> None:
    once = add_to_series(None, "putin", at(0), 5, SPECS)

    again = add_to_series(once, "putin", at(0), 5, SPECS)

    assert again == once


def test_a_late_report_within_grace_is_counted_in_its_window() -> None:
    # Stream time reaches 13:30; a report of 12:40 comes afterwards. Its latest hopping window
    # [12:40, 13:40) ended at 13:40, its earliest [11:45, 12:45) at 12:45: 45 minutes before the
    # stream time, within the hour of grace.
    series = fold(90, 40)

    assert window_count(series.hopping, SPECS.hopping, at(42)) == 1
    assert series.late == 0


def test_a_report_later_than_grace_misses_closed_windows_but_counts_in_open_ones() -> None:
    # Stream time 15:00; a report of 12:40: every hopping window holding it ended by 13:40,
    # more than an hour ago. The day window is still open.
    series = fold(180, 40)

    assert window_count(series.hopping, SPECS.hopping, at(42)) == 0
    assert series.tumbling[ts(T0.replace(hour=0))] == 2
    assert series.late == 1


def test_windows_expire_by_event_time_not_by_the_wall_clock() -> None:
    series = fold(0, 25 * 60 + 60)  # a report 26 hours later

    # Windows that ended more than a day before the stream time are gone; the old day is kept.
    assert min(series.hopping) > ts(at(0))
    assert len(series.tumbling) == 2


def test_stored_windows_are_sorted_with_their_ends() -> None:
    series = fold(0)

    windows = stored_windows(series.tumbling, SPECS.tumbling)

    assert [(w.start, w.end, w.occurrences) for w in windows] == [
        (T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1), 1)
    ]


@given(st.permutations([0, 3, 17, 30, 44, 58]))
def test_counts_do_not_depend_on_arrival_order_within_grace(order: list[float]) -> None:
    reference = fold(0, 3, 17, 30, 44, 58)

    shuffled = fold(*order)

    assert shuffled.hopping == reference.hopping
    assert shuffled.tumbling == reference.tumbling


def test_moving_a_count_to_an_earlier_report_gives_the_in_order_series() -> None:
    in_order = fold(10, 50)
    late_first = fold(50, 70)  # the copy at 70 was counted before the report at 10 arrived

    moved = move_in_series(late_first, at(70), at(10), offset=2, specs=SPECS)

    assert (moved.hopping, moved.tumbling) == (in_order.hopping, in_order.tumbling)


def test_a_move_into_windows_past_their_grace_counts_as_late() -> None:
    moved = move_in_series(fold(50, 200), at(200), at(10), offset=2, specs=SPECS)

    assert moved.late == 1
    assert sum(moved.hopping.values()) < sum(fold(50, 200).hopping.values())


def test_a_replayed_move_changes_nothing() -> None:
    series = fold(50, 90)
    moved = move_in_series(series, at(90), at(10), offset=2, specs=SPECS)

    assert move_in_series(moved, at(90), at(10), offset=2, specs=SPECS) == moved
