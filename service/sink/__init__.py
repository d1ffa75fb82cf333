"""Sink: consume the output topics and write JSON Lines files and a SQLite database."""
