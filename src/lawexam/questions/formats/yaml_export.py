"""Writing the project's own question file (the format of question_bank/README.md).

Stems are written as plain text, as the bank keeps them; images in a stem cannot be carried.
"""
from __future__ import annotations

import re
from typing import Iterable

import yaml

from lawexam.questions.formats.base import Draft
from lawexam.questions.richtext import html_to_text


class _FlowList(list):  # type: ignore[type-arg]
    """Written inline, ``[A, C]``, like the hand-written bank files."""


class _BankDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_BankDumper.add_representer(str, _represent_str)
_BankDumper.add_representer(_FlowList, _represent_flow_list)


def _question(draft: Draft, question_id: str) -> dict[str, object]:
    content = draft.content
    entry: dict[str, object] = {"id": question_id, "type": content.type,
                                "difficulty": content.difficulty}
    if draft.tags:
        entry["tags"] = _FlowList(draft.tags)
    if draft.exam_only:
        entry["exam_only"] = True
    entry["stem"] = html_to_text(content.stem)
    if content.options:
        entry["options"] = {option.key: option.text for option in content.options}
    answer = content.answer
    if content.type == "fill" and isinstance(answer, (list, tuple)):
        entry["answer"] = _FlowList(_FlowList(accepted) for accepted in answer)
    elif isinstance(answer, (list, tuple)):
        entry["answer"] = _FlowList(answer)
    else:
        entry["answer"] = answer
    entry["explanation"] = content.explanation
    entry["basis"] = content.basis
    return entry


def _ids(module_code: str, drafts: list[Draft]) -> list[str]:
    """Keep each draft's own id when it fits the module; number the rest after the highest."""
    pattern = re.compile(re.escape(module_code) + r"-(\d{3,})")
    kept: list[str | None] = []
    numbers: set[int] = set()
    used: set[str] = set()
    for draft in drafts:
        own = draft.external_id
        match = pattern.fullmatch(own) if own else None
        if match and own not in used:
            used.add(match.group(0))
            numbers.add(int(match.group(1)))
            kept.append(own)
        else:
            kept.append(None)
    next_number = max(numbers, default=0) + 1
    ids = []
    for own in kept:
        if own is None:
            own = f"{module_code}-{next_number:03d}"
            next_number += 1
        ids.append(own)
    return ids


def export_yaml(module_code: str, module_name: str, order: int | None,
                drafts: Iterable[Draft]) -> str:
    drafts = list(drafts)
    module: dict[str, object] = {"code": module_code, "name": module_name}
    if order is not None:
        module["order"] = order
    document = {
        "module": module,
        "questions": [_question(d, i) for d, i in zip(drafts, _ids(module_code, drafts))],
    }
    text: str = yaml.dump(document, Dumper=_BankDumper, allow_unicode=True, sort_keys=False,
                          width=100, indent=2)
    return text
