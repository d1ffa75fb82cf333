"""Broker helpers: the embedded Tansu broker and topic administration."""
