"""The agents: each decodes one topic, calls one pure step, writes tables and sends results on.

Stages (topic -> agent -> topics):
  raw-entries      -> validate_entries    -> entries (keyed by entry id) | dead-letters
  entries          -> fingerprint_entries -> dedup-probes (one batch per owning partition)
  dedup-probes     -> claim_signatures    -> dedup-answers (one batch per entry, keyed by id)
  dedup-answers    -> gather_verdicts     -> entry-verdicts, unique-entries, quote-mentions
                      (a new version of an entry: its verdict again, and retractions of the
                      quotes it no longer carries)
  quote-mentions   -> record_quotes       -> canonical-quotes, quotes, speaker-mentions
  speaker-mentions -> tally_speakers      -> speaker-updates (keyed by a person's surname group:
                      the speaker registry merges a surname-only id into the one full name known)

Delivery is at-least-once; every step is idempotent by id, so a replay after a crash re-sends
the same outputs (the sink upserts them) and counts nothing twice. An event that fails
validation or processing goes to the dead-letter topic with the reason; the agent goes on. A
failure that may pass (a timeout, a broker hiccup) is tried again first (stream/failures.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import faust
import structlog
from pydantic import BaseModel
from tenacity import RetryCallState

from schemas.dead_letters import DeadLetter
from schemas.dedup import AnswerBatch, Claimant, Holder, ProbeBatch
from schemas.entries import EntryStatus, EntryVerdict, RawEntry
from schemas.quotes import CanonicalQuote, QuoteMention, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerRegistryRow, SpeakerSeries, SpeakerUpdate
from service import pipeline
from service.core import carriers, registry
from service.core.claims import Gathered, answer_batch, gather_batch
from service.core.tallies import (
    add_occurrence,
    add_to_tally,
    move_occurrence,
    retract_occurrence,
    settled_marks,
    take_back,
)
from service.core.windows import add_to_series, move_in_series, remove_from_series
from service.settings import Settings
from service.stream.cache import WriteCache
from service.stream.codec import decode
from service.stream.failures import Failed, try_handler
from service.stream.sending import send
from service.stream.tables import Tables
from service.stream.topics import Topics

log = structlog.get_logger(__name__)
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[faust.EventT, M], Awaitable[None]]


def fold_row(
    table: faust.Table,
    key: str,
    model: type[M],
    fold: Callable[[M | None, Any], M],
    item: Any,
) -> M:
    """Read a table row as its model, fold one item into it, and write it back if it changed."""
    stored = table.get(key)
    before = model.model_validate(stored) if stored else None
    after = fold(before, item)
    if after != before:
        table[key] = after.model_dump(mode="json")
    return after


def _dead_letter(event: faust.EventT, stage: str, failed: Failed) -> DeadLetter:
    msg = event.message
    return DeadLetter.of(
        source_topic=msg.topic,
        partition=msg.partition,
        offset=msg.offset,
        key=msg.key,
        value=event.value or b"",
        stage=stage,
        error_type="processing_error",
        reason=f"{type(failed.error).__name__}: {failed.error}"[:2000],
        failure=failed.failure,
        attempts=failed.attempts,
        failed_at=datetime.now(UTC),
    )


def _report_retry(bound: structlog.typing.FilteringBoundLogger) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        bound.warning(
            "event_retrying",
            attempt=state.attempt_number,
            next_in_s=round(state.upcoming_sleep, 2),
            error=f"{type(exc).__name__}: {exc}",
        )

    return before_sleep


def stage_agent(
    app: faust.App,
    topic: faust.TopicT,
    model: type[M],
    handler: Handler[M],
    dead_letters: faust.TopicT,
    max_bytes: int | None = None,
) -> None:
    """Register `handler` as the agent for `topic`: decode, handle, dead-letter what fails.

    max_bytes: larger events are dead-lettered unparsed (for the input from outside).
    """
    name = handler.__name__

    async def agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            msg = event.message
            bound = log.bind(
                stage=name, topic=msg.topic, partition=msg.partition, offset=msg.offset
            )
            item = decode(
                model,
                event.value,
                key=msg.key,
                topic=msg.topic,
                partition=msg.partition,
                offset=msg.offset,
                stage=name,
                max_bytes=max_bytes,
            )
            if isinstance(item, DeadLetter):
                bound.warning("event_dead_lettered", error_type=item.error_type, reason=item.reason)
                await send(dead_letters, msg.topic, item)
                continue
            # A timeout or broker hiccup is tried again; what will recur is dead-lettered now.
            failed = await try_handler(partial(handler, event, item), _report_retry(bound))
            if failed is not None:
                bound.error(
                    "event_processing_failed",
                    failure=failed.failure.value,
                    attempts=failed.attempts,
                    exc_info=failed.error,
                )
                await send(dead_letters, msg.topic, _dead_letter(event, name, failed))

    agent.__name__ = agent.__qualname__ = name
    app.agent(topic, name=name)(agent)


def register_agents(
    app: faust.App, topics: Topics, tables: Tables, cache: WriteCache, settings: Settings
) -> None:
    """Register every stage agent. Updates on the compacted outputs whose readers want the
    latest value per key (canonical-quotes, speaker-updates) go through `cache`."""
    params = pipeline.PipelineParams.default()
    judge = pipeline.judge(params)
    horizon = settings.dedup_horizon_s
    specs = settings.series_specs

    async def validate_entries(_event: faust.EventT, entry: RawEntry) -> None:
        """Re-key valid entries by entry id, whatever key the producer used."""
        await send(topics.entries, entry.entry_id, entry, at=entry.event_time)

    async def fingerprint_entries(_event: faust.EventT, entry: RawEntry) -> None:
        """Keep the entry's latest version until its verdict is known; scatter its signatures
        to their owners. A version older than the one kept is dropped (any arrival order)."""
        stored = tables.pending_entries[entry.entry_id].current()
        if stored:
            kept = RawEntry.model_validate(stored).version()
            if kept > entry.version():
                log.info(
                    "entry_version_superseded",
                    entry_id=entry.entry_id,
                    version=entry.version().tag,
                    kept=kept.tag,
                )
                return
        tables.pending_entries[entry.entry_id] = entry.model_dump(mode="json")
        for batch in pipeline.probe_batches(entry, params, settings.partitions):
            await send(
                topics.probes, entry.entry_id, batch, at=entry.event_time, partition=batch.shard
            )

    async def claim_signatures(_event: faust.EventT, batch: ProbeBatch) -> None:
        """Own a share of the signatures: answer who carried each one before."""
        index = tables.shard_probes.table.index
        known = {ref.key: index.holders(ref.key, batch.sketch, horizon) for ref in batch.signatures}
        sketches = index.sketches(batch.shard)
        answers, _ = answer_batch(batch, known, sketches, judge, horizon)
        # One row per entry and shard (the index learns its keys from it), not one per key.
        # One row per entry, shard and version: every version of an entry stays held.
        row = f"{batch.entry_id}@{batch.shard}" + (f"@{batch.version}" if batch.version else "")
        if not tables.shard_probes[row].current():
            tables.shard_probes[row] = batch.model_dump(mode="json")
        for answer in answers:
            await send(topics.answers, answer.entry_id, answer, at=answer.event_time)

    async def gather_verdicts(_event: faust.EventT, answer: AnswerBatch) -> None:
        """Once all answer batches for an entry's latest version are in: its verdict, then
        its quotes. A new version of an entry already published corrects what it published."""
        stored = tables.gathering[answer.entry_id].current()
        version = stored.get("version")
        # Answers say which version of the entry they are about (a revision: the one its owner
        # held); those about a version since replaced are dropped, whatever order they come in.
        if answer.version is not None and answer.version != version:
            latest = _pending_version(answer.entry_id)
            if answer.version != latest:
                log.info(
                    "answers_for_replaced_version_dropped",
                    entry_id=answer.entry_id,
                    version=answer.version,
                    latest=latest,
                )
                return
            if version is not None:
                # The entry's new version: gathered afresh; what was published stays known.
                stored = {k: v for k, v in stored.items() if k in ("published", *_PUBLISHED)}
            version = answer.version
        gathered = gather_batch(_load_gathered(stored), answer)
        published = stored.get("published")
        kept = {k: v for k, v in stored.items() if k in _PUBLISHED} | {"version": version}
        if not gathered.complete:
            tables.gathering[answer.entry_id] = _dump_gathered(gathered, published, kept)
            return
        raw = tables.pending_entries[answer.entry_id].current()
        if not raw:
            raise LookupError(f"answers for {answer.entry_id} but the entry was never stored")
        entry = RawEntry.model_validate(raw)
        if version is not None and entry.version().tag != version:
            # A newer version is on its way: its own answers decide.
            tables.gathering[answer.entry_id] = _dump_gathered(gathered, published, kept)
            return
        verdict = pipeline.verdict_for_entry(entry, gathered, params)
        corrected = published is not None and kept.get("published_version") not in (None, version)
        if published is not None and answer.revision and not corrected:
            # A late earlier entry revises the verdict; the quotes stay as they were counted.
            kept |= {"published_version": version}
            tables.gathering[answer.entry_id] = _dump_gathered(
                gathered, verdict.model_dump(mode="json"), kept
            )
            before = EntryVerdict.model_validate(published)
            if before != verdict:
                await publish_revision(entry, verdict, before.status)
            return
        occurrences = [located.occurrence for located in pipeline.quote_occurrences(entry)]
        status: EntryStatus | None = None  # the status of the version this one corrects
        if corrected:
            before = EntryVerdict.model_validate(published)
            status = before.status
            old = [_quote_from(q, before) for q in stored.get("quotes", [])]
            ids = {occ.occurrence_id for occ in occurrences}
            retracted = [q for q in old if q.occurrence_id not in ids]
        else:
            retracted = [_quote_from(q, verdict) for q in stored.get("retracted", [])]
        tables.gathering[answer.entry_id] = _dump_gathered(
            gathered,
            verdict.model_dump(mode="json"),
            {
                "version": version,
                "published_version": version,
                "quotes": [_compact(occ) for occ in occurrences],
                "retracted": [_compact(occ) for occ in retracted],
            },
        )
        # First verdict, a new version's, or answers replayed (restart, entry sent again): the
        # same outputs again, which the sink upserts (and a correction's retractions again).
        await publish_entry_results(entry, verdict, occurrences, retracted, status)

    def _pending_version(entry_id: str) -> str | None:
        raw = tables.pending_entries[entry_id].current()
        return RawEntry.model_validate(raw).version().tag if raw else None

    async def publish_entry_results(
        entry: RawEntry,
        verdict: EntryVerdict,
        occurrences: list[QuoteOccurrence],
        retracted: list[QuoteOccurrence],
        before: EntryStatus | None = None,
    ) -> None:
        """The entry's verdict, text and quotes. `before`: the status its last published
        version had, when this is a new version of it (its retractions go first)."""
        await send(topics.verdicts, entry.entry_id, verdict, at=entry.event_time)
        if verdict.status is EntryStatus.UNIQUE:
            await send(topics.unique_entries, entry.entry_id, entry, at=entry.event_time)
        elif before is EntryStatus.UNIQUE:
            await send(topics.unique_entries, entry.entry_id, None)
        # Retractions first: a quote that moved within the entry is taken back, then reported.
        for occ in retracted:
            mention = QuoteMention(occurrence=occ, retracted=True)
            await send(topics.quote_mentions, occ.quote_id, mention, at=occ.event_time)
        for occ in occurrences:
            # record_quotes counts the occurrence once and publishes its earliest report.
            mention = QuoteMention(occurrence=occ)
            await send(topics.quote_mentions, occ.quote_id, mention, at=occ.event_time)
        log.info(
            "entry_processed" if before is None else "entry_corrected",
            entry_id=entry.entry_id,
            version=entry.version().tag,
            status=verdict.status.value,
            canonical_id=verdict.canonical_id,
            new_paragraphs=verdict.new_paragraphs,
            quotes=len(occurrences),
            retracted=len(retracted),
        )

    async def publish_revision(entry: RawEntry, verdict: EntryVerdict, before: EntryStatus) -> None:
        """An earlier copy arrived late: correct the verdict. Quotes already reported stay
        reported (they were real occurrences); a copy leaves unique-entries (tombstone)."""
        await send(topics.verdicts, entry.entry_id, verdict, at=entry.event_time)
        if before is EntryStatus.UNIQUE and verdict.status is not EntryStatus.UNIQUE:
            await send(topics.unique_entries, entry.entry_id, None)
        log.info(
            "verdict_revised",
            entry_id=entry.entry_id,
            before=before.value,
            status=verdict.status.value,
            canonical_id=verdict.canonical_id,
        )

    async def record_quotes(event: faust.EventT, mention: QuoteMention) -> None:
        """One canonical quote per (words, speaker): its occurrences counted once each while
        an entry carries them, and each published on `quotes` as its earliest report (any
        arrival order); an occurrence no entry carries any more is withdrawn."""
        occ = mention.occurrence
        offset = event.message.offset
        stored = tables.canonical_quotes.get(occ.quote_id)
        before = CanonicalQuote.model_validate(stored["row"]) if stored else None
        # The row's last applied offset catches a replay of this event after a crash; the
        # marks (core/carriers.py), which entries carry the occurrence. Marks are written
        # after the row.
        applied = stored["offset"] if stored else -1
        seen = tables.recorded_occurrences[occ.occurrence_id]
        marks = [m for m in (seen.delta(horizon), seen.current()) if m]
        quote: CanonicalQuote | None
        if mention.retracted:
            step = carriers.retract(marks, occ, offset, applied)
            quote = retract_occurrence(before, occ, uncount=step.count < 0) if before else None
        else:
            step = carriers.report(marks, occ, offset, applied)
            quote = add_occurrence(before, occ, new=step.count > 0)
        first = stored["first"] if stored else occ.occurrence_id
        if quote is None:
            if stored:
                del tables.canonical_quotes[occ.quote_id]
        elif quote != before or offset > applied:
            tables.canonical_quotes[occ.quote_id] = {
                "row": quote.model_dump(mode="json"),
                "offset": max(offset, applied),
                "first": first,  # the occurrence that introduced it: one distinct quote
            }
        if step.mark is not None:
            tables.recorded_occurrences[occ.occurrence_id] = step.mark
        if quote is not None or mention.retracted:
            await cache.send(topics.canonical_quotes, occ.quote_id, quote)
        if mention.retracted and step.withdrawn:
            await send(topics.quotes, occ.occurrence_id, None)
        elif step.publish is not None:
            await send(topics.quotes, occ.occurrence_id, step.publish, at=occ.event_time)
        if occ.speaker_id is None:
            return
        if mention.retracted:
            if not step.withdrawn:
                return  # another entry still reports it: it still counts
            speaker = pipeline.speaker_mention(occ, new_quote=quote is None, retracted=True)
        else:
            speaker = pipeline.speaker_mention(occ, new_quote=first == occ.occurrence_id)
        assert speaker.route_key is not None
        await send(topics.speaker_mentions, speaker.route_key, speaker, at=occ.event_time)

    async def tally_speakers(event: faust.EventT, mention: SpeakerMention) -> None:
        """Per-speaker totals and event-time windows, each occurrence counted exactly once."""
        occ = mention.occurrence
        if occ.speaker_id is None:
            raise ValueError("speaker mention without a speaker id")
        offset = event.message.offset
        stored = tables.speaker_tallies.get(occ.speaker_id)
        tally = SpeakerUpdate.model_validate(stored["row"]) if stored else None
        applied = stored["offset"] if stored else -1
        seen = tables.counted_occurrences[occ.occurrence_id]
        # Marks are [event time counted at, input offset that counted it], and a third item,
        # the input offset that took the count back, once no entry reports it any more.
        found = [m for m in (seen.delta(horizon), seen.current()) if m]
        if mention.retracted:
            await take_back_count(occ, mention.new_quote, found, tally, offset, applied)
            return
        marks = settled_marks(counting_marks(found), offset, applied, by=1)
        first_mark = min(marks) if marks else None
        counted_at = _at(first_mark[0]) if first_mark else None
        # An occurrence counts in the windows of its earliest report: a copy that turns out to
        # be earlier than the one counted moves the count (arrival order must not matter).
        moved = counted_at is not None and occ.event_time < counted_at
        # The row remembers the last input offset it applied, so a replay of this very event
        # after a crash is not counted twice; counted_occurrences catches the same occurrence
        # reported again (another entry, or re-sent upstream).
        count = offset > applied and counted_at is None
        updated = add_to_tally(
            tally, occ, count=count, new_quote=mention.new_quote, window_s=settings.window_s
        )
        if moved and offset > applied and counted_at is not None:
            updated = move_occurrence(updated, counted_at, occ.event_time, settings.window_s)
        if updated != tally or count:
            tally = updated
            tables.speaker_tallies[occ.speaker_id] = {
                "row": tally.model_dump(mode="json"),
                "offset": max(offset, applied),
            }
        if counted_at is None or moved:
            speaker_id = occ.speaker_id

            def in_windows(row: SpeakerSeries | None, o: QuoteOccurrence) -> SpeakerSeries:
                # Hopping and tumbling event-time windows; the row's own offset guards replays.
                if row is not None and counted_at is not None:
                    return move_in_series(row, counted_at, o.event_time, offset, specs)
                return add_to_series(row, speaker_id, o.event_time, offset, specs)

            fold_row(tables.speaker_series, speaker_id, SpeakerSeries, in_windows, occ)
            # A moved count keeps the offset of the event that counted it.
            by = first_mark[1] if first_mark else offset
            tables.counted_occurrences[occ.occurrence_id] = [occ.event_time.timestamp(), by]
        await publish_views(occ)

    async def take_back_count(
        occ: QuoteOccurrence,
        quote_gone: bool,
        found: list[list],
        tally: SpeakerUpdate | None,
        offset: int,
        applied: int,
    ) -> None:
        """No entry reports the occurrence any more: its count goes, from the totals and from
        the windows it was counted in, once (a replay finds the mark taken back)."""
        assert occ.speaker_id is not None
        latest = max(found, key=_mark_offset, default=None)
        if latest is None or tally is None:
            return  # never counted here
        # Taken back by this very event, for a row that never applied it (a kill between the
        # two writes): not taken back yet.
        torn = len(latest) > 2 and latest[2] == offset and offset > applied
        if len(latest) > 2 and not torn:
            await publish_views(occ)
            return
        if offset > applied:
            counted_at = _at(latest[0])
            taken = take_back(
                tally, occ, counted_at=counted_at, quote_gone=quote_gone, window_s=settings.window_s
            )
            tables.speaker_tallies[occ.speaker_id] = {
                "row": taken.model_dump(mode="json"),
                "offset": offset,
            }
            series = tables.speaker_series.get(occ.speaker_id)
            if series:
                row = SpeakerSeries.model_validate(series)
                after = remove_from_series(row, counted_at, offset, specs)
                tables.speaker_series[occ.speaker_id] = after.model_dump(mode="json")
        tables.counted_occurrences[occ.occurrence_id] = [latest[0], latest[1], offset]
        await publish_views(occ)

    def load_tallies(ids: list[str]) -> dict[str, SpeakerUpdate]:
        stored = {i: tables.speaker_tallies.get(i) for i in ids}
        return {i: SpeakerUpdate.model_validate(row["row"]) for i, row in stored.items() if row}

    async def publish_views(occ: QuoteOccurrence) -> None:
        """Learn a full name under its surname, then publish the views this mention may have
        changed (core/registry.py): a pure function of the registry row and the raw rows, so
        they end the same in any arrival order. Written after the raw rows: a registry row
        never names a speaker whose raw row was lost in a crash."""
        assert occ.speaker_id is not None
        key = occ.surname_key
        row = None
        if key is not None:
            group = registry.unresolved_id(key)
            stored = tables.speaker_registry.get(group)
            before = SpeakerRegistryRow.model_validate(stored) if stored else None
            row = registry.after_mention(before, key, occ.speaker_id, occ.speaker)
            if row is not None and row != before:
                tables.speaker_registry[group] = row.model_dump(mode="json")
                log.info(
                    "speaker_registry_learned",
                    surname_group=group,
                    speaker_id=occ.speaker_id,
                    resolves_to=registry.sole_person(row),
                    known=len(row.known),
                )
        ids = registry.affected_ids(occ.speaker_id, key, row)
        raw = load_tallies(registry.needed_ids(ids, key))
        for view in registry.views(ids, row, raw):
            await cache.send(topics.speaker_updates, view.speaker_id, view)

    dead = topics.dead_letters
    stage_agent(app, topics.raw_entries, RawEntry, validate_entries, dead, settings.max_entry_bytes)
    stage_agent(app, topics.entries, RawEntry, fingerprint_entries, dead)
    stage_agent(app, topics.probes, ProbeBatch, claim_signatures, dead)
    stage_agent(app, topics.answers, AnswerBatch, gather_verdicts, dead)
    stage_agent(app, topics.quote_mentions, QuoteMention, record_quotes, dead)
    stage_agent(app, topics.speaker_mentions, SpeakerMention, tally_speakers, dead)


def _mark_offset(mark: list) -> int:
    """The input offset of a count mark's last change: counted, or taken back."""
    return mark[2] if len(mark) > 2 else mark[1]


