"""Honest study time: heartbeats through the service and the endpoint, completion, hours per
calendar year, targets, and the officer's figures and export."""
from __future__ import annotations

import io
import random
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Category, Role, User
from lawexam.db import utcnow
from lawexam.extensions import db
from lawexam.questions.bank import ensure_module
from lawexam.study import services
from lawexam.study.models import Lesson, LessonProgress, StudyClock, StudyTarget
from tests.conftest import sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 4, 15, 2, 0, tzinfo=timezone.utc)
TAB_A = "tab-aaaaaaaa"
TAB_B = "tab-bbbbbbbb"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_lesson(code: str = "mod-a", minutes: int = 10, credit: float = 0.5, order: int = 1,
                title: str | None = None, module_name: str | None = None) -> Lesson:
    module = ensure_module(code, module_name or f"模块{code}", 1)
    lesson = Lesson(module_id=module.id, key=f"{code}/{order:02d}-x", source_path=f"{code}/lessons/{order:02d}-x.md",
                    title=title or f"{code} 第{order}课", sort_order=order, minutes=minutes,
                    credit_centihours=round(credit * 100), body_markdown="正文", body_html="<p>正文</p>",
                    toc=[], content_hash="x" * 64, active=True)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def beat(user: User, lesson: Lesson, when: datetime, tab: str = TAB_A, visible: bool = True,
         read_to_end: bool = False, client_time: object = None) -> services.BeatResult:
    result = services.record_beat(user, lesson.id, tab=tab, visible=visible, now=when, read_to_end=read_to_end,
                                  client_time=client_time)
    db.session.commit()
    return result


def credited(user: User, lesson: Lesson, year: int = 2025) -> int:
    db.session.expire_all()
    row = db.session.scalar(select(LessonProgress).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id, LessonProgress.year == year))
    return row.credited_s if row else 0


# ---- the service, with a controlled server clock ---------------------------------------------

def test_rapid_heartbeats_credit_only_wall_time(make_user):
    person, lesson = make_user(), make_lesson()
    for i in range(51):  # a beat every 0.2 s for 10 s, some sent twice
        beat(person, lesson, at(i * 0.2))
        if i % 5 == 0:
            beat(person, lesson, at(i * 0.2))
    assert credited(person, lesson) == 10


def test_two_tabs_do_not_double_count(make_user):
    person, lesson = make_user(), make_lesson()
    # Both tabs visible (two windows side by side), beating alternately for two minutes.
    for i in range(13):
        beat(person, lesson, at(i * 10), tab=TAB_A if i % 2 == 0 else TAB_B)
    assert credited(person, lesson) == 0
    # Tab A is closed; tab B keeps going: only B's own wall time counts.
    for t in (130, 150, 170):
        beat(person, lesson, at(t), tab=TAB_B)
    assert credited(person, lesson) == 40


def test_two_lessons_at_once_count_once(make_user):
    person, first, second = make_user(), make_lesson(order=1), make_lesson(order=2)
    for i in range(10):
        beat(person, first if i % 2 == 0 else second, at(i * 15), tab=TAB_A if i % 2 == 0 else TAB_B)
    assert credited(person, first) + credited(person, second) == 0


def test_a_client_clock_that_jumps_is_ignored(make_user):
    person, lesson = make_user(), make_lesson()
    lies = [at(0), at(86_400 * 30), "2000-01-01T00:00:00Z", at(-3_600), "not a time", 12345]
    for i, client_time in enumerate(lies):
        value = client_time.isoformat() if isinstance(client_time, datetime) else client_time
        beat(person, lesson, at(i * 20), client_time=value)
    assert credited(person, lesson) == 100  # (6 - 1) beats × 20 s of server time


def test_beats_from_a_hidden_page_earn_nothing(make_user):
    person, lesson = make_user(), make_lesson()
    beat(person, lesson, at(0))
    beat(person, lesson, at(20))
    beat(person, lesson, at(30), visible=False)       # tab switched: the 10 s since the last beat are not credited
    for t in (50, 70, 90, 200):                       # a hidden page that keeps beating (or a forged client)
        beat(person, lesson, at(t), visible=False)
    assert credited(person, lesson) == 20
    beat(person, lesson, at(300))                      # back in front: a new run starts
    beat(person, lesson, at(320))
    assert credited(person, lesson) == 40


