"""The query API's answers, from this worker's tables and, through Cluster, the other workers'.

Every public answer is a schemas.api model. Speakers are served as published: the views of
service/core/registry.py, a surname-only row merged into the one full name of that surname.
A speaker's detail comes from the worker holding the speaker (forwarded there when asked
elsewhere); rankings and quote lists span every worker: each returns its share
(service/core/ranking.py explains why the merge is exact).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

import faust
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.api import (
    QuotePage,
    QuoteShare,
    QuotesQuery,
    ShareQuery,
    SpeakerPage,
    SpeakerShare,
    SpeakersQuery,
    WorkerClock,
)
from schemas.base import Id
from schemas.quotes import CanonicalQuote
from schemas.speakers import SpeakerRegistryRow, SpeakerSeries, SpeakerUpdate
from service.core import registry
from service.core.ranking import (
    BadQuery,
    check_points,
    latest_time,
    parse_query,
    quote_page,
    quote_share,
    speaker_detail,
    speaker_page,
    speaker_share,
)
from service.core.windows import SeriesSpecs
from service.web.routing import Cluster, Unavailable, same_worker

M = TypeVar("M", bound=BaseModel)
Params = Iterable[tuple[str, str]]
_ID = TypeAdapter(Id)


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, JSON body, and which worker produced it."""

    status: int
    body: bytes
    served_by: str

    @classmethod
    def of(cls, model: BaseModel, served_by: str, status: int = 200) -> Answer:
        return cls(status, model.model_dump_json().encode("utf-8"), served_by)


class ServedTables(Protocol):
    """The worker's tables the API reads (the worker's own Tables has them, among others)."""

    @property
    def canonical_quotes(self) -> faust.Table: ...
    @property
    def speaker_tallies(self) -> faust.Table: ...
    @property
    def speaker_series(self) -> faust.Table: ...
    @property
    def speaker_registry(self) -> faust.Table: ...


