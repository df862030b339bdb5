"""The US stock market's calendar: New York time, NYSE holidays, and which session a moment falls in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

OPEN, CLOSE = time(9, 30), time(16, 0)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The `n`th `weekday` (0 = Monday) of the month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> date:
    """Easter Sunday (the Gregorian computus, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    return date(year, month, (h + ell - 7 * m + 114) % 31 + 1)


def _observed(day: date) -> date:
    """A fixed-date holiday on a weekend is taken on the Friday before or the Monday after."""
    return day - timedelta(days=1) if day.weekday() == 5 else day + timedelta(days=1) if day.weekday() == 6 else day


@cache
def holidays(year: int) -> frozenset[date]:
    """The days the NYSE is closed in `year`, weekends aside (its published rules since 2022)."""
    days = {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _easter(year) - timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(date(year, 6, 19)),  # Juneteenth
        _observed(date(year, 7, 4)),  # Independence Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(date(year, 12, 25)),  # Christmas
    }
    # New Year's Day on a Saturday is not made up on the Friday before (the year's last session).
    new_year = date(year, 1, 1)
    if new_year.weekday() != 5:
        days.add(_observed(new_year))
    return frozenset(days)


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def new_york(moment: datetime) -> datetime:
    """`moment` in New York's local time (EST, or EDT from the second Sunday of March, 2:00, to the
    first Sunday of November, 2:00), without a time-zone database."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    year = utc.year
    dst_start = datetime.combine(_nth_weekday(year, 3, 6, 2), time(7))  # 2:00 EST in UTC
    dst_end = datetime.combine(_nth_weekday(year, 11, 6, 1), time(6))  # 2:00 EDT in UTC
    return utc - timedelta(hours=4 if dst_start <= utc < dst_end else 5)


def _latest_day_past(moment: datetime, clock: time) -> date:
    """The latest trading day whose `clock` (New York time) is at or before `moment`."""
    local = new_york(moment)
    day = local.date()
    if not (is_trading_day(day) and local.time() >= clock):
        day -= timedelta(days=1)
        while not is_trading_day(day):
            day -= timedelta(days=1)
    return day


def last_session(moment: datetime) -> date:
    """The latest trading day whose session has opened by `moment`: before 9:30 in New York, or on
    a weekend or holiday, the session before (no price is "as of" a day that has not traded)."""
    return _latest_day_past(moment, OPEN)


def sessions(end: date, count: int) -> list[date]:
    """The `count` trading days ending at `end` (inclusive when it is one), oldest first."""
    days, day = [], end
    while len(days) < count:
        if is_trading_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def is_open(moment: datetime) -> bool:
    """Whether the regular session (9:30-16:00 New York time) is under way at `moment`."""
    local = new_york(moment)
    return is_trading_day(local.date()) and OPEN <= local.time() < CLOSE


def at_new_york(day: date, clock: time) -> datetime:
    """The UTC moment of `clock` on `day` in New York (the inverse of `new_york`)."""
    local = datetime.combine(day, clock)
    for hours in (4, 5):
        moment = (local + timedelta(hours=hours)).replace(tzinfo=UTC)
        if new_york(moment) == local:
            return moment
    return (local + timedelta(hours=5)).replace(tzinfo=UTC)  # the hour a clock change skips


def last_close(moment: datetime) -> datetime:
    """When the latest session that has ended by `moment` closed (UTC): prices fetched after it
    stay current until the next session opens."""
    return at_new_york(_latest_day_past(moment, CLOSE), CLOSE)


def next_trading_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def status(moment: datetime) -> dict[str, object]:
    """The market's state for people: open or closed, New York's time, and the next open or close."""
    local = new_york(moment)
    day = local.date()
    if is_open(moment):
        return {"open": True, "state": "open", "exchange_time": local.isoformat(timespec="minutes"),
                "next_change": at_new_york(day, CLOSE).isoformat()}
    if is_trading_day(day) and local.time() < OPEN:
        state, opens = "pre-market", day
    else:
        state = "closed" if is_trading_day(day) or day.weekday() >= 5 else "holiday"
        opens = next_trading_day(day)
    return {"open": False, "state": state, "exchange_time": local.isoformat(timespec="minutes"),
            "next_change": at_new_york(opens, OPEN).isoformat()}
