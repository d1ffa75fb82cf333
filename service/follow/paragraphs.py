"""Turn body text or an HTML fragment into clean paragraphs: non-blank, no control characters."""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

# C0 controls other than tab, newline and carriage return; DEL; C1 (schemas/base.py: Text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINES = re.compile(r"\s*\n\s*")
# Where a new paragraph starts in an HTML fragment.
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "tr",
        "section",
        "article",
        "header",
        "footer",
        "figcaption",
        "dt",
        "dd",
        "ul",
        "ol",
        "table",
        "hr",
    ]
)


def clean_text(text: str) -> str:
    """One line of text: control characters dropped, runs of spaces made one, ends stripped."""
    return _SPACES.sub(" ", _CONTROL.sub("", text.replace("\n", " "))).strip()


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: one per line (blank lines and newlines both separate)."""
    return [line for line in (clean_text(part) for part in _LINES.split(text)) if line]


def html_paragraphs(fragment: str) -> list[str]:
    """Paragraphs of an HTML fragment: one per block element (p, li, h2, br, ...); scripts and
    styles dropped. Text without any markup is read as plain text."""
    if "<" not in fragment:
        return text_paragraphs(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return text_paragraphs(fragment)
    lines: list[str] = []
    current: list[str] = []

    def close() -> None:
        line = clean_text("".join(current))
        if line:
            lines.append(line)
        current.clear()

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("script", "style", "template", "noscript"):
            if element.tail:
                current.append(element.tail)
            return
        block = tag.lower() in _BLOCKS
        if block:
            close()
        if element.text and tag:
            current.append(element.text)
        for child in element:
            walk(child)
        if block:
            close()
        if element.tail:
            current.append(element.tail)

    walk(root)
    close()
    return lines
