"""Words of the Markdown summary in Dutch and English: phrases, plurals, dates, durations.

The words themselves are in the message catalogues (sprankel/messages/*.json, keys
`export.*`, plus the labels the browser shows too, such as `kind.vote`); this module
only knows how to put them together.

Dates are written out by hand, not through the C locale, so the output is the same on
every machine whatever locales it has installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..kernel.languages import LANGUAGES
from ..messages import catalogue
from .model import RoundMethod


@dataclass(frozen=True)
class Words:
    """The phrases of one language, with the helpers the template calls."""

    language: str

    def __call__(self, key: str, **values: object) -> str:
        # The export's own phrase (`export.goal`), else a label shared with the browser
        # (`kind.vote`, `state.planned`).
        messages = catalogue(self.language)
        phrase = messages.get(f"export.{key}")
        if phrase is None:
            phrase = messages[key]
        return phrase.format(**values) if values else phrase

    def count(self, n: int, noun: str) -> str:
        """`3 ideas`, `1 idee`."""
        form = "one" if n == 1 else "other"
        return f"{n} {catalogue(self.language)[f'export.noun.{noun}.{form}']}"

    def number(self, value: float) -> str:
        """One decimal, with the language's decimal separator."""
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.language == "nl" else text

    def date(self, value: date) -> str:
        month = catalogue(self.language)[f"export.month.{value.month}"]
        return f"{value.day} {month} {value.year}"

    def time(self, value: datetime) -> str:
        return f"{value.hour:02d}:{value.minute:02d}"

    def duration(self, seconds: int) -> str:
        """`1 hour 5 minutes`, `45 seconden`: rounded to whole minutes above ten minutes."""
        seconds = max(0, int(seconds))
        if seconds >= 600:
            seconds = (seconds + 30) // 60 * 60
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        parts = []
        if hours:
            parts.append(self.count(hours, "hour"))
        if minutes:
            parts.append(self.count(minutes, "minute"))
        if secs or not parts:
            parts.append(self.count(secs, "second"))
        joiner = catalogue(self.language)["export.and"]
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + joiner + parts[-1]

    def planned(self, method: RoundMethod, seconds: int) -> str:
        """A round's planned time: `10 minuten`; brainwriting's is per turn, `3 beurten van
        2 minuten` (the sheets are passed on two times), or per turn while not yet started."""
        if method.kind != "brainwrite":
            return self.duration(seconds)
        if method.rotations is None:
            return self("per_turn", duration=self.duration(seconds))
        return self("turns", turns=self.count(method.rotations + 1, "turn"),
                    duration=self.duration(seconds))


def words(language: str) -> Words:
    return Words(language if language in LANGUAGES else "en")
