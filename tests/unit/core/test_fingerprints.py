"""fingerprint_entry, jaccard, containment: deterministic sketches that rank seed pairs."""

import subprocess
import sys

import pytest
from datasketch.lsh import _optimal_param
from hypothesis import given
from hypothesis import strategies as st

from service.core.fingerprints import (
    EntryFingerprint,
    FingerprintParams,
    containment,
    fingerprint_entry,
    jaccard,
    lsh_bands,
    minhash_array,
    pack_minhash,
    text_digest,
)
from tests.unit.core.seed_excerpts import (
    ARTICLE_001,
    ARTICLE_003,
    ARTICLE_004,
    CONTAINMENT,
    DILEMMA,
    HURRY,
    NEAR_DUPLICATE,
    RELATED,
    SEEDS,
)


def _score(a: EntryFingerprint, b: EntryFingerprint) -> float:
    return max(
        jaccard(a.minhash, b.minhash),
        containment(a.minhash, b.minhash, a.shingle_count, b.shingle_count),
    )


def test_seed_bodies_are_extracted_as_expected() -> None:
    assert HURRY[0].startswith("President Vladimir V. Putin") and len(HURRY) == 17
    assert ARTICLE_001[0].startswith("President Vladimir Putin") and len(ARTICLE_001) == 17


def test_text_digest_is_short_hex_and_ignores_typography() -> None:
    digest = text_digest("“Cease-fire” — now")
    assert len(digest) == 32 and digest == text_digest('"cease-fire" - NOW')


def test_fingerprint_is_deterministic_across_calls() -> None:
    assert fingerprint_entry(HURRY) == fingerprint_entry(HURRY)


def test_fingerprint_is_deterministic_across_processes() -> None:
    code = (
        "import sys; from service.core.fingerprints import fingerprint_entry; "
        "fp = fingerprint_entry(sys.stdin.read().split('\\n')); "
        "print(fp.digest, ','.join(map(str, fp.minhash)), ','.join(fp.band_keys))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input="\n".join(HURRY),
        capture_output=True,
        text=True,
        check=True,
        cwd=SEEDS.parent,
        env={"PYTHONHASHSEED": "12345", "PYTHONPATH": str(SEEDS.parent)},
    ).stdout.split()
    fp = fingerprint_entry(HURRY)
    assert out == [fp.digest, ",".join(map(str, fp.minhash)), ",".join(fp.band_keys)]


def test_band_keys_are_strings_sized_by_the_lsh_params() -> None:
    fp = fingerprint_entry(HURRY)
    assert len(fp.band_keys) == len(set(fp.band_keys)) > 1
    assert all(key.startswith("b") and ":" in key for key in fp.band_keys)


def test_fingerprint_records_one_digest_and_word_count_per_paragraph() -> None:
    fp = fingerprint_entry(["Reuters", "Putin said there are nuances in the plan."])
    assert len(fp.paragraph_digests) == 2 and fp.paragraph_word_counts == (1, 8)


def test_empty_text_has_no_band_keys() -> None:
    fp = fingerprint_entry(["—", "…"])
    assert fp.shingle_count == 0 and fp.band_keys == ()


def test_exact_copy_has_jaccard_one() -> None:
    a, b = fingerprint_entry(HURRY), fingerprint_entry(list(HURRY))
    assert jaccard(a.minhash, b.minhash) == 1.0


def test_light_edit_001_is_above_near_duplicate() -> None:
    a, b = fingerprint_entry(HURRY), fingerprint_entry(ARTICLE_001)
    assert jaccard(a.minhash, b.minhash) >= NEAR_DUPLICATE


def test_light_edit_001_shares_lsh_band_keys() -> None:
    a, b = fingerprint_entry(HURRY), fingerprint_entry(ARTICLE_001)
    assert set(a.band_keys) & set(b.band_keys)


def test_trimmed_copy_003_is_caught_by_containment() -> None:
    a, b = fingerprint_entry(DILEMMA), fingerprint_entry(ARTICLE_003)
    assert containment(a.minhash, b.minhash, a.shingle_count, b.shingle_count) >= CONTAINMENT
    assert set(a.band_keys) & set(b.band_keys)


def test_rewrite_004_is_related_but_not_near_duplicate() -> None:
    rewrite = fingerprint_entry(ARTICLE_004)
    for source in (HURRY, ARTICLE_001, DILEMMA):
        assert RELATED <= _score(rewrite, fingerprint_entry(source)) < NEAR_DUPLICATE


def test_excerpt_of_first_half_is_caught_by_containment() -> None:
    whole, half = fingerprint_entry(HURRY), fingerprint_entry(HURRY[: len(HURRY) // 2])
    assert jaccard(whole.minhash, half.minhash) < NEAR_DUPLICATE
    assert (
        containment(whole.minhash, half.minhash, whole.shingle_count, half.shingle_count)
        >= CONTAINMENT
    )


def test_containment_is_zero_for_an_empty_set() -> None:
    fp = fingerprint_entry(HURRY)
    assert containment(fp.minhash, fp.minhash, fp.shingle_count, 0) == 0.0


def test_params_change_the_number_of_band_keys() -> None:
    loose = fingerprint_entry(HURRY, FingerprintParams(lsh_threshold=0.3))
    strict = fingerprint_entry(HURRY, FingerprintParams(lsh_threshold=0.7))
    assert len(loose.band_keys) > len(strict.band_keys)


def test_packed_minhash_round_trips_exactly() -> None:
    values = fingerprint_entry(HURRY).minhash

    assert tuple(minhash_array(pack_minhash(values)).tolist()) == values


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
@pytest.mark.parametrize("threshold", [0.2, 0.35, 0.5, 0.6, 0.75, 0.9])
def test_lsh_bands_are_those_datasketch_would_choose(threshold: float, num_perm: int) -> None:
    params = FingerprintParams(lsh_threshold=threshold, num_perm=num_perm)

    assert lsh_bands(params) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_a_worker_starts_without_importing_scipy() -> None:
    # SciPy (through datasketch) took most of a restarted worker's import time.
    code = "import sys, service.stream.agents; print('scipy' in sys.modules)"

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=SEEDS.parent
    ).stdout

    assert out.strip() == "False"


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.booleans()), min_size=1, max_size=64))
def test_jaccard_of_stored_minhash_arrays_equals_jaccard_of_their_values(
    slots: list[tuple[int, bool]],
) -> None:
    a = tuple(value for value, _ in slots)
    b = tuple(value if same else (value + 1) % 2**32 for value, same in slots)

    from_arrays = jaccard(minhash_array(pack_minhash(a)), minhash_array(pack_minhash(b)))

    assert from_arrays == jaccard(a, b)
