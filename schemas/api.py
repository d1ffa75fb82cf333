"""The worker's read-only HTTP API: query parameters and every response body.

Public: GET /speakers, GET /speakers/{speaker_id}, GET /quotes (and /metrics, /dashboard,
/openapi.json). Probes: GET /healthz, GET /readyz. Internal (one worker asking another for its
share of a ranked list): GET /internal/*.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import Contract, Id
from schemas.quotes import CanonicalQuote, SpeakerType
from schemas.speakers import RecentQuote, WindowCount

MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_POINTS = 500
# The dashboard polls the ranking (one request per worker) and the quotes this often: a
# floor keeps one open page from loading every worker, a ceiling keeps "live" meaningful.
MIN_POLL_MS = 500
MAX_POLL_MS = 60_000


class WindowKind(StrEnum):
    TOTAL = "total"  # every occurrence ever counted
    HOPPING = "hopping"  # the current hopping window (default: the last hour, in 5-minute steps)
    TUMBLING = "tumbling"  # the current tumbling window (default: the calendar day, UTC)


class ApiError(Contract):
    """Every error answer: the HTTP status repeated, a short code and a human explanation."""

    status: int = Field(ge=400, le=599)
    error: str = Field(description="bad_request, not_found, method_not_allowed, unavailable, …")
    detail: str


class Page(Contract):
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="Items on the page.")
    offset: int = Field(
        default=0, ge=0, le=MAX_OFFSET, description="Items skipped before the page."
    )


class SpeakersQuery(Page):
    """Parameters of GET /speakers."""

    window: WindowKind = Field(default=WindowKind.TOTAL, description="What to rank by.")
    points: int = Field(
        default=12, ge=1, le=MAX_POINTS, description="Length of each speaker's series."
    )


class ShareQuery(SpeakersQuery):
    """Parameters of GET /internal/speakers: a ranking read at the gatherer's `as_of`."""

    as_of: AwareDatetime | None = None


class QuotesQuery(Page):
    """Parameters of GET /quotes."""

    speaker: Id | None = Field(default=None, description="Only quotes of this speaker id.")
    since: AwareDatetime | None = Field(
        default=None, description="Only quotes reported at or after this event time."
    )


class DashboardQuery(Contract):
    """Parameters of GET /dashboard."""

    poll_ms: int = Field(
        default=2000,
        ge=MIN_POLL_MS,
        le=MAX_POLL_MS,
        description="How often the page asks the API again, in milliseconds.",
    )


class Liveness(Contract):
    """GET /healthz: the worker process is up and its web server answers."""

    status: Literal["up"] = "up"


class Readiness(Contract):
    """GET /readyz: 200 once this worker holds partitions and has recovered its tables from
    their changelogs (so its answers are complete); 503 with the same body until then."""

    ready: bool
    assigned_partitions: int = Field(
        ge=0, description="Partitions assigned to this worker, changelogs included."
    )
    rebalancing: bool
    tables_recovered: bool
    workers: int = Field(
        ge=0, description="Workers holding partitions, as this worker's last assignment says."
    )


class WindowInfo(Contract):
    """The window a ranking counts in; start/end are null for `total` or before any data."""

    kind: WindowKind
    size_s: float | None = None
    step_s: float | None = None
    grace_s: float | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None


class SeriesAxis(Contract):
    """How to read each item's `series`: value i counts window
    [first_start + i·step_s, first_start + i·step_s + size_s)."""

    kind: WindowKind
    size_s: float
    step_s: float
    first_start: AwareDatetime | None = None
    points: int


class RankedSpeaker(Contract):
    """One speaker in a ranking."""

    rank: int = Field(ge=1)
    speaker_id: Id
    speaker: str
    speaker_type: SpeakerType | None = None
    occurrences: int = Field(ge=0)
    distinct_quotes: int = Field(ge=0)
    window_occurrences: int = Field(ge=0, description="Occurrences in the ranked window.")
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    outlets: list[str]
    series: list[int] = Field(description="Occurrences per window, oldest first (see `series`).")


class SpeakerPage(Contract):
    """GET /speakers: speakers ranked by occurrences in the chosen window, across all workers.

    Ties are broken by total occurrences, then distinct quotes, then speaker id."""

    as_of: AwareDatetime | None = Field(
        description="Latest event time counted by any worker: the 'now' the windows are read at."
    )
    window: WindowInfo
    series: SeriesAxis
    total: int = Field(ge=0, description="Speakers known, across all pages.")
    offset: int
    limit: int
    items: list[RankedSpeaker]


class WindowSeries(Contract):
    """A speaker's counts in the windows of one kind still held (those with occurrences)."""

    kind: WindowKind
    size_s: float
    step_s: float
    grace_s: float
    expires_s: float
    windows: list[WindowCount]


class SpeakerDetail(Contract):
    """GET /speakers/{speaker_id}: totals, window series and recent quotes of one speaker."""

    speaker_id: Id
    speaker: str
    speaker_type: SpeakerType | None = None
    distinct_quotes: int = Field(ge=0)
    occurrences: int = Field(ge=0)
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    outlets: list[str]
    latest_quotes: list[RecentQuote] = Field(description="Newest first, with outlet and time.")
    late_reports: int = Field(ge=0, description="Reports that came after a window had closed.")
    hopping: WindowSeries
    tumbling: WindowSeries
    served_by: str = Field(description="The worker that holds this speaker's partition.")
    resolved: bool = Field(
        default=True,
        description="False for a surname-only id no single full name claims (SpeakerUpdate).",
    )
    resolved_to: Id | None = Field(
        default=None,
        description="For a surname-only id merged into the one full name known with that "
        "surname: that speaker, whose counts include these.",
    )
    merged_from: list[Id] = Field(
        default_factory=list, description="Surname-only ids whose counts are included here."
    )
    candidates: list[Id] = Field(
        default_factory=list,
        description="For an unresolved surname-only id: the full names known with it.",
    )


class QuotePage(Contract):
    """GET /quotes: canonical quotes with their occurrences, most recently reported first."""

    speaker: Id | None = None
    since: AwareDatetime | None = None
    total: int = Field(ge=0)
    offset: int
    limit: int
    items: list[CanonicalQuote]


class WorkerClock(Contract):
    """GET /internal/clock: the latest event time among the speakers this worker holds."""

    worker: str
    as_of: AwareDatetime | None = None


class SpeakerShare(Contract):
    """GET /internal/speakers: one worker's top speakers for a ranking (ranks are local)."""

    worker: str
    total: int = Field(ge=0)
    items: list[RankedSpeaker]


class QuoteShare(Contract):
    """GET /internal/quotes: one worker's top quotes for a query."""

    worker: str
    total: int = Field(ge=0)
    items: list[CanonicalQuote]


API_MODELS: tuple[type[Contract], ...] = (
    ApiError,
    Liveness,
    Readiness,
    SpeakerPage,
    SpeakerDetail,
    QuotePage,
    WorkerClock,
    SpeakerShare,
    QuoteShare,
)
