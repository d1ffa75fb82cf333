"""What is published again: new ids, later versions, edits the page does not date; never the
same words or an older version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.entries import DocumentKind, RawEntry
from schemas.follow import FollowState
from service.follow.entries import Found
from service.follow.state import Published, Why, decide

T0 = datetime(2031, 5, 14, 10, 0, tzinfo=UTC)
SEEN = datetime(2031, 5, 14, 18, 0, tzinfo=UTC)


def entry(words: str, *, updated: datetime | None = None, event_time: datetime = T0) -> RawEntry:
    return RawEntry(
        entry_id="courier:abc",
        document_id="news-example-test:123",
        outlet="The Example Courier",
        kind=DocumentKind.LIVEBLOG,
        position=0,
        event_time=event_time,
        updated_time=updated,
        paragraphs=[words],
    )


def remembered(published: RawEntry) -> FollowState:
    return FollowState.of(published, SEEN)


def test_an_entry_never_published_is_published() -> None:
    decision = decide(Found(entry("said Odile Brandt"), True), None, SEEN)

    assert decision.why is Why.NEW and decision.publish


def test_the_same_words_are_not_published_again() -> None:
    first = entry("said Odile Brandt")

    decision = decide(Found(entry("said Odile Brandt"), True), remembered(first), SEEN)

    assert decision.why is Why.UNCHANGED and not decision.publish


def test_an_edit_with_a_later_date_modified_is_published_again() -> None:
    first = entry("said Odile Brandt")
    edited = entry("said Kasimir Wolde", updated=T0 + timedelta(hours=6))

    decision = decide(Found(edited, True), remembered(first), SEEN)

    assert decision.why is Why.LATER_VERSION and decision.entry == edited


def test_an_older_version_is_never_published_again() -> None:
    published = entry("said Kasimir Wolde", updated=T0 + timedelta(hours=6))
    older = entry("said Odile Brandt", updated=T0 + timedelta(hours=2))

    decision = decide(Found(older, True), remembered(published), SEEN)

    assert decision.why is Why.OLDER_VERSION and not decision.publish


def test_an_edit_the_page_does_not_date_is_published_with_the_polls_time() -> None:
    first = entry("said Odile Brandt")

    decision = decide(Found(entry("said Kasimir Wolde"), True), remembered(first), SEEN)

    assert decision.why is Why.CHANGED
    assert decision.entry.updated_time == SEEN
    assert decision.entry.version() > remembered(first).version


def test_an_entry_without_a_time_keeps_the_time_it_was_first_published_with() -> None:
    first = entry("No time on the page.", event_time=T0)
    read_again = entry("No time on the page.", event_time=SEEN)

    decision = decide(Found(read_again, False), remembered(first), SEEN)

    assert decision.why is Why.UNCHANGED and decision.entry.event_time == T0


def test_published_keeps_the_latest_version_whatever_the_order_read_back() -> None:
    old = remembered(entry("said Odile Brandt"))
    new = remembered(entry("said Kasimir Wolde", updated=T0 + timedelta(hours=6)))

    published = Published([new, old])

    assert published.get("courier:abc") == new and len(published) == 1
