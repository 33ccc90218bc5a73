"""Local calendar days and months of the settings time zone, as UTC ranges (DST-safe)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS_28 = 28
MONTHS_12 = 12


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day `moment` (aware) falls on in `tz`."""
    return moment.astimezone(tz).date()


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day in UTC; 23 or 25 hours long on DST change days."""
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def last_days(today: date, count: int = DAYS_28) -> list[date]:
    """`count` days ending with `today`, oldest first."""
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]


def month_start(day: date) -> date:
    return day.replace(day=1)


def last_months(today: date, count: int = MONTHS_12) -> list[date]:
    """First days of the `count` calendar months ending with this one, oldest first."""
    months: list[date] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
