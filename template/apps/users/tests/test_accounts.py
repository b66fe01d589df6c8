"""The account flows, in either auth variant: verifying an address, passwords, sessions.

A browser session (the admin's, the browsable API's) must end with the API's sessions.
"""

import re
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.emails import RESET_SUBJECT, VERIFICATION_SUBJECT
from apps.users.models import User
from apps.users.services import INVALID_LINK_CODE, user_register
from apps.users.sessions import SessionSerializer
from apps.users.tests.factories import LONGEST_EMAIL, UserFactory
from apps.users.tokens import email_verification_token, password_reset_token, password_reset_uid
from apps.users.views import MAIL_ACCEPTED
from common.tests.helpers import assert_documented, assert_error, authorization_for

pytestmark = pytest.mark.django_db

VERIFY_URL = reverse("v1:auth-email-verify")
RESEND_URL = reverse("v1:auth-email-resend")
CHANGE_URL = reverse("v1:auth-password-change")
RESET_URL = reverse("v1:auth-password-reset")
RESET_CONFIRM_URL = reverse("v1:auth-password-reset-confirm")
ME_URL = reverse("v1:user-me")
PASSWORD, NEW_PASSWORD = UserFactory.PASSWORD, f" {'a-brand-new-passphrase-77' * 6:.126} "
ACCEPTED = (202, {"detail": MAIL_ACCEPTED})


def sent_link(name: str) -> str:
    """Return the ``name`` parameter of the link in the one e-mail sent."""
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    return re.search(rf"[?&]{name}=([^&\s]+)", mail.outbox[0].body).group(1)


