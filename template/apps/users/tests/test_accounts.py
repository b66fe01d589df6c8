"""The account flows, in either auth variant: verifying an address, passwords, sessions.

Whatever the variant, a session is what ``apps.users.sessions.session_start`` returns, and
a browser session (the admin's, the browsable API's) is Django's: both must end when the
password changes or the user signs out everywhere.
"""

import re
from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework import status
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.users.emails import RESET_SUBJECT, VERIFICATION_SUBJECT
from apps.users.models import User
from apps.users.services import INVALID_LINK_CODE, user_register
from apps.users.sessions import SessionSerializer
from apps.users.tests.factories import UserFactory
from apps.users.tokens import email_verification_token, password_reset_token, password_reset_uid
from apps.users.views import MAIL_ACCEPTED
from common.tests.helpers import assert_error, authorization_for

pytestmark = pytest.mark.django_db

VERIFY_URL = reverse("v1:auth-email-verify")
RESEND_URL = reverse("v1:auth-email-resend")
CHANGE_URL = reverse("v1:auth-password-change")
RESET_URL = reverse("v1:auth-password-reset")
RESET_CONFIRM_URL = reverse("v1:auth-password-reset-confirm")
LOGOUT_ALL_URL = reverse("v1:auth-logout-all")
ME_URL = reverse("v1:user-me")
NEW_PASSWORD = "a-brand-new-passphrase-77"
LINK_TOKEN = re.compile(r"[?&]token=([^&\s]+)")
LINK_UID = re.compile(r"[?&]uid=([^&\s]+)")


def sent_link(pattern: re.Pattern[str]) -> str:
    """Return what ``pattern`` finds in the one e-mail sent."""
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    found = pattern.search(mail.outbox[0].body)
    assert found, mail.outbox[0].body
    return found.group(1)


def signed_in_browser(user: User) -> Client:
    """Return a client signed in to a Django session as ``user`` (admin, browsable API)."""
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def unverified(db: None) -> User:
    """Return a user who registered and has not followed the link yet."""
    return UserFactory(email_verified=False)


