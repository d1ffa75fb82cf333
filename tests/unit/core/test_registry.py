"""service.core.registry: surname-only speakers merged into the one full name of their surname,
as a pure function of the names known and the raw rows, whatever the arrival order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.quotes import QuoteKind, QuoteOccurrence, SpeakerType
from schemas.speakers import SpeakerRegistryRow, SpeakerSeries, SpeakerUpdate
from service.core import registry
from service.core.tallies import add_to_tally
from service.core.windows import SeriesSpecs, WindowSpec, add_to_series

T0 = datetime(2025, 6, 2, 9, tzinfo=UTC)
DAY = 86_400.0
SPECS = SeriesSpecs(
    hopping=WindowSpec(3600, 300, DAY, 7 * DAY), tumbling=WindowSpec(DAY, DAY, DAY, 7 * DAY)
)
NAMES = {
    "dana-whitlow": "Dana Whitlow",
    "mark-whitlow": "Mark Whitlow",
    "surname:whitlow": "Whitlow",
    "org:harbour-authority": "Harbour Authority",
}


def said(
    speaker_id: str, n: int, minutes: float = 0, outlet: str = "Valley Courier"
) -> QuoteOccurrence:
    person = not speaker_id.startswith("org:")
    return QuoteOccurrence(
        occurrence_id=f"o:{speaker_id}:{n}",
        quote_id=f"q:{speaker_id}:{n}",
        entry_id=f"courier:{n}",
        document_id=f"courier-{n}",
        outlet=outlet,
        event_time=T0 + timedelta(minutes=minutes),
        text=f"The ferry timetable will change in week {n}",
        start=0,
        end=40,
        kind=QuoteKind.FULL,
        speaker=NAMES[speaker_id],
        speaker_id=speaker_id,
        speaker_type=SpeakerType.PERSON if person else SpeakerType.ORGANISATION,
        speaker_resolved=not speaker_id.startswith("surname:"),
        surname_key="whitlow" if person else None,
    )


@dataclass
class Stream:
    """What tally_speakers keeps for one surname group, folded as the agent folds it, and the
    last view it published per id (what the compacted topic and the sink end with)."""

    tallies: dict[str, SpeakerUpdate] = field(default_factory=dict)
    series: dict[str, SpeakerSeries] = field(default_factory=dict)
    row: SpeakerRegistryRow | None = None
    published: dict[str, SpeakerUpdate] = field(default_factory=dict)
    offset: int = 0

    def take(self, occ: QuoteOccurrence) -> None:
        assert occ.speaker_id is not None
        sid, key = occ.speaker_id, occ.surname_key
        self.offset += 1
        self.tallies[sid] = add_to_tally(
            self.tallies.get(sid), occ, count=True, new_quote=True, window_s=DAY
        )
        self.series[sid] = add_to_series(
            self.series.get(sid), sid, occ.event_time, self.offset, SPECS
        )
        if key is not None:
            self.row = registry.after_mention(self.row, key, sid, occ.speaker)
        ids = registry.affected_ids(sid, key, self.row)
        for view in registry.views(ids, self.row, self.tallies):
            self.published[view.speaker_id] = view

    def view(self, speaker_id: str) -> SpeakerUpdate | None:
        return registry.tally_view(speaker_id, self.row, self.tallies)

    def all_views(self) -> dict[str, SpeakerUpdate]:
        return {
            v.speaker_id: v for v in registry.views(sorted(self.tallies), self.row, self.tallies)
        }


def stream_of(*occurrences: QuoteOccurrence) -> Stream:
    stream = Stream()
    for occ in occurrences:
        stream.take(occ)
    return stream


def test_a_surname_alone_with_one_full_name_known_is_merged_into_it() -> None:
    stream = stream_of(said("dana-whitlow", 1), said("surname:whitlow", 2, minutes=30))

    dana, alone = stream.view("dana-whitlow"), stream.view("surname:whitlow")

    assert dana is not None and alone is not None
    assert (dana.occurrences, dana.distinct_quotes, dana.merged_from) == (2, 2, ["surname:whitlow"])
    assert dana.last_seen == T0 + timedelta(minutes=30)
    assert (alone.resolved, alone.resolved_to, alone.occurrences) == (True, "dana-whitlow", 1)


def test_a_surname_alone_with_no_full_name_known_stays_unresolved() -> None:
    stream = stream_of(said("surname:whitlow", 1))

    alone = stream.view("surname:whitlow")

    assert alone is not None
    assert (alone.resolved, alone.resolved_to, alone.candidates) == (False, None, [])


def test_a_second_full_name_of_the_surname_unmerges_the_surname_alone() -> None:
    merged = stream_of(said("dana-whitlow", 1), said("surname:whitlow", 2))
    stream = stream_of(said("dana-whitlow", 1), said("surname:whitlow", 2), said("mark-whitlow", 3))

    dana, alone = stream.view("dana-whitlow"), stream.view("surname:whitlow")

    assert merged.published["dana-whitlow"].occurrences == 2
    assert dana is not None and alone is not None
    assert (dana.occurrences, dana.merged_from) == (1, [])
    assert (alone.resolved, alone.resolved_to) == (False, None)
    assert alone.candidates == ["dana-whitlow", "mark-whitlow"]
    # What the stream last published follows the un-merge too.
    assert stream.published["dana-whitlow"] == dana
    assert stream.published["surname:whitlow"] == alone


def test_two_full_names_of_one_surname_never_share_a_count() -> None:
    stream = stream_of(said("dana-whitlow", 1), said("mark-whitlow", 2), said("mark-whitlow", 3))

    dana, mark = stream.view("dana-whitlow"), stream.view("mark-whitlow")

    assert dana is not None and mark is not None
    assert (dana.occurrences, dana.merged_from) == (1, [])
    assert (mark.occurrences, mark.merged_from) == (2, [])


def test_an_organisation_is_published_as_counted() -> None:
    stream = stream_of(said("org:harbour-authority", 1))

    view = stream.view("org:harbour-authority")

    assert view is not None
    assert (view.occurrences, view.resolved, view.surname_key) == (1, True, None)


def test_the_registry_is_a_set_of_full_names_with_the_fullest_display_name() -> None:
    row = registry.learn(None, "whitlow", "mark-whitlow", "Mark Whitlow")
    row = registry.learn(row, "whitlow", "dana-whitlow", "Whitlow")
    row = registry.learn(row, "whitlow", "dana-whitlow", "Dana Whitlow")
    again = registry.learn(row, "whitlow", "dana-whitlow", "Whitlow")

    assert again == row
    assert [(p.speaker_id, p.speaker) for p in row.known] == [
        ("dana-whitlow", "Dana Whitlow"),
        ("mark-whitlow", "Mark Whitlow"),
    ]


def test_a_surname_alone_teaches_the_registry_nothing() -> None:
    assert registry.after_mention(None, "whitlow", "surname:whitlow", "Whitlow") is None


def test_merged_windows_are_the_sum_of_both_ids() -> None:
    stream = stream_of(
        said("dana-whitlow", 1), said("surname:whitlow", 2, minutes=5), said("surname:whitlow", 3)
    )

    series = registry.series_view("dana-whitlow", "whitlow", stream.row, stream.series)

    assert series is not None
    assert list(series.tumbling.values()) == [3]
    assert max(series.hopping.values()) == 3
    assert (
        registry.series_view("surname:whitlow", "whitlow", stream.row, stream.series)
        == (stream.series["surname:whitlow"])
    )


def test_a_full_name_is_found_under_the_key_of_its_surname() -> None:
    assert registry.route_key("dana-whitlow", "whitlow") == "surname:whitlow"
    assert registry.route_key("org:harbour-authority", None) == "org:harbour-authority"
    assert "surname:whitlow" in registry.route_candidates("dana-whitlow")
    assert "surname:von-der-leyen" in registry.route_candidates("ursula-von-der-leyen")
    assert registry.route_candidates("surname:whitlow") == ["surname:whitlow"]
    assert registry.route_candidates("org:harbour-authority") == ["org:harbour-authority"]


MENTIONS = [
    said("dana-whitlow", 1, minutes=0, outlet="Valley Courier"),
    said("dana-whitlow", 2, minutes=50, outlet="Harbour Post"),
    said("surname:whitlow", 3, minutes=20, outlet="Harbour Post"),
    said("surname:whitlow", 4, minutes=70, outlet="Evening Gazette"),
    said("mark-whitlow", 5, minutes=10, outlet="Evening Gazette"),
    said("org:harbour-authority", 6, minutes=40),
]


@settings(max_examples=200, deadline=None)
@given(st.permutations(MENTIONS), st.booleans())
def test_views_and_what_was_last_published_are_the_same_in_every_arrival_order(
    order: list[QuoteOccurrence], with_mark: bool
) -> None:
    chosen = [m for m in order if with_mark or m.speaker_id != "mark-whitlow"]
    reference = stream_of(*[m for m in MENTIONS if m in chosen])

    stream = stream_of(*chosen)

    assert stream.all_views() == reference.all_views()
    # Every view ends published as it finally is: nothing a later mention changed is left stale.
    assert stream.published == stream.all_views()
    dana = stream.all_views()["dana-whitlow"]
    assert dana.occurrences == (2 if with_mark else 4)


def test_a_merged_row_holds_the_newest_quotes_and_every_outlet_of_both_ids() -> None:
    stream = stream_of(
        *[said("dana-whitlow", n, minutes=n, outlet="Valley Courier") for n in range(1, 5)],
        *[said("surname:whitlow", n, minutes=n, outlet="Harbour Post") for n in range(5, 8)],
    )

    dana = stream.view("dana-whitlow")

    assert dana is not None
    assert [q.quote_id for q in dana.latest_quotes] == [
        "q:surname:whitlow:7",
        "q:surname:whitlow:6",
        "q:surname:whitlow:5",
        "q:dana-whitlow:4",
        "q:dana-whitlow:3",
    ]
    assert dana.outlets == ["Harbour Post", "Valley Courier"]
    assert [w.occurrences for w in dana.windows] == [7]
