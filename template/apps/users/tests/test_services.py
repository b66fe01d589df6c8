"""Write operations on users."""

from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from pytest_django import DjangoCaptureOnCommitCallbacks

from apps.users.emails import REGISTRATION_ATTEMPT_SUBJECT
from apps.users.models import User
from apps.users.services import (
    EMAIL_TAKEN,
    user_create,
    user_register,
    user_set_avatar,
    user_update,
)
from apps.users.tests.factories import UserFactory
from apps.users.tests.images import image_upload
from common.exceptions import ConflictError
from common.tests.races import check_misses_the_rival

pytestmark = pytest.mark.django_db


class TestUserCreate:
    def test_creates_a_user_with_a_lowercase_email(self) -> None:
        user = user_create(email="Ada@Example.com", password="s3cret-pass", first_name="Ada")

        assert user.email == "ada@example.com"
        assert not user.email_verified
        assert user.first_name == "Ada"
        assert user.check_password("s3cret-pass")

    def test_refuses_an_email_taken_in_another_case(self, user: User) -> None:
        with pytest.raises(ConflictError) as excinfo:
            user_create(email=user.email.upper(), password="s3cret-pass")

        assert excinfo.value.code == "email_taken"
        assert excinfo.value.message == EMAIL_TAKEN

    def test_validates_the_model(self) -> None:
        with pytest.raises(ValidationError) as excinfo:
            user_create(email="ada@example.com", password="s3cret-pass", phone_number="1" * 21)

        assert "phone_number" in excinfo.value.message_dict


class TestUserRegister:
    def test_a_taken_email_costs_a_password_hash_too(
        self, user: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        hashed = []
        monkeypatch.setattr("apps.users.services.make_password", hashed.append)

        assert user_register(email=user.email, password="s3cret-pass") is None

        assert hashed == ["s3cret-pass"]

    def test_a_failing_mail_server_does_not_undo_the_registration(
        self,
        monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise SMTPException

        monkeypatch.setattr("apps.users.emails.send_mail", refuse)

        with django_capture_on_commit_callbacks(execute=True):
            user_register(email="ada@example.com", password="s3cret-pass")

        assert User.objects.filter(email="ada@example.com").exists()


class TestUserUpdate:
    def test_ignores_an_avatar_file_gone_from_storage(self, user: User) -> None:
        # Another request replaced the avatar meanwhile and deleted this file.
        user_set_avatar(user=user, avatar=image_upload())
        default_storage.delete(user.avatar.name)

        user_update(user=user, first_name="Grace")

        user.refresh_from_db()
        assert user.first_name == "Grace"

    def test_still_validates_the_changed_fields(self, user: User) -> None:
        with pytest.raises(ValidationError) as error:
            user_update(user=user, first_name="x" * 151)

        assert "first_name" in error.value.message_dict

    def test_without_changes_does_not_save(self, user: User) -> None:
        updated_at = user.updated_at

        user_update(user=user)

        user.refresh_from_db()
        assert user.updated_at == updated_at


class TestUserSetAvatar:
    def test_replacing_deletes_the_old_file_after_commit(
        self, user: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
    ) -> None:
        user_set_avatar(user=user, avatar=image_upload())
        old_name = user.avatar.name

        with django_capture_on_commit_callbacks(execute=True):
            user_set_avatar(user=user, avatar=image_upload())

        assert user.avatar.name != old_name
        assert not default_storage.exists(old_name)
        assert default_storage.exists(user.avatar.name)

    def test_removing_no_avatar_deletes_nothing(
        self, user: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
    ) -> None:
        with django_capture_on_commit_callbacks() as callbacks:
            user_set_avatar(user=user, avatar=None)

        assert callbacks == []


class TestEmailTakenMeanwhile:
    """Another sign-up commits the same address between the service's check and its write."""

    EMAIL_CHECK = "apps.users.services.user_get_by_email"

    def test_create_refuses_it_as_a_taken_email(self) -> None:
        UserFactory(email="ada@example.com")

        with (
            check_misses_the_rival(self.EMAIL_CHECK, free=None),
            pytest.raises(ConflictError) as excinfo,
        ):
            user_create(email="Ada@Example.com", password="s3cret-pass")

        assert (excinfo.value.code, excinfo.value.message) == ("email_taken", EMAIL_TAKEN)

    def test_register_treats_it_as_a_taken_email(
        self, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
    ) -> None:
        with transaction.atomic():
            earlier = UserFactory()
            rival = UserFactory(email="ada@example.com")

            with (
                check_misses_the_rival(self.EMAIL_CHECK, free=None, calls=2),
                django_capture_on_commit_callbacks(execute=True),
            ):
                result = user_register(email="Ada@Example.com", password="s3cret-pass")

            assert result is None
            # The savepoint undid the refused INSERT only: the transaction goes on.
            assert set(User.objects.all()) == {earlier, rival}
        assert [(message.subject, message.to) for message in mail.outbox] == [
            (REGISTRATION_ATTEMPT_SUBJECT, [rival.email]),
        ]
