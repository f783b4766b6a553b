"""Keeping the question bank: modules, questions, versions, retire and restore, bulk edits."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from sqlalchemy import Integer, any_, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.db import utcnow
from lawexam.errors import DomainError, InvalidInput, NotFound
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions.browse import all_tags  # noqa: F401  (the exam composer's tag list uses it too)
from lawexam.questions.fingerprint import fingerprint
from lawexam.questions.history import answer_text  # noqa: F401  (the practice page shows the key)
from lawexam.questions.models import (
    Question,
    QuestionModule,
    QuestionStatus,
    QuestionTag,
    QuestionVersion,
    answer_from_json,
    answer_to_json,
)
from lawexam.questions.qtypes import FieldProblem, QuestionContent, UnknownQuestionType, get_type
from lawexam.questions.richtext import html_to_text, sanitize_stem_html

MAX_TAG_CHARS = 40
UNCATEGORISED_CODE = "uncategorised"


class QuestionInvalid(DomainError):
    """The content breaks its type's rules; ``problems`` name each field."""

    http_status = 422

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems


class DuplicateQuestion(DomainError):
    def __init__(self, matches: list[Question]) -> None:
        super().__init__(_("The bank already has a question with the same stem and options (No. %(ids)s).",
                           ids=", ".join(str(q.id) for q in matches)))
        self.matches = matches


@dataclass
class QuestionInput:
    module_id: int
    content: QuestionContent
    tags: list[str] = field(default_factory=list)
    exam_only: bool = False


# ---- modules -------------------------------------------------------------------------------

def all_modules(include_inactive: bool = False) -> list[QuestionModule]:
    query = select(QuestionModule).order_by(QuestionModule.sort_order, QuestionModule.name)
    if not include_inactive:
        query = query.where(QuestionModule.active.is_(True))
    return list(db.session.scalars(query))


def get_module(module_id: int) -> QuestionModule:
    module = db.session.get(QuestionModule, module_id)
    if module is None:
        raise NotFound(_("No such module."))
    return module


def ensure_module(code: str, name: str, order: int | None = None) -> QuestionModule:
    """The module with this code, created (or renamed to ``name``) as needed."""
    module = db.session.scalar(select(QuestionModule).where(QuestionModule.code == code))
    if module is None:
        module = QuestionModule(code=code, name=name[:100], sort_order=order or 0, active=True)
        db.session.add(module)
        db.session.flush()
        audit.record("module.created", object_type="module", object_id=module.id, summary=name)
    elif order is not None and module.sort_order != order:
        module.sort_order = order
    return module


def module_by_name(name: str) -> QuestionModule | None:
    name = name.strip()
    return db.session.scalar(select(QuestionModule).where(
        (QuestionModule.name == name) | (QuestionModule.code == name)).order_by(QuestionModule.id))


def module_for_import(name: str | None) -> QuestionModule:
    """The module an imported question lands in: found by name or code, else created."""
    if not name:
        return ensure_module(UNCATEGORISED_CODE, _("Uncategorised"), 999)
    found = module_by_name(name)
    if found is not None:
        return found
    # Imported category names are Chinese; a hash gives the new module a stable ASCII code.
    code = "m-" + hashlib.sha1(name.strip().encode("utf-8")).hexdigest()[:12]
    return ensure_module(code, name.strip()[:100], 500)


# ---- questions -----------------------------------------------------------------------------

def get_question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("No such question."))
    return question


def clean_content(content: QuestionContent) -> QuestionContent:
    """Sanitise the stem and check the content against its type; raise QuestionInvalid."""
    try:
        kind = get_type(content.type)
    except UnknownQuestionType:
        raise QuestionInvalid([FieldProblem("type", _("Choose a question type."))]) from None
    cleaned = QuestionContent(
        type=content.type, stem=sanitize_stem_html(content.stem), options=content.options,
        answer=_canonical_answer(content), explanation=content.explanation.strip(), basis=content.basis.strip(),
        difficulty=content.difficulty)
    problems = kind.validate(cleaned)
    if problems:
        raise QuestionInvalid(problems)
    return cleaned


