from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from backupchecks.security.passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Log in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Log out")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    new = PasswordField("New password",
                        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)])
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("new", "The passwords differ.")])
    submit = SubmitField("Change password")
