"""Every string the reports show has its Simplified Chinese text, waiting in
``translations/pending/reports.json`` (msgid → 中文) until it is merged into the catalog."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PENDING = ROOT / "src/lawexam/translations/pending/reports.json"
CATALOG = ROOT / "src/lawexam/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _pending() -> dict[str, str]:
    return json.loads(PENDING.read_text(encoding="utf-8"))


def test_every_report_string_has_chinese(tmp_path) -> None:
    template = tmp_path / "reports.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-k", "ngettext:1,2", "--no-location", "-o", str(template),
                    "src/lawexam/reports", "templates/reports"], cwd=ROOT, check=True, capture_output=True)
    with template.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    wanted.add("Reports")  # the menu entry in base.html
    with CATALOG.open("rb") as handle:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id and m.string}
    missing = sorted(wanted - have - set(_pending()))
    assert not missing, missing


def test_pending_translations_keep_placeholders_and_are_chinese() -> None:
    for msgid, text in _pending().items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
        assert msgid.count("%%") == text.count("%%"), msgid
        assert re.search(r"[\u4e00-\u9fff]", text), msgid


def test_the_brief_names_are_used() -> None:
    texts = set(_pending().values())
    for name in ("参考人数", "应考人数", "合格人数", "合格率", "平均分", "中位数", "最高分", "最低分", "缺考名单",
                 "区分度", "选项分布", "年度汇总", "复制"):
        assert name in texts, name
    assert any("难度系数" in t for t in texts) and any(t.startswith("信度") for t in texts)
