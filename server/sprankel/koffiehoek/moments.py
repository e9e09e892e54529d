"""Coffee moments: a space's recurring invitation to its table ("Tuesday and Thursday at
10:00, 15 minutes"), the moment it is due, and the series as an iCalendar file.

A moment in the space record: {id, weekdays: ["MO", ...], time: "HH:MM", duration_min,
time_zone (IANA), table, pairing}. The time is wall-clock time in its zone, so 10:00 stays
10:00 across daylight saving time, in Sprankel and in every calendar (the .ics carries
the zone's rules as a VTIMEZONE and each event's DTSTART with that TZID).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..kernel.errors import Invalid
from ..kernel.validation import body_object, only_fields
from .availability import zone

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545 BYDAY, Monday first
MAX_MOMENTS = 10
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def moment_fields(raw: Any) -> dict[str, Any]:
    """The fields of a new moment; time_zone None: the space's (add_moment fills it in)."""
    body = body_object(raw)
    only_fields(body, ("weekdays", "time", "duration_min", "time_zone", "table", "pairing"))
    days = body.get("weekdays")
    if not isinstance(days, list) or not days or not all(d in WEEKDAYS for d in days) \
            or len(set(days)) != len(days):
        raise Invalid("weekdays must be a list of distinct days: " + ", ".join(WEEKDAYS))
    time = body.get("time")
    if not isinstance(time, str) or not _TIME.match(time):
        raise Invalid("time must be HH:MM (24 hours), e.g. 10:00")
    duration = body.get("duration_min", 15)
    if not isinstance(duration, int) or isinstance(duration, bool) or not 5 <= duration <= 120:
        raise Invalid("duration_min must be a whole number of minutes from 5 to 120")
    time_zone = body.get("time_zone")
    if time_zone is not None:
        if not isinstance(time_zone, str):
            raise Invalid("time_zone must be an IANA time zone such as Europe/Amsterdam")
        zone(time_zone)
    table = body.get("table", "koffietafel")
    if not isinstance(table, str) or not table:
        raise Invalid("table must be the id of one of the space's tables")
    pairing = body.get("pairing", False)
    if not isinstance(pairing, bool):
        raise Invalid("pairing must be true or false")
    ordered = [d for d in WEEKDAYS if d in days]
    return {"weekdays": ordered, "time": time, "duration_min": duration,
            "time_zone": time_zone, "table": table, "pairing": pairing}


def occurrence(moment: Mapping[str, Any], now_ms: int) -> tuple[str, bool]:
    """The local date of today's occurrence in the moment's zone, and whether it is on now."""
    now, start, end = _today(moment, now_ms)
    on = WEEKDAYS[now.weekday()] in moment["weekdays"] and start <= now < end
    return now.date().isoformat(), on


def ends_at(moment: Mapping[str, Any], now_ms: int) -> int:
    """When today's occurrence ends (ms since the epoch): its group tables stand until then."""
    return int(_today(moment, now_ms)[2].timestamp() * 1000)


def _today(moment: Mapping[str, Any], now_ms: int
           ) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime]:
    tz = zone(str(moment["time_zone"]))
    now = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC).astimezone(tz)
    hour, minute = (int(x) for x in str(moment["time"]).split(":"))
    start = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return now, start, start + datetime.timedelta(minutes=int(moment["duration_min"]))


# The series as iCalendar (RFC 5545)


def calendar(name: str, moments: Iterable[Mapping[str, Any]], now_ms: int, url: str,
             summary: str, description: str, domain: str) -> str:
    now = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    moments = list(moments)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sprankel//Koffiehoek//NL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(name)}"]
    for tz in sorted({str(m["time_zone"]) for m in moments}):
        lines += vtimezone(tz, now.year)
    for m in moments:
        tz = str(m["time_zone"])
        first = _first(m, now.astimezone(zone(tz)))
        lines += ["BEGIN:VEVENT", f"UID:{m['id']}@{domain}", f"DTSTAMP:{stamp}",
                  f"DTSTART;TZID={tz}:{first.strftime('%Y%m%dT%H%M%S')}",
                  f"DURATION:PT{int(m['duration_min'])}M",
                  f"RRULE:FREQ=WEEKLY;BYDAY={','.join(m['weekdays'])}",
                  f"SUMMARY:{_text(summary)}", f"DESCRIPTION:{_text(description)}",
                  f"URL:{url}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _first(moment: Mapping[str, Any], local_now: datetime.datetime) -> datetime.datetime:
    """The first occurrence from today on (DTSTART must be one of the series' days)."""
    hour, minute = (int(x) for x in str(moment["time"]).split(":"))
    day = local_now.date()
    for _ in range(7):
        if WEEKDAYS[day.weekday()] in moment["weekdays"]:
            break
        day += datetime.timedelta(days=1)
    return datetime.datetime(day.year, day.month, day.day, hour, minute)


def vtimezone(name: str, year: int) -> list[str]:
    """A VTIMEZONE with the zone's yearly rules, read from the transitions of one year."""
    tz = zone(name)
    start = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
    transitions = []
    before = start.astimezone(tz)
    for hour in range(1, 366 * 24):
        moment = (start + datetime.timedelta(hours=hour)).astimezone(tz)
        if moment.utcoffset() != before.utcoffset():
            transitions.append((before, moment))
        before = moment
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    if not transitions:
        offset = _offset(before.utcoffset())
        return [*lines, "BEGIN:STANDARD", "DTSTART:19700101T000000",
                f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}",
                f"TZNAME:{before.tzname()}", "END:STANDARD", "END:VTIMEZONE"]
    for old, new in transitions:
        kind = "DAYLIGHT" if new.dst() else "STANDARD"
        onset = (new.astimezone(datetime.UTC) + (old.utcoffset() or datetime.timedelta())
                 ).replace(tzinfo=None)  # the wall-clock time just before the change
        last = onset.day + 7 > _days_in_month(onset.year, onset.month)
        nth = -1 if last else (onset.day - 1) // 7 + 1
        lines += [f"BEGIN:{kind}", f"DTSTART:{onset.strftime('%Y%m%dT%H%M%S')}",
                  f"RRULE:FREQ=YEARLY;BYMONTH={onset.month};"
                  f"BYDAY={nth}{WEEKDAYS[onset.weekday()]}",
                  f"TZOFFSETFROM:{_offset(old.utcoffset())}",
                  f"TZOFFSETTO:{_offset(new.utcoffset())}",
                  f"TZNAME:{new.tzname()}", f"END:{kind}"]
    return [*lines, "END:VTIMEZONE"]


def _offset(delta: datetime.timedelta | None) -> str:
    minutes = int((delta or datetime.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _days_in_month(year: int, month: int) -> int:
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


def _text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (never inside a UTF-8 character)."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def pairs(members: list[str], seed: int) -> list[list[str]]:
    """Random groups of 2 to 4 (as even as can be), the way "random coffee" tools pair."""
    import random

    if len(members) < 2:
        return []
    shuffled = sorted(members)
    random.Random(seed).shuffle(shuffled)
    count = -(-len(shuffled) // 4)
    return [shuffled[i::count] for i in range(count)]
