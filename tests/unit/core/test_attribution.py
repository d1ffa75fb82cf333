"""Attribution: which mention a quote belongs to, through which cue."""

from __future__ import annotations

from service.core.quotes import extract_quotes


def _speakers(text: str) -> list[str | None]:
    return [q.speaker_id for q in extract_quotes(text)]


def test_speaker_after_quote_with_said() -> None:
    text = "“The vote is final,” Mr. Lindqvist said."

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.speaker_as_written, quote.cue) == (
        "surname:lindqvist",
        "Mr. Lindqvist",
        "said",
    )


def test_inverted_said_with_appositive_names_the_speaker() -> None:
    text = "“We will appeal,” said Rosa Mendes, a former judge who leads the campaign."

    assert _speakers(text) == ["rosa-mendes"]


def test_speaker_before_quote_with_adverb_and_comma() -> None:
    text = "Finance Ministry spokeswoman Helga Brandt stated firmly, “No new taxes will be raised.”"

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.cue) == ("helga-brandt", "stated")


def test_speaker_with_appositive_between_quote_and_cue() -> None:
    text = (
        "“The harbour is closed,” Ivo Petrov, the port authority’s director, wrote in a "
        "Facebook post."
    )

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.cue) == ("ivo-petrov", "wrote in a Facebook post")


def test_told_reporters_is_the_cue() -> None:
    text = "“We are close to a deal,” Sen. Amy Rowe told reporters on Friday."

    assert extract_quotes(text)[0].cue == "told reporters"


def test_partial_quote_in_indirect_speech_belongs_to_the_reporting_speaker() -> None:
    text = "Governor Ellen Park said that Mr. Vance’s budget was “reckless and cruel.”"

    assert _speakers(text) == ["ellen-park"]


def test_pronoun_resolves_to_the_latest_speaker() -> None:
    text = (
        "Coach Diego Ruiz spoke after the match against Mr. Blake’s team.\n"
        "“We were tired,” he said."
    )

    assert _speakers(text) == ["diego-ruiz"]


def test_she_skips_a_male_antecedent() -> None:
    text = (
        "Dr. Anna Weiss, a virologist, disagreed with Mr. Karl Moser.\n"
        "“The data are clear,” she said."
    )

    assert _speakers(text) == ["anna-weiss"]


def test_description_resolves_to_matching_role_and_nationality() -> None:
    text = (
        "President Lena Varga of Hungary met President Tom Reed of Canada on Monday.\n"
        "The Hungarian leader added that talks had been “very frank.”"
    )

    assert _speakers(text) == ["lena-varga"]


def test_quote_only_paragraph_takes_the_previous_speaker() -> None:
    text = "Mayor Kofi Mensah said the budget was tight.\n“We will cut nothing essential.”"

    assert _speakers(text) == ["kofi-mensah"]


def test_participle_cue_takes_the_clause_subject() -> None:
    text = "Ms. Ito rejected the offer, calling it “an insult to every worker.”"

    assert _speakers(text) == ["surname:ito"]


def test_according_to_names_the_speaker_when_no_verb_does() -> None:
    text = "The bridge is “structurally unsound,” according to the Transport Ministry."

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.cue) == ("org:transport-ministry", "according to")


def test_organisation_speaker_is_typed_organisation() -> None:
    text = "“Our troops hold the line,” the Defence Ministry said."

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.speaker_type.value) == ("org:defense-ministry", "organisation")


def test_quote_with_no_attribution_and_no_context_has_no_speaker() -> None:
    text = "“Nobody knows what comes next.”"

    assert _speakers(text) == [None]


def test_word_finder_matches_a_word_boundary_regex() -> None:
    import re

    from service.core.mentions import WordFinder

    words = ["said", "made clear", "he", "spokesman"]
    finder = WordFinder(words)
    reference = re.compile(r"\b(?:made clear|said|he|spokesman)\b")
    texts = [
        "said he, the spokesman.\n(said)—he—“said”",
        "resaid shed the-spokesman made clear; made  clear_said 1said",
        "",
        "he",
    ]
    for text in texts:
        expected = [(m.start(), m.end(), m.group()) for m in reference.finditer(text)]
        assert [tuple(hit) for hit in finder.finditer(text)] == expected


