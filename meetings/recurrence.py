"""Recurrence rules of teleconference series: a validated subset of RFC 5545 RRULE.

A rule is written as `KEY=VALUE` pairs joined by `;`, for example
`FREQ=MONTHLY;BYDAY=2TU` (the second Tuesday of each month). The start time and the
time zone are separate fields of the series, so "second Tuesday of each month,
13:00 UTC" is the rule above with local time 13:00 in UTC. Occurrences are computed
in the series' own time zone, so a series in Europe/Paris keeps its wall-clock time
across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator

from dateutil import rrule as du_rrule

from isecg.errors import ValidationFailed

FREQUENCIES = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
ALLOWED_KEYS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL"}
WEEKDAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
MAX_OCCURRENCES = 1000

FORMAT_HELP = (
    "Write the rule as RFC 5545 KEY=VALUE pairs separated by ';', for example "
    "'FREQ=MONTHLY;BYDAY=2TU' (second Tuesday of each month) or "
    "'FREQ=WEEKLY;INTERVAL=2;BYDAY=WE' (every other Wednesday). FREQ is DAILY, WEEKLY, "
    "MONTHLY or YEARLY; other keys: INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, COUNT, "
    "UNTIL (YYYYMMDD). The time of day and the time zone are set separately."
)


def _fail(problem: str) -> ValidationFailed:
    return ValidationFailed(f"{problem} {FORMAT_HELP}", code="invalid_recurrence", field="rule")


def parse_rule(rule: str) -> dict[str, str]:
    """Split and validate a rule; raise ValidationFailed (400) explaining the format."""
    text = (rule or "").strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise _fail("The recurrence rule is empty.")
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        if not chunk:
            continue
        if "=" not in chunk:
            raise _fail(f"'{chunk}' is not a KEY=VALUE pair.")
        key, value = (s.strip() for s in chunk.split("=", 1))
        if key not in ALLOWED_KEYS:
            raise _fail(f"'{key}' is not a supported key.")
        if key in parts:
            raise _fail(f"'{key}' appears twice.")
        if not value:
            raise _fail(f"'{key}' has no value.")
        parts[key] = value
    if "FREQ" not in parts:
        raise _fail("FREQ is required.")
    if parts["FREQ"] not in FREQUENCIES:
        raise _fail(f"FREQ={parts['FREQ']} is not one of DAILY, WEEKLY, MONTHLY, YEARLY.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _fail("Use COUNT or UNTIL, not both.")
    for key in ("INTERVAL", "COUNT"):
        if key in parts and (not parts[key].isdigit() or int(parts[key]) < 1):
            raise _fail(f"{key} must be a positive whole number.")
    for day in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []:
        match = BYDAY_RE.match(day)
        if not match:
            raise _fail(f"BYDAY value '{day}' is not like TU, 2TU or -1FR.")
        if match.group(1) and (int(match.group(1)) == 0 or abs(int(match.group(1))) > 5):
            raise _fail(f"BYDAY value '{day}' has an ordinal outside 1..5 or -1..-5.")
    for key, low, high in (("BYMONTHDAY", -31, 31), ("BYMONTH", 1, 12), ("BYSETPOS", -366, 366)):
        for item in parts[key].split(",") if key in parts else []:
            try:
                number = int(item)
            except ValueError:
                raise _fail(f"{key} value '{item}' is not a number.") from None
            if number == 0 or not low <= number <= high:
                raise _fail(f"{key} value '{item}' is out of range.")
    if "UNTIL" in parts and not re.match(r"^\d{8}(T\d{6}Z?)?$", parts["UNTIL"]):
        raise _fail("UNTIL must be a date like 20301231.")
    try:
        du_rrule.rrulestr(
            ";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dt.datetime(2026, 1, 1)
        )
    except (ValueError, TypeError) as exc:
        raise _fail(f"The rule could not be read ({exc}).") from None
    return parts


def normalise_rule(rule: str) -> str:
    """The canonical spelling of a valid rule (FREQ first)."""
    parts = parse_rule(rule)
    ordered = ["FREQ", *sorted(k for k in parts if k != "FREQ")]
    return ";".join(f"{key}={parts[key]}" for key in ordered)


def _ordinal(n: int) -> str:
    return ORDINALS.get(n, f"{n}th" if n > 0 else f"{abs(n)}th-last")


def _describe_day(day: str) -> str:
    match = BYDAY_RE.match(day)
    assert match is not None
    name = WEEKDAYS[match.group(2)]
    return f"the {_ordinal(int(match.group(1)))} {name}" if match.group(1) else name


def explain(rule: str, local_time: dt.time | None = None, time_zone: str = "UTC") -> str:
    """A human sentence for a rule, e.g. 'Every month on the second Tuesday, at 13:00 UTC'."""
    parts = parse_rule(rule)
    unit = FREQUENCIES[parts["FREQ"]]
    interval = int(parts.get("INTERVAL", "1"))
    if interval == 1:
        text = f"Every {unit}"
    elif interval == 2:
        text = f"Every other {unit}"
    else:
        text = f"Every {interval} {unit}s"
    if "BYMONTH" in parts:
        text += " in " + ", ".join(MONTHS[int(m) - 1] for m in parts["BYMONTH"].split(","))
    if "BYDAY" in parts:
        days = [_describe_day(d) for d in parts["BYDAY"].split(",")]
        if "BYSETPOS" in parts:
            pos = ", ".join(_ordinal(int(p)) for p in parts["BYSETPOS"].split(","))
            text += f" on the {pos} of " + " or ".join(days)
        else:
            text += " on " + " and ".join(days)
    if "BYMONTHDAY" in parts:
        days = ["the last day" if d == "-1" else f"day {d}" for d in parts["BYMONTHDAY"].split(",")]
        text += " on " + " and ".join(days)
    if local_time is not None:
        text += f", at {local_time:%H:%M} {time_zone}"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        text += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return text


def occurrences(
    *,
    rule: str,
    starts_on: dt.date,
    local_time: dt.time,
    time_zone: str,
    after: dt.datetime,
    before: dt.datetime,
) -> Iterator[dt.datetime]:
    """Occurrence start instants (aware, UTC) in [after, before), computed in wall-clock time."""
    parts = parse_rule(rule)
    zone = zoneinfo.ZoneInfo(time_zone)
    if "UNTIL" in parts:
        # Compare naive local wall-clock times: an UNTIL date includes its whole day.
        until = parts.pop("UNTIL")[:8]
        parts["UNTIL"] = until + "T235959"
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    dtstart = dt.datetime.combine(starts_on, local_time)
    rule_obj = du_rrule.rrulestr(text, dtstart=dtstart)
    day = dt.timedelta(days=1)
    window_start = after.astimezone(zone).replace(tzinfo=None) - day
    window_end = before.astimezone(zone).replace(tzinfo=None) + day
    produced = 0
    for naive in rule_obj.between(window_start, window_end, inc=True):
        instant = naive.replace(tzinfo=zone).astimezone(dt.UTC)
        if after <= instant < before:
            yield instant
            produced += 1
            if produced >= MAX_OCCURRENCES:
                return
