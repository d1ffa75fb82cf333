"""normalise_text and words: equivalent spellings of the same text compare equal."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from service.core.normalise import (
    content_words,
    join_normalised,
    normalise_paragraphs,
    normalise_text,
    words,
)

SEEDS = Path(__file__).parents[3] / "seeds"


def test_curly_and_straight_quotes_normalise_equal() -> None:
    assert normalise_text("“It’s done,” he said. ‘Yes.’") == normalise_text(
        "\"It's done,\" he said. 'Yes.'"
    )


def test_em_en_and_hyphen_dashes_normalise_equal() -> None:
    assert normalise_text("a truce — or not – maybe") == normalise_text("a truce - or not - maybe")


def test_whitespace_is_collapsed_and_nbsp_folded() -> None:
    assert normalise_text("  Kyiv\u00a0and\n\tMoscow  ") == "kyiv and moscow"


def test_text_is_case_folded() -> None:
    assert normalise_text("PUTIN Putin") == "putin putin"


def test_nfkc_folds_compatibility_characters() -> None:
    assert normalise_text("１３００ km²") == "1300 km2"


def test_words_strip_punctuation() -> None:
    assert words("Kursk, Sudzha; (Russia)!") == ["kursk", "sudzha", "russia"]


def test_words_fold_hyphenation_variants() -> None:
    assert words("a cease-fire deal") == words("a ceasefire deal")


def test_words_drop_honorifics() -> None:
    assert words("Mr. Putin said") == words("Putin said")


def test_words_drop_middle_initials() -> None:
    assert words("President Vladimir V. Putin") == words("President Vladimir Putin")


def test_words_fold_dotted_abbreviations() -> None:
    assert words("U.S.-backed offer") == words("US-backed offer")


def test_words_fold_possessives_across_quote_styles() -> None:
    assert words("Putin’s comments") == words("Putin's comments") == ["putin", "comments"]


def test_words_keep_single_digits() -> None:
    assert words("in 3 regions") == ["in", "3", "regions"]


def test_content_words_drop_stopwords_but_keep_negation() -> None:
    assert content_words("He did not rule out the truce") == ["not", "rule", "truce"]


def test_seed_light_edit_sentence_has_the_same_words() -> None:
    blog = (SEEDS / "000_dc51b1a11cdf7766.txt").read_text(encoding="utf-8").splitlines()
    article = (SEEDS / "001_c3985f23298ebedb.txt").read_text(encoding="utf-8").splitlines()
    blog_line = next(line for line in blog if line.startswith("“These are all questions"))
    article_line = next(line for line in article if line.startswith("“These are all questions"))
    assert words(blog_line) == words(article_line)


# What the rules act on, and next to: whitespace, dashes, quotes, compatibility forms,
# combining marks, word characters and the seam character itself.
_EDGY_TEXT = st.text(
    alphabet=st.sampled_from(
        list(" \t\n\u00a0\u2003-\u2013\u2014\ufe58'\u2019\"\u00b4\u0301\u00a8ﬁaZ3.,_\x00")
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_EDGY_TEXT, max_size=5))
def test_paragraphs_normalised_together_equal_each_normalised_alone(paragraphs: list[str]) -> None:
    assert normalise_paragraphs(paragraphs) == [normalise_text(p) for p in paragraphs]


@settings(max_examples=300, deadline=None)
@given(st.lists(_EDGY_TEXT, max_size=5))
def test_joined_normal_forms_equal_the_normal_form_of_the_joined_text(
    paragraphs: list[str],
) -> None:
    forms = [normalise_text(p) for p in paragraphs]

    assert join_normalised(paragraphs, forms) == normalise_text(" ".join(paragraphs))
