"""Generated from proto/yrdhub/v1. Do not edit; run scripts/gen-proto.sh."""
