"""Whether this worker is up and ready to answer: what GET /healthz and GET /readyz report."""

from __future__ import annotations

import faust
from faust.exceptions import ConsumerNotStarted

from schemas.api import Readiness


def is_ready(assigned_partitions: int, rebalancing: bool, tables_recovered: bool) -> bool:
    """Ready means: holding partitions, not between assignments, tables caught up with their
    changelogs. Before that, answers would miss rows this worker is still reading back."""
    return assigned_partitions > 0 and not rebalancing and tables_recovered


def _assigned_partitions(app: faust.App) -> int:
    try:
        return len(app.consumer.assignment())
    except ConsumerNotStarted:  # the web server answers before the consumer has joined
        return 0


def readiness(app: faust.App, workers: int) -> Readiness:
    """This worker's readiness, read from Faust's consumer and table recovery."""
    assigned = _assigned_partitions(app)
    rebalancing = bool(app.rebalancing)
    recovered = app.tables.recovery.completed.is_set() and not app.in_recovery
    return Readiness(
        ready=is_ready(assigned, rebalancing, recovered),
        assigned_partitions=assigned,
        rebalancing=rebalancing,
        tables_recovered=recovered,
        workers=workers,
    )
