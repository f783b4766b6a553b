"""From report figures to the tables and charts the pages show and the exports write."""
from __future__ import annotations

from typing import Any, Callable

from lawexam.questions.qtypes import UnknownQuestionType, get_type
from lawexam.reports.exam_report import AbsentRow, AttemptRow, ExamReport, GroupRow
from lawexam.reports.external import CertificateFigures, StudyFigures
from lawexam.reports.item_report import ItemReport, ItemRow
from lawexam.reports.item_stats import ItemFlag
from lawexam.reports.tables import Column, Row, Table, counts_cells, counts_columns
from lawexam.reports.year_report import PeriodReport, TrendRow
from lawexam.i18n import _

UnitLink = Callable[[Any], "str | None"]


def type_label(name: str) -> str:
    try:
        return str(get_type(name).label)
    except UnknownQuestionType:
        return name


def flag_label(flag: ItemFlag, item: ItemRow | None = None) -> str:
    if flag == ItemFlag.TOO_EASY:
        return _("Too easy (facility above 0.95)")
    if flag == ItemFlag.TOO_HARD:
        return _("Too hard (facility below 0.2)")
    if flag == ItemFlag.LOW_DISCRIMINATION:
        return _("Low discrimination (below 0.1)")
    if flag == ItemFlag.NEGATIVE_DISCRIMINATION:
        return _("Negative discrimination")
    keys = "、".join(item.stats.unused_distractors) if item else ""
    return _("Distractor nobody chose: %(keys)s", keys=keys)


# ---- per exam ------------------------------------------------------------------------------

def exam_overview_table(report: ExamReport) -> Table:
    o = report.overview
    columns = [
        Column("enrolled", _("People enrolled"), "应考人数", "int", 10),
        Column("took_part", _("People who took part"), "参考人数", "int", 10),
        Column("participation", _("Participation rate"), "参考率", "pct", 12),
        Column("passed", _("People who passed"), "合格人数", "int", 10),
        Column("failed", _("People who did not pass"), "不合格人数", "int", 10),
        Column("absent", _("People absent"), "缺考人数", "int", 10),
        Column("pass_rate", _("Pass rate"), "合格率", "pct", 12),
        Column("mean", _("Mean score"), "平均分", "score", 10),
        Column("median", _("Median score"), "中位数", "score", 10),
        Column("highest", _("Highest score"), "最高分", "score", 10),
        Column("lowest", _("Lowest score"), "最低分", "score", 10),
        Column("max_score", _("Full mark"), "满分", "score", 10),
    ]
    cells = [o.enrolled, o.took_part, o.participation_rate, o.passed, o.failed, o.absent, o.pass_rate, o.mean,
             o.median, o.highest, o.lowest, report.max_score]
    return Table("overview", _("Overview"), "总体情况", columns, [Row(cells)])


def histogram_table(report: ExamReport) -> Table:
    columns = [Column("bin", _("Score band"), "分数段", "text", 12),
               Column("count", _("People"), "人数", "int", 10),
               Column("share", _("Share of those who took part"), "占参考人数比例", "pct", 16)]
    rows = [Row([bar.bin.label, bar.count, bar.share]) for bar in report.histogram]
    return Table("histogram", _("Score distribution"), "分数分布", columns, rows,
                 note=_("Each band includes its lower bound; the last band also holds the full mark. "
                        "A person counts once, with their best result of the sitting."))


def group_table(key: str, title: str, file_title: str, first: Column, groups: list[GroupRow], total: Any,
                link: UnitLink | None = None, *, roll_label: str | None = None, roll_header: str = "应考人数",
                scores: bool = True, note: str = "", extra: list[tuple[Column, Callable[[GroupRow], Any], Any]] = ()) -> Table:
    columns = counts_columns(first, roll_label=roll_label, roll_header=roll_header, scores=scores)
    columns += [column for column, _value, _total in extra]
    rows = []
    for group in groups:
        cells = counts_cells(group.label, group.counts, scores) + [value(group) for _c, value, _t in extra]
        css = "muted" if group.counts.enrolled == 0 else ""
        rows.append(Row(cells, depth=group.depth, link=link(group.key) if link else None, css=css))
    footer = None
    if total is not None:
        footer = Row(counts_cells(_("Total"), total, scores) + [t for _c, _v, t in extra], css="total")
    return Table(key, title, file_title, columns, rows, footer=footer, note=note)


