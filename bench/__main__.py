"""`python -m bench`: what `yrdhub bench` runs."""

from bench.cli import main
from services.hub.processes import exit_on_sigterm

exit_on_sigterm()  # a bench stopped with `kill` stops its hub too
main()
