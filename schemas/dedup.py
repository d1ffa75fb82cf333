"""Internal dedup events: signature probes scattered by key, and the answers gathered per entry.

On the wire, the probes of one entry travel as one ProbeBatch per shard (the partition that
owns their keys) and the owner replies with one AnswerBatch per entry it has news for: a few
messages per entry instead of one per signature. The probe carries the entry's sketch; the
answer carries only how much the entry resembles each holder, scored by the owner.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import SCHEMA_VERSION, Contract, Id


class SignatureKind(StrEnum):
    ENTRY = "entry"  # digest of the whole normalised body: exact copies
    PARAGRAPH = "paragraph"  # digest of one normalised paragraph: repeated paragraphs
    BAND = "band"  # one LSH band of the MinHash signature: near-copies


class Claimant(Contract):
    """An entry that carried a signature, as remembered by the signature's owner."""

    entry_id: Id
    event_time: AwareDatetime
    paragraph_index: int | None = None
    digest: str | None = None
    minhash: str | None = Field(
        default=None,
        description="MinHash values as base64 of little-endian uint32s (compact on the wire).",
    )
    shingle_count: int | None = None


class SignatureRef(Contract):
    """One signature of an entry, as named in a probe batch."""

    key: str
    kind: SignatureKind
    paragraph_index: int | None = None


class ProbeBatch(Contract):
    """Every signature of one entry that one shard owns. Sent to the shard's partition."""

    schema_version: Literal[1] = SCHEMA_VERSION
    entry_id: Id
    shard: int = Field(ge=0, description="Partition of the probes topic that owns these keys.")
    shards: int = Field(ge=1, description="How many batches the entry sent in all.")
    sketch: Claimant = Field(description="The entry: event time, digest and MinHash, once.")
    signatures: list[SignatureRef] = Field(min_length=1)
    version: str | None = Field(
        default=None,
        description="The entry version probed (RawEntry.version().tag): a later version "
        "replaces what the owner holds for the entry.",
    )


class Resemblance(Contract):
    """How much an entry resembles an earlier holder of its keys. The signature's owner scores
    it (it keeps both sketches), so answers carry three numbers instead of a MinHash."""

    same_text: bool = Field(description="Both normalised bodies have the same digest.")
    jaccard: float = Field(ge=0, le=1, description="MinHash estimate of the Jaccard similarity.")
    containment: float = Field(
        ge=0, le=1, description="Share of the entry found in the holder (0: entry too short)."
    )


class Holder(Contract):
    """An entry named in an answer batch, with how much the answered entry resembles it."""

    entry_id: Id
    event_time: AwareDatetime
    resemblance: Resemblance | None = Field(
        default=None,
        description="None: a paragraph holder only, or the owner no longer has its sketch.",
    )


class HolderRef(Contract):
    """An entry named in an answer; its event time and sketch are in the batch's holders."""

    entry_id: Id
    paragraph_index: int | None = None


class KeyAnswer(Contract):
    key: str
    kind: SignatureKind
    earlier: list[HolderRef] = Field(
        description="The earliest entries holding the key before, oldest first."
    )
    closest: list[HolderRef] = Field(
        default_factory=list,
        description="The earliest near-duplicate and duplicate of the entry holding the key "
        "before (entry and band keys), however many holders come first.",
    )


class AnswerBatch(Contract):
    """One shard's answers to one entry, keyed by entry id so all its batches meet."""

    schema_version: Literal[1] = SCHEMA_VERSION
    entry_id: Id
    event_time: AwareDatetime = Field(description="Event time of the entry answered.")
    shard: int = Field(ge=0)
    shards: int = Field(ge=1, description="How many batches the prober sent in all.")
    revision: bool = Field(
        default=False,
        description="Sent unasked to a later holder when an earlier entry arrived after it.",
    )
    holders: list[Holder] = Field(
        description="Each entry named in the answers, once: event time and, for the entry and "
        "band keys, how much the answered entry resembles it."
    )
    answers: list[KeyAnswer]
    version: str | None = Field(
        default=None,
        description="The version of the entry answered: the one it probed with "
        "(ProbeBatch.version), or on a revision the latest the owner holds. Answers about a "
        "version since replaced are dropped.",
    )
