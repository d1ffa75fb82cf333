"""Run the Faust worker in this process, logging through structlog."""

from __future__ import annotations

import faust

from service.kafka.admin import check_partitions, create_missing, expected_partitions
from service.logging import configure_logging
from service.settings import Settings
from service.stream.app import WebRoutes, create_app
from service.stream.tables import changelog_topics


class _Worker(faust.Worker):
    """A faust.Worker whose logging is ours (one format per process), not mode's."""

    settings: Settings

    def _setup_logging(self) -> None:
        configure_logging(self.settings)


def run_worker(settings: Settings, web: WebRoutes) -> None:
    """Blocks until SIGTERM/SIGINT, then stops the worker cleanly; `web` registers what it
    serves over HTTP.

    Raises PartitionCountMismatch, before Faust starts, if a topic it uses has another
    partition count than configured."""
    app = create_app(settings, web)
    # Before Faust starts, so its partition assignor finds them all (see changelog_topics).
    changelogs = changelog_topics(app, settings)
    create_missing(settings, changelogs, "creating changelog topics")
    expected = expected_partitions(settings) | {t.name: t.num_partitions for t in changelogs}
    check_partitions(settings, expected)
    worker = _Worker(app, loglevel=settings.log_level.lower(), quiet=True)
    worker.settings = settings
    worker.execute_from_commandline()
