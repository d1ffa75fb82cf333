"""The embedded Apache Kafka broker (install, configure, start, stop), and topic administration."""
