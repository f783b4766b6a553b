"""Org units: the town and the villages, communities, offices and stations under it."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from lawexam.audit import services as audit
from lawexam.auth.models import OrgUnit, UnitKind, User
from lawexam.errors import InvalidInput, NotFound
from lawexam.extensions import db
from lawexam.i18n import _, ngettext


@dataclass(frozen=True)
class UnitNode:
    unit: OrgUnit
    depth: int
    member_count: int


def get_unit(unit_id: int) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(_("No such unit."))
    return unit


def all_units(include_inactive: bool = True) -> list[OrgUnit]:
    query = select(OrgUnit).order_by(OrgUnit.sort_order, OrgUnit.id)
    if not include_inactive:
        query = query.where(OrgUnit.active.is_(True))
    return list(db.session.scalars(query))


def unit_tree(include_inactive: bool = True) -> list[UnitNode]:
    """Units in display order, depth-first, with how many active people each holds."""
    units = all_units(include_inactive)
    counts = dict(db.session.execute(
        select(User.unit_id, func.count()).where(User.active.is_(True)).group_by(User.unit_id)).all())
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    known = {u.id for u in units}
    nodes: list[UnitNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            nodes.append(UnitNode(unit, depth, counts.get(unit.id, 0)))
            walk(unit.id, depth + 1)

    walk(None, 0)
    # Units whose parent is filtered out (inactive) still appear, at the top level.
    for unit in units:
        if unit.parent_id is not None and unit.parent_id not in known:
            nodes.append(UnitNode(unit, 0, counts.get(unit.id, 0)))
            walk(unit.id, 1)
    return nodes


def descendant_ids(unit_id: int) -> set[int]:
    parent_of = dict(db.session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all())
    result = {unit_id}
    changed = True
    while changed:
        changed = False
        for child, parent in parent_of.items():
            if parent in result and child not in result:
                result.add(child)
                changed = True
    return result


def unit_path(unit: OrgUnit | None) -> str:
    names: list[str] = []
    while unit is not None:
        names.append(unit.name)
        unit = unit.parent
    return " / ".join(reversed(names))


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the unit's name."), field="name")
    if len(name) > 64:
        raise InvalidInput(_("A unit name can have at most 64 characters."), field="name")
    return name


def _check_sibling_name(name: str, parent_id: int | None, exclude_id: int | None = None) -> None:
    query = select(OrgUnit.id).where(OrgUnit.name == name)
    query = query.where(OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id)
    if exclude_id is not None:
        query = query.where(OrgUnit.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise InvalidInput(_("There is already a unit called %(name)s here.", name=name), field="name")


def _check_parent(kind: UnitKind, parent: OrgUnit | None) -> None:
    if kind == UnitKind.TOWN and parent is not None:
        raise InvalidInput(_("A town is the top of the tree and has no parent unit."), field="parent_id")
    if kind != UnitKind.TOWN and parent is None:
        raise InvalidInput(_("Choose the unit this one belongs to."), field="parent_id")
    if parent is not None and not parent.active:
        raise InvalidInput(_("The parent unit is deactivated."), field="parent_id")


def create_unit(name: str, kind: UnitKind, parent_id: int | None) -> OrgUnit:
    name = _clean_name(name)
    parent = get_unit(parent_id) if parent_id else None
    _check_parent(kind, parent)
    _check_sibling_name(name, parent_id)
    unit = OrgUnit(name=name, kind=kind, parent=parent, active=True)
    db.session.add(unit)
    db.session.flush()
    audit.record("unit.created", object_type="unit", object_id=unit.id, summary=name,
                 details={"kind": kind.value, "parent_id": parent_id})
    return unit


def update_unit(unit: OrgUnit, name: str, kind: UnitKind, parent_id: int | None) -> OrgUnit:
    name = _clean_name(name)
    parent = get_unit(parent_id) if parent_id else None
    if parent_id is not None and parent_id in descendant_ids(unit.id):
        raise InvalidInput(_("A unit cannot be moved under itself or one of its own units."), field="parent_id")
    _check_parent(kind, parent)
    _check_sibling_name(name, parent_id, exclude_id=unit.id)
    before = {"name": unit.name, "kind": unit.kind.value, "parent_id": unit.parent_id}
    unit.name, unit.kind, unit.parent = name, kind, parent
    after = {"name": name, "kind": kind.value, "parent_id": parent_id}
    if before != after:
        action = "unit.moved" if before["parent_id"] != parent_id else "unit.updated"
        audit.record(action, object_type="unit", object_id=unit.id, summary=name,
                     details={"before": before, "after": after})
    db.session.flush()
    return unit


def set_unit_active(unit: OrgUnit, active: bool) -> None:
    if not active:
        people = db.session.scalar(select(func.count()).select_from(User).where(
            User.unit_id == unit.id, User.active.is_(True)))
        if people:
            raise InvalidInput(ngettext("%(name)s still has %(num)d active person. Move or deactivate them first.",
                                        "%(name)s still has %(num)d active people. Move or deactivate them first.",
                                        people, name=unit.name))
        if any(child.active for child in unit.children):
            raise InvalidInput(_("%(name)s still has active units under it. Deactivate or move them first.",
                                 name=unit.name))
    elif unit.parent is not None and not unit.parent.active:
        raise InvalidInput(_("Reactivate the parent unit first."))
    if unit.active != active:
        unit.active = active
        audit.record("unit.reactivated" if active else "unit.deactivated",
                     object_type="unit", object_id=unit.id, summary=unit.name)
    db.session.flush()


def find_unit_by_name(name: str, units: list[OrgUnit]) -> list[OrgUnit]:
    """Units matching a plain name or a "parent/child" path (for imports)."""
    name = re.sub(r"\s*[/／]\s*", "/", name.strip())
    if "/" in name:
        return [u for u in units if unit_path(u).replace(" / ", "/").endswith(name)]
    return [u for u in units if u.name == name]
