"""Entries related by shared quotes: pairs meet under one id and count each quote once."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.quotes import CanonicalQuote, QuoteKind
from service.core.relations import MAX_LINKS_PER_OCCURRENCE, add_link, links_for, relation_id

T0 = datetime(2025, 3, 13, 12, tzinfo=UTC)


def quote(quote_id: str, *entry_ids: str) -> CanonicalQuote:
    return CanonicalQuote(
        quote_id=quote_id,
        text="very manipulative.",
        kind=QuoteKind.FRAGMENT,
        occurrences=len(entry_ids),
        occurrence_ids=[f"o:{e}" for e in entry_ids],
        entry_ids=sorted(entry_ids),
        outlets=["A"],
        first_seen=T0,
        last_seen=T0,
    )


def test_relation_id_does_not_depend_on_the_order_of_the_pair() -> None:
    assert relation_id("a", "b") == relation_id("b", "a")
    assert relation_id("a", "b") != relation_id("a", "c")


def test_first_report_of_a_quote_links_nothing() -> None:
    assert links_for(quote("q:1", "a"), "a") == []


def test_a_report_links_the_entry_to_every_earlier_reporter() -> None:
    links = links_for(quote("q:1", "a", "b", "c"), "c")

    assert sorted(tuple(link.entry_ids) for link in links) == [("a", "c"), ("b", "c")]


def test_links_per_occurrence_are_capped() -> None:
    many = [f"e{i:03d}" for i in range(MAX_LINKS_PER_OCCURRENCE + 5)]

    links = links_for(quote("q:1", *many, "me"), "me")

    assert len(links) == MAX_LINKS_PER_OCCURRENCE


def test_shared_quotes_are_counted_once_each() -> None:
    [first] = links_for(quote("q:1", "a", "b"), "b")
    [second] = links_for(quote("q:2", "a", "b"), "a")

    relation = add_link(add_link(add_link(None, first), second), first)

    assert relation.shared_quotes == 2
    assert relation.quote_ids == ["q:1", "q:2"]
    assert relation.entry_ids == ["a", "b"]
