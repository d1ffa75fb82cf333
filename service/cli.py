"""The `liveblog` command (also `python -m service`): broker, worker, sink, replay, dead-letters,
demo, quotes, schemas."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from service import __version__
from service.settings import InvalidSettings, LogFormat, Settings, load_settings

# Plain help (click's layout): typer's rich panels label every flag `<bool>`, as if it took
# a value, where click shows `--jsonl` and `--progress / --no-progress`.
app = typer.Typer(
    help="Turn live news coverage into a deduplicated, queryable record of who said what.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
broker_app = typer.Typer(
    help="Manage the embedded Apache Kafka broker (one KRaft node on loopback, data under the "
    "state dir), used when no Kafka is configured. Needs Java 17+ and Maven, or KAFKA_HOME.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(broker_app, name="broker")
dead_letters_app = typer.Typer(
    help="Read the dead-letter topic, and re-send dead-lettered events once their cause is fixed.",
    no_args_is_help=True,
)
app.add_typer(dead_letters_app, name="dead-letters")


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"liveblog-ingest {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Turn live news coverage into a deduplicated, queryable record of who said what."""


BootstrapOpt = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers",
        "-b",
        help="Kafka host:port[,...]. Env: KAFKA_BOOTSTRAP_SERVERS "
        "or LIVEBLOG_BOOTSTRAP_SERVERS. Unset: the embedded broker. A broker that does not "
        "answer is retried for LIVEBLOG_BROKER_RETRY_TIMEOUT_S (default 120 s), then the "
        "command ends with exit code 2.",
        show_default=False,
    ),
]
PrefixOpt = Annotated[
    str | None, typer.Option("--topic-prefix", help="Env: LIVEBLOG_TOPIC_PREFIX.")
]
PartitionsOpt = Annotated[
    int | None,
    typer.Option("--partitions", min=1, help="Partitions per topic. Env: LIVEBLOG_PARTITIONS."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out-dir", help="Sink output. Env: LIVEBLOG_OUT_DIR.")
]
StateOpt = Annotated[
    Path | None, typer.Option("--state-dir", help="Pid files and logs. Env: LIVEBLOG_STATE_DIR.")
]
LogOpt = Annotated[LogFormat | None, typer.Option("--log-format", help="auto|json|console.")]


def _settings(**overrides: object) -> Settings:
    from service.logging import configure_logging

    try:
        settings = load_settings(**overrides)
    except InvalidSettings as exc:  # names the variables, never their values
        typer.echo(f"error: invalid configuration: {exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings)
    return settings


def _connected(settings: Settings) -> Settings:
    """Settings with bootstrap servers resolved: the configured ones, or the embedded broker."""
    from service.broker.embedded import running_broker

    if not settings.embedded:
        return _logged(settings)
    handle = running_broker(settings.state_dir)
    if handle is None:
        typer.echo(
            "error: no Kafka broker configured and no embedded broker running.\n"
            "  Set KAFKA_BOOTSTRAP_SERVERS, or start one with: liveblog broker start",
            err=True,
        )
        raise typer.Exit(2)
    return _logged(settings.with_overrides(bootstrap_servers=handle.bootstrap_servers))


def _logged(settings: Settings) -> Settings:
    """Log the effective settings once, at start; secrets show as "**********" (SecretStr)."""
    import structlog

    structlog.get_logger(__name__).info("settings", **settings.model_dump(mode="json"))
    return settings


@broker_app.command("start")
def broker_start(
    state_dir: StateOpt = None,
    port: Annotated[
        int | None, typer.Option(help="Listen port (default: the last one, or a free one).")
    ] = None,
    heap: Annotated[
        str | None, typer.Option(help="Java heap, e.g. 512m or 1g. Env: LIVEBLOG_BROKER_HEAP.")
    ] = None,
) -> None:
    """Start the embedded broker in the background and print its bootstrap address.

    The first start resolves Kafka's jars with Maven (once) and formats the data dir."""
    from service.broker.embedded import BrokerError, start_broker

    settings = _settings(state_dir=state_dir, broker_heap=heap)
    try:
        handle = start_broker(settings.state_dir, port, heap=settings.broker_heap)
    except BrokerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(handle.bootstrap_servers)


@broker_app.command("stop")
def broker_stop(state_dir: StateOpt = None) -> None:
    """Stop the embedded broker started from this state dir; its data is kept."""
    from service.broker.embedded import stop_broker

    settings = _settings(state_dir=state_dir)
    typer.echo("stopped" if stop_broker(settings.state_dir) else "not running")


@broker_app.command("status")
def broker_status(state_dir: StateOpt = None) -> None:
    """Print the embedded broker's address, pid, log and data dir; exit 1 if it is not running."""
    from service.broker.embedded import running_broker

    settings = _settings(state_dir=state_dir)
    handle = running_broker(settings.state_dir)
    if handle is None:
        typer.echo("not running")
        raise typer.Exit(1)
    typer.echo(
        f"{handle.bootstrap_servers} pid={handle.pid} log={handle.log_path} data={handle.data_dir}"
    )


@broker_app.command("reset")
def broker_reset(state_dir: StateOpt = None) -> None:
    """Stop the embedded broker if it runs and delete its data (every topic and offset)."""
    from service.broker.embedded import reset_broker

    settings = _settings(state_dir=state_dir)
    typer.echo("reset" if reset_broker(settings.state_dir) else "nothing to reset")


@broker_app.command("install")
def broker_install() -> None:
    """Resolve the embedded broker's jars (Maven, once) and check Java; print the Kafka version."""
    from service.broker.install import BrokerError, find_runtime

    _settings()
    try:
        runtime = find_runtime()
    except BrokerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Apache Kafka {runtime.kafka_version} with {runtime.java}")


@app.command()
def topics(
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    partitions: PartitionsOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Create every topic the service uses (idempotent)."""
    from service.kafka.admin import ensure_topics

    settings = _connected(
        _settings(
            bootstrap_servers=bootstrap_servers,
            topic_prefix=topic_prefix,
            partitions=partitions,
            state_dir=state_dir,
        )
    )
    for name in ensure_topics(settings):
        typer.echo(f"created {name}")


@app.command()
def worker(
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    partitions: PartitionsOpt = None,
    state_dir: StateOpt = None,
    web_port: Annotated[int | None, typer.Option(help="HTTP port. Env: LIVEBLOG_WEB_PORT.")] = None,
    log_format: LogOpt = None,
) -> None:
    """Run the Faust worker: dedup, quote extraction and per-speaker tables.

    Refuses to start if a topic it uses has another partition count than --partitions."""
    from service.kafka.admin import ensure_topics
    from service.stream.worker import run_worker
    from service.web.views import register_web

    settings = _connected(
        _settings(
            bootstrap_servers=bootstrap_servers,
            topic_prefix=topic_prefix,
            partitions=partitions,
            state_dir=state_dir,
            web_port=web_port,
            log_format=log_format,
        )
    )
    ensure_topics(settings)
    # A partition-count mismatch ends in main(), as every user error.
    run_worker(settings, register_web)


@app.command()
def sink(
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    out_dir: OutOpt = None,
    state_dir: StateOpt = None,
    log_format: LogOpt = None,
) -> None:
    """Consume the output topics into out/jsonl/*.jsonl and out/liveblog.sqlite3 (upserts)."""
    from service.kafka.admin import ensure_topics
    from service.sink.runner import SinkRunner

    settings = _connected(
        _settings(
            bootstrap_servers=bootstrap_servers,
            topic_prefix=topic_prefix,
            out_dir=out_dir,
            state_dir=state_dir,
            log_format=log_format,
        )
    )
    ensure_topics(settings)
    SinkRunner(settings).run()


@app.command()
def replay(
    source: Annotated[
        Path,
        typer.Argument(help="A seeds folder with manifest.json, or a .jsonl file of RawEntry."),
    ] = Path("seeds"),
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    state_dir: StateOpt = None,
    speedup: Annotated[
        float | None, typer.Option(help="Pace by event time, this many times faster than real.")
    ] = None,
    rate: Annotated[float | None, typer.Option(help="A fixed rate, events per second.")] = None,
    loops: Annotated[int, typer.Option(min=1, help="Repeat, with fresh ids and later times.")] = 1,
    progress: Annotated[
        bool | None, typer.Option(help="Progress bar (default: on a terminal).")
    ] = None,
) -> None:
    """Publish entries to the raw-entries topic (as fast as possible unless paced)."""
    from service.kafka.admin import ensure_topics
    from service.replay.producer import publish
    from service.replay.schedule import Pacing, PacingMode, looped
    from service.replay.source import read_entries

    if speedup is not None and rate is not None:
        typer.echo("error: choose --speedup or --rate, not both", err=True)
        raise typer.Exit(2)
    settings = _settings(
        bootstrap_servers=bootstrap_servers, topic_prefix=topic_prefix, state_dir=state_dir
    )
    if speedup is not None:
        pacing = Pacing(PacingMode.REALTIME, speedup=speedup)
    elif rate is not None:
        pacing = Pacing(PacingMode.RATE, rate=rate)
    else:
        pacing = Pacing()
    # The source first: a bad file is reported before any wait for a broker.
    entries = list(looped(read_entries(source), loops))
    settings = _connected(settings)
    ensure_topics(settings)
    sent = publish(settings, entries, pacing, progress=progress)
    typer.echo(f"published {sent} entries")


def _since(text: str) -> datetime:
    """An ISO 8601 time (2025-03-13 or 2025-03-13T12:00:00Z); UTC unless it names its zone."""
    from pydantic import TypeAdapter, ValidationError

    try:
        at = TypeAdapter(datetime).validate_python(text)
    except ValidationError as exc:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 date or time") from exc
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


SinceOpt = Annotated[
    datetime | None,
    typer.Option(
        parser=_since,
        metavar="TIME",
        help="Only letters that failed at or after this ISO 8601 time (UTC unless it says).",
        show_default=False,
    ),
]
StageOpt = Annotated[
    str | None,
    typer.Option(
        help="Only letters of this stage, e.g. validate_entries (see `dead-letters list`).",
        show_default=False,
    ),
]


def _chosen_letters(
    since: datetime | None,
    stage: str | None,
    bootstrap_servers: str | None,
    topic_prefix: str | None,
    state_dir: Path | None,
) -> tuple[Settings, list]:
    """The settings the dead-letter commands connect with, and the letters they chose."""
    from service.replay.dead_letters import read_dead_letters, select

    settings = _connected(
        _settings(
            bootstrap_servers=bootstrap_servers, topic_prefix=topic_prefix, state_dir=state_dir
        )
    )
    return settings, select(read_dead_letters(settings), since=since, stage=stage)


@dead_letters_app.command("list")
def dead_letters_list(
    since: SinceOpt = None,
    stage: StageOpt = None,
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Print the dead letters, one line each: failed at, stage, error type, failure/tries,
    topic:partition:offset, reason."""
    from service.replay.dead_letters import describe

    _, letters = _chosen_letters(since, stage, bootstrap_servers, topic_prefix, state_dir)
    for letter in letters:
        typer.echo(describe(letter))


@dead_letters_app.command("replay")
def dead_letters_replay(
    since: SinceOpt = None,
    stage: StageOpt = None,
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Re-send dead-lettered events, each once, to the topic and partition they came from.

    Idempotent like every input: a processed event changes nothing, a failing one fails again."""
    from service.replay.dead_letters import replay_dead_letters

    settings, letters = _chosen_letters(since, stage, bootstrap_servers, topic_prefix, state_dir)
    done = replay_dead_letters(settings, letters)
    events = "event" if done.sent == 1 else "events"
    skipped = f" ({done.skipped_truncated} too large to re-send: only their head was kept)"
    typer.echo(f"re-sent {done.sent} {events}{skipped if done.skipped_truncated else ''}")


def _checked_urls(urls: list[str]) -> list[str]:
    """The URLs as given, or exit 2 naming the first that is not an http(s) URL with a host."""
    from urllib.parse import urlsplit

    from service.logging import redact_urls

    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            typer.echo(f"error: not an http or https URL: {redact_urls(url)!r}", err=True)
            raise typer.Exit(2)
    return urls


@app.command()
def follow(
    urls: Annotated[
        list[str],
        typer.Argument(
            help="Pages or feeds to follow: a live blog with schema.org LiveBlogPosting "
            "JSON-LD, an RSS 2.0, Atom or JSON Feed, or any article page.",
            show_default=False,
        ),
    ],
    interval: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="Seconds between two polls of one URL (default 60). Env: "
            "LIVEBLOG_FOLLOW_INTERVAL_S.",
            show_default=False,
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Poll each URL once, publish, and exit.")
    ] = False,
    print_only: Annotated[
        bool,
        typer.Option(
            "--print",
            help="Write the RawEntry JSON lines that would be published to stdout instead "
            "(no broker; what was printed is remembered for this run only).",
        ),
    ] = False,
    outlet: Annotated[
        str | None,
        typer.Option(
            help="Outlet name of every entry (default: the page's publisher, the feed's title, "
            "else the host).",
            show_default=False,
        ),
    ] = None,
    bootstrap_servers: BootstrapOpt = None,
    topic_prefix: PrefixOpt = None,
    state_dir: StateOpt = None,
    log_format: LogOpt = None,
) -> None:
    """Poll live pages and feeds, and publish their new or changed entries to raw-entries.

    Each entry's event time is the page's own (datePublished), and an edit (dateModified, or
    changed words) is published again as a later version. What was published is remembered on
    the compacted follow-state topic, so a restart publishes nothing twice. A failed poll is
    one log line; the others go on."""
    import signal
    import threading

    from service.follow.fetch import Fetcher
    from service.follow.paragraphs import clean_text
    from service.follow.publish import KafkaPublisher, PrintPublisher, Publisher
    from service.follow.runner import Follower

    _checked_urls(urls)
    if outlet is not None and not clean_text(outlet):
        typer.echo("error: --outlet must name something", err=True)
        raise typer.Exit(2)
    settings = _settings(
        bootstrap_servers=bootstrap_servers,
        topic_prefix=topic_prefix,
        state_dir=state_dir,
        log_format=log_format,
        follow_interval_s=interval,
    )
    publisher: Publisher
    if print_only:
        publisher = PrintPublisher(sys.stdout)
    else:
        from service.kafka.admin import ensure_topics

        settings = _connected(settings)
        ensure_topics(settings)
        publisher = KafkaPublisher(settings)
    stop = threading.Event()
    # Ctrl-C or SIGTERM (docker stop) ends the loop between polls, not in the middle of one.
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    fetcher = Fetcher(settings)
    try:
        follower = Follower(settings, fetcher, publisher, outlet=outlet and clean_text(outlet))
        published = follower.run(urls, once=once, stop=stop)
    finally:
        fetcher.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not print_only:
        typer.echo(f"published {published} {'entry' if published == 1 else 'entries'}")


@app.command()
def demo(
    bootstrap_servers: BootstrapOpt = None,
    out_dir: OutOpt = None,
    state_dir: StateOpt = None,
    seeds: Annotated[Path, typer.Option(help="Seeds folder.")] = Path("seeds"),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for processing.")] = 180.0,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then keep everything running, the worker's HTTP on LIVEBLOG_WEB_PORT (6066), "
            "until Ctrl-C: the API and the dashboard can be tried.",
        ),
    ] = False,
) -> None:
    """Start broker, worker and sink, replay the seeds, wait until all is processed, summarise."""
    from service.demo import run_demo

    settings = _settings(bootstrap_servers=bootstrap_servers, out_dir=out_dir, state_dir=state_dir)
    raise typer.Exit(run_demo(settings, seeds, timeout, serve))


@app.command()
def quotes(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Documents; '-' or none: stdin.")
    ] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Input is JSON lines {"id", "text"}.')
    ] = False,
) -> None:
    """Print the direct quotes of documents as JSON lines (no broker needed)."""
    from service.quotes_command import run_quotes

    raise typer.Exit(run_quotes(paths or [], jsonl, sys.stdin, sys.stdout))


@app.command()
def schemas(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the files are stale.")] = False,
) -> None:
    """Write schemas/json/*.schema.json from the pydantic models."""
    from schemas.export import stale_schemas, write_schemas

    if check:
        stale = stale_schemas()
        for name in stale:
            typer.echo(f"stale: {name}", err=True)
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas():
        typer.echo(str(path))


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors a user can act on from their message alone (imported late: `liveblog quotes` and
    `schemas` need no Kafka client)."""
    from service.kafka.admin import PartitionCountMismatch
    from service.kafka.retry import BrokerAuthenticationFailed, BrokerUnavailable
    from service.replay.seeds import SeedError
    from service.replay.source import SourceError

    return (
        BrokerUnavailable,
        BrokerAuthenticationFailed,
        SourceError,
        SeedError,
        InvalidSettings,
        PartitionCountMismatch,
    )


def _exit_code(exc: Exception) -> int | None:
    """2 for an error in what the user gave, 1 for a sink that cannot write its outputs (it
    committed nothing past what it wrote: a restart once the cause is fixed loses nothing);
    None for anything else, which keeps its traceback."""
    from service.sink.retry import SinkWriteFailed

    if isinstance(exc, _user_errors()):
        return 2
    return 1 if isinstance(exc, SinkWriteFailed) else None


def main() -> None:
    try:
        app()
    except Exception as exc:
        code = _exit_code(exc)
        if code is None:
            raise
        # What failed and where, in one line: a traceback would tell the user nothing more.
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        sys.exit(code)


if __name__ == "__main__":
    main()
