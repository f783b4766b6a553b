"""How question types and difficulties are named on screen."""
from __future__ import annotations

from lawexam.i18n import lazy_gettext as _l

TYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "truefalse": _l("True or false"),
    "fill": _l("Fill in the blank"),
}
# For CLI tables, which must line up in a terminal whatever the request locale.
TYPE_LABELS_ZH = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
DIFFICULTY_LABELS = {
    1: _l("1 · very easy"), 2: _l("2 · easy"), 3: _l("3 · medium"), 4: _l("4 · hard"), 5: _l("5 · very hard"),
}


def type_label(name: str) -> str:
    label = TYPE_LABELS.get(name)
    return str(label) if label is not None else name
