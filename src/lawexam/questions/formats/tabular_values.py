"""The vocabulary of question spreadsheets: column headers, type names and answer spellings
used by Chinese exam systems and by people typing into Excel.

Everything is matched after ``fold`` (NFKC, case folded, spaces removed), so full-width
letters, stray spaces and capitalisation never matter.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from lawexam.questions.qtypes import OPTION_KEYS
from lawexam.questions.richtext import clean_plain_text

# Canonical Chinese headers, in the order the export and the template write them.
TYPE, STEM, ANSWER = "题型", "题干", "答案"
OPTION_HEADERS = tuple(f"选项{key}" for key in OPTION_KEYS)
EXPLANATION, DIFFICULTY, MODULE, TAGS, BASIS, EXAM_ONLY = (
    "解析", "难度", "模块", "标签", "依据", "仅考试")
EXPORT_HEADERS = (TYPE, STEM, *OPTION_HEADERS, ANSWER, EXPLANATION, DIFFICULTY, MODULE, TAGS,
                  BASIS, EXAM_ONLY)
REQUIRED_FIELDS = ("type", "stem", "answer")
FIELD_HEADERS = {"type": TYPE, "stem": STEM, "answer": ANSWER}

_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "type": ("题型", "试题类型", "题目类型", "类型", "type", "questiontype"),
    "stem": ("题干", "题目", "试题内容", "题目内容", "试题", "stem", "question"),
    "answer": ("答案", "正确答案", "标准答案", "参考答案", "answer", "correctanswer"),
    "explanation": ("解析", "答案解析", "试题解析", "explanation"),
    "difficulty": ("难度", "难易程度", "难易度", "difficulty"),
    "module": ("知识点", "分类", "模块", "章节", "module", "category"),
    "tags": ("标签", "tags", "tag"),
    "basis": ("依据", "法律依据", "出处", "basis"),
    "exam_only": ("仅考试", "仅用于考试", "examonly", "exam_only"),
}
for _key in OPTION_KEYS:
    _HEADER_SYNONYMS[f"option:{_key}"] = (
        f"选项{_key}", _key, f"{_key}选项", f"option{_key}", f"选项{_key}内容")

_SPACES = re.compile(r"\s+")
# "题干（必填）" and "*题干" are common in templates; the decoration is not part of the name.
_DECORATION = re.compile(r"\(.*?\)|\*")


def fold(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()


_HEADER_LOOKUP = {
    fold(synonym): field_name
    for field_name, synonyms in _HEADER_SYNONYMS.items()
    for synonym in synonyms
}


def header_field(header: str) -> str | None:
    folded = fold(header)
    return _HEADER_LOOKUP.get(folded) or _HEADER_LOOKUP.get(_DECORATION.sub("", folded))


# --- question types --------------------------------------------------------------------

INDEFINITE = "indefinite"  # 不定项选择: one or more correct answers; decided by the answer

_TYPE_ALIASES = {
    **dict.fromkeys(("单选", "单选题", "单项选择", "单项选择题", "single", "singlechoice"),
                    "single"),
    **dict.fromkeys(("多选", "多选题", "多项选择", "多项选择题", "multiple", "multiplechoice"),
                    "multiple"),
    **dict.fromkeys(("判断", "判断题", "是非题", "truefalse", "true/false", "tf"), "truefalse"),
    **dict.fromkeys(("填空", "填空题", "fill", "fillblank", "fillintheblank"), "fill"),
    **dict.fromkeys(("不定项", "不定项选择", "不定项选择题"), INDEFINITE),
}
_UNSUPPORTED_TYPES = frozenset(fold(name) for name in (
    "问答", "问答题", "简答", "简答题", "论述", "论述题", "案例分析", "案例分析题", "案例题",
    "匹配", "匹配题", "连线", "连线题", "计算", "计算题", "名词解释", "排序", "排序题",
    "材料分析题", "综合题", "作文", "写作题", "essay", "matching", "numerical", "cloze",
))
_TYPE_LOOKUP = {fold(alias): name for alias, name in _TYPE_ALIASES.items()}


@dataclass(frozen=True)
class TypeCell:
    name: str | None       # our type name, INDEFINITE, or None
    unsupported: bool = False


def parse_type(text: str) -> TypeCell:
    folded = fold(text)
    if folded in _TYPE_LOOKUP:
        return TypeCell(_TYPE_LOOKUP[folded])
    return TypeCell(None, unsupported=folded in _UNSUPPORTED_TYPES)


EXPORT_TYPE_NAMES = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题",
                     "fill": "填空题"}

# --- answers -------------------------------------------------------------------------

_LETTER_SEPARATORS = re.compile(r"[\s,，、;；/|]+")


def parse_choice_letters(text: str) -> list[str] | None:
    """``ABD``, ``A,B,D``, ``A、B、D``, ``a b d`` → ``["A", "B", "D"]``; None if not letters."""
    letters = _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not letters or not all("A" <= letter <= "Z" for letter in letters):
        return None
    return list(letters)


_TRUE_WORDS = frozenset(fold(word) for word in (
    "对", "正确", "√", "✓", "✔", "T", "true", "是", "Y", "yes", "1", "right"))
_FALSE_WORDS = frozenset(fold(word) for word in (
    "错", "错误", "×", "✗", "✘", "X", "F", "false", "否", "N", "no", "0", "wrong"))


def parse_bool_word(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    folded = fold(cell_text(value))
    if folded in _TRUE_WORDS:
        return True
    if folded in _FALSE_WORDS:
        return False
    return None


_BLANK_SEPARATORS = re.compile(r"[|｜;；]")
_ALTERNATIVE_SEPARATORS = re.compile(r"[/／]")


def parse_fill_answer(text: str) -> tuple[tuple[str, ...], ...]:
    """``北京/首都|1949`` → ``(("北京", "首都"), ("1949",))``."""
    return tuple(
        tuple(alt for alt in map(clean_plain_text, _ALTERNATIVE_SEPARATORS.split(blank)) if alt)
        for blank in _BLANK_SEPARATORS.split(text)
    )


def format_fill_answer(answer: tuple[tuple[str, ...], ...]) -> str:
    return "|".join("/".join(accepted) for accepted in answer)


_DIFFICULTY_WORDS = {
    **dict.fromkeys(("易", "容易", "简单", "较易", "easy"), 2),
    **dict.fromkeys(("中", "中等", "一般", "适中", "medium"), 3),
    **dict.fromkeys(("难", "困难", "较难", "hard"), 4),
}
_DIFFICULTY_LOOKUP = {fold(word): level for word, level in _DIFFICULTY_WORDS.items()}


def parse_difficulty(value: object) -> int | None:
    """1–5 as a number or digit text, or 易/中/难 (→ 2/3/4); None when not understood."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else None
    folded = fold(cell_text(value))
    if folded in _DIFFICULTY_LOOKUP:
        return _DIFFICULTY_LOOKUP[folded]
    try:
        number = float(folded)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


_TAG_SEPARATORS = re.compile(r"[,，、;；|]")


def split_tags(text: str) -> list[str]:
    return _TAG_SEPARATORS.split(text)


# --- cells ---------------------------------------------------------------------------

# A leading = + - @ (or tab/CR) makes Excel and WPS treat a cell as a formula. The export
# prefixes such text with an apostrophe and the import removes exactly that prefix again; an
# apostrophe is itself escaped so that text really starting with one survives the trip.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE_PREFIX = "'"


def escape_formula(text: str) -> str:
    if text.startswith(_FORMULA_TRIGGERS + (_ESCAPE_PREFIX,)):
        return _ESCAPE_PREFIX + text
    return text


def unescape_formula(text: str) -> str:
    if (len(text) > 1 and text.startswith(_ESCAPE_PREFIX)
            and text[1:].startswith(_FORMULA_TRIGGERS + (_ESCAPE_PREFIX,))):
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """A cell as the text a person sees in Excel (numbers without a spurious ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_formula(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)
