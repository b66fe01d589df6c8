"""E-mails to account owners: registration tells its outcome here, never in the response.

Links point at the client application (``ACCOUNT_EMAIL_VERIFICATION_URL``,
``ACCOUNT_RESET_URL``), whose page posts the token back to the API.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from apps.users.models import User
from apps.users.tokens import email_verification_token, password_reset_token, password_reset_uid

VERIFICATION_SUBJECT = "Confirm your e-mail address"
REGISTRATION_ATTEMPT_SUBJECT = "Someone tried to register with your e-mail address"
RESET_SUBJECT = "Reset your password"


def send_verification_email(*, user: User) -> None:
    """Send a new user the link that verifies their address and opens the account."""
    link = settings.ACCOUNT_EMAIL_VERIFICATION_URL.format(
        token=email_verification_token(user=user),
    )
    body = render_to_string("users/email/verify_email.txt", {"user": user, "link": link})
    send_mail(VERIFICATION_SUBJECT, body, None, [user.email])


def send_registration_attempt_email(*, user: User) -> None:
    """Tell an account's owner that someone tried to register their address again."""
    body = render_to_string("users/email/registration_attempt.txt", {"user": user})
    send_mail(REGISTRATION_ATTEMPT_SUBJECT, body, None, [user.email])


def send_password_reset_email(*, user: User) -> None:
    """Send the owner of an account a one-time link to choose a new password."""
    link = settings.ACCOUNT_RESET_URL.format(
        uid=password_reset_uid(user=user),
        token=password_reset_token(user=user),
    )
    body = render_to_string("users/email/password_reset.txt", {"user": user, "link": link})
    send_mail(RESET_SUBJECT, body, None, [user.email])
