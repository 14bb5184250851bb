"""The shared registry: consumes every province's topics into a reconciled SQL
store and answers queries over gRPC."""
