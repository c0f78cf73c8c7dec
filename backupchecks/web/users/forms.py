from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from backupchecks.models.users import Role
from backupchecks.security.passwords import MAX_LENGTH, MIN_LENGTH

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class CreateUserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.OPERATOR.value)
    password = PasswordField("Initial password",
                             validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)])
    submit = SubmitField("Create user")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password",
                             validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)])
