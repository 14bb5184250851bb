"""Generated protobuf code for the yrdhub contracts (see proto/). Do not edit."""
