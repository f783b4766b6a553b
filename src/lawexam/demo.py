"""The demo town, modelled on the real case: one town, 6 villages, 3 communities and the
town offices, about 120 people with 11 enforcement officers and 30 legal-literate persons.

Demo data only: every account's password is ``lawexam-demo`` with no forced change.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select

from lawexam.audit import services as audit
from lawexam.auth.models import Category, OrgUnit, Role, UnitKind, User
from lawexam.auth.passwords import hash_password
from lawexam.extensions import db

DEMO_PASSWORD = "lawexam-demo"
TOWN = "青山镇"
VILLAGES = ["东风村", "红旗村", "清水村", "桃园村", "石桥村", "柳湾村"]
COMMUNITIES = ["新城社区", "河畔社区", "振兴社区"]
OFFICES = [
    ("党政办公室", UnitKind.OFFICE), ("综合执法中队", UnitKind.STATION), ("司法所", UnitKind.STATION),
    ("应急管理办公室", UnitKind.OFFICE), ("经济发展办公室", UnitKind.OFFICE),
    ("社会事务办公室", UnitKind.OFFICE), ("自然资源所", UnitKind.STATION),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "志强", "海燕", "建国", "国庆", "春梅",
         "晓东", "玉兰", "德明", "振华", "丽萍", "永红", "宏伟", "淑珍", "海涛", "子涵", "雨欣", "浩然", "思远"]


@dataclass(frozen=True)
class DemoSummary:
    town: OrgUnit
    units: int
    people: int
    enforcement: int
    legal_literate: int


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name


def build_demo_town(seed: int = 2023) -> DemoSummary:
    rng = random.Random(seed)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: 120 Argon2 runs would take seconds
    town = OrgUnit(name=TOWN, kind=UnitKind.TOWN, sort_order=0)
    villages = [OrgUnit(name=n, kind=UnitKind.VILLAGE, parent=town, sort_order=10 + i) for i, n in enumerate(VILLAGES)]
    communities = [OrgUnit(name=n, kind=UnitKind.COMMUNITY, parent=town, sort_order=20 + i) for i, n in enumerate(COMMUNITIES)]
    offices = {n: OrgUnit(name=n, kind=k, parent=town, sort_order=30 + i) for i, (n, k) in enumerate(OFFICES)}
    db.session.add_all([town, *villages, *communities, *offices.values()])

    used: set[str] = set()
    people: list[User] = []

    def person(account: str, unit: OrgUnit, categories: set[Category], roles: set[Role],
               name: str | None = None, cert: str | None = None) -> User:
        user = User(account=account, real_name=name or _name(rng, used), unit=unit,
                    password_hash=password_hash, must_change_password=False, active=True,
                    enforcement_cert_no=cert)
        user.set_categories(categories)
        user.set_roles(roles)
        people.append(user)
        return user

    person("admin", offices["党政办公室"], {Category.CADRE}, {Role.ADMIN, Role.OFFICER}, name="系统管理员")
    person("officer", offices["司法所"], {Category.CADRE}, {Role.OFFICER, Role.EXAMINEE}, name="周培训")
    person("reviewer", offices["党政办公室"], {Category.CADRE}, {Role.REVIEWER}, name="吴法治")

    numbered: list[tuple[OrgUnit, set[Category], set[Role]]] = []
    # 11 enforcement officers: 8 in the enforcement squad, 2 in natural resources, 1 at the justice office.
    numbered += [(offices["综合执法中队"], {Category.ENFORCEMENT, Category.CADRE}, {Role.EXAMINEE})] * 8
    numbered += [(offices["自然资源所"], {Category.ENFORCEMENT, Category.CADRE}, {Role.EXAMINEE})] * 2
    numbered += [(offices["司法所"], {Category.ENFORCEMENT, Category.CADRE}, {Role.EXAMINEE})]
    for unit in villages + communities:
        # Per village or community: a head, 3 committee members (one also a legal-literate
        # person), 2 grid workers, 2 more legal-literate persons; 8 people, 3 法律明白人.
        numbered.append((unit, {Category.COMMITTEE}, {Role.EXAMINEE, Role.UNIT_HEAD}))
        numbered += [(unit, {Category.COMMITTEE}, {Role.EXAMINEE})] * 2
        numbered.append((unit, {Category.COMMITTEE, Category.LEGAL_LITERATE}, {Role.EXAMINEE}))
        numbered += [(unit, {Category.GRID}, {Role.EXAMINEE})] * 2
        numbered += [(unit, {Category.LEGAL_LITERATE}, {Role.EXAMINEE})] * 2
    # The last 3 legal-literate persons (to reach 30) work as grid workers in the first villages.
    numbered += [(villages[i], {Category.GRID, Category.LEGAL_LITERATE}, {Role.EXAMINEE}) for i in range(3)]
    for name in ("党政办公室", "应急管理办公室", "经济发展办公室", "社会事务办公室"):
        numbered += [(offices[name], {Category.CADRE}, {Role.EXAMINEE})] * 5
    numbered += [(offices["司法所"], {Category.CADRE}, {Role.EXAMINEE})] * 2
    numbered += [(offices["社会事务办公室"], {Category.OTHER}, {Role.EXAMINEE})] * 2
    # Village group heads and similar helpers who also sit the exam.
    numbered += [(village, {Category.OTHER}, {Role.EXAMINEE}) for village in villages]

    cert_serial = 0
    for index, (unit, categories, roles) in enumerate(numbered, start=1):
        cert = None
        if Category.ENFORCEMENT in categories:
            cert_serial += 1
            cert = f"QS-ZF-{cert_serial:04d}"
        person(f"examinee{index:02d}", unit, set(categories), set(roles), cert=cert)

    db.session.add_all(people)
    db.session.flush()
    audit.record("demo.loaded", object_type="demo", summary=TOWN,
                 details={"people": len(people)})
    return DemoSummary(
        town=town, units=1 + len(villages) + len(communities) + len(offices), people=len(people),
        enforcement=sum(1 for p in people if Category.ENFORCEMENT in p.categories),
        legal_literate=sum(1 for p in people if Category.LEGAL_LITERATE in p.categories),
    )
