from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lawexam.auth.models import Category, Role, UnitKind
from lawexam.i18n import lazy_gettext as _l


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_none(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class UnitForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(message=_l("Enter the unit's name.")), Length(max=64)])
    kind = SelectField(_l("Unit type"), choices=[(k.value, k.label) for k in UnitKind])
    parent_id = SelectField(_l("Belongs to"), coerce=_int_or_none, validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in UnitKind]


class PersonForm(FlaskForm):
    real_name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=64)])
    account = StringField(_l("Account or mobile number"),
                          validators=[DataRequired(message=_l("Enter an account or mobile number.")), Length(max=32)],
                          description=_l("A mainland mobile number, or a staff number of 3–32 letters, digits, “.”, “-” or “_”."))
    unit_id = SelectField(_l("Unit"), coerce=_int_or_none,
                          validators=[DataRequired(message=_l("Choose the person's unit."))])
    categories = MultiCheckboxField(_l("Categories"), validators=[DataRequired(message=_l("Choose at least one category."))])
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired(message=_l("Choose at least one role."))])
    enforcement_cert_no = StringField(_l("Enforcement certificate number"), validators=[Optional(), Length(max=64)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.categories.choices = [(c.value, c.label) for c in Category]
        self.roles.choices = [(r.value, r.label) for r in Role]


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (.xlsx or .csv)"), validators=[
        FileRequired(message=_l("Choose a file to upload.")),
        FileAllowed(["xlsx", "csv"], message=_l("Only .xlsx and .csv files can be imported.")),
    ])


class RosterConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    skip_invalid = BooleanField(_l("Skip the invalid rows and import the rest"))


class ActionForm(FlaskForm):
    """A bare POST with its CSRF token, for buttons that change state."""
