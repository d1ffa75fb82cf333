"""The worker's tables. Each is written only by the agent whose stream is keyed like the table.

Values are JSON (schemas models dumped in JSON mode); every table is backed by a changelog topic,
so a restarted worker recovers it exactly (on Tansu through service/stream/tansu_transport.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import faust

from service.settings import Settings


@dataclass(frozen=True)
class Tables:
    pending_entries: faust.Table  # entry_id -> RawEntry awaiting its dedup answers
    signature_claims: faust.Table  # signature key -> [Claimant], oldest first
    gathering: faust.Table  # entry_id -> answers gathered so far
    canonical_quotes: faust.Table  # quote_id -> CanonicalQuote
    speaker_tallies: faust.Table  # speaker_id -> {"row": SpeakerUpdate, "offset": int}
    counted_occurrences: faust.Table  # occurrence_id -> True once tallied
    entry_relations: faust.Table  # relation_id -> EntryRelation
    speaker_windows: faust.Table  # (speaker_id, window) -> {"n": occurrences, "offset": applied}


def create_tables(app: faust.App, settings: Settings) -> Tables:
    def table(name: str, default: type | None = None) -> faust.Table:
        return app.Table(name, default=default, partitions=settings.partitions)

    windows = (
        app.Table("speaker-windows", default=dict, partitions=settings.partitions)
        .tumbling(
            timedelta(seconds=settings.window_s),
            expires=timedelta(seconds=settings.window_expires_s),
        )
        .relative_to_stream()
    )
    return Tables(
        pending_entries=table("pending-entries"),
        signature_claims=table("signature-claims"),
        gathering=table("gathering"),
        canonical_quotes=table("canonical-quotes"),
        speaker_tallies=table("speaker-tallies"),
        counted_occurrences=table("counted-occurrences"),
        entry_relations=table("entry-relations"),
        speaker_windows=windows,
    )
