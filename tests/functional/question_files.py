"""Small question files in every format, good and bad, for the import tests."""
from __future__ import annotations

import base64
import io

from openpyxl import Workbook

HEADERS = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "模块", "依据"]
GOOD_ROWS = [
    ["单选题", "国家宪法日是每年的哪一天？", "3月15日", "12月4日", "4月15日", "6月26日", "B", "2014年设立。", "易", "宪法", "全国人大常委会决定"],
    ["多选题", "民法典规定的基本原则包括哪些？", "平等", "自愿", "公平", "效率优先", "A、B、C", "第四至六条。", 3, "民法典", "民法典第4-6条"],
    ["判断题", "行政处罚法于2021年修订。", "", "", "", "", "对", "2021年1月22日修订。", "2", "行政处罚法", "行政处罚法"],
    ["填空题", "全民国家安全教育日是每年____月15日。", "", "", "", "", "4/四", "国家安全法第十四条。", "中", "国家安全", "国家安全法第十四条"],
]


def xlsx(rows, headers=HEADERS, merge_header: bool = False, empty_first: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    if empty_first:
        sheet = book.create_sheet("题目")
    if headers:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if merge_header:
        sheet.merge_cells("A1:B1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(**changes) -> list:
    base = ["单选题", "下列哪一项是正确的？", "甲", "乙", "丙", "丁", "A", "解析。", 3, "宪法", "依据"]
    names = {"type": 0, "stem": 1, "a": 2, "b": 3, "c": 4, "d": 5, "answer": 6, "difficulty": 8}
    for key, value in changes.items():
        base[names[key]] = value
    return base


PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def moodle_with_image(data: bytes, name: str = "pic.png") -> bytes:
    encoded = base64.b64encode(data).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/宪法</text></category></question>
  <question type="truefalse">
    <name><text>带图判断题</text></name>
    <questiontext format="html"><text><![CDATA[<p>图中是国徽。<img src="@@PLUGINFILE@@/{name}" alt="国徽"></p>]]></text>
      <file name="{name}" path="/" encoding="base64">{encoded}</file></questiontext>
    <generalfeedback format="html"><text>见宪法第一百四十二条。</text></generalfeedback>
    <answer fraction="100" format="moodle_auto_format"><text>true</text><feedback><text></text></feedback></answer>
    <answer fraction="0" format="moodle_auto_format"><text>false</text><feedback><text></text></feedback></answer>
  </question>
</quiz>""".encode()