@dataclass
class Api:
    cluster: Cluster
    tables: ServedTables
    specs: SeriesSpecs

    # --- what this worker holds ------------------------------------------------------------

    def _held_speakers(self) -> Iterator[tuple[SpeakerUpdate, SpeakerSeries | None]]:
        """The views of the speakers this worker holds; a surname-only row merged into a full
        name is inside that name's view, not a speaker of its own."""
        tallies = self.tables.speaker_tallies
        for _, stored in list(tallies.items()):
            raw = SpeakerUpdate.model_validate(stored["row"])
            if self.cluster.holds(tallies, registry.route_key(raw.speaker_id, raw.surname_key)):
                update, series = self._view(raw)
                if update.resolved_to is None:
                    yield update, series

    def _raw(self, speaker_id: str) -> SpeakerUpdate | None:
        stored = self.tables.speaker_tallies.get(speaker_id)
        return SpeakerUpdate.model_validate(stored["row"]) if stored else None

    def _series(self, speaker_id: str) -> SpeakerSeries | None:
        stored = self.tables.speaker_series.get(speaker_id)
        return SpeakerSeries.model_validate(stored) if stored else None

    def _view(self, raw: SpeakerUpdate) -> tuple[SpeakerUpdate, SpeakerSeries | None]:
        """A speaker as published (service/core/registry.py), from this worker's tables: its
        surname's registry row and raw rows live on the same partition as its own."""
        speaker_id, key = raw.speaker_id, raw.surname_key
        row = None
        if key is not None:
            stored = self.tables.speaker_registry.get(registry.unresolved_id(key))
            row = SpeakerRegistryRow.model_validate(stored) if stored else None
        ids = registry.needed_ids([speaker_id], key)
        raws = {i: found for i in ids if (found := raw if i == speaker_id else self._raw(i))}
        series = {i: found for i in ids if (found := self._series(i))}
        update = registry.tally_view(speaker_id, row, raws)
        assert update is not None  # its own raw row is there
        return update, registry.series_view(speaker_id, key, row, series)

    def _held_quotes(self, speaker: str | None) -> Iterator[CanonicalQuote]:
        quotes = self.tables.canonical_quotes
        for quote_id, stored in list(quotes.items()):
            row = stored["row"]
            if speaker is not None and row.get("speaker_id") != speaker:
                continue  # cheap filter before validating the row
            if self.cluster.holds(quotes, quote_id):
                yield CanonicalQuote.model_validate(row)

    def clock(self) -> WorkerClock:
        latest = latest_time(update.last_seen for update, _ in self._held_speakers())
        return WorkerClock(worker=self.cluster.me, as_of=latest)

    def speaker_share(self, params: Params) -> SpeakerShare:
        query = parse_query(ShareQuery, params)
        return speaker_share(self.cluster.me, self._held_speakers(), query, self.specs)

    def quote_share(self, params: Params) -> QuoteShare:
        query = parse_query(QuotesQuery, params)
        return quote_share(self.cluster.me, self._held_quotes(query.speaker), query)

    # --- public answers --------------------------------------------------------------------

    async def speaker(self, speaker_id: str, forwarded: bool) -> Answer:
        """One speaker's detail, from the worker that holds the speaker.

        A person's rows live on the partition of their surname group, which a full name's id
        alone does not name: the workers holding any key the id may have travelled under
        (core/registry.py, route_candidates) are asked in turn, this one without HTTP. That is
        one worker for a surname-only id or an organisation, rarely more than two otherwise,
        and needs no lookup table to keep in step with the stream."""
        try:
            _ID.validate_python(speaker_id)
        except ValidationError as exc:
            raise BadQuery(f"speaker id {speaker_id!r} is not a valid id") from exc
        if forwarded:  # asked by another worker: answer from here, whatever (one hop)
            return self._local_speaker(speaker_id, held_only=False)
        tallies = self.tables.speaker_tallies
        holders: list[str] = []
        for key in registry.route_candidates(speaker_id):
            holder = self.cluster.holder(tallies, key)
            if not any(same_worker(holder, url) for url in holders):
                holders.append(holder)
        # This worker first: no hop when it holds the speaker.
        holders.sort(key=lambda url: not same_worker(url, self.cluster.me))
        for holder in holders:
            if same_worker(holder, self.cluster.me):
                with contextlib.suppress(NotFound):
                    return self._local_speaker(speaker_id, held_only=True)
                continue
            status, body = await self.cluster.get(holder, f"/speakers/{speaker_id}", {})
            if status != 404:
                return Answer(status, body, holder)
        raise NotFound(f"no speaker {speaker_id!r}")

    def _local_speaker(self, speaker_id: str, held_only: bool) -> Answer:
        raw = self._raw(speaker_id)
        tallies = self.tables.speaker_tallies
        if raw is None or (
            held_only
            and not self.cluster.holds(tallies, registry.route_key(speaker_id, raw.surname_key))
        ):
            raise NotFound(f"no speaker {speaker_id!r}")
        update, series = self._view(raw)
        detail = speaker_detail(update, series, self.specs, self.cluster.me)
        return Answer.of(detail, self.cluster.me)

    async def speakers(self, params: Params) -> SpeakerPage:
        """Speakers ranked across every worker, at the latest event time any of them saw."""
        pairs = list(params)
        query = parse_query(SpeakersQuery, pairs)
        check_points(query, self.specs)
        workers = self.cluster.workers(self.tables.speaker_tallies)
        clocks = await self._gather(workers, "/internal/clock", [], WorkerClock, self.clock)
        as_of = latest_time(c.as_of for c in clocks)
        share_params = [*pairs, ("as_of", as_of.isoformat())] if as_of else pairs
        shares = await self._gather(
            workers,
            "/internal/speakers",
            share_params,
            SpeakerShare,
            lambda: self.speaker_share(share_params),
        )
        return speaker_page(shares, query, self.specs, as_of)

    async def quotes(self, params: Params) -> QuotePage:
        pairs = list(params)
        query = parse_query(QuotesQuery, pairs)
        workers = self.cluster.workers(self.tables.canonical_quotes)
        shares = await self._gather(
            workers, "/internal/quotes", pairs, QuoteShare, lambda: self.quote_share(pairs)
        )
        return quote_page(shares, query)

    async def _gather(
        self,
        workers: list[str],
        path: str,
        params: list[tuple[str, str]],
        model: type[M],
        local: Callable[[], M],
    ) -> list[M]:
        """The same internal request answered by every worker (this one without HTTP)."""

        async def ask(url: str) -> M:
            if same_worker(url, self.cluster.me):
                return local()
            status, body = await self.cluster.get(url, path, dict(params))
            if status != 200:
                raise Unavailable(f"worker {url} answered {path} with {status}")
            return model.model_validate_json(body)

        asks: list[Awaitable[M]] = [ask(url) for url in workers]
        return list(await asyncio.gather(*asks))
