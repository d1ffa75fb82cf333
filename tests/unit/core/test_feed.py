"""split_document on the seed pages and on small synthetic pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from schemas.documents import DocumentMeta
from schemas.entries import DocumentKind, RawEntry
from service.core.feed import split_document

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
LIVEBLOG_FILE = "000_dc51b1a11cdf7766.txt"
ARTICLE_FILES = [
    "001_c3985f23298ebedb.txt",
    "002_b1bbc6edd01d96c1.txt",
    "003_180c0a9132f5e310.txt",
    "004_f9e88a5db594bd6d.txt",
]
# Counted by hand: one entry per byline line in 000 (24 byline lines, see the report).
LIVEBLOG_ENTRIES = 24

PUBLISHED = datetime(2025, 3, 13, 5, 0, tzinfo=UTC)
UPDATED = datetime(2025, 3, 13, 20, 0, tzinfo=UTC)
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")

# Lines that are page furniture in the seeds and must never reach a paragraph.
NOISE_LINES = [
    "Advertisement",
    "SKIP ADVERTISEMENT",
    "Image",
    "5 miles",
    "Russian-claimed advances",
    "Russian advances",
    "Ukrainian-held territory",
    "RUSSIA",
    "UKRAINE",
    "Sudzha",
    "MARCH 6",
    "Detail",
    "Comments",
    "Leave a Reply",
    "Most Read",
    "© 2025 The New York Times Company",
    "ADVERTISING",
    "Pinned",
    "Reuters",
    "No comments yet. Why don’t you start the discussion?",
    "Would you like to comment on this article?",
    "Russia has pushed Ukrainian forces almost entirely out of the Kursk region of Russia.",
    "Russia made steady progress in Kursk over the past week",
    "Long-Term Peace and Security Concerns",
    "**Long-Term Peace and Security Concerns**",
]


def liveblog_meta(document_id: str = "nyt-live") -> DocumentMeta:
    return DocumentMeta(
        document_id=document_id,
        outlet="The New York Times",
        kind=DocumentKind.LIVEBLOG,
        published=PUBLISHED,
        updated=UPDATED,
    )


def article_meta(document_id: str = "article") -> DocumentMeta:
    return DocumentMeta(
        document_id=document_id,
        outlet="Example",
        kind=DocumentKind.ARTICLE,
        published=datetime(2025, 3, 13, 12, 0, tzinfo=UTC),
    )


def read_seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def liveblog() -> list[RawEntry]:
    return split_document(read_seed(LIVEBLOG_FILE), liveblog_meta())


@pytest.fixture(scope="module")
def articles() -> dict[str, RawEntry]:
    parsed = {}
    for name in ARTICLE_FILES:
        entries = split_document(read_seed(name), article_meta(name[:3]))
        assert len(entries) == 1
        parsed[name[:3]] = entries[0]
    return parsed


def all_paragraphs(entries: list[RawEntry]) -> list[str]:
    return [p for entry in entries for p in entry.paragraphs]


# --- The seed live blog ---------------------------------------------------------------------


def test_live_blog_splits_into_one_entry_per_byline(liveblog: list[RawEntry]) -> None:
    assert len(liveblog) == LIVEBLOG_ENTRIES


def test_live_blog_positions_follow_the_page(liveblog: list[RawEntry]) -> None:
    assert [entry.position for entry in liveblog] == list(range(LIVEBLOG_ENTRIES))


def test_pinned_summary_is_the_first_entry_with_its_headline(liveblog: list[RawEntry]) -> None:
    first = liveblog[0]

    assert (first.byline, first.dateline, first.headline) == (
        "Anton Troianovski",
        "Reporting from Berlin",
        "Here are the latest developments.",
    )


def test_entry_without_dateline_keeps_its_sentence_headline(liveblog: list[RawEntry]) -> None:
    entry = liveblog[1]

    assert (entry.byline, entry.dateline, entry.headline) == (
        "Marc Santora",
        None,
        "Zelensky criticizes Putin’s comments on a cease-fire, calling them ‘very manipulative.’",
    )


def test_title_case_headline_is_read_after_the_dateline(liveblog: list[RawEntry]) -> None:
    entry = liveblog[3]

    assert (entry.byline, entry.dateline, entry.headline) == (
        "Anton Troianovski",
        "Reporting from Berlin",
        "Putin, in No Hurry for Cease-Fire, Seeks Ukrainian Concessions",
    )


def test_entry_with_a_map_keeps_its_dateline_and_headline(liveblog: list[RawEntry]) -> None:
    entry = liveblog[12]

    assert (entry.byline, entry.dateline, entry.headline) == (
        "Maria Varenikova",
        "Reporting from Kyiv, Ukraine",
        "Russia claims its forces have regained control over the key town of Sudzha in the "
        "Kursk region.",
    )


def test_entry_with_a_map_keeps_the_paragraphs_after_it(liveblog: list[RawEntry]) -> None:
    entry = liveblog[12]

    assert entry.paragraphs[-1].startswith("While Russian forces have regained significant ground")


def test_two_author_byline_and_dateline_are_kept_whole(liveblog: list[RawEntry]) -> None:
    last = liveblog[-1]

    assert (last.byline, last.dateline, last.headline) == (
        "Anton Troianovski and Nataliya Vasilyeva",
        "Reporting from Berlin and Istanbul",
        "The U.S.-backed cease-fire offer poses a dilemma for Putin.",
    )


def test_live_blog_entry_without_headline_is_still_an_entry(liveblog: list[RawEntry]) -> None:
    short_post = liveblog[4]

    assert (short_post.byline, short_post.headline, len(short_post.paragraphs)) == (
        "Marc Santora",
        None,
        1,
    )


def test_short_post_opening_with_a_long_sentence_has_no_headline(
    liveblog: list[RawEntry],
) -> None:
    post = liveblog[15]  # Maria Varenikova: two paragraphs, no headline

    assert (post.headline, len(post.paragraphs)) == (None, 2)


def test_fifteen_live_blog_entries_are_short_posts_without_headline(
    liveblog: list[RawEntry],
) -> None:
    without_headline = [entry.position for entry in liveblog if entry.headline is None]

    assert without_headline == [4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19]


@pytest.mark.parametrize("noise", NOISE_LINES)
def test_no_noise_line_survives_as_a_paragraph(
    noise: str, liveblog: list[RawEntry], articles: dict[str, RawEntry]
) -> None:
    paragraphs = all_paragraphs(liveblog) + all_paragraphs(list(articles.values()))

    assert noise not in paragraphs


def test_contribution_lines_are_not_paragraphs(
    liveblog: list[RawEntry], articles: dict[str, RawEntry]
) -> None:
    paragraphs = all_paragraphs(liveblog) + all_paragraphs(list(articles.values()))

    assert not [p for p in paragraphs if "contributed reporting" in p]


def test_here_is_what_else_to_know_stays_in_the_body(liveblog: list[RawEntry]) -> None:
    assert "Here’s what else to know:" in liveblog[0].paragraphs


def test_live_blog_event_times_run_newest_first(liveblog: list[RawEntry]) -> None:
    times = [entry.event_time for entry in liveblog]

    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)


def test_live_blog_event_times_span_published_to_updated(liveblog: list[RawEntry]) -> None:
    assert (liveblog[0].event_time, liveblog[-1].event_time) == (UPDATED, PUBLISHED)


def test_live_blog_event_times_are_evenly_spaced(liveblog: list[RawEntry]) -> None:
    step = (UPDATED - PUBLISHED) / (LIVEBLOG_ENTRIES - 1)

    assert liveblog[1].event_time == UPDATED - step


def test_all_seed_event_times_fall_on_the_thirteenth(
    liveblog: list[RawEntry], articles: dict[str, RawEntry]
) -> None:
    entries = liveblog + list(articles.values())

    assert {entry.event_time.date() for entry in entries} == {date(2025, 3, 13)}


def test_entry_ids_match_the_id_pattern(liveblog: list[RawEntry]) -> None:
    assert all(ID_PATTERN.match(entry.entry_id) for entry in liveblog)


def test_entry_ids_are_unique_within_the_live_blog(liveblog: list[RawEntry]) -> None:
    assert len({entry.entry_id for entry in liveblog}) == LIVEBLOG_ENTRIES


def test_entry_ids_are_deterministic(liveblog: list[RawEntry]) -> None:
    again = split_document(read_seed(LIVEBLOG_FILE), liveblog_meta())

    assert [e.entry_id for e in again] == [e.entry_id for e in liveblog]


def test_entry_ids_are_prefixed_with_the_document_id(liveblog: list[RawEntry]) -> None:
    assert all(entry.entry_id.startswith("nyt-live:") for entry in liveblog)


def test_entry_ids_survive_a_new_entry_prepended_to_the_live_blog(
    liveblog: list[RawEntry],
) -> None:
    new_post = "Jane Doe\nThe Kremlin confirmed on Thursday evening that the meeting had ended.\n"

    updated = split_document(new_post + read_seed(LIVEBLOG_FILE), liveblog_meta())

    assert [e.entry_id for e in updated[1:]] == [e.entry_id for e in liveblog]


# --- The seed articles ----------------------------------------------------------------------


def test_each_article_is_exactly_one_entry(articles: dict[str, RawEntry]) -> None:
    assert sorted(articles) == ["001", "002", "003", "004"]


def test_article_entry_takes_the_article_published_time(articles: dict[str, RawEntry]) -> None:
    assert articles["001"].event_time == datetime(2025, 3, 13, 12, 0, tzinfo=UTC)


def test_by_prefixed_byline_is_read_from_an_article(articles: dict[str, RawEntry]) -> None:
    assert (articles["001"].byline, articles["001"].headline) == ("Anton Troianovski", None)


def test_article_body_stops_before_the_comments_widget(articles: dict[str, RawEntry]) -> None:
    assert articles["001"].paragraphs[-1].startswith("“What Putin said today implies")


def test_reuters_copy_keeps_both_printings_of_its_body(articles: dict[str, RawEntry]) -> None:
    paragraphs = articles["002"].paragraphs
    half = len(paragraphs) // 2

    assert len(paragraphs) == 40 and paragraphs[:half] == paragraphs[half:]


def test_reuters_copy_drops_caption_related_headlines_and_footer(
    articles: dict[str, RawEntry],
) -> None:
    paragraphs = articles["002"].paragraphs

    assert paragraphs[0].startswith("Moscow — Russian President") and paragraphs[-1].startswith(
        "He said Russian forces had retaken 24 settlements"
    )


def test_reuters_copy_reads_its_lead_dateline(articles: dict[str, RawEntry]) -> None:
    assert articles["002"].dateline == "Moscow"


def test_nyt_copy_reads_headline_and_lead_dateline(articles: dict[str, RawEntry]) -> None:
    entry = articles["003"]

    assert (entry.headline, entry.dateline) == (
        "US-backed ceasefire offer poses dilemma for Putin",
        "BERLIN",
    )


def test_lead_dateline_stays_in_the_paragraph_text(articles: dict[str, RawEntry]) -> None:
    assert articles["003"].paragraphs[0].startswith("BERLIN — As recently as January")


def test_headline_printed_twice_is_read_once(articles: dict[str, RawEntry]) -> None:
    entry = articles["004"]

    assert (entry.headline, entry.paragraphs[0][:7]) == (
        "Putin open to talks but questions Ukraine truce plan",
        "MOSCOW:",
    )


def test_bold_subheads_are_dropped_from_the_body(articles: dict[str, RawEntry]) -> None:
    assert not [p for p in articles["004"].paragraphs if "Battle for Kursk" in p]


def test_article_paragraph_counts(articles: dict[str, RawEntry]) -> None:
    counts = {key: len(entry.paragraphs) for key, entry in articles.items()}

    assert counts == {"001": 17, "002": 40, "003": 17, "004": 16}


# --- Synthetic pages ------------------------------------------------------------------------

# Long enough (over 20 words) that neither can pass for a headline.
BODY_A = (
    "Officials in Geneva told reporters on Thursday evening that the talks between the two "
    "delegations had ended without an agreement on a truce."
)
BODY_B = (
    "A spokesman for the foreign ministry declined to say when or where the delegations would "
    "meet again, or who would lead them next time."
)


def test_single_line_post_is_body_not_headline() -> None:
    (entry,) = split_document(f"Jane Doe\n{BODY_A}\n", liveblog_meta())

    assert (entry.headline, entry.paragraphs) == (None, [BODY_A])


def test_single_entry_live_blog_gets_the_updated_time() -> None:
    (entry,) = split_document(f"Jane Doe\n{BODY_A}\n", liveblog_meta())

    assert entry.event_time == UPDATED


def test_short_sentence_before_more_prose_is_a_headline() -> None:
    text = f"Jane Doe\nTalks end without a deal.\n{BODY_A}\n{BODY_B}\n"

    (entry,) = split_document(text, liveblog_meta())

    assert (entry.headline, entry.paragraphs) == ("Talks end without a deal.", [BODY_A, BODY_B])


def test_short_sentence_with_said_attribution_is_not_a_headline() -> None:
    text = f"Jane Doe\nThe minister said the talks had ended.\n{BODY_A}\n"

    (entry,) = split_document(text, liveblog_meta())

    assert entry.headline is None


def test_quotation_opening_a_post_is_not_a_headline() -> None:
    text = f"Jane Doe\n“We are ready,” the minister said.\n{BODY_A}\n"

    (entry,) = split_document(text, liveblog_meta())

    assert entry.headline is None


def test_heading_inside_a_body_is_dropped() -> None:
    text = f"Jane Doe\n{BODY_A}\nWhat happens next for the talks in Geneva\n{BODY_B}\n"

    (entry,) = split_document(text, liveblog_meta())

    assert entry.paragraphs == [BODY_A, BODY_B]


def test_text_above_the_first_byline_is_an_entry_without_byline() -> None:
    text = f"{BODY_A}\nJane Doe\n{BODY_B}\n"

    entries = split_document(text, liveblog_meta())

    assert [(e.byline, e.paragraphs) for e in entries] == [(None, [BODY_A]), ("Jane Doe", [BODY_B])]


def test_byline_without_body_is_not_an_entry() -> None:
    text = f"Jane Doe\n{BODY_A}\nJohn Roe\nAdvertisement\n"

    entries = split_document(text, liveblog_meta())

    assert [e.byline for e in entries] == ["Jane Doe"]


def test_identical_entries_get_distinct_ids() -> None:
    text = f"Jane Doe\n{BODY_A}\nJane Doe\n{BODY_A}\n"

    first, second = split_document(text, liveblog_meta("doc"))

    assert first.entry_id == second.entry_id + ".2"


def test_duplicate_ids_stay_put_when_a_copy_is_prepended() -> None:
    text = f"Jane Doe\n{BODY_A}\nJane Doe\n{BODY_A}\n"
    before = split_document(text, liveblog_meta("doc"))

    after = split_document(f"Jane Doe\n{BODY_A}\n" + text, liveblog_meta("doc"))

    assert [e.entry_id for e in after[1:]] == [e.entry_id for e in before]


def test_id_ignores_case_quotes_and_spacing() -> None:
    plain = split_document("Jane Doe\nHe said 'no'.\n", liveblog_meta("doc"))
    styled = split_document("Jane  Doe\nHE SAID  ‘NO’.\n", liveblog_meta("doc"))

    assert plain[0].entry_id == styled[0].entry_id


def test_article_with_two_bylines_is_still_one_entry() -> None:
    text = f"Talks end without a deal\nBy Jane Doe\n{BODY_A}\nJohn Roe\n{BODY_B}\n"

    entries = split_document(text, article_meta())

    assert [(e.byline, e.headline, len(e.paragraphs)) for e in entries] == [
        ("Jane Doe", "Talks end without a deal", 2)
    ]


def test_article_without_body_is_rejected() -> None:
    with pytest.raises(ValueError, match="no body paragraphs"):
        split_document("Advertisement\nComments\n", article_meta("empty"))


def test_live_blog_event_times_step_back_from_updated() -> None:
    text = f"Jane Doe\n{BODY_A}\nJohn Roe\n{BODY_B}\nAnn Poe\nIt rained in Geneva all day.\n"

    entries = split_document(text, liveblog_meta())

    assert [e.event_time for e in entries] == [
        UPDATED,
        UPDATED - timedelta(hours=7, minutes=30),
        PUBLISHED,
    ]
