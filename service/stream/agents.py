"""The agents: each decodes one topic, calls one pure step, writes tables and sends results on.

Stages (topic -> agent -> topics):
  raw-entries      -> validate_entries    -> entries (keyed by entry id) | dead-letters
  entries          -> fingerprint_entries -> dedup-probes (one batch per owning partition)
  dedup-probes     -> claim_signatures    -> dedup-answers (one batch per entry, keyed by id)
  dedup-answers    -> gather_verdicts     -> entry-verdicts, unique-entries, quote-mentions
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
from schemas.quotes import CanonicalQuote, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerRegistryRow, SpeakerSeries, SpeakerUpdate
from service import pipeline
from service.core import registry
from service.core.claims import Gathered, answer_batch, gather_batch
from service.core.tallies import (
    add_occurrence,
    add_to_tally,
    earliest_report,
    move_occurrence,
    settled_marks,
)
from service.core.windows import add_to_series, move_in_series
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
        """Keep the entry until its verdict is known; scatter its signatures to their owners."""
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
        row = f"{batch.entry_id}@{batch.shard}"
        if not tables.shard_probes[row].current():
            tables.shard_probes[row] = batch.model_dump(mode="json")
        for answer in answers:
            await send(topics.answers, answer.entry_id, answer, at=answer.event_time)

    async def gather_verdicts(_event: faust.EventT, answer: AnswerBatch) -> None:
        """Once all answer batches for an entry are in: its verdict, then its quotes."""
        stored = tables.gathering[answer.entry_id].current()
        gathered = gather_batch(_load_gathered(stored), answer)
        published = stored.get("published")
        if not gathered.complete:
            tables.gathering[answer.entry_id] = _dump_gathered(gathered, published)
            return
        raw = tables.pending_entries[answer.entry_id].current()
        if not raw:
            raise LookupError(f"answers for {answer.entry_id} but the entry was never stored")
        entry = RawEntry.model_validate(raw)
        verdict = pipeline.verdict_for_entry(entry, gathered, params)
        tables.gathering[answer.entry_id] = _dump_gathered(
            gathered, verdict.model_dump(mode="json")
        )
        if published is not None and answer.revision:
            before = EntryVerdict.model_validate(published)
            if before != verdict:
                await publish_revision(entry, verdict, before.status)
        else:
            # First verdict, or answers replayed (restart, entry sent again): the same outputs
            # again, which the sink upserts.
            await publish_entry_results(entry, verdict)

    async def publish_entry_results(entry: RawEntry, verdict: EntryVerdict) -> None:
        await send(topics.verdicts, entry.entry_id, verdict, at=entry.event_time)
        if verdict.status is EntryStatus.UNIQUE:
            await send(topics.unique_entries, entry.entry_id, entry, at=entry.event_time)
        for located in pipeline.quote_occurrences(entry):
            occ = located.occurrence
            # record_quotes counts the occurrence once and publishes its earliest report.
            await send(topics.quote_mentions, occ.quote_id, occ, at=occ.event_time)
        log.info(
            "entry_processed",
            entry_id=entry.entry_id,
            status=verdict.status.value,
            canonical_id=verdict.canonical_id,
            new_paragraphs=verdict.new_paragraphs,
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

    async def record_quotes(event: faust.EventT, occ: QuoteOccurrence) -> None:
        """One canonical quote per (words, speaker): its occurrences counted once each, and
        each occurrence published on `quotes` as its earliest report (any arrival order)."""
        offset = event.message.offset
        stored = tables.canonical_quotes.get(occ.quote_id)
        before = CanonicalQuote.model_validate(stored["row"]) if stored else None
        # As in tally_speakers: the row's last applied offset catches a replay of this event
        # after a crash, recorded_occurrences the same paragraph in another entry (within
        # the horizon). The marker is written after the row.
        applied = stored["offset"] if stored else -1
        seen = tables.recorded_occurrences[occ.occurrence_id]
        # Marks are [earliest report (3 items), input offset that counted the occurrence].
        marks = [m for m in (seen.delta(horizon), seen.current()) if m]
        counted = offset > applied and not settled_marks(marks, offset, applied, by=3)
        publish, mark = earliest_report(marks, occ)
        quote = add_occurrence(before, occ, new=counted)
        first = stored["first"] if stored else occ.occurrence_id
        if quote != before or offset > applied:
            tables.canonical_quotes[occ.quote_id] = {
                "row": quote.model_dump(mode="json"),
                "offset": max(offset, applied),
                "first": first,  # the occurrence that introduced it: one distinct quote
            }
        if mark is not None or counted:
            base = mark if mark is not None else min(m[:3] for m in marks)
            # The offset that counted it: this event's, unless an earlier one's mark is kept
            # (none when the row was written and the mark was lost: this event counted it).
            by = offset if counted or not marks else max(m[3] for m in marks)
            tables.recorded_occurrences[occ.occurrence_id] = [*base, by]
        await cache.send(topics.canonical_quotes, quote.quote_id, quote)
        if publish:
            await send(topics.quotes, occ.occurrence_id, occ, at=occ.event_time)
        if occ.speaker_id is not None:
            mention = pipeline.speaker_mention(occ, new_quote=first == occ.occurrence_id)
            assert mention.route_key is not None
            await send(topics.speaker_mentions, mention.route_key, mention, at=occ.event_time)

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
        # Marks are [event time counted at, input offset that counted it].
        found = [m for m in (seen.delta(horizon), seen.current()) if m]
        marks = settled_marks(found, offset, applied, by=1)
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
    stage_agent(app, topics.quote_mentions, QuoteOccurrence, record_quotes, dead)
    stage_agent(app, topics.speaker_mentions, SpeakerMention, tally_speakers, dead)


def _at(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def _load_gathered(stored: dict[str, Any]) -> Gathered | None:
    if not stored:
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


def _dump_gathered(gathered: Gathered, published: dict[str, Any] | None) -> dict[str, Any]:
    position = {entry_id: i for i, entry_id in enumerate(gathered.candidates)}
    return {
        "published": published,
        "expected": gathered.expected,
        "shards": sorted(gathered.shards),
        "candidates": {k: c.model_dump(mode="json") for k, c in gathered.candidates.items()},
        "first_claims": {k: c.model_dump(mode="json") for k, c in gathered.first_claims.items()},
        "earliest": {k: [position[i] for i in v] for k, v in gathered.earliest.items()},
        "closest": sorted(position[i] for i in gathered.closest),
    }
