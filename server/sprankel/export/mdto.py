"""Metadata of the archive package in MDTO (Metagegevens voor Duurzaam Toegankelijke
Overheidsinformatie, Nationaal Archief), XML schema version 1.0.1.

The package (archive.py) is one dossier with its archiefstukken, and each archiefstuk has
its files:

    session.mdto.xml        informatieobject, aggregatieniveau Dossier: the session
    ITEM.mdto.xml           informatieobject, aggregatieniveau Archiefstuk: isOnderdeelVan
                            the session, heeftRepresentatie its files
    FILE.mdto.xml           bestand: omvang, bestandsformaat (PRONOM), checksum (SHA-256),
                            isRepresentatieVan its archiefstuk

Elements are written in the order the schema's sequences give (objectType, then
informatieobjectType or bestandType); docs/records.md maps every value to where it comes
from, so a records manager can check it. Values from lists MDTO defines name those lists
(Begrippenlijst Aggregatieniveaus MDTO, Waarderingen MDTO, EventTypeLijst MDTO,
ChecksumAlgoritme MDTO, the PRONOM register); Sprankel's own terms name "Begrippenlijst
Sprankel".
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .model import SessionExport, iso

NS = "https://www.nationaalarchief.nl/mdto"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd"
SOURCE = "Sprankel"  # identificatieBron of every identifier in the package
OWN_LIST = "Begrippenlijst Sprankel"
NO_CREATOR = "Niet ingesteld (sprankel serve --archive-creator)"


@dataclass(frozen=True)
class Format:
    label: str
    pronom: str


@dataclass(frozen=True)
class PackageFile:
    name: str
    data: bytes
    format: Format


@dataclass(frozen=True)
class Item:
    """An archiefstuk of the session and the files that represent it."""

    key: str
    name: str
    description: str
    files: tuple[PackageFile, ...]


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = text
    return node


def _identification(parent: ET.Element, tag: str, kenmerk: str) -> None:
    node = _sub(parent, tag)
    _sub(node, "identificatieKenmerk", kenmerk)
    _sub(node, "identificatieBron", SOURCE)


def _reference(parent: ET.Element, tag: str, name: str, kenmerk: str | None = None) -> None:
    node = _sub(parent, tag)
    _sub(node, "verwijzingNaam", name)
    if kenmerk is not None:
        _identification(node, "verwijzingIdentificatie", kenmerk)


def _term(parent: ET.Element, tag: str, label: str, terms: str, code: str | None = None
          ) -> None:
    node = _sub(parent, tag)
    _sub(node, "begripLabel", label)
    if code is not None:
        _sub(node, "begripCode", code)
    _reference(node, "begripBegrippenlijst", terms)


def _time(value: datetime) -> str:
    return iso(value) or ""


def _root() -> ET.Element:
    return ET.Element("MDTO", {"xmlns": NS, "xmlns:xsi": XSI,
                               "xsi:schemaLocation": SCHEMA_LOCATION})


def _document(root: ET.Element) -> bytes:
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def session_name(model: SessionExport) -> str:
    return model.meta.title or f"Sprankel-sessie {model.meta.id}"


def _duration(days: float) -> str:
    """An xs:duration: whole days as PnD, a fraction of a day in whole seconds."""
    if float(days).is_integer():
        return f"P{int(days)}D"
    return f"PT{round(days * 86400)}S"


def _retention_end(model: SessionExport) -> date | None:
    ended = model.meta.ended_at
    if ended is None or not model.retention_days:
        return None
    return (ended + timedelta(days=model.retention_days)).date()


def _informatieobject(model: SessionExport, kenmerk: str, name: str, level: str,
                      description: str) -> ET.Element:
    """The parts every informatieobject of the package shares, up to `event`."""
    root = _root()
    io = _sub(root, "informatieobject")
    _identification(io, "identificatie", kenmerk)
    _sub(io, "naam", name)
    _term(io, "aggregatieniveau", level, "Begrippenlijst Aggregatieniveaus MDTO")
    if description:
        _sub(io, "omschrijving", description)
    meta = model.meta
    start = meta.created_at or meta.started_at
    if start is not None:
        cover = _sub(io, "dekkingInTijd")
        _term(cover, "dekkingInTijdType", "Looptijd van de sessie", OWN_LIST)
        _sub(cover, "dekkingInTijdBegindatum", start.date().isoformat())
        if meta.ended_at is not None:
            _sub(cover, "dekkingInTijdEinddatum", meta.ended_at.date().isoformat())
    _sub(io, "taal", meta.language)
    facilitator = next((e.actor for e in model.audit if e.action == "session.created"), None)
    if meta.created_at is not None:
        event = _sub(io, "event")
        _term(event, "eventType", "Creatie", "Begrippenlijst EventTypeLijst MDTO")
        _sub(event, "eventTijd", _time(meta.created_at))
        if facilitator is not None and facilitator.participant_id:
            _reference(event, "eventVerantwoordelijkeActor", "Begeleider",
                       f"{meta.id}/participant/{facilitator.participant_id}")
    if meta.ended_at is not None:
        event = _sub(io, "event")
        _term(event, "eventType", "Bevriezing", "Begrippenlijst EventTypeLijst MDTO")
        _sub(event, "eventTijd", _time(meta.ended_at))
        _sub(event, "eventResultaat", "De sessie is beëindigd; haar inhoud wijzigt niet meer.")
    if model.retention_days:
        _term(io, "waardering", "Tijdelijk te bewaren", "Begrippenlijst Waarderingen MDTO", "V")
        term = _sub(io, "bewaartermijn")
        _term(term, "termijnTriggerStartLooptijd", "Einde van de sessie", OWN_LIST)
        if meta.ended_at is not None:
            _sub(term, "termijnStartdatumLooptijd", meta.ended_at.date().isoformat())
        _sub(term, "termijnLooptijd", _duration(model.retention_days))
        end = _retention_end(model)
        if end is not None:
            _sub(term, "termijnEinddatum", end.isoformat())
    else:
        _term(io, "waardering", "Nader te bepalen", "Begrippenlijst Waarderingen MDTO", "N")
    return root


def _tail(io: ET.Element, model: SessionExport, creator: str) -> None:
    """archiefvormer and beperkingGebruik: the last elements of every informatieobject."""
    _reference(io, "archiefvormer", creator or NO_CREATOR)
    limit = _sub(io, "beperkingGebruik")
    _term(limit, "beperkingGebruikType", "Niet openbaar: intern werkdocument", OWN_LIST)
    what = ("Bevat de kenmerken van de deelnemers in het audit trail, geen namen bij ideeën "
            "(anonieme sessie)." if model.meta.anonymous else
            "Bevat namen van deelnemers en auteurs van ideeën (persoonsgegevens, AVG).")
    _sub(limit, "beperkingGebruikNadereBeschrijving", what)


def session_xml(model: SessionExport, items: list[Item], creator: str) -> bytes:
    meta = model.meta
    root = _informatieobject(model, meta.id, session_name(model), "Dossier",
                             meta.goal)
    io = root[0]
    for item in items:
        _reference(io, "bevatOnderdeel", item.name, f"{meta.id}/{item.key}")
    _tail(io, model, creator)
    return _document(root)


def item_xml(model: SessionExport, item: Item, creator: str) -> bytes:
    meta = model.meta
    root = _informatieobject(model, f"{meta.id}/{item.key}", item.name, "Archiefstuk",
                             item.description)
    io = root[0]
    _reference(io, "isOnderdeelVan", session_name(model), meta.id)
    for file in item.files:
        _reference(io, "heeftRepresentatie", file.name, f"{meta.id}/{file.name}")
    _tail(io, model, creator)
    return _document(root)


def file_xml(model: SessionExport, item: Item, file: PackageFile) -> bytes:
    meta = model.meta
    root = _root()
    node = _sub(root, "bestand")
    _identification(node, "identificatie", f"{meta.id}/{file.name}")
    _sub(node, "naam", file.name)
    _sub(node, "omvang", str(len(file.data)))
    _term(node, "bestandsformaat", file.format.label, "PRONOM-register", file.format.pronom)
    checksum = _sub(node, "checksum")
    _term(checksum, "checksumAlgoritme", "SHA-256", "Begrippenlijst ChecksumAlgoritme MDTO")
    _sub(checksum, "checksumWaarde", hashlib.sha256(file.data).hexdigest())
    _sub(checksum, "checksumDatum", _time(model.generated_at))
    _reference(node, "isRepresentatieVan", item.name, f"{meta.id}/{item.key}")
    return _document(root)