def browser_of(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def signed_out(browser: Client, *authorizations: str) -> bool:
    """Tell whether the browser session and every ``Authorization`` header have ended."""
    statuses = [APIClient().get(ME_URL, HTTP_AUTHORIZATION=auth) for auth in authorizations]
    return {r.status_code for r in [browser.get(ME_URL), *statuses]} == {401}


def reset(client: APIClient, uid: str, token: str, password: str = NEW_PASSWORD) -> object:
    """Post a reset link's ``uid`` and ``token`` with a new password."""
    return client.post(RESET_CONFIRM_URL, {"uid": uid, "token": token, "new_password": password})


@pytest.fixture
def unverified(db: None) -> User:
    return UserFactory(email_verified=False)


def test_registration_sends_a_link_that_opens_the_account(
    api_client: APIClient, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(email="ada@example.com", password=PASSWORD)
    assert mail.outbox[0].subject == VERIFICATION_SUBJECT
    assert authenticate(email="ada@example.com", password=PASSWORD) is None
    token = sent_link("token")
    # Following the link again is harmless.
    for _click in range(2):
        assert api_client.post(VERIFY_URL, {"token": token}).status_code == 204
    assert authenticate(email="ada@example.com", password=PASSWORD) == user


def test_a_verification_link_that_does_not_apply_is_refused(
    api_client: APIClient, unverified: User
) -> None:
    token = email_verification_token(user=unverified)
    later = timezone.now() + timedelta(seconds=settings.EMAIL_VERIFICATION_TIMEOUT + 1)
    with freeze_time(later):
        assert_error(api_client.post(VERIFY_URL, {"token": token}), 400, INVALID_LINK_CODE)
    assert_error(api_client.post(VERIFY_URL, {"token": ""}), 400, "validation_error")
    for address in ("a-new@example.com", "z-new@example.com"):  # sorting before and after
        User.objects.filter(pk=unverified.pk).update(email=address)
        assert_error(api_client.post(VERIFY_URL, {"token": token}), 400, INVALID_LINK_CODE)
    for forged in ["not-a-token", "a" * 512, "eyJ4Ijo.bad:sig"]:
        assert_error(api_client.post(VERIFY_URL, {"token": forged}), 400, INVALID_LINK_CODE)
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_resending_answers_the_same_for_any_address(
    api_client: APIClient, user: User, unverified: User, django_capture_on_commit_callbacks
) -> None:
    too_long = api_client.post(RESEND_URL, {"email": LONGEST_EMAIL + "d"})
    assert set(too_long.json()["error"]["details"]) == {"email"}
    for email in (user.email, LONGEST_EMAIL, unverified.email):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(RESEND_URL, {"email": email})
        assert (response.status_code, response.json()) == ACCEPTED
    # Only the unverified account gets mail; the verified one already has its answer.
    assert [message.to for message in mail.outbox] == [[unverified.email]]
    verified = api_client.post(VERIFY_URL, {"token": sent_link("token")})
    assert verified.status_code == 204
    assert_documented(response, verified)


def test_resending_is_throttled_per_address_from_any_client(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "mail_account", "2/hour")
    statuses = [
        api_client.post(RESEND_URL, {"email": "nobody@example.com"}, REMOTE_ADDR=ip).status_code
        for ip in ["198.51.100.1", "198.51.100.2", "2001:db8:1::1"]
    ]
    assert statuses == [202, 202, 429]
    other = api_client.post(RESEND_URL, {"email": "else@example.com"}, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 202


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    api_client: APIClient, user: User, django_capture_on_commit_callbacks
) -> None:
    browser, old_session = browser_of(user), authorization_for(user)
    for email in ("nobody@example.com", user.email.upper()):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(RESET_URL, {"email": email})
        assert (response.status_code, response.json()) == ACCEPTED
    assert [(m.subject, m.to) for m in mail.outbox] == [(RESET_SUBJECT, [user.email])]
    link = (sent_link("uid"), sent_link("token"))
    confirmed = reset(api_client, *link)
    assert confirmed.status_code == 204
    assert_documented(response, confirmed)
    assert authenticate(email=user.email, password=NEW_PASSWORD) == user
    assert authenticate(email=user.email, password=PASSWORD) is None
    assert_error(reset(api_client, *link, "another-one-99x"), 400, INVALID_LINK_CODE)
    assert signed_out(browser, old_session)


def test_a_reset_link_must_be_live_and_verifies_the_address(
    api_client: APIClient, unverified: User
) -> None:
    # Following the link proves the address: its owner takes back an account someone else
    # registered with it.
    uid, token = password_reset_uid(user=unverified), password_reset_token(user=unverified)
    for link in [("", "x"), ("bm9wZQ", "")]:
        assert_error(reset(api_client, *link), 400, "validation_error")
    for link in [("!!", "x"), ("MTIz", "x"), ("AAAAAAAAAAAAAAAAAAAAAA", "1-2"), (uid, "1-2")]:
        assert_error(reset(api_client, *link), 400, INVALID_LINK_CODE)
    for refused in ("password", NEW_PASSWORD + "!"):  # common, and a character too long
        weak = reset(api_client, uid, token, refused)
        assert_error(weak, 400, "validation_error")
        assert set(weak.json()["error"]["details"]) == {"new_password"}
    with freeze_time(timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)):
        assert_error(reset(api_client, uid, token), 400, INVALID_LINK_CODE)
    assert reset(api_client, uid, token).status_code == 204
    assert authenticate(email=unverified.email, password=NEW_PASSWORD) == unverified


def test_a_password_change_needs_the_current_one_and_ends_every_other_session(
    user: User,
) -> None:
    other_device, browser = authorization_for(user), browser_of(user)
    client = APIClient(HTTP_AUTHORIZATION=authorization_for(user))
    wrong = client.post(CHANGE_URL, {"current_password": "wrong", "new_password": NEW_PASSWORD})
    assert_error(wrong, 400, "wrong_password")
    assert set(wrong.json()["error"]["details"]) == {"current_password"}
    # Longer than any password taken: refused as it is, before anything is hashed.
    too_long = client.post(CHANGE_URL, {"current_password": PASSWORD + "!", "new_password": ""})
    assert set(too_long.json()["error"]["details"]) == {"current_password", "new_password"}
    for refused in ("12345678", NEW_PASSWORD + "!"):  # common, and a character too long
        weak = client.post(CHANGE_URL, {"current_password": PASSWORD, "new_password": refused})
        assert_error(weak, 400, "validation_error")
        assert set(weak.json()["error"]["details"]) == {"new_password"}
    assert authenticate(email=user.email, password=PASSWORD) == user
    response = client.post(CHANGE_URL, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert set(response.json()) == set(SessionSerializer().fields)
    assert_documented(wrong, weak, response)
    assert authenticate(email=user.email, password=NEW_PASSWORD) == user
    assert signed_out(browser, other_device)


def test_signing_out_everywhere_ends_every_session_of_the_user_only(
    user: User, other_user: User
) -> None:
    sessions, browser = [authorization_for(user), authorization_for(user)], browser_of(user)
    bystander = authorization_for(other_user)
    response = APIClient().post(reverse("v1:auth-logout-all"), HTTP_AUTHORIZATION=sessions[0])
    assert response.status_code == 204
    assert_documented(response)
    assert signed_out(browser, *sessions)
    assert APIClient().get(ME_URL, HTTP_AUTHORIZATION=bystander).status_code == 200
    fresh = APIClient().get(ME_URL, HTTP_AUTHORIZATION=authorization_for(user))
    assert fresh.status_code == 200


def test_a_browser_session_outlives_a_rotated_secret_key(user: User) -> None:
    kept, ended, new_key = browser_of(user), browser_of(user), "a-new-secret-key-" + "k" * 50
    # Kept while the old key is a fallback (Django then moves the session to the new key).
    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert kept.get(ME_URL).status_code == 200
    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[]):
        assert kept.get(ME_URL).status_code == 200
        assert ended.get(ME_URL).status_code == 401


def test_a_mail_outage_fails_no_request(
    api_client: APIClient, user: User, unverified: User, django_capture_on_commit_callbacks
) -> None:
    # The mail goes out after the commit, robustly: the outage is logged, the answer stands.
    register = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    requests = [
        (reverse("v1:auth-register"), {**register, "email": user.email}),  # the attempt
        (RESEND_URL, {"email": unverified.email}),
        (RESET_URL, {"email": user.email}),
    ]
    with (
        mock.patch("apps.users.emails.send_mail", side_effect=SMTPException("down")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        answers = [api_client.post(url, data).status_code for url, data in requests]
    assert (answers, send.call_count) == ([202] * 3, 3)
