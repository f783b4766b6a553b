"""Lesson files: reading their front matter, rendering the Markdown safely, and syncing them.

Lessons live next to their module's questions, ``question_bank/<module-code>/lessons/NN-slug.md``:

    ---
    title: 行政执法公示制度
    order: 1
    minutes: 7          # estimated reading minutes (also the minimum study time)
    credit_hours: 0.5   # 学时 granted when the lesson is completed
    ---
    正文，用 ``##`` 小标题分节……

Markdown is parsed by markdown-it-py (CommonMark, raw HTML disabled, so any HTML in a file is
shown as text) and the result is sanitised again with nh3 (an allow-list of tags, attributes and
URL schemes), so neither a ``<script>`` nor a ``javascript:`` link can reach a reader whatever a
file holds. ``sync_lessons`` checks every file first and writes nothing while one is invalid;
run twice it changes nothing the second time.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlalchemy import select

from lawexam.audit import services as audit
from lawexam.db import utcnow
from lawexam.errors import DomainError
from lawexam.extensions import db
from lawexam.study.models import Lesson

# Bump when rendering changes so the next sync re-renders every lesson.
RENDER_VERSION = "1"
FRONT_MATTER_KEYS = ("title", "order", "minutes", "credit_hours")
MAX_MINUTES = 600
MAX_BODY_CHARS = 15_000  # lessons are 600–1,500 汉字; this keeps every database's TEXT column safe
MAX_CREDIT_HOURS = Decimal(100)
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.md")
_SOURCES_HEADING = re.compile(r"(来源|依据|参考|Sources?|References?)", re.IGNORECASE)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "section", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "h2": {"id"},
    "h3": {"id"},
    "ol": {"start"},
    "section": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


class ContentInvalid(DomainError):
    """One or more lesson files cannot be loaded; ``problems`` names each with file and line."""

    http_status = 422

    def __init__(self, problems: list["ContentProblem"]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ContentProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[list[str]]  # [[anchor, heading text], …] for the ## headings


@dataclass(frozen=True)
class LessonFile:
    key: str
    path: str  # as shown to people: relative to the content root's parent
    module_code: str
    title: str
    order: int
    minutes: int
    credit_centihours: int
    body: str
    content_hash: str


@dataclass(frozen=True)
class ModuleHeader:
    code: str
    name: str
    order: int | None


@dataclass
class SyncReport:
    created: list[Lesson] = field(default_factory=list)
    updated: list[Lesson] = field(default_factory=list)
    restored: list[Lesson] = field(default_factory=list)
    retired: list[Lesson] = field(default_factory=list)
    unchanged: int = 0
    modules: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.restored or self.retired)

    @property
    def active(self) -> int:
        return len(self.created) + len(self.updated) + len(self.restored) + self.unchanged


# ---- rendering ------------------------------------------------------------------------------

def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"])


def _inline_text(token: Token | None) -> str:
    if token is None or not token.children:
        return token.content.strip() if token is not None else ""
    return "".join(child.content for child in token.children
                   if child.type in ("text", "code_inline")).strip()


def render_markdown(text: str) -> Rendered:
    """Markdown as sanitised HTML, with anchors on the ``##`` headings for a contents list.

    A last section whose heading names the sources (法律依据与来源) is wrapped in
    ``<section class="lesson-sources">`` so the page can set it apart at the end.
    """
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    toc: list[list[str]] = []
    sources_at: int | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            anchor = f"s{len(toc) + 1}"
            token.attrSet("id", anchor)
            heading = _inline_text(tokens[index + 1] if index + 1 < len(tokens) else None)
            toc.append([anchor, heading])
            sources_at = index if _SOURCES_HEADING.search(heading) else None
    if sources_at is not None:
        html = (md.renderer.render(tokens[:sources_at], md.options, env)
                + '<section class="lesson-sources">'
                + md.renderer.render(tokens[sources_at:], md.options, env) + "</section>")
    else:
        html = md.renderer.render(tokens, md.options, env)
    return Rendered(html=sanitize_html(html), toc=toc)


def sanitize_html(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)


# ---- reading files --------------------------------------------------------------------------

def _line_of_key(front_lines: list[str], key: str) -> int:
    for number, line in enumerate(front_lines, start=2):
        if re.match(rf"\s*{re.escape(key)}\s*:", line):
            return number
    return 1


def _int_field(meta: dict[str, Any], key: str, low: int, high: int, problems: list[str]) -> int:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{key}：应为 {low}–{high} 之间的整数（现为 {value!r}）")
        return 0
    return value


def parse_lesson_file(display_path: str, data: bytes, key: str, module_code: str
                      ) -> tuple[LessonFile | None, list[ContentProblem]]:
    """Read one lesson file; return it, or the problems with their line numbers."""
    def problem(line: int, message: str) -> tuple[None, list[ContentProblem]]:
        return None, [ContentProblem(display_path, line, message)]

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return problem(data[:error.start].count(b"\n") + 1, "文件不是 UTF-8 编码")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return problem(1, "缺少开头的 front matter（第一行应为 ---）")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return problem(1, "front matter 没有结束行 ---")
    front_lines = lines[1:end]
    try:
        meta = yaml.safe_load("\n".join(front_lines))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(error, "problem", None) or "YAML 格式错误"
        return problem(line, f"front matter 不是有效的 YAML（{reason}）")
    if not isinstance(meta, dict):
        return problem(2, "front matter 应为 “键: 值” 形式")

    problems: list[ContentProblem] = []
    for unknown in sorted(set(map(str, meta)) - set(FRONT_MATTER_KEYS)):
        problems.append(ContentProblem(display_path, _line_of_key(front_lines, unknown),
                                       f"未知的字段 {unknown}（可用：{', '.join(FRONT_MATTER_KEYS)}）"))
    for key_name in FRONT_MATTER_KEYS:
        if key_name not in meta:
            problems.append(ContentProblem(display_path, 1, f"缺少字段 {key_name}"))
    if problems:
        return None, problems

    def check(key_name: str, messages: list[str]) -> None:
        for message in messages:
            problems.append(ContentProblem(display_path, _line_of_key(front_lines, key_name), message))

    title = meta["title"]
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > 200:
        check("title", ["title：应为 1–200 个字符的标题"])
        title = ""
    errors: list[str] = []
    order = _int_field(meta, "order", 0, 9999, errors)
    check("order", errors)
    errors = []
    minutes = _int_field(meta, "minutes", 1, MAX_MINUTES, errors)
    check("minutes", errors)
    credit = meta["credit_hours"]
    centi = 0
    try:
        if isinstance(credit, bool) or not isinstance(credit, (int, float, str)):
            raise InvalidOperation
        amount = Decimal(str(credit))
        if not amount.is_finite() or amount < 0 or amount > MAX_CREDIT_HOURS or (amount * 100) % 1:
            raise InvalidOperation
        centi = int(amount * 100)
    except InvalidOperation:
        check("credit_hours", [f"credit_hours：应为 0–100 之间、最多两位小数的学时数（现为 {credit!r}）"])
    body = "\n".join(lines[end + 1:]).strip()
    if not body:
        problems.append(ContentProblem(display_path, end + 2, "正文为空"))
    elif len(body) > MAX_BODY_CHARS:
        problems.append(ContentProblem(display_path, end + 2,
                                       f"正文过长（{len(body)} 个字符，最多 {MAX_BODY_CHARS}）；请拆成几节课"))
    if problems:
        return None, problems
    digest = hashlib.sha256(RENDER_VERSION.encode() + b"\n" + data).hexdigest()
    return LessonFile(key=key, path=display_path, module_code=module_code, title=title.strip(), order=order,
                      minutes=minutes, credit_centihours=centi, body=body, content_hash=digest), []


def _module_header(folder: Path, display: str) -> tuple[ModuleHeader | None, list[ContentProblem]]:
    path = folder / "questions.yaml"
    shown = f"{display}/questions.yaml"
    if not path.exists():
        return None, [ContentProblem(shown, 1, "找不到模块文件（课程所属模块的名称取自其中的 module:）")]
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        mark = getattr(error, "problem_mark", None)
        return None, [ContentProblem(shown, mark.line + 1 if mark is not None else 1, "不是有效的 YAML")]
    module = data.get("module") if isinstance(data, dict) else None
    if not isinstance(module, dict) or not str(module.get("name") or "").strip():
        return None, [ContentProblem(shown, 1, "缺少 module: 及其 name")]
    code = str(module.get("code") or folder.name)
    if code != folder.name:
        return None, [ContentProblem(shown, 1, f"module.code（{code}）应与文件夹名（{folder.name}）相同")]
    order = module.get("order")
    return ModuleHeader(code=code, name=str(module["name"]).strip(),
                        order=order if isinstance(order, int) and not isinstance(order, bool) else None), []


def read_content(root: Path) -> tuple[dict[str, ModuleHeader], list[LessonFile], list[ContentProblem]]:
    """Every module folder under ``root`` that has a ``lessons/`` folder, and its lesson files."""
    modules: dict[str, ModuleHeader] = {}
    lessons: list[LessonFile] = []
    problems: list[ContentProblem] = []
    base = root.parent
    for lessons_dir in sorted(root.glob("*/lessons")):
        if not lessons_dir.is_dir():
            continue
        folder = lessons_dir.parent
        display = str(folder.relative_to(base))
        files = sorted(p for p in lessons_dir.glob("*.md") if p.is_file())
        if not files:
            continue
        header, header_problems = _module_header(folder, display)
        problems += header_problems
        if header is not None:
            modules[header.code] = header
        for path in files:
            shown = str(path.relative_to(base))
            if not _FILE_NAME.fullmatch(path.name):
                problems.append(ContentProblem(shown, 1, "文件名应为 NN-slug.md（字母、数字、- 或 _）"))
                continue
            lesson, lesson_problems = parse_lesson_file(shown, path.read_bytes(), f"{folder.name}/{path.stem}",
                                                        folder.name)
            problems += lesson_problems
            if lesson is not None:
                lessons.append(lesson)
    return modules, lessons, problems


# ---- syncing --------------------------------------------------------------------------------

def default_root() -> Path:
    from lawexam.questions.seed import seed_bank_path

    return seed_bank_path()


def sync_lessons(root: Path | None = None, now: datetime | None = None) -> SyncReport:
    """Bring the lessons table in line with the files under ``root`` (default: the seed bank).

    Everything is checked first; on any problem ``ContentInvalid`` is raised and nothing is
    written. Unchanged lessons are not touched (no writes at all when nothing changed).
    """
    from lawexam.questions.bank import ensure_module

    root = root or default_root()
    now = now or utcnow()
    if not root.is_dir():
        raise ContentInvalid([ContentProblem(str(root), 1, "内容文件夹不存在")])
    headers, files, problems = read_content(root)
    if problems:
        raise ContentInvalid(problems)
    if not files:
        # Refuse rather than retire every lesson because of a wrong path.
        raise ContentInvalid([ContentProblem(str(root), 1, "没有找到任何课程文件（<模块>/lessons/*.md）")])

    report = SyncReport(modules=len({f.module_code for f in files}))
    module_ids = {code: ensure_module(h.code, h.name, h.order).id for code, h in headers.items()}
    existing = {lesson.key: lesson for lesson in db.session.scalars(select(Lesson))}
    seen: set[str] = set()
    for item in files:
        seen.add(item.key)
        lesson = existing.get(item.key)
        module_id = module_ids[item.module_code]
        if lesson is not None and lesson.active and lesson.content_hash == item.content_hash \
                and lesson.module_id == module_id and lesson.source_path == item.path:
            report.unchanged += 1
            continue
        rendered = render_markdown(item.body)
        if lesson is None:
            lesson = Lesson(key=item.key, created_at=now)
            db.session.add(lesson)
            report.created.append(lesson)
        elif not lesson.active:
            report.restored.append(lesson)
        else:
            report.updated.append(lesson)
        lesson.module_id = module_id
        lesson.source_path = item.path
        lesson.title = item.title
        lesson.sort_order = item.order
        lesson.minutes = item.minutes
        lesson.credit_centihours = item.credit_centihours
        lesson.body_markdown = item.body
        lesson.body_html = rendered.html
        lesson.toc = rendered.toc
        lesson.content_hash = item.content_hash
        lesson.active = True
        lesson.retired_at = None
        lesson.updated_at = now
    for key, lesson in existing.items():
        if key not in seen and lesson.active:
            lesson.active = False
            lesson.retired_at = now
            lesson.updated_at = now
            report.retired.append(lesson)
    if report.changed:
        db.session.flush()
        audit.record("lessons.synced", object_type="lesson",
                     summary=f"新增 {len(report.created)}，更新 {len(report.updated) + len(report.restored)}，"
                             f"停用 {len(report.retired)}",
                     details={"created": [l.key for l in report.created],
                              "updated": [l.key for l in report.updated],
                              "restored": [l.key for l in report.restored],
                              "retired": [l.key for l in report.retired]})
    return report
