"""The officer's bank browser on a 20,000-question bank: server time per page (target < 150 ms).

    .venv/bin/python benchmarks/bank_browser.py [--questions 20000] [--requests 30] [--db sqlite|postgresql|all]

Each backend runs in a fresh child process on a throw-away database. Every page is requested
a few times to warm up, then ``--requests`` times through the Flask test client with a signed-in
training officer; the figures are the median and 95th percentile of the whole request (query,
template, response), i.e. server time without the network; "app cpu" is the median CPU time
of the app process alone (not the database server's), steadier than wall time on a busy machine.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_MS = 150
MODULES = ["宪法", "民法典", "行政处罚法", "安全生产法", "反电信网络诈骗法", "土地管理法", "信访工作条例", "习近平法治思想"]
TAGS = ["基础", "重点", "易错", "案例", "2024新增", "执法", "基层治理", "民生", "程序", "条文"]
SUBJECTS = ["行政机关", "村民委员会", "执法人员", "生产经营单位", "公民", "镇人民政府", "网格员", "法律明白人"]
VERBS = ["依法实施", "应当告知", "不得擅自", "可以申请", "必须公开", "依照规定处理", "负责监督", "予以登记"]
OBJECTS = ["行政处罚决定", "安全生产责任制", "宅基地审批", "个人信息", "土地承包经营权", "电信网络诈骗线索",
           "听证程序", "信访事项", "法治宣传教育", "合同纠纷"]
SEARCH_COMMON = "行政处罚"   # in about one stem in ten
SEARCH_RARE = "编号12345"    # in exactly one stem


def _content(n: int, rng: random.Random):
    from lawexam.questions.qtypes import Option, QuestionContent

    stem = (f"第{n}题：根据《{rng.choice(MODULES)}》第{rng.randint(1, 120)}条，{rng.choice(SUBJECTS)}"
            f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}，下列说法正确的是（编号{n}）")
    options = tuple(Option(key, f"{rng.choice(SUBJECTS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}{n}{key}")
                    for key in "ABCD")
    difficulty = rng.randint(1, 5)
    kind = n % 10
    if kind < 5:
        return QuestionContent("single", stem, options, "B", "解析：见条文。", "依据条文", difficulty)
    if kind < 7:
        return QuestionContent("multiple", stem, options, ("A", "C"), "解析：见条文。", "依据条文", difficulty)
    if kind < 9:
        return QuestionContent("truefalse", stem + "。", (), True, "解析：见条文。", "依据条文", difficulty)
    return QuestionContent("fill", f"第{n}题：{rng.choice(OBJECTS)}应当自____之日起施行（编号{n}）。", (),
                           ((f"公布{n}",),), "", "", difficulty)


def seed(count: int, seed_value: int = 11) -> dict[str, object]:
    """``count`` questions through the bank's bulk path; one in ten retired."""
    from sqlalchemy import update

    from lawexam.auth.models import OrgUnit, Role, UnitKind, User
    from lawexam.auth.passwords import hash_password
    from lawexam.extensions import db
    from lawexam.questions import bank
    from lawexam.questions.models import Question, QuestionStatus

    rng = random.Random(seed_value)
    modules = [bank.ensure_module(f"bench-{i}", name, i) for i, name in enumerate(MODULES)]
    items = []
    for n in range(count):
        tags = rng.sample(TAGS, rng.randint(0, 3))
        data = bank.QuestionInput(modules[rng.randrange(len(modules))].id, bank.clean_content(_content(n, rng)),
                                  tags, exam_only=n % 50 == 0)
        items.append(bank.NewQuestion(data, uid=f"bench-{n:05d}"))
    for start in range(0, len(items), 1000):
        bank.bulk_create(items[start:start + 1000], None)
    db.session.execute(update(Question).where(Question.id % 10 == 3).values(status=QuestionStatus.RETIRED))
    town = OrgUnit(name="压测镇", kind=UnitKind.TOWN)
    db.session.add(town)
    db.session.flush()
    officer = User(account="officer", real_name="培训管理员", unit=town, password_hash=hash_password("bench-pass"),
                   must_change_password=False, active=True)
    officer.set_roles({Role.OFFICER})
    db.session.add(officer)
    db.session.commit()
    return {"module": modules[3].id, "other_module": modules[1].id}


def cases(ids: dict[str, object]) -> list[tuple[str, str]]:
    module = ids["module"]
    return [
        ("first page, no filter", ""),
        ("module", f"module={module}"),
        ("type", "type=multiple"),
        ("difficulty", "difficulty=4"),
        ("status retired", "status=retired"),
        ("status all", "status=all"),
        ("tag", "tag=易错"),
        (f"search common ({SEARCH_COMMON})", f"q={SEARCH_COMMON}"),
        (f"search rare ({SEARCH_RARE})", f"q={SEARCH_RARE}"),
        ("search, no match", "q=不存在的词语"),
        ("page 200", "page=200"),
        ("last page (status all)", "status=all&page=667"),
        ("module+type+difficulty", f"module={module}&type=single&difficulty=3"),
        ("module+tag+status all", f"module={module}&tag=重点&status=all"),
        ("search+module+page 3", f"q={SEARCH_COMMON}&module={module}&page=3"),
    ]


def child(backend: str, count: int, requests: int) -> None:
    logging.disable(logging.INFO)
    from urllib.parse import quote

    from _support import benchmark_app

    with benchmark_app(backend) as app:
        started = time.perf_counter()
        ids = seed(count)
        seeded = time.perf_counter() - started
        client = app.test_client()
        response = client.post("/login", data={"account": "officer", "password": "bench-pass"})
        assert response.status_code == 302, response.status_code
        results = []
        for label, query in cases(ids):
            url = "/admin/questions/?" + "&".join(
                f"{k}={quote(v)}" for k, v in (part.split("=", 1) for part in query.split("&") if part))
            timings, cpu = [], []
            for n in range(3 + requests):
                began, cpu_began = time.perf_counter(), time.process_time()
                response = client.get(url)
                elapsed = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if n >= 3:
                    timings.append(elapsed)
                    cpu.append((time.process_time() - cpu_began) * 1000)
            timings.sort()
            results.append({"label": label, "median_ms": statistics.median(timings), "cpu_ms": statistics.median(cpu),
                            "p95_ms": timings[math.ceil(len(timings) * 0.95) - 1], "bytes": len(response.data)})
    print(json.dumps({"backend": backend, "questions": count, "seed_s": seeded, "results": results}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.questions, args.requests)
        return
    from _support import postgres_answers

    backends = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    if "postgresql" in backends and not postgres_answers():
        print("PostgreSQL does not answer; skipping it.")
        backends.remove("postgresql")
    failed = False
    for backend in backends:
        out = subprocess.run([sys.executable, __file__, "--child", backend, "--questions", str(args.questions),
                              "--requests", str(args.requests)],
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        report = json.loads(out)
        print(f"\n{backend}: {report['questions']} questions (seeded in {report['seed_s']:.1f} s), "
              f"{args.requests} requests per page, target p95 < {TARGET_MS} ms")
        print(f"  {'page':38s} {'median':>9s} {'p95':>9s} {'app cpu':>9s}")
        for row in report["results"]:
            ok = row["p95_ms"] < TARGET_MS
            failed |= not ok
            print(f"  {row['label']:38s} {row['median_ms']:7.1f}ms {row['p95_ms']:7.1f}ms {row['cpu_ms']:7.1f}ms  {'PASS' if ok else 'FAIL'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
