"""What the Markdown summary says: every idea under its cluster, votes, method and timings."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from sample_session import sample_session
from sprankel.export import render
from sprankel.export.markdown import UnknownTimezone
from sprankel.export.model import Idea


def headings(markdown: str) -> list[tuple[str, str]]:
    tokens = MarkdownIt("default").parse(markdown)
    return [
        (tokens[k].tag, tokens[k + 1].content)
        for k, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def section(markdown: str, title_start: str) -> str:
    """The text from the level-2 heading starting with title_start to the next one."""
    start = markdown.index("\n## " + title_start)
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end != -1 else None]


def test_every_idea_is_listed_once_in_its_round_also_without_votes() -> None:
    model = sample_session(60, texts=[f"idea number {k}" for k in range(60)])
    markdown = render(model, "md")
    round_two = section(markdown, "Round 2")
    for k in range(60):
        assert len(re.findall(rf"^- idea number {k} — ", round_two, re.M)) == 1
    assert any(not i.votes_by_round for i in model.ideas)


def test_headings_are_title_agenda_rounds_clusters_and_sections() -> None:
    model = sample_session(40, clusters=4)
    found = headings(render(model, "md"))
    assert [h for h in found if h[0] == "h1"] == [("h1", model.meta.title)]
    level2 = [text for tag, text in found if tag == "h2"]
    assert level2 == ["Agenda"] + [f"Round {r.number}: {r.prompt}" for r in model.rounds] + [
        "Whiteboard", "Facilitator's notes",
    ]
    clusters = [c.title for c in model.clusters]
    level3 = [text for tag, text in found if tag == "h3"]
    assert level3[: len(clusters) + 1] == [*clusters, "Not grouped"]


def test_ideas_in_a_cluster_are_sorted_by_votes_then_time_and_top_ideas_marked() -> None:
    model = sample_session(200, clusters=3)
    markdown = render(model, "md")
    by_text: dict[str, Idea] = {}
    for idea in model.ideas:
        by_text.setdefault(idea.text, idea)
    cluster = section(markdown, "Round 2").split("\n### ")[1]
    counts = [int(n) for n in re.findall(r" — (\d+) dots?", cluster)]
    assert counts == sorted(counts, reverse=True) and len(counts) > 10
    top = [i for i in model.ideas if i.top]
    assert top and len(re.findall(r"\*\*top\*\*", section(markdown, "Round 2"))) == len(top)


def test_method_and_timings_are_in_words() -> None:
    markdown = render(sample_session(10), "md")
    assert "- **Method:** Idea generation: everyone writes ideas on the board; ideas stayed " \
           "hidden until the facilitator revealed them" in markdown
    assert "- **Time:** planned 10 minutes; from 09:06 to 09:16; 9 minutes and 40 seconds " \
           "active; 40 seconds paused; 1 minute extended" in markdown
    assert "5 dots per person; at most 3 dots per idea" in markdown
    assert "- **Keep until:** 27 November 2027" in markdown
    assert "- **Held back by the facilitator:** 1 idea" in markdown


def test_dutch_summary_is_in_dutch() -> None:
    markdown = render(sample_session(10, "nl"), "md")
    for phrase in ("Samenvatting van de brainstormsessie", "## Agenda", "## Ronde 2: ",
                   "- **Werkvorm:** Ideeën bedenken", "gepland 10 minuten", "- **Bewaren tot:** "
                   "27 november 2027", "### Niet gegroepeerd", "stippen", "## Whiteboard",
                   "### Besluiten", "### Actiepunten", "_Gemaakt op 27 november 2026 "):
        assert phrase in markdown
    for english in ("Round ", "votes", "Generated", "Method"):
        assert english not in markdown


def test_times_follow_the_requested_zone() -> None:
    model = sample_session(5)
    assert "from 10:00 to 10:41 (Europe/Amsterdam)" in render(model, "md", "Europe/Amsterdam")
    assert "from 09:00 to 09:41 (UTC)" in render(model, "md")
    with pytest.raises(UnknownTimezone):
        render(model, "md", "Mars/Olympus_Mons")


def test_anonymous_session_names_nobody() -> None:
    model = sample_session(30, anonymous=True)
    named = sample_session(30)
    names = {p.name for p in named.participants}
    for fmt in ("md", "json", "csv"):
        out = render(model, fmt)
        assert not any(name in out for name in names), fmt
    assert "- **Participants:** 8 participants joined (anonymous session, names are not shown)" in \
        render(model, "md")


def test_authors_are_shown_when_the_session_is_not_anonymous() -> None:
    model = sample_session(3, clusters=0)
    markdown = render(model, "md")
    for idea in model.ideas:
        assert idea.author is not None and f" · {idea.author}" in markdown


def test_rounds_that_did_not_run_say_so() -> None:
    model = sample_session(3)
    rounds = [dataclasses.replace(r, state="planned", timings=dataclasses.replace(
        r.timings, started_at=None, ended_at=None, active_s=None)) for r in model.rounds]
    rounds = [dataclasses.replace(r, ran=False) for r in rounds]
    markdown = render(dataclasses.replace(model, rounds=rounds), "md")
    assert markdown.count("; not run") == len(rounds)
    assert markdown.count(" (not run)") == len(rounds)  # in the agenda too


def test_the_example_in_the_docs_is_what_the_code_writes(tmp_path: Path) -> None:
    # docs/export-example.md is shown in the README: regenerate it with
    # `.venv/bin/python scripts/export-example > docs/export-example.md` when this fails.
    repo = Path(__file__).resolve().parent.parent
    generated = subprocess.run(
        [sys.executable, str(repo / "scripts" / "export-example"), "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert generated.returncode == 0, generated.stderr
    written = repo / "docs" / "export-example.md"

    def body(markdown: str) -> str:
        return markdown.split("\n---\n")[0]

    assert body(generated.stdout) == body(written.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("rotations", "nl", "en"), [
    (None, "2 minuten per beurt", "2 minutes per turn"),
    (0, "1 beurt van 2 minuten", "1 turn of 2 minutes"),
    (2, "3 beurten van 2 minuten", "3 turns of 2 minutes"),
])
def test_a_brainwriting_rounds_minutes_are_per_turn(rotations: int | None, nl: str,
                                                    en: str) -> None:
    # Not "2 minuten" for a round that took three turns of two minutes.
    model = sample_session(3)
    first = model.rounds[0]
    method = dataclasses.replace(first.method, kind="brainwrite", rotations=rotations)
    timings = dataclasses.replace(first.timings, planned_s=120)
    writing = dataclasses.replace(first, kind="brainwrite", method=method, timings=timings)
    for lang, phrase in (("nl", nl), ("en", en)):
        localized = dataclasses.replace(model, rounds=[writing, *model.rounds[1:]],
                                        meta=dataclasses.replace(model.meta, language=lang))
        markdown = render(localized, "md")
        assert f": {first.prompt} ({phrase})\n" in markdown  # the agenda
        assert f" {phrase}; " in markdown  # the round's timing line
