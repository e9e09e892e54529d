"""The archive package (export.zip, `sprankel export --format zip`) of a real session.

A session runs through a real server; a participant's client draws every element type
the board uses, with hostile text, an image and things the archive must leave out. The
zip is downloaded through the API and written by the command from the stopped server's
data folder: every XML file is parsed, every checksum and size checked against the
bytes, the MDTO elements are in the schema's order, the whiteboard opens as Excalidraw
JSON and as SVG with the hostile text as text, and two exports differ only where the
generation time is written.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Doc, Map

from api_harness import Api, Member
from conftest import ServerFactory
from sprankel.config import Settings
from sprankel.export.command import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, run_export
from sprankel.kernel.tokens import Claims, TokenSigner

NS = "{https://www.nationaalarchief.nl/mdto}"
SVG = "{http://www.w3.org/2000/svg}"
KEY = "r" * 32
HOSTILE = '</text><script>alert(1)</script> & "quoted" <b>bold</b> ]]>'
FRAME_NAME = "Frame <img src=x onerror=alert(2)>"
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
       "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

# The sequences of MDTO-XML 1.0.1 (objectType, then informatieobjectType / bestandType).
INFORMATIEOBJECT = ("identificatie", "naam", "aggregatieniveau", "classificatie", "trefwoord",
                    "omschrijving", "raadpleeglocatie", "dekkingInTijd", "dekkingInRuimte",
                    "taal", "event", "waardering", "bewaartermijn", "informatiecategorie",
                    "isOnderdeelVan", "bevatOnderdeel", "heeftRepresentatie",
                    "aanvullendeMetagegevens", "gerelateerdInformatieobject", "archiefvormer",
                    "betrokkene", "activiteit", "beperkingGebruik")
INFORMATIEOBJECT_REQUIRED = {"identificatie", "naam", "waardering", "archiefvormer",
                             "beperkingGebruik"}
BESTAND = ("identificatie", "naam", "omvang", "bestandsformaat", "checksum", "URLBestand",
           "isRepresentatieVan")
BESTAND_REQUIRED = set(BESTAND) - {"URLBestand"}

ITEMS = {"summary": ["summary.md"], "data": ["session.json"], "ideas": ["ideas.csv"],
         "whiteboard": ["whiteboard.excalidraw", "whiteboard.svg"], "audit": ["audit.json"]}
NAMES = ["session.mdto.xml"] + [
    name for item, files in ITEMS.items()
    for name in [f"{item}.mdto.xml", *[x for f in files for x in (f, f"{f}.mdto.xml")]]]


def element(el: dict[str, Any], pos: str) -> Map[Any]:
    base = {"x": 0, "y": 0, "width": 100, "height": 50, "angle": 0, "strokeColor": "#1e1e1e",
            "backgroundColor": "transparent", "strokeWidth": 2, "strokeStyle": "solid",
            "opacity": 100, "isDeleted": False, "version": 1}
    return Map({"pos": pos, "el": {**base, **el}})


def draw(doc: Doc[Any]) -> None:
    elements = doc.get("elements", type=Array)
    for pos, el in [
        ("a0", {"id": "frame1", "type": "frame", "x": -50, "y": -50, "width": 600,
                "height": 400, "name": FRAME_NAME}),
        ("a1", {"id": "rect1", "type": "rectangle", "x": 10, "y": 10, "roundness": {"type": 3},
                "backgroundColor": "#ffec99", "frameId": "frame1"}),
        ("a2", {"id": "ell1", "type": "ellipse", "x": 150, "y": 10, "angle": 0.5}),
        ("a3", {"id": "dia1", "type": "diamond", "x": 300, "y": 10,
                "strokeColor": "red\" onload=\"alert(3)"}),
        ("a4", {"id": "arrow1", "type": "arrow", "x": 10, "y": 100,
                "points": [[0, 0], [80, 40]], "endArrowhead": "arrow"}),
        ("a5", {"id": "line1", "type": "line", "x": 10, "y": 200, "points": [[0, 0], [50, 0]],
                "strokeStyle": "dashed"}),
        ("a6", {"id": "draw1", "type": "freedraw", "x": 200, "y": 200,
                "points": [[0, 0], [5, 5], [10, 3], ["x", None]]}),
        ("a7", {"id": "text1", "type": "text", "x": 10, "y": 300,
                "text": HOSTILE + "\nline\uffff 2",
                "fontSize": 20, "fontFamily": 1, "textAlign": "left"}),
        ("a8", {"id": "img1", "type": "image", "x": 300, "y": 200, "fileId": "png1"}),
        ("a9", {"id": "img2", "type": "image", "x": 400, "y": 200, "fileId": "remote"}),
        ("b0", {"id": "gone", "type": "rectangle", "isDeleted": True}),
        ("b1", {"id": "embed", "type": "embeddable", "link": "https://example.org"}),
    ]:
        elements.append(element(el, pos))
    assets = doc.get("assets", type=Map)
    assets["png1"] = {"id": "png1", "mimeType": "image/png", "dataURL": PNG, "created": 1}
    assets["remote"] = {"id": "remote", "mimeType": "image/png",
                        "dataURL": "https://example.org/tracker.png", "created": 1}


async def run(api: Api) -> tuple[str, Member, Member]:
    sid, fac, code = await api.create(title="Archief <&> test", goal="Wat bewaren we?",
                                      settings={"retention_days": 365})
    ann = await api.join(sid, code, "Ann")
    rid = await api.round(sid, fac)
    await api.act(sid, fac, rid, "start")
    await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Coffee"},
                   expect=201)
    async with api.ws(f"sessions/{sid}/board", ann.token) as browser:
        await browser.change(draw)
    async with api.ws(f"sessions/{sid}/board", fac.token) as reader:
        await reader.wait_for(lambda: len(reader.doc.get("elements", type=Array)) == 12)
    await api.call("POST", f"/sessions/{sid}/end", fac.token, expect=200)
    return sid, fac, ann


def children(node: ET.Element) -> list[str]:
    return [c.tag.removeprefix(NS) for c in node]


def in_order(tags: list[str], order: tuple[str, ...]) -> bool:
    positions = [order.index(t) for t in tags]
    return positions == sorted(positions)


def kenmerk(node: ET.Element, path: str) -> str:
    found = node.find(f"{NS}{path}/{NS}verwijzingIdentificatie/{NS}identificatieKenmerk")
    assert found is not None and found.text, path
    return found.text


def check_package(data: bytes, sid: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        files = {i.filename: z.read(i) for i in infos}
    assert [i.filename for i in infos] == NAMES
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    for name, content in files.items():
        if name.endswith((".xml", ".svg")):
            ET.fromstring(content)  # every XML file parses

    session = ET.fromstring(files["session.mdto.xml"]).find(f"{NS}informatieobject")
    assert session is not None
    tags = children(session)
    assert in_order(tags, INFORMATIEOBJECT) and set(tags) >= INFORMATIEOBJECT_REQUIRED, tags
    assert session.findtext(f"{NS}identificatie/{NS}identificatieKenmerk") == sid
    assert session.findtext(f"{NS}naam") == "Archief <&> test"
    assert session.findtext(f"{NS}aggregatieniveau/{NS}begripLabel") == "Dossier"
    assert session.findtext(f"{NS}taal") == "nl"  # the session's language (nl by default)
    assert session.findtext(f"{NS}waardering/{NS}begripCode") == "V"
    assert session.findtext(f"{NS}bewaartermijn/{NS}termijnLooptijd") == "P365D"
    start = session.findtext(f"{NS}bewaartermijn/{NS}termijnStartdatumLooptijd")
    end = session.findtext(f"{NS}bewaartermijn/{NS}termijnEinddatum")
    assert start and end
    assert date.fromisoformat(end) == date.fromisoformat(start) + timedelta(days=365)
    assert [e.findtext(f"{NS}eventType/{NS}begripLabel") for e in session.iter(f"{NS}event")
            ] == ["Creatie", "Bevriezing"]
    parts = [c.findtext(f"{NS}verwijzingIdentificatie/{NS}identificatieKenmerk")
             for c in session.iter(f"{NS}bevatOnderdeel")]
    assert parts == [f"{sid}/{item}" for item in ITEMS]

    for item, names in ITEMS.items():
        node = ET.fromstring(files[f"{item}.mdto.xml"]).find(f"{NS}informatieobject")
        assert node is not None
        tags = children(node)
        assert in_order(tags, INFORMATIEOBJECT) and set(tags) >= INFORMATIEOBJECT_REQUIRED
        assert node.findtext(f"{NS}aggregatieniveau/{NS}begripLabel") == "Archiefstuk"
        assert kenmerk(node, "isOnderdeelVan") == sid
        assert [c.findtext(f"{NS}verwijzingNaam") for c in node.iter(f"{NS}heeftRepresentatie")
                ] == names
        for name in names:
            bestand = ET.fromstring(files[f"{name}.mdto.xml"]).find(f"{NS}bestand")
            assert bestand is not None
            tags = children(bestand)
            assert in_order(tags, BESTAND) and set(tags) >= BESTAND_REQUIRED, tags
            assert bestand.findtext(f"{NS}naam") == name
            assert bestand.findtext(f"{NS}omvang") == str(len(files[name]))
            assert bestand.findtext(f"{NS}checksum/{NS}checksumWaarde") == hashlib.sha256(
                files[name]).hexdigest()
            assert bestand.findtext(f"{NS}checksum/{NS}checksumAlgoritme/{NS}begripLabel"
                                    ) == "SHA-256"
            assert bestand.findtext(f"{NS}bestandsformaat/{NS}begripCode")
            assert kenmerk(bestand, "isRepresentatieVan") == f"{sid}/{item}"
    return files


def check_whiteboard(files: dict[str, bytes]) -> None:
    scene = json.loads(files["whiteboard.excalidraw"])
    assert (scene["type"], scene["version"]) == ("excalidraw", 2)
    assert [e["id"] for e in scene["elements"]] == ["frame1", "rect1", "ell1", "dia1", "arrow1",
                                                    "line1", "draw1", "text1", "img1", "img2"]
    assert list(scene["files"]) == ["png1"] and scene["files"]["png1"]["dataURL"] == PNG

    svg = ET.fromstring(files["whiteboard.svg"])
    assert svg.tag == f"{SVG}svg"
    every = list(svg.iter())
    assert not [e for e in every if e.tag.removeprefix(SVG) in ("script", "foreignObject")]
    assert not [k for e in every for k in e.attrib if k.lower().startswith("on")]
    tags = [e.tag.removeprefix(SVG) for e in every]
    assert tags.count("ellipse") == 1 and tags.count("polygon") == 1
    assert tags.count("polyline") == 3 and tags.count("image") == 1
    spans = [e.text for e in svg.iter(f"{SVG}tspan")]
    assert spans == [HOSTILE, "line 2"]  # U+FFFF cannot be in XML: dropped
    assert FRAME_NAME in [e.text for e in svg.iter(f"{SVG}text")]
    image = next(svg.iter(f"{SVG}image"))
    assert image.get("href") == PNG
    arrows = [e for e in svg.iter(f"{SVG}polyline") if e.get("marker-end")]
    assert len(arrows) == 1
    diamond = next(svg.iter(f"{SVG}polygon"))
    assert diamond.get("stroke") == "#1e1e1e"  # a colour that is not one is not written
    ellipse = next(svg.iter(f"{SVG}ellipse"))
    assert (ellipse.get("transform") or "").startswith("rotate(28.65")


async def test_the_archive_package_of_a_session(start_server: ServerFactory) -> None:
    server = start_server("--secret-key", KEY, "--archive-creator", "Ministerie van Test")
    api = Api(server)
    try:
        sid, fac, ann = await run(api)
        response = await api.http.get(f"/api/sessions/{sid}/export.zip?tz=Europe/Amsterdam",
                                      headers={"Authorization": f"Bearer {fac.token}"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert response.headers["content-disposition"].endswith('.zip"')
        files = check_package(response.content, sid)
        check_whiteboard(files)
        session = ET.fromstring(files["session.mdto.xml"])
        assert session.findtext(f".//{NS}archiefvormer/{NS}verwijzingNaam") == \
            "Ministerie van Test"
        audit = json.loads(files["audit.json"])
        assert audit["session_id"] == sid
        assert [e["action"] for e in audit["entries"]][:2] == ["session.created",
                                                               "participant.joined"]
        assert json.loads(files["session.json"])["audit"] == audit["entries"]
        entries = (await api.call("GET", f"/sessions/{sid}/audit", fac.token,
                                  expect=200))["entries"]
        assert (entries[-1]["action"], entries[-1]["details"]) == (
            "export.downloaded", {"format": "zip"})
        del ann
    finally:
        await api.aclose()


async def test_who_may_download_the_package(start_server: ServerFactory) -> None:
    api = Api(start_server("--secret-key", KEY))
    try:
        sid, fac, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        path = f"/api/sessions/{sid}/export.zip"

        async def get(url: str, token: str | None) -> tuple[int, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            answer = await api.http.get(url, headers=headers)
            return answer.status_code, answer.json() if answer.status_code != 200 else None

        status, body = await get(path, ann.token)
        assert status == 403 and body["error"] == "forbidden"
        status, body = await get(path, None)
        assert status == 401 and body["error"]
        status, body = await get(path + "?tz=Mars/Olympus_Mons", fac.token)
        assert status == 422 and "time zone" in body["message"]
        forged = TokenSigner(KEY.encode()).sign(Claims("nosuchsession", fac.id, "facilitator"))
        status, body = await get("/api/sessions/nosuchsession/export.zip", forged)
        assert status == 404 and body["error"] == "not_found"
        status, body = await get(f"/api/sessions/{sid}/export.zap", fac.token)
        assert status == 404 and body["error"] == "not_found"
        # None of the refusals is an entry of the trail.
        entries = (await api.call("GET", f"/sessions/{sid}/audit", fac.token,
                                  expect=200))["entries"]
        assert "export.downloaded" not in [e["action"] for e in entries]
    finally:
        await api.aclose()


def generated(files: dict[str, bytes]) -> str:
    return str(json.loads(files["session.json"])["generated_at"])


async def test_the_command_writes_the_same_package_and_two_differ_only_in_time(
        start_server: ServerFactory, tmp_path: Path) -> None:
    server = start_server("--secret-key", KEY)
    api = Api(server)
    try:
        sid, _fac, _ann = await run(api)
    finally:
        await api.aclose()
    server.stop()
    settings = Settings(data_dir=server.data_dir, archive_creator="Gemeente Test")
    packages = []
    for k in (1, 2):
        out = tmp_path / f"package{k}.zip"
        err = io.StringIO()
        code = await asyncio.to_thread(run_export, settings, sid, "zip", out, None, stderr=err)
        assert code == EXIT_OK, err.getvalue()
        packages.append(check_package(out.read_bytes(), sid))
        if k == 1:  # the generation times are to the millisecond: make them differ
            await asyncio.sleep(0.01)
    one, two = packages
    assert generated(one) != generated(two)
    changed = {"session.json", "summary.md", "session.json.mdto.xml", "summary.md.mdto.xml"}
    for name in NAMES:
        if name not in changed and not name.endswith(".mdto.xml"):
            assert one[name] == two[name], name
        a, b = one[name].decode().splitlines(), two[name].decode().splitlines()
        assert len(a) == len(b), name
        for x, y in zip(a, b, strict=True):
            if x == y:
                continue
            # Only where the generation time is written, and the checksums of the two
            # files that contain it.
            assert ("generated_at" in x or "checksumDatum" in x or "sprankel " in x
                    or ("checksumWaarde" in x and name in changed)), (name, x, y)
    times = {ET.fromstring(one[n]).findtext(f".//{NS}checksumDatum") for n in NAMES
             if n.endswith(".mdto.xml") and ET.fromstring(one[n]).find(f"{NS}bestand")
             is not None}
    assert times == {generated(one)}
    assert datetime.fromisoformat(generated(one).replace("Z", "+00:00"))


@pytest.mark.parametrize(("fmt", "out", "expected"), [("zap", "x.zip", EXIT_USAGE),
                                                      ("zip", None, EXIT_USAGE)])
async def test_the_command_refuses_what_it_cannot_write(
        start_server: ServerFactory, tmp_path: Path, fmt: str, out: str | None,
        expected: int) -> None:
    server = start_server()
    api = Api(server)
    try:
        sid, _, _ = await api.create()
    finally:
        await api.aclose()
    server.stop()
    err = io.StringIO()
    target = tmp_path / out if out else None
    # A text stream cannot carry a zip: the command says so instead of writing noise.
    code = await asyncio.to_thread(run_export, Settings(data_dir=server.data_dir), sid, fmt,
                                   target, None, stdout=io.StringIO(), stderr=err)
    assert code == expected and err.getvalue().startswith("sprankel: ")
    assert target is None or not target.exists()
    assert await asyncio.to_thread(run_export, Settings(data_dir=server.data_dir),
                                   "nosuchsession", "zip", tmp_path / "y.zip", None,
                                   stderr=io.StringIO()) == EXIT_NOT_FOUND
