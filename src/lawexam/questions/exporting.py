"""Question export to .xlsx, GIFT, Moodle XML and the project's YAML."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions import bank
from lawexam.questions.formats import Draft, export_gift, export_moodle_xml, export_xlsx, export_yaml
from lawexam.questions.media import find_media, media_path
from lawexam.questions.models import Question, QuestionModule, QuestionStatus
from lawexam.questions.richtext import MEDIA_PREFIX

FORMATS = {"xlsx": ".xlsx", "gift": ".gift", "moodle-xml": ".xml", "yaml": ".yaml"}
_MEDIA_SRC = re.compile(r'src="/media/([0-9a-f]{64}\.[a-z]+)"')


class ExportError(ValueError):
    pass


def select_questions(module: QuestionModule | None, include_retired: bool) -> list[Question]:
    query = select(Question).order_by(Question.module_id, Question.id)
    if module is not None:
        query = query.where(Question.module_id == module.id)
    if not include_retired:
        query = query.where(Question.status == QuestionStatus.ACTIVE)
    return list(db.session.scalars(query))


def to_draft(question: Question, embed_images: bool) -> Draft:
    content = question.current_version.content()
    attachments: dict[str, bytes] = {}
    if embed_images:
        # Moodle XML carries images inside the file; the stem then names them as attachments.
        for name in _MEDIA_SRC.findall(content.stem):
            item = find_media(name)
            if item is not None and media_path(item).exists():
                attachments[name] = media_path(item).read_bytes()
        if attachments:
            stem = content.stem.replace(f'src="{MEDIA_PREFIX}', 'src="attachment:')
            content = type(content)(content.type, stem, content.options, content.answer,
                                    content.explanation, content.basis, content.difficulty)
    return Draft(content=content, location="", module=question.module.name, tags=tuple(question.tags),
                 exam_only=question.exam_only, external_id=question.uid, attachments=attachments)


def render(fmt: str, questions: list[Question], module: QuestionModule | None = None) -> bytes:
    drafts = [to_draft(q, embed_images=fmt == "moodle-xml") for q in questions]
    if fmt == "xlsx":
        return export_xlsx(drafts)
    if fmt == "gift":
        return export_gift(drafts).encode("utf-8")
    if fmt == "moodle-xml":
        return export_moodle_xml(drafts)
    if fmt == "yaml":
        if module is None:
            raise ExportError(_("A YAML file holds one module: choose the module."))
        return export_yaml(module.code, module.name, module.sort_order, drafts).encode("utf-8")
    raise ExportError(_("Unknown export format %(format)s.", format=fmt))


def _record(fmt: str, count: int, target: str, actor: User | None) -> None:
    audit.record("questions.exported", object_type="question_bank", summary=target[:255],
                 details={"format": fmt, "count": count}, actor=actor)


def export_to_path(path: Path, fmt: str, *, module: str | None = None, include_retired: bool = False,
                   actor: User | None = None) -> list[tuple[Path, int]]:
    chosen = None
    if module:
        chosen = bank.module_by_name(module)
        if chosen is None:
            raise ExportError(_("There is no module called %(name)s.", name=module))
    if fmt == "yaml" and chosen is None:
        # One file per module, laid out like question_bank/<code>/questions.yaml.
        if path.exists() and not path.is_dir():
            raise ExportError(_("To export every module as YAML, give a folder, not a file."))
        written = []
        for each in bank.all_modules(include_inactive=True):
            questions = select_questions(each, include_retired)
            if questions:
                target = path / each.code / "questions.yaml"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(render(fmt, questions, each))
                written.append((target, len(questions)))
        _record(fmt, sum(n for _p, n in written), str(path), actor)
        return written
    questions = select_questions(chosen, include_retired)
    if not questions:
        raise ExportError(_("There are no questions to export."))
    if path.is_dir():
        path = path / f"questions{FORMATS[fmt]}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(fmt, questions, chosen))
    _record(fmt, len(questions), str(path), actor)
    return [(path, len(questions))]


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def export_file(fmt: str, module: QuestionModule | None, include_retired: bool,
                actor: User | None) -> tuple[bytes, str, int]:
    """One export for download: the file's bytes, a file name and the number of questions.
    Recorded in the audit log (the caller commits)."""
    if fmt not in FORMATS:
        raise ExportError(_("Unknown export format %(format)s.", format=fmt))
    if fmt == "yaml" and module is None:
        raise ExportError(_("A YAML file holds one module: choose the module."))
    questions = select_questions(module, include_retired)
    if not questions:
        raise ExportError(_("There are no questions to export."))
    data = render(fmt, questions, module)
    stem = "题库" + (f"-{_UNSAFE_FILENAME.sub('_', module.name)}" if module is not None else "")
    filename = stem + FORMATS[fmt]
    _record(fmt, len(questions), filename, actor)
    return data, filename, len(questions)