def test_word_finder_handles_non_ascii_characters_before_a_word() -> None:
    import re

    from service.core.mentions import WordFinder

    words = ["said", "he", "according to", "to"]
    finder = WordFinder(words)
    reference = re.compile(r"\b(?:according to|said|he|to)\b")
    texts = [
        "José said—he “said” «he» …said",  # non-ASCII punctuation: a word boundary
        "Andréhe saidé éhe according to éaccording to",  # non-ASCII letters: none
        "\u00a0he\u2014said\u2019to",
    ]
    for text in texts:
        expected = [(m.start(), m.end(), m.group()) for m in reference.finditer(text)]
        assert [tuple(hit) for hit in finder.finditer(text)] == expected


def test_according_to_opening_the_sentence_names_the_speaker() -> None:
    text = (
        "According to Marta Salo, the city’s chief engineer, the repairs were "
        "“slow but unavoidable.”"
    )

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.cue) == ("marta-salo", "according to")


def test_a_quote_without_cue_does_not_take_the_next_paragraphs_speaker() -> None:
    text = (
        "For the opposition, the plan is “a bold gamble with public money.”\n\n"
        "“We will review every contract,” said Ana Ruiz, the city auditor."
    )

    first, second = extract_quotes(text)

    assert (first.speaker_id, second.speaker_id) == (None, "ana-ruiz")


def test_a_wire_dateline_does_not_hide_the_subject() -> None:
    text = (
        "LISBON, Portugal (AP) — The harbour master, Joana Reis, said the storm was "
        "“the worst in forty years.”"
    )

    assert _speakers(text) == ["joana-reis"]


def test_a_new_subject_after_and_speaks_for_itself() -> None:
    text = (
        "The play ran for a year, and its director, Tomas Berg, said he was "
        "“proud of every night of it.”"
    )

    assert _speakers(text) == ["tomas-berg"]


def test_a_verb_after_and_shares_the_subject_before_it() -> None:
    text = "Mr. Lindqvist spoke to reporters, and added: “The vote is final.”"

    assert _speakers(text) == ["surname:lindqvist"]


def test_the_title_of_a_work_is_not_a_quote() -> None:
    text = "The novel “Solaris” was reprinted, and Lena Hart said it was “as strange as ever.”"

    assert [q.text for q in extract_quotes(text)] == ["as strange as ever."]


def test_a_group_opening_the_sentence_is_nobody_in_particular() -> None:
    text = "Analysts described the talks as “a last chance.”"

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.cue) == (None, "described")


def test_a_portfolio_before_a_title_is_not_part_of_the_name() -> None:
    text = "Transport Minister Ilse Varga said the line would reopen “within weeks.”"

    [quote] = extract_quotes(text)

    assert (quote.speaker, quote.speaker_as_written) == (
        "Ilse Varga",
        "Transport Minister Ilse Varga",
    )


def test_told_the_and_a_listener_is_the_cue() -> None:
    text = "“The vote is final,” Mr. Lindqvist told the crowd."

    [quote] = extract_quotes(text)

    assert quote.cue == "told the crowd"


def test_a_name_followed_by_of_and_a_place_after_the_cue() -> None:
    text = "“The bridge will be rebuilt,” said President Aleksi Virtanen of Finland."

    [quote] = extract_quotes(text)

    assert (quote.speaker, quote.speaker_as_written) == (
        "Aleksi Virtanen",
        "President Aleksi Virtanen",
    )


def test_a_person_of_an_institution_is_the_person() -> None:
    text = "“The data were clear,” says Professor Lena Holm of Uppsala University."

    [quote] = extract_quotes(text)

    assert (quote.speaker, quote.speaker_id) == ("Lena Holm", "lena-holm")


def test_another_opening_a_sentence_is_nobody_named() -> None:
    text = "“It is a trap,” one diplomat said. Another called it “a step in the right direction.”"

    assert _speakers(text) == [None, None]


def test_particles_belong_to_the_surname() -> None:
    text = "“Our message is simple,” said Ursula von der Leyen. “Europe stands united.”"

    quotes = extract_quotes(text)

    assert {(q.speaker, q.speaker_id) for q in quotes} == {
        ("Ursula von der Leyen", "ursula-von-der-leyen")
    }


