"""The domain core: records, validation and rules, free of transport and storage.

Nothing here imports grpc, kafka or SQL (an import-linter contract keeps it so).
"""