def counting_marks(found: list[list]) -> list[list]:
    """The marks that count the occurrence: none when the latest change took it back."""
    latest = max(found, key=_mark_offset, default=None)
    if latest is None or len(latest) > 2:
        return []
    return [m for m in found if len(m) == 2]


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def _load_gathered(stored: dict[str, Any]) -> Gathered | None:
    if "candidates" not in stored:  # nothing gathered yet (for this version)
        return None
    candidates = {k: Holder.model_validate(v) for k, v in stored["candidates"].items()}
    # Entry ids are stored once, in `candidates`; the per-key lists hold their positions.
    ids = list(candidates)
    return Gathered(
        expected=stored["expected"],
        shards=frozenset(stored["shards"]),
        candidates=candidates,
        first_claims={k: Claimant.model_validate(v) for k, v in stored["first_claims"].items()},
        earliest={k: tuple(ids[i] for i in v) for k, v in stored.get("earliest", {}).items()},
        closest=frozenset(ids[i] for i in stored.get("closest", ())),
    )


# What a gathering keeps of the version it last published, across the gathering of the next:
# its version, its quotes (what a correction may retract) and the quotes it retracted (sent
# again when its answers are replayed).
_PUBLISHED = ("published_version", "quotes", "retracted")
# Fields a stored quote takes from its entry's verdict rather than storing them again.
_FROM_ENTRY = {"entry_id", "document_id", "outlet", "event_time", "schema_version"}


def _compact(occ: QuoteOccurrence) -> dict[str, Any]:
    return occ.model_dump(mode="json", exclude=_FROM_ENTRY)


def _quote_from(stored: dict[str, Any], verdict: EntryVerdict) -> QuoteOccurrence:
    return QuoteOccurrence.model_validate(
        {
            **stored,
            "entry_id": verdict.entry_id,
            "document_id": verdict.document_id,
            "outlet": verdict.outlet,
            "event_time": verdict.event_time,
        }
    )


def _dump_gathered(
    gathered: Gathered, published: dict[str, Any] | None, kept: dict[str, Any] | None = None
) -> dict[str, Any]:
    position = {entry_id: i for i, entry_id in enumerate(gathered.candidates)}
    return {
        **(kept or {}),
        "published": published,
        "expected": gathered.expected,
        "shards": sorted(gathered.shards),
        "candidates": {k: c.model_dump(mode="json") for k, c in gathered.candidates.items()},
        "first_claims": {k: c.model_dump(mode="json") for k, c in gathered.first_claims.items()},
        "earliest": {k: [position[i] for i in v] for k, v in gathered.earliest.items()},
        "closest": sorted(position[i] for i in gathered.closest),
    }
