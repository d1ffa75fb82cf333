"""create_app(settings): a faust.App with the topics, tables and agents of liveblog-ingest."""

from __future__ import annotations

from collections.abc import Callable

import faust
from faust.transport.drivers import TRANSPORTS

from service.kafka.config import faust_credentials
from service.settings import Settings
from service.stream.tables import Tables

# aiokafka's transport with commits that wait for every table write (service/stream/transport.py).
TRANSPORTS.aliases["kafka"] = "service.stream.transport:KafkaTransport"
# What the worker serves over HTTP, given its app, tables and settings (service/web/views.py);
# the entry point passes it, so the stream shell never imports the web one.
WebRoutes = Callable[[faust.App, Tables, Settings], None]


def faust_settings(settings: Settings) -> dict[str, object]:
    """Faust configuration derived from Settings, including the broker workarounds."""
    broker = settings.bootstrap_servers or "127.0.0.1:9092"
    return {
        "broker": [f"kafka://{hostport}" for hostport in broker.split(",")],
        "store": "memory://",
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
        "datadir": str(settings.state_dir / "faust-data"),
        "web_port": settings.web_port,
        "web_host": settings.web_host,
        "web_bind": settings.web_host,
        # Faust derives it from web_host when unset; bound to 0.0.0.0, that names no worker.
        "canonical_url": settings.canonical_url
        or f"http://{settings.web_host}:{settings.web_port}",
        "consumer_auto_offset_reset": "earliest",
        "broker_session_timeout": settings.session_timeout_s,
        "broker_heartbeat_interval": settings.heartbeat_interval_s,
        "producer_linger_ms": 5,
        "broker_commit_every": 100,
        "broker_commit_interval": 1.0,
        "table_cleanup_interval": 30.0,
        "web_enabled": True,
        "broker_credentials": faust_credentials(settings),
        # Oversized raw entries must reach validate_entries to be dead-lettered with a reason.
        "producer_max_request_size": settings.max_message_bytes,
        "consumer_max_fetch_size": settings.max_message_bytes,
    }


def create_app(settings: Settings, web: WebRoutes | None = None) -> faust.App:
    """The worker application: topics, tables and agents registered on a fresh faust.App, and
    the routes `web` registers (none: Faust's own web server, as in tests of the stream)."""
    from service.stream.agents import register_agents
    from service.stream.cache import WriteCache
    from service.stream.tables import create_tables
    from service.stream.topics import create_topics
    from service.stream.transport import before_every_flush

    app = faust.App(settings.app_id, **faust_settings(settings))  # type: ignore[arg-type]
    topics = create_topics(app, settings)
    cache = WriteCache(settings.coalesce_interval_s)
    tables = create_tables(app, settings, cache)
    register_agents(app, topics, tables, cache, settings)
    if web is not None:
        web(app, tables, settings)
    # Held-back writes go out before every commit and rebalance, and at least every interval.
    before_every_flush(app, cache.flush)
    if cache.coalescing:

        async def flush_coalesced_writes() -> None:
            await cache.flush()

        app.timer(settings.coalesce_interval_s, name="flush_coalesced_writes")(
            flush_coalesced_writes
        )
    return app