def unit_table(report_units: list[GroupRow], total: Any, link: UnitLink | None = None, **kwargs: Any) -> Table:
    return group_table("units", _("By unit"), "按单位", Column("unit", _("Unit"), "单位", "text", 24),
                       report_units, total, link,
                       note=_("People are counted under the unit they belong to now; units with nobody "
                              "taking part are listed with zeros."), **kwargs)


def category_table(groups: list[GroupRow], link: UnitLink | None = None, **kwargs: Any) -> Table:
    return group_table("categories", _("By category"), "按人员类别",
                       Column("category", _("Category"), "人员类别", "text", 24), groups, None, link,
                       note=_("A person with several categories is counted in each of them."), **kwargs)


def absent_table(rows: list[AbsentRow], start: int = 1) -> Table:
    columns = [Column("number", "#", "序号", "int", 6),
               Column("name", _("Name"), "姓名", "text", 12),
               Column("account", _("Account"), "账号", "text", 16),
               Column("unit", _("Unit"), "单位", "text", 20),
               Column("phone", _("Phone"), "联系电话", "text", 16),
               Column("status", _("Status"), "情况", "text", 16)]
    body = [Row([start + i, r.name, r.account, r.unit, r.phone or None, r.status]) for i, r in enumerate(rows)]
    return Table("absent", _("Absent list"), "缺考名单", columns, body, personal=True)


def attempts_table(rows: list[AttemptRow]) -> Table:
    columns = [Column("name", _("Name"), "姓名", "text", 12),
               Column("account", _("Account"), "账号", "text", 16),
               Column("unit", _("Unit"), "单位", "text", 20),
               Column("sitting", _("Exam"), "考试", "text", 8),
               Column("number", _("Attempt number"), "第几次", "int", 8),
               Column("state", _("Status"), "状态", "text", 14),
               Column("started", _("Started"), "开始时间", "time", 18),
               Column("finished", _("Handed in at"), "交卷时间", "time", 18),
               Column("used", _("Time used"), "用时", "duration", 12),
               Column("score", _("Score"), "得分", "score", 8),
               Column("max_score", _("Full mark"), "满分", "score", 8),
               Column("passed", _("People who passed"), "是否合格", "text", 10)]
    body = []
    for r in rows:
        passed = (_("Yes") if r.passed else _("No")) if r.counts else None
        state = r.state_label + (f"（{r.void_reason}）" if r.void_reason and not r.counts else "")
        body.append(Row([r.name, r.account, r.unit, _("Make-up exam") if r.makeup else _("Main exam"), r.number, state,
                         r.started_at, r.finished_at if r.counts else None, r.used_s if r.counts else None,
                         r.score if r.counts else None, r.max_score, passed],
                        css="" if r.counts else "muted"))
    return Table("attempts", _("Attempts"), "答卷明细", columns, body, personal=True,
                 note=_("Voided and unfinished attempts are listed but never counted."))


# ---- item analysis -------------------------------------------------------------------------

def option_summary(item: ItemRow) -> str:
    parts = []
    for option in item.stats.options:
        mark = "✓" if option.correct else ""
        parts.append(f"{option.key}{mark} {option.count}")
    if item.stats.omitted is not None:
        parts.append(_("blank %(num)d", num=item.stats.omitted))
    return "；".join(parts)


def items_table(report: ItemReport, edit_link: Callable[[ItemRow], str | None] | None = None) -> Table:
    columns = [Column("number", "#", "序号", "int", 6),
               Column("question", _("Question"), "题目编号", "int", 10),
               Column("type", _("Type"), "题型", "text", 10),
               Column("stem", _("Stem"), "题干", "text", 40),
               Column("n", _("Answered by"), "作答人次", "int", 10),
               Column("facility", _("Facility (share correct)"), "难度系数（通过率）", "ratio", 14),
               Column("upper", _("Upper 27%"), "高分组通过率", "ratio", 12),
               Column("lower", _("Lower 27%"), "低分组通过率", "ratio", 12),
               Column("discrimination", _("Discrimination"), "区分度", "ratio", 10),
               Column("point_biserial", _("Point-biserial"), "点二列相关", "ratio", 12),
               Column("options", _("Options chosen"), "选项分布", "text", 30),
               Column("flags", _("Flags"), "提示", "text", 30)]
    body = []
    for item in report.items:
        s = item.stats
        body.append(Row([item.number, item.question_id, type_label(item.type), item.stem, item.n, s.facility,
                         s.upper_facility, s.lower_facility, s.discrimination, s.point_biserial,
                         option_summary(item) if s.options else None,
                         "；".join(flag_label(f, item) for f in item.flags) or None],
                        link=edit_link(item) if edit_link else None, css="flagged" if item.flags else ""))
    return Table("items", _("Item analysis"), "试题分析", columns, body)


