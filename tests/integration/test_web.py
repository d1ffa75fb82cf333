"""The worker's HTTP side on a real broker: query API, routing between two workers, /metrics,
probes, the API fuzzed against its OpenAPI document, and the dashboard in a real headless
Chromium.

The seeds are replayed once for the module; the dashboard test runs last because it adds an
entry. Windows get a day of grace here: a replay as fast as possible reorders a day of coverage
by hours, and the dashboard's series should show all of it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote as urlquote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from schemas.api import QuotePage, Readiness, SpeakerDetail, SpeakerPage
from schemas.entries import DocumentKind, RawEntry
from service import __version__
from service.progress import wait_until_processed
from service.replay.producer import publish
from service.replay.schedule import Pacing
from service.replay.source import read_entries
from service.settings import Settings
from service.web.openapi import OPERATIONS, openapi_document
from tests.integration.conftest import REPO, Broker, settings_for
from tests.integration.service_runs import SEEDS, rows
from tests.integration.web_runs import Running, Web, wait_for, web_workers_and_sink

pytestmark = pytest.mark.integration

GRACE = {"LIVEBLOG_WINDOW_GRACE_S": "86400"}
ARTIFACTS = REPO / "out" / "test-artifacts"
NEW_QUOTE = "The lights will stay on in every city this winter, whatever the drones bring"


@pytest.fixture(scope="module")
def seeded(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One worker and the sink, the seeds replayed and fully processed."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in GRACE.items():
            env.setenv(name, value)
        settings = settings_for(broker, tmp_path_factory.mktemp("web"))
        with web_workers_and_sink(settings) as running:
            entries = read_entries(SEEDS)
            publish(settings, entries, Pacing(), progress=False)
            wait_until_processed(
                settings, {e.entry_id for e in entries}, running.children, timeout_s=240
            )
            yield running


def ranking(web: Web, query: str = "limit=100") -> SpeakerPage:
    reply = web.get(f"/speakers?{query}")
    assert reply.status == 200, reply.body
    return SpeakerPage.model_validate(reply.body)


# --- the API on one worker ------------------------------------------------------------------


def ranked_rows(settings: Settings) -> dict[str, dict]:
    """The sink's speaker rows a ranking shows: a surname-only row merged into a full name
    (`resolved_to`) is counted in that name's row instead."""
    found = rows(settings, "speaker_updates")
    return {s["speaker_id"]: s for s in found if s["resolved_to"] is None}


def test_speakers_rank_by_occurrences_exactly_as_the_sink_counted(seeded: Running) -> None:
    sink = ranked_rows(seeded.settings)

    page = ranking(seeded.webs[0])

    assert page.total == len(sink)
    assert page.items[0].speaker_id == "vladimir-putin"
    assert [r.rank for r in page.items] == list(range(1, len(sink) + 1))
    assert {r.speaker_id: r.occurrences for r in page.items} == {
        k: s["occurrences"] for k, s in sink.items()
    }
    counts = [r.occurrences for r in page.items]
    assert counts == sorted(counts, reverse=True)


def test_pages_of_the_ranking_join_up(seeded: Running) -> None:
    whole = ranking(seeded.webs[0], "limit=6")
    first, second = ranking(seeded.webs[0], "limit=3"), ranking(seeded.webs[0], "limit=3&offset=3")

    assert [r.speaker_id for r in first.items + second.items] == [r.speaker_id for r in whole.items]
    assert [r.rank for r in second.items] == [4, 5, 6]


def test_window_rankings_count_the_current_window_at_the_latest_event_time(
    seeded: Running,
) -> None:
    day = ranking(seeded.webs[0], "window=tumbling&limit=100&points=2")
    hour = ranking(seeded.webs[0], "window=hopping&limit=100&points=12")

    assert day.as_of == datetime(2025, 3, 13, 21, 30, tzinfo=UTC)  # the latest seed (004)
    assert day.window.start == datetime(2025, 3, 13, tzinfo=UTC)
    # With a day of grace every occurrence of the seeds' single day is in that day's window.
    assert all(r.window_occurrences == r.occurrences for r in day.items)
    assert all(r.series[-1] == r.occurrences for r in day.items)
    # The last hour holds only what 004 (21:30) reported.
    assert hour.window.end is not None and hour.window.end > hour.as_of  # type: ignore[operator]
    assert 0 < sum(r.window_occurrences for r in hour.items) < sum(r.occurrences for r in day.items)


