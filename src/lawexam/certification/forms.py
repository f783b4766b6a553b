from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lawexam.certification.compliance import Period
from lawexam.certification.models import PERIOD_LABELS
from lawexam.i18n import lazy_gettext as _l
from lawexam.people.forms import MultiCheckboxField


def _int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class CertificateForm(FlaskForm):
    type_id = SelectField(_l("Certificate type"), coerce=_int_or_none,
                          validators=[DataRequired(message=_l("Choose the certificate type."))])
    holder_account = StringField(_l("Holder (account or mobile number)"),
                                 validators=[DataRequired(message=_l("Enter the holder's account.")), Length(max=32)],
                                 description=_l("Start typing a name or account and pick the person from the list."))
    number = StringField(_l("Certificate number"),
                         validators=[DataRequired(message=_l("Enter the certificate number.")), Length(max=64)])
    authority = StringField(_l("Issuing authority"), validators=[Optional(), Length(max=120)])
    enforcement_field = StringField(_l("Enforcement field"), validators=[Optional(), Length(max=120)])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired(message=_l("Enter the date of issue."))])
    valid_until = DateField(_l("Valid until"),
                            validators=[InputRequired(message=_l("Enter the date the certificate is valid until."))])
    reason = TextAreaField(_l("Reason for the correction"), validators=[Optional(), Length(max=500)],
                           description=_l("Needed when an entered certificate is changed; kept in its history."))
    application_id = HiddenField()


class RenewForm(FlaskForm):
    valid_until = DateField(_l("New valid-until date"),
                            validators=[InputRequired(message=_l("Enter the new valid-until date."))])
    number = StringField(_l("New certificate number"), validators=[Optional(), Length(max=64)],
                         description=_l("Leave empty to keep the current number."))
    override_reason = TextAreaField(_l("Override reason"), validators=[Optional(), Length(max=500)],
                                    description=_l("Only when the requirements are not met: why the certificate is "
                                                   "renewed anyway. Kept in the history and the audit log."))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)])


class TypeForm(FlaskForm):
    name = StringField(_l("Type name"), validators=[DataRequired(message=_l("Enter the certificate type's name.")),
                                               Length(max=64)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    hours = StringField(_l("Study hours required"), default="0",
                        description=_l("学时 to earn in each period; 0 for none."))
    period = SelectField(_l("Requirements apply"), choices=[])
    module_ids = MultiCheckboxField(_l("Modules to complete"), coerce=int, validators=[Optional()])
    exam_required = BooleanField(_l("A pass in an exam marked for this certificate is required"))
    exam_ids = MultiCheckboxField(_l("Exams marked for this certificate"), coerce=int, validators=[Optional()],
                                  description=_l("Passing one of them (or its make-up exam) meets the exam requirement "
                                                 "and makes a person without the certificate a candidate (申领)."))
    lead_days = IntegerField(_l("Renewal reminder (days before expiry)"), default=60,
                             validators=[DataRequired(message=_l("Enter the number of days.")),
                                         NumberRange(min=0, max=365)])
    validity_years = IntegerField(_l("Usual validity (years)"), validators=[Optional(), NumberRange(min=1, max=20)],
                                  description=_l("Used to propose the new valid-until date when renewing."))
    active = BooleanField(_l("In use"), default=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.period.choices = [(p.value, str(PERIOD_LABELS[p])) for p in Period]


class ApplyForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])
    type_id = HiddenField(validators=[DataRequired()])
    exam_id = HiddenField()
    passed_on = HiddenField()


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Certificate file (.xlsx)"), validators=[
        FileRequired(message=_l("Choose a file to upload.")),
        FileAllowed(["xlsx", "csv"], message=_l("Only .xlsx and .csv files can be imported.")),
    ])


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    skip_invalid = BooleanField(_l("Skip the invalid rows and import the rest"))


class ActionForm(FlaskForm):
    """A bare POST with its CSRF token."""
