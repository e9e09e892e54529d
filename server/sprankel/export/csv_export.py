"""The CSV export: one row per idea, for spreadsheets.

Columns: id, round (its number, in the order the rounds ran), round_kind,
round_prompt, cluster, text, then one `votes round N` column per vote round that
published dots (that round's dots only: never a sum), originality, feasibility,
author, created (ISO 8601 UTC). RFC 4180 (comma, CRLF, quotes
doubled), UTF-8 with a byte-order mark so spreadsheet programs read accents and emoji.

A cell that starts with = + - @ (or a tab or carriage return) would be run as a
formula by spreadsheet programs ("CSV injection"): such cells get a leading
apostrophe, as OWASP advises, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io

from .model import SessionExport, iso, time_key

COLUMNS = ("id", "round", "round_kind", "round_prompt", "cluster", "text", "originality",
           "feasibility", "author", "created")

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def render_csv(model: SessionExport) -> str:
    rounds = {r.id: r for r in model.rounds}
    clusters = {c.id: c.title for c in model.clusters}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    voted = [r for r in sorted(model.rounds, key=lambda r: r.number)
             if r.kind == "vote" and r.tallies]
    writer.writerow([*COLUMNS[:6], *(f"votes round {r.number}" for r in voted), *COLUMNS[6:]])
    order = {r.id: r.number for r in model.rounds}
    ideas = sorted(
        model.ideas,
        key=lambda i: (order.get(i.round_id or "", len(order) + 1),
                       time_key(i.created_at), i.id),
    )
    for idea in ideas:
        r = rounds.get(idea.round_id or "")
        rating = idea.rating
        writer.writerow([
            _cell(idea.id),
            r.number if r else "",
            r.kind if r else "",
            _cell(r.prompt if r else ""),
            _cell(clusters.get(idea.cluster_id or "")),
            _cell(idea.text),
            *(idea.votes_by_round.get(v.id, 0) for v in voted),
            "" if rating is None or rating.originality is None else f"{rating.originality:.2f}",
            "" if rating is None or rating.feasibility is None else f"{rating.feasibility:.2f}",
            _cell(idea.author),
            iso(idea.created_at) or "",
        ])
    return BOM + out.getvalue()
