"""A province's exchange: validates records, keeps them in a durable outbox and
relays the outbox to Kafka."""
