"""Digests, MinHash values and band keys stay bit for bit what earlier releases computed.

Signature keys and sketches live in the dedup tables and in other workers: a faster
fingerprint that computed other values would stop new entries meeting the ones before it.
tests/data/fingerprints_expected.jsonl was written by the datasketch-based implementation
(commit e1c6131) for made-up texts full of typographic edge cases, the seeds (their non-blank
lines as paragraphs) and a few synthetic entries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from datasketch import MinHash

from service.core.fingerprints import (
    MINHASH_SCHEME,
    MINHASH_SEED,
    fingerprint_entry,
    minhash_values,
    pack_minhash,
)
from service.core.normalise import normalise_text, words

DATA = Path(__file__).parents[2] / "data" / "fingerprints_expected.jsonl"
SEEDS = Path(__file__).parents[3] / "seeds"


def _cases() -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    for case in cases:
        if "seed_file" in case:
            text = (SEEDS / case["seed_file"]).read_text(encoding="utf-8")
            case["paragraphs"] = [line for line in text.splitlines() if line.strip()]
    return cases


CASES = _cases()
MADE_UP = [case for case in CASES if "words" in case]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_fingerprint_equals_the_recorded_one(case: dict[str, Any]) -> None:
    fp = fingerprint_entry(case["paragraphs"])

    assert fp.digest == case["digest"]
    assert list(fp.paragraph_digests) == case["paragraph_digests"]
    assert list(fp.paragraph_word_counts) == case["paragraph_word_counts"]
    assert pack_minhash(fp.minhash) == case["minhash"]
    assert fp.shingle_count == case["shingle_count"]
    assert list(fp.band_keys) == case["band_keys"]


@pytest.mark.parametrize("case", MADE_UP, ids=[case["name"] for case in MADE_UP])
def test_normal_forms_and_words_equal_the_recorded_ones(case: dict[str, Any]) -> None:
    paragraphs = case["paragraphs"]

    assert [normalise_text(p) for p in paragraphs] == case["normal_forms"]
    assert [words(p) for p in paragraphs] == case["words"]


def test_minhash_values_equal_datasketch_update_batch() -> None:
    features = {f"feature {i}".encode() for i in range(300)} | {"kyiv’s".encode()}
    reference = MinHash(num_perm=64, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)

    reference.update_batch(features)

    assert minhash_values(features, 64).tolist() == reference.hashvalues.tolist()


def test_minhash_of_no_features_is_datasketch_empty_sketch() -> None:
    empty = MinHash(num_perm=64, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)

    assert minhash_values(set(), 64).tolist() == empty.hashvalues.tolist()