def test_a_hidden_beat_alone_does_not_start_a_lesson(make_user):
    person, lesson = make_user(), make_lesson()
    result = beat(person, lesson, at(0), visible=False, read_to_end=True)
    assert (result.credited_s, result.read_to_end, result.completed) == (0, False, False)
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_silence_longer_than_a_beat_is_capped(make_user):
    person, lesson = make_user(), make_lesson()
    beat(person, lesson, at(0))
    beat(person, lesson, at(20))
    beat(person, lesson, at(620))  # ten minutes without a beat (phone locked without a hidden beat)
    assert credited(person, lesson) == 20 + 60


def test_lesson_cap_is_twice_the_estimated_time(make_user):
    person, lesson = make_user(), make_lesson(minutes=1)
    for i in range(20):
        beat(person, lesson, at(i * 20))
    assert credited(person, lesson) == 120


def test_random_sessions_never_exceed_real_visible_time(make_user):
    """Two tabs on two lessons, randomly shown and hidden, beating at random moments (with
    duplicates and forged visible=False/True): credited time never exceeds the time any page was
    really in front, and a tab's beats are only sent while it is visible or when it hides."""
    rng = random.Random(20250415)
    person = make_user()
    lessons = [make_lesson(order=1), make_lesson(order=2)]
    t, visible_since, visible_total = 0.0, None, 0.0
    shown: str | None = None
    for _ in range(150):
        t += rng.choice([0, 0.3, 5, 15, 20, 25, 90])
        action = rng.random()
        if action < 0.15:  # the page in front changes (or none is)
            if shown is not None:
                beat(person, lessons[0 if shown == TAB_A else 1], at(t), tab=shown, visible=False)
                visible_total += t - visible_since
            shown = rng.choice([TAB_A, TAB_B, None])
            visible_since = t
        if shown is not None:
            beat(person, lessons[0 if shown == TAB_A else 1], at(t), tab=shown)
        if rng.random() < 0.2:  # the background tab misbehaves and claims to be hidden
            other = TAB_B if shown == TAB_A else TAB_A
            beat(person, lessons[0 if other == TAB_A else 1], at(t), tab=other, visible=False)
    if shown is not None:
        visible_total += t - visible_since
    total = credited(person, lessons[0]) + credited(person, lessons[1])
    assert 0 < total <= visible_total


# ---- completion and years ---------------------------------------------------------------------

def test_completion_needs_both_minimum_time_and_reading_to_the_end(make_user):
    person, lesson = make_user(), make_lesson(minutes=1, credit=0.5)
    # Enough time, never scrolled to the end: not complete.
    for t in (0, 30, 60, 90):
        result = beat(person, lesson, at(t))
    assert result.credited_s == 90 and not result.completed
    assert services.hours_by_user(2025) == {}
    # The end seen: complete at once.
    result = beat(person, lesson, at(100), read_to_end=True)
    assert result.completed and result.read_to_end
    assert services.hours_by_user(2025) == {person.id: 0.5}

    other, second = make_user(), make_lesson(minutes=2, credit=1.0, order=2)
    result = beat(other, second, at(0), read_to_end=True)  # read to the end at once, no time yet
    assert result.read_to_end and not result.completed
    for t in (30, 60, 90):
        result = beat(other, second, at(t))
    assert result.credited_s == 90 and not result.completed  # 90 s < 120 s minimum
    result = beat(other, second, at(120))
    assert result.credited_s == 120 and result.completed
    assert services.hours_by_user(2025) == {person.id: 0.5, other.id: 1.0}
    assert services.total_hours(2025) == 1.5
    assert services.total_hours(2025, [other.id]) == 1.0 and services.total_hours(2025, []) == 0.0


def test_read_to_end_from_a_hidden_page_is_not_accepted(make_user):
    person, lesson = make_user(), make_lesson(minutes=1)
    result = beat(person, lesson, at(0), visible=False, read_to_end=True)
    assert not result.read_to_end


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(timezone.utc)


