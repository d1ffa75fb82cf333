"""The throughput baseline: a Faust worker whose one agent copies raw entries, unchanged, to
`<topic prefix>identity-out`. Same Faust settings as the service (service.stream.app), configured
from the same LIVEBLOG_* environment; started by bench/throughput.py."""

from __future__ import annotations

import faust

from schemas.topics import RAW_ENTRIES
from service.logging import configure_logging
from service.settings import Settings
from service.stream.app import faust_settings

OUTPUT = "identity-out"


def create_app(settings: Settings) -> faust.App:
    app = faust.App(settings.app_id, **faust_settings(settings))  # type: ignore[arg-type]

    def topic(name: str) -> faust.TopicT:
        return app.topic(
            name,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            internal=False,
        )

    source = topic(RAW_ENTRIES.full_name(settings.topic_prefix))
    target = topic(f"{settings.topic_prefix}{OUTPUT}")

    @app.agent(source, name="identity")
    async def identity(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await target.send(key=event.key, value=event.value)

    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    worker = faust.Worker(create_app(settings), loglevel="warning", quiet=True)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