class TestEmailVerification:
    def test_registration_sends_a_link_that_opens_the_account(
        self,
        api_client: APIClient,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            user = user_register(email="ada@example.com", password=UserFactory.PASSWORD)
        assert user is not None
        assert mail.outbox[0].subject == VERIFICATION_SUBJECT
        assert authenticate(email="ada@example.com", password=UserFactory.PASSWORD) is None

        response = api_client.post(VERIFY_URL, {"token": sent_link(LINK_TOKEN)})

        assert response.status_code == status.HTTP_204_NO_CONTENT
        user.refresh_from_db()
        assert user.email_verified
        assert authenticate(email="ada@example.com", password=UserFactory.PASSWORD) == user

    def test_following_the_link_twice_is_harmless(
        self, api_client: APIClient, unverified: User
    ) -> None:
        token = email_verification_token(user=unverified)
        api_client.post(VERIFY_URL, {"token": token})

        response = api_client.post(VERIFY_URL, {"token": token})

        assert response.status_code == status.HTTP_204_NO_CONTENT

    @pytest.mark.parametrize("token", ["", "not-a-token", "a" * 512, "eyJ4Ijo.bad:sig"])
    def test_a_forged_token_is_a_400(
        self, api_client: APIClient, unverified: User, token: str
    ) -> None:
        response = api_client.post(VERIFY_URL, {"token": token})

        expected = "validation_error" if not token else INVALID_LINK_CODE
        assert_error(response, status.HTTP_400_BAD_REQUEST, expected)
        unverified.refresh_from_db()
        assert not unverified.email_verified

    @pytest.mark.parametrize("change", ["expired", "address-changed"])
    def test_a_token_that_no_longer_applies_is_refused(
        self, api_client: APIClient, unverified: User, change: str
    ) -> None:
        token = email_verification_token(user=unverified)
        later = timezone.now() + timedelta(seconds=settings.EMAIL_VERIFICATION_TIMEOUT + 1)
        if change == "address-changed":
            User.objects.filter(pk=unverified.pk).update(email="new@example.com")

        with freeze_time(later) if change == "expired" else nullcontext():
            response = api_client.post(VERIFY_URL, {"token": token})

        assert_error(response, status.HTTP_400_BAD_REQUEST, INVALID_LINK_CODE)


class TestResendVerification:
    def test_answers_the_same_for_any_address(
        self,
        api_client: APIClient,
        user: User,
        unverified: User,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        answers = []
        for email in (user.email, "nobody@example.com", unverified.email):
            with django_capture_on_commit_callbacks(execute=True):
                response = api_client.post(RESEND_URL, {"email": email})
            answers.append((response.status_code, response.json()))

        assert answers == [(status.HTTP_202_ACCEPTED, {"detail": MAIL_ACCEPTED})] * 3
        # Only the unverified account gets mail; the verified one already has its answer.
        assert [message.to for message in mail.outbox] == [[unverified.email]]
        token = sent_link(LINK_TOKEN)
        assert api_client.post(VERIFY_URL, {"token": token}).status_code == 204

    def test_is_throttled_per_address_from_any_client(
        self, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "mail_account", "2/hour")
        addresses = ["198.51.100.1", "198.51.100.2", "2001:db8:1::1"]
        statuses = [
            api_client.post(
                RESEND_URL, {"email": "nobody@example.com"}, REMOTE_ADDR=address
            ).status_code
            for address in addresses
        ]

        assert statuses == [202, 202, 429]
        other = api_client.post(RESEND_URL, {"email": "else@example.com"}, REMOTE_ADDR="192.0.2.9")
        assert other.status_code == status.HTTP_202_ACCEPTED


class TestPasswordReset:
    def test_request_answers_the_same_for_any_address(
        self,
        api_client: APIClient,
        user: User,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        answers = []
        for email in ("nobody@example.com", user.email.upper()):
            with django_capture_on_commit_callbacks(execute=True):
                response = api_client.post(RESET_URL, {"email": email})
            answers.append((response.status_code, response.json()))

        assert answers == [(status.HTTP_202_ACCEPTED, {"detail": MAIL_ACCEPTED})] * 2
        assert [(message.subject, message.to) for message in mail.outbox] == [
            (RESET_SUBJECT, [user.email]),
        ]

    def test_the_link_sets_a_new_password_once_and_ends_every_session(
        self,
        api_client: APIClient,
        user: User,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        browser = signed_in_browser(user)
        old_session = authorization_for(user)
        with django_capture_on_commit_callbacks(execute=True):
            api_client.post(RESET_URL, {"email": user.email})
        link = {"uid": sent_link(LINK_UID), "token": sent_link(LINK_TOKEN)}

        response = api_client.post(RESET_CONFIRM_URL, {**link, "new_password": NEW_PASSWORD})

        assert response.status_code == status.HTTP_204_NO_CONTENT
        assert authenticate(email=user.email, password=NEW_PASSWORD) == user
        assert authenticate(email=user.email, password=UserFactory.PASSWORD) is None
        again = api_client.post(RESET_CONFIRM_URL, {**link, "new_password": "another-one-99x"})
        assert_error(again, status.HTTP_400_BAD_REQUEST, INVALID_LINK_CODE)
        assert browser.get(ME_URL).status_code == status.HTTP_401_UNAUTHORIZED
        stale = api_client.get(ME_URL, HTTP_AUTHORIZATION=old_session)
        assert stale.status_code == status.HTTP_401_UNAUTHORIZED

    def test_the_link_verifies_the_address_so_a_squatted_account_is_taken_back(
        self, api_client: APIClient, unverified: User
    ) -> None:
        link = {
            "uid": password_reset_uid(user=unverified),
            "token": password_reset_token(user=unverified),
        }

        response = api_client.post(RESET_CONFIRM_URL, {**link, "new_password": NEW_PASSWORD})

        assert response.status_code == status.HTTP_204_NO_CONTENT
        assert authenticate(email=unverified.email, password=NEW_PASSWORD) == unverified

    def test_the_link_expires(self, api_client: APIClient, user: User) -> None:
        link = {"uid": password_reset_uid(user=user), "token": password_reset_token(user=user)}
        later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)

        with freeze_time(later):
            response = api_client.post(RESET_CONFIRM_URL, {**link, "new_password": NEW_PASSWORD})

        assert_error(response, status.HTTP_400_BAD_REQUEST, INVALID_LINK_CODE)

    def test_the_password_validators_apply(self, api_client: APIClient, user: User) -> None:
        link = {"uid": password_reset_uid(user=user), "token": password_reset_token(user=user)}

        response = api_client.post(RESET_CONFIRM_URL, {**link, "new_password": "password"})

        assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")
        assert set(response.json()["error"]["details"]) == {"new_password"}
        assert authenticate(email=user.email, password=UserFactory.PASSWORD) == user

    @pytest.mark.parametrize(
        ("uid", "token"),
        [("", "x"), ("!!", "x"), ("MTIz", "x"), ("AAAAAAAAAAAAAAAAAAAAAA", "1-2"), ("bm9wZQ", "")],
    )
    def test_a_bad_link_is_a_400(self, api_client: APIClient, uid: str, token: str) -> None:
        response = api_client.post(
            RESET_CONFIRM_URL, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
        )

        expected = "validation_error" if not (uid and token) else INVALID_LINK_CODE
        assert_error(response, status.HTTP_400_BAD_REQUEST, expected)


class TestPasswordChange:
    def test_needs_the_current_password(self, user: User) -> None:
        client = APIClient(HTTP_AUTHORIZATION=authorization_for(user))

        response = client.post(
            CHANGE_URL, {"current_password": "wrong-guess", "new_password": NEW_PASSWORD}
        )

        assert_error(response, status.HTTP_400_BAD_REQUEST, "wrong_password")
        assert set(response.json()["error"]["details"]) == {"current_password"}
        assert authenticate(email=user.email, password=UserFactory.PASSWORD) == user

    def test_the_password_validators_apply(self, user: User) -> None:
        client = APIClient(HTTP_AUTHORIZATION=authorization_for(user))

        response = client.post(
            CHANGE_URL, {"current_password": UserFactory.PASSWORD, "new_password": "12345678"}
        )

        assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")
        assert set(response.json()["error"]["details"]) == {"new_password"}

    def test_ends_every_other_session_and_starts_a_new_one(self, user: User) -> None:
        other_device = authorization_for(user)
        browser = signed_in_browser(user)
        client = APIClient(HTTP_AUTHORIZATION=authorization_for(user))

        response = client.post(
            CHANGE_URL, {"current_password": UserFactory.PASSWORD, "new_password": NEW_PASSWORD}
        )

        assert response.status_code == status.HTTP_200_OK
        assert set(response.json()) == set(SessionSerializer().fields)
        assert authenticate(email=user.email, password=NEW_PASSWORD) == user
        stale = APIClient().get(ME_URL, HTTP_AUTHORIZATION=other_device)
        assert stale.status_code == status.HTTP_401_UNAUTHORIZED
        assert browser.get(ME_URL).status_code == status.HTTP_401_UNAUTHORIZED

    def test_needs_authentication(self, api_client: APIClient) -> None:
        response = api_client.post(
            CHANGE_URL, {"current_password": "x", "new_password": NEW_PASSWORD}
        )

        assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class TestSignOutEverywhere:
    def test_ends_every_session_of_the_user_only(self, user: User, other_user: User) -> None:
        sessions = [authorization_for(user), authorization_for(user)]
        browser = signed_in_browser(user)
        bystander = authorization_for(other_user)

        response = APIClient(HTTP_AUTHORIZATION=sessions[0]).post(LOGOUT_ALL_URL)

        assert response.status_code == status.HTTP_204_NO_CONTENT
        for session in sessions:
            stale = APIClient().get(ME_URL, HTTP_AUTHORIZATION=session)
            assert stale.status_code == status.HTTP_401_UNAUTHORIZED
        assert browser.get(ME_URL).status_code == status.HTTP_401_UNAUTHORIZED
        assert APIClient().get(ME_URL, HTTP_AUTHORIZATION=bystander).status_code == 200
        user.refresh_from_db()
        fresh = APIClient().get(ME_URL, HTTP_AUTHORIZATION=authorization_for(user))
        assert fresh.status_code == status.HTTP_200_OK
