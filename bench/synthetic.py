"""Synthetic entries for the benchmarks: the seed documents, varied, as an endless stream.

Every entry gets a fresh id and an event time on a fixed event-time clock (one entry every
`seconds_per_entry` seconds of event time, with a little jitter, so a few arrive out of order).
Its text is one of four kinds, drawn with the probabilities of `Mix`:

* exact      — a verbatim copy of a recently generated entry (another outlet syndicating it);
* near       — a recent entry with one sentence lightly edited or its last paragraph dropped;
* edited     — a seed entry with paragraphs dropped and reordered, some sentences edited;
* recombined — new text: paragraphs built from seed sentences drawn at random, some edited;
* correction — a new version of a recent entry (same id, a later `updated_time`), one of its
               paragraphs edited: a live blog correcting an update (none by default).

Edits are small (a word swapped, dropped, replaced or a number changed) and may land inside a
quotation, which then counts as a new quote. Copies are drawn from the last `recent` entries, so
with `recent * seconds_per_entry` below the dedup horizon they are found as copies.

Everything is deterministic given `seed`, and the generator holds only the seeds and the recent
entries: a million entries stream through without being kept.

Usage as a script: python bench/synthetic.py --count 5 [--seed 0] > entries.jsonl
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.entries import RawEntry
from service.replay.source import read_entries

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
START = datetime(2025, 3, 14, tzinfo=UTC)
OUTLETS = ("Wire One", "Daily Ledger", "Evening Post", "Metro Courier", "Global Desk")
KINDS = ("exact", "near", "edited", "recombined", "correction")

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’]))\s+(?=[A-Z“\"])")
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|St)|\b[A-Z])\.$")
_NUMBER = re.compile(r"\d+")
_SYNONYMS = {
    "said": "says",
    "says": "said",
    "would": "could",
    "could": "would",
    "Thursday": "Friday",
    "Friday": "Thursday",
    "proposal": "plan",
    "plan": "proposal",
    "talks": "negotiations",
    "officials": "diplomats",
    "war": "conflict",
    "truce": "ceasefire",
}
_FILLERS = ("also", "very", "still", "just", "now", "of course,")


@dataclass(frozen=True)
class Mix:
    """Probabilities of the four kinds of entry (normalised: they need not sum to 1)."""

    exact: float = 0.10
    near: float = 0.15
    edited: float = 0.35
    recombined: float = 0.40
    # Last, and 0 by default: the stream of the other kinds is then the same with or without.
    correction: float = 0.0

    def weights(self) -> list[float]:
        return [self.exact, self.near, self.edited, self.recombined, self.correction]


def split_sentences(paragraph: str) -> list[str]:
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(paragraph):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] += " " + piece  # "Mr. Putin": not the end of a sentence
        elif piece.strip():
            sentences.append(piece)
    return sentences


def edit_sentence(sentence: str, rng: random.Random) -> str:
    """One small edit: replace a word, change a number, drop or insert a filler, swap words."""
    words = sentence.split(" ")
    if len(words) < 4:
        return sentence
    op = rng.randrange(4)
    if op == 0:
        options = [i for i, w in enumerate(words) if w in _SYNONYMS]
        if options:
            i = rng.choice(options)
            words[i] = _SYNONYMS[words[i]]
            return " ".join(words)
    if op == 1 and _NUMBER.search(sentence):
        return _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(1, 9)), sentence, count=1)
    if op == 2:
        i = rng.randrange(1, len(words) - 1)
        if words[i] in _FILLERS:
            del words[i]
        else:
            words.insert(i, rng.choice(_FILLERS))
        return " ".join(words)
    i = rng.randrange(1, len(words) - 2)
    words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def edit_paragraph(paragraph: str, rng: random.Random, p_edit: float) -> str:
    return " ".join(
        edit_sentence(s, rng) if rng.random() < p_edit else s for s in split_sentences(paragraph)
    )


class Generator:
    def __init__(self, seeds: Path, seed: int, recent: int, mix: Mix) -> None:
        self.rng = random.Random(seed)
        self.weights = mix.weights()
        self.base = read_entries(seeds)
        self.sentences = [s for e in self.base for p in e.paragraphs for s in split_sentences(p)]
        self.headlines = [e.headline for e in self.base if e.headline]
        self.recent: deque[RawEntry] = deque(maxlen=recent)

    def text(self, kind: str) -> tuple[str | None, list[str], RawEntry]:
        """Headline, paragraphs, and the entry whose metadata (kind, byline) is borrowed."""
        rng = self.rng
        if kind in ("exact", "near") and self.recent:
            source = rng.choice(self.recent)
            paragraphs = list(source.paragraphs)
            if kind == "near":
                if len(paragraphs) > 3 and rng.random() < 0.5:
                    paragraphs.pop()
                else:
                    i = rng.randrange(len(paragraphs))
                    paragraphs[i] = edit_paragraph(paragraphs[i], rng, 1.0)
            return source.headline, paragraphs, source
        source = rng.choice(self.base)
        if kind == "recombined" or kind in ("exact", "near"):  # nothing recent yet: new text
            paragraphs = [
                " ".join(rng.sample(self.sentences, rng.randint(1, 4)))
                for _ in range(rng.randint(1, 6))
            ]
            paragraphs = [edit_paragraph(p, rng, 0.3) for p in paragraphs]
            headline = rng.choice(self.headlines) if rng.random() < 0.5 else None
            return headline, paragraphs, source
        kept = [p for p in source.paragraphs if rng.random() > 0.2] or [source.paragraphs[0]]
        for i in range(len(kept) - 1):
            if rng.random() < 0.15:
                kept[i], kept[i + 1] = kept[i + 1], kept[i]
        paragraphs = [edit_paragraph(p, rng, 0.2) for p in kept]
        return source.headline, paragraphs, source

    def correct(self, at: datetime) -> RawEntry:
        """A new version of a recent entry: one paragraph edited, edited at `at`."""
        source = self.rng.choice(self.recent)
        paragraphs = list(source.paragraphs)
        i = self.rng.randrange(len(paragraphs))
        paragraphs[i] = edit_paragraph(paragraphs[i], self.rng, 1.0)
        updated = max(at, source.updated_time or source.event_time) + timedelta(seconds=1)
        return source.model_copy(update={"paragraphs": paragraphs, "updated_time": updated})

    def entry(self, number: int, seed: int, start: datetime, seconds_per_entry: float) -> RawEntry:
        kind = self.rng.choices(KINDS, weights=self.weights)[0]
        if kind == "correction" and self.recent:
            return self.correct(start + timedelta(seconds=number * seconds_per_entry))
        headline, paragraphs, source = self.text(kind)
        offset = (number + self.rng.random()) * seconds_per_entry
        entry = RawEntry(
            entry_id=f"syn{seed}:{number:09d}",
            document_id=f"syn{seed}-{source.document_id}"[:200],
            outlet=self.rng.choice(OUTLETS),
            kind=source.kind,
            position=number,
            event_time=start + timedelta(seconds=offset),
            byline=source.byline,
            dateline=source.dateline,
            headline=headline,
            paragraphs=[p for p in paragraphs if p.strip()] or ["(empty)"],
        )
        self.recent.append(entry)
        return entry


def synthetic_entries(
    count: int | None,
    *,
    seed: int = 0,
    seconds_per_entry: float = 1.0,
    start: datetime = START,
    mix: Mix | None = None,
    recent: int = 200,
    seeds: Path = SEEDS,
) -> Iterator[RawEntry]:
    """`count` entries (None: endless), generated one at a time."""
    generator = Generator(seeds, seed, recent, mix or Mix())
    number = 0
    while count is None or number < count:
        yield generator.entry(number, seed, start, seconds_per_entry)
        number += 1


def main() -> None:
    parser = argparse.ArgumentParser(description="Print synthetic RawEntry JSON lines.")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds-per-entry", type=float, default=1.0)
    args = parser.parse_args()
    for entry in synthetic_entries(
        args.count, seed=args.seed, seconds_per_entry=args.seconds_per_entry
    ):
        sys.stdout.write(entry.model_dump_json() + "\n")


if __name__ == "__main__":
    main()
