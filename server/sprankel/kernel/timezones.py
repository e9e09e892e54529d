"""IANA time zone names, as the standard library's zoneinfo knows them: a session's
time zone (settings.timezone) and an export's ?tz= take the same names."""

from __future__ import annotations

import zoneinfo

from .errors import Invalid

# Every name accepted, exactly ("UTC" as well, which some systems list only as "Etc/UTC").
TIME_ZONES = sorted(zoneinfo.available_timezones() | {"UTC"})
_KNOWN = frozenset(TIME_ZONES)


def time_zone(value: object, name: str = "timezone") -> str:
    """An IANA time zone name such as Europe/Amsterdam; raises Invalid (422)."""
    if not isinstance(value, str) or value not in _KNOWN:
        raise Invalid(f"{name} must be an IANA time zone name such as Europe/Amsterdam, "
                      f"not {str(value)[:60]!r}")
    return value
