"""Registration and the authenticated user's own profile and avatar."""

import io
import re
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from apps.users.emails import REGISTRATION_ATTEMPT_SUBJECT as ATTEMPT_SUBJECT
from apps.users.emails import VERIFICATION_SUBJECT
from apps.users.models import User
from apps.users.services import user_create, user_set_avatar, user_update
from apps.users.tests.factories import LONGEST_EMAIL, UserFactory
from apps.users.tests.images import image_upload
from apps.users.views import REGISTRATION_ACCEPTED
from common.tests.helpers import INVALID_AUTHORIZATION, assert_documented, assert_error
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db

REGISTER_URL = reverse("v1:auth-register")
ME_URL = reverse("v1:user-me")
AVATAR_URL = reverse("v1:user-avatar")
PASSWORD = f" {'c0rrect-h0rse-battery' * 7:.126} "  # as long as taken, spaces kept
STORED_NAME = re.compile(r"avatars/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|webp)")
ACCEPTED = (202, {"detail": REGISTRATION_ACCEPTED})
REGISTRATION = {"email": "ada@example.com", "password": PASSWORD, "password_confirm": PASSWORD}


def register(client: APIClient, **fields: str) -> object:
    return client.post(REGISTER_URL, {**REGISTRATION, **fields})


def sent() -> list[tuple[str, list[str]]]:
    return [(message.subject, message.to) for message in mail.outbox]


def test_register_answers_the_same_whether_the_address_was_free(
    api_client: APIClient, user: User, django_capture_on_commit_callbacks
) -> None:
    # Registration is public: credentials sent along, even invalid ones, are ignored.
    api_client.credentials(HTTP_AUTHORIZATION=INVALID_AUTHORIZATION)
    with django_capture_on_commit_callbacks(execute=True):
        # The longest names and phone number taken, with the longest password (PASSWORD).
        names = {"first_name": "A" * 150, "last_name": "L" * 150, "phone_number": "1" * 20}
        new = register(api_client, email="Ada@Example.COM", **names)
        taken = register(api_client, email=user.email.upper())
    assert (new.status_code, new.json()) == ACCEPTED
    assert (taken.status_code, taken.content) == (new.status_code, new.content)
    assert taken.headers.keys() == new.headers.keys()
    assert_documented(new)
    assert User.objects.count() == 2
    ada = User.objects.get(email="ada@example.com")
    assert (ada.first_name, ada.last_name, ada.phone_number) == tuple(names.values())
    assert ada.check_password(PASSWORD)
    # The owner of the address learns the outcome by e-mail, and keeps their password.
    assert sent() == [(VERIFICATION_SUBJECT, [ada.email]), (ATTEMPT_SUBJECT, [user.email])]
    assert user.email in mail.outbox[1].body
    user.refresh_from_db()
    assert user.check_password(UserFactory.PASSWORD)
    assert register(api_client, email=LONGEST_EMAIL).status_code == 202
    assert User.objects.filter(email=LONGEST_EMAIL).exists()


