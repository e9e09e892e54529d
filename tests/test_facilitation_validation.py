"""Every field of every body is checked; the message says which field and what is wanted."""

from __future__ import annotations

from typing import Any

import pytest

from sprankel.facilitation import validation
from sprankel.kernel.errors import Invalid


@pytest.mark.parametrize(("body", "says"), [
    ([], "JSON object"),
    ({}, "title is required"),
    ({"title": ""}, "title must not be empty"),
    ({"title": "   "}, "title must not be empty"),
    ({"title": 5}, "title must be a string"),
    ({"title": "x" * 201}, "title is too long"),
    ({"title": "x", "language": "de"}, "language must be one of nl, en"),
    ({"title": "x", "settings": []}, "settings must be an object"),
    ({"title": "x", "settings": {"vote_budget": 0}}, "vote_budget must be from 1 to 100"),
    ({"title": "x", "settings": {"vote_budget": "5"}}, "vote_budget must be a whole number"),
    ({"title": "x", "settings": {"vote_budget": 2.5}}, "vote_budget must be a whole number"),
    ({"title": "x", "settings": {"anonymous": "yes"}}, "anonymous must be true or false"),
    ({"title": "x", "settings": {"secret": 1}}, "unknown field 'secret' in settings"),
    ({"title": "x", "titel": "typo"}, "unknown field 'titel'"),
    ({"title": "a\x00b"}, "NUL"),
])
def test_bad_session_bodies(body: Any, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        validation.new_session(body)


def test_a_good_session_body_gets_defaults() -> None:
    fields = validation.new_session({"title": "  Koffie  "})
    assert fields["title"] == "Koffie" and fields["language"] == "nl"
    assert fields["vote_budget"] == 5 and fields["anonymous"] is False


@pytest.mark.parametrize(("body", "says"), [
    ({"kind": "brainstorm", "prompt": "x", "duration_s": 5}, "kind must be one of"),
    ({"prompt": "x", "duration_s": 5}, "kind is required"),
    ({"kind": "ideate", "duration_s": 5}, "prompt is required"),
    ({"kind": "ideate", "prompt": "x"}, "duration_s is required"),
    ({"kind": "ideate", "prompt": "x", "duration_s": 0}, "duration_s must be from 1"),
    ({"kind": "ideate", "prompt": "x", "duration_s": True}, "duration_s must be a whole number"),
    ({"kind": "ideate", "prompt": "x", "duration_s": 5, "hidden": 1}, "hidden must be true"),
    ({"kind": "vote", "prompt": "x", "duration_s": 5, "vote_budget": 101}, "vote_budget must be"),
    ({"kind": "ideate", "prompt": "x", "duration_s": 5, "duration": 5}, "unknown field"),
    ({"kind": "ideate", "prompt": "x" * 1001, "duration_s": 5}, "prompt is too long"),
])
def test_bad_round_bodies(body: dict[str, Any], says: str) -> None:
    with pytest.raises(Invalid, match=says):
        validation.round_fields(body, partial=False)


def test_a_patch_carries_only_what_it_names() -> None:
    assert validation.round_fields({"prompt": "New"}, partial=True) == {"prompt": "New"}
    with pytest.raises(Invalid):
        validation.round_fields({"duration_s": -1}, partial=True)


@pytest.mark.parametrize(("parse", "body", "says"), [
    (validation.join, {"name": "A"}, "join_code is required"),
    (validation.join, {"name": "", "join_code": "c"}, "name must not be empty"),
    (validation.join, {"name": "A", "join_code": "c", "role": "facilitator"}, "role must be one"),
    (validation.new_idea, {"text": ""}, "text must not be empty"),
    (validation.new_idea, {"text": "x" * 1001}, "text is too long"),
    (validation.new_idea, {"text": "x", "color": "red"}, "color must be one of"),
    (validation.new_idea, {"text": "x", "round_id": 5}, "round_id must be an id"),
    (validation.votes, {"count": -1}, "count must be from 0"),
    (validation.votes, {"count": "1"}, "count must be a whole number"),
    (validation.votes, {}, "count is required"),
    (validation.rating, {"originality": 6, "feasibility": 3}, "originality must be from 1 to 5"),
    (validation.rating, {"originality": 3}, "feasibility is required"),
    (validation.extend, {"seconds": 0}, "seconds must be from 1"),
    (validation.extend, {"seconds": 3601}, "seconds must be from 1 to 3600"),
])
def test_bad_bodies(parse: Any, body: dict[str, Any], says: str) -> None:
    with pytest.raises(Invalid, match=says):
        parse(body)


@pytest.mark.parametrize(("language", "name"), [("nl", "Begeleider"), ("en", "Facilitator")])
def test_a_facilitator_without_a_name_is_named_in_the_sessions_language(
        language: str, name: str) -> None:
    # Not "van Facilitator" on every card of a Dutch session.
    assert validation.new_session({"title": "Koffie", "language": language})[
        "facilitator_name"] == name
