"""What every process shares to talk to Kafka: client config, topic administration, retries, lag."""
