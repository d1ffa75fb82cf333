"""Signatures of an entry's text: exact digests, a MinHash (rensa) and its LSH band keys.

Pure and deterministic: the same paragraphs give the same fingerprint in every process, so
signature keys computed by different workers meet on the same Kafka partitions.
"""

from __future__ import annotations

import base64
import hashlib
import operator
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, filterfalse

import numpy as np
from rensa import RMinHash

from service.core.normalise import (
    STOPWORDS,
    join_normalised,
    normal_words,
    normalise_paragraphs,
    normalise_text,
)

# Fixed so that permutations (hence hash values and band keys) agree across processes/releases.
MINHASH_SEED = 20250313
# The MinHash is rensa's R-MinHash (compiled; pinned in pyproject.toml): each feature hashed to
# 64 bits, then permuted by (a*h + b) >> 32 into uint32 values (small to ship). Its hash and
# permutations are rensa's own, so another rensa algorithm version would give other values and
# band keys: tests/unit/core/test_fingerprint_identity.py holds it to the recorded ones.


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
    return _normal_digest(normalise_text(text))


def _normal_digest(normal: str) -> str:
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=16).hexdigest()


# Gauss-Legendre nodes and weights on [-1, 1]: the banding curve is a smooth polynomial in the
# similarity, so 64 nodes integrate it to float precision.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


def _integral(
    lower: float, upper: float, bands: np.ndarray, rows: np.ndarray, *, miss: bool
) -> np.ndarray:
    """The integral over [lower, upper] of the probability that two sets of similarity s
    share a band (1 - (1 - s^r)^b), or with `miss` of the probability that they do not."""
    half = (upper - lower) / 2
    s = lower + half * (_NODES + 1)
    shared = 1 - (1 - s[None, :] ** rows[:, None]) ** bands[:, None]
    return half * ((1 - shared if miss else shared) @ _WEIGHTS)


@lru_cache(maxsize=32)
def lsh_bands(params: FingerprintParams) -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives at params.lsh_threshold, weighted
    equally: the optimisation datasketch's MinHashLSH runs in its constructor (the first
    minimum in the order bands, then rows, ascending), without the SciPy it imports, which
    took most of a worker's start-up."""
    pairs = [
        (b, r) for b in range(1, params.num_perm + 1) for r in range(1, params.num_perm // b + 1)
    ]
    bands, rows = (np.array(column, dtype=np.float64) for column in zip(*pairs, strict=True))
    threshold = params.lsh_threshold
    false_positive = _integral(0.0, threshold, bands, rows, miss=False)
    false_negative = _integral(threshold, 1.0, bands, rows, miss=True)
    return pairs[int(np.argmin(0.5 * false_positive + 0.5 * false_negative))]


def shingles(tokens: Sequence[str], size: int) -> set[str]:
    """Distinct n-grams of ``tokens`` for n = 1..size, joined by a space."""
    grams = set(tokens)
    for n in range(2, size + 1):
        # zip of the list and its n-1 shifts: the n-grams, joined in C.
        grams.update(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))
    return grams


def minhash_values(features: Collection[str], num_perm: int) -> np.ndarray:
    """MinHash values (uint32) of a feature set; all at the largest value for an empty set.

    rensa hashes and permutes every feature in compiled code, over ten times faster than
    datasketch's update_batch, whose SHA-1 call from Python per feature was most of the cost
    of fingerprinting.
    """
    sketch = RMinHash(num_perm, MINHASH_SEED)
    sketch.update(list(features))  # a list is read in one pass; a set through an iterator
    return np.array(sketch.digest(), dtype=np.uint32)


def _band_keys(values: np.ndarray, bands: int, rows: int) -> tuple[str, ...]:
    """One Kafka key per LSH band: its label and the band's values themselves (big-endian, as
    MinHashLSH slices them), in URL-safe base64. Equal bands give equal keys and different
    bands different ones, with nothing to hash: with 3 rows a band is 12 bytes, 16 characters."""
    width = rows * values.itemsize
    raw = values[: bands * rows].byteswap().tobytes()
    if width % 3:  # a band's base64 would run into the next: encode each on its own
        encoded = [_b64(raw[i : i + width]) for i in range(0, len(raw), width)]
    else:  # encode all bands at once and cut every 4 characters per 3 bytes
        text, size = _b64(raw), width // 3 * 4
        encoded = [text[i : i + size] for i in range(0, len(text), size)]
    return tuple(map(operator.add, _band_labels(bands), encoded))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


@lru_cache(maxsize=8)
def _band_labels(bands: int) -> tuple[str, ...]:
    return tuple(f"b{band:02d}:" for band in range(bands))


def fingerprint_entry(
    paragraphs: Sequence[str], params: FingerprintParams = FingerprintParams()
) -> EntryFingerprint:
    """Fingerprint an entry body. The whole-body digest ignores paragraph breaks: the same words
    re-paragraphed are the same entry to a reader."""
    # Each paragraph is normalised once: its digest, its words and the body's digest share it.
    normal_forms = normalise_paragraphs(paragraphs)
    para_words = [normal_words(form) for form in normal_forms]
    tokens = list(filterfalse(STOPWORDS.__contains__, chain.from_iterable(para_words)))
    features = shingles(tokens, params.shingle_size)
    values = minhash_values(features, params.num_perm)
    bands, rows = lsh_bands(params)
    return EntryFingerprint(
        digest=_normal_digest(join_normalised(paragraphs, normal_forms)),
        paragraph_digests=tuple(map(_normal_digest, normal_forms)),
        paragraph_word_counts=tuple(map(len, para_words)),
        minhash=tuple(values.tolist()),
        shingle_count=len(features),
        # An empty set's sketch is all-max: every empty entry would share every bucket.
        band_keys=_band_keys(values, bands, rows) if features else (),
    )


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Jaccard estimate from two stored MinHash value sequences (fraction of equal slots)."""
    if len(a) != len(b):
        raise ValueError(f"MinHash sizes differ: {len(a)} != {len(b)}")
    if len(a) == 0:
        return 0.0
    # An owner scores an entry against every holder of its hot bands: arrays (minhash_array)
    # compare in one numpy step, several times as fast as map(eq) over tuples.
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return int(np.count_nonzero(a == b)) / len(a)
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


def minhash_array(packed: str) -> np.ndarray:
    """The packed MinHash values as a read-only uint32 array (what `jaccard` compares fastest)."""
    return np.frombuffer(base64.b64decode(packed), dtype="<u4")