def test_the_president_is_not_a_chancellor() -> None:
    text = (
        "Chancellor Hanna Berg said it was “a dark day.”\n\n"
        "“I am not going anywhere,” the president said."
    )

    assert _speakers(text) == ["hanna-berg", None]


def test_a_hyphenated_title_is_not_a_name() -> None:
    text = "U.N. Secretary-General Amara Okafor called for “an immediate ceasefire.”"

    [quote] = extract_quotes(text)

    assert quote.speaker == "Amara Okafor"


def test_told_an_honorific_and_a_name_is_the_cue() -> None:
    text = "Mr. Lindqvist told Mr. Petrov that the vote was “final and binding.”"

    [quote] = extract_quotes(text)

    assert (quote.speaker_id, quote.cue) == ("surname:lindqvist", "told Mr. Petrov")


def test_a_surname_with_inner_capitals_is_kept_whole() -> None:
    text = (
        "“The bridge stays open,” McAllister said. “We will not wait,” said Anna DeMarco. "
        "“Nobody asked us,” Rep. Kevin O'Reilly said."
    )

    assert [q.speaker for q in extract_quotes(text)] == [
        "McAllister",
        "Anna DeMarco",
        "Kevin O'Reilly",
    ]


def test_title_before_name_after_the_cue_is_not_part_of_speaker() -> None:
    text = "“We'll reopen Friday,” said county spokeswoman Dana Whitlow."

    [quote] = extract_quotes(text)

    assert (quote.speaker, quote.speaker_id) == ("Dana Whitlow", "dana-whitlow")


def test_party_and_state_in_parentheses_end_the_speaker_phrase() -> None:
    text = "“The vote is a trap,” said Sen. Carla Ostrowski (D-Ore.), who opposes the bill."

    assert [q.speaker for q in extract_quotes(text)] == ["Carla Ostrowski"]


def test_of_an_institution_after_the_name_ends_the_speaker_phrase() -> None:
    text = "“Prices will fall,” said former adviser Omar Reyes of the Grain Council."

    assert [q.speaker for q in extract_quotes(text)] == ["Omar Reyes"]


def test_a_listener_after_told_is_not_the_speaker() -> None:
    text = "“We are ready,” Tom Albrecht, a lawyer for the union, told The Daily Ledger."

    assert [q.speaker for q in extract_quotes(text)] == ["Tom Albrecht"]


def test_a_name_after_the_cue_inside_reported_speech_is_not_the_speaker() -> None:
    text = "Ruth Baines, a former aide to the mayor, said Kessler was “a disaster” for the city."

    assert [q.speaker for q in extract_quotes(text)] == ["Ruth Baines"]


def test_initials_written_together_do_not_end_a_sentence() -> None:
    text = "Council Chairman R.J. Okafor said the plan was “a good start.”"

    assert [q.speaker_id for q in extract_quotes(text)] == ["surname:okafor"]


def test_a_state_abbreviation_in_parentheses_does_not_end_a_sentence() -> None:
    text = "“We need the votes,” Rep. Lena Hart (D-Mich.) said. “We have them.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Lena Hart", "Lena Hart"]


def test_an_honorific_makes_the_next_word_a_surname() -> None:
    text = "“The count is wrong,” Mr. King said. “It always was,” Ms. White said."

    assert [q.speaker_id for q in extract_quotes(text)] == ["surname:king", "surname:white"]


def test_a_role_after_the_cue_names_its_holder_in_apposition() -> None:
    text = (
        "“We will win the early vote,” said the mayor’s campaign manager, Rich Bolton, who ran it."
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Rich Bolton"]


def test_a_participle_takes_the_name_that_opens_its_phrase() -> None:
    text = "Critics were quick to respond, with Sen. Ann Duval calling the plan “a giveaway.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Ann Duval"]


def test_a_single_mark_closing_a_nested_quote_does_not_hide_the_cue() -> None:
    text = "''I would use the word 'old-school,''' said Greta Lindholm, a former envoy."

    assert [q.speaker for q in extract_quotes(text)] == ["Greta Lindholm"]


