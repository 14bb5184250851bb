"""Working days in China, from a maintained calendar (python-holidays), not a
hand-kept list: statutory holidays off, and the adjusted working days (调休)
the State Council publishes each year on. A year whose schedule is not
published yet (it comes out late in the year before) has its statutory
holidays by rule and plain weekends: `source` says so, so a plan made that
early states what it was made on.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from importlib.metadata import version

import holidays
from holidays.countries.china import ChinaStaticHolidays

# The last year whose adjusted working days the library holds.
_SCHEDULED_UNTIL = max(ChinaStaticHolidays.special_public_holidays)


@functools.lru_cache(maxsize=64)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year)


def is_working_day(day: dt.date) -> bool:
    return bool(_calendar(day.year).is_working_day(day))


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every working day from start to end, both included."""
    return [d for d in _every_day(start, end) if is_working_day(d)]


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 0; 0: `day` itself)."""
    while n > 0:
        day += dt.timedelta(days=1)
        n -= is_working_day(day)
    return day


def source(start: dt.date, end: dt.date) -> str:
    """What the working days from start to end were taken from."""
    base = f"python-holidays {version('holidays')} (CN)"
    unscheduled = [y for y in range(start.year, end.year + 1) if y > _SCHEDULED_UNTIL]
    if not unscheduled:
        return f"{base}: statutory holidays and adjusted working days"
    years = ", ".join(str(y) for y in unscheduled)
    return (
        f"{base}: statutory holidays; adjusted working days of {years} not yet "
        "published, weekends taken as they fall"
    )


def _every_day(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)
