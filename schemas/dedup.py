"""Internal dedup events: signature probes scattered by key, and the answers gathered per entry."""

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


class SignatureProbe(Contract):
    """Asks the owner of `key`: who carried this signature before me? Key = the signature."""

    schema_version: Literal[1] = SCHEMA_VERSION
    key: str
    kind: SignatureKind
    expected: int = Field(ge=1, description="How many probes the entry sent in all.")
    claimant: Claimant


class SignatureAnswer(Contract):
    """The owner's reply, keyed by entry id so the answers of one entry meet in one place."""

    schema_version: Literal[1] = SCHEMA_VERSION
    entry_id: Id
    event_time: AwareDatetime = Field(description="Event time of the entry answered.")
    key: str
    kind: SignatureKind
    expected: int = Field(ge=1)
    paragraph_index: int | None = None
    earlier: list[Claimant] = Field(
        description="Other entries holding the signature, oldest first."
    )
    revision: bool = Field(
        default=False,
        description="Sent unasked to a later holder when an earlier entry arrived after it.",
    )
