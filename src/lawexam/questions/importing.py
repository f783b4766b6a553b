"""Question import: parse every file, validate everything, show a preview, then write in one
transaction. Problems name the file, the row or line, and the field."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from lawexam.audit import services as audit
from lawexam.auth.models import User
from lawexam.extensions import db
from lawexam.i18n import _
from lawexam.questions import bank
from lawexam.questions.fingerprint import fingerprint
from lawexam.questions.formats import (
    DROPPED, DUPLICATE, ERROR, UNSUPPORTED, WARNING, Draft, ImportProblem, ModuleHeader, ParseResult,
    find_duplicates, parse_file,
)
from lawexam.questions.media import MAX_IMAGE_BYTES, media_url, sniff_image, store_image
from lawexam.questions.models import Question, QuestionModule
from lawexam.questions.qtypes import QuestionContent
from lawexam.questions.richtext import replace_attachment_sources

BATCH = 500


class ItemStatus(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"  # same stable id as a bank question, different content: a new version


@dataclass
class ImportItem:
    draft: Draft
    status: ItemStatus
    existing: Question | None = None


@dataclass
class QuestionImportPlan:
    files: list[str]
    items: list[ImportItem] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    headers: dict[str, ModuleHeader] = field(default_factory=dict)
    default_module: str | None = None

    def of(self, severity: str) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == severity]

    @property
    def errors(self) -> list[ImportProblem]:
        return self.of(ERROR)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "new": sum(1 for i in self.items if i.status == ItemStatus.NEW),
            "update": sum(1 for i in self.items if i.status == ItemStatus.UPDATE),
            "duplicate": len(self.of(DUPLICATE)),
            "invalid": len({(p.file, p.location) for p in self.errors}),
            "unsupported": len(self.of(UNSUPPORTED)),
            "dropped": len(self.of(DROPPED)),
            "warning": len(self.of(WARNING)),
        }

    def can_import(self, skip_invalid: bool) -> bool:
        return bool(self.items) and (skip_invalid or not self.errors)


@dataclass
class ImportOutcome:
    created: int
    updated: int
    duplicates: int
    invalid: int
    unsupported: int


class ImportBlocked(Exception):
    pass


def _check_attachments(result: ParseResult) -> None:
    keep: list[Draft] = []
    for draft in result.drafts:
        bad = [name for name, data in draft.attachments.items()
               if len(data) > MAX_IMAGE_BYTES or sniff_image(data) is None]
        if bad:
            result.problems.append(ImportProblem(getattr(draft, "file", ""), draft.location, "stem", _(
                "The embedded file %(names)s is not a PNG, JPEG, GIF or WebP image of at most 2 MB.",
                names="、".join(bad)), ERROR))
        else:
            keep.append(draft)
    result.drafts = keep


def plan_import(files: list[tuple[str, bytes]], default_module: str | None = None) -> QuestionImportPlan:
    plan = QuestionImportPlan(files=[name for name, _data in files], default_module=default_module)
    combined = ParseResult()
    for name, data in files:
        result = parse_file(name, data)
        if result.module_header is not None:
            plan.headers[name] = result.module_header
        combined.extend(result)
    _check_attachments(combined)
    # A question whose stable id is already in the bank is compared with that question, not
    # flagged as a duplicate of itself: unchanged it is skipped, changed it gets a new version.
    # Only the project's own YAML carries every field and our stable ids; other systems' names
    # (a GIFT title, a Moodle idnumber) are not ours, and matching on them would overwrite a
    # question's basis and difficulty with a format that cannot hold them.
    for draft in combined.drafts:
        if getattr(draft, "file", "") not in plan.headers:
            draft.external_id = None
    existing = bank.uids_in_bank([d.external_id for d in combined.drafts if d.external_id])
    own = {q.fingerprint for q in existing.values()}
    in_bank = bank.fingerprints_in_bank({fingerprint(d.content) for d in combined.drafts})
    checked = find_duplicates(combined, in_bank - own)
    plan.problems = checked.problems
    for draft in checked.drafts:
        question = existing.get(draft.external_id) if draft.external_id else None
        if question is None:
            plan.items.append(ImportItem(draft, ItemStatus.NEW))
        elif bank.clean_content(draft.content) == question.current_version.content():
            plan.problems.append(ImportProblem(getattr(draft, "file", ""), draft.location, "id", _(
                "Question %(id)s is already in the bank unchanged; skipped.", id=draft.external_id), DUPLICATE))
        else:
            plan.items.append(ImportItem(draft, ItemStatus.UPDATE, question))
    return plan


def _module_for(plan: QuestionImportPlan, draft: Draft, cache: dict[str, QuestionModule]) -> QuestionModule:
    header = plan.headers.get(getattr(draft, "file", ""))
    key = f"h:{header.code}" if header else f"n:{draft.module or plan.default_module or ''}"
    if key not in cache:
        if header is not None:
            cache[key] = bank.ensure_module(header.code, header.name, header.order)
        else:
            cache[key] = bank.module_for_import(plan.default_module or draft.module)
    return cache[key]


def _with_stored_images(draft: Draft, actor: User | None) -> QuestionContent:
    content = draft.content
    if not draft.attachments:
        return content
    stored = {name: media_url(store_image(data, actor)) for name, data in draft.attachments.items()}
    stem = replace_attachment_sources(content.stem, lambda name: stored.get(name, ""))
    return QuestionContent(content.type, stem, content.options, content.answer, content.explanation,
                           content.basis, content.difficulty)


def apply_import(plan: QuestionImportPlan, *, skip_invalid: bool, actor: User | None) -> ImportOutcome:
    """Write the plan in the caller's transaction (the caller commits once)."""
    if not plan.can_import(skip_invalid):
        raise ImportBlocked(_("The files have problems; nothing was imported."))
    modules: dict[str, QuestionModule] = {}
    created = updated = 0
    batch: list[bank.NewQuestion] = []
    for item in plan.items:
        module = _module_for(plan, item.draft, modules)
        content = bank.clean_content(_with_stored_images(item.draft, actor))
        data = bank.QuestionInput(module.id, content, list(item.draft.tags), item.draft.exam_only)
        if item.existing is not None:
            bank.edit_question(item.existing, data, actor, allow_duplicate=True,
                               note=_("imported from %(file)s", file=getattr(item.draft, "file", "")))
            updated += 1
            continue
        batch.append(bank.NewQuestion(data, item.draft.external_id))
        if len(batch) >= BATCH:
            created += bank.bulk_create(batch, actor)
            batch = []
    created += bank.bulk_create(batch, actor)
    db.session.flush()
    counts = plan.counts
    outcome = ImportOutcome(created=created, updated=updated, duplicates=counts["duplicate"],
                            invalid=counts["invalid"], unsupported=counts["unsupported"])
    audit.record("questions.imported", object_type="question_bank", summary="、".join(plan.files)[:255],
                 details={"files": plan.files, "created": created, "updated": updated,
                          "duplicates": outcome.duplicates, "invalid": outcome.invalid,
                          "unsupported": outcome.unsupported}, actor=actor)
    return outcome


def target_module_names(plan: QuestionImportPlan) -> list[str]:
    """For the preview: the module each planned item will land in (as ``apply_import`` picks
    it), one name per item, without creating anything."""
    found: dict[str, str] = {}
    names: list[str] = []
    for item in plan.items:
        header = plan.headers.get(getattr(item.draft, "file", ""))
        if header is not None:
            names.append(header.name)
            continue
        wanted = (plan.default_module or item.draft.module or "").strip()
        if wanted not in found:
            module = bank.module_by_name(wanted) if wanted else None
            found[wanted] = module.name if module is not None else (wanted or _("Uncategorised"))
        names.append(found[wanted])
    return names
