"""Finding questions that are already in the bank or repeat earlier in the same file."""
from __future__ import annotations

from lawexam.i18n import _
from lawexam.questions.fingerprint import fingerprint
from lawexam.questions.formats.base import DUPLICATE, Draft, ImportProblem, ParseResult


def find_duplicates(result: ParseResult, existing_fingerprints: set[str]) -> ParseResult:
    """A copy of ``result`` with repeated drafts moved to "duplicate" problems.

    The first occurrence in the file is kept; anything already in the bank is never kept.
    """
    kept = []
    problems = list(result.problems)
    first_seen: dict[str, Draft] = {}
    for draft in result.drafts:
        key = fingerprint(draft.content)
        first = first_seen.get(key)
        if key in existing_fingerprints:
            message = _("The same question is already in the bank; skipped.")
        elif first is not None and first.file == draft.file:
            message = _("The same question as %(location)s of this file; skipped.",
                        location=first.location)
        elif first is not None:
            message = _("The same question as %(location)s of %(file)s; skipped.",
                        location=first.location, file=first.file)
        else:
            first_seen[key] = draft
            kept.append(draft)
            continue
        problems.append(ImportProblem(draft.file, draft.location, "stem", message, DUPLICATE))
    return ParseResult(drafts=kept, problems=problems, module_header=result.module_header)
