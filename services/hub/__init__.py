"""The embedded hub: runs the whole exchange (Kafka broker, services) on one machine."""