def _canonical_answer(content: QuestionContent) -> object:
    """The answer in the one shape versions store, so equal content compares equal."""
    try:
        return answer_from_json(content.type, answer_to_json(content))
    except (TypeError, ValueError):
        return content.answer  # malformed: the type's validation reports it


def clean_tags(tags: list[str]) -> list[str]:
    result: list[str] = []
    for tag in tags:
        tag = " ".join(tag.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise InvalidInput(_("A tag can have at most %(num)d characters.", num=MAX_TAG_CHARS), field="tags")
        if tag not in result:
            result.append(tag)
    return result


def duplicates_of(content: QuestionContent, exclude_id: int | None = None) -> list[Question]:
    query = select(Question).where(Question.fingerprint == fingerprint(content))
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    return list(db.session.scalars(query.order_by(Question.id)))


def _search_text(content: QuestionContent) -> str:
    parts = [html_to_text(content.stem)] + [o.text for o in content.options]
    return "\n".join(parts)


def _new_version(content: QuestionContent, number: int, actor: User | None, note: str = "") -> QuestionVersion:
    return QuestionVersion(
        number=number, type=content.type, stem=content.stem,
        options=[{"key": o.key, "text": o.text} for o in content.options],
        answer=answer_to_json(content), explanation=content.explanation, basis=content.basis,
        difficulty=content.difficulty, fingerprint=fingerprint(content),
        author_id=actor.id if actor else None, note=note[:255])


def _point_at(question: Question, version: QuestionVersion, content: QuestionContent) -> None:
    question.versions.append(version)
    question.current_version = version
    question.type, question.difficulty = content.type, content.difficulty
    question.fingerprint, question.search_text = version.fingerprint, _search_text(content)
    question.updated_at = utcnow()


def build_question(data: QuestionInput, module: QuestionModule, actor: User | None, *,
                   uid: str | None = None) -> Question:
    """A new question with its first version, not yet flushed (imports add thousands at once).
    The content must already have passed ``clean_content``."""
    content = data.content
    question = Question(uid=uid, module=module, status=QuestionStatus.ACTIVE, exam_only=data.exam_only,
                        author_id=actor.id if actor else None)
    question.set_tags(clean_tags(data.tags))
    _point_at(question, _new_version(content, 1, actor), content)
    return question


@dataclass
class NewQuestion:
    data: QuestionInput  # content already through clean_content
    uid: str | None = None


def _reserved_ids(table: str, count: int) -> list[int] | None:
    """On PostgreSQL, ``count`` ids taken from the table's sequence up front, so the rows go
    in as a plain executemany (pipelined by psycopg) instead of a multi-row INSERT … RETURNING
    with thousands of bound values, which psycopg spends seconds parsing. None elsewhere."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return list(db.session.scalars(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
        {"table": table, "count": count}))


def bulk_create(items: list[NewQuestion], actor: User | None) -> int:
    """Insert many new questions with a few batched statements instead of one ORM object
    graph per question: an import of 10,000 questions must finish in seconds."""
    if not items:
        return 0
    now = utcnow()
    author = actor.id if actor else None
    question_rows = [{
        "uid": item.uid, "module_id": item.data.module_id, "status": QuestionStatus.ACTIVE,
        "exam_only": item.data.exam_only, "author_id": author, "created_at": now, "updated_at": now,
        "type": item.data.content.type, "difficulty": item.data.content.difficulty,
        "search_text": _search_text(item.data.content), "fingerprint": fingerprint(item.data.content),
    } for item in items]
    # Core statements on the tables: the ORM's bulk insert adds work per row and gains nothing
    # here. They bypass autoflush, so pending objects (a module just made) are flushed first.
    db.session.flush()
    questions, versions = Question.__table__, QuestionVersion.__table__
    connection = db.session.connection()
    question_ids = _reserved_ids("questions", len(items))
    if question_ids is None:
        # RETURNING makes the driver send multi-row INSERTs ("insertmanyvalues"), cheap on SQLite and MariaDB.
        question_ids = list(connection.scalars(
            insert(questions).returning(questions.c.id, sort_by_parameter_order=True), question_rows))
    else:
        for row, qid in zip(question_rows, question_ids):
            row["id"] = qid
        connection.execute(insert(questions), question_rows)
    # Versions and tags need no ids back: a plain executemany, which every driver batches.
    connection.execute(insert(versions), [{
        "question_id": qid, "number": 1, "type": item.data.content.type, "stem": item.data.content.stem,
        "options": [{"key": o.key, "text": o.text} for o in item.data.content.options],
        "answer": answer_to_json(item.data.content), "explanation": item.data.content.explanation,
        "basis": item.data.content.basis, "difficulty": item.data.content.difficulty,
        "fingerprint": row["fingerprint"], "author_id": author, "created_at": now, "note": "",
    } for qid, item, row in zip(question_ids, items, question_rows)])
    if connection.dialect.name == "postgresql":
        # One statement with the ids as a single array parameter.
        connection.execute(update(questions).where(
            questions.c.id == any_(bindparam("ids", question_ids, type_=ARRAY(Integer))),
            versions.c.question_id == questions.c.id, versions.c.number == 1).values(current_version_id=versions.c.id))
    else:
        # One short statement executed many times, not one statement with thousands of bound ids.
        first_version = (select(versions.c.id).where(versions.c.question_id == bindparam("qid"),
                                                     versions.c.number == 1).scalar_subquery())
        connection.execute(update(questions).where(questions.c.id == bindparam("qid"))
                           .values(current_version_id=first_version), [{"qid": qid} for qid in question_ids])
    tag_rows = [{"question_id": qid, "tag": tag} for qid, item in zip(question_ids, items)
                for tag in clean_tags(item.data.tags)]
    if tag_rows:
        connection.execute(insert(QuestionTag.__table__), tag_rows)
    return len(question_ids)


def add_version(question: Question, content: QuestionContent, actor: User | None, note: str = "") -> QuestionVersion:
    number = 1 + (db.session.scalar(select(func.max(QuestionVersion.number))
                                    .where(QuestionVersion.question_id == question.id)) or 0)
    version = _new_version(content, number, actor, note)
    _point_at(question, version, content)
    return version


def create_question(data: QuestionInput, actor: User | None, *, uid: str | None = None,
                    allow_duplicate: bool = False) -> Question:
    content = clean_content(data.content)
    module = get_module(data.module_id)
    if not allow_duplicate:
        matches = duplicates_of(content)
        if matches:
            raise DuplicateQuestion(matches)
    question = build_question(QuestionInput(data.module_id, content, data.tags, data.exam_only),
                              module, actor, uid=uid)
    db.session.add(question)
    db.session.flush()
    audit.record("question.created", object_type="question", object_id=question.id,
                 summary=html_to_text(content.stem)[:120], actor=actor)
    return question


def edit_question(question: Question, data: QuestionInput, actor: User | None, *,
                  allow_duplicate: bool = False, note: str = "") -> QuestionVersion | None:
    """Apply an edit. Content changes add a version (attempts keep theirs); module, tags and
    the exam-only flag are properties of the question itself. Returns the new version, if any."""
    content = clean_content(data.content)
    module = get_module(data.module_id)
    current = question.current_version
    content_changed = current is None or current.content() != content
    if content_changed and not allow_duplicate:
        matches = duplicates_of(content, exclude_id=question.id)
        if matches:
            raise DuplicateQuestion(matches)
    tags = clean_tags(data.tags)
    changed = {}
    if question.module_id != module.id:
        changed["module"] = [question.module.name, module.name]
        question.module = module
    if question.tags != tags:
        changed["tags"] = [question.tags, tags]
        question.set_tags(tags)
    if question.exam_only != data.exam_only:
        changed["exam_only"] = [question.exam_only, data.exam_only]
        question.exam_only = data.exam_only
    version = add_version(question, content, actor, note) if content_changed else None
    if version is not None:
        changed["version"] = [current.number if current else None, version.number]
    if changed:
        question.updated_at = utcnow()
        audit.record("question.edited", object_type="question", object_id=question.id,
                     summary=html_to_text(content.stem)[:120], details=changed, actor=actor)
    db.session.flush()
    return version


def set_status(questions: list[Question], status: QuestionStatus, actor: User | None) -> int:
    changed = [q for q in questions if q.status != status]
    for question in changed:
        question.status = status
        question.updated_at = utcnow()
    if changed:
        audit.record("question.retired" if status == QuestionStatus.RETIRED else "question.restored",
                     object_type="question", object_id=changed[0].id if len(changed) == 1 else None,
                     summary=_("%(num)d questions", num=len(changed)),
                     details={"ids": [q.id for q in changed]}, actor=actor)
    db.session.flush()
    return len(changed)


def questions_by_ids(ids: list[int]) -> list[Question]:
    if not ids:
        raise InvalidInput(_("Select at least one question."))
    return list(db.session.scalars(select(Question).where(Question.id.in_(ids)).order_by(Question.id)))


def bulk_move(ids: list[int], module_id: int, actor: User | None) -> int:
    module = get_module(module_id)
    questions = questions_by_ids(ids)
    db.session.execute(update(Question).where(Question.id.in_([q.id for q in questions]))
                       .values(module_id=module.id, updated_at=utcnow()))
    audit.record("question.moved", object_type="question", summary=module.name,
                 details={"ids": [q.id for q in questions], "module_id": module.id}, actor=actor)
    db.session.flush()
    return len(questions)


def bulk_tag(ids: list[int], tags: list[str], actor: User | None) -> int:
    tags = clean_tags(tags)
    if not tags:
        raise InvalidInput(_("Enter at least one tag."), field="tags")
    questions = questions_by_ids(ids)
    for question in questions:
        question.set_tags(question.tags + [t for t in tags if t not in question.tags])
    audit.record("question.tagged", object_type="question", summary="、".join(tags),
                 details={"ids": [q.id for q in questions], "tags": tags}, actor=actor)
    db.session.flush()
    return len(questions)


# ---- browsing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModuleCount:
    module: str
    type: str
    active: int
    retired: int


def stats() -> list[ModuleCount]:
    rows = db.session.execute(
        select(QuestionModule.name, Question.type, Question.status, func.count())
        .join(QuestionModule, Question.module_id == QuestionModule.id)
        .group_by(QuestionModule.name, QuestionModule.sort_order, Question.type, Question.status)
        .order_by(QuestionModule.sort_order, QuestionModule.name, Question.type)).all()
    merged: dict[tuple[str, str], list[int]] = {}
    for module, type_name, status, count in rows:
        slot = merged.setdefault((module, type_name), [0, 0])
        slot[0 if status == QuestionStatus.ACTIVE else 1] += count
    return [ModuleCount(m, t, a, r) for (m, t), (a, r) in merged.items()]


def fingerprints_in_bank(keys: set[str]) -> set[str]:
    """Which of ``keys`` the bank has, looked up through the fingerprint index in chunks: the
    work grows with the import, not with the bank."""
    wanted = sorted(keys)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(db.session.scalars(select(Question.fingerprint).distinct()
                                        .where(Question.fingerprint.in_(wanted[start:start + 500]))))
    return found


def uids_in_bank(uids: list[str]) -> dict[str, Question]:
    found: dict[str, Question] = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start:start + 500]
        for question in db.session.scalars(select(Question).where(Question.uid.in_(chunk))):
            found[question.uid] = question
    return found


# ---- editor support ------------------------------------------------------------------------

def preview_content(content: QuestionContent) -> tuple[QuestionContent, list[FieldProblem]]:
    """The content as it would be stored (stem sanitised) and what still keeps it from being
    saved, without raising: the editor's live preview shows both while the officer types."""
    try:
        return clean_content(content), []
    except QuestionInvalid as error:
        stem = sanitize_stem_html(content.stem) if isinstance(content.stem, str) else ""
        return replace(content, stem=stem), error.problems