def test_verbs_of_manner_are_speech_cues() -> None:
    text = (
        "“Sit down,” Colm Brady shouted. “Not today,” Ines Varga quipped. "
        "“It was my mistake,” Piet Klaassen conceded."
    )

    assert [q.cue for q in extract_quotes(text)] == ["shouted", "quipped", "conceded"]


def test_labelling_verb_gives_the_partial_quote_to_its_subject() -> None:
    text = "Omar Reyes dismissed the audit as “a hit job” on Tuesday."

    [quote] = extract_quotes(text)

    assert (quote.speaker, quote.cue) == ("Omar Reyes", "dismissed")


def test_a_noun_after_a_possessive_is_not_a_cue() -> None:
    text = "Lena Hart waved off the mayor’s remarks about “a golden age” of the port."

    assert all(q.cue != "remarks" for q in extract_quotes(text))


def test_a_question_mark_before_the_cue_keeps_the_attribution() -> None:
    text = "“Who pays for it?” Reyes asked. “Nobody knows!” Hart shouted."

    assert [q.speaker_id for q in extract_quotes(text)] == ["surname:reyes", "surname:hart"]


def test_a_colon_after_a_noun_phrase_gives_the_quote_to_its_subject() -> None:
    text = "Dana Whitlow spoke at the hearing. Whitlow's terse reply: “No comment on that.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Dana Whitlow"]


def test_a_label_with_an_outlet_names_the_speaker() -> None:
    text = "Dana Whitlow, Daily Ledger: “The debate settled nothing at all.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Dana Whitlow"]


def test_a_dash_line_under_a_quote_credits_the_speaker() -> None:
    text = (
        "Omar Reyes spoke first.\n\n“The port will outlive us all.”\n\n— Lena Hart, in her memoir"
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Lena Hart"]


def test_a_sentence_opening_adverb_is_never_a_speaker() -> None:
    text = "Lena Hart spoke first. Immediately after the vote, the council called it “a betrayal.”"

    assert [q.speaker for q in extract_quotes(text)] != ["Immediately"]


def test_an_acronym_is_an_organisation_speaker() -> None:
    text = "“The review is closed,” the FBI said in a statement."

    [quote] = extract_quotes(text)

    assert (quote.speaker, str(quote.speaker_type.value)) == ("FBI", "organisation")


def test_a_newspaper_after_a_quote_is_the_speaker() -> None:
    text = "The mayor spoke. “The budget is short by millions,” the Daily Ledger reported."

    [quote] = extract_quotes(text)

    assert quote.speaker == "Daily Ledger"


def test_a_name_before_a_noun_after_the_cue_only_modifies_it() -> None:
    text = "“We're anxious,” said another Facebook user, Jo Bayer."

    assert [q.speaker for q in extract_quotes(text)] == ["Jo Bayer"]


def test_a_subject_between_the_quote_and_the_cue_wins_over_the_sentence_opening() -> None:
    text = "Taxes are “a burden” and “a trap,” Howard Lenz, a former governor, proclaimed."

    assert [q.speaker for q in extract_quotes(text)] == ["Howard Lenz", "Howard Lenz"]


def test_a_participle_clause_opening_the_sentence_is_no_subject() -> None:
    text = "Alarmed by the unrest in Ostrava, Senator Ivo Marek said the city faced “a test.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Ivo Marek"]


def test_went_on_to_say_reports_speech() -> None:
    text = "Ada Brenner went on to say, “The union will not sign this contract.”"

    [quote] = extract_quotes(text)

    assert quote.speaker == "Ada Brenner"


def test_a_name_suffix_does_not_replace_the_surname() -> None:
    text = "“We run every name against the lists,” said C. Tom Verdery Jr., a former official."

    [quote] = extract_quotes(text)

    assert (quote.speaker, quote.speaker_id) == ("Tom Verdery", "tom-verdery")


def test_capitalised_words_before_an_organisation_noun_belong_to_its_name() -> None:
    text = "The talks “reaffirmed a shared commitment,” the White House said."

    [quote] = extract_quotes(text)

    assert (quote.speaker, str(quote.speaker_type.value)) == ("White House", "organisation")


def test_an_ordinal_opening_a_sentence_is_no_speaker() -> None:
    text = "First, Reyes described the plan as “reckless and costly” before the vote."

    assert [q.speaker for q in extract_quotes(text)] == ["Reyes"]


def test_a_sentence_opening_with_two_marks_is_a_new_sentence() -> None:
    text = (
        "''The plan works,'' said Jon Favela, a former aide. ''From the first day to the "
        "last, nobody has doubted it.''"
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Jon Favela", "Jon Favela"]


def test_a_connective_adverb_does_not_hide_an_appositive_subject() -> None:
    text = (
        "On Monday, however, the head of the Grain Council, Omar Reyes, said the harvest "
        "was “a disaster.”"
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Omar Reyes"]


def test_he_said_after_a_quote_refers_to_the_subject_of_its_sentence() -> None:
    text = (
        "Omar Reyes spoke first. Campaign aide Rick Tallon said the senator had “a clear plan "
        "for the port,” he said."
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Rick Tallon"]


def test_a_name_after_a_verb_is_not_the_subject_before_it() -> None:
    text = "Lena Hart went after Reyes at the debate, calling him “unfit for office.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Lena Hart"]


def test_as_x_put_it_names_the_speaker() -> None:
    text = "Or, as Tom Ridgely put it: “The gates are open now.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Tom Ridgely"]


def test_an_as_clause_interrupted_by_an_appositive_holds_the_speaker() -> None:
    text = "As Tom Ridgely, the party's whip, put it: “This bill will not pass.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Tom Ridgely"]


def test_a_name_alone_before_a_colon_labels_the_quote() -> None:
    text = "Pollsters agree - Carla Binet: “One lesson was simple: keep counting.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Carla Binet"]


def test_a_verb_after_but_shares_the_subject_before_it() -> None:
    text = "Mara Quist, 70, said it was too early to tell but added, “We are confident.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Mara Quist"]


def test_a_name_after_a_past_tense_verb_is_its_object() -> None:
    text = "Earlier, Lena Hart knocked Reyes on trade and called him “a moderate.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Lena Hart"]


def test_the_name_opening_a_subordinate_clause_is_the_subject_of_its_cue() -> None:
    text = "There were sharper jabs, such as when Cruz knocked Reyes and called him “a moderate.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Cruz"]


def test_notes_after_a_name_is_a_cue_but_not_after_an_adjective() -> None:
    text = "“Look at the statement,” Ana Conrad notes. Her anti-tax remarks were “a mistake.”"

    assert extract_quotes(text)[0].cue == "notes"


def test_a_person_of_an_organisation_before_the_cue_is_the_speaker() -> None:
    text = "“Tax cuts are costly,” Nils Pethick of the Grain Policy Institute wrote recently."

    assert [q.speaker for q in extract_quotes(text)] == ["Nils Pethick"]


def test_a_place_after_a_comma_is_not_the_subject() -> None:
    text = "Stacy Bauer of Columbia, South Carolina says Reyes will keep “doing what he does.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Stacy Bauer"]


