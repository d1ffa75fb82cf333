"""Replay documents as timestamped events onto the raw-entries topic."""
