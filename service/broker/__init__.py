"""The embedded Apache Kafka broker: find its runtime, configure, start, stop and reset it."""
