"""The archive package of a session (export.zip): every export, the whiteboard, the audit
trail, and MDTO metadata (mdto.py) for the session, each item and each file.

    session.mdto.xml                          the session: Dossier
    summary.mdto.xml     summary.md (+ .mdto.xml)              Markdown summary
    data.mdto.xml        session.json (+ .mdto.xml)            JSON export, with the trail
    ideas.mdto.xml       ideas.csv (+ .mdto.xml)               one row per idea
    whiteboard.mdto.xml  whiteboard.excalidraw, whiteboard.svg (+ .mdto.xml each)
    audit.mdto.xml       audit.json (+ .mdto.xml)              the audit trail

Deterministic: the same session gives the same bytes but for the generation time (in the
JSON export, the summary's last line and each checksumDatum). Entries are in this fixed
order, with a fixed time (1980-01-01, the zip format's first) and mode 0644.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import tzinfo

from . import render
from .excalidraw import render_excalidraw
from .json_export import SCHEMA_ID, audit_entries
from .mdto import Format, Item, PackageFile, file_xml, item_xml, session_xml
from .model import SessionExport, canonical
from .svg import render_svg

MEDIA_TYPE = "application/zip"
ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
AUDIT_SCHEMA = "urn:sprankel:audit-trail"

MARKDOWN = Format("Markdown", "fmt/1149")
JSON = Format("JSON Data Interchange Format", "fmt/817")
CSV = Format("Comma Separated Values", "x-fmt/18")
SVG = Format("Scalable Vector Graphics 1.1", "fmt/92")


def render_audit(model: SessionExport) -> str:
    document = {"schema": AUDIT_SCHEMA, "schema_version": 1, "session_id": model.meta.id,
                "entries": audit_entries(model.audit)}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def items(model: SessionExport, tz: tzinfo | str | None = None) -> list[Item]:
    def f(name: str, text: str, fmt: Format) -> PackageFile:
        return PackageFile(name, text.encode("utf-8"), fmt)

    return [
        Item("summary", "Samenvatting", "De samenvatting van de sessie (Markdown).",
             (f("summary.md", render(model, "md", tz), MARKDOWN),)),
        Item("data", "Gegevens van de sessie",
             f"Alles van de sessie als JSON ({SCHEMA_ID}), met het audit trail.",
             (f("session.json", render(model, "json"), JSON),)),
        Item("ideas", "Ideeën", "Eén regel per idee (CSV).",
             (f("ideas.csv", render(model, "csv"), CSV),)),
        Item("whiteboard", "Whiteboard",
             "Het whiteboard als Excalidraw-bestand (JSON) en als SVG-tekening.",
             (f("whiteboard.excalidraw", render_excalidraw(model), JSON),
              f("whiteboard.svg", render_svg(model), SVG))),
        Item("audit", "Audit trail",
             "Wie wat deed met gevolgen, wanneer, en met welk object (JSON).",
             (f("audit.json", render_audit(model), JSON),)),
    ]


def entries(model: SessionExport, creator: str, tz: tzinfo | str | None = None
            ) -> list[tuple[str, bytes]]:
    """The package's files in their order: (name, bytes)."""
    model = canonical(model)
    parts = items(model, tz)
    out = [("session.mdto.xml", session_xml(model, parts, creator))]
    for item in parts:
        out.append((f"{item.key}.mdto.xml", item_xml(model, item, creator)))
        for file in item.files:
            out.append((file.name, file.data))
            out.append((f"{file.name}.mdto.xml", file_xml(model, item, file)))
    return out


def render_archive(model: SessionExport, creator: str = "",
                   tz: tzinfo | str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries(model, creator, tz):
            info = zipfile.ZipInfo(name, date_time=ENTRY_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, wherever it is made: the same bytes everywhere
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()
