"""Quote detection: marks, boundaries, full vs fragment, and what is not a quote."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.quotes import QuoteKind
from service.core.quotes import extract_quotes


def _texts(text: str) -> list[str]:
    return [q.text for q in extract_quotes(text)]


def test_curly_double_quote_is_found_with_offsets_excluding_marks() -> None:
    text = "“We will rebuild the bridge,” Mayor Ana Ortiz said."

    [quote] = extract_quotes(text)

    assert text[quote.start : quote.end] == quote.text == "We will rebuild the bridge"


def test_straight_double_quotes_are_quotes() -> None:
    text = 'Health Minister Lena Holm said, "The vaccine is safe."'

    assert _texts(text) == ["The vaccine is safe."]


def test_single_curly_quotes_in_a_headline_are_quotes() -> None:
    text = "Holm says the outbreak is ‘under control’ as cases fall\nCases fell on Monday."

    [quote] = extract_quotes(text)

    assert (quote.text, quote.speaker_id) == ("under control", "surname:holm")


def test_double_apostrophes_from_wire_copy_are_quote_marks() -> None:
    text = "''We are not leaving,'' the strikers' leader, Tomas Berg, told reporters."

    assert _texts(text) == ["We are not leaving"]


def test_double_marks_of_the_wrong_shape_are_read_by_where_they_stand() -> None:
    text = (
        "“It works,“ said Lena Holm, the engineer. Ms. Holm said the test was ”a clear "
        "success” and asked for an “urgent review“ of the budget."
    )

    assert _texts(text) == ["It works", "a clear success", "urgent review"]


def test_quote_after_a_no_break_space_opens() -> None:
    text = 'The vote was close, Ms. Holm said.\xa0"We won by nine votes."'

    assert _texts(text) == ["We won by nine votes."]


def test_apostrophes_inside_words_do_not_open_quotes() -> None:
    text = "The nurses' union said it wasn't consulted. Mr. O'Neil's office declined to comment."

    assert extract_quotes(text) == []


def test_nested_quote_keeps_only_the_outer_quote() -> None:
    text = "“They keep saying ‘soon’ and nothing happens,” said Carla Diaz, a farmer."

    assert _texts(text) == ["They keep saying ‘soon’ and nothing happens"]


def test_split_quote_around_said_is_one_speaker_two_quotes() -> None:
    text = "“The plan is ready,” Mr. Okafor said. “We start on Monday.”"

    quotes = extract_quotes(text)

    assert [q.text for q in quotes] == ["The plan is ready", "We start on Monday."]
    assert {q.speaker_id for q in quotes} == {"surname:okafor"}


def test_multi_sentence_quote_is_one_quote() -> None:
    text = "“Prices rose. Wages did not. People are angry,” said Jana Novak, an economist."

    assert _texts(text) == ["Prices rose. Wages did not. People are angry"]


def test_quote_running_over_paragraphs_is_attributed_in_every_paragraph() -> None:
    text = (
        "“We never expected the water to rise this fast,” said Pedro Alves, the town’s mayor. "
        "“By midnight the square was flooded.\n"
        "“Now we need help from the capital.”"
    )

    quotes = extract_quotes(text)

    assert [q.text for q in quotes][-2:] == [
        "By midnight the square was flooded.",
        "Now we need help from the capital.",
    ]
    assert {q.speaker_id for q in quotes} == {"pedro-alves"}


def test_quote_opening_its_sentence_is_full() -> None:
    text = "“We have the votes,” Senator Mia Hall said."

    assert extract_quotes(text)[0].kind is QuoteKind.FULL


def test_quote_after_colon_or_said_comma_is_full() -> None:
    text = "Ms. Hall added: “We will win.” She said, “Count on it.”"

    assert [q.kind for q in extract_quotes(text)] == [QuoteKind.FULL, QuoteKind.FULL]


def test_short_phrase_inside_writers_sentence_is_fragment() -> None:
    text = "Ms. Hall said the bill was “dead on arrival” in the Senate."

    [quote] = extract_quotes(text)

    assert (quote.text, quote.kind) == ("dead on arrival", QuoteKind.FRAGMENT)


def test_scare_quotes_are_not_quotes() -> None:
    text = "The so-called “peace dividend” never arrived, and the “experts” were wrong."

    assert extract_quotes(text) == []


def test_titles_and_nicknames_are_not_quotes() -> None:
    text = "She appeared on “Meet the Press” with a striker known as “The Hammer.”"

    assert extract_quotes(text) == []


def test_label_in_a_relative_clause_is_a_quote_of_its_subject() -> None:
    text = (
        "In 2019, under what Mr. Berg called “the old model” the Harbor Club, a private "
        "course, charged members a fee. A film called “Harbor Lights” was shot there."
    )

    [quote] = extract_quotes(text)

    assert (quote.text, quote.speaker_id) == ("the old model", "surname:berg")


def test_title_credited_to_its_author_is_not_a_quote() -> None:
    text = (
        "READING LIST:\n"
        "“Harbor town votes to close its last cannery” by the Ledger's Jo Lin.\n"
        "Residents were “shaken” by the vote, Mayor Ana Ortiz said."
    )

    assert _texts(text) == ["shaken"]


def test_title_opening_a_sentence_or_after_a_comma_is_not_a_quote() -> None:
    text = (
        "“Harbor Lights” is a drama about a fishing town. Its sequel, “Winter Tides” sold "
        "well. “Tides” has been a hit on television. “We Stay Open,” Mayor Ana Ortiz said."
    )

    assert _texts(text) == ["We Stay Open"]


def test_title_in_apposition_to_a_work_is_not_a_quote_even_beside_a_speech_cue() -> None:
    text = (
        "She wrote in her memoir, “Open Water.” She later hosted a radio show, “Harbor "
        "Hours,” for a decade. In his new book, “Tides,” and in an interview, Mr. Berg said "
        "the port would “outlast us all.”"
    )

    assert _texts(text) == ["outlast us all."]


def test_sentence_quoted_after_a_comma_following_a_work_noun_is_still_a_quote() -> None:
    text = "On his radio show, “We open at dawn,” Mr. Berg said."

    assert _texts(text) == ["We open at dawn"]


def test_capitalised_quote_owned_by_a_name_is_the_name_of_its_programme() -> None:
    text = (
        "“We will reopen the port,” Mayor Ana Ortiz told Harbor Radio’s “Morning Tide” on "
        "Monday, and she repeated it on the Ledger's ''Town Hall'' later."
    )

    assert _texts(text) == ["We will reopen the port"]


def test_sentence_quoted_after_a_possessive_name_is_still_a_quote() -> None:
    text = "The crowd cheered Mayor Ana Ortiz’s “Never!” when she said it."

    assert _texts(text) == ["Never!"]


def test_capitalised_quote_before_a_noun_for_a_works_people_is_a_title() -> None:
    text = (
        "“Harbor Lights in the Fog” star Jo Lin backed the plan. Later the “Tides” author "
        "said she was “very pleased.”"
    )

    assert _texts(text) == ["very pleased."]


def test_quote_before_a_works_people_noun_ending_a_sentence_is_still_a_quote() -> None:
    text = "“We will stay!” cast members chanted, the director said."

    assert _texts(text) == ["We will stay!"]


def test_straight_marks_of_markup_attributes_are_not_quote_marks() -> None:
    text = (
        '<post author="@harborcity" date="May 2, 2025 / ">Ferry back on schedule today.</post>\n'
        'Mayor Ana Ortiz said the ferry was "back for good."'
    )

    assert _texts(text) == ["back for good."]


def test_hypothetical_speech_is_not_a_quote() -> None:
    text = "Officials would probably say, “We did everything we could,” analysts believe."

    assert extract_quotes(text) == []


def test_saying_reported_through_an_infinitive_is_not_hypothetical() -> None:
    text = (
        "Columnist Dana Whitlow went so far as to say: “The paper is finished.” "
        "Mayor Omar Reyes interjected to say: “Not yet.”"
    )

    assert [(q.text, q.speaker_id) for q in extract_quotes(text)] == [
        ("The paper is finished.", "dana-whitlow"),
        ("Not yet.", "omar-reyes"),
    ]


def test_quote_left_open_runs_to_the_end_of_its_paragraph() -> None:
    text = "Mr. Berg told the crowd. “We will stay until the mill reopens.\nThe crowd cheered."

    assert _texts(text) == ["We will stay until the mill reopens."]


def test_wire_quote_left_open_keeps_its_words_without_the_second_apostrophe() -> None:
    text = "Mr. Berg told the crowd, ''We will stay until the mill reopens.\nThe crowd cheered."

    assert _texts(text) == ["We will stay until the mill reopens."]


def test_quote_left_open_is_ignored_when_the_next_paragraph_may_close_it() -> None:
    text = "“This sentence never closes, said nobody.\nA new paragraph,” it says."

    assert extract_quotes(text) == []


def test_text_without_quotes_yields_nothing() -> None:
    assert extract_quotes("The council met on Tuesday.\nIt adjourned early.") == []


def test_long_run_of_spaces_before_a_name_does_not_crash() -> None:
    text = "“We will win,” he said. Then                    Vladimir Putin said “no.”"

    quotes = extract_quotes(text)

    assert [(q.text, q.speaker_id) for q in quotes][-1] == ("no.", "vladimir-putin")


def test_keywords_glued_to_punctuation_or_opening_a_line_are_found() -> None:
    # Cue words and pronouns right after a mark (no space) are still found: the fast word
    # search has a separate pass for them.
    text = (
        "Mayor Ana Ortiz spoke first.\n"
        "“The bridge is safe,”said Ortiz.\n"
        "She—who was tired—said: “We will reopen it.”"
    )

    quotes = extract_quotes(text)

    assert [(q.text, q.speaker_id, q.cue) for q in quotes] == [
        ("The bridge is safe", "ana-ortiz", "said"),
        ("We will reopen it.", "ana-ortiz", "said"),
    ]


def test_sentences_of_several_paragraphs_match_one_paragraph_at_a_time() -> None:
    from service.core.sentences import document_sentences, paragraph_spans, sentence_spans

    text = (
        "Mr. Putin spoke. “It is over. We won,” he said. Then he left.\n"
        "\n"
        "  No one asked. Gen. Syrsky said: “Not yet. Wait.” It rained.  \n"
        "Done."
    )
    paragraphs = paragraph_spans(text)
    protected = [
        (text.index("“It"), text.index("won,”") + 5),
        (text.index("“Not"), text.index("Wait.”") + 6),
    ]

    sentences, owners = document_sentences(text, paragraphs, protected)

    expected = [
        (span, index)
        for index, paragraph in enumerate(paragraphs)
        for span in sentence_spans(
            text, paragraph, [p for p in protected if paragraph[0] <= p[0] < paragraph[1]]
        )
    ]
    assert list(zip(sentences, owners, strict=True)) == expected
    assert [text[a:b] for a, b in sentences] == [
        "Mr. Putin spoke.",
        "“It is over. We won,” he said.",
        "Then he left.",
        "No one asked.",
        "Gen. Syrsky said: “Not yet. Wait.”",
        "It rained.",
        "Done.",
    ]


# Pieces of news prose, shuffled into any order: quote marks of every kind, names, titles,
# cues, pronouns, descriptions and punctuation, plus arbitrary text.
_PIECES = st.sampled_from(
    [
        "“", "”", '"', "'", "‘", "’", "''", " ", " ", "\n", "\n\n", ",", ".", ":", ";", "—",
        " said", " says", " told reporters", " added", " according to", "According to ",
        " Mr.", " Vladimir", " Putin", " Putin’s", " Ursula von der Leyen", " of Ukraine",
        " the Kremlin", "The Kremlin", " he", " she", " the Russian leader", " his spokesman",
        " Critics", " WASHINGTON —", " would say", " called", " the film", " and",
    ]
)  # fmt: skip
_PROSE = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(_PROSE)
def test_any_text_gives_quotes_whose_offsets_hold_their_words(text: str) -> None:
    quotes = extract_quotes(text)

    assert all(text[q.start : q.end] == q.text and q.start < q.end for q in quotes)
    assert [q.start for q in quotes] == sorted(q.start for q in quotes)
    assert all((q.speaker is None) == (q.speaker_id is None) for q in quotes)
