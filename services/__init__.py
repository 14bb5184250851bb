"""yrdhub services: the domain core, the exchange, the registry and the embedded hub."""
