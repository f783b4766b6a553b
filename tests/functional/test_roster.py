"""Roster import (validate everything first, all or nothing) and export."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from lawexam.auth.models import Category, Role, User
from lawexam.extensions import db
from lawexam.staging import StagedUpload

HEADERS = ["姓名", "账号/手机号", "所属单位", "人员类别", "角色", "执法证号"]
GOOD_ROWS = [
    ["张三", "13800138000", "综合执法中队", "执法人员", "考生", "NX-0001"],
    ["李四", "13900139000", "东风村", "村（社区）两委成员、法律明白人", "", ""],
    ["王五", "staff-017", "河畔社区", "网格员", "考生、审阅人", ""],
]


def xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    if headers:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def people_snapshot() -> list[tuple]:
    users = db.session.scalars(select(User).order_by(User.account)).all()
    return [(u.account, u.real_name, u.unit_id, sorted(u.categories), sorted(u.roles), u.enforcement_cert_no)
            for u in users]


def upload(client, data: bytes, name: str = "名单.xlsx"):
    return client.post("/admin/people/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm(client, page: str, skip_invalid: bool = False):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"token": token}
    if skip_invalid:
        data["skip_invalid"] = "y"
    return client.post("/admin/people/import/confirm", data=data)


def test_good_file_previews_then_imports(client, login_as, town):
    login_as(Role.OFFICER)
    before = people_snapshot()
    page = upload(client, xlsx(GOOD_ROWS)).get_data(as_text=True)
    assert "导入 3 行" in page
    assert people_snapshot() == before  # the preview writes nothing
    done = confirm(client, page)
    assert done.status_code == 200
    text = done.get_data(as_text=True)
    assert text.count('<code class="password">') == 3
    zhang = db.session.scalar(select(User).where(User.account == "13800138000"))
    assert zhang.unit_id == town["squad"].id and zhang.categories == {Category.ENFORCEMENT}
    assert zhang.enforcement_cert_no == "NX-0001" and zhang.must_change_password
    li = db.session.scalar(select(User).where(User.account == "13900139000"))
    assert li.categories == {Category.COMMITTEE, Category.LEGAL_LITERATE} and li.roles == {Role.EXAMINEE}
    wang = db.session.scalar(select(User).where(User.account == "staff-017"))
    assert wang.roles == {Role.EXAMINEE, Role.REVIEWER}
    assert db.session.scalar(select(StagedUpload)) is None


def test_reimporting_updates_people_by_account_instead_of_duplicating(client, login_as, town):
    login_as(Role.OFFICER)
    confirm(client, upload(client, xlsx(GOOD_ROWS)).get_data(as_text=True))
    changed = [list(r) for r in GOOD_ROWS]
    changed[1][2] = "西岭村"
    page = upload(client, xlsx(changed)).get_data(as_text=True)
    assert re.search(r"待更新\s*<strong>1</strong>", page) and re.search(r"未变\w*\s*<strong>2</strong>", page)
    confirm(client, page)
    assert db.session.scalar(select(User).where(User.account == "13900139000")).unit_id == town["west"].id
    assert len([u for u in people_snapshot() if u[0] in {"13800138000", "13900139000", "staff-017"}]) == 3


@pytest.mark.parametrize("rows, headers, row, column, message", [
    ([["张三", "13800138000", "综合执法中队"]], ["姓名", "账号/手机号", "所属单位"], None, None, "缺少列：人员类别"),
    ([GOOD_ROWS[0], ["张三丰", "13800138000", "东风村", "干部", "", ""]], HEADERS, 3, "账号/手机号", "已在第 2 行出现"),
    ([["张三", "13800138000", "月亮村", "干部", "", ""]], HEADERS, 2, "所属单位", "没有名为 月亮村 的在用单位"),
    ([["张三", "1380013800", "东风村", "干部", "", ""]], HEADERS, 2, "账号/手机号", "不是有效的手机号"),
    ([["张三", "13800138000", "东风村", "宇航员", "", ""]], HEADERS, 2, "人员类别", "未知的人员类别：宇航员"),
    ([["", "13800138000", "东风村", "干部", "", ""]], HEADERS, 2, "姓名", "姓名为空"),
    ([], HEADERS, None, None, "没有数据行"),
])
def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(
        client, login_as, town, rows, headers, row, column, message):
    login_as(Role.OFFICER)
    before = people_snapshot()
    page = upload(client, xlsx(rows, headers)).get_data(as_text=True)
    assert message in page
    if row is not None:
        assert re.search(rf'<td class="num">{row}</td><td>{re.escape(column)}</td><td>[^<]*{message}', page)
    assert people_snapshot() == before


def test_nothing_is_written_while_a_row_is_invalid_unless_skipping(client, login_as, town):
    login_as(Role.OFFICER)
    rows = GOOD_ROWS + [["坏人", "123", "东风村", "干部", "", ""]]
    before = people_snapshot()
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    assert "跳过无效行" in page
    response = confirm(client, page)  # without choosing to skip
    assert "未导入任何数据" in response.get_data(as_text=True)
    assert people_snapshot() == before
    page = upload(client, xlsx(rows)).get_data(as_text=True)
    confirm(client, page, skip_invalid=True)
    accounts = {u[0] for u in people_snapshot()}
    assert {"13800138000", "13900139000", "staff-017"} <= accounts and "123" not in accounts


@pytest.mark.parametrize("data, name, message", [
    (b"this is not a spreadsheet at all", "名单.xlsx", "不是 Excel"),
    (xlsx(GOOD_ROWS)[:700], "名单.xlsx", "已损坏"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "名单.xlsx", "密码保护"),
    (b"", "名单.csv", "第一个工作表是空的"),
    ("姓名,账号/手机号,所属单位,人员类别\n张三,13800138000,东风村,干部\n".encode("utf-16"), "名单.csv", "编码"),
])
def test_unreadable_files_get_a_clear_message_and_change_nothing(client, login_as, town, data, name, message):
    login_as(Role.OFFICER)
    before = people_snapshot()
    response = upload(client, data, name)
    assert message in response.get_data(as_text=True)
    assert people_snapshot() == before


def test_empty_first_sheet_is_refused(client, login_as, town):
    login_as(Role.OFFICER)
    book = Workbook()
    book.create_sheet("第二页").append(HEADERS)
    buffer = io.BytesIO()
    book.save(buffer)
    assert "第一个工作表是空的" in upload(client, buffer.getvalue()).get_data(as_text=True)


def test_gbk_csv_from_chinese_excel_is_read(client, login_as, town):
    login_as(Role.OFFICER)
    text = "姓名,账号/手机号,所属单位,人员类别\n张三,13800138000,东风村,干部\n"
    page = upload(client, text.encode("gbk"), "名单.csv").get_data(as_text=True)
    assert "GBK" in page and "导入 1 行" in page


def test_template_downloads_and_imports_cleanly(client, login_as, town):
    login_as(Role.OFFICER)
    template = client.get("/admin/people/import/template.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[1]] == HEADERS


def test_export_holds_the_roster_and_is_audited(client, login_as, make_user):
    login_as(Role.OFFICER, name="导出人")
    make_user(name="=HYPERLINK(\"x\")", account="13700137000")
    response = client.get("/admin/people/export.xlsx?active=all")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:6] == HEADERS
    names = [row[0] for row in values[1:]]
    assert "导出人" in names and "'=HYPERLINK(\"x\")" in names  # a formula never runs
    assert sheet.freeze_panes == "A2"
    from lawexam.audit.models import AuditEntry
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.exported")) is not None


def test_cli_import_dry_run_writes_nothing_and_real_run_prints_passwords(runner, town, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS))
    before = people_snapshot()
    result = runner.invoke(args=["users", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "新增 3" in result.output and "未写入" in result.output
    assert people_snapshot() == before
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0 and "13800138000" in result.output
    assert len(people_snapshot()) == len(before) + 3


def test_cli_import_of_a_bad_file_exits_non_zero(runner, town, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx([["张三", "1380013800", "东风村", "干部", "", ""]]))
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "第 2 行 [账号/手机号]" in result.output
