"""The same session gives the same bytes in every format, apart from the generation time."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import timedelta

import pytest

from sample_session import sample_session
from sprankel.export import FORMATS, render
from sprankel.export.markdown import GENERATED_LINE_PREFIXES
from sprankel.export.model import SessionExport


def shuffled(model: SessionExport, seed: int) -> SessionExport:
    """The same session read in another order (as CRDT maps may give it)."""
    rng = random.Random(seed)

    def mixed(items: list[object]) -> list[object]:
        copy = list(items)
        rng.shuffle(copy)
        return copy

    rounds = [
        dataclasses.replace(r, tallies=dict(mixed(list(r.tallies.items()))),  # type: ignore[arg-type]
                            ratings=dict(mixed(list(r.ratings.items()))))  # type: ignore[arg-type]
        for r in model.rounds
    ]
    return dataclasses.replace(
        model,
        participants=mixed(model.participants),  # type: ignore[arg-type]
        rounds=mixed(rounds),  # type: ignore[arg-type]
        clusters=mixed(model.clusters),  # type: ignore[arg-type]
        ideas=mixed(model.ideas),  # type: ignore[arg-type]
        notes=mixed(model.notes),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_same_session_same_bytes(fmt: str, language: str) -> None:
    first = render(sample_session(200, language), fmt)
    second = render(sample_session(200, language), fmt)
    assert first == second


@pytest.mark.parametrize("fmt", FORMATS)
def test_order_in_which_the_session_was_read_does_not_matter(fmt: str) -> None:
    model = sample_session(200)
    expected = render(model, fmt)
    for seed in range(3):
        assert render(shuffled(model, seed), fmt) == expected


def test_markdown_differs_only_in_the_generation_line() -> None:
    model = sample_session(50)
    later = dataclasses.replace(model, generated_at=model.generated_at + timedelta(days=3))
    a, b = render(model, "md").splitlines(), render(later, "md").splitlines()
    assert len(a) == len(b)
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    assert len(differing) == 1
    assert differing[0][0].startswith(GENERATED_LINE_PREFIXES)


def test_json_differs_only_in_generated_at() -> None:
    model = sample_session(50)
    later = dataclasses.replace(model, generated_at=model.generated_at + timedelta(days=3))
    a, b = json.loads(render(model, "json")), json.loads(render(later, "json"))
    assert a["generated_at"] != b["generated_at"]
    a.pop("generated_at")
    b.pop("generated_at")
    assert a == b


def test_csv_does_not_carry_the_generation_time() -> None:
    model = sample_session(50)
    later = dataclasses.replace(model, generated_at=model.generated_at + timedelta(days=3))
    assert render(model, "csv") == render(later, "csv")
