"""The training officer's question bank pages: browse, edit with versions and preview, retire,
bulk edits, images, import and export."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lawexam.audit.models import AuditEntry
from lawexam.auth.models import Role
from lawexam.extensions import db
from lawexam.questions import bank
from lawexam.questions.models import MediaFile, Question, QuestionStatus, QuestionVersion
from lawexam.questions.qtypes import Option, QuestionContent
from lawexam.staging import StagedUpload
from tests.functional.question_files import ELF_BYTES, GOOD_ROWS, PNG_1PX, xlsx


@pytest.fixture
def modules(app):
    found = {"constitution": bank.ensure_module("constitution", "宪法", 1),
             "civil": bank.ensure_module("civil-code", "民法典", 2)}
    db.session.commit()
    return found


@pytest.fixture
def officer(login_as):
    return login_as(Role.OFFICER, name="培训管理员甲")


def english(client):
    client.set_cookie("lang", "en")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_question(module, stem: str, *, kind: str = "single", difficulty: int = 3, tags=(),
                  status: QuestionStatus = QuestionStatus.ACTIVE) -> Question:
    options, answer = (), None
    if kind == "single":
        options, answer = (Option("A", stem + "甲"), Option("B", stem + "乙")), "A"
    elif kind == "multiple":
        options, answer = (Option("A", stem + "甲"), Option("B", stem + "乙"), Option("C", stem + "丙")), ("A", "B")
    elif kind == "truefalse":
        answer = True
    elif kind == "fill":
        stem, answer = stem + "____。", (("答案",),)
    content = QuestionContent(kind, stem, options, answer, "解析。", "依据。", difficulty)
    question = bank.create_question(bank.QuestionInput(module.id, content, list(tags)), None)
    if status != QuestionStatus.ACTIVE:
        bank.set_status([question], status, None)
    db.session.commit()
    return question


def single_form(module, **overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "module_id": module.id, "type": "single", "stem": "国家宪法日是每年的哪一天？",
        "options-0": "3月15日", "options-1": "12月4日", "options-2": "4月15日", "options-3": "6月26日",
        "answer_single": "B", "explanation": "2014年全国人大常委会决定设立。", "basis": "全国人大常委会关于设立国家宪法日的决定",
        "difficulty": "2", "tags": "宪法日、基础", "save": "1"}
    data.update(overrides)
    return data


FORMS_BY_TYPE = {
    "single": ({}, "B", ["3月15日", "12月4日", "4月15日", "6月26日"]),
    "multiple": ({"type": "multiple", "stem": "民法典规定的基本原则包括哪些？", "options-0": "平等", "options-1": "自愿",
                  "options-2": "公平", "options-3": "效率优先", "answer_multiple": ["A", "B", "C"], "answer_single": ""},
                 ["A", "B", "C"], ["平等", "自愿", "公平", "效率优先"]),
    "truefalse": ({"type": "truefalse", "stem": "行政处罚法于2021年修订。", "answer_truefalse": "true",
                   "options-0": "留在隐藏选项里的字", "answer_single": "A"}, True, []),
    "fill": ({"type": "fill", "stem": "全民国家安全教育日是每年____月____日。", "blanks-0": "4 / 四", "blanks-1": "15|十五",
              "answer_single": ""}, [["4", "四"], ["15", "十五"]], []),
}


def version_row(question_id: int, number: int = 1) -> QuestionVersion:
    return db.session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question_id,
                                                           QuestionVersion.number == number))


def created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(re.search(r"/admin/questions/(\d+)/edit", response.location).group(1))


# ---- browsing ------------------------------------------------------------------------------

def test_bank_browser_filters_and_searches_in_chinese(client, officer, modules):
    make_question(modules["constitution"], "国家宪法日是哪一天？", difficulty=2, tags=["宪法日"])
    make_question(modules["constitution"], "宪法宣誓制度何时实施？", kind="truefalse", difficulty=4)
    make_question(modules["civil"], "民法典自何时起施行？", kind="fill", tags=["民法典"])
    make_question(modules["civil"], "民法典的基本原则有哪些？", kind="multiple", status=QuestionStatus.RETIRED)

    def rows(query: str = "") -> str:
        response = client.get("/admin/questions/" + query)
        assert response.status_code == 200
        return response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]

    page = rows()
    assert "国家宪法日" in page and "宪法宣誓" in page and "民法典自何时" in page
    assert "基本原则" not in page  # retired questions are hidden by default
    assert "宪法日" in rows("?q=宪法日") and "民法典" not in rows("?q=宪法日")
    assert "宣誓" in rows("?q=宣誓制度") and "国家宪法日" not in rows("?q=宣誓制度")
    page = rows(f"?module={modules['civil'].id}")
    assert "民法典自何时" in page and "宪法" not in page
    page = rows("?type=truefalse")
    assert "宪法宣誓" in page and "国家宪法日" not in page
    page = rows("?difficulty=4")
    assert "宪法宣誓" in page and "民法典自何时" not in page
    page = rows("?tag=民法典")
    assert "民法典自何时" in page and "宪法" not in page
    page = rows("?status=retired")
    assert "基本原则" in page and "国家宪法日" not in page
    page = rows("?status=all")
    assert "基本原则" in page and "国家宪法日" in page
    # Filters stay in the URL: the form shows them chosen and the row links carry the version.
    full = client.get(f"/admin/questions/?type=fill&module={modules['civil'].id}").get_data(as_text=True)
    assert '<option value="fill" selected>' in full and ">v1</a>" in full
    assert client.get("/admin/questions/?type=essay").status_code == 400
    assert client.get("/admin/questions/?difficulty=9").status_code == 400


def test_bank_browser_pages_by_thirty(client, officer, modules):
    for n in range(31):
        make_question(modules["constitution"], f"第{n:02d}题的题干")
    first = client.get("/admin/questions/").get_data(as_text=True)
    assert first.count('name="ids"') == 30 and "page=2" in first
    second = client.get("/admin/questions/?page=2").get_data(as_text=True)
    assert second.count('name="ids"') == 1


# ---- the editor ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(FORMS_BY_TYPE))
def test_officer_creates_each_type_through_the_form(client, officer, modules, kind):
    overrides, answer, options = FORMS_BY_TYPE[kind]
    response = client.post("/admin/questions/new", data=single_form(modules["constitution"], **overrides))
    question = db.session.get(Question, created_id(response))
    assert question.type == kind and question.module_id == modules["constitution"].id
    assert sorted(question.tags) == sorted(["宪法日", "基础"]) and question.author_id == officer.id
    version = version_row(question.id)
    assert version.number == 1 and version.answer == answer
    assert [o["text"] for o in version.options] == options
    assert version.author_id == officer.id and version.difficulty == 2
    assert version.explanation == "2014年全国人大常委会决定设立。"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.created")).object_id == str(question.id)
    page = client.get(response.location).get_data(as_text=True)
    assert "已创建" in page


def test_fill_question_in_html_with_an_image_keeps_the_sanitised_stem(client, officer, modules):
    data = single_form(modules["constitution"], type="fill", answer_single="",
                       stem='<p>看图填空：<img src="/media/abc.png" onerror="alert(1)">____</p><script>alert(2)</script>',
                       **{"blanks-0": "国徽"})
    question_id = created_id(client.post("/admin/questions/new", data=data))
    stem = version_row(question_id).stem
    assert "<script" not in stem and "onerror" not in stem and '<img src="/media/abc.png">' in stem
    assert version_row(question_id).answer == [["国徽"]]


def test_editing_content_adds_a_version_and_leaves_the_old_one_alone(client, officer, modules):
    question_id = created_id(client.post("/admin/questions/new", data=single_form(modules["constitution"])))
    response = client.post(f"/admin/questions/{question_id}/edit", data=single_form(
        modules["constitution"], stem="国家宪法日是每年的几月几日？", note="措辞更清楚"))
    assert response.status_code == 302
    assert "保存为第 2 版" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    question = db.session.get(Question, question_id)
    assert [v.number for v in question.versions] == [1, 2]
    assert question.current_version.number == 2 and question.current_version.note == "措辞更清楚"
    old = version_row(question_id, 1)
    assert old.stem == "国家宪法日是每年的哪一天？" and old.answer == "B" and old.note == ""


def test_a_tags_only_edit_makes_no_new_version(client, officer, modules):
    question_id = created_id(client.post("/admin/questions/new", data=single_form(modules["constitution"])))
    # The editor shows the stored question; saving it back with other tags changes only tags.
    page = client.get(f"/admin/questions/{question_id}/edit").get_data(as_text=True)
    assert "国家宪法日是每年的哪一天？</textarea>" in page and 'value="B" checked' in page
    response = client.post(f"/admin/questions/{question_id}/edit",
                           data=single_form(modules["constitution"], tags="宪法日，宪法宣传周", exam_only="y"))
    assert "内容未变" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    question = db.session.get(Question, question_id)
    assert len(question.versions) == 1 and set(question.tags) == {"宪法宣传周", "宪法日"} and question.exam_only
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.edited"))
    assert set(entry.details) == {"tags", "exam_only"}


def test_editing_a_stem_with_line_breaks_round_trips(client, officer, modules):
    data = single_form(modules["constitution"], stem="第一行\r\n第二行 a < b")
    question_id = created_id(client.post("/admin/questions/new", data=data))
    assert version_row(question_id).stem == "第一行<br>第二行 a &lt; b"
    page = client.get(f"/admin/questions/{question_id}/edit").get_data(as_text=True)
    assert "第一行\n第二行 a &lt; b</textarea>" in page
    client.post(f"/admin/questions/{question_id}/edit", data=single_form(modules["constitution"], stem="第一行\n第二行 a < b"))
    assert count(QuestionVersion) == 1


OPTIONS = '<fieldset class="field answer-group options-group'
TRUEFALSE = 'data-types="truefalse"'
STEM = '<div class="field stem-field'
TAGS = '<label for="tags">'


def _field_block(page: str, marker: str) -> str:
    """The HTML of one field, from its start to the start of the next field."""
    start = page.index(marker)
    ends = [page.find(end, start + len(marker)) for end in ('<div class="field', "<fieldset", '<div class="form-actions')]
    return page[start:min(e for e in ends if e != -1)]


@pytest.mark.parametrize("overrides, marker, message", [
    ({"answer_single": "F"}, OPTIONS, "The answer F is not one of the options (A, B, C, D)."),
    ({"answer_single": ["A", "B"]}, OPTIONS,
     "A single-choice question has exactly one correct answer; 2 were given (A, B)."),
    ({"stem": ""}, STEM, "The stem is empty."),
    ({"stem": "长" * 10000}, STEM, "The stem is 10000 characters long; at most 5000 are allowed."),
    ({"options-1": ""}, OPTIONS, "Option B is empty."),
    ({"type": "multiple", "answer_multiple": ["A"]}, OPTIONS,
     "A multiple-choice question needs at least two correct answers"),
    ({"type": "truefalse"}, TRUEFALSE,
     "The answer of a true/false question must be true or false."),
    ({"type": "fill", "stem": "没有空的题干"}, STEM, "The stem has no blank"),
    ({"tags": "标" * 41}, TAGS, "A tag can have at most 40 characters."),
])
def test_invalid_input_is_shown_on_its_field_and_nothing_is_written(client, officer, modules, overrides, marker, message):
    english(client)
    before = (count(Question), count(QuestionVersion), count(AuditEntry))
    response = client.post("/admin/questions/new", data=single_form(modules["constitution"], **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert message in _field_block(page, marker), "the message is not next to its field"
    assert (count(Question), count(QuestionVersion), count(AuditEntry)) == before


def test_the_stem_problem_sits_under_the_stem(client, officer, modules):
    response = client.post("/admin/questions/new", data=single_form(modules["constitution"], stem=""))
    page = response.get_data(as_text=True)
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*id="stem"|<textarea[^>]*id="stem"[^>]*aria-invalid="true"', page)
    assert '<p class="error" id="stem-error">题干为空' in page


def test_duplicate_warning_then_save_anyway(client, officer, modules):
    first = created_id(client.post("/admin/questions/new", data=single_form(modules["constitution"])))
    # The same stem and options, shuffled and in full-width digits, is still the same question.
    again = single_form(modules["constitution"], **{"options-0": "12月4日", "options-1": "３月15日", "answer_single": "A"})
    page = client.post("/admin/questions/new", data=again).get_data(as_text=True)
    assert "duplicate-warning" in page and f'href="/admin/questions/{first}/edit"' in page
    assert 'name="allow_duplicate"' in page
    assert count(Question) == 1
    response = client.post("/admin/questions/new", data={**again, "allow_duplicate": "y"})
    assert response.status_code == 302 and count(Question) == 2


def test_version_diff_marks_insertions_and_deletions_on_escaped_text(client, officer, modules):
    data = single_form(modules["constitution"], stem="<b>宪法</b>规定国家主席任期五年。", **{"options-2": "x<y"})
    question_id = created_id(client.post("/admin/questions/new", data=data))
    changed = single_form(modules["constitution"], stem="<b>宪法</b>规定国家主席每届任期五年。", answer_single="C",
                          **{"options-2": "x<z & w"})
    client.post(f"/admin/questions/{question_id}/edit", data=changed)
    page = client.get(f"/admin/questions/{question_id}/history").get_data(as_text=True)
    versions = page.split('class="data versions-table"')[1].split("</table>")[0]
    assert "v2" in versions and "v1" in versions and "培训管理员甲" in versions
    assert f"/admin/questions/{question_id}/history?version=1" in versions
    # By default the current version is compared with the one before.
    diff = page.split('class="data diff-table"')[1].split("</table>")[0]
    assert "<ins>每届</ins>" in diff
    assert "<del>B</del><ins>C</ins>" in diff
    assert "x&lt;<del>y</del><ins>z &amp; w</ins>" in diff
    assert "<b>" not in diff and "&lt;b&gt;" not in diff  # compared as plain text
    assert "选项 C" in diff and "有改动" in diff
    first = client.get(f"/admin/questions/{question_id}/history?version=1").get_data(as_text=True)
    diff = first.split('class="data diff-table"')[1].split("</table>")[0]
    assert "<del>" not in diff and "<ins>宪法规定国家主席任期五年。</ins>" in diff
    assert client.get(f"/admin/questions/{question_id}/history?version=3").status_code == 404
    recent = client.get("/admin/questions/history").get_data(as_text=True)
    assert f"/admin/questions/{question_id}/history?version=2" in recent


def test_history_shows_local_time(client, officer, modules):
    question = make_question(modules["constitution"], "本地时间题")
    created = question.current_version.created_at
    from lawexam.localtime import format_local_time
    page = client.get(f"/admin/questions/{question.id}/history").get_data(as_text=True)
    assert format_local_time(created) in page


def test_retire_and_restore_from_the_question_page(client, officer, modules):
    question = make_question(modules["constitution"], "将要停用的题")
    page = client.get(f"/admin/questions/{question.id}/edit").get_data(as_text=True)
    assert f'action="/admin/questions/{question.id}/status"' in page and "data-confirm=" in page
    response = client.post(f"/admin/questions/{question.id}/status", data={"status": "retired"}, follow_redirects=True)
    assert "已停用" in response.get_data(as_text=True)
    assert db.session.get(Question, question.id).status == QuestionStatus.RETIRED
    assert "将要停用" not in client.get("/admin/questions/").get_data(as_text=True).split("<tbody>")[1]
    client.post(f"/admin/questions/{question.id}/status", data={"status": "active"})
    assert db.session.get(Question, question.id).status == QuestionStatus.ACTIVE
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("question.%"))))
    assert "question.retired" in actions and "question.restored" in actions


def test_bulk_move_tag_retire_and_restore(client, officer, modules):
    ids = [make_question(modules["constitution"], f"批量题{n}").id for n in range(3)]
    picked = ids[:2]
    back = "/admin/questions/?q=批量"
    response = client.post("/admin/questions/bulk", data={"ids": picked, "action": "move",
                                                          "module_id": modules["civil"].id, "next": back})
    assert response.status_code == 302 and response.location.endswith("/admin/questions/?q=%E6%89%B9%E9%87%8F")
    assert "2 道试题已移至 民法典" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Question, i).module_id for i in ids] == [modules["civil"].id] * 2 + [modules["constitution"].id]
    client.post("/admin/questions/bulk", data={"ids": picked, "action": "tag", "tags": "重点、2024"})
    db.session.expire_all()
    assert set(db.session.get(Question, ids[0]).tags) == {"2024", "重点"} and db.session.get(Question, ids[2]).tags == []
    response = client.post("/admin/questions/bulk", data={"ids": ids, "action": "retire"}, follow_redirects=True)
    assert "已停用 3 道试题" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {db.session.get(Question, i).status for i in ids} == {QuestionStatus.RETIRED}
    client.post("/admin/questions/bulk", data={"ids": [ids[0]], "action": "restore"})
    db.session.expire_all()
    assert db.session.get(Question, ids[0]).status == QuestionStatus.ACTIVE
    # Nothing selected, or no module: a clear message and no change.
    response = client.post("/admin/questions/bulk", data={"action": "retire"}, follow_redirects=True)
    assert "请至少选择一道试题" in response.get_data(as_text=True)
    response = client.post("/admin/questions/bulk", data={"ids": ids, "action": "move"}, follow_redirects=True)
    assert "请选择" in response.get_data(as_text=True)
    # The browser's retire button asks first.
    assert re.search(r'value="retire"[^>]*data-confirm=', client.get("/admin/questions/").get_data(as_text=True))


def test_bulk_refuses_an_outside_redirect(client, officer, modules):
    question = make_question(modules["constitution"], "跳转题")
    response = client.post("/admin/questions/bulk", data={"ids": [question.id], "action": "tag", "tags": "x",
                                                          "next": "https://evil.example/"})
    assert response.location.endswith("/admin/questions/")


# ---- preview -------------------------------------------------------------------------------

def test_preview_renders_the_examinee_view_without_the_answer_key(client, officer, modules):
    response = client.post("/admin/questions/preview", data=single_form(modules["constitution"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="question q-single"' in html
    assert html.count('type="radio" name="q1"') == 4 and "12月4日" in html
    assert "checked" not in html and "2014年" not in html and "决定" not in html and "answer" not in html
    assert "<html" not in html  # a fragment for the preview pane

    fill = single_form(modules["constitution"], type="fill", stem="全民国家安全教育日是每年____月15日。",
                       **{"blanks-0": "四月/4"})
    html = client.post("/admin/questions/preview", data=fill).get_data(as_text=True)
    assert 'class="q-blank"' in html and "每年<input" in html and "月15日。" in html
    assert "四月" not in html and 'value=""' in html

    tf = single_form(modules["constitution"], type="truefalse", answer_truefalse="false")
    html = client.post("/admin/questions/preview", data=tf).get_data(as_text=True)
    assert html.count('type="radio"') == 2 and "checked" not in html and "对" in html and "错" in html


def test_preview_of_unfinished_input_lists_what_is_missing(client, officer, modules):
    english(client)
    html = client.post("/admin/questions/preview", data=single_form(modules["constitution"], answer_single="")).get_data(as_text=True)
    assert "Mark exactly one option as the correct answer." in html and 'class="question q-single"' in html
    html = client.post("/admin/questions/preview", data=single_form(modules["constitution"], stem="<script>x()</script>题"))\
        .get_data(as_text=True)
    assert "<script" not in html


def test_preview_button_without_javascript_fills_the_pane_and_saves_nothing(client, officer, modules):
    data = single_form(modules["constitution"])
    del data["save"]
    page = client.post("/admin/questions/new", data={**data, "preview": "1"}).get_data(as_text=True)
    pane = page.split('class="phone-screen')[1]
    assert 'class="question q-single"' in pane and "国家宪法日是每年的哪一天？" in pane
    assert count(Question) == 0


# ---- images --------------------------------------------------------------------------------

def _media_files(app) -> list[Path]:
    root = Path(app.instance_path) / "media"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_executable_renamed_png_is_refused(app, client, officer):
    response = client.post("/admin/questions/images", data={"image": (io.BytesIO(ELF_BYTES), "photo.png")},
                           headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "message" in response.get_json()
    assert count(MediaFile) == 0 and _media_files(app) == []


def test_a_png_is_stored_and_served(app, client, officer, make_user):
    response = client.post("/admin/questions/images", data={"image": (io.BytesIO(PNG_1PX), "tiny.png")},
                           headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    url = response.get_json()["url"]
    assert re.fullmatch(r"/media/[0-9a-f]{64}\.png", url)
    assert count(MediaFile) == 1 and len(_media_files(app)) == 1
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == PNG_1PX
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    served.close()
    assert client.get("/media/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/media/..%2Fsecret_key").status_code == 404
    # Any signed-in person may see it (examinees see stems); strangers may not.
    stranger = app.test_client()
    assert stranger.get(url).status_code == 302


def test_image_upload_without_javascript_shows_the_snippet(client, officer):
    response = client.post("/admin/questions/images", data={"image": (io.BytesIO(PNG_1PX), "tiny.png")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '&lt;img src="/media/' in page


# ---- import --------------------------------------------------------------------------------

GIFT = "::宪法1:: 宪法是国家的根本法。 {T}\n".encode()


def upload(client, *files, module_id=None):
    data: dict[str, object] = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if module_id:
        data["module_id"] = module_id
    return client.post("/admin/questions/import", data=data, content_type="multipart/form-data")


def confirm(client, page: str, skip_invalid: bool = False):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"token": token}
    if skip_invalid:
        data["skip_invalid"] = "y"
    return client.post("/admin/questions/import/confirm", data=data)


def test_import_preview_then_confirm_writes(client, officer, modules):
    page = upload(client, ("题库.xlsx", xlsx(GOOD_ROWS)), ("宪法.gift", GIFT)).get_data(as_text=True)
    assert "导入 5 道试题" in page and page.count('class="item-new"') == 5
    assert "题库.xlsx" in page and "宪法.gift" in page
    assert count(Question) == 0  # the preview writes nothing
    done = confirm(client, page)
    assert done.status_code == 200 and "试题已导入" in done.get_data(as_text=True)
    assert count(Question) == 5 and count(StagedUpload) == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "questions.imported"))
    assert entry.details["created"] == 5 and entry.details["files"] == ["题库.xlsx", "宪法.gift"]


def test_import_into_a_chosen_module(client, officer, modules):
    page = upload(client, ("题库.xlsx", xlsx(GOOD_ROWS)), module_id=modules["civil"].id).get_data(as_text=True)
    assert page.count("<td>民法典</td>") == 4
    confirm(client, page)
    assert set(db.session.scalars(select(Question.module_id))) == {modules["civil"].id}


def test_importing_the_same_file_again_is_all_duplicates_and_writes_nothing(client, officer, modules):
    confirm(client, upload(client, ("题库.xlsx", xlsx(GOOD_ROWS))).get_data(as_text=True))
    before = (count(Question), count(QuestionVersion))
    page = upload(client, ("题库.xlsx", xlsx(GOOD_ROWS))).get_data(as_text=True)
    assert re.search(r"重复\s*<strong>4</strong>", page) and re.search(r"新增?\s*<strong>0</strong>", page)
    assert re.search(r"待更新\s*<strong>0</strong>", page)
    assert 'name="token"' not in page and page.count('class="severity-duplicate"') == 4
    assert (count(Question), count(QuestionVersion)) == before


def test_import_problems_show_file_location_field_and_severity(client, officer, modules):
    rows = GOOD_ROWS + [["单选题", "坏题", "甲", "乙", "", "", "F", "", 3, "宪法", ""]]
    page = upload(client, ("题库.xlsx", xlsx(rows))).get_data(as_text=True)
    problem = re.search(r'<tr class="severity-error"><td>题库.xlsx</td><td class="nowrap">([^<]+)</td><td>答案</td>'
                        r'<td class="nowrap">错误</td><td>([^<]+)</td>', page)
    assert problem and "6" in problem.group(1)
    assert "跳过无效试题" in page
    response = confirm(client, page)  # without skipping: nothing is written
    assert count(Question) == 0 and "有问题" in response.get_data(as_text=True)
    confirm(client, upload(client, ("题库.xlsx", xlsx(rows))).get_data(as_text=True), skip_invalid=True)
    assert count(Question) == 4


def test_import_refuses_other_file_types_and_offers_templates(client, officer):
    response = upload(client, ("virus.exe", b"MZ"))
    assert "只能导入" in response.get_data(as_text=True) and count(StagedUpload) == 0
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/admin/questions/import/template.{fmt}")
        assert response.status_code == 200 and len(response.data) > 100
        assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/admin/questions/import/template.pdf").status_code == 404


# ---- export and statistics -----------------------------------------------------------------

@pytest.mark.parametrize("fmt, module, marker", [
    ("xlsx", None, b"PK"), ("gift", None, "国家宪法日".encode()), ("moodle-xml", None, b"<quiz"),
    ("yaml", "constitution", "国家宪法日".encode())])
def test_export_each_format_downloads_and_is_audited(client, officer, modules, fmt, module, marker):
    make_question(modules["constitution"], "国家宪法日是哪一天？")
    make_question(modules["civil"], "民法典何时施行？", kind="fill")
    data = {"format": fmt, "module_id": modules[module].id if module else ""}
    response = client.post("/admin/questions/export", data=data)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert len(response.data) > 0 and marker in response.data
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "questions.exported")))
    assert len(entries) == 1 and entries[0].details == {"format": fmt, "count": 1 if module else 2}
    assert entries[0].actor_id == officer.id


def test_yaml_export_needs_a_module_and_retired_questions_are_optional(client, officer, modules):
    english(client)
    make_question(modules["constitution"], "停用题", status=QuestionStatus.RETIRED)
    page = client.post("/admin/questions/export", data={"format": "yaml"}).get_data(as_text=True)
    assert "A YAML file holds one module" in page
    page = client.post("/admin/questions/export", data={"format": "gift"}).get_data(as_text=True)
    assert "There are no questions to export." in page
    assert count(AuditEntry) == db.session.scalar(select(func.count()).select_from(AuditEntry)
                                                  .where(AuditEntry.action != "questions.exported"))
    response = client.post("/admin/questions/export", data={"format": "gift", "include_retired": "y"})
    assert response.status_code == 200 and "停用题".encode() in response.data


def test_stats_page_counts_by_module_and_type(client, officer, modules):
    make_question(modules["constitution"], "甲题")
    make_question(modules["constitution"], "乙题")
    make_question(modules["constitution"], "丙题", kind="truefalse", status=QuestionStatus.RETIRED)
    make_question(modules["civil"], "丁题", kind="fill")
    page = client.get("/admin/questions/stats").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    constitution = body.split("</tr>")[0]
    assert "宪法" in constitution and re.search(r'<td class="num">2</td>', constitution)
    assert "已停用 1" in constitution or "+1" in constitution
    assert "民法典" in body and "<tfoot>" in page


def test_the_examinee_partial_restores_a_saved_response_and_shows_no_key(app):
    from flask import render_template

    single = QuestionContent("single", "哪一天？", (Option("A", "甲"), Option("B", "乙")), "B", "解析", "依据", 2)
    multiple = QuestionContent("multiple", "哪些？", (Option("A", "甲"), Option("B", "乙"), Option("C", "丙")),
                               ("A", "C"), "", "", 3)
    truefalse = QuestionContent("truefalse", "对吗？", (), True, "", "", 3)
    fill = QuestionContent("fill", '<img src="/media/a____b.png">第____空和第____空', (), (("秘密答案",), ("二",)), "", "", 3)
    with app.test_request_context():
        html = render_template("questions/_question.html", content=single, slot=3)
        assert 'name="q3"' in html and "checked" not in html and "解析" not in html and "依据" not in html
        html = render_template("questions/_question.html", content=single, slot=3, response="A")
        assert re.search(r'value="A" checked', html) and not re.search(r'value="B" checked', html)
        html = render_template("questions/_question.html", content=multiple, slot=1, response=["A", "C"])
        assert len(re.findall(r"checked", html)) == 2 and 'type="checkbox"' in html
        html = render_template("questions/_question.html", content=truefalse, slot=2, response=False)
        assert re.search(r'value="false" checked', html) and not re.search(r'value="true" checked', html)
        html = render_template("questions/_question.html", content=fill, slot=4, response=["一", ""])
        # Blanks sit inline where ____ is, never inside the image path; the key never appears.
        assert html.count('class="q-blank"') == 2 and 'src="/media/a____b.png"' in html
        assert 'value="一"' in html and "秘密答案" not in html
        assert re.search(r"第<input[^>]*>空和第<input[^>]*>空", html)
