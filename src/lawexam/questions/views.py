"""Officer pages for the question bank, and the route that serves the images stems show."""
from __future__ import annotations

import io
import json
import zipfile

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lawexam.auth.access import manager_required
from lawexam.downloads import send_bytes
from lawexam.errors import DomainError, NotFound
from lawexam.extensions import db
from lawexam.forms_support import apply_domain_error
from lawexam.i18n import _, ngettext
from lawexam.people.forms import ActionForm
from lawexam.questions import bank, browse, exporting, importing, media
from lawexam.questions import history as history_diff
from lawexam.questions.formats import template_csv, template_xlsx
from lawexam.questions.forms import (
    BulkForm, ExportForm, ImageForm, ImportConfirmForm, ImportUploadForm, QuestionForm)
from lawexam.questions.models import Question, QuestionStatus
from lawexam.questions.presentation import DIFFICULTY_LABELS, TYPE_LABELS, type_label
from lawexam.questions.qtypes import OPTION_KEYS, split_at_blanks
from lawexam.questions.richtext import html_to_text
from lawexam.staging import discard, fetch, stage

bp = Blueprint("questions", __name__, url_prefix="/admin/questions")
media_bp = Blueprint("media", __name__)

IMAGE_MAX_AGE = 365 * 24 * 3600  # images are stored by content hash: a name never changes meaning


def _actor():
    return current_user._get_current_object()


# Filters for the examinee's rendering of a question (templates/questions/_question.html), which
# the exam pages include too; registered on the app, not only on this blueprint.
@bp.app_template_filter("question_type")
def _question_type(name: str) -> str:
    return type_label(name)


@bp.app_template_filter("stem_text")
def _stem_text(stem_html: str) -> str:
    return html_to_text(stem_html or "")


@bp.app_template_filter("stem_pieces")
def _stem_pieces(stem_html: str) -> list[str]:
    return split_at_blanks(stem_html or "")


def _module_choices(blank: str | None = None, include_inactive: bool = False) -> list[tuple[object, str]]:
    choices: list[tuple[object, str]] = [("", blank)] if blank is not None else []
    for module in bank.all_modules(include_inactive=include_inactive):
        label = module.name if module.active else _("%(name)s (deactivated)", name=module.name)
        choices.append((module.id, label))
    return choices


def _show_error(form: QuestionForm, error: DomainError) -> None:
    """Each problem next to its field; the answer's next to the inputs of the chosen type."""
    if isinstance(error, bank.QuestionInvalid):
        for problem in error.problems:
            field = form.answer_field_name() if problem.field == "answer" else problem.field
            apply_domain_error(form, DomainError(problem.message, field=field))
    else:
        apply_domain_error(form, error)


# ---- bank browser --------------------------------------------------------------------------

_STATUSES = {"active": QuestionStatus.ACTIVE, "retired": QuestionStatus.RETIRED, "all": None}


def _filter_from_args() -> browse.BankFilter:
    args = request.args
    status = args.get("status", "active")
    kind = args.get("type") or None
    if status not in _STATUSES or (kind is not None and kind not in TYPE_LABELS):
        abort(400)
    try:
        module_id = int(args["module"]) if args.get("module") else None
        difficulty = int(args["difficulty"]) if args.get("difficulty") else None
    except ValueError:
        abort(400)
    if difficulty is not None and difficulty not in DIFFICULTY_LABELS:
        abort(400)
    return browse.BankFilter(module_id=module_id, type=kind, difficulty=difficulty, status=_STATUSES[status],
                           tag=args.get("tag", "")[:40], text=args.get("q", "").strip()[:64])


@bp.route("/")
@manager_required
def bank_list() -> str:
    criteria = _filter_from_args()
    page = browse.browse(criteria, request.args.get("page", 1, type=int))
    return render_template("questions/list.html", page=page, args=request.args,
                           modules=bank.all_modules(include_inactive=True), tags=browse.all_tags(),
                           bulk=BulkForm(formdata=None, next=request.full_path),
                           TYPE_LABELS=TYPE_LABELS, DIFFICULTY_LABELS=DIFFICULTY_LABELS)


