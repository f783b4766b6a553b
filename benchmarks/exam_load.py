"""Exam-day load: many examinees log in, start at once, autosave and submit.

    .venv/bin/pip install -e '.[bench]'    # aiohttp, the load client
    .venv/bin/python benchmarks/exam_load.py [--examinees 2000] [--db sqlite|postgresql|all]
                                             [--seconds 600] [--start-rate 100] [--workers N]

For each database (a fresh SQLite file, and a fresh PostgreSQL database when the server
answers on 127.0.0.1) it starts the app under gunicorn as ``lawexam serve`` runs it in
production, seeds the examinees and one open exam of 50 questions drawn by rules from a
10,000-question bank, and drives the JSON API with an asynchronous client:

1. everyone signs in (a real Argon2id check each);
2. everyone starts, ``--start-rate`` per second (100/s: the first 1,000 within 10 s);
3. each saves 50 answers and changes 10 of them again with a higher seq, spread over
   ``--seconds`` (600 s: a whole paper in ten minutes, about six times a real sitting's pace);
4. each submits (one in twenty twice at once, as a double tap does).

It prints per phase requests/s and p50/p95/p99 latency and the errors, then checks the
database: every acknowledged save stored and every acknowledged submit graded exactly once
(``lost: N``). Then the same number of concurrent writers saturate the autosave endpoint and a
bare WSGI app doing the same one-row upsert under the same gunicorn settings, for
``autosave/baseline ratio``. Prints PASS/FAIL against the targets; stops every process it
started; only 127.0.0.1. Never part of ``make test``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._http import CLOSED_CONNECTION, Browser, shared_pool  # noqa: E402
from benchmarks._live import ROOT, ThrowAwayDatabase, gunicorn_app, gunicorn_baseline  # noqa: E402
from benchmarks._support import postgres_answers  # noqa: E402

PASSWORD = "Bench-Password-2026"
SATURATION_WRITERS = 64  # each well under the per-attempt write limit at full speed


class Recorder:
    """Latencies per phase, errors by kind, and each phase's wall-clock span."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.span: dict[str, list[float]] = {}
        self.resent: Counter[str] = Counter()
        self.answered: dict[str, list[float]] = defaultdict(list)

    async def call(self, name: str, send):  # noqa: ANN001, ANN201 - makes a request
        """Send, timing it. A keep-alive connection the server closed as the request went out
        is re-sent once on a new connection, as browsers do; such re-sends are counted."""
        begin = time.perf_counter()
        for attempt in range(2):
            try:
                response = await send()
                break
            except CLOSED_CONNECTION as error:
                if attempt:
                    self.errors[f"{name}: {type(error).__name__}"] += 1
                    return None
                self.resent[name] += 1
            except Exception as error:  # a refused or timed-out request is an error of its kind
                self.errors[f"{name}: {type(error).__name__}"] += 1
                return None
        end = time.perf_counter()
        self.latency[name].append(end - begin)
        self.answered[name].append(end)
        first_last = self.span.setdefault(name, [begin, end])
        first_last[0], first_last[1] = min(first_last[0], begin), max(first_last[1], end)
        if response.status_code >= 400:
            self.errors[f"{name}: HTTP {response.status_code}"] += 1
        return response

    def answered_within(self, name: str, count: int) -> float:
        """Seconds from the first request of ``name`` until ``count`` of them were answered."""
        ends = sorted(self.answered.get(name, []))
        if len(ends) < count:
            return float("inf")
        return ends[count - 1] - self.span[name][0]

    def percentile(self, name: str, q: float) -> float:
        values = sorted(self.latency.get(name) or [0.0])
        return values[min(len(values) - 1, int(q * len(values)))]

    def report(self) -> None:
        for name, values in self.latency.items():
            span = max(self.span[name][1] - self.span[name][0], 1e-9)
            print(f"  {name:7s} {len(values):7d} req in {span:6.1f} s {len(values) / span:7.1f} req/s   "
                  f"p50 {self.percentile(name, .5) * 1000:7.1f} ms  p95 {self.percentile(name, .95) * 1000:7.1f} ms  "
                  f"p99 {self.percentile(name, .99) * 1000:7.1f} ms")
        print(f"  errors: {sum(self.errors.values())}  {dict(self.errors) if self.errors else ''}"
              f"   re-sent after a closed keep-alive connection: {dict(self.resent) or 0}")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


