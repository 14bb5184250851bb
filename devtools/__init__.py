"""Development tooling: data generators and fixtures used by the demo, tests and benchmarks, not by the services."""