def test_speaker_detail_has_totals_series_and_recent_quotes(seeded: Running) -> None:
    [sink] = [
        s for s in rows(seeded.settings, "speaker_updates") if s["speaker_id"] == "vladimir-putin"
    ]

    reply = seeded.webs[0].get("/speakers/vladimir-putin")

    assert reply.status == 200
    detail = SpeakerDetail.model_validate(reply.body)
    assert (detail.occurrences, detail.distinct_quotes) == (
        sink["occurrences"],
        sink["distinct_quotes"],
    )
    assert detail.outlets == sink["outlets"]
    assert [q.model_dump(mode="json") for q in detail.latest_quotes] == sink["latest_quotes"]
    assert sum(w.occurrences for w in detail.tumbling.windows) == detail.occurrences
    assert max(w.occurrences for w in detail.hopping.windows) >= 1
    assert detail.served_by == seeded.webs[0].url == reply.served_by


def test_a_surname_alone_is_served_inside_the_one_full_name_of_that_surname(
    seeded: Running,
) -> None:
    # The seeds name one Trump in full (Donald) and, in other documents, Trump alone.
    sink = {s["speaker_id"]: s for s in rows(seeded.settings, "speaker_updates")}
    web = seeded.webs[0]

    page = ranking(web)
    trump = SpeakerDetail.model_validate(web.get("/speakers/donald-trump").body)
    alone = SpeakerDetail.model_validate(web.get("/speakers/surname:trump").body)

    assert "surname:trump" not in [r.speaker_id for r in page.items]
    [ranked] = [r for r in page.items if r.speaker_id == "donald-trump"]
    assert ranked.occurrences == trump.occurrences == sink["donald-trump"]["occurrences"]
    assert trump.merged_from == ["surname:trump"]
    assert (alone.resolved_to, alone.occurrences) == (
        "donald-trump",
        sink["surname:trump"]["occurrences"],
    )
    assert 0 < alone.occurrences < trump.occurrences
    assert sum(w.occurrences for w in trump.tumbling.windows) == trump.occurrences


def test_quotes_of_a_speaker_since_a_time_are_the_sinks_canonical_quotes(seeded: Running) -> None:
    since = "2025-03-13T12:00:00Z"
    expected = {
        q["quote_id"]
        for q in rows(seeded.settings, "canonical_quotes")
        if q["speaker_id"] == "vladimir-putin" and q["last_seen"] >= since
    }

    reply = seeded.webs[0].get(f"/quotes?speaker=vladimir-putin&since={urlquote(since)}&limit=100")

    assert reply.status == 200
    page = QuotePage.model_validate(reply.body)
    assert {q.quote_id for q in page.items} == expected
    assert page.total == len(expected)
    times = [q.last_seen for q in page.items]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/speakers/nobody-at-all", 404),
        ("GET", "/speakers/not%20an%20id", 400),
        ("GET", "/speakers?limit=0", 400),
        ("GET", "/speakers?window=weekly", 400),
        ("GET", "/speakers?points=100000", 400),
        ("GET", "/quotes?since=2025-03-13T12:00:00", 400),  # no time zone
        ("GET", "/quotes?color=blue", 400),
        ("GET", "/no/such/route", 404),
        ("POST", "/speakers", 405),
        ("DELETE", "/speakers/vladimir-putin", 405),
        ("GET", "/dashboard?poll_ms=1", 400),
        ("GET", "/dashboard?poll_ms=86400000", 400),
    ],
)
def test_errors_are_json_with_their_status_and_no_stack_trace(
    seeded: Running, method: str, path: str, status: int
) -> None:
    reply = seeded.webs[0].get(path, method=method)

    assert reply.status == status
    assert reply.body["status"] == status
    assert reply.body["detail"]
    assert "Traceback" not in str(reply.body)


@pytest.mark.parametrize(
    "path", ["/", "/router/", "/table/", "/table/speaker-tallies/vladimir-putin/", "/graph/"]
)
def test_fausts_own_routes_are_not_served(seeded: Running, path: str) -> None:
    reply = seeded.webs[0].get(path)

    assert reply.status == 404
    assert reply.body["error"] == "not_found"
    assert "vladimir" not in str(reply.body["detail"]).replace(path, "")