async def sign_in(client, account: str, rec: Recorder) -> dict[str, str] | None:  # noqa: ANN001
    page = await rec.call("login", lambda: client.get("/login"))
    if page is None:
        return None
    reply = await rec.call("login", lambda: client.post("/login", data={
        "account": account, "password": PASSWORD, "csrf_token": csrf_from(page.text)}))
    home = await rec.call("home", lambda: client.get("/home"))
    if reply is None or reply.status_code != 302 or home is None or home.status_code != 200:
        return None
    return {"X-CSRFToken": csrf_from(home.text)}


def answer_for(question: dict, rng: random.Random) -> object:
    keys = [option["key"] for option in question["options"]]
    return {"single": lambda: rng.choice(keys), "multiple": lambda: sorted(rng.sample(keys, 2)),
            "truefalse": lambda: rng.random() < 0.5,
            "fill": lambda: ["答案"] * question.get("blanks", 1)}[question["type"]]()


class Room:
    """Everyone signs in first; when the last has, the room is told "begin now" and starts
    arrive at --start-rate per second."""

    def __init__(self, size: int, start_rate: float) -> None:
        self.waiting, self.start_rate = size, start_rate
        self.gate = asyncio.Semaphore(16)
        self.begin: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def signed_in(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.begin.set_result(time.perf_counter() + 1)

    async def my_turn(self, position: int) -> None:
        begin = await self.begin
        await asyncio.sleep(max(0.0, begin + position / self.start_rate - time.perf_counter()))


async def examinee(pool, base: str, account: str, position: int, exam_id: int,  # noqa: ANN001
                   args: argparse.Namespace, rec: Recorder, acked: dict, rng: random.Random, room: Room) -> None:
    client = Browser(base, pool)
    try:
        await sitting(client, account, position, exam_id, args, rec, acked, rng, room)
    finally:
        await client.close()


async def sitting(client: Browser, account: str, position: int, exam_id: int, args: argparse.Namespace,
                  rec: Recorder, acked: dict, rng: random.Random, room: Room) -> None:
    try:
        async with room.gate:
            headers = await sign_in(client, account, rec)
    finally:
        room.signed_in()  # even a failed sign-in must not keep the room waiting
    if headers is None:
        rec.errors["login: refused"] += 1
        return
    await room.my_turn(position)
    started = await rec.call("start", lambda: client.post(f"/api/exams/{exam_id}/attempts", headers=headers))
    if started is None or started.status_code not in (200, 201):
        return
    body = started.json()
    attempt_id, questions = body["attempt_id"], body["questions"]
    plan = list(questions) + rng.sample(questions, 10)
    gap = args.seconds / len(plan)
    seqs: Counter[int] = Counter()
    for question in plan:
        await asyncio.sleep(rng.uniform(0.2, 1.8) * gap)
        answer = answer_for(question, rng)
        seqs[question["slot"]] += 1
        seq = seqs[question["slot"]]
        path = f"/api/attempts/{attempt_id}/answers/{question['slot']}"
        saved = await rec.call("save", lambda: client.put(path, json={"answer": answer, "seq": seq},
                                                          headers=headers))
        if saved is not None and saved.status_code == 200 and saved.json()["seq"] >= seq:
            acked["saves"].append([attempt_id, question["slot"], seq, answer])
    taps = 2 if rng.random() < 0.05 else 1
    replies = await asyncio.gather(*[rec.call("submit", lambda: client.post(
        f"/api/attempts/{attempt_id}/submit", headers=headers)) for _ in range(taps)])
    bodies = [reply.json() for reply in replies if reply is not None and reply.status_code == 200]
    if bodies:
        acked["submitted"].append(attempt_id)
        acked["inconsistent_submits"] += any(b != bodies[0] for b in bodies)


async def exam_day(base: str, exam_id: int, args: argparse.Namespace) -> tuple[Recorder, dict]:
    rec = Recorder()
    acked: dict = {"saves": [], "submitted": [], "inconsistent_submits": 0}
    rng = random.Random(2026)
    room = Room(args.examinees, args.start_rate)
    pool = shared_pool()
    tasks = [examinee(pool, base, f"bench{i:05d}", i, exam_id, args, rec, acked,
                      random.Random(rng.random()), room) for i in range(args.examinees)]
    await asyncio.gather(*tasks)
    await pool.close()
    return rec, acked


async def saturate(base: str, targets: list[tuple[dict[str, str], dict[str, str], int, list[int]]], seconds: float,
                   path: str, seq_from: int) -> tuple[float, Counter[int | str]]:
    """Requests/s with one writer per attempt, each sending its next save as soon as the last
    is answered. ``path`` is formatted with the attempt and slot."""
    import aiohttp

    statuses: Counter[int | str] = Counter()
    stop_at = time.perf_counter() + seconds
    pool = shared_pool()

    async def writer(headers: dict[str, str], cookies: dict[str, str], attempt: int, slots: list[int]) -> None:
        client = Browser(base, pool, cookies)
        seq = seq_from
        while time.perf_counter() < stop_at:
            seq += 1
            try:
                response = await client.put(path.format(attempt=attempt, slot=slots[seq % len(slots)]),
                                            json={"answer": True, "seq": seq}, headers=headers)
            except aiohttp.ClientError as error:
                statuses[type(error).__name__] += 1
                continue
            statuses[response.status_code] += 1
        await client.close()

    began = time.perf_counter()
    await asyncio.gather(*[writer(headers, cookies, attempt, slots) for headers, cookies, attempt, slots in targets])
    rate = statuses[200] / (time.perf_counter() - began)
    await pool.close()
    return rate, statuses


async def saturation_writers(base: str, exam_id: int) -> list[tuple[dict[str, str], dict[str, str], int, list[int]]]:
    """Fresh examinees with attempts in progress (the exam-day ones are all handed in)."""
    pool = shared_pool()
    writers = []
    for n in range(SATURATION_WRITERS):
        client = Browser(base, pool)
        headers = await sign_in(client, f"satur{n:05d}", Recorder())
        if headers is None:
            raise RuntimeError("a saturation writer could not sign in")
        started = (await client.post(f"/api/exams/{exam_id}/attempts", headers=headers)).json()
        slots = [q["slot"] for q in started["questions"] if q["type"] == "truefalse"]
        writers.append((headers, client.cookies, started["attempt_id"], slots))
        await client.close()
    await pool.close()
    return writers


def verdict(label: str, ok: bool) -> str:
    return f"{label} [{'PASS' if ok else 'FAIL'}]"


def run_backend(backend: str, args: argparse.Namespace) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="lawexam-load-"))
    database = ThrowAwayDatabase(backend, workdir, args.pg)
    env = {**os.environ, "LAWEXAM_DATABASE_URL": database.url, "LAWEXAM_INSTANCE_PATH": str(workdir),
           "LAWEXAM_SECRET_KEY": "load-test", "LAWEXAM_ENV": "production", "LAWEXAM_SECURE_COOKIES": "0",
           # Everyone signs in from 127.0.0.1 here; in a real room they come through the
           # town's few NAT addresses, which is what the per-address limit is sized for.
           "LAWEXAM_LOCKOUT_ADDRESS_FAILURES": "1000000"}
    servers = []
    try:
        python = sys.executable
        subprocess.run([str(Path(python).parent / "lawexam"), "db", "upgrade"], env=env, check=True,
                       capture_output=True)
        seeded = time.perf_counter()
        exam_id = int(subprocess.run([python, str(ROOT / "benchmarks" / "_load_db.py"), "seed", str(args.examinees),
                                      str(args.bank), str(SATURATION_WRITERS), PASSWORD], env=env, check=True,
                                     capture_output=True, text=True).stdout.split()[-1])
        print(f"\n== {backend}: seeded {args.examinees} examinees and a {args.bank}-question bank "
              f"in {time.perf_counter() - seeded:.0f} s; {args.workers} gunicorn workers x 4 threads")
        servers.append(gunicorn_app(env, args.workers))
        began = time.perf_counter()
        rec, acked = asyncio.run(exam_day(servers[0].url, exam_id, args))
        print(f"  exam day took {time.perf_counter() - began:.0f} s")
        rec.report()
        if rec.errors:
            unusual = [line for line in servers[0].log_path.read_text().splitlines()
                       if not any(f'" {code} ' in line for code in (200, 201, 302))]
            print("  server log, last unusual lines:\n    " + "\n    ".join(unusual[-25:]))
        ack_file = workdir / "acked.json"
        ack_file.write_text(json.dumps(acked))
        checked = json.loads(subprocess.run([python, str(ROOT / "benchmarks" / "_load_db.py"), "verify",
                                             str(ack_file)], env=env, check=True, capture_output=True,
                                            text=True).stdout.split("\n")[-2])
        print(f"  lost: {checked['lost']}   graded not exactly once: {checked['not_graded_once']}   "
              f"acknowledged saves: {len(acked['saves'])}   submitted: {len(acked['submitted'])}")

        writers = asyncio.run(saturation_writers(servers[0].url, exam_id))
        app_rate, app_codes = asyncio.run(saturate(servers[0].url, writers,
                                                   args.saturation_seconds, "/api/attempts/{attempt}/answers/{slot}", 0))
        servers[0].stop()
        servers.append(gunicorn_baseline(env, args.workers))
        base_rate, base_codes = asyncio.run(saturate(servers[1].url, [({}, {}, a, s) for _h, _c, a, s in writers],
                                                     args.saturation_seconds, "/baseline/{attempt}/{slot}", 10**6))
        ratio = app_rate / base_rate if base_rate else 0.0
        print(f"  saturation, {SATURATION_WRITERS} writers for {args.saturation_seconds:.0f} s: autosave "
              f"{app_rate:.0f} req/s {dict(app_codes)}, bare upsert {base_rate:.0f} req/s {dict(base_codes)}")
        print(f"  autosave/baseline ratio: {ratio:.2f}")

        thousand = min(args.examinees, 1000)
        first_thousand = rec.answered_within("start", thousand)
        print(f"  the first {thousand} starts were answered within {first_thousand:.1f} s "
              f"(asked for at {args.start_rate:.0f} per second)")
        errors = sum(rec.errors.values())
        checks = [verdict("errors 0", errors == 0), verdict("lost 0", checked["lost"] == 0),
                  verdict("graded once", checked["not_graded_once"] == 0),
                  verdict(f"{thousand} starts answered within 10 s", first_thousand <= 10),
                  verdict("start p99 < 1 s", rec.percentile("start", .99) < 1.0),
                  verdict("save p99 < 250 ms", rec.percentile("save", .99) < 0.25),
                  verdict("ratio >= 0.6", ratio >= 0.6)]
        ok = all("PASS" in check for check in checks)
        print("  targets: " + ", ".join(checks) + f"  =>  {'PASS' if ok else 'FAIL'}")
        return ok
    finally:
        for server in servers:
            server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examinees", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="all")
    parser.add_argument("--seconds", type=float, default=600, help="each examinee's saves are spread over this")
    parser.add_argument("--start-rate", type=float, default=100, help="starts per second once the exam begins")
    parser.add_argument("--saturation-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1)
    parser.add_argument("--bank", type=int, default=10_000)
    parser.add_argument("--pg", default=os.environ.get("LAWEXAM_TEST_PG_BENCH",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they come, even into a file
    backends = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    if "postgresql" in backends and not postgres_answers(args.pg):
        print("PostgreSQL does not answer on 127.0.0.1; running SQLite only.")
        backends.remove("postgresql")
    results = [run_backend(backend, args) for backend in backends]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
