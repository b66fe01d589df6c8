"""A generated project stores avatars on a real S3 API: moto's standalone server.

The project is rendered with ``use_s3`` and runs with its production settings, pointed at
a moto server on a free loopback port through ``AWS_S3_ENDPOINT_URL`` (the S3-compatible
path MinIO or Ceph users take). Avatars are uploaded through the API, as a client would,
and the bucket is then inspected with boto3 from outside the project:

- two users uploading "avatar.png" get two objects under ``media/avatars/YYYY/MM/``, and
  the second upload leaves the first object's bytes alone (no overwrite);
- the signed URL the API returns fetches the object from the server;
- replacing an avatar deletes the old object once the transaction commits.

moto (``moto[server]``) and Redis on 127.0.0.1 are required: if either is missing the test
fails and says so; it is never skipped.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_COMBO, combo_id, project_env, run_in

ANSWERS = {**DEFAULT_COMBO, "use_s3": True, "include_example_app": True}
pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

BUCKET = "copier-drf-media"
REGION = "us-east-1"
REDIS_URL = "redis://127.0.0.1:6379/15"
# Upper bounds, in seconds; on this machine each step takes a fraction of them.
SERVER_START_TIMEOUT = 30
SERVER_STOP_TIMEOUT = 10
COMMAND_TIMEOUT = 120
KEY_PATTERN = re.compile(r"^media/avatars/(\d{4})/(\d{2})/avatar[^/]*\.png$")

# Run by `manage.py shell -c` in the project; prints one JSON line per upload.
UPLOAD_AVATARS = """
import json
import os

from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.services import user_create


def png(color):
    image = Image.new("RGB", (16, 16), color)
    path = "/tmp/avatar.png" if False else None
    from io import BytesIO
    buffer = BytesIO()
    image.save(buffer, "PNG")
    buffer.name = "avatar.png"  # every upload has the same file name
    buffer.seek(0)
    return buffer


for email, color in {uploads}:
    user = User.objects.filter(email=email).first() or user_create(
        email=email, password="a-long-test-password-42"
    )
    client = APIClient()
    client.force_authenticate(user=user)
    response = client.put(reverse("v1:user-avatar"), {{"avatar": png(color)}}, format="multipart")
    user.refresh_from_db()
    print(json.dumps({{
        "email": email,
        "status": response.status_code,
        "name": user.avatar.name,
        "url": response.json().get("avatar"),
    }}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _png_bytes(color: str) -> bytes:
    """Return the bytes the upload script sends for ``color`` (same code, same Pillow)."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    return buffer.getvalue()
