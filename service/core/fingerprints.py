"""Signatures of an entry's text: exact digests, a datasketch MinHash and its LSH band keys.

Pure and deterministic: the same paragraphs give the same fingerprint in every process, so
signature keys computed by different workers meet on the same Kafka partitions.
"""

from __future__ import annotations

import base64
import hashlib
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from service.core.normalise import STOPWORDS, normalise_text, words

# Fixed so that permutations (hence hash values and band keys) agree across processes/releases.
MINHASH_SEED = 20250313
# affine32: datasketch 2.x default, collision-free permutations, uint32 values (small to ship).
MINHASH_SCHEME = "affine32"


@dataclass(frozen=True, slots=True)
class FingerprintParams:
    """How entries are sketched. Every worker must use the same values."""

    num_perm: int = 128
    # Features are content-word n-grams for n = 1..shingle_size. Unigrams carry the topic
    # (names, places), so rewrites of the same news overlap a little ("related"); bigrams carry
    # word order, so only copies and light edits overlap a lot ("near duplicate").
    shingle_size: int = 2
    # Jaccard level the LSH bands are tuned for. Below the near-duplicate threshold on
    # purpose: an excerpt of half an entry has Jaccard ~0.5 and must still meet its source.
    lsh_threshold: float = 0.3

    def __post_init__(self) -> None:
        if self.num_perm < 2 or self.shingle_size < 1 or not 0.0 < self.lsh_threshold < 1.0:
            raise ValueError(f"invalid fingerprint params: {self}")


@dataclass(frozen=True, slots=True)
class EntryFingerprint:
    """Everything the dedup stage needs to know about one entry's text."""

    digest: str  # text_digest of the whole body (paragraphs joined by a space)
    paragraph_digests: tuple[str, ...]
    paragraph_word_counts: tuple[int, ...]  # words(), for the short-paragraph rule
    minhash: tuple[int, ...]
    shingle_count: int  # distinct features in the MinHash set
    band_keys: tuple[str, ...]  # empty when there are no features to compare


def text_digest(text: str) -> str:
    """Short hex digest (blake2b, 16 bytes) of the normalised text."""
    return hashlib.blake2b(normalise_text(text).encode("utf-8"), digest_size=16).hexdigest()


@lru_cache(maxsize=8)
def _template(num_perm: int) -> MinHash:
    # Generating permutations costs more than sketching a short post; do it once per size.
    return MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)


@lru_cache(maxsize=32)
def lsh_bands(params: FingerprintParams) -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives at params.lsh_threshold.

    Same optimisation MinHashLSH runs in its constructor; cached because it integrates
    numerically over every (b, r) pair.
    """
    return _optimal_param(params.lsh_threshold, params.num_perm, 0.5, 0.5)


def shingles(tokens: Sequence[str], size: int) -> set[bytes]:
    """Distinct n-grams of ``tokens`` for n = 1..size, joined by a space, as UTF-8."""
    out: set[bytes] = set()
    for n in range(1, size + 1):
        for i in range(len(tokens) - n + 1):
            out.add(" ".join(tokens[i : i + n]).encode("utf-8"))
    return out


def _band_keys(values: np.ndarray, bands: int, rows: int) -> tuple[str, ...]:
    # Band bytes as MinHashLSH builds them (byteswapped slice), hashed short for a Kafka key.
    keys = []
    for band in range(bands):
        chunk = values[band * rows : (band + 1) * rows]
        digest = hashlib.blake2b(chunk.byteswap().tobytes(), digest_size=8).hexdigest()
        keys.append(f"b{band:02d}:{digest}")
    return tuple(keys)


def fingerprint_entry(
    paragraphs: Sequence[str], params: FingerprintParams = FingerprintParams()
) -> EntryFingerprint:
    """Fingerprint an entry body. The whole-body digest ignores paragraph breaks: the same words
    re-paragraphed are the same entry to a reader."""
    tokens: list[str] = []
    word_counts: list[int] = []
    for paragraph in paragraphs:
        para_words = words(paragraph)
        word_counts.append(len(para_words))
        tokens.extend(w for w in para_words if w not in STOPWORDS)
    features = shingles(tokens, params.shingle_size)

    template = _template(params.num_perm)
    sketch = MinHash(
        num_perm=params.num_perm,
        seed=MINHASH_SEED,
        permutations=template.permutations,
        scheme=MINHASH_SCHEME,
    )
    sketch.update_batch(features)
    bands, rows = lsh_bands(params)
    return EntryFingerprint(
        digest=text_digest(" ".join(paragraphs)),
        paragraph_digests=tuple(text_digest(p) for p in paragraphs),
        paragraph_word_counts=tuple(word_counts),
        minhash=tuple(int(v) for v in sketch.hashvalues),
        shingle_count=len(features),
        # An empty set's sketch is all-max: every empty entry would share every bucket.
        band_keys=_band_keys(sketch.hashvalues, bands, rows) if features else (),
    )


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Jaccard estimate from two stored MinHash value sequences (fraction of equal slots)."""
    if len(a) != len(b):
        raise ValueError(f"MinHash sizes differ: {len(a)} != {len(b)}")
    if not a:
        return 0.0
    # map(eq) counts in C: an owner scores an entry against every holder of its hot bands.
    return sum(map(operator.eq, a, b)) / len(a)


def containment(a: Sequence[int], b: Sequence[int], a_count: int, b_count: int) -> float:
    """Estimated share of the smaller set contained in the larger one.

    |A∩B| = J(|A|+|B|)/(1+J); divided by min(|A|, |B|). Catches an excerpt of a longer
    entry, whose Jaccard is only its length ratio. Zero when either set is empty.
    """
    if a_count <= 0 or b_count <= 0:
        return 0.0
    j = jaccard(a, b)
    intersection = j * (a_count + b_count) / (1.0 + j)
    return min(1.0, intersection / min(a_count, b_count))


def contained_share(a: Sequence[int], b: Sequence[int], a_count: int, b_count: int) -> float:
    """Estimated share of set A that is also in set B: |A∩B| / |A|.

    Directional on purpose: an excerpt of an earlier entry is contained in it, but an earlier
    short post is not made a copy by a later, longer entry that quotes it in full.
    """
    return share_from_jaccard(jaccard(a, b), a_count, b_count)


def share_from_jaccard(j: float, a_count: int, b_count: int) -> float:
    """contained_share for a Jaccard value already estimated: |A∩B| = J(|A|+|B|)/(1+J)."""
    if a_count <= 0 or b_count <= 0:
        return 0.0
    return min(1.0, j * (a_count + b_count) / (1.0 + j) / a_count)


def pack_minhash(values: Sequence[int]) -> str:
    """MinHash values as base64 of little-endian uint32s: a fifth of their JSON size, and one
    string to encode instead of a list of numbers."""
    return base64.b64encode(np.asarray(values, dtype="<u4").tobytes()).decode("ascii")


def unpack_minhash(packed: str) -> tuple[int, ...]:
    return tuple(int(v) for v in np.frombuffer(base64.b64decode(packed), dtype="<u4"))
