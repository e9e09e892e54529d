"""One message catalogue per language (server/sprankel/messages/*.json), read by the browser
client, the Markdown export and the page shell: both languages say the same things."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import httpx
import pytest

from conftest import ServerFactory
from sprankel.export.i18n import words
from sprankel.facilitation.model import ROUND_KINDS
from sprankel.messages import LANGUAGES, catalogue

REPO = Path(__file__).resolve().parent.parent
CLIENT = REPO / "client" / "src"
TEMPLATES = REPO / "server" / "sprankel"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_dutch_and_english_have_exactly_the_same_keys() -> None:
    nl, en = catalogue("nl"), catalogue("en")
    assert len(nl) > 300
    assert set(nl) - set(en) == set()
    assert set(en) - set(nl) == set()


def test_every_placeholder_appears_in_both_languages() -> None:
    nl, en = catalogue("nl"), catalogue("en")
    differ = {key for key in nl
              if set(PLACEHOLDER.findall(nl[key])) != set(PLACEHOLDER.findall(en[key]))}
    assert differ == set()


def test_the_files_are_one_flat_object_of_strings() -> None:
    for lang in LANGUAGES:
        data = json.loads((TEMPLATES / "messages" / f"{lang}.json").read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        assert all(isinstance(key, str) and isinstance(text, str) for key, text in data.items())


def test_every_literal_key_the_client_uses_exists() -> None:
    keys = set(catalogue("nl"))
    used: set[str] = set()
    for path in CLIENT.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([a-z0-9.]+)"', source))
        used |= set(re.findall(r'data-i18n"?: "([a-z0-9.]+)"', source))
    assert len(used) > 100, "few t(...) calls found: the pattern is wrong"
    assert used - keys == set()


def test_every_key_the_page_shell_and_the_export_template_use_exists() -> None:
    keys = set(catalogue("nl"))
    shell = (TEMPLATES / "templates" / "base.html").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n="([a-z0-9.]+)"', shell))
    assert used
    template = (TEMPLATES / "export" / "templates" / "summary.md.j2").read_text(encoding="utf-8")
    phrases = set(re.findall(r'\bt\("([a-z0-9_.]+)"', template))
    assert phrases
    # `t("kind." ~ r.kind)`: one phrase per kind of round.
    prefixes = {p for p in phrases if p.endswith(".")}
    phrases = (phrases - prefixes) | {p + kind for p in prefixes for kind in ROUND_KINDS}
    missing = {p for p in phrases if f"export.{p}" not in keys and p not in keys}
    assert used - keys == set()
    assert missing == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_counted_noun_and_month_is_in_the_catalogue(lang: str) -> None:
    t = words(lang)
    for noun in ("idea", "contributor", "participant", "observer", "vote", "rating", "hour",
                 "minute", "second", "dot", "rotation"):
        assert t.count(1, noun) != t.count(2, noun) or lang == "nl"
    months = {catalogue(lang)[f"export.month.{m}"] for m in range(1, 13)}
    assert t.duration(3723) and len(months) == 12


def test_an_unknown_language_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no messages for language 'fr'"):
        catalogue("fr")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_shell_speaks_the_catalogue_before_any_script_runs(
    start_server: ServerFactory, lang: str,
) -> None:
    server = start_server()
    page = httpx.get(server.http_url + "/", headers={"Accept-Language": lang}, timeout=10)
    assert page.status_code == 200
    messages = catalogue(lang)
    for key in ("skip.main", "app.tagline", "page.noscript"):
        assert html.escape(messages[key], quote=False) in page.text
    assert f'<html lang="{lang}"' in page.text


def _glossary() -> list[tuple[str, str, set[str], set[str]]]:
    """docs/accessibility.md's table of words: concept, Dutch term, words not to use in
    Dutch, words not to use in English."""
    text = (REPO / "docs" / "accessibility.md").read_text(encoding="utf-8")
    table = text.split("\n## Words\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("Concept", "---"):
            continue
        words = lambda cell: {w.strip() for w in cell.split(",") if w.strip()}  # noqa: E731
        rows.append((cells[0], cells[2], words(cells[3]), words(cells[4])))
    return rows


def _agenda_prompts(lang: str) -> list[str]:
    # The console's templates carry their own prompts: `nl ? "Dutch" : "English"`.
    source = (CLIENT / "lib" / "agenda-templates.js").read_text(encoding="utf-8")
    pairs = re.findall(r'nl \? "([^"]*)" : "([^"]*)"', source)
    assert pairs
    return [nl if lang == "nl" else en for nl, en in pairs]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_word_per_concept_as_the_glossary_says(lang: str) -> None:
    rows = _glossary()
    assert len(rows) >= 10, "the glossary table in docs/accessibility.md was not found"
    texts = {f"{lang}.json {key}": PLACEHOLDER.sub("", value)
             for key, value in catalogue(lang).items()}
    texts.update({f"agenda template {k}": p for k, p in enumerate(_agenda_prompts(lang))})
    wrong = []
    for concept, _dutch, not_dutch, not_english in rows:
        for word in not_dutch if lang == "nl" else not_english:
            pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
            wrong += [f"{where}: {word!r} ({concept})" for where, text in texts.items()
                      if pattern.search(text)]
    assert wrong == []


def test_the_dutch_record_of_the_archive_says_begeleider() -> None:
    # The MDTO record is Dutch too: the session's creator is its "begeleider".
    source = (REPO / "server" / "sprankel" / "export" / "mdto.py").read_text(encoding="utf-8")
    assert "facilitator)" not in source and '"Begeleider"' in source
