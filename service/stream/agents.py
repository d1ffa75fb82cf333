"""The agents: each decodes one topic, calls one pure step, writes tables and sends results on.

Stages (topic -> agent -> topics):
  raw-entries      -> validate_entries   -> entries (keyed by entry id) | dead-letters
  entries          -> fingerprint_entries-> dedup-probes (keyed by signature)
  dedup-probes     -> claim_signatures   -> dedup-answers (keyed by entry id)
  dedup-answers    -> gather_verdicts    -> entry-verdicts, unique-entries, quotes, quote-mentions
  quote-mentions   -> record_quotes      -> canonical-quotes, speaker-mentions (keyed by speaker)
  speaker-mentions -> tally_speakers     -> speaker-updates

Delivery is at-least-once; every step is idempotent by id, so a replay after a crash re-sends
the same outputs (the sink upserts them) and counts nothing twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar

import faust
import structlog
from pydantic import BaseModel

from schemas.dead_letters import DeadLetter
from schemas.dedup import Claimant, SignatureAnswer, SignatureProbe
from schemas.entries import EntryStatus, RawEntry
from schemas.quotes import CanonicalQuote, QuoteOccurrence, SpeakerMention
from schemas.speakers import SpeakerUpdate
from service import pipeline
from service.core.claims import Gathered, answer_probe, gather_answer
from service.core.tallies import add_occurrence, add_to_tally, is_first_occurrence
from service.settings import Settings
from service.stream.codec import decode, encode
from service.stream.tables import Tables
from service.stream.topics import Topics

log = structlog.get_logger(__name__)
M = TypeVar("M", bound=BaseModel)


async def _send(
    topic: faust.TopicT, key: str, model: BaseModel, *, timestamp: float | None = None
) -> None:
    await topic.send(key=key.encode("utf-8"), value=encode(model), timestamp=timestamp)


async def _decoded(
    stream: faust.StreamT, model: type[M], stage: str, dead_letters: faust.TopicT
) -> AsyncIterator[tuple[faust.EventT, M]]:
    """Events of `stream` as validated models; anything else goes to the dead-letter topic."""
    async for event in stream.events():
        msg = event.message
        result = decode(
            model,
            event.value,
            key=msg.key,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            stage=stage,
        )
        if isinstance(result, DeadLetter):
            log.warning(
                "event_dead_lettered",
                stage=stage,
                topic=msg.topic,
                partition=msg.partition,
                offset=msg.offset,
                error_type=result.error_type,
                reason=result.reason,
            )
            await _send(dead_letters, msg.topic, result)
            continue
        yield event, result


def _ts(model_time: Any) -> float:
    return float(model_time.timestamp())


def register_agents(app: faust.App, topics: Topics, tables: Tables, settings: Settings) -> None:
    params = pipeline.PipelineParams.default()

    @app.agent(topics.raw_entries, name="validate_entries")
    async def validate_entries(stream: faust.StreamT) -> None:
        """Validate raw events and re-key them by entry id, whatever key the producer used."""
        async for _event, entry in _decoded(
            stream, RawEntry, "validate_entries", topics.dead_letters
        ):
            await _send(topics.entries, entry.entry_id, entry, timestamp=_ts(entry.event_time))

    @app.agent(topics.entries, name="fingerprint_entries")
    async def fingerprint_entries(stream: faust.StreamT) -> None:
        """Keep the entry until its verdict is known and scatter one probe per signature."""
        async for _event, entry in _decoded(
            stream, RawEntry, "fingerprint_entries", topics.dead_letters
        ):
            tables.pending_entries[entry.entry_id] = entry.model_dump(mode="json")
            for probe in pipeline.probes_for_entry(entry, params):
                await _send(topics.probes, probe.key, probe, timestamp=_ts(entry.event_time))

    @app.agent(topics.probes, name="claim_signatures")
    async def claim_signatures(stream: faust.StreamT) -> None:
        """Own a share of the signatures: answer who carried each one before."""
        async for _event, probe in _decoded(
            stream, SignatureProbe, "claim_signatures", topics.dead_letters
        ):
            known = [
                Claimant.model_validate(c) for c in tables.signature_claims.get(probe.key) or []
            ]
            answer, updated = answer_probe(known, probe)
            if updated != known:
                tables.signature_claims[probe.key] = [c.model_dump(mode="json") for c in updated]
            await _send(topics.answers, answer.entry_id, answer)

    @app.agent(topics.answers, name="gather_verdicts")
    async def gather_verdicts(stream: faust.StreamT) -> None:
        """Once all answers for an entry are in: its verdict, then its new quotes."""
        async for _event, answer in _decoded(
            stream, SignatureAnswer, "gather_verdicts", topics.dead_letters
        ):
            stored = tables.gathering.get(answer.entry_id)
            gathered = gather_answer(_load_gathered(stored), answer)
            tables.gathering[answer.entry_id] = _dump_gathered(gathered)
            if not gathered.complete:
                continue
            raw = tables.pending_entries.get(answer.entry_id)
            if raw is None:
                log.error("entry_missing_for_answers", entry_id=answer.entry_id)
                continue
            entry = RawEntry.model_validate(raw)
            await _publish_entry_results(
                topics, entry, pipeline.verdict_for_entry(entry, gathered, params)
            )

    @app.agent(topics.quote_mentions, name="record_quotes")
    async def record_quotes(stream: faust.StreamT) -> None:
        """One canonical quote per (words, speaker), with every place it was reported."""
        async for _event, occ in _decoded(
            stream, QuoteOccurrence, "record_quotes", topics.dead_letters
        ):
            stored = tables.canonical_quotes.get(occ.quote_id)
            before = CanonicalQuote.model_validate(stored) if stored else None
            quote = add_occurrence(before, occ)
            if quote != before:
                tables.canonical_quotes[occ.quote_id] = quote.model_dump(mode="json")
            await _send(topics.canonical_quotes, quote.quote_id, quote)
            if occ.speaker_id is not None:
                mention = SpeakerMention(occurrence=occ, new_quote=is_first_occurrence(quote, occ))
                await _send(
                    topics.speaker_mentions, occ.speaker_id, mention, timestamp=_ts(occ.event_time)
                )

    @app.agent(topics.speaker_mentions, name="tally_speakers")
    async def tally_speakers(stream: faust.StreamT) -> None:
        """Per-speaker totals and event-time windows, each occurrence counted exactly once."""
        async for event, mention in _decoded(
            stream, SpeakerMention, "tally_speakers", topics.dead_letters
        ):
            occ = mention.occurrence
            assert occ.speaker_id is not None  # record_quotes only forwards attributed quotes
            offset = event.message.offset
            stored = tables.speaker_tallies.get(occ.speaker_id)
            tally = SpeakerUpdate.model_validate(stored["row"]) if stored else None
            applied = stored["offset"] if stored else -1
            # Two guards, written in this order so a crash between them is harmless: the tally
            # remembers the last input offset it applied (a replay of this very event), and
            # counted_occurrences remembers occurrences (the same quote re-sent upstream).
            if offset > applied and not tables.counted_occurrences.get(occ.occurrence_id):
                tally = add_to_tally(
                    tally, occ, new_quote=mention.new_quote, window_s=settings.window_s
                )
                tables.speaker_tallies[occ.speaker_id] = {
                    "row": tally.model_dump(mode="json"),
                    "offset": offset,
                }
            window = tables.speaker_windows[occ.speaker_id].current() or {"n": 0, "offset": -1}
            if offset > window["offset"] and not tables.counted_occurrences.get(occ.occurrence_id):
                tables.speaker_windows[occ.speaker_id] = {"n": window["n"] + 1, "offset": offset}
            tables.counted_occurrences[occ.occurrence_id] = True
            if tally is not None:
                await _send(topics.speaker_updates, tally.speaker_id, tally)

    async def _publish_entry_results(topics: Topics, entry: RawEntry, verdict: Any) -> None:
        await _send(topics.verdicts, entry.entry_id, verdict, timestamp=_ts(entry.event_time))
        if verdict.status is EntryStatus.UNIQUE:
            await _send(
                topics.unique_entries, entry.entry_id, entry, timestamp=_ts(entry.event_time)
            )
        for occ in pipeline.quote_occurrences(entry, verdict):
            ts = _ts(occ.event_time)
            await _send(topics.quotes, occ.occurrence_id, occ, timestamp=ts)
            await _send(topics.quote_mentions, occ.quote_id, occ, timestamp=ts)
        log.info(
            "entry_processed",
            entry_id=entry.entry_id,
            status=verdict.status.value,
            canonical_id=verdict.canonical_id,
            new_paragraphs=verdict.new_paragraphs,
        )


def _load_gathered(stored: dict[str, Any] | None) -> Gathered | None:
    if not stored:
        return None
    answers = {k: SignatureAnswer.model_validate(v) for k, v in stored["answers"].items()}
    return Gathered(expected=stored["expected"], answers=answers)


def _dump_gathered(gathered: Gathered) -> dict[str, Any]:
    return {
        "expected": gathered.expected,
        "answers": {k: a.model_dump(mode="json") for k, a in gathered.answers.items()},
    }
