"""How many cases each hostile-input property ran (printed at the end of a run)."""

from __future__ import annotations

from collections import Counter

CASES: Counter[str] = Counter()