def test_a_subordinate_clause_with_its_own_subject_holds_the_cue() -> None:
    text = (
        "Democrats feared a repeat of that convention, when Mr. Bachner, who had lost, "
        "called for a “cultural war” on them."
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Bachner"]


def test_a_participle_after_a_but_clause_takes_the_sentence_subject() -> None:
    text = (
        "Reyes endorsed Hart in June, but only after long doubts, telling reporters he was "
        "“not quite there yet.”"
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Reyes"]


def test_and_then_before_the_subject_does_not_hide_it() -> None:
    text = "And then Reyes went on the attack, saying, “Is the mayor going to answer?”"

    assert [q.speaker for q in extract_quotes(text)] == ["Reyes"]


def test_a_party_and_state_parenthesis_between_name_and_verb_is_passed_over() -> None:
    text = "As Speaker Carla Ruiz (R-Wis.) has pointed out, that is the “textbook case” of it."

    assert [q.speaker for q in extract_quotes(text)] == ["Carla Ruiz"]


def test_without_a_cue_a_lone_word_opening_the_sentence_is_no_speaker() -> None:
    text = "Lena Hart sings tonight. Audiences can expect her to bring “a little recklessness.”"

    assert [q.speaker for q in extract_quotes(text)] != ["Audiences"]


def test_a_place_after_a_comma_is_no_appositive_speaker() -> None:
    text = "“They'd be wrong,” a spokesman said in an interview Sunday in Santa Clara, Calif."

    assert [q.speaker for q in extract_quotes(text)] != ["Calif"]


def test_a_pronoun_after_a_but_takes_the_speaker_named_earlier_in_its_sentence() -> None:
    text = (
        "Ann Lee arrived first. Dana Whitlow says voters are “right to be angry,” but also "
        "hungry for what she calls “real answers.”"
    )

    assert [q.speaker for q in extract_quotes(text)] == ["Dana Whitlow", "Dana Whitlow"]


def test_calls_after_a_name_labels_with_a_partial_quote() -> None:
    text = "The plan was unveiled on Monday. Omar Reyes calls it “a hit job” against farmers."

    assert [(q.speaker, q.cue) for q in extract_quotes(text)] == [("Omar Reyes", "calls")]


def test_the_calls_of_a_crowd_are_no_cue() -> None:
    text = "Omar Reyes spoke on Monday. The calls of “one more song, please” lasted an hour."

    assert [q.cue for q in extract_quotes(text)] == [None]


def test_a_portrayal_with_a_partial_quote_names_its_author() -> None:
    text = "Lena Hart arrived late. Dana Whitlow portrays her rival as “the fixer of the county.”"

    assert [q.speaker for q in extract_quotes(text)] == ["Dana Whitlow"]


def test_a_chant_is_attributed_to_the_one_who_chants() -> None:
    text = "Omar Reyes took the stage. Lena Hart chanted “four more years” with the crowd."

    assert [q.speaker for q in extract_quotes(text)] == ["Lena Hart"]


def test_an_office_held_of_something_before_the_name_keeps_the_name() -> None:
    text = "“The first line is the community,” said former secretary of labor Dana Whitlock."

    assert _speakers(text) == ["dana-whitlock"]


def test_a_description_after_the_cue_gives_way_to_the_name_in_apposition() -> None:
    text = "The party was “changing its image,” wrote the British envoy at the time, Lena K. Hart."

    assert _speakers(text) == ["lena-hart"]


def test_a_description_before_the_cue_gives_way_to_the_name_in_apposition() -> None:
    text = "Another delegate on the Reyes slate, Jim Poolman, said he was only “leaning Reyes.”"

    assert _speakers(text) == ["jim-poolman"]


def test_a_role_in_apposition_without_its_closing_comma_leaves_the_name_the_subject() -> None:
    text = "Anthony Whitlock, president and CEO of Ohio Grain Association stated, “It adds up.”"

    assert _speakers(text) == ["anthony-whitlock"]


def test_a_clause_of_adverbs_after_but_shares_the_sentences_subject() -> None:
    text = (
        "Senator Dana Whitlock used to back fellow Ohioan Omar Reyes, but now said Reyes had "
        "“the duty to unite us.”"
    )

    assert _speakers(text) == ["dana-whitlock"]


def test_a_description_known_as_a_name_gives_the_name() -> None:
    text = "“There never was an order,” said the station chief known as Bob, speaking at last."

    assert _speakers(text) == ["surname:bob"]


def test_first_name_that_looks_like_a_participle_still_opens_the_subject() -> None:
    text = (
        "“No plan would work now,” Fred Price, director of the Harbor Safety Project at the "
        "Ocean Institute, said in an interview."
    )

    assert _speakers(text) == ["fred-price"]


def test_role_in_a_relative_clause_before_the_cue_leaves_the_name_as_subject() -> None:
    text = "“The ad raises questions,” Dana Whitlow, who is chairman of Grain Action PAC said."

    assert _speakers(text) == ["dana-whitlow"]


def test_hyphenated_organisation_before_an_inverted_speaker_is_passed_over() -> None:
    text = "“Voters are waking up,” said NY-AFL President Bob Samuels, who backs the bill."

    assert _speakers(text) == ["bob-samuels"]


def test_labelling_verbs_attribute_the_label() -> None:
    text = (
        "Chancellor Lena Holm heralded the treaty as a “breakthrough.” Her rival, Omar Reyes, "
        "routinely characterizes himself as a “builder” and bemoaned the “lost decade.”"
    )

    assert _speakers(text) == ["lena-holm", "omar-reyes", "omar-reyes"]
