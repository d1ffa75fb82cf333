"""The worker's HTTP side: the read-only query API, the live dashboard and /metrics."""
