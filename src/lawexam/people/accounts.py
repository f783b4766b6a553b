"""Accounts: what counts as a valid account, name and category, in forms and imports alike."""
from __future__ import annotations

import re

from lawexam.auth.models import Category, Role
from lawexam.i18n import _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
STAFF_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{2,31}$")

# Spellings seen in real rosters, mapped to our categories.
CATEGORY_NAMES: dict[str, Category] = {
    "干部": Category.CADRE, "机关干部": Category.CADRE,
    "村（社区）两委成员": Category.COMMITTEE, "村(社区)两委成员": Category.COMMITTEE,
    "两委成员": Category.COMMITTEE, "村两委": Category.COMMITTEE, "社区两委": Category.COMMITTEE,
    "村两委成员": Category.COMMITTEE, "社区两委成员": Category.COMMITTEE,
    "网格员": Category.GRID,
    "执法人员": Category.ENFORCEMENT, "行政执法人员": Category.ENFORCEMENT,
    "法律明白人": Category.LEGAL_LITERATE,
    "其他": Category.OTHER, "其它": Category.OTHER,
}
ROLE_NAMES: dict[str, Role] = {
    "考生": Role.EXAMINEE, "学员": Role.EXAMINEE,
    "单位负责人": Role.UNIT_HEAD,
    "审阅人": Role.REVIEWER, "镇法治办": Role.REVIEWER,
    "培训管理员": Role.OFFICER,
    "系统管理员": Role.ADMIN,
}
CATEGORY_DISPLAY = {
    Category.CADRE: "干部", Category.COMMITTEE: "村（社区）两委成员", Category.GRID: "网格员",
    Category.ENFORCEMENT: "执法人员", Category.LEGAL_LITERATE: "法律明白人", Category.OTHER: "其他",
}
ROLE_DISPLAY = {
    Role.EXAMINEE: "考生", Role.UNIT_HEAD: "单位负责人", Role.REVIEWER: "审阅人",
    Role.OFFICER: "培训管理员", Role.ADMIN: "系统管理员",
}
LIST_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def account_problem(account: str) -> str | None:
    if not account:
        return _("Enter an account or mobile number.")
    if account.isdigit():
        if not MOBILE_RE.match(account):
            return _("%(value)s is not a valid mobile number (11 digits starting with 1).", value=account)
        return None
    if not STAFF_NUMBER_RE.match(account):
        return _("An account is a mobile number or 3–32 letters, digits, “.”, “-” or “_”.")
    return None


def mobile_of(account: str) -> str | None:
    return account if MOBILE_RE.match(account) else None


def parse_names(text: str, table: dict[str, object]) -> tuple[set, list[str]]:
    """Split a cell like "网格员、法律明白人" into known values and unknown names."""
    known, unknown = set(), []
    for part in LIST_SEPARATORS.split(text.strip()):
        if not part:
            continue
        value = table.get(part) or table.get(part.replace("(", "（").replace(")", "）"))
        if value is None:
            try:
                value = type(next(iter(table.values())))(part.lower())
            except ValueError:
                unknown.append(part)
                continue
        known.add(value)
    return known, unknown


# Only an administrator may hand out the powerful roles.
ROLES_ONLY_ADMIN_GRANTS = frozenset({Role.OFFICER, Role.ADMIN})