def test_probes_say_the_worker_is_up_and_ready(seeded: Running) -> None:
    health = seeded.webs[0].get("/healthz")
    ready = seeded.webs[0].get("/readyz")

    assert (health.status, health.body) == (200, {"status": "up"})
    assert ready.status == 200, ready.body
    state = Readiness.model_validate(ready.body)
    assert state.ready and state.tables_recovered and not state.rebalancing
    assert state.assigned_partitions > 0
    assert state.workers == 1


def test_the_openapi_document_is_served(seeded: Running) -> None:
    reply = seeded.webs[0].get("/openapi.json")

    assert reply.status == 200
    assert reply.body == openapi_document(__version__)


@pytest.fixture(scope="module")
def served_schema(seeded: Running) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{seeded.webs[0].url}/openapi.json")


# What the document promises: no 5xx, and every answer's status, media type, headers and body
# as documented. Not the "valid input is accepted" check: a well-formed speaker id that nobody
# has is a documented 404, and how many window points a worker keeps depends on its settings.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Negative cases (parameters that break the document) only exist where there are parameters.
FUZZED = [
    (op.path, mode)
    for op in OPERATIONS
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or op.query or op.path_params
]


@pytest.mark.parametrize(("path", "mode"), FUZZED)
def test_every_route_answers_as_its_openapi_document_says(
    served_schema: schemathesis.BaseSchema, seeded: Running, path: str, mode: GenerationMode
) -> None:
    operation = served_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=15,  # per route and mode: a few hundred requests in all, a few seconds
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same examples on every run: CI never meets a new one by chance
        database=None,
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=seeded.webs[0].url, checks=CONFORMANCE, timeout=15)

    answers_as_documented()


def test_metrics_are_prometheus_text_with_conventional_names(seeded: Running) -> None:
    prefix = seeded.settings.topic_prefix
    reply = seeded.webs[0].get("/metrics")

    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/plain")
    text = reply.body
    speakers = len(rows(seeded.settings, "speaker_updates"))
    assert re.search(
        rf'^liveblog_events_in_total{{topic="{prefix}raw-entries"}} 28\.0$', text, re.M
    )
    assert re.search(
        rf'^liveblog_events_out_total{{topic="{prefix}speaker-updates"}} \d+', text, re.M
    )
    assert re.search(r"^liveblog_processing_latency_seconds_bucket\{.*le=\"\+Inf\"", text, re.M)
    assert re.search(
        rf'^liveblog_consumer_lag{{partition="\d",topic="{prefix}raw-entries"}} 0\.0$', text, re.M
    )
    assert f'liveblog_table_keys{{table="speaker-tallies"}} {speakers}.0' in text
    assert "# TYPE liveblog_dead_letters_total counter" in text


# --- two workers: each answers for keys the other holds -------------------------------------


def test_two_workers_answer_for_each_others_speakers_and_rank_across_both(
    broker: Broker, tmp_path: Path
) -> None:
    settings = settings_for(broker, tmp_path)
    with web_workers_and_sink(settings, workers=2) as running:
        entries = read_entries(SEEDS)
        publish(settings, entries, Pacing(), progress=False)
        wait_until_processed(settings, {e.entry_id for e in entries}, running.children, 240)
        speakers = {s["speaker_id"]: s for s in rows(settings, "speaker_updates")}

        def both_hold_partitions() -> bool | None:
            states = [web.get("/readyz") for web in running.webs]
            both = all(s.status == 200 and s.body["workers"] == 2 for s in states)
            return True if both else None

        wait_for("both workers in the assignment", both_hold_partitions, 120, running.children)

        served_by: dict[str, set[str]] = {}
        for speaker_id, sink in speakers.items():
            answers = [web.get(f"/speakers/{speaker_id}") for web in running.webs]
            assert [a.status for a in answers] == [200, 200], answers
            assert answers[0].body == answers[1].body
            assert answers[0].body["occurrences"] == sink["occurrences"]
            served_by.setdefault(answers[0].body["served_by"], set()).add(speaker_id)

        # Each worker holds some speakers, so each answered for the other at least once.
        assert set(served_by) == {web.url for web in running.webs}

        pages = [ranking(web) for web in running.webs]
        assert pages[0] == pages[1]
        ranked = ranked_rows(settings)
        assert pages[0].total == len(ranked)
        assert {r.speaker_id: r.occurrences for r in pages[0].items} == {
            k: s["occurrences"] for k, s in ranked.items()
        }
        quotes = [web.get("/quotes?limit=1").body["total"] for web in running.webs]
        assert quotes == [len(rows(settings, "canonical_quotes"))] * 2


