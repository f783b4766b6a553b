"""Decoding uploaded text files.

Chinese Windows tools (Excel "CSV", Notepad before 2019) still save GBK by default, so a
file that is not UTF-8 is tried as GB18030 (a superset of GBK) before it is refused.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lawexam.i18n import _

# Decoding Latin-1 or UTF-16 bytes as GB18030 often "succeeds" with garbage; control
# characters and private-use code points in the result give that away.
_IMPLAUSIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")


class UndecodableText(ValueError):
    """The bytes are not UTF-8, UTF-16 (with BOM) or GBK; ``str()`` is the user message."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str

    @property
    def is_gbk(self) -> bool:
        return self.encoding == "gb18030"


def decode_text(data: bytes) -> DecodedText:
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8):], "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export.
        return _decode(data, "utf-16")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if not _IMPLAUSIBLE.search(text):
                return DecodedText(text, "gb18030")
    raise UndecodableText(_(
        "The file is not in a text encoding we can read (UTF-8 or GBK). Open it in Excel or "
        "Notepad and save it again as \"CSV UTF-8\" / UTF-8."))


def _decode(data: bytes, encoding: str) -> DecodedText:
    try:
        return DecodedText(data.decode(encoding), encoding)
    except UnicodeDecodeError:
        raise UndecodableText(_(
            "The file says it is %(encoding)s but contains invalid bytes. Save it again as "
            "UTF-8.", encoding=encoding.upper())) from None


def gbk_warning() -> str:
    return _("The file was not UTF-8; it was read as GBK (Chinese Windows encoding). Check "
             "that the Chinese text below looks right.")
