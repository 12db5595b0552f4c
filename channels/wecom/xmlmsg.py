"""WeCom's XML envelopes and messages, parsed with a hardened parser (no DTDs, no entities)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_XML_BYTES = 256 * 1024  # WeCom's messages are a few kilobytes


class MalformedXml(Exception):
    status = 400


def parse(xml: bytes | str) -> dict[str, str]:
    """Top-level fields of an `<xml>` document as {tag: text}; nested elements are kept as text ''."""
    raw = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(raw) > MAX_XML_BYTES:
        raise MalformedXml("document too large")
    try:
        root: Element = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise MalformedXml(f"not acceptable XML: {type(exc).__name__}") from None
    if root.tag != "xml":
        raise MalformedXml("root element is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def render(fields: dict[str, str | int]) -> str:
    """An `<xml>` document with one element per field (strings in CDATA, numbers bare)."""
    parts = []
    for tag, value in fields.items():
        if isinstance(value, int):
            parts.append(f"<{tag}>{value}</{tag}>")
        elif "]]>" in value:
            parts.append(f"<{tag}>{escape(value)}</{tag}>")
        else:
            parts.append(f"<{tag}><![CDATA[{value}]]></{tag}>")
    return "<xml>" + "".join(parts) + "</xml>"
