"""The whiteboard as SVG, for reading the board without Excalidraw.

Drawn from the same elements as the .excalidraw file: rectangles, ellipses, diamonds,
lines and arrows, free drawing, text (also inside containers), frames with their names,
and raster images embedded as data: URLs. Not a pixel copy of Excalidraw's hand-drawn
look (no rough strokes, one font per family): a faithful plan of what is where.

Everything a browser wrote is data here: the document is built with ElementTree, which
escapes text and attribute values; numbers are read as numbers (anything else is 0),
colours must look like colours, and images must be raster data: URLs. No element id,
link or custom data reaches the SVG.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from .model import SessionExport, clean_text

SVG_NS = "http://www.w3.org/2000/svg"
PADDING = 20.0
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}")
_DATA_URL = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]*")
_FONTS = {1: "Virgil, Segoe UI Emoji, sans-serif", 2: "Helvetica, Arial, sans-serif",
          3: "Cascadia, monospace", 5: "Excalifont, Segoe UI Emoji, sans-serif",
          6: "Nunito, sans-serif", 7: "Lilita One, sans-serif", 8: "Comic Shanns, monospace"}
_ANCHORS = {"left": "start", "center": "middle", "right": "end"}


def _num(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return float(value)


def _fmt(value: float) -> str:
    return f"{round(value, 2):g}"


def _color(value: Any, default: str) -> str:
    if value == "transparent":
        return "none"
    return value if isinstance(value, str) and _COLOR.fullmatch(value) else default


def _points(el: Mapping[str, Any]) -> list[tuple[float, float]]:
    raw = el.get("points")
    if not isinstance(raw, list):
        return []
    out = []
    for p in raw:
        if isinstance(p, list | tuple) and len(p) >= 2:
            out.append((_num(p[0]), _num(p[1])))
    return out


def _box(el: Mapping[str, Any]) -> tuple[float, float, float, float]:
    x, y = _num(el.get("x")), _num(el.get("y"))
    points = _points(el)
    if points:
        xs, ys = [x + px for px, _ in points], [y + py for _, py in points]
        return min(xs), min(ys), max(xs), max(ys)
    w, h = abs(_num(el.get("width"))), abs(_num(el.get("height")))
    return x, y, x + w, y + h


def _style(node: ET.Element, el: Mapping[str, Any], fill: bool = True) -> None:
    node.set("stroke", _color(el.get("strokeColor"), "#1e1e1e"))
    node.set("stroke-width", _fmt(max(0.0, _num(el.get("strokeWidth"), 1.0))))
    node.set("fill", _color(el.get("backgroundColor"), "none") if fill else "none")
    style = el.get("strokeStyle")
    if style == "dashed":
        node.set("stroke-dasharray", "8 6")
    elif style == "dotted":
        node.set("stroke-dasharray", "2 4")
    opacity = _num(el.get("opacity"), 100.0)
    if opacity < 100:
        node.set("opacity", _fmt(max(0.0, opacity) / 100))


def _rotate(node: ET.Element, el: Mapping[str, Any]) -> None:
    angle = _num(el.get("angle"))
    if angle:
        x0, y0, x1, y1 = _box(el)
        node.set("transform", f"rotate({_fmt(math.degrees(angle))} {_fmt((x0 + x1) / 2)} "
                              f"{_fmt((y0 + y1) / 2)})")


def _shape(el: Mapping[str, Any], files: Mapping[str, Mapping[str, Any]]) -> ET.Element | None:
    kind = el.get("type")
    x, y = _num(el.get("x")), _num(el.get("y"))
    w, h = abs(_num(el.get("width"))), abs(_num(el.get("height")))
    node: ET.Element | None = None
    if kind == "rectangle":
        node = ET.Element("rect", {"x": _fmt(x), "y": _fmt(y), "width": _fmt(w),
                                   "height": _fmt(h)})
        if el.get("roundness"):
            node.set("rx", _fmt(min(w, h) * 0.1))
        _style(node, el)
    elif kind == "ellipse":
        node = ET.Element("ellipse", {"cx": _fmt(x + w / 2), "cy": _fmt(y + h / 2),
                                      "rx": _fmt(w / 2), "ry": _fmt(h / 2)})
        _style(node, el)
    elif kind == "diamond":
        corners = [(x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h / 2)]
        node = ET.Element("polygon", {"points": " ".join(f"{_fmt(a)},{_fmt(b)}"
                                                          for a, b in corners)})
        _style(node, el)
    elif kind in ("line", "arrow", "freedraw"):
        points = _points(el)
        if len(points) < 2:
            return None
        node = ET.Element("polyline", {"points": " ".join(
            f"{_fmt(x + px)},{_fmt(y + py)}" for px, py in points)})
        _style(node, el, fill=False)
        node.set("stroke-linecap", "round")
        node.set("stroke-linejoin", "round")
        if kind == "arrow" and el.get("endArrowhead") is not None:
            node.set("marker-end", "url(#arrowhead)")
        if kind == "arrow" and el.get("startArrowhead") is not None:
            node.set("marker-start", "url(#arrowhead-start)")
    elif kind in ("frame", "magicframe"):
        node = ET.Element("g")
        ET.SubElement(node, "rect", {"x": _fmt(x), "y": _fmt(y), "width": _fmt(w),
                                             "height": _fmt(h), "fill": "none",
                                             "stroke": "#bbbbbb", "stroke-width": "1",
                                             "rx": "8"})
        name = clean_text(el.get("name"))
        if name:
            label = ET.SubElement(node, "text", {"x": _fmt(x), "y": _fmt(y - 6),
                                                 "font-size": "14", "fill": "#555555",
                                                 "font-family": _FONTS[2]})
            label.text = name
    elif kind == "text":
        node = _text(el, x, y, w)
    elif kind == "image":
        file = files.get(str(el.get("fileId")))
        url = file.get("dataURL") if file else None
        if isinstance(url, str) and _DATA_URL.fullmatch(url):
            node = ET.Element("image", {"x": _fmt(x), "y": _fmt(y), "width": _fmt(w),
                                        "height": _fmt(h), "href": url,
                                        "preserveAspectRatio": "none"})
        else:  # no data: the place of the image, so the plan stays true
            node = ET.Element("rect", {"x": _fmt(x), "y": _fmt(y), "width": _fmt(w),
                                       "height": _fmt(h), "fill": "#eeeeee",
                                       "stroke": "#999999", "stroke-dasharray": "4 4"})
    if node is not None:
        _rotate(node, el)
    return node


def _text(el: Mapping[str, Any], x: float, y: float, w: float) -> ET.Element | None:
    raw = el.get("text") if isinstance(el.get("text"), str) else el.get("originalText")
    text = clean_text(raw)
    if not text:
        return None
    size = _num(el.get("fontSize"), 20.0) or 20.0
    line_height = _num(el.get("lineHeight"), 1.25) or 1.25
    align = el.get("textAlign") if el.get("textAlign") in _ANCHORS else "left"
    anchor_x = x + (w / 2 if align == "center" else w if align == "right" else 0)
    family = el.get("fontFamily")
    node = ET.Element("text", {
        "x": _fmt(anchor_x), "y": _fmt(y), "font-size": _fmt(size),
        "font-family": _FONTS.get(family if isinstance(family, int) else 0, _FONTS[5]),
        "fill": _color(el.get("strokeColor"), "#1e1e1e"),
        "text-anchor": _ANCHORS[str(align)], "dominant-baseline": "text-before-edge",
    })
    opacity = _num(el.get("opacity"), 100.0)
    if opacity < 100:
        node.set("opacity", _fmt(max(0.0, opacity) / 100))
    for k, line in enumerate(text.split("\n")):
        span = ET.SubElement(node, "tspan", {"x": _fmt(anchor_x),
                                             "dy": "0" if k == 0 else _fmt(size * line_height)})
        span.text = line or " "
    return node


def _defs(svg: ET.Element) -> None:
    defs = ET.SubElement(svg, "defs")
    for name, path in (("arrowhead", "M0,0 L10,5 L0,10 z"),
                       ("arrowhead-start", "M10,0 L0,5 L10,10 z")):
        marker = ET.SubElement(defs, "marker", {
            "id": name, "viewBox": "0 0 10 10", "refX": "10" if name == "arrowhead" else "0",
            "refY": "5", "markerWidth": "8", "markerHeight": "8", "orient": "auto",
            "markerUnits": "strokeWidth"})
        ET.SubElement(marker, "path", {"d": path, "fill": "context-stroke"})


def render_svg(model: SessionExport) -> str:
    elements = model.scene
    boxes = [_box(el) for el in elements]
    if boxes:
        x0 = min(b[0] for b in boxes) - PADDING
        y0 = min(b[1] for b in boxes) - PADDING - 20  # room for a frame's name
        x1 = max(b[2] for b in boxes) + PADDING
        y1 = max(b[3] for b in boxes) + PADDING
    else:
        x0, y0, x1, y1 = 0.0, 0.0, 200.0, 100.0
    width, height = max(1.0, x1 - x0), max(1.0, y1 - y0)
    svg = ET.Element("svg", {"xmlns": SVG_NS, "version": "1.1",
                             "viewBox": f"{_fmt(x0)} {_fmt(y0)} {_fmt(width)} {_fmt(height)}",
                             "width": _fmt(width), "height": _fmt(height)})
    title = ET.SubElement(svg, "title")
    title.text = model.meta.title or "Whiteboard"
    _defs(svg)
    ET.SubElement(svg, "rect", {"x": _fmt(x0), "y": _fmt(y0), "width": _fmt(width),
                                "height": _fmt(height), "fill": "#ffffff"})
    # Frames first (they are behind what they hold), then everything in drawing order.
    frames = [el for el in elements if el.get("type") in ("frame", "magicframe")]
    others = [el for el in elements if el.get("type") not in ("frame", "magicframe")]
    for el in [*frames, *others]:
        node = _shape(el, model.scene_files)
        if node is not None:
            svg.append(node)
    body = ET.tostring(svg, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
