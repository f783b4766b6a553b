"""Stem HTML and plain text.

Stems are stored as sanitised HTML so officers can use emphasis, lists, sub/superscripts and
images; options, explanations and bases are plain text. Every importer funnels text through
this module so that the same question arrives byte-identical whichever format carried it,
which is what makes duplicate detection and export/import round trips reliable.

Plain text is kept in a canonical form (``clean_plain_text``): no control characters, runs of
spaces collapsed, no spaces at line ends. That is exactly what a browser would display for
the same text inside HTML, so ``html_to_text(text_to_html(t)) == t`` for every clean ``t``.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Callable

import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "span", "ul", "ol", "li", "img"}
)
ATTACHMENT_SCHEME = "attachment:"
MEDIA_PREFIX = "/media/"
MAX_ATTACHMENT_NAME = 200

# C0/C1 controls (except newline and tab), lone surrogates and Unicode noncharacters: none of
# them can be typed on purpose, XML 1.0 and openpyxl refuse most of them, and the GIFT parser
# uses the U+FDD0 block as private placeholders.
_UNWANTED_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_SPACE_RUN = re.compile(" {2,}")
_ASCII_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f]+")
_IMG_TAG = re.compile(r'<img(?:\s+[a-z]+="[^"]*")*\s*/?>')
_BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED_CONTENT_TAGS = frozenset({"script", "style", "head", "title"})


def clean_plain_text(text: str) -> str:
    """Canonical plain text: what a reader would see, minus invisible noise."""
    # Most cells are already canonical; an import checks hundreds of thousands of them. A
    # printable string has none of the characters removed or replaced below (controls,
    # newlines, tabs, no-break and other non-ASCII spaces), so only runs of spaces remain.
    if text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _UNWANTED_CHARS.sub("", text)
    # Non-breaking spaces come from copy-pasting web pages into Excel; they render as spaces.
    text = text.replace("\t", " ").replace("\xa0", " ")
    lines = [_SPACE_RUN.sub(" ", line).strip(" ") for line in text.split("\n")]
    return "\n".join(lines).strip()


def text_to_html(text: str) -> str:
    """Plain text as stem HTML: escaped, newlines as ``<br>``; already in sanitised form."""
    escaped = html.escape(clean_plain_text(text), quote=False)
    return escaped.replace("\n", "<br>")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_CONTENT_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_CONTENT_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        # HTML source whitespace (indentation, line wraps) is not visible text, and at the
        # start of a line it is not even a space.
        data = _ASCII_WHITESPACE_RUN.sub(" ", data)
        if data == " " and (not self.parts or self.parts[-1].endswith("\n")):
            return
        self.parts.append(data)


def html_to_text(value: str) -> str:
    """Visible text of an HTML fragment (tags dropped, entities decoded, ``<br>`` as newline)."""
    if "<" not in value and "&" not in value:
        return clean_plain_text(_ASCII_WHITESPACE_RUN.sub(" ", value))
    extractor = _TextExtractor()
    extractor.feed(value)
    extractor.close()
    return clean_plain_text("".join(extractor.parts))


def is_safe_attachment_name(name: str) -> bool:
    """A bare file name: no directories, no traversal, nothing a file system would choke on."""
    return (
        0 < len(name) <= MAX_ATTACHMENT_NAME
        and name not in (".", "..")
        and not any(ch in name for ch in '/\\:*?"<>|')
        and not _UNWANTED_CHARS.search(name)
        and name == name.strip()
    )


def is_allowed_image_src(src: str) -> bool:
    if src.startswith(ATTACHMENT_SCHEME):
        return is_safe_attachment_name(src[len(ATTACHMENT_SCHEME):])
    if not src.startswith(MEDIA_PREFIX):
        return False
    path = src[len(MEDIA_PREFIX):]
    lowered = path.lower()
    # The media route serves files by path; refuse anything that could climb out of it.
    return (
        bool(path)
        and "\\" not in path
        and "//" not in path
        and ".." not in path.split("/")
        and "%2e" not in lowered
        and "%2f" not in lowered
        and "%5c" not in lowered
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag != "img":
        return value
    if attribute == "src":
        return value if is_allowed_image_src(value) else None
    if attribute in ("width", "height"):
        return value if value.isdigit() and len(value) <= 4 else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"img": {"src", "alt", "width", "height"}},
    url_schemes={"attachment"},
    attribute_filter=_filter_attribute,
    strip_comments=True,
    link_rel=None,
)


def _drop_sourceless_image(match: re.Match[str]) -> str:
    return match.group(0) if ' src="' in match.group(0) else ""


def sanitize_stem_html(value: str) -> str:
    """Stem HTML reduced to the allow-list; images only from /media/ or attachment: sources."""
    cleaned = _CLEANER.clean(_UNWANTED_CHARS.sub("", value))
    # An <img> whose source was refused would render as a broken-image icon.
    return _IMG_TAG.sub(_drop_sourceless_image, cleaned).strip()


_ATTACHMENT_SRC = re.compile(r'src="attachment:([^"]*)"')


def attachment_names(stem_html: str) -> list[str]:
    """Attachment names a sanitised stem refers to, in order of appearance."""
    return [html.unescape(name) for name in _ATTACHMENT_SRC.findall(stem_html)]


def replace_attachment_sources(stem_html: str, new_source: Callable[[str], str]) -> str:
    """Rewrite every ``attachment:<name>`` image source, e.g. to Moodle's @@PLUGINFILE@@."""
    return _ATTACHMENT_SRC.sub(
        lambda match: 'src="%s"' % html.escape(new_source(html.unescape(match.group(1)))),
        stem_html)


def has_image(stem_html: str) -> bool:
    return "<img" in stem_html