def test_hours_land_in_the_calendar_year_of_asia_shanghai(make_user):
    lesson = make_lesson(minutes=1, credit=0.5)
    # Finished at 23:59:50 on 31 December (15:59:50 UTC): that year's hours.
    early = make_user()
    for when in (_local(2024, 12, 31, 23, 58, 40), _local(2024, 12, 31, 23, 59, 10),
                 _local(2024, 12, 31, 23, 59, 30)):
        beat(early, lesson, when, read_to_end=True)
    result = beat(early, lesson, _local(2024, 12, 31, 23, 59, 50), read_to_end=True)
    assert result.year == 2024 and result.completed and result.credited_s == 70
    # Finished at 00:00:10 on 1 January: the new year's hours; the old year's seconds stay there.
    late = make_user()
    for when in (_local(2024, 12, 31, 23, 59, 10), _local(2024, 12, 31, 23, 59, 30),
                 _local(2024, 12, 31, 23, 59, 50)):
        beat(late, lesson, when, read_to_end=True)
    for when in (_local(2025, 1, 1, 0, 0, 10), _local(2025, 1, 1, 0, 0, 30), _local(2025, 1, 1, 0, 0, 50)):
        result = beat(late, lesson, when, read_to_end=True)
    assert result.year == 2025 and result.completed and result.credited_s == 60
    assert credited(late, lesson, 2024) == 40
    assert services.hours_by_user(2024) == {early.id: 0.5}
    assert services.hours_by_user(2025) == {late.id: 0.5}
    assert _local(2024, 12, 31, 23, 59, 50).year == 2024 and _local(2025, 1, 1, 0, 0, 10).year == 2024  # UTC


# ---- the endpoint -------------------------------------------------------------------------------

