from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from lawexam.i18n import lazy_gettext as _l
from lawexam.people.forms import MultiCheckboxField


class TargetForm(FlaskForm):
    hours = StringField(_l("Annual study hours"), validators=[Length(max=10)],
                        description=_l("For example 20 or 12.5. Leave 0 for no hours requirement."))
    modules = MultiCheckboxField(_l("Required modules"), coerce=int,
                                 description=_l("Every lesson of a required module must be completed in the year."))
