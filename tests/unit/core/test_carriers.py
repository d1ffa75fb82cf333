"""service.core.carriers: which entries carry an occurrence, whether it counts, and which
report of it is published, whatever the order reports and retractions arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.quotes import QuoteKind, QuoteOccurrence
from service.core.carriers import OccurrenceStep, report, retract

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def carried_by(entry_id: str, minutes: float = 0, start: int = 0) -> QuoteOccurrence:
    """The same occurrence (one paragraph's quote) as carried by `entry_id`."""
    return QuoteOccurrence(
        occurrence_id="o:1",
        quote_id="q:1",
        entry_id=entry_id,
        document_id=f"doc-{entry_id}",
        outlet=f"Outlet {entry_id}",
        event_time=T0 + timedelta(minutes=minutes),
        text="We will not give up",
        start=start,
        end=start + 19,
        kind=QuoteKind.FULL,
        speaker="Dana Whitlow",
        speaker_id="dana-whitlow",
    )


FIRST, MIDDLE, LATE = carried_by("first"), carried_by("middle", 10), carried_by("late", 30)


class Worker:
    """The agent's use of the steps: one mark, a row that applied offsets up to `applied`."""

    def __init__(self) -> None:
        self.mark: dict[str, Any] | None = None
        self.applied = -1
        self.offset = -1
        self.count = 0
        self.rows: dict[str, QuoteOccurrence | None] = {}

    def apply(self, occ: QuoteOccurrence, *, retracted: bool = False) -> OccurrenceStep:
        self.offset += 1
        marks = [self.mark] if self.mark else []
        step = (retract if retracted else report)(marks, occ, self.offset, self.applied)
        self.count += step.count
        self.applied = self.offset
        if step.mark is not None:
            self.mark = step.mark
        if retracted and step.withdrawn:
            self.rows[occ.occurrence_id] = None
        elif step.publish is not None:
            self.rows[occ.occurrence_id] = step.publish
        return step


def test_the_first_report_counts_and_is_published() -> None:
    step = Worker().apply(MIDDLE)

    assert (step.count, step.publish, step.withdrawn) == (1, MIDDLE, False)
    assert step.mark is not None


def test_a_later_report_of_a_counted_occurrence_is_neither_counted_nor_published() -> None:
    worker = Worker()
    worker.apply(FIRST)

    step = worker.apply(LATE)

    assert (step.count, step.publish) == (0, None)
    assert step.mark is not None  # LATE carries it too, should FIRST retract it


def test_an_earlier_report_arriving_late_is_published_but_not_counted_again() -> None:
    worker = Worker()
    worker.apply(LATE)

    step = worker.apply(FIRST)

    assert (step.count, step.publish) == (0, FIRST)


def test_the_earliest_report_replayed_after_a_crash_is_published_again() -> None:
    worker = Worker()
    worker.apply(FIRST)

    step = report([worker.mark or {}], FIRST, offset=0, applied=0)

    assert (step.count, step.publish, step.mark) == (0, FIRST, None)


def test_retracting_the_only_report_takes_the_count_back_and_withdraws_it() -> None:
    worker = Worker()
    worker.apply(MIDDLE)

    step = worker.apply(MIDDLE, retracted=True)

    assert (step.count, step.withdrawn, step.publish) == (-1, True, None)


def test_retracting_one_of_two_reports_keeps_the_count() -> None:
    worker = Worker()
    worker.apply(MIDDLE)
    worker.apply(LATE)

    step = worker.apply(LATE, retracted=True)

    assert (step.count, step.withdrawn, step.publish) == (0, False, None)


def test_retracting_the_earliest_report_publishes_the_next_one_in_its_own_entry() -> None:
    worker = Worker()
    worker.apply(FIRST)
    worker.apply(carried_by("late", 30, start=120))

    step = worker.apply(FIRST, retracted=True)

    assert step.count == 0
    assert step.publish is not None
    assert (step.publish.entry_id, step.publish.start, step.publish.outlet) == (
        "late",
        120,
        "Outlet late",
    )
    assert step.publish.event_time == LATE.event_time


def test_a_retraction_sent_twice_takes_the_count_back_once() -> None:
    worker = Worker()
    worker.apply(MIDDLE)
    worker.apply(MIDDLE, retracted=True)

    step = worker.apply(MIDDLE, retracted=True)

    assert step.count == 0
    assert worker.count == 0


def test_a_report_after_its_retraction_counts_again() -> None:
    worker = Worker()
    worker.apply(MIDDLE)
    worker.apply(MIDDLE, retracted=True)

    step = worker.apply(MIDDLE)

    assert (step.count, step.publish) == (1, MIDDLE)


def test_a_retraction_whose_mark_outlived_its_row_takes_the_count_back() -> None:
    worker = Worker()
    worker.apply(MIDDLE)
    torn = retract([worker.mark or {}], MIDDLE, offset=1, applied=0).mark
    assert torn is not None

    # Killed after the mark's write, before the row's: the row applied offset 0 only.
    step = retract([torn], MIDDLE, offset=1, applied=0)

    assert step.count == -1


def test_marks_of_two_windows_merge_entry_by_entry_the_latest_change_winning() -> None:
    worker = Worker()
    worker.apply(FIRST)
    older_window = worker.mark
    worker.apply(LATE)
    worker.apply(FIRST, retracted=True)
    newer_window = worker.mark
    assert older_window is not None and newer_window is not None

    step = report([older_window, newer_window], MIDDLE, offset=9, applied=8)

    assert step.count == 0  # LATE still carries it
    assert step.publish == MIDDLE  # FIRST's report was retracted: MIDDLE is now the earliest


ENTRIES = [FIRST, MIDDLE, LATE, carried_by("same-time")]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(ENTRIES), st.booleans()), min_size=1, max_size=12),
)
def test_the_count_and_the_row_follow_what_the_entries_carry_in_any_order(
    changes: list[tuple[QuoteOccurrence, bool]],
) -> None:
    worker = Worker()
    carrying: set[str] = set()

    for occ, retracted in changes:
        worker.apply(occ, retracted=retracted)
        (carrying.discard if retracted else carrying.add)(occ.entry_id)

    assert worker.count == (1 if carrying else 0)
    row = worker.rows["o:1"]
    if carrying:
        earliest = min((o for o in ENTRIES if o.entry_id in carrying), key=_order)
        assert row is not None and row.entry_id == earliest.entry_id
    else:
        assert row is None


def _order(occ: QuoteOccurrence) -> tuple[datetime, str]:
    return occ.event_time, occ.entry_id


def test_a_mark_of_the_earlier_format_still_counts_its_report() -> None:
    legacy = [FIRST.event_time.timestamp(), "first", FIRST.start, 0]

    again = report([legacy], LATE, offset=5, applied=4)
    gone = retract([legacy], FIRST, offset=5, applied=4)

    assert (again.count, again.publish) == (0, None)
    assert (gone.count, gone.withdrawn) == (-1, True)
