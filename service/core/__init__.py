"""Functional core: pure, typed, deterministic text processing. No Kafka, files, env or logging."""