# --- the dashboard in a real browser (last: it adds an entry) -------------------------------


def new_entry() -> RawEntry:
    return RawEntry(
        entry_id="test-wire:halushchenko-1",
        document_id="test-wire",
        outlet="Test Wire",
        kind=DocumentKind.ARTICLE,
        position=0,
        event_time=datetime(2025, 3, 13, 22, 0, tzinfo=UTC),
        headline="Energy minister promises power through the winter",
        paragraphs=[
            f"“{NEW_QUOTE},” Ukraine’s energy minister, Herman Halushchenko, said on Thursday "
            "evening in Kyiv."
        ],
    )


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    chromium, driver = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
    if not (chromium.exists() and driver.exists()):
        pytest.fail("chromium and chromium-driver are missing: `./run test` installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        # The network is closed: without these, Chromium waits on connections it cannot make.
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
        ):
            options.add_argument(flag)
        chrome = webdriver.Chrome(service=Service(str(driver)), options=options)
        try:
            yield chrome
        finally:
            chrome.quit()


def test_dashboard_ranks_like_the_api_and_shows_a_new_quote_and_its_correction_without_a_reload(
    seeded: Running, browser: WebDriver
) -> None:
    web = seeded.webs[0]
    before = ranking(web, "limit=10")
    top = [r.speaker_id for r in before.items]
    browser.get(f"{web.url}/dashboard?poll_ms=500")

    # The page re-renders on every poll, so each read is one script run, never a held element
    # (which a re-render would make stale).
    def shown(driver: WebDriver) -> list[str]:
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#speakers tr'))"
            ".map(row => row.getAttribute('data-speaker-id'))"
        )

    def text_of(driver: WebDriver, selector: str) -> str:
        return driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''",
            selector,
        )

    WebDriverWait(browser, 60).until(lambda d: shown(d) == top)
    assert shown(browser)[0] == "vladimir-putin"
    first = text_of(browser, "#speakers tr .occurrences")
    assert int(first) == ranking(web, "limit=1").items[0].occurrences

    browser.execute_script("window.loadedOnce = true")
    publish(seeded.settings, [new_entry()], Pacing(), progress=False)

    def quote_shown(driver: WebDriver) -> bool:
        quotes = text_of(driver, "#quotes")
        return NEW_QUOTE in quotes and "Test Wire" in quotes

    def speakers_counted(driver: WebDriver) -> bool:
        hint = text_of(driver, "#window-hint").strip()
        return hint == f"{before.total + 1} speakers"  # the new speaker joined the ranking

    WebDriverWait(browser, 120, poll_frequency=0.25).until(quote_shown)
    WebDriverWait(browser, 120, poll_frequency=0.25).until(speakers_counted)
    edited = new_entry()
    edited = edited.model_copy(
        update={
            "updated_time": edited.event_time + timedelta(hours=1),
            "paragraphs": [*edited.paragraphs, "An earlier version of this post gave a wrong day."],
        }
    )
    publish(seeded.settings, [edited], Pacing(), progress=False)

    def marked_corrected(driver: WebDriver) -> bool:
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#quotes li.corrected'))"
            ".some(li => li.textContent.includes(arguments[0]) && "
            "li.querySelector('.badge').textContent === 'corrected')",
            NEW_QUOTE,
        )

    WebDriverWait(browser, 120, poll_frequency=0.25).until(marked_corrected)
    # Still the same page: all came in through polling, not a reload.
    assert browser.execute_script("return window.loadedOnce === true")
    assert "herman-halushchenko" in [r.speaker_id for r in ranking(web).items]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    assert browser.save_screenshot(str(screenshot))
    print(f"dashboard screenshot: {screenshot}")