def test_registering_a_taken_email_costs_a_password_hash_too(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed = []
    monkeypatch.setattr("apps.users.services.make_password", hashed.append)
    register(api_client, email=user.email)
    assert hashed == [PASSWORD]


def test_a_failing_mail_server_does_not_undo_a_registration(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise SMTPException

    monkeypatch.setattr("apps.users.emails.send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        assert register(api_client).status_code == 202
    assert User.objects.filter(email="ada@example.com").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password_confirm": "other-Passw0rd"}, "password_confirm"),
        ({"email": "not-an-email"}, "email"),
        *(
            pytest.param({"password": weak, "password_confirm": weak}, "password", id=weak)
            for weak in ["short1!", "12345678901", "password123", "ada@example.com"]
        ),
        ({"password": PASSWORD + "!", "password_confirm": PASSWORD + "!"}, "password"),
        ({"password_confirm": PASSWORD[:-1]}, "password_confirm"),  # sorts before it
    ],
)
def test_register_refuses_invalid_input(api_client: APIClient, overrides: dict, field: str) -> None:
    response = register(api_client, **overrides)
    assert_error(response, 400, "validation_error")
    assert field in response.data["error"]["details"]
    assert not User.objects.exists()


def test_register_has_a_throttle_scope_of_its_own(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "register" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    # DRF reads the rates once, at import: change the dict it keeps, not the settings.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "register", "1/minute")
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", "1000/minute")
    assert register(api_client).status_code == 202
    # The optional fields may be left out.
    assert (User.objects.get().first_name, User.objects.get().phone_number) == ("", "")
    assert_error(register(api_client, email="grace@example.com"), 429, "throttled")


@pytest.mark.parametrize("checks_missed", [1, 2], ids=["before-the-check", "before-the-insert"])
def test_register_racing_a_rival_answers_as_usual_and_warns_the_owner(
    api_client: APIClient, django_capture_on_commit_callbacks, checks_missed: int
) -> None:
    rival = UserFactory(email="ada@example.com")
    check = "apps.users.services.user_get_by_email"
    with (
        check_misses_the_rival(check, free=None, calls=checks_missed),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = register(api_client, email="Ada@Example.com")
    assert (response.status_code, response.json()) == ACCEPTED
    assert list(User.objects.all()) == [rival]
    assert sent() == [(ATTEMPT_SUBJECT, [rival.email])]


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "user-me"),
        ("patch", "user-me"),
        ("put", "user-avatar"),
        ("delete", "user-avatar"),
        ("post", "auth-password-change"),
        ("post", "auth-logout-all"),
    ],
)
def test_my_account_requires_authentication(
    api_client: APIClient, method: str, url_name: str
) -> None:
    response = getattr(api_client, method)(reverse(f"v1:{url_name}"), {})
    assert_error(response, 401, "not_authenticated")
    assert "WWW-Authenticate" in response


def test_me_shows_and_changes_my_profile(auth_client: APIClient, user: User) -> None:
    updated_at = user.updated_at
    shown = auth_client.patch(ME_URL, {}).data
    user.refresh_from_db()
    assert user.updated_at == updated_at
    assert shown == auth_client.get(ME_URL).data
    assert (shown["id"], shown["email"]) == (str(user.pk), user.email)
    assert "password" not in shown
    # Another request replaced the avatar meanwhile and deleted this file: not a field to check.
    user_set_avatar(user=user, avatar=image_upload())
    default_storage.delete(user.avatar.name)
    shown["avatar"] = auth_client.get(ME_URL).data["avatar"]
    for first, last, phone in [("", "L" * 150, "1" * 20), ("F" * 150, "", "")]:  # blank, or longest
        names = {"first_name": first, "last_name": last, "phone_number": phone}
        # The e-mail is not the profile's to change; a field left out is left alone.
        changed = auth_client.patch(ME_URL, {**names, "email": "new@example.com"}).data
        assert changed == {**shown, **names}
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("F" * 150, "", shown["email"])
    invalid = auth_client.patch(ME_URL, {"phone_number": "1" * 21})
    assert_error(invalid, 400, "validation_error")
    assert "phone_number" in invalid.data["error"]["details"]


def test_an_avatar_is_stored_replaced_and_removed(auth_client: APIClient, user: User) -> None:
    assert auth_client.delete(AVATAR_URL).status_code == 204
    # Stored re-encoded, as what it is, under a random name: no trailing HTML, no client name.
    jpeg = image_upload("ada.lovelace@example.com's face.png", image_format="JPEG")
    jpeg = SimpleUploadedFile(jpeg.name, jpeg.read() + b"<html><script>alert(1)</script>")
    # A JPEG at quality 90, as its quantization tables show: Pillow's default, 75, blurs.
    reference = io.BytesIO()
    Image.new("RGB", (8, 8)).save(reference, "JPEG", quality=90)
    quality_90 = Image.open(reference).quantization
    names = []
    for upload, image_format, tables in [(jpeg, "JPEG", quality_90), (image_upload(), "PNG", None)]:
        response = auth_client.put(AVATAR_URL, {"avatar": upload}, format="multipart")
        user.refresh_from_db()
        assert response.data["avatar"].endswith(user.avatar.name)
        assert STORED_NAME.fullmatch(user.avatar.name), user.avatar.name
        with default_storage.open(user.avatar.name) as file, Image.open(file) as image:
            assert (image.format, image.size) == (image_format, (8, 8))
            assert getattr(image, "quantization", None) == tables
            file.seek(0)
            assert b"<script" not in file.read()
        names.append(user.avatar.name)
    assert names[0].endswith(".jpg")
    assert not default_storage.exists(names[0])
    assert default_storage.exists(names[1])
    assert auth_client.delete(AVATAR_URL).status_code == 204
    user.refresh_from_db()
    assert not user.avatar
    assert not default_storage.exists(names[1])


