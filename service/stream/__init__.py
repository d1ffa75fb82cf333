"""Faust shell: topics, tables and agents that adapt the core to Kafka streams."""
