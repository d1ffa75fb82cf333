"""Build RawEntry values from what a page says about each of its entries: safe stable ids,
the page's own times, and positions in order of publication."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from pydantic import ValidationError

from schemas.entries import DocumentKind, RawEntry
from service.follow.paragraphs import clean_text

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Draft:
    """One entry as a page describes it, before it gets its ids and position."""

    paragraphs: tuple[str, ...]
    headline: str | None = None
    byline: str | None = None
    key: str | None = None  # the page's own id of the entry: @id, url or guid
    published: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class Found:
    """An entry read from a page. `timed` is False when the page gave it no time: its event
    time is then the poll's, and the runner keeps the time of the first poll that saw it."""

    entry: RawEntry
    timed: bool


@dataclass(frozen=True)
class Reading:
    """What one page or feed yielded: its entries, and why anything on it was skipped."""

    found: list[Found]
    skipped: list[str]
    outlet: str | None = None


def slug(text: str, limit: int = 40) -> str:
    """Lower-case letters and digits joined by hyphens, e.g. "The Daily Example" -> "the-daily-
    example"; "page" when nothing is left."""
    words = _NOT_SLUG.sub("-", text.lower()).strip("-")
    return words[:limit].strip("-") or "page"


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "page"


def document_id(url: str) -> str:
    """The id of a page or feed: its host, then a hash of its URL (Id pattern, schemas/base.py)."""
    return f"{slug(host_of(url))}:{short_hash(url)}"


def entry_id(outlet: str, page_url: str, draft: Draft) -> str:
    """Stable per entry: from the page's own id of it (made absolute against the page, so that
    "#post-1" of two pages differ), else from outlet, headline and first paragraph."""
    if draft.key:
        basis = urljoin(page_url, draft.key)
    else:
        first = draft.paragraphs[0] if draft.paragraphs else ""
        basis = "\x1f".join([outlet, draft.headline or "", first])
    return f"{slug(outlet, 30)}:{short_hash(basis)}"


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 or RFC 2822 time as an aware UTC datetime; None when it is not one. A time
    without an offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def clean_or_none(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(value) or None


def build_entries(
    drafts: Sequence[Draft],
    *,
    page_url: str,
    outlet: str,
    kind: DocumentKind,
    seen_at: datetime,
) -> tuple[list[Found], list[str]]:
    """RawEntry values for a page's drafts. Positions follow publication order (oldest first,
    then the page's own order reversed, as live blogs put the newest on top), so an update
    added on top leaves the others' positions alone. Drafts without paragraphs are skipped,
    and so is a second entry with an id already used on the page."""
    skipped: list[str] = []
    usable = [(i, d) for i, d in enumerate(drafts) if d.paragraphs]
    for i, d in enumerate(drafts):
        if not d.paragraphs:
            skipped.append(f"entry {i + 1}: no text")
    order = sorted(usable, key=lambda item: (item[1].published or seen_at, -item[0]))
    doc = document_id(page_url)
    found: list[Found] = []
    ids: set[str] = set()
    for position, (index, draft) in enumerate(order):
        entry_key = entry_id(outlet, page_url, draft)
        if entry_key in ids:
            skipped.append(f"entry {index + 1}: same id as an earlier entry ({entry_key})")
            continue
        ids.add(entry_key)
        event_time = draft.published or seen_at
        updated = draft.modified if draft.modified and draft.modified > event_time else None
        try:
            entry = RawEntry(
                entry_id=entry_key,
                document_id=doc,
                outlet=outlet,
                kind=kind,
                position=position,
                event_time=event_time,
                updated_time=updated,
                byline=draft.byline,
                headline=draft.headline,
                paragraphs=list(draft.paragraphs),
            )
        except ValidationError as exc:  # cleaned above; a last guard, never a crash
            skipped.append(f"entry {index + 1}: not a valid entry ({exc.error_count()} errors)")
            continue
        found.append(Found(entry, timed=draft.published is not None))
    return found, skipped
