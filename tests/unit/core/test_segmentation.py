"""Line classification and page cleaning rules, on small synthetic inputs."""

from __future__ import annotations

import pytest

from service.core.segmentation import (
    LineKind,
    classify_line,
    classify_lines,
    collapse_repeats,
    ends_sentence,
    parse_byline,
    parse_dateline,
    parse_lead_dateline,
    segment,
    strip_footer,
)

PARAGRAPH = "The minister said on Tuesday that talks would resume next week in Geneva."


def kinds(text: str) -> list[LineKind]:
    return [line.kind for line in segment(text)]


def values(text: str) -> list[str]:
    return [line.value for line in segment(text)]


@pytest.mark.parametrize(
    "line",
    ["Advertisement", "SKIP ADVERTISEMENT", "Image", "ADVERTISING", "Pinned", "Share this article"],
)
def test_ad_and_image_placeholders_are_noise(line: str) -> None:
    assert classify_line(line)[0] is LineKind.NOISE


@pytest.mark.parametrize(
    "line",
    [
        "Comments",
        "Leave a Reply",
        "Most Read",
        "© 2025 The New York Times Company",
        "Copyright 2025 Example Media",
        "Would you like to comment on this article?",
        "No comments yet. Why don’t you start the discussion?",
        "Reuters",
        "Published by Example Holdings and distributed with the Example Mail.",
    ],
)
def test_comment_widgets_imprints_and_agency_signoffs_are_footer(line: str) -> None:
    assert classify_line(line)[0] is LineKind.FOOTER


@pytest.mark.parametrize(
    "line",
    [
        "Sign up (it's quick and free) or sign in now.",
        "Please read our Comment Policy before commenting.",
        "2 hours ago",
        "Updated March 13, 2025, 5:05 p.m. ET",
        "Credit...Jane Doe for The Example Times",
    ],
)
def test_sign_up_prompts_timestamps_and_photo_credits_are_noise(line: str) -> None:
    assert classify_line(line)[0] is LineKind.NOISE


def test_photo_caption_ending_in_a_picture_credit_is_noise() -> None:
    caption = "A soldier walks along a ruined street. Picture: Defence Ministry/Handout via REUTERS"

    assert classify_line(caption)[0] is LineKind.NOISE


def test_paragraph_mentioning_credit_suisse_is_not_a_photo_credit() -> None:
    line = "Credit Suisse said on Monday that it would cut 500 jobs in Zurich."

    assert classify_line(line)[0] is LineKind.PROSE


@pytest.mark.parametrize(
    "line",
    [
        "Marc Santora in Kyiv and Luke Broadwater in Washington contributed reporting.",
        "Marc Santora contributed reporting from Kyiv, Ukraine.",
        "(Reporting by Jane Doe; Editing by John Roe)",
    ],
)
def test_contribution_lines_are_credits(line: str) -> None:
    assert classify_line(line)[0] is LineKind.CREDIT


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Anton Troianovski", "Anton Troianovski"),
        ("Anton Troianovski and Nataliya Vasilyeva", "Anton Troianovski and Nataliya Vasilyeva"),
        ("By Anton Troianovski", "Anton Troianovski"),
        ("By ANTON TROIANOVSKI", "ANTON TROIANOVSKI"),
        ("Jane Doe, John Roe and Ann Poe", "Jane Doe, John Roe and Ann Poe"),
        ("Ludwig van Beethoven", "Ludwig van Beethoven"),
    ],
)
def test_name_lines_parse_as_bylines(line: str, names: str) -> None:
    assert parse_byline(line) == names


@pytest.mark.parametrize(
    "line",
    [
        "Russian advances",
        "Ukrainian-held territory",
        "RUSSIA",
        "Sudzha",
        "5 miles",
        "MARCH 6",
        "Most Read",
        "Live Updates",
        "Anton Troianovski.",
        "Putin, in No Hurry for Cease-Fire, Seeks Ukrainian Concessions",
    ],
)
def test_labels_places_and_headlines_are_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


def test_reporting_from_line_is_a_dateline_as_printed() -> None:
    assert parse_dateline("Reporting from Kyiv, Ukraine") == "Reporting from Kyiv, Ukraine"


def test_sentence_starting_with_reporting_from_is_not_a_dateline() -> None:
    assert parse_dateline("Reporting from the front has become dangerous.") is None


