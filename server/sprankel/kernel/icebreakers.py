"""Warm-up questions, for the chat that used to happen at the coffee machine.

Each question exists in Dutch and English at the same index, so a session can
switch languages and keep its question.
"""

from __future__ import annotations

import secrets

ICEBREAKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "What is the best thing about your home workplace, and what do you miss from the office?",
        "Which small habit made your working day better this year?",
        "What did you learn recently that surprised you?",
        "If you could work from anywhere for a week, where would it be?",
        "What is on your desk right now that has a story?",
        "Which tool or trick saves you the most time?",
        "What was your first job, and what did it teach you?",
        "What do you do to switch off at the end of a working day?",
        "Which book, podcast or series would you recommend to this group?",
        "What is a skill you would like to learn from a colleague?",
        "What made you laugh this week?",
        "Coffee, tea or something else: what is in your cup, and why?",
    ),
    "nl": (
        "Wat is het beste aan je thuiswerkplek, en wat mis je van kantoor?",
        "Welke kleine gewoonte heeft je werkdag dit jaar beter gemaakt?",
        "Wat heb je onlangs geleerd dat je verraste?",
        "Als je een week overal vandaan kon werken, waar zou dat zijn?",
        "Wat ligt er nu op je bureau waar een verhaal achter zit?",
        "Welk hulpmiddel of welke truc bespaart je de meeste tijd?",
        "Wat was je eerste baan, en wat heb je daarvan geleerd?",
        "Wat doe je om aan het eind van een werkdag los te laten?",
        "Welk boek, welke podcast of serie zou je deze groep aanraden?",
        "Welke vaardigheid zou je graag van een collega leren?",
        "Waar moest je deze week om lachen?",
        "Koffie, thee of iets anders: wat zit er in je kopje, en waarom?",
    ),
}


def icebreakers(language: str) -> tuple[str, ...]:
    return ICEBREAKERS.get(language, ICEBREAKERS["en"])


def pick_icebreaker(language: str) -> str:
    return secrets.choice(icebreakers(language))