def _back_to_list(target: str | None) -> Response:
    if target and target.startswith(bp.url_prefix + "/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("questions.bank_list"))


@bp.route("/bulk", methods=["POST"])
@manager_required
def bulk_action() -> Response:
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids, action = form.ids.data or [], form.action.data
    try:
        if action == "move":
            if not form.module_id.data:
                raise DomainError(_("Choose the module to move the questions to."))
            count = bank.bulk_move(ids, form.module_id.data, _actor())
            message = ngettext("%(num)d question moved to %(module)s.", "%(num)d questions moved to %(module)s.",
                               count, module=bank.get_module(form.module_id.data).name)
        elif action == "tag":
            tags = form.tag_list()
            count = bank.bulk_tag(ids, tags, _actor())
            message = ngettext("Tags %(tags)s added to %(num)d question.", "Tags %(tags)s added to %(num)d questions.",
                               count, tags="、".join(bank.clean_tags(tags)))
        else:
            retire = action == "retire"
            count = bank.set_status(bank.questions_by_ids(ids),
                                    QuestionStatus.RETIRED if retire else QuestionStatus.ACTIVE, _actor())
            if retire:
                message = ngettext("%(num)d question retired.", "%(num)d questions retired.", count)
            else:
                message = ngettext("%(num)d question restored.", "%(num)d questions restored.", count)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return _back_to_list(form.next.data)


@bp.route("/stats")
@manager_required
def bank_stats() -> str:
    table: dict[str, dict[str, tuple[int, int]]] = {}
    for row in bank.stats():
        table.setdefault(row.module, {})[row.type] = (row.active, row.retired)
    totals = {kind: (sum(t.get(kind, (0, 0))[0] for t in table.values()),
                     sum(t.get(kind, (0, 0))[1] for t in table.values())) for kind in TYPE_LABELS}
    return render_template("questions/stats.html", table=table, totals=totals, TYPE_LABELS=TYPE_LABELS)


# ---- editor --------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(question_id: int | None = None) -> str | Response:
    question = _or_404(bank.get_question, question_id) if question_id else None
    form = QuestionForm()
    form.module_id.choices = _module_choices(blank=_("— choose —"), include_inactive=question is not None)
    if request.method == "GET":
        if question is not None:
            form.load(question)
        else:
            form.module_id.data = request.args.get("module", type=int)
            if request.args.get("type") in TYPE_LABELS:
                form.type.data = request.args["type"]
    duplicates: list[Question] = []
    if request.method == "POST" and "preview" not in request.form and form.validate_on_submit():
        saving = "save_new" in request.form
        try:
            data = form.question_input()
            if question is None:
                question = bank.create_question(data, _actor(), allow_duplicate=form.allow_duplicate.data)
                message = _("Question No. %(id)d created.", id=question.id)
            else:
                version = bank.edit_question(question, data, _actor(), allow_duplicate=form.allow_duplicate.data,
                                             note=form.note.data or "")
                message = (_("Question No. %(id)d saved as version %(number)d.", id=question.id, number=version.number)
                           if version is not None else
                           _("Question No. %(id)d saved. Its content did not change, so no new version was made.",
                             id=question.id))
        except bank.DuplicateQuestion as error:
            duplicates = error.matches
        except DomainError as error:
            _show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            if saving:
                return redirect(url_for("questions.edit", module=data.module_id, type=data.content.type))
            return redirect(url_for("questions.edit", question_id=question.id))
    if request.method == "POST":
        preview = bank.preview_content(form.content())
    elif question is not None:
        preview = (question.current_version.content(), [])
    else:
        preview = None
    form.set_blank_count(form.blank_count())
    return render_template("questions/edit.html", form=form, question=question, preview=preview,
                           duplicates=duplicates, image_form=ImageForm(formdata=None), action_form=ActionForm(),
                           OPTION_KEYS=OPTION_KEYS)


@bp.route("/preview", methods=["POST"])
@manager_required
def preview() -> str:
    """The editor's live preview: the examinee's rendering of the form as it stands."""
    form = QuestionForm()
    return render_template("questions/_preview.html", preview=bank.preview_content(form.content()))


@bp.route("/images", methods=["POST"])
@manager_required
def image_upload() -> Response | str | tuple[object, int]:
    wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    form = ImageForm()
    if form.validate_on_submit():
        try:
            item = media.store_image(form.image.data.read(), _actor())
        except DomainError as error:
            message = error.message
        else:
            db.session.commit()
            url = media.media_url(item)
            if wants_json:
                return jsonify(url=url)
            return render_template("questions/image_uploaded.html", url=url)
    else:
        message = next(iter(form.image.errors), None) or _("The image could not be uploaded.")
    if wants_json:
        return jsonify(message=message), 422
    return render_template("questions/image_uploaded.html", url=None, message=message), 422


@bp.route("/<int:question_id>/status", methods=["POST"])
@manager_required
def question_set_status(question_id: int) -> Response:
    question = _or_404(bank.get_question, question_id)
    if ActionForm().validate_on_submit():
        retire = request.form.get("status") == QuestionStatus.RETIRED.value
        bank.set_status([question], QuestionStatus.RETIRED if retire else QuestionStatus.ACTIVE, _actor())
        db.session.commit()
        flash(_("Question No. %(id)d retired.", id=question.id) if retire
              else _("Question No. %(id)d restored.", id=question.id), "success")
    return redirect(url_for("questions.edit", question_id=question.id))


# ---- versions ------------------------------------------------------------------------------

@bp.route("/history")
@bp.route("/<int:question_id>/history")
@manager_required
def history(question_id: int | None = None) -> str:
    """A question's versions with the diff of one of them (``?version=N``, by default the
    current one) against the version before; without a question, the latest changes."""
    if question_id is None:
        return render_template("questions/recent.html", versions=history_diff.recent_versions())
    question = _or_404(bank.get_question, question_id)
    versions = {v.number: v for v in question.versions}
    number = request.args.get("version", type=int) or question.current_version.number
    if number not in versions:
        abort(404)
    version = versions[number]
    older = max((v for v in question.versions if v.number < number), key=lambda v: v.number, default=None)
    return render_template("questions/history.html", question=question, version=version, older=older,
                           versions=sorted(versions.values(), key=lambda v: v.number, reverse=True),
                           changes=history_diff.version_changes(older, version))


# ---- import --------------------------------------------------------------------------------

def _pack(files: list[tuple[str, bytes]], module_id: int | None) -> bytes:
    """Several uploaded files as one staged upload: a zip of the files plus their names and
    the chosen module."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("upload.json", json.dumps({"module_id": module_id, "names": [n for n, _d in files]}))
        for index, (_name, data) in enumerate(files):
            archive.writestr(f"{index}.bin", data)
    return buffer.getvalue()


def _unpack(blob: bytes) -> tuple[list[tuple[str, bytes]], int | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            meta = json.loads(archive.read("upload.json"))
            files = [(str(name), archive.read(f"{index}.bin")) for index, name in enumerate(meta["names"])]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        abort(400)
    return files, meta.get("module_id")


def _import_preview(plan: importing.QuestionImportPlan, module, confirm: ImportConfirmForm) -> str:
    return render_template("questions/import_preview.html", plan=plan, module=module, confirm=confirm,
                           targets=importing.target_module_names(plan), ItemStatus=importing.ItemStatus)


@bp.route("/import", methods=["GET", "POST"])
@manager_required
def import_upload() -> str:
    form = ImportUploadForm()
    form.module_id.choices = _module_choices(blank=_("— as given in the files —"))
    if form.validate_on_submit():
        files = [(upload.filename or "questions", upload.read()) for upload in form.files.data]
        module = _or_404(bank.get_module, form.module_id.data) if form.module_id.data else None
        plan = importing.plan_import(files, default_module=module.code if module else None)
        token = ""
        if plan.can_import(skip_invalid=True):
            names = "、".join(name for name, _data in files)
            token = stage("questions", current_user.id, names, _pack(files, module.id if module else None)).token
            db.session.commit()
        return _import_preview(plan, module, ImportConfirmForm(token=token))
    return render_template("questions/import.html", form=form)


@bp.route("/import/confirm", methods=["POST"])
@manager_required
def import_confirm() -> str | Response:
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        staged = fetch("questions", current_user.id, form.token.data)
    except NotFound as error:
        flash(error.message, "error")
        return redirect(url_for("questions.import_upload"))
    files, module_id = _unpack(staged.data)
    module = _or_404(bank.get_module, module_id) if module_id else None
    # Check again: the bank may have changed since the preview.
    plan = importing.plan_import(files, default_module=module.code if module else None)
    try:
        outcome = importing.apply_import(plan, skip_invalid=form.skip_invalid.data, actor=_actor())
    except importing.ImportBlocked as error:
        db.session.rollback()
        flash(str(error), "error")
        return _import_preview(plan, module, form)
    discard(staged)
    db.session.commit()
    return render_template("questions/import_done.html", outcome=outcome)


@bp.route("/import/template.<fmt>")
@manager_required
def import_template(fmt: str) -> Response:
    if fmt == "xlsx":
        return send_bytes(template_xlsx(), "试题导入模板.xlsx")
    if fmt == "csv":
        return send_bytes(template_csv(), "试题导入模板.csv")
    abort(404)


# ---- export --------------------------------------------------------------------------------

@bp.route("/export", methods=["GET", "POST"])
@manager_required
def export() -> str | Response:
    form = ExportForm()
    form.module_id.choices = _module_choices(blank=_("All modules"), include_inactive=True)
    if form.validate_on_submit():
        module = _or_404(bank.get_module, form.module_id.data) if form.module_id.data else None
        try:
            data, filename, _count = exporting.export_file(form.format.data, module, form.include_retired.data,
                                                           _actor())
        except exporting.ExportError as error:
            apply_domain_error(form, DomainError(str(error), field="module_id"))
        else:
            db.session.commit()  # the export is recorded in the audit log
            return send_bytes(data, filename)
    return render_template("questions/export.html", form=form)


# ---- images --------------------------------------------------------------------------------

@media_bp.route("/media/<filename>")
@login_required
def media_file(filename: str) -> Response:
    item = media.find_media(filename)
    if item is None:
        abort(404)
    path = media.media_path(item)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.mime_type, max_age=IMAGE_MAX_AGE, conditional=True)
    response.headers["Cache-Control"] = f"private, max-age={IMAGE_MAX_AGE}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _or_404(getter, ident):
    try:
        return getter(ident)
    except NotFound:
        abort(404)