# ---- per year ------------------------------------------------------------------------------

def period_overview_table(report: PeriodReport, study: StudyFigures | None,
                          certificates: CertificateFigures | None) -> Table:
    o = report.overview
    columns = [Column("exams", _("Exams held"), "组织考试场次", "int", 12),
               Column("makeups", _("Make-up exams"), "补考场次", "int", 10),
               Column("on_roll", _("People on the roll"), "在册人数", "int", 10),
               Column("took_part", _("People who took part"), "参考人数", "int", 10),
               Column("participation", _("Participation rate"), "参考率", "pct", 12),
               Column("passed", _("People who passed"), "合格人数", "int", 10),
               Column("pass_rate", _("Pass rate"), "合格率", "pct", 12),
               Column("attempts", _("Finished attempts"), "有效答卷数", "int", 12)]
    cells: list[Any] = [o.exams_held, o.makeups_held, o.on_roll, o.took_part, o.participation_rate, o.passed,
                        o.pass_rate, o.attempts]
    if study is not None:
        columns += [Column("study_hours", _("Study hours"), "学法学时", "score", 12),
                    Column("studied", _("People who studied"), "参学人数", "int", 10)]
        cells += [study.total_hours, study.people_with_hours]
    if certificates is not None:
        columns += [Column("holders", _("Certificate holders now"), "现有持证人数", "int", 12),
                    Column("new_holders", _("New holders"), "新增持证人数", "int", 12),
                    Column("renewals_due", _("Renewals due"), "待换证数", "int", 10),
                    Column("expired", _("Expired, not renewed"), "已过期未换证数", "int", 14)]
        cells += [certificates.holders, certificates.new_holders, certificates.renewals_due, certificates.expired]
    return Table("overview", _("Overview"), "总体情况", columns, [Row(cells)])


def period_exams_table(report: PeriodReport, link: Callable[[Any], str | None] | None = None) -> Table:
    columns = [Column("exam", _("Exam"), "考试", "text", 36),
               Column("opens", _("Opens"), "开考时间", "time", 18),
               Column("makeups", _("Make-up exams"), "补考场次", "int", 10),
               Column("took_part", _("People who took part"), "参考人数", "int", 10),
               Column("passed", _("People who passed"), "合格人数", "int", 10),
               Column("pass_rate", _("Pass rate"), "合格率", "pct", 12),
               Column("mean", _("Mean score"), "平均分", "score", 10)]
    rows = [Row([r.exam.title, r.exam.opens_at, r.makeups, r.took_part, r.passed, r.pass_rate, r.mean],
                link=link(r.exam) if link else None) for r in report.exams]
    return Table("exams", _("Exams held"), "考试场次", columns, rows,
                 note=_("A make-up exam counts with its main exam as one sitting: a person's best result counts."))


def trend_table(rows: list[TrendRow], link: Callable[[int], str | None] | None = None) -> Table:
    columns = [Column("year", _("Year"), "年度", "int", 8),
               Column("exams", _("Exams held"), "组织考试场次", "int", 12),
               Column("took_part", _("People who took part"), "参考人数", "int", 10),
               Column("passed", _("People who passed"), "合格人数", "int", 10),
               Column("pass_rate", _("Pass rate"), "合格率", "pct", 12)]
    body = [Row([r.year, r.exams_held, r.took_part, r.passed, r.pass_rate], link=link(r.year) if link else None)
            for r in rows]
    return Table("trend", _("Trend over the years"), "历年趋势", columns, body)
