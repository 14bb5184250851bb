# Entry points; the scripts do the work so CI and people run the same thing.
.PHONY: demo up test proto lint

demo:
	scripts/setup.sh
	.venv/bin/yrdhub demo

up:
	scripts/setup.sh
	.venv/bin/yrdhub up

test:
	scripts/test.sh

proto:
	scripts/gen-proto.sh

lint:
	.venv/bin/buf lint proto
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports
