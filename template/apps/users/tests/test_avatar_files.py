"""What an avatar upload stores: a re-encoded image under a random key, or nothing at all."""

import io
import re

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework import status
from rest_framework.test import APIClient

from apps.users.models import AVATAR_MAX_PIXELS, User
from apps.users.tests.images import image_upload
from common.tests.helpers import assert_error

AVATAR_URL = reverse("v1:user-avatar")
STORED_NAME = re.compile(r"avatars/\d{4}/\d{2}/[0-9a-f]{32}\.(?P<extension>jpg|png|webp)")
HTML = b"<html><script>alert(document.cookie)</script></html>"


def put_avatar(client: APIClient, upload: SimpleUploadedFile) -> int:
    """Upload ``upload`` as the avatar; return the status."""
    return client.put(AVATAR_URL, {"avatar": upload}, format="multipart").status_code


def stored(user: User) -> bytes:
    """Return the bytes stored for ``user``'s avatar."""
    user.refresh_from_db()
    with default_storage.open(user.avatar.name) as file:
        return file.read()


def test_the_key_holds_nothing_of_the_clients_file_name(auth_client: APIClient, user: User) -> None:
    upload = image_upload("ada.lovelace@example.com's face.png")

    assert put_avatar(auth_client, upload) == status.HTTP_200_OK

    user.refresh_from_db()
    assert STORED_NAME.fullmatch(user.avatar.name), user.avatar.name
    assert "lovelace" not in user.avatar.name


def test_bytes_after_the_image_are_not_stored(auth_client: APIClient, user: User) -> None:
    upload = image_upload()
    upload = SimpleUploadedFile("avatar.png", upload.read() + HTML, content_type="image/png")

    assert put_avatar(auth_client, upload) == status.HTTP_200_OK

    content = stored(user)
    assert b"<script" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        assert image.size == (8, 8)


def test_the_stored_format_is_the_contents_not_the_names(
    auth_client: APIClient, user: User
) -> None:
    upload = image_upload("avatar.png", image_format="JPEG")

    assert put_avatar(auth_client, upload) == status.HTTP_200_OK

    user.refresh_from_db()
    assert user.avatar.name.endswith(".jpg")
    with Image.open(io.BytesIO(stored(user))) as image:
        assert image.format == "JPEG"


def test_a_pixel_flood_is_refused_before_it_is_decoded(auth_client: APIClient, user: User) -> None:
    # A few KB announcing more pixels than the limit (though fewer than Pillow's own).
    side = int(AVATAR_MAX_PIXELS**0.5) + 1
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG")
    upload = SimpleUploadedFile("avatar.png", buffer.getvalue(), content_type="image/png")
    assert upload.size < 100_000

    response = auth_client.put(AVATAR_URL, {"avatar": upload}, format="multipart")

    assert_error(response, status.HTTP_400_BAD_REQUEST, "validation_error")
    assert "pixels" in str(response.data["error"]["details"]["avatar"])
    user.refresh_from_db()
    assert not user.avatar


class TestStorageFailure:
    """The storage fails: the answer is a 503, and the row and the files stay as they were."""

    @pytest.fixture
    def old_avatar(self, auth_client: APIClient, user: User) -> str:
        """Give ``user`` an avatar while the storage works; return its name."""
        assert put_avatar(auth_client, image_upload()) == status.HTTP_200_OK
        user.refresh_from_db()
        return user.avatar.name

    def files(self) -> set[str]:
        """Return the names of the stored avatars (of every test: the storage is shared)."""
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
    def test_a_failure_is_a_503_and_changes_nothing(
        self,
        auth_client: APIClient,
        user: User,
        old_avatar: str,
        monkeypatch: pytest.MonkeyPatch,
        case: tuple[str, str, bool],
    ) -> None:
        # The request, the storage method that fails, and whether it fails on the old file only.
        action, method, old_file_only = case
        before = self.files()
        working = getattr(InMemoryStorage, method)

        def broken(storage: InMemoryStorage, name: str, *args: object) -> object:
            if old_file_only and name != old_avatar:
                return working(storage, name, *args)
            message = "storage is down"
            raise OSError(message)

        monkeypatch.setattr(InMemoryStorage, method, broken)

        if action == "put":
            response = auth_client.put(AVATAR_URL, {"avatar": image_upload()}, format="multipart")
        else:
            response = auth_client.delete(AVATAR_URL)

        assert_error(response, status.HTTP_503_SERVICE_UNAVAILABLE, "service_unavailable")
        user.refresh_from_db()
        assert user.avatar.name == old_avatar
        assert old_avatar in before
        assert self.files() == before