@pytest.mark.parametrize(
    ("paragraph", "place"),
    [
        ("BERLIN — As recently as January, the Kremlin said no.", "BERLIN"),
        ("Moscow — Russian President Vladimir Putin said no.", "Moscow"),
        ("MOSCOW: Russian President Vladimir Putin said no.", "MOSCOW"),
        (
            "KYIV, Ukraine (Reuters) - Ukraine said on Monday it was ready.",
            "KYIV, Ukraine (Reuters)",
        ),
    ],
)
def test_lead_datelines_are_recognised(paragraph: str, place: str) -> None:
    assert parse_lead_dateline(paragraph) == place


@pytest.mark.parametrize(
    "paragraph",
    [
        "Bottom line: It’s not a yes, but it’s also not a no.",
        "Putin — the former KGB officer — said no.",
        "Fighting in Kursk: Moscow’s forces pushed on.",
    ],
)
def test_ordinary_openings_are_not_lead_datelines(paragraph: str) -> None:
    assert parse_lead_dateline(paragraph) is None


@pytest.mark.parametrize(
    "line", ["He said: “We are ready.”", "Is it over?", "Here’s what else to know:", "(Yes.)"]
)
def test_sentence_end_is_found_through_closing_quotes(line: str) -> None:
    assert ends_sentence(line)


def test_bold_line_is_a_subhead_without_its_markup() -> None:
    assert classify_line("**Battle for Kursk**") == (LineKind.SUBHEAD, "Battle for Kursk")


def test_unpunctuated_long_line_is_a_heading() -> None:
    kind, _ = classify_line("Putin open to talks but questions Ukraine truce plan")

    assert kind is LineKind.HEADING


def test_blank_lines_are_skipped_and_line_numbers_kept() -> None:
    lines = classify_lines(f"\n\n{PARAGRAPH}\n")

    assert [(line.number, line.kind) for line in lines] == [(3, LineKind.PROSE)]


def test_back_to_back_repeated_line_counts_once() -> None:
    lines = classify_lines("Truce plan falters\nTruce plan falters\n" + PARAGRAPH)

    assert [line.text for line in collapse_repeats(lines)] == ["Truce plan falters", PARAGRAPH]


def test_repeated_line_that_is_not_adjacent_is_kept() -> None:
    lines = classify_lines(f"{PARAGRAPH}\nAnother sentence here.\n{PARAGRAPH}")

    assert len(collapse_repeats(lines)) == 3


def test_map_label_run_and_its_caption_are_removed() -> None:
    text = "\n".join(
        [
            PARAGRAPH,
            "Russian advances",
            "Ukrainian-held territory",
            "The army has pushed the enemy almost entirely out of the region.",
            "RUSSIA",
            "Sudzha",
            "5 miles",
            "Officials said the town had been retaken after weeks of fighting.",
        ]
    )

    assert values(text) == [
        PARAGRAPH,
        "Officials said the town had been retaken after weeks of fighting.",
    ]


def test_paragraph_between_two_stray_labels_is_kept() -> None:
    text = f"Detail\n{PARAGRAPH}\nSumy"

    assert values(text) == [PARAGRAPH]


def test_name_like_line_inside_a_map_is_not_a_byline() -> None:
    text = f"{PARAGRAPH}\nNew York\nSumy\nRUSSIA\n5 miles\nThe talks will resume soon."

    assert LineKind.BYLINE not in kinds(text)


def test_byline_followed_by_content_is_kept() -> None:
    text = f"Jane Doe\nReporting from Geneva\n{PARAGRAPH}"

    assert kinds(text) == [LineKind.BYLINE, LineKind.DATELINE, LineKind.PROSE]


def test_byline_printed_over_two_lines_is_merged() -> None:
    text = f"Jane Doe\nJohn Roe\n{PARAGRAPH}"

    assert values(text)[0] == "Jane Doe and John Roe"


def test_segment_drops_noise_credits_and_labels() -> None:
    text = "\n".join(
        ["Advertisement", PARAGRAPH, "Image", "Detail", "Jane Doe contributed reporting."]
    )

    assert values(text) == [PARAGRAPH]


def test_strip_footer_cuts_everything_after_the_first_footer_marker() -> None:
    text = f"{PARAGRAPH}\nReuters\nRussian forces retake three more settlements\nIs it over?"

    assert [line.value for line in strip_footer(segment(text))] == [PARAGRAPH]


def test_strip_footer_ignores_a_footer_marker_before_any_prose() -> None:
    text = f"Comments\n{PARAGRAPH}\nAnother sentence here."

    assert len(strip_footer(segment(text))) == 2
