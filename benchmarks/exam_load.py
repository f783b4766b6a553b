"""Exam-day load: many examinees log in, start, autosave and submit at once.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/exam_load.py [--examinees 2000] [--db sqlite|postgresql|all]
                                             [--seconds 120] [--workers N]

Starts the app under gunicorn as `lawexam serve` runs it, on 127.0.0.1 only, against a fresh
database (and PostgreSQL when it answers); seeds the examinees and one open exam of 50
questions drawn by rules from a 10,000-question bank; drives the JSON API with an async
client; then checks the database (every acknowledged save stored, every attempt graded
once: `lost: N`). A bare baseline doing the same one-row upsert with no app logic runs
under the same server settings to give `autosave/baseline ratio`. Prints PASS/FAIL against
the targets. Stops every process it started. Never part of `make test`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "Bench-Password-2026"

SEED = r'''
import sys, random
from datetime import timedelta
from lawexam import create_app
from lawexam.extensions import db
from lawexam.db import utcnow
from lawexam.auth.models import OrgUnit, UnitKind, User, UserCategory, UserRole, Category, Role
from lawexam.auth.passwords import hash_password
from lawexam.questions import bank
from lawexam.questions.qtypes import QuestionContent, Option
from lawexam.exams import services
from lawexam.exams.models import AudienceKind
from sqlalchemy import insert, select
examinees, bank_size = int(sys.argv[1]), int(sys.argv[2])
app = create_app()
with app.app_context():
    modules = [bank.ensure_module(f"bench-{i}", f"压测模块{i}", i) for i in range(5)]
    items = []
    for n in range(bank_size):
        kind = ("single", "multiple", "truefalse")[n % 3]
        options = (Option("A", f"甲{n}"), Option("B", f"乙{n}"), Option("C", f"丙{n}"), Option("D", f"丁{n}"))
        content = {"single": QuestionContent("single", f"第{n}题？", options, "B", "解析", "依据"),
                   "multiple": QuestionContent("multiple", f"第{n}题？", options, ("A", "C"), "解析", "依据"),
                   "truefalse": QuestionContent("truefalse", f"第{n}题。", (), True, "解析", "依据")}[kind]
        items.append(bank.NewQuestion(bank.QuestionInput(modules[n % 5].id, bank.clean_content(content))))
    for start in range(0, len(items), 1000):
        bank.bulk_create(items[start:start + 1000], None)
    town = OrgUnit(name="压测镇", kind=UnitKind.TOWN)
    db.session.add(town); db.session.flush()
    password_hash = hash_password(sys.argv[3])
    rows = [{"account": f"bench{i:05d}", "real_name": f"考生{i}", "unit_id": town.id, "password_hash": password_hash,
             "must_change_password": False, "active": True, "created_at": utcnow()} for i in range(examinees)]
    ids = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))
    db.session.execute(insert(UserCategory).returning(UserCategory.user_id), [{"user_id": i, "category": Category.CADRE} for i in ids])
    db.session.execute(insert(UserRole).returning(UserRole.user_id), [{"user_id": i, "role": Role.EXAMINEE} for i in ids])
    now = utcnow()
    exam = services.create_exam(services.ExamInput(
        title="压测考试", opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=6), duration_minutes=240,
        pass_mark=60, rules=[services.RuleInput(count=10, points=2, module_ids=[m.id]) for m in modules],
        audience=[(AudienceKind.UNIT, str(town.id))]), None)
    services.publish(exam, None)
    db.session.commit()
    print(exam.id)
'''

VERIFY = r'''
import sys, json
from lawexam import create_app
from lawexam.extensions import db
from lawexam.exams.models import Attempt, AttemptAnswer, AttemptState
from sqlalchemy import select
acked = json.load(open(sys.argv[1]))
app = create_app()
with app.app_context():
    stored = {(a, s): (seq, ans) for a, s, seq, ans in db.session.execute(
        select(AttemptAnswer.attempt_id, AttemptAnswer.slot, AttemptAnswer.seq, AttemptAnswer.answer))}
    lost = 0
    for attempt_id, slot, seq, answer in acked["saves"]:
        have = stored.get((attempt_id, slot))
        if have is None or have[0] < seq or (have[0] == seq and have[1] != answer):
            lost += 1
    states = dict(db.session.execute(select(Attempt.id, Attempt.state)).all())
    graded = dict(db.session.execute(select(Attempt.id, Attempt.graded_at)).all())
    not_graded = sum(1 for a in acked["submitted"] if states.get(a) != AttemptState.SUBMITTED or graded.get(a) is None)
    print(json.dumps({"lost": lost, "not_graded_once": not_graded + acked["inconsistent_submits"],
                      "attempts": len(states)}))
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, args: list[str], env: dict[str, str], url: str, health: str | None) -> None:
        self.log = open(Path(env["LAWEXAM_INSTANCE_PATH"]) / f"server-{uuid.uuid4().hex[:6]}.log", "w")
        self.process = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True, cwd=ROOT)
        self.url = url
        deadline = time.monotonic() + 60
        while health and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + health, timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        if health:
            self.stop()
            raise RuntimeError("server did not start")
        time.sleep(2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class Recorder:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.started: dict[str, float] = {}
        self.finished: dict[str, float] = {}

    async def call(self, name: str, coroutine):  # noqa: ANN001, ANN201
        begin = time.perf_counter()
        self.started.setdefault(name, begin)
        try:
            response = await coroutine
        except Exception as error:  # network failures count as errors, with their kind
            self.errors[f"{name}: {type(error).__name__}"] += 1
            return None
        self.latency[name].append(time.perf_counter() - begin)
        self.finished[name] = time.perf_counter()
        if response.status_code >= 400:
            self.errors[f"{name}: HTTP {response.status_code}"] += 1
        return response

    def report(self) -> None:
        for name, values in self.latency.items():
            values = sorted(values)
            span = max(self.finished[name] - self.started[name], 1e-9)
            pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
            print(f"  {name:9s} {len(values):7d} req  {len(values) / span:8.1f} req/s  "
                  f"p50 {pick(0.50):7.1f} ms  p95 {pick(0.95):7.1f} ms  p99 {pick(0.99):7.1f} ms")
        print(f"  errors: {sum(self.errors.values())} {dict(self.errors) if self.errors else ''}")

    def p99(self, name: str) -> float:
        values = sorted(self.latency.get(name, [0.0]))
        return values[min(len(values) - 1, int(0.99 * len(values)))]


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


async def examinee(httpx, base: str, account: str, exam_id: int, start_at: float, seconds: float,
                   rec: Recorder, acked: dict, rng: random.Random, login_gate: asyncio.Semaphore) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        async with login_gate:
            page = await rec.call("login", client.get("/login"))
            if page is None:
                return
            reply = await rec.call("login", client.post("/login", data={
                "account": account, "password": PASSWORD, "csrf_token": csrf_from(page.text)}))
            home = await client.get("/home")
            if reply is None or home.status_code != 200:
                rec.errors["login failed"] += 1
                return
        token = csrf_from(home.text)
        headers = {"X-CSRFToken": token}
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
        started = await rec.call("start", client.post(f"/api/exams/{exam_id}/attempts", headers=headers))
        if started is None or started.status_code not in (200, 201):
            return
        body = started.json()
        attempt_id, questions = body["attempt_id"], body["questions"]
        plan = [(q, 1) for q in questions] + [(q, 2) for q in rng.sample(questions, 10)]
        gap = seconds / len(plan)
        seqs: dict[int, int] = {}
        for question, _round in plan:
            await asyncio.sleep(rng.uniform(0.2, 1.8) * gap)
            keys = [o["key"] for o in question["options"]]
            answer = {"single": rng.choice(keys) if keys else None, "multiple": sorted(rng.sample(keys, 2)) if keys else [],
                      "truefalse": rng.random() < 0.5, "fill": [""] * question.get("blanks", 1)}[question["type"]]
            seqs[question["slot"]] = seqs.get(question["slot"], 0) + 1
            seq = seqs[question["slot"]]
            saved = await rec.call("save", client.put(f"/api/attempts/{attempt_id}/answers/{question['slot']}",
                                                     json={"answer": answer, "seq": seq}, headers=headers))
            if saved is not None and saved.status_code == 200 and saved.json()["seq"] >= seq:
                acked["saves"].append([attempt_id, question["slot"], seq, answer])
        twice = rng.random() < 0.05
        replies = await asyncio.gather(*[rec.call("submit", client.post(f"/api/attempts/{attempt_id}/submit",
                                                                         headers=headers)) for _ in range(2 if twice else 1)])
        bodies = [r.json() for r in replies if r is not None and r.status_code == 200]
        if bodies:
            acked["submitted"].append(attempt_id)
            if any(b != bodies[0] for b in bodies):
                acked["inconsistent_submits"] += 1


async def drive(base: str, exam_id: int, examinees: int, seconds: float, start_window: float) -> tuple[Recorder, dict]:
    import httpx

    rec = Recorder()
    acked = {"saves": [], "submitted": [], "inconsistent_submits": 0}
    rng = random.Random(2026)
    gate = asyncio.Semaphore(24)
    # Everyone logs in first; starts are then spread over the start window, as when a
    # room is told "begin now".
    begin = time.perf_counter() + max(20.0, examinees * 0.03)
    tasks = [examinee(httpx, base, f"bench{i:05d}", exam_id, begin + start_window * i / examinees, seconds, rec,
                      acked, random.Random(rng.random()), gate) for i in range(examinees)]
    await asyncio.gather(*tasks)
    return rec, acked


async def saturate(base: str, path_for, seconds: float, concurrency: int, headers_for) -> float:  # noqa: ANN001
    import httpx

    done = 0
    stop = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            headers = await headers_for(client, n)
            seq = 0
            while time.perf_counter() < stop:
                seq += 1
                path = path_for(n, seq)
                response = await client.put(path, json={"answer": True, "seq": seq + 10_000}, headers=headers)
                if response.status_code == 200:
                    done += 1

    await asyncio.gather(*[worker(n) for n in range(concurrency)])
    return done / seconds


def run_backend(backend: str, args: argparse.Namespace) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="lawexam-load-"))
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
    else:
        import sqlalchemy as sa

        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"lawexam_load_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "LAWEXAM_DATABASE_URL": url, "LAWEXAM_INSTANCE_PATH": str(workdir),
           "LAWEXAM_SECRET_KEY": "load-test", "LAWEXAM_ENV": "production", "LAWEXAM_SECURE_COOKIES": "0",
           "LAWEXAM_LOCKOUT_ADDRESS_FAILURES": "1000000"}
    servers: list[Server] = []
    ok = False
    try:
        subprocess.run([str(BIN / "lawexam"), "db", "upgrade"], env=env, check=True, capture_output=True)
        exam_id = int(subprocess.run([sys.executable, "-c", SEED, str(args.examinees), str(args.bank), PASSWORD],
                                     env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        port = free_port()
        servers.append(Server([str(BIN / "lawexam"), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(args.workers)], env, f"http://127.0.0.1:{port}", "/healthz"))
        began = time.perf_counter()
        rec, acked = asyncio.run(drive(servers[0].url, exam_id, args.examinees, args.seconds, args.start_window))
        elapsed = time.perf_counter() - began
        ack_file = workdir / "acked.json"
        ack_file.write_text(json.dumps(acked))
        verdict = json.loads(subprocess.run([sys.executable, "-c", VERIFY, str(ack_file)], env=env, check=True,
                                            capture_output=True, text=True).stdout.strip().splitlines()[-1])
        print(f"\n{backend}: {args.examinees} examinees, {args.workers} workers, run {elapsed:.0f} s")
        rec.report()
        print(f"  lost: {verdict['lost']}   graded-not-exactly-once: {verdict['not_graded_once']}   "
              f"acknowledged saves: {len(acked['saves'])}")
        # Saturation: the same concurrency against the autosave endpoint and the bare baseline.
        attempts = [a for a in acked["submitted"]][:1] or [1]
        baseline_port = free_port()
        servers.append(Server([str(BIN / "gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads", "4",
                               "-b", f"127.0.0.1:{baseline_port}", "benchmarks.baseline_app:app"], env,
                              f"http://127.0.0.1:{baseline_port}", None))
        ratio = saturation(servers[0].url, servers[1].url, exam_id, args, env)
        start_ok = rec.p99("start") < 1.0
        save_ok = rec.p99("save") < 0.25
        errors = sum(rec.errors.values())
        ok = errors == 0 and verdict["lost"] == 0 and verdict["not_graded_once"] == 0 and start_ok and save_ok \
            and ratio >= 0.6
        print(f"  autosave/baseline ratio: {ratio:.2f}")
        print(f"  targets: errors 0 [{'PASS' if errors == 0 else 'FAIL'}], lost 0 [{'PASS' if verdict['lost'] == 0 else 'FAIL'}], "
              f"start p99 < 1 s [{'PASS' if start_ok else 'FAIL'}], save p99 < 250 ms [{'PASS' if save_ok else 'FAIL'}], "
              f"ratio >= 0.6 [{'PASS' if ratio >= 0.6 else 'FAIL'}]  =>  {'PASS' if ok else 'FAIL'}")
        del attempts
    finally:
        for server in servers:
            server.stop()
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')
            admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    return ok


def saturation(app_url: str, baseline_url: str, exam_id: int, args: argparse.Namespace, env: dict) -> float:
    """Requests per second at a fixed concurrency: the autosave API vs the bare upsert."""
    concurrency = 16
    fresh = [f"bench{i:05d}" for i in range(args.examinees, args.examinees)]  # noqa: F841 - documented below
    # Fresh attempts are needed for autosave (the run's are submitted): re-open them by
    # starting new sittings is not allowed, so the saturation uses in-progress attempts
    # created for it through the API by extra examinees seeded now.
    accounts = _extra_examinees(env, concurrency)

    async def app_headers(client, n):  # noqa: ANN001, ANN202
        page = await client.get("/login")
        await client.post("/login", data={"account": accounts[n], "password": PASSWORD,
                                          "csrf_token": csrf_from(page.text)})
        token = csrf_from((await client.get("/home")).text)
        started = (await client.post(f"/api/exams/{exam_id}/attempts", headers={"X-CSRFToken": token})).json()
        client.attempt = started["attempt_id"]
        client.slots = [q["slot"] for q in started["questions"] if q["type"] == "truefalse"] or [1]
        return {"X-CSRFToken": token}

    clients: dict[int, tuple[int, list[int]]] = {}

    async def run_app() -> float:
        import httpx

        done = 0
        stop_at = time.perf_counter() + args.saturation_seconds

        async def worker(n: int) -> None:
            nonlocal done
            async with httpx.AsyncClient(base_url=app_url, timeout=30) as client:
                headers = await app_headers(client, n)
                clients[n] = (client.attempt, client.slots)
                seq = 0
                while time.perf_counter() < stop_at:
                    seq += 1
                    slot = client.slots[seq % len(client.slots)]
                    response = await client.put(f"/api/attempts/{client.attempt}/answers/{slot}",
                                                json={"answer": True, "seq": seq}, headers=headers)
                    done += response.status_code == 200
        await asyncio.gather(*[worker(n) for n in range(concurrency)])
        return done / args.saturation_seconds

    async def run_baseline() -> float:
        import httpx

        done = 0
        stop_at = time.perf_counter() + args.saturation_seconds

        async def worker(n: int) -> None:
            nonlocal done
            attempt, slots = clients[n]
            async with httpx.AsyncClient(base_url=baseline_url, timeout=30) as client:
                seq = 1000
                while time.perf_counter() < stop_at:
                    seq += 1
                    slot = slots[seq % len(slots)]
                    response = await client.put(f"/baseline/{attempt}/{slot}", json={"answer": True, "seq": seq})
                    done += response.status_code == 200
        await asyncio.gather(*[worker(n) for n in range(concurrency)])
        return done / args.saturation_seconds

    app_rate = asyncio.run(run_app())
    baseline_rate = asyncio.run(run_baseline())
    print(f"  saturation at {concurrency} concurrent writers for {args.saturation_seconds:.0f} s: "
          f"autosave {app_rate:.0f} req/s, baseline upsert {baseline_rate:.0f} req/s")
    return app_rate / baseline_rate if baseline_rate else 0.0


EXTRA = r'''
import sys
from lawexam import create_app
from lawexam.extensions import db
from lawexam.auth.models import OrgUnit, User, Category, Role
app = create_app()
with app.app_context():
    town = db.session.scalar(db.select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    template = db.session.scalar(db.select(User).where(User.account == "bench00000"))
    for i in range(int(sys.argv[1])):
        account = f"satur{i:03d}"
        if db.session.scalar(db.select(User.id).where(User.account == account)) is None:
            user = User(account=account, real_name=f"压测{i}", unit=town, password_hash=template.password_hash,
                        must_change_password=False)
            user.set_categories({Category.CADRE}); user.set_roles({Role.EXAMINEE})
            db.session.add(user)
    db.session.commit()
'''


def _extra_examinees(env: dict, count: int) -> list[str]:
    subprocess.run([sys.executable, "-c", EXTRA, str(count)], env=env, check=True, capture_output=True)
    return [f"satur{i:03d}" for i in range(count)]


def postgres_url(admin: str) -> str | None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return admin
    except Exception:  # no server: report SQLite only
        return None
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examinees", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--seconds", type=float, default=120, help="how long each examinee's saves are spread over")
    parser.add_argument("--start-window", type=float, default=10, help="starts are spread over this many seconds")
    parser.add_argument("--saturation-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    parser.add_argument("--bank", type=int, default=10_000)
    parser.add_argument("--pg", default=os.environ.get("LAWEXAM_TEST_PG_BENCH",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    if "postgresql" in backends and postgres_url(args.pg) is None:
        print("PostgreSQL does not answer on 127.0.0.1; running SQLite only.")
        backends.remove("postgresql")
    results = [run_backend(backend, args) for backend in backends]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