def test_beat_endpoint_through_the_client(client, login_as):
    person = login_as(Role.EXAMINEE)
    lesson = make_lesson()
    page = client.get(f"/study/lessons/{lesson.id}").get_data(as_text=True)
    assert f'data-beat-url="/study/lessons/{lesson.id}/beat"' in page and 'data-beat-seconds="20' in page
    response = client.post(f"/study/lessons/{lesson.id}/beat", json={"tab": TAB_A, "visible": True,
                                                                    "client_time": "1999-01-01T00:00:00Z"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["credited"] == 0 and body["min_s"] == 600 and body["cap_s"] == 1200 and not body["completed"]
    # Back-date the run's mark by 15 s instead of waiting: the next beat credits the server's 15 s.
    clock = db.session.get(StudyClock, person.id)
    clock.mark = clock.mark - timedelta(seconds=15)
    db.session.commit()
    body = client.post(f"/study/lessons/{lesson.id}/beat", json={"tab": TAB_A, "visible": True,
                                                                "read_to_end": True}).get_json()
    assert body["credited"] == 15 and body["credited_s"] == 15 and body["read_to_end"]
    assert client.post(f"/study/lessons/{lesson.id}/beat", json={"tab": TAB_A, "visible": False}).get_json()["credited"] == 0


@pytest.mark.parametrize("payload", [None, {"tab": TAB_A}, {"tab": TAB_A, "visible": "yes"},
                                     {"tab": "short", "visible": True}, {"tab": TAB_A, "visible": True, "read_to_end": 1}])
def test_beat_endpoint_refuses_bad_input(client, login_as, payload):
    login_as(Role.EXAMINEE)
    lesson = make_lesson()
    response = client.post(f"/study/lessons/{lesson.id}/beat", json=payload) if payload is not None else \
        client.post(f"/study/lessons/{lesson.id}/beat", data="x", content_type="text/plain")
    assert response.status_code in (400, 422)
    assert "code" in response.get_json()
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_beat_endpoint_unknown_or_retired_lesson_and_anonymous(client, login_as):
    lesson = make_lesson()
    assert client.post(f"/study/lessons/{lesson.id}/beat", json={"tab": TAB_A, "visible": True}).status_code == 302
    login_as(Role.EXAMINEE)
    assert client.post("/study/lessons/999999/beat", json={"tab": TAB_A, "visible": True}).status_code == 404
    lesson.active = False
    db.session.commit()
    assert client.post(f"/study/lessons/{lesson.id}/beat", json={"tab": TAB_A, "visible": True}).status_code == 404


def test_parallel_beats_are_applied_one_after_the_other(app, client, make_user):
    """Eight beats of one tab sent at the same moment (a double click, a retry storm, two
    processes): the clock row lock makes them see each other, so together they credit the real
    elapsed time once, not eight times."""
    person = make_user()
    lesson = make_lesson()
    clients = []
    for _ in range(8):
        other = app.test_client()
        assert sign_in(other, person.account).status_code == 302
        clients.append(other)
    started = time.monotonic()
    assert clients[0].post(f"/study/lessons/{lesson.id}/beat", json={"tab": TAB_A, "visible": True}).status_code == 200
    time.sleep(2.2)
    url = f"/study/lessons/{lesson.id}/beat"
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(c) -> None:
        barrier.wait()
        statuses.append(c.post(url, json={"tab": TAB_A, "visible": True}).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert statuses == [200] * len(clients)
    total = credited(person, lesson, services.study_year(utcnow()))
    assert 2 <= total <= elapsed + 1


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_beats_need_the_pages_csrf_token(self, client, make_user):
        person = make_user()
        lesson = make_lesson()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"account": person.account, "password": "Correct-Horse-42", "csrf_token": token})
        page = client.get(f"/study/lessons/{lesson.id}").get_data(as_text=True)
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        url = f"/study/lessons/{lesson.id}/beat"
        assert client.post(url, json={"tab": TAB_A, "visible": True}).status_code == 400
        response = client.post(url, json={"tab": TAB_A, "visible": True}, headers={"X-CSRFToken": csrf})
        assert response.status_code == 200 and response.get_json()["credited"] == 0


# ---- pages ----------------------------------------------------------------------------------

def test_study_pages_show_progress(client, login_as, app):
    person = login_as(Role.EXAMINEE)
    client.set_cookie("lang", "en")  # page texts are checked in the English source strings
    first = make_lesson(order=1, title="第一课", minutes=5)
    second = make_lesson(order=2, title="第二课", minutes=6)
    third = make_lesson(code="mod-b", order=1, title="别的模块", module_name="第二个模块")
    year = services.study_year(utcnow())
    db.session.add_all([
        LessonProgress(user_id=person.id, lesson_id=first.id, year=year, credited_s=400, read_to_end=True,
                       completed_at=utcnow()),
        LessonProgress(user_id=person.id, lesson_id=second.id, year=year, credited_s=130, read_to_end=False)])
    db.session.commit()
    page = client.get("/study/").get_data(as_text=True)
    assert "第一课" in page and "第二课" in page and "别的模块" in page
    assert "Completed" in page and "2 of 6 min" in page and "1 of 2 done" in page
    assert re.search(r'class="study-hours">\s*<strong>0.5</strong>', page)
    lesson_page = client.get(f"/study/lessons/{second.id}").get_data(as_text=True)
    assert f'href="/study/lessons/{first.id}"' in lesson_page and 'rel="prev"' in lesson_page
    assert f'href="/study/lessons/{third.id}"' in lesson_page and 'rel="next"' in lesson_page
    assert "2:10" in lesson_page and "study.css" in lesson_page and "<script>" not in lesson_page


def test_beat_interval_can_be_shortened_for_tests(client, login_as, monkeypatch):
    monkeypatch.setenv("LAWEXAM_STUDY_BEAT_SECONDS", "2")
    login_as(Role.EXAMINEE)
    lesson = make_lesson()
    assert 'data-beat-seconds="2.0"' in client.get(f"/study/lessons/{lesson.id}").get_data(as_text=True)


# ---- targets and the officer's figures ----------------------------------------------------------

def test_officer_sets_targets(client, login_as):
    officer = login_as(Role.OFFICER)
    client.set_cookie("lang", "en")
    three = ensure_module("three-systems", "行政执法三项制度", 2)
    penalty = ensure_module("admin-penalty", "行政处罚法", 5)
    db.session.commit()
    page = client.get("/admin/study/targets?year=2025").get_data(as_text=True)
    assert "Enforcement officer" in page and "/admin/study/targets/2025/enforcement" in page

    response = client.post("/admin/study/targets/2025/enforcement",
                           data={"hours": "20", "modules": [str(three.id), str(penalty.id)]})
    assert response.status_code == 302
    target = db.session.scalar(select(StudyTarget))
    assert (target.year, target.category, target.hours, target.module_ids) == \
        (2025, Category.ENFORCEMENT, 20.0, {three.id, penalty.id})
    assert target.updated_by_id == officer.id
    page = client.get("/admin/study/targets?year=2025").get_data(as_text=True)
    assert "行政处罚法" in page and ">20<" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "study_target.saved"))
    assert entry.details["after"] == {"hours": 20.0, "modules": sorted([three.id, penalty.id])}

    response = client.post("/admin/study/targets/2025/enforcement", data={"hours": "二十", "modules": []})
    assert response.status_code == 200 and "Enter the hours as a number" in response.get_data(as_text=True)
    response = client.post("/admin/study/targets/2025/enforcement", data={"hours": "12.345"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(StudyTarget)).hours == 20.0

    assert client.post("/admin/study/targets/2025/enforcement", data={"hours": "0"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(StudyTarget)) == 0
    assert client.get("/admin/study/targets/2025/nobody").status_code == 404


@pytest.fixture
def hand_built(make_user, town):
    """Four people, three lessons in two modules, and 2025 targets:

    - 执法人员: 1 学时 and module A (lessons a1, a2) required; 干部: 0.5 学时.
    - 张执法 (squad, enforcement): a1 + a2 completed (1.0), 1500 s read          -> met
    - 李执法 (squad, enforcement + cadre): a1 completed + b1 completed (1.0)   -> not met (A incomplete)
    - 王干部 (east, cadre): b1 completed (0.5), a2 started 100 s                 -> met
    - 赵网格 (east, grid): nothing                                              -> no target
    Last year's completion of 张执法 must not count in 2025.
    """
    a1 = make_lesson("mod-a", minutes=10, credit=0.5, order=1, module_name="模块甲")
    a2 = make_lesson("mod-a", minutes=10, credit=0.5, order=2, module_name="模块甲")
    b1 = make_lesson("mod-b", minutes=5, credit=0.5, order=1, module_name="模块乙")
    people = {
        "zhang": make_user(name="张执法", unit="squad", categories={Category.ENFORCEMENT}),
        "li": make_user(name="李执法", unit="squad", categories={Category.ENFORCEMENT, Category.CADRE}),
        "wang": make_user(name="王干部", unit="east", categories={Category.CADRE}),
        "zhao": make_user(name="赵网格", unit="east", categories={Category.GRID}),
    }
    done = datetime(2025, 5, 1, tzinfo=timezone.utc)

    def progress(who: str, lesson: Lesson, seconds: int, complete: bool, year: int = 2025) -> LessonProgress:
        return LessonProgress(user_id=people[who].id, lesson_id=lesson.id, year=year, credited_s=seconds,
                              read_to_end=complete, completed_at=done if complete else None)

    db.session.add_all([
        progress("zhang", a1, 700, True), progress("zhang", a2, 800, True), progress("zhang", b1, 400, True, 2024),
        progress("li", a1, 650, True), progress("li", b1, 320, True),
        progress("wang", b1, 300, True), progress("wang", a2, 100, False),
    ])
    enforcement = StudyTarget(year=2025, category=Category.ENFORCEMENT, hours_centi=100)
    enforcement.set_modules({a1.module_id})
    db.session.add_all([enforcement, StudyTarget(year=2025, category=Category.CADRE, hours_centi=50)])
    db.session.commit()
    return {"people": people, "lessons": (a1, a2, b1)}


def test_officer_figures_are_exact(hand_built, town):
    people = hand_built["people"]
    assert services.hours_by_user(2025) == {people["zhang"].id: 1.0, people["li"].id: 1.0, people["wang"].id: 0.5}
    assert services.hours_by_user(2024) == {people["zhang"].id: 0.5}
    assert services.total_hours(2025) == 2.5

    units = {f.label: f for f in services.unit_figures(2025)}
    assert set(units) == {"测试镇", "东风村", "西岭村", "河畔社区", "综合执法中队"}  # every unit, zeros included
    squad, east, west = units["综合执法中队"], units["东风村"], units["西岭村"]
    assert (squad.people, squad.studying, squad.hours, squad.lessons_completed, squad.with_target, squad.met) == \
        (2, 2, 2.0, 4, 2, 1)
    assert squad.studied_hours == 0.6  # 2470 s = 0.686 h, rounded down
    assert (east.people, east.studying, east.hours, east.lessons_completed, east.with_target, east.met) == \
        (2, 1, 0.5, 1, 1, 1)
    assert (west.people, west.hours, west.met_percent) == (0, 0.0, None)
    assert squad.met_percent == 50.0 and squad.hours_per_person == 1.0

    categories = {f.key: f for f in services.category_figures(2025)}
    assert set(categories) == set(Category)
    enforcement, cadre = categories[Category.ENFORCEMENT], categories[Category.CADRE]
    assert (enforcement.people, enforcement.hours, enforcement.with_target, enforcement.met) == (2, 2.0, 2, 1)
    assert (cadre.people, cadre.hours, cadre.with_target, cadre.met) == (2, 1.5, 2, 1)
    assert categories[Category.LEGAL_LITERATE].people == 0

    rows = {p.user.real_name: p for p in services.all_person_figures(2025, services.PersonFilter())}
    zhang, li, wang, zhao = rows["张执法"], rows["李执法"], rows["王干部"], rows["赵网格"]
    assert (zhang.hours, zhang.lessons_completed, zhang.target_hours, zhang.required, zhang.required_done, zhang.met) == \
        (1.0, 2, 1.0, 1, 1, True)
    assert (li.hours, li.target_hours, li.required, li.required_done, li.met) == (1.0, 1.0, 1, 0, False)
    assert (wang.hours, wang.target_hours, wang.required, wang.met, wang.studied_hours) == (0.5, 0.5, 0, True, 0.1)
    assert (zhao.hours, zhao.has_target, zhao.met, zhao.target_hours) == (0.0, False, False, None)

    unmet = services.all_person_figures(2025, services.PersonFilter(status="unmet"))
    assert [p.user.real_name for p in unmet] == ["李执法"]
    in_squad = services.all_person_figures(2025, services.PersonFilter(unit_id=town["squad"].id))
    assert {p.user.real_name for p in in_squad} == {"张执法", "李执法"}
    none = services.all_person_figures(2025, services.PersonFilter(status="none", category=Category.GRID))
    assert [p.user.real_name for p in none] == ["赵网格"]


def _table_rows(page: str, caption: str) -> dict[str, list[str]]:
    table = re.search(r"<caption>" + re.escape(caption) + r"</caption>.*?<tbody>(.*?)</tbody>", page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells
    return rows


def test_officer_view_and_export_hold_the_same_numbers(client, login_as, hand_built):
    officer = login_as(Role.OFFICER, unit="west", categories={Category.OTHER})
    client.set_cookie("lang", "en")
    page = client.get("/admin/study/?year=2025").get_data(as_text=True)
    units = _table_rows(page, "Study hours by unit, 2025")
    assert units["综合执法中队"][1:] == ["2", "2", "2", "1", "0.6", "4", "1 / 2 (50%)"]
    assert units["西岭村"][1:] == ["1", "0", "0", "0", "0", "0", "—"]  # the officer, no study
    categories = _table_rows(page, "Study hours by category, 2025")
    assert categories["Enforcement officer"][1:4] == ["2", "2", "2"]
    assert "李执法" in page and "Not met" in page
    filtered = client.get("/admin/study/?year=2025&status=unmet").get_data(as_text=True)
    person_part = filtered.split('id="by-person"')[1]
    assert "李执法" in person_part and "张执法" not in person_part

    response = client.get("/admin/study/export.xlsx?year=2025&kind=people")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("姓名", "账号", "单位", "人员类别", "获得学时", "学习时长（小时）", "完成课程数")
    assert sheet.freeze_panes == "A2"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"张执法", "李执法", "王干部", "赵网格", officer.real_name}
    assert by_name["张执法"][4:] == (1, 0.4, 2, 1, "1/1", "达标")
    assert by_name["李执法"][4:] == (1, 0.2, 2, 1, "0/1", "未达标")
    assert by_name["王干部"][4:] == (0.5, 0.1, 1, 0.5, None, "达标")
    assert by_name["赵网格"][4:] == (0, 0, 0, None, None, "无目标")
    assert isinstance(by_name["王干部"][4], float)

    units_sheet = load_workbook(io.BytesIO(client.get("/admin/study/export.xlsx?year=2025&kind=units").data)).worksheets[0]
    unit_rows = {r[0].strip("\u3000"): r for r in units_sheet.iter_rows(min_row=2, values_only=True)}
    assert unit_rows["综合执法中队"][1:] == (2, 2, 2, 0.6, 4, 2, 1, 50)
    assert unit_rows["河畔社区"][1:] == (0, 0, 0, 0, 0, 0, 0, None)
    categories_sheet = load_workbook(io.BytesIO(
        client.get("/admin/study/export.xlsx?year=2025&kind=categories").data)).worksheets[0]
    cat_rows = {r[0]: r for r in categories_sheet.iter_rows(min_row=2, values_only=True)}
    assert cat_rows["干部"][1:4] == (2, 2, 1.5)

    exports = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "study.exported")).all()
    assert len(exports) == 3 and {e.details["kind"] for e in exports} == {"people", "units", "categories"}
    assert all(e.actor_id == officer.id for e in exports)


def test_examinee_sees_their_target(client, login_as, hand_built):
    me = hand_built["people"]["li"]
    client.post("/logout")
    assert sign_in(client, me.account).status_code == 302
    client.set_cookie("lang", "en")
    from unittest import mock

    with mock.patch.object(services, "study_year", return_value=2025):
        page = client.get("/study/").get_data(as_text=True)
    assert re.search(r'class="study-hours">\s*<strong>1</strong>', page)
    assert "1 hours required" in page and "模块甲" in page
