"""The query API's answers, from this worker's tables and, through Cluster, the other workers'.

Every public answer is a schemas.api model. A speaker's detail comes from the worker holding
the speaker (forwarded there when asked elsewhere); rankings and quote lists span every
worker: each returns its share (service/core/ranking.py explains why the merge is exact).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

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
from schemas.speakers import SpeakerSeries, SpeakerUpdate
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
from service.stream.tables import Tables
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


@dataclass
class Api:
    cluster: Cluster
    tables: Tables
    specs: SeriesSpecs

    # --- what this worker holds ------------------------------------------------------------

    def _held_speakers(self) -> Iterator[tuple[SpeakerUpdate, SpeakerSeries | None]]:
        tallies = self.tables.speaker_tallies
        for speaker_id, stored in list(tallies.items()):
            if self.cluster.holds(tallies, speaker_id):
                yield SpeakerUpdate.model_validate(stored["row"]), self._series(speaker_id)

    def _series(self, speaker_id: str) -> SpeakerSeries | None:
        stored = self.tables.speaker_series.get(speaker_id)
        return SpeakerSeries.model_validate(stored) if stored else None

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
        """One speaker's detail, from the worker that holds the speaker."""
        try:
            _ID.validate_python(speaker_id)
        except ValidationError as exc:
            raise BadQuery(f"speaker id {speaker_id!r} is not a valid id") from exc
        tallies = self.tables.speaker_tallies
        holder = self.cluster.holder(tallies, speaker_id)
        if not forwarded and not same_worker(holder, self.cluster.me):
            status, body = await self.cluster.get(holder, f"/speakers/{speaker_id}", {})
            return Answer(status, body, holder)
        stored = tallies.get(speaker_id)
        if not stored:
            raise NotFound(f"no speaker {speaker_id!r}")
        update = SpeakerUpdate.model_validate(stored["row"])
        detail = speaker_detail(update, self._series(speaker_id), self.specs, self.cluster.me)
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
