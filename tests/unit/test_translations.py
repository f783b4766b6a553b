"""Every user-facing string has its Simplified Chinese text."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "src/lawexam/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_every_extracted_string_is_translated_to_chinese(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "--no-location",
                    "-o", str(template), "src", "templates"], cwd=ROOT, check=True, capture_output=True)
    with template.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    have = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        if text:
            have[key] = text
    missing = sorted(wanted - set(have))
    assert not missing, f"{len(missing)} strings lack a zh_CN translation (run make update-messages): {missing[:20]}"


def test_translations_keep_their_placeholders():
    import re

    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(placeholder.findall(source)) == sorted(placeholder.findall(text)), source
