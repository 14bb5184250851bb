"""`python -m bench`: what `yrdhub bench` runs."""

from bench.cli import main

main()