def test_an_avatar_has_at_most_4096_by_4096_pixels(auth_client: APIClient) -> None:
    # A few KB announcing the most pixels taken, then one row too many (fewer than Pillow's
    # own limit).
    responses = []
    for size in [(4096, 4096), (4097, 4096)]:
        buffer = io.BytesIO()
        Image.new("1", size).save(buffer, "PNG")
        upload = SimpleUploadedFile("avatar.png", buffer.getvalue())
        responses.append(auth_client.put(AVATAR_URL, {"avatar": upload}, format="multipart"))
    largest, flood = responses
    assert largest.status_code == 200
    assert_error(flood, 400, "validation_error")
    assert flood.json()["error"]["details"]["avatar"] == [
        "The image is too large (4097 x 4096 pixels); the limit is 16777216 pixels."
    ]


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: image_upload(size=(1024, 1024), noise=True), id="too-large"),
        pytest.param(lambda: image_upload("avatar.png", image_format="GIF"), id="gif-named-png"),
        pytest.param(lambda: SimpleUploadedFile("notes.txt", b"text"), id="not-an-image"),
        pytest.param(lambda: None, id="missing"),
    ],
)
def test_an_avatar_must_be_a_small_image(auth_client: APIClient, user: User, upload) -> None:
    file = upload()
    data = {} if file is None else {"avatar": file}
    response = auth_client.put(AVATAR_URL, data, format="multipart")
    assert_error(response, 400, "validation_error")
    assert "avatar" in response.data["error"]["details"]
    user.refresh_from_db()
    assert not user.avatar


def stored_files() -> set[str]:
    return {
        f"avatars/{year}/{month}/{name}"
        for year in default_storage.listdir("avatars")[0]
        for month in default_storage.listdir(f"avatars/{year}")[0]
        for name in default_storage.listdir(f"avatars/{year}/{month}")[1]
    }


@pytest.mark.parametrize(
    "case",
    [("put", "_save", False), ("delete", "delete", False), ("put", "delete", True)],
    ids=["upload", "removal", "replacement-whose-old-file-stays"],
)
def test_a_storage_failure_is_a_503_and_changes_nothing(
    auth_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch, case: tuple
) -> None:
    # The request, the storage method that fails, and whether it fails on the old file only.
    action, method, old_file_only = case
    auth_client.put(AVATAR_URL, {"avatar": image_upload()}, format="multipart")
    user.refresh_from_db()
    old_avatar, before, working = user.avatar.name, stored_files(), getattr(InMemoryStorage, method)

    def broken(storage: InMemoryStorage, name: str, *args: object) -> object:
        if old_file_only and name != old_avatar:
            return working(storage, name, *args)
        raise OSError

    monkeypatch.setattr(InMemoryStorage, method, broken)
    data = {"avatar": image_upload()} if action == "put" else None
    response = getattr(auth_client, action)(AVATAR_URL, data, format="multipart")
    assert_error(response, 503, "service_unavailable")
    user.refresh_from_db()
    assert user.avatar.name == old_avatar
    assert old_avatar in before
    assert stored_files() == before


def test_the_services_validate_the_model(user: User) -> None:
    with pytest.raises(ValidationError, match="first_name"):
        user_update(user=user, first_name="x" * 151)
    with pytest.raises(ValidationError, match="phone_number"):
        user_create(email="ada@example.com", password=PASSWORD, phone_number="1" * 21)
