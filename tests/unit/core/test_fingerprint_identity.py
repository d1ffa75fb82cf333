"""Digests, MinHash values and band keys stay bit for bit what they were recorded as.

Signature keys and sketches live in the dedup tables and in other workers: a faster or
upgraded fingerprint that computed other values would stop new entries meeting the ones before
it. tests/data/fingerprints_expected.jsonl holds made-up texts full of typographic edge cases,
the seeds (their non-blank lines as paragraphs) and a few synthetic entries. Their digests,
word counts and feature counts were recorded from the datasketch implementation (commit
e1c6131) and are unchanged since; their MinHash values and band keys are rensa 0.5.0's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from service.core.fingerprints import fingerprint_entry, minhash_values, pack_minhash
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


def test_minhash_of_no_features_is_all_at_the_largest_value() -> None:
    values = minhash_values(set(), 64)

    assert values.dtype == np.uint32 and values.tolist() == [2**32 - 1] * 64


def test_minhash_does_not_depend_on_the_order_of_the_features() -> None:
    features = [f"feature {i}" for i in range(300)]

    forward, backward = minhash_values(features, 64), minhash_values(features[::-1], 64)

    assert forward.tolist() == backward.tolist()
