from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lawexam.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    account = StringField(_l("Account or mobile number"),
                          validators=[DataRequired(message=_l("Enter your account or mobile number.")), Length(max=64)],
                          render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("Enter your password.")), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(message=_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(message=_l("Enter a new password.")), Length(max=128)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(message=_l("Enter the new password again."))],
                            render_kw={"autocomplete": "new-password"})
