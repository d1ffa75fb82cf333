"""One faust topic per entry of schemas.topics; values travel as raw bytes and are decoded by us."""

from __future__ import annotations

from dataclasses import dataclass

import faust

from schemas import topics as spec
from service.settings import Settings


@dataclass(frozen=True)
class Topics:
    raw_entries: faust.TopicT
    entries: faust.TopicT
    probes: faust.TopicT
    answers: faust.TopicT
    quote_mentions: faust.TopicT
    speaker_mentions: faust.TopicT
    verdicts: faust.TopicT
    unique_entries: faust.TopicT
    quotes: faust.TopicT
    canonical_quotes: faust.TopicT
    speaker_updates: faust.TopicT
    dead_letters: faust.TopicT


def _topic(app: faust.App, settings: Settings, topic: spec.TopicSpec) -> faust.TopicT:
    # pydantic models are the contract, so Faust passes bytes through untouched.
    return app.topic(
        topic.full_name(settings.topic_prefix),
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        internal=False,
    )


def create_topics(app: faust.App, settings: Settings) -> Topics:
    return Topics(
        raw_entries=_topic(app, settings, spec.RAW_ENTRIES),
        entries=_topic(app, settings, spec.ENTRIES),
        probes=_topic(app, settings, spec.PROBES),
        answers=_topic(app, settings, spec.ANSWERS),
        quote_mentions=_topic(app, settings, spec.QUOTE_MENTIONS),
        speaker_mentions=_topic(app, settings, spec.SPEAKER_MENTIONS),
        verdicts=_topic(app, settings, spec.VERDICTS),
        unique_entries=_topic(app, settings, spec.UNIQUE_ENTRIES),
        quotes=_topic(app, settings, spec.QUOTES),
        canonical_quotes=_topic(app, settings, spec.CANONICAL_QUOTES),
        speaker_updates=_topic(app, settings, spec.SPEAKER_UPDATES),
        dead_letters=_topic(app, settings, spec.DEAD_LETTERS),
    )
