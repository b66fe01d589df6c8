"""E-mails to account owners: registration tells its outcome here, never in the response."""

from django.core.mail import send_mail
from django.template.loader import render_to_string

from apps.users.models import User

WELCOME_SUBJECT = "Your new account is ready"
REGISTRATION_ATTEMPT_SUBJECT = "Someone tried to register with your e-mail address"


def send_welcome_email(*, user: User) -> None:
    """Tell a newly registered user that their account exists."""
    body = render_to_string("users/email/welcome.txt", {"user": user})
    send_mail(WELCOME_SUBJECT, body, None, [user.email])


def send_registration_attempt_email(*, user: User) -> None:
    """Tell an account's owner that someone tried to register their address again."""
    body = render_to_string("users/email/registration_attempt.txt", {"user": user})
    send_mail(REGISTRATION_ATTEMPT_SUBJECT, body, None, [user.email])
