"""The user services' rules that no endpoint reaches."""

from smtplib import SMTPException

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from apps.users.models import User
from apps.users.services import user_create, user_register, user_set_avatar, user_update
from apps.users.tests.images import image_upload

pytestmark = pytest.mark.django_db


def test_user_create_validates_the_model() -> None:
    with pytest.raises(ValidationError) as error:
        user_create(email="ada@example.com", password="s3cret-pass", phone_number="1" * 21)
    assert "phone_number" in error.value.message_dict


def test_registering_a_taken_email_costs_a_password_hash_too(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed = []
    monkeypatch.setattr("apps.users.services.make_password", hashed.append)
    assert user_register(email=user.email, password="s3cret-pass") is None
    assert hashed == ["s3cret-pass"]


def test_a_failing_mail_server_does_not_undo_a_registration(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise SMTPException

    monkeypatch.setattr("apps.users.emails.send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        user_register(email="ada@example.com", password="s3cret-pass")
    assert User.objects.filter(email="ada@example.com").exists()


def test_user_update_saves_and_validates_only_what_changes(user: User) -> None:
    updated_at = user.updated_at
    user_update(user=user)
    user.refresh_from_db()
    assert user.updated_at == updated_at
    # Another request replaced the avatar meanwhile and deleted this file: not a field to check.
    user_set_avatar(user=user, avatar=image_upload())
    default_storage.delete(user.avatar.name)
    user_update(user=user, first_name="Grace")
    user.refresh_from_db()
    assert user.first_name == "Grace"
    with pytest.raises(ValidationError) as error:
        user_update(user=user, first_name="x" * 151)
    assert "first_name" in error.value.message_dict
