"""Relate entries through the quotes they share: who else reported the same statement."""

from __future__ import annotations

import hashlib

from schemas.entries import EntryLink, EntryRelation
from schemas.quotes import CanonicalQuote

# A quote every outlet carried would link each new entry to all of them; the most recent
# reports are the useful links, and the cap bounds the fan-out per occurrence.
MAX_LINKS_PER_OCCURRENCE = 20


def relation_id(a: str, b: str) -> str:
    first, second = sorted((a, b))
    key = f"{first}\x00{second}".encode()
    return "r:" + hashlib.blake2b(key, digest_size=12).hexdigest()


def links_for(quote: CanonicalQuote, entry_id: str) -> list[EntryLink]:
    """A link from `entry_id` to every other entry that reported `quote` (capped)."""
    others = [e for e in quote.entry_ids if e != entry_id][-MAX_LINKS_PER_OCCURRENCE:]
    return [
        EntryLink(
            relation_id=relation_id(entry_id, other),
            entry_ids=sorted((entry_id, other)),
            quote_id=quote.quote_id,
        )
        for other in others
    ]


def add_link(relation: EntryRelation | None, link: EntryLink) -> EntryRelation:
    """Fold a link into its relation; the same quote twice counts once (idempotent)."""
    quotes = sorted({*(relation.quote_ids if relation else ()), link.quote_id})
    return EntryRelation(
        relation_id=link.relation_id,
        entry_ids=link.entry_ids,
        shared_quotes=len(quotes),
        quote_ids=quotes,
    )
