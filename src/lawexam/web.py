"""Binding extensions, blueprints and request-wide behaviour to the app."""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from lawexam.db import engine_options_for
from lawexam.extensions import babel, csrf, db, login_manager, migrate
from lawexam.i18n import _, lazy_gettext
from lawexam.localtime import format_local_date, format_local_time
from lawexam.write_retry import is_unavailable

MIGRATIONS_DIR = __file__.rsplit("/", 1)[0] + "/migrations"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Pages a person who must change the password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "static", "main.set_language"}


def select_locale() -> str:
    from flask import current_app

    chosen = request.cookies.get("lang") if request else None
    if chosen in current_app.config["LAWEXAM_LOCALES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_web(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(engine_options_for(url))
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS_EXTRA", {}))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["LAWEXAM_TRUSTED_PROXIES"]:
        hops = app.config["LAWEXAM_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_timezone=app.config["LAWEXAM_TIMEZONE"])
    _init_login(app)
    _register_models()
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_error_handlers(app)
    _register_template_helpers(app)

    from lawexam.cli import register_commands

    register_commands(app)


def _init_login(app: Flask) -> None:
    from lawexam.auth.services import load_user_from_cookie

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user_from_cookie)


def _register_models() -> None:
    # Importing registers every table with the metadata (needed by Alembic and tests).
    import lawexam.audit.models  # noqa: F401
    import lawexam.auth.models  # noqa: F401
    import lawexam.certification.models  # noqa: F401
    import lawexam.exams.models  # noqa: F401
    import lawexam.questions.models  # noqa: F401
    import lawexam.staging  # noqa: F401
    import lawexam.study.models  # noqa: F401
    import lawexam.study.practice_models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from lawexam.audit.views import bp as audit_bp
    from lawexam.exams.api import bp as exam_api_bp
    from lawexam.exams.admin_views import bp as exam_admin_bp
    from lawexam.exams.admin_views import join_bp as exam_join_bp
    from lawexam.exams.views import bp as exams_bp
    from lawexam.auth.views import bp as auth_bp
    from lawexam.certification.views import bp as certificates_bp
    from lawexam.certification.views import mine_bp as my_certificates_bp
    from lawexam.main.views import bp as main_bp
    from lawexam.people.views import bp as people_bp
    from lawexam.questions.views import bp as questions_bp
    from lawexam.questions.views import media_bp
    from lawexam.study.admin_views import bp as study_admin_bp
    from lawexam.study.views import bp as study_bp
    from lawexam.study.practice_views import bp as practice_bp

    for blueprint in (main_bp, auth_bp, people_bp, audit_bp, questions_bp, media_bp, exam_api_bp, exams_bp, study_bp, study_admin_bp, practice_bp, exam_admin_bp, exam_join_bp, certificates_bp, my_certificates_bp):
        app.register_blueprint(blueprint)
    from lawexam.reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters() -> None:
        """PostgreSQL can neither store nor compare text holding U+0000, and nobody types one: a
        query, form or JSON body carrying it is refused here (400) instead of failing in a query."""
        fields = [*request.args.items(multi=True), *(request.form.items(multi=True) if request.method != "GET" else ())]
        if any("\x00" in key or "\x00" in value for key, value in fields) or (
                request.is_json and b"\\u0000" in request.get_data(cache=True)):
            abort(400, description=_("The request contains a NUL character, which cannot be stored. "
                                     "Remove it and try again."))

    @app.before_request
    def force_password_change() -> Response | None:
        if (current_user.is_authenticated and current_user.must_change_password
                and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE):
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def rollback_uncommitted(exc: BaseException | None) -> None:
        # A request that did not commit leaves nothing half-written.
        if exc is not None:
            db.session.rollback()


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error_page(status: int, title: str, message: str) -> tuple[Any, int]:
    if _wants_json():
        return jsonify(code=str(status), message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Any, int]:
        return _error_page(400, _("Form expired"),
                           _("The form had expired or came from elsewhere. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        titles = {
            403: (_("No permission"), _("You do not have permission to open this page.")),
            404: (_("Not found"), _("The page you asked for does not exist or has been removed.")),
            405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
            413: (_("File too large"), _("The uploaded file is larger than this site accepts.")),
        }
        title, message = titles.get(error.code, (error.name, error.description or ""))
        return _error_page(error.code, title, message)

    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError) -> tuple[Any, int]:
        if not is_unavailable(error):
            raise error
        db.session.rollback()
        app.logger.error("database unavailable: %s", error)
        title = _("Service temporarily unavailable")
        message = _("The database cannot be written right now. Nothing was saved; please try again in a moment.")
        try:
            return _error_page(503, title, message)
        except SQLAlchemyError:
            # The page's frame reads the signed-in person: with the database gone, say it plainly.
            db.session.rollback()
            plain = (f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>"
                     f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")
            return Response(plain, mimetype="text/html"), 503


def _register_template_helpers(app: Flask) -> None:
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.filters["localtime"] = format_local_time
    app.jinja_env.filters["localdate"] = format_local_date
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from lawexam.auth.models import Role
        from lawexam.i18n import gettext

        locale = select_locale()
        g.locale = locale
        return {"Role": Role, "current_locale": locale,
                "town_name": app.config["LAWEXAM_TOWN_NAME"] or gettext("LawExam")}
