"""工作日: the end of a public notice counted in Chinese working days (chinese_calendar: statutory holidays and the
adjusted weekend workdays, 调休).

Rule: the notice's start is read as a date in Asia/Shanghai. If that date is a working day it counts as the first
working day (whatever the hour); otherwise counting starts on the next working day. The notice ends at the end of
the N-th working day, 24:00 Asia/Shanghai, i.e. 00:00 of the following calendar day.

chinese_calendar only knows the years the State Council has published (1.11.0: 2004–2026) and raises
NotImplementedError for others. For such a year we count Monday–Friday as working days and report the year, so the
staff page can warn that the result must be checked ("2027年法定节假日安排尚未收录…").
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext as _

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Never count further than this many calendar days (30 working days fit in well under a year).
_MAX_SPAN_DAYS = 400


@dataclass(frozen=True)
class NoticePeriod:
    ends_at: dt.datetime  # aware, 00:00 Asia/Shanghai of the day after the last working day
    last_day: dt.date  # the N-th working day
    unknown_years: tuple[int, ...]  # years counted Monday–Friday because the calendar does not know them

    @property
    def warnings(self):
        return calendar_warnings(self.unknown_years)


def is_workday(day):
    """(is the date a working day, is it known to the holiday calendar). Unknown years: Monday–Friday."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def local_date(moment):
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(SHANGHAI).date()


def notice_period(start, working_days):
    """The period of a notice starting at `start` (aware) and lasting `working_days` working days."""
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    day = local_date(start)
    counted = 0
    unknown = set()
    for _step in range(_MAX_SPAN_DAYS):
        workday, known = is_workday(day)
        if not known:
            unknown.add(day.year)
        if workday:
            counted += 1
            if counted == working_days:
                end_day = day + dt.timedelta(days=1)
                ends_at = dt.datetime(end_day.year, end_day.month, end_day.day, tzinfo=SHANGHAI)
                return NoticePeriod(ends_at=ends_at, last_day=day, unknown_years=tuple(sorted(unknown)))
        day += dt.timedelta(days=1)
    raise ValueError("working days could not be counted")  # not reachable with a sane calendar


def notice_end(start, working_days):
    """The aware datetime at which a notice starting at `start` ends after `working_days` working days."""
    return notice_period(start, working_days).ends_at


def unknown_years_between(start, end):
    """Years between two aware datetimes (inclusive, Shanghai dates) the holiday calendar does not know."""
    years = range(local_date(start).year, local_date(end - dt.timedelta(microseconds=1)).year + 1)
    return tuple(y for y in years if not is_workday(dt.date(y, 6, 1))[1])


def calendar_warnings(years):
    return [_("%(year)s年法定节假日安排尚未收录，按周一至周五计算，请核对。") % {"year": y} for y in years]
