"""Import a 10,000-question .xlsx: time and peak memory (target: < 10 s, < 300 MB).

    .venv/bin/python benchmarks/import_bank.py [--questions 10000] [--db sqlite|postgresql|all]

Each run happens in a fresh child process so its peak resident memory is its own. "cpu" is
this process's CPU time (the PostgreSQL server's is not in it): on a busy machine it shows how
much of the wall time is the import's own work.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TYPES = ["单选题", "多选题", "判断题", "填空题"]
MODULES = ["宪法", "民法典", "行政处罚法", "安全生产法", "反电信网络诈骗法"]
# Issue 3, measured before the rework (openpyxl's read-only reader, multi-row INSERT … RETURNING
# for every table) on the shared 2-core machine, at load average ~1: total, parse, write, peak.
BEFORE = {"sqlite": "7.3 s (parse 5.4 s, write 1.9 s), 121 MB",
          "postgresql": "10.8 s (parse 4.8 s, write 6.0 s), 131 MB"}


def make_workbook(count: int, seed: int = 7) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("题库")
    sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "模块", "标签", "依据"])
    for n in range(count):
        kind = TYPES[n % 4]
        stem = f"第{n}题：依照有关法律规定，下列关于第{rng.randint(1, 300)}条的说法哪项正确？编号{n}"
        options = [f"选项{n}-{k}" for k in "ABCD"]
        answer = {"单选题": "B", "多选题": "A、C", "判断题": "对", "填空题": f"答案{n}/答{n}"}[kind]
        if kind == "填空题":
            stem = f"第{n}题：本法自____起施行（编号{n}）。"
        if kind in ("判断题", "填空题"):
            options = ["", "", "", ""]
        sheet.append([kind, stem, *options, answer, f"解析{n}：见法律条文。", rng.randint(1, 5),
                      rng.choice(MODULES), "基础", f"某法第{rng.randint(1, 90)}条"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def child(backend: str, count: int) -> None:
    logging.disable(logging.INFO)
    from _support import benchmark_app
    from sqlalchemy import func, select

    from lawexam.extensions import db
    from lawexam.questions.importing import apply_import, plan_import
    from lawexam.questions.models import Question

    data = make_workbook(count)
    with benchmark_app(backend) as _app:
        cpu_started = time.process_time()
        started = time.perf_counter()
        plan = plan_import([("bench.xlsx", data)])
        planned = time.perf_counter()
        apply_import(plan, skip_invalid=False, actor=None)
        db.session.commit()
        finished = time.perf_counter()
        cpu = time.process_time() - cpu_started
        stored = db.session.scalar(select(func.count()).select_from(Question))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"backend": backend, "questions": count, "stored": stored, "errors": len(plan.errors),
                      "parse_validate_s": planned - started, "write_s": finished - planned,
                      "total_s": finished - started, "cpu_s": cpu, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.questions)
        return
    from _support import postgres_answers

    backends = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    if "postgresql" in backends and not postgres_answers():
        print("PostgreSQL does not answer; skipping it.")
        backends.remove("postgresql")
    failed = False
    for backend in backends:
        out = subprocess.run([sys.executable, __file__, "--child", backend, "--questions", str(args.questions)],
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        r = json.loads(out)
        ok = r["total_s"] < 10 and r["peak_mb"] < 300 and r["stored"] == args.questions and r["errors"] == 0
        failed |= not ok
        print(f"{backend:10s} {r['questions']} questions: parse+validate {r['parse_validate_s']:.2f} s, "
              f"write {r['write_s']:.2f} s, total {r['total_s']:.2f} s (cpu {r['cpu_s']:.2f} s), "
              f"peak {r['peak_mb']:.0f} MB, stored {r['stored']}  {'PASS' if ok else 'FAIL'} (target < 10 s, < 300 MB)")
        if args.questions == 10_000:
            print(f"{'':10s} before issue 3: {BEFORE[backend]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
