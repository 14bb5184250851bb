"""Benchmarks of the hub, each reported as a ratio to a baseline measured in the same run.

The machines this runs on are shared and noisy: absolute figures move from
run to run, ratios to a baseline taken minutes apart on the same machine much
less. Run with `yrdhub bench` (see bench/run.py).
"""
