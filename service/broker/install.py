"""Find what the embedded Apache Kafka runs with: a Java 17+ runtime and the broker's classpath.

The classpath comes from KAFKA_HOME (an Apache Kafka distribution the user already has) or else
from the pinned pom.xml beside this module, resolved by Maven once into its own cache (~/.m2);
the resolved classpath is remembered per pom content, so later starts need neither Maven nor
the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

POM = Path(__file__).with_name("pom.xml")
MIN_JAVA = 17
MAVEN_TIMEOUT_S = 900.0  # a first resolution downloads about 60 jars (~90 MB)
DEBIAN_HINT = "on Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven"


class BrokerError(RuntimeError):
    """The embedded broker could not be installed, started, found or reached."""


@dataclass(frozen=True)
class Runtime:
    java: Path
    classpath: str
    kafka_version: str


def kafka_version() -> str:
    """The Kafka version pinned in pom.xml."""
    found = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if found is None:
        raise BrokerError(f"no <kafka.version> in {POM}")
    return found.group(1)


def find_java() -> Path:
    """$JAVA_HOME/bin/java, else java on PATH; refused below Java 17 (Kafka 3.9's brokers need
    Java 11+, and 17 is the oldest version this project tests)."""
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home) / "bin" / "java" if home else None
    if candidate is None or not candidate.exists():
        found = shutil.which("java")
        candidate = Path(found) if found else None
    if candidate is None:
        raise BrokerError(
            f"java not found: the embedded broker needs Java {MIN_JAVA}+ ({DEBIAN_HINT})"
        )
    major = java_major(candidate)
    if major < MIN_JAVA:
        raise BrokerError(
            f"{candidate} is Java {major}; the embedded broker needs Java {MIN_JAVA}+ "
            f"({DEBIAN_HINT}, or set JAVA_HOME)"
        )
    return candidate


def java_major(java: Path) -> int:
    out = subprocess.run(
        [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
    )
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if found is None:
        raise BrokerError(f"cannot tell the version of {java}: {out.stderr.strip()[:200]}")
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "liveblog-ingest"


def _classpath_file() -> Path:
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"kafka-classpath-{digest}.txt"


def _usable(classpath: str) -> bool:
    return bool(classpath) and all(Path(jar).exists() for jar in classpath.split(os.pathsep))


def resolve_classpath() -> str:
    """The broker's classpath: KAFKA_HOME's libs, or the pinned pom's jars (resolved once)."""
    home = os.environ.get("KAFKA_HOME")
    if home:
        libs = Path(home) / "libs"
        if not any(libs.glob("kafka_2.*.jar")):
            raise BrokerError(
                f"KAFKA_HOME={home} holds no Kafka distribution (no libs/kafka_2.*.jar)"
            )
        return str(libs / "*")
    remembered = _classpath_file()
    if remembered.exists() and _usable(cached := remembered.read_text().strip()):
        return cached
    return _resolve_with_maven(remembered)


def _resolve_with_maven(target: Path) -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(
            "mvn not found: the embedded broker's jars are resolved by Maven "
            f"({DEBIAN_HINT}); or point KAFKA_HOME at an Apache Kafka distribution"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    log.info("kafka_jars_resolving", version=kafka_version(), pom=str(POM))
    try:
        done = subprocess.run(
            [mvn, "-q", "-B", "-f", str(POM), "dependency:build-classpath",
             f"-Dmdep.outputFile={partial}"],
            capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise BrokerError(
            f"Maven did not resolve the Kafka jars within {MAVEN_TIMEOUT_S:.0f}s"
        ) from exc
    if done.returncode != 0 or not partial.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BrokerError(f"Maven could not resolve the Kafka jars from {POM}:\n{tail}")
    classpath = partial.read_text().strip()
    partial.replace(target)
    log.info("kafka_jars_resolved", jars=len(classpath.split(os.pathsep)))
    return classpath


def find_runtime() -> Runtime:
    """Everything needed to launch the broker, or one BrokerError saying what is missing."""
    version = "KAFKA_HOME" if os.environ.get("KAFKA_HOME") else kafka_version()
    return Runtime(find_java(), resolve_classpath(), version)
