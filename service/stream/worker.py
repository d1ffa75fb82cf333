"""Run the Faust worker in this process, logging through structlog."""

from __future__ import annotations

import faust

from service.kafka.admin import create_missing
from service.logging import configure_logging
from service.settings import Settings
from service.stream.app import create_app
from service.stream.tables import changelog_topics


class _Worker(faust.Worker):
    """A faust.Worker whose logging is ours (one format per process), not mode's."""

    settings: Settings

    def _setup_logging(self) -> None:
        configure_logging(self.settings)


def run_worker(settings: Settings) -> None:
    """Blocks until SIGTERM/SIGINT, then stops the worker cleanly."""
    app = create_app(settings)
    # Before Faust starts, so its partition assignor finds them all (see changelog_topics).
    create_missing(settings, changelog_topics(app, settings), "creating changelog topics")
    worker = _Worker(app, loglevel=settings.log_level.lower(), quiet=True)
    worker.settings = settings
    worker.execute_from_commandline()
