"""Speaker registry: canonical ids, name merging, cross-document upgrades."""

from __future__ import annotations

from schemas.quotes import SpeakerType
from service.core.quotes import extract_quotes
from service.core.speakers import (
    ID_PATTERN,
    Speaker,
    SpeakerRegistry,
    fold_word,
    organisation_id,
    person_id,
)


def test_transliteration_variants_fold_to_one_id() -> None:
    assert (
        person_id("Zelenskyy", "Volodymyr")
        == person_id("Zelensky", "Volodymyr")
        == ("volodymyr-zelensky")
    )
    assert person_id("Peskov", "Dmitri") == person_id("Peskov", "Dmitry") == "dmitry-peskov"


def test_given_name_variants_fold_together() -> None:
    assert fold_word("Dmitri", given=True) == fold_word("Dmitry", given=True)
    assert fold_word("Aleksandr", given=True) == fold_word("Alexander", given=True)


def test_organisation_ids_fold_country_and_spelling() -> None:
    assert organisation_id("Russia’s Defense Ministry") == organisation_id(
        "the Russian Defence Ministry"
    )


def test_ids_match_the_schema_pattern() -> None:
    ids = [person_id("O’Brien"), person_id("Zelenskyy", "Olena"), organisation_id("The Kremlin")]

    assert all(ID_PATTERN.match(value) for value in ids)


def test_titles_initials_and_surname_mentions_merge_in_a_document() -> None:
    text = (
        "President Vladimir V. Putin spoke on Thursday.\n"
        "“We are ready,” Mr. Putin said. “Nothing is decided,” Putin added."
    )

    quotes = extract_quotes(text)

    assert {(q.speaker_id, q.speaker) for q in quotes} == {("vladimir-putin", "Vladimir Putin")}


def test_possessive_mention_does_not_become_the_speaker() -> None:
    text = "Anna Berg criticised Mr. Holt’s plan as “a gift to landlords.”"

    assert extract_quotes(text)[0].speaker_id == "anna-berg"


def test_same_surname_with_different_given_names_gets_distinct_ids() -> None:
    text = (
        "“We disagree,” said Donald Grant. “I do not,” said Melissa Grant, his sister.\n"
        "“Enough,” Grant said."
    )

    ids = [q.speaker_id for q in extract_quotes(text)]

    assert ids == ["donald-grant", "melissa-grant", "melissa-grant"]


def test_ids_are_stable_across_runs() -> None:
    text = "“Fine,” said Dmitri S. Peskov, the Kremlin spokesman."

    assert extract_quotes(text) == extract_quotes(text)
    assert extract_quotes(text)[0].speaker_id == "dmitry-peskov"


def test_registry_merge_upgrades_display_name_and_returns_new_value() -> None:
    short = Speaker("putin", "Putin", SpeakerType.PERSON, frozenset({"Putin"}))
    full = Speaker("putin", "Vladimir Putin", SpeakerType.PERSON, frozenset({"Mr. Putin"}))
    registry = SpeakerRegistry().merge(short)

    upgraded = registry.merge(full)

    assert registry.display_name("putin", "?") == "Putin"
    assert upgraded.display_name("putin", "?") == "Vladimir Putin"
    assert "Mr. Putin" in upgraded.speakers[0].aliases


def test_surname_folding_of_ascii_and_accented_words() -> None:
    # ASCII words take a shortcut past the Unicode decomposition: same folds either way.
    assert fold_word("Maxim") == "maksim"
    assert fold_word("O'Brien") == fold_word("O’Brien") == "obrien"
    assert fold_word("Dmitrii") == "dmitry"
    assert fold_word("Smith-Jones") == "smith-jones"
    assert fold_word("Müller") == fold_word("Muller") == "muller"
    assert fold_word("Zelenskiy") == fold_word("ZELENSKYY") == "zelensky"


def test_people_sharing_a_surname_in_different_documents_never_share_an_id() -> None:
    first = extract_quotes("“We will leave,” said Boris Johnson.")
    second = extract_quotes("“The vote is Friday,” said Mike Johnson.")

    assert [q.speaker_id for q in first + second] == ["boris-johnson", "mike-johnson"]


def test_a_surname_alone_gets_an_explicit_unresolved_id() -> None:
    [quote] = extract_quotes("“The vote is Friday,” Mr. Johnson said.")

    assert (quote.speaker_id, quote.speaker_resolved) == ("surname:johnson", False)


def test_a_full_name_in_the_document_resolves_its_surname_mentions() -> None:
    text = "Mike Johnson spoke first.\n“The vote is Friday,” Mr. Johnson said."

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.speaker_resolved) == ("mike-johnson", True)


def test_transliterations_of_one_name_in_different_documents_share_an_id() -> None:
    first = extract_quotes("“We hold,” said President Volodymyr Zelenskyy.")
    second = extract_quotes("“We hold,” said Volodymyr Zelensky, the president.")

    assert {q.speaker_id for q in first + second} == {"volodymyr-zelensky"}


def test_name_order_as_written_is_kept_in_the_id() -> None:
    [quote] = extract_quotes("“We welcome the talks,” said Xi Jinping.")

    assert quote.speaker_id == "xi-jinping"


def test_an_organisation_is_resolved() -> None:
    [quote] = extract_quotes("“We reject the claim,” the FBI said.")

    assert (quote.speaker_id, quote.speaker_resolved) == ("org:fbi", True)


def test_a_hyphenated_modifier_or_title_before_a_name_is_no_given_name() -> None:
    texts = [
        "“Turnout is falling,” Ohio-based Dana Whitlock said.",
        "“We had a problem,” said Steelworkers Vice-President Dana Whitlock.",
        "“It was a mistake,” said Representative Dana Whitlock, a Democrat.",
    ]

    ids = [q.speaker_id for text in texts for q in extract_quotes(text)]

    assert ids == ["dana-whitlock"] * 3


def test_hyphenated_names_stay_whole() -> None:
    [quote] = extract_quotes("“It was a mistake,” said Jean-Claude Reyes-Smith.")

    assert quote.speaker_id == "jean-claude-reyes-smith"


def test_a_name_keeps_letters_beyond_latin_1_and_decomposed_accents() -> None:
    texts = [
        "“We will see,” said Recep Tayyip Erdoğan.",
        "“We will see,” said Lech Wałęsa.",
        "“We will see,” said Jose\u0301 Mari\u0301a Aznar.",  # accents as combining marks
    ]

    speakers = [q.speaker for text in texts for q in extract_quotes(text)]

    assert speakers == ["Recep Erdoğan", "Lech Wałęsa", "Jose\u0301 Aznar"]


def test_a_name_garbled_by_a_wrong_decoding_is_kept_as_written() -> None:
    # "Peña" written out as UTF-8 and read back as Latin-1, as some feeds deliver it.
    garbled = "Peña".encode().decode("latin-1")

    [quote] = extract_quotes(f"“We will see,” said Dana {garbled}.")

    assert quote.speaker == f"Dana {garbled}"
