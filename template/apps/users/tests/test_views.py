"""Registration and the authenticated user's own profile and avatar."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework import status
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from apps.users.emails import REGISTRATION_ATTEMPT_SUBJECT, VERIFICATION_SUBJECT
from apps.users.models import User
from apps.users.tests.factories import UserFactory
from apps.users.tests.images import image_upload
from apps.users.views import REGISTRATION_ACCEPTED, RegisterView
from common.tests.helpers import INVALID_AUTHORIZATION, assert_error
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

REGISTER_URL = reverse("v1:auth-register")
ME_URL = reverse("v1:user-me")
AVATAR_URL = reverse("v1:user-avatar")
PASSWORD = "c0rrect-h0rse-battery"


def registration(**overrides: str) -> dict[str, str]:
    """Return a valid registration payload, with ``overrides`` applied."""
    return {
        "email": "ada@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone_number": "+441234567890",
        **overrides,
    }


class TestRegister:
    def test_creates_the_account_and_sends_the_verification_link(
        self,
        api_client: APIClient,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(REGISTER_URL, registration())

        assert response.status_code == status.HTTP_202_ACCEPTED
        assert response.json() == {"detail": REGISTRATION_ACCEPTED}
        user = User.objects.get(email="ada@example.com")
        assert user.check_password(PASSWORD)
        assert user.first_name == "Ada"
        assert [(mail.subject, mail.to) for mail in django_mail.outbox] == [
            (VERIFICATION_SUBJECT, ["ada@example.com"]),
        ]

    def test_a_registered_email_gets_the_same_answer_and_its_owner_a_warning(
        self,
        api_client: APIClient,
        user: User,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        new = api_client.post(REGISTER_URL, registration(email="grace@example.com"))
        django_mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            taken = api_client.post(REGISTER_URL, registration(email=user.email.upper()))

        # Nothing in the answer tells a registered address from a free one.
        assert (taken.status_code, taken.content) == (new.status_code, new.content)
        assert taken.headers.keys() == new.headers.keys()
        assert User.objects.filter(email__iexact=user.email).count() == 1
        assert [(mail.subject, mail.to) for mail in django_mail.outbox] == [
            (REGISTRATION_ATTEMPT_SUBJECT, [user.email]),
        ]
        assert user.email in django_mail.outbox[0].body
        user.refresh_from_db()
        assert user.check_password(UserFactory.PASSWORD)

    def test_lowercases_the_email(self, api_client: APIClient) -> None:
        api_client.post(REGISTER_URL, registration(email="Ada@Example.COM"))

        assert User.objects.get().email == "ada@example.com"

    def test_optional_fields_may_be_left_out(self, api_client: APIClient) -> None:
        payload = {"email": "ada@example.com", "password": PASSWORD, "password_confirm": PASSWORD}

        response = api_client.post(REGISTER_URL, payload)

        assert response.status_code == status.HTTP_202_ACCEPTED
        user = User.objects.get()
        assert user.first_name == ""
        assert user.phone_number == ""

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"password_confirm": "other-Passw0rd"}, "password_confirm"),
            ({"email": "not-an-email"}, "email"),
            *(
                pytest.param({"password": weak, "password_confirm": weak}, "password", id=name)
                for name, weak in [
                    ("too-short", "short1!"),
                    ("numeric", "12345678901"),
                    ("common", "password123"),
                    ("like-the-email", "ada@example.com"),
                ]
            ),
        ],
    )
    def test_refuses_invalid_input(
        self, api_client: APIClient, overrides: dict[str, str], field: str
    ) -> None:
        response = api_client.post(REGISTER_URL, registration(**overrides))

        assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")
        assert field in response.data["error"]["details"]
        assert not User.objects.exists()

    def test_ignores_credentials_sent_along(self, api_client: APIClient) -> None:
        api_client.credentials(HTTP_AUTHORIZATION=INVALID_AUTHORIZATION)

        response = api_client.post(REGISTER_URL, registration())

        assert response.status_code == status.HTTP_202_ACCEPTED

    def test_has_a_throttle_scope_of_its_own(
        self, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert RegisterView.throttle_scope == "register"
        assert "register" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        # DRF reads the rates once, at import: change the dict it keeps, not the settings.
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "register", "1/minute")
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "1000/minute")
        api_client.post(REGISTER_URL, registration())

        response = api_client.post(REGISTER_URL, registration(email="grace@example.com"))

        assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")


@pytest.mark.parametrize(
    ("method", "url"), [("get", ME_URL), ("patch", ME_URL), ("put", AVATAR_URL)]
)
def test_the_profile_requires_authentication(api_client: APIClient, method: str, url: str) -> None:
    response = getattr(api_client, method)(url, {})

    assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")
    assert "WWW-Authenticate" in response


class TestMe:
    def test_shows_my_profile(self, auth_client: APIClient, user: User) -> None:
        response = auth_client.get(ME_URL)

        assert response.status_code == status.HTTP_200_OK
        assert response.data["id"] == str(user.pk)
        assert response.data["email"] == user.email
        assert "password" not in response.data

    def test_patch_changes_the_given_fields(self, auth_client: APIClient, user: User) -> None:
        last_name = user.last_name

        response = auth_client.patch(ME_URL, {"first_name": "Grace", "phone_number": ""})

        assert response.status_code == status.HTTP_200_OK
        assert response.data["first_name"] == "Grace"
        user.refresh_from_db()
        assert user.first_name == "Grace"
        assert user.phone_number == ""
        assert user.last_name == last_name

    def test_patch_cannot_change_the_email(self, auth_client: APIClient, user: User) -> None:
        email = user.email

        response = auth_client.patch(ME_URL, {"email": "new@example.com"})

        assert response.status_code == status.HTTP_200_OK
        user.refresh_from_db()
        assert user.email == email

    def test_patch_validates(self, auth_client: APIClient) -> None:
        response = auth_client.patch(ME_URL, {"phone_number": "1" * 21})

        assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")
        assert "phone_number" in response.data["error"]["details"]


class TestAvatar:
    def test_upload_stores_the_image(self, auth_client: APIClient, user: User) -> None:
        response = auth_client.put(AVATAR_URL, {"avatar": image_upload()}, format="multipart")

        assert response.status_code == status.HTTP_200_OK
        user.refresh_from_db()
        assert user.avatar.name.startswith("avatars/")
        assert user.avatar.name.endswith(".png")
        assert default_storage.exists(user.avatar.name)
        assert response.data["avatar"].endswith(user.avatar.name)

    @pytest.mark.parametrize(
        "upload",
        [
            pytest.param(lambda: image_upload(size=(1024, 1024), noise=True), id="too-large"),
            pytest.param(
                lambda: image_upload("avatar.png", image_format="GIF"), id="gif-named-png"
            ),
            pytest.param(
                lambda: SimpleUploadedFile("notes.txt", b"just text", content_type="text/plain"),
                id="not-an-image",
            ),
            pytest.param(lambda: None, id="missing"),
        ],
    )
    def test_refuses_anything_but_a_small_image(
        self, auth_client: APIClient, user: User, upload: Callable[[], object]
    ) -> None:
        file = upload()
        data = {} if file is None else {"avatar": file}

        response = auth_client.put(AVATAR_URL, data, format="multipart")

        assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")
        assert "avatar" in response.data["error"]["details"]
        user.refresh_from_db()
        assert not user.avatar

    def test_delete_removes_the_avatar(
        self,
        auth_client: APIClient,
        user: User,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        auth_client.put(AVATAR_URL, {"avatar": image_upload()}, format="multipart")
        user.refresh_from_db()
        old_name = user.avatar.name

        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.delete(AVATAR_URL)

        assert response.status_code == status.HTTP_204_NO_CONTENT
        user.refresh_from_db()
        assert not user.avatar
        assert not default_storage.exists(old_name)


class TestRegisterRace:
    """Two sign-ups with the same new address at once: the other one committed first."""

    @pytest.mark.parametrize(
        "checks_missed",
        [pytest.param(1, id="before-the-create-check"), pytest.param(2, id="before-the-insert")],
    )
    def test_the_answer_is_the_usual_one_and_the_owner_is_warned(
        self,
        api_client: APIClient,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
        checks_missed: int,
    ) -> None:
        rival = UserFactory(email="ada@example.com")

        with (
            check_misses_the_rival(
                "apps.users.services.user_get_by_email", free=None, calls=checks_missed
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = api_client.post(REGISTER_URL, registration(email="Ada@Example.com"))

        assert response.status_code == status.HTTP_202_ACCEPTED
        assert response.json() == {"detail": REGISTRATION_ACCEPTED}
        assert list(User.objects.filter(email__iexact="ada@example.com")) == [rival]
        assert [(mail.subject, mail.to) for mail in django_mail.outbox] == [
            (REGISTRATION_ATTEMPT_SUBJECT, [rival.email]),
        ]
