"""Adapters shared by the exchange and the registry: protobuf mapping, gRPC, Kafka, SQL."""
