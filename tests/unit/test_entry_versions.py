"""Versions of one entry: which one wins does not depend on the order they arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.entries import RawEntry

PUBLISHED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _entry(paragraphs: list[str], updated: datetime | None = None) -> RawEntry:
    return RawEntry(
        entry_id="blog-1",
        document_id="blog",
        outlet="Example News",
        kind="liveblog",
        position=0,
        event_time=PUBLISHED,
        headline="Council meets",
        paragraphs=paragraphs,
        updated_time=updated,
    )


def test_an_edited_version_is_later_than_the_first() -> None:
    first = _entry(['"We will build it," the mayor said.'])
    edited = _entry(['"We will build it," the deputy mayor said.'], PUBLISHED + timedelta(hours=1))

    assert edited.version() > first.version()


def test_the_same_words_have_the_same_digest_whatever_the_times() -> None:
    words = ['"Not today," she said.']

    assert _entry(words).content_digest() == _entry(words, PUBLISHED).content_digest()


def test_two_versions_edited_at_the_same_time_are_ordered_by_digest() -> None:
    at = PUBLISHED + timedelta(minutes=5)
    a, b = _entry(["One wording."], at), _entry(["Another wording."], at)

    assert (a.version() > b.version()) == (a.content_digest() > b.content_digest())
    assert a.version() != b.version()


def test_an_entry_never_edited_is_versioned_at_its_publication() -> None:
    entry = _entry(["Text."])

    assert entry.version().updated == PUBLISHED
