"""Words of the Markdown summary in Dutch and English: phrases, plurals, dates, durations.

Dates are written out by hand, not through the C locale, so the output is the same on
every machine whatever locales it has installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..kernel.languages import LANGUAGES

_MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}

# Singular and plural of the nouns that are counted.
_NOUNS = {
    "nl": {
        "idea": ("idee", "ideeën"),
        "contributor": ("deelnemer", "deelnemers"),
        "participant": ("deelnemer", "deelnemers"),
        "observer": ("toeschouwer", "toeschouwers"),
        "vote": ("stem", "stemmen"),
        "rating": ("beoordeling", "beoordelingen"),
        "hour": ("uur", "uur"),
        "minute": ("minuut", "minuten"),
        "second": ("seconde", "seconden"),
        "dot": ("stip", "stippen"),
        "rotation": ("keer", "keer"),
    },
    "en": {
        "idea": ("idea", "ideas"),
        "contributor": ("contributor", "contributors"),
        "participant": ("participant", "participants"),
        "observer": ("observer", "observers"),
        "vote": ("vote", "votes"),
        "rating": ("rating", "ratings"),
        "hour": ("hour", "hours"),
        "minute": ("minute", "minutes"),
        "second": ("second", "seconds"),
        "dot": ("dot", "dots"),
        "rotation": ("time", "times"),
    },
}

_PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "summary_of": "Samenvatting van de brainstormsessie",
        "goal": "Doel",
        "date": "Datum",
        "time": "Tijd",
        "duration": "Duur",
        "facilitator": "Facilitator",
        "participants": "Deelnemers",
        "anonymous_count": "anonieme sessie, namen worden niet genoemd",
        "retention": "Bewaren tot",
        "held_back_total": "Door de facilitator tegengehouden",
        "agenda": "Agenda",
        "no_rounds": "Er stonden geen rondes op de agenda.",
        "round": "Ronde",
        "method": "Werkvorm",
        "timing": "Tijd",
        "result": "Resultaat",
        "not_started": "niet gestart",
        "still_running": "nog bezig",
        "planned": "gepland",
        "ran_from": "van {start} tot {end}",
        "started_at": "gestart om {start}",
        "active": "{duration} actief",
        "paused": "{duration} gepauzeerd",
        "extended": "{duration} verlengd",
        "ideas_from": "{ideas} van {people}",
        "held_back": "{count} tegengehouden door de facilitator",
        "unclustered": "Niet geclusterd",
        "still_hidden": "de ideeën zijn nog verborgen; ze komen erin zodra ze onthuld zijn",
        "untitled_cluster": "Cluster zonder titel",
        "empty_text": "(leeg)",
        "no_name": "(zonder naam)",
        "top": "top",
        "originality": "originaliteit",
        "feasibility": "haalbaarheid",
        "ranking": "Uitslag",
        "rating_ranking": "Beoordelingen",
        "ideas_with_votes": "verdeeld over {ideas}",
        "ideas_rated": "{ideas} beoordeeld",
        "observers": "Toeschouwers",
        "other_notes": "Aantekeningen",
        "ranking_none": "Er zijn geen stemmen gepubliceerd.",
        "ratings_none": "Er zijn geen beoordelingen gepubliceerd.",
        "other_ideas": "Ideeën buiten een ronde",
        "whiteboard": "Whiteboard",
        "outside_frames": "Buiten een frame",
        "untitled_frame": "Frame zonder titel",
        "notes": "Aantekeningen van de facilitator",
        "decisions": "Besluiten",
        "actions": "Actiepunten",
        "owner": "wie",
        "due": "uiterlijk",
        "done": "afgerond",
        "generated": "Gemaakt op {when} door {generator}.",
        "icebreaker": "Vraag",
        "kind.ideate": "Ideeën bedenken",
        "kind.brainwrite": "Brainwriting (6-3-5)",
        "kind.group": "Clusteren",
        "kind.rate": "Beoordelen",
        "kind.vote": "Stemmen met stippen",
        "kind.discuss": "Bespreken",
        "kind.warmup": "Opwarmer",
        "method.ideate": "iedereen schrijft ideeën op het bord",
        "method.brainwrite": (
            "ieder schrijft in stilte op een eigen blad, dat na elke termijn "
            "doorschuift naar de volgende deelnemer"
        ),
        "method.group": "de groep ordent de ideeën in clusters",
        "method.rate": "iedereen beoordeelt de ideeën op originaliteit en haalbaarheid (1 tot 5)",
        "method.vote": "iedereen verdeelt stippen over de ideeën",
        "method.discuss": "open gesprek",
        "method.warmup": "een korte vraag om op gang te komen",
        "hidden": "ideeën bleven verborgen tot de facilitator ze liet zien",
        "anonymous": "anoniem: zonder namen",
        "vote_budget": "{dots} per persoon",
        "max_per_idea": "hoogstens {dots} per idee",
        "rotations": "bladen {times} doorgegeven",
        "ideas_per_sheet": "{ideas} per blad per termijn",
        "timezone_note": "Tijden in {zone}.",
    },
    "en": {
        "summary_of": "Summary of the brainstorming session",
        "goal": "Goal",
        "date": "Date",
        "time": "Time",
        "duration": "Duration",
        "facilitator": "Facilitator",
        "participants": "Participants",
        "anonymous_count": "anonymous session, names are not shown",
        "retention": "Keep until",
        "held_back_total": "Held back by the facilitator",
        "agenda": "Agenda",
        "no_rounds": "There were no rounds on the agenda.",
        "round": "Round",
        "method": "Method",
        "timing": "Time",
        "result": "Result",
        "not_started": "not started",
        "still_running": "still running",
        "planned": "planned",
        "ran_from": "from {start} to {end}",
        "started_at": "started at {start}",
        "active": "{duration} active",
        "paused": "{duration} paused",
        "extended": "{duration} extended",
        "ideas_from": "{ideas} from {people}",
        "held_back": "{count} held back by the facilitator",
        "unclustered": "Not clustered",
        "still_hidden": "the ideas are still hidden; they appear in the summary once revealed",
        "untitled_cluster": "Untitled cluster",
        "empty_text": "(empty)",
        "no_name": "(no name)",
        "top": "top",
        "originality": "originality",
        "feasibility": "feasibility",
        "ranking": "Ranking",
        "rating_ranking": "Ratings",
        "ideas_with_votes": "spread over {ideas}",
        "ideas_rated": "{ideas} rated",
        "observers": "Observers",
        "other_notes": "Notes",
        "ranking_none": "No votes were published.",
        "ratings_none": "No ratings were published.",
        "other_ideas": "Ideas outside a round",
        "whiteboard": "Whiteboard",
        "outside_frames": "Outside any frame",
        "untitled_frame": "Untitled frame",
        "notes": "Facilitator's notes",
        "decisions": "Decisions",
        "actions": "Action items",
        "owner": "owner",
        "due": "due",
        "done": "done",
        "generated": "Generated on {when} by {generator}.",
        "icebreaker": "Question",
        "kind.ideate": "Idea generation",
        "kind.brainwrite": "Brainwriting (6-3-5)",
        "kind.group": "Clustering",
        "kind.rate": "Rating",
        "kind.vote": "Dot voting",
        "kind.discuss": "Discussion",
        "kind.warmup": "Warm-up",
        "method.ideate": "everyone writes ideas on the board",
        "method.brainwrite": (
            "everyone writes in silence on their own sheet, which is passed on to the next "
            "participant after each turn"
        ),
        "method.group": "the group sorts the ideas into clusters",
        "method.rate": "everyone rates the ideas on originality and feasibility (1 to 5)",
        "method.vote": "everyone spreads dots over the ideas",
        "method.discuss": "open discussion",
        "method.warmup": "a short question to get going",
        "hidden": "ideas stayed hidden until the facilitator revealed them",
        "anonymous": "anonymous: without names",
        "vote_budget": "{dots} per person",
        "max_per_idea": "at most {dots} per idea",
        "rotations": "sheets passed on {times}",
        "ideas_per_sheet": "{ideas} per sheet per turn",
        "timezone_note": "Times in {zone}.",
    },
}


@dataclass(frozen=True)
class Words:
    """The phrases of one language, with the helpers the template calls."""

    language: str

    def __call__(self, key: str, **values: object) -> str:
        phrase = _PHRASES[self.language][key]
        return phrase.format(**values) if values else phrase

    def count(self, n: int, noun: str) -> str:
        """`3 ideas`, `1 idee`."""
        singular, plural = _NOUNS[self.language][noun]
        return f"{n} {singular if n == 1 else plural}"

    def number(self, value: float) -> str:
        """One decimal, with the language's decimal separator."""
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.language == "nl" else text

    def date(self, value: date) -> str:
        return f"{value.day} {_MONTHS[self.language][value.month - 1]} {value.year}"

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
        joiner = " en " if self.language == "nl" else " and "
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + joiner + parts[-1]


def words(language: str) -> Words:
    return Words(language if language in LANGUAGES else "en")
