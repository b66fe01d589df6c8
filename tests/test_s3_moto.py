"""A generated project stores avatars on a real S3 API: moto's standalone server.

The project is rendered with ``use_s3`` and runs with its production settings, pointed at
a moto server on a free loopback port through ``AWS_S3_ENDPOINT_URL`` (the path users of
MinIO or Ceph take). Avatars are uploaded through the API, as a client would, and the
bucket is then inspected with boto3 from outside the project:

- two users uploading "avatar.png" get two objects under ``media/avatars/YYYY/MM/``, and
  the second upload leaves the first object's bytes alone (no overwrite);
- the signed URL the API returns fetches the object from the server;
- replacing an avatar deletes the old object;
- with the S3 server stopped, removing or uploading an avatar answers 503 in the error
  envelope and leaves the user's row pointing at the object it had.

moto (``moto[server]``) and Redis on 127.0.0.1 are required: if either is missing, the
test fails and says so; it is never skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
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

from tests.conftest import DEFAULT_COMBO, combo_id, production_env, redis_url, run_in

ANSWERS = {**DEFAULT_COMBO, "use_s3": True, "include_example_app": True}
pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

BUCKET = "copier-drf-media"
REGION = "us-east-1"
# A Redis database of its own (the production cache, used by throttling), emptied after.
REDIS_URL = redis_url("s3_moto")
# Upper bounds, in seconds; on this machine each step takes a fraction of them.
SERVER_START_TIMEOUT = 30
SERVER_STOP_TIMEOUT = 10
COMMAND_TIMEOUT = 120
# upload_to="avatars/%Y/%m/" under the storage's location "media".
# The file name is random: nothing of the client's "avatar.png" is kept.
KEY_PATTERN = re.compile(r"media/avatars/(?P<month>\d{4}/\d{2})/[0-9a-f]{32}\.png")
HINT = "install the template's test requirements (`pip install -r requirements-test.txt`)"

# Run by `manage.py shell -c` in the project: each user uploads an image named
# "avatar.png" through the API; one JSON line per upload.
UPLOAD_AVATARS = """
import hashlib
import io
import json

from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.services import user_create

for email, color in {uploads!r}:
    user = User.objects.filter(email=email).first() or user_create(
        email=email, password="a-long-test-password-42"
    )
    image = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(image, "PNG")
    image.name = "avatar.png"
    sent = hashlib.sha256(image.getvalue()).hexdigest()
    image.seek(0)
    client = APIClient()
    client.force_authenticate(user=user)
    response = client.put(reverse("v1:user-avatar"), {{"avatar": image}}, format="multipart")
    user.refresh_from_db()
    print(json.dumps({{
        "status": response.status_code,
        "body": response.json(),
        "name": user.avatar.name,
        "sha256": sent,
    }}))
"""


# Run by `manage.py shell -c` once the S3 server is down: remove, then upload, the avatar
# of an existing user; one JSON line for each, with the avatar the database has after it.
WHILE_S3_IS_DOWN = """
import io
import json

from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from apps.users.models import User

user = User.objects.get(email={email!r})
client = APIClient()
client.force_authenticate(user=user)
image = io.BytesIO()
Image.new("RGB", (16, 16), "black").save(image, "PNG")
image.name = "avatar.png"
image.seek(0)
for response in (
    client.delete(reverse("v1:user-avatar")),
    client.put(reverse("v1:user-avatar"), {{"avatar": image}}, format="multipart"),
):
    user.refresh_from_db()
    result = {{"status": response.status_code, "body": response.json()}}
    print(json.dumps({{**result, "name": user.avatar.name}}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"moto_server exited with {server.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (our own loopback URL)
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"moto_server did not answer within {SERVER_START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture
def moto_endpoint(moto_server: tuple[str, subprocess.Popen]) -> str:
    """Return the URL of moto's S3 server."""
    return moto_server[0]


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start moto's S3 server on a free loopback port; stop it afterwards.

    Yield its URL and its process, which a test may stop earlier.
    """
    try:
        import moto.server  # noqa: F401, PLC0415 (only to fail early with a clear message)
    except ImportError as error:
        pytest.fail(f"moto's server is not installed ({error}): {HINT}")
    port = _free_port()
    log = tmp_path / "moto.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(server, endpoint, log)
        yield endpoint, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            pytest.fail(f"moto_server ignored SIGTERM; killed it. Log:\n{log.read_text()}")


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    """Return a boto3 S3 client of the moto server, with the project's bucket created."""
    import boto3  # noqa: PLC0415 (installed with moto, checked by moto_endpoint)

    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Return the URL of an emptied Redis database; empty it again afterwards."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({error}): start it on 127.0.0.1:6379 "
            "(`.ci/run` does) and run the test again",
        )
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _keys(s3: Any) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def _sha256(s3: Any, key: str) -> str:
    return hashlib.sha256(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()).hexdigest()


def _s3_env(tmp_path: Path, redis_url: str, moto_endpoint: str, **extra: str) -> dict[str, str]:
    return production_env(
        tmp_path / "db.sqlite3",
        REDIS_URL=redis_url,
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=moto_endpoint,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        # Keep boto3 away from the machine's own AWS configuration.
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        **extra,
    )


def test_avatars_are_stored_on_s3_without_overwriting(
    render: Callable[..., Path],
    s3: Any,
    moto_endpoint: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    project = render(**ANSWERS)
    env = _s3_env(tmp_path, redis_url, moto_endpoint)
    run_in(project, "manage.py", "migrate", "--noinput", env=env, timeout=COMMAND_TIMEOUT)

    def upload(*uploads: tuple[str, str]) -> list[dict[str, Any]]:
        script = UPLOAD_AVATARS.format(uploads=list(uploads))
        shell = ("manage.py", "shell", "-c", script)
        output = run_in(project, *shell, env=env, timeout=COMMAND_TIMEOUT)
        results = _json_lines(output.stdout)
        assert [result["status"] for result in results] == [200] * len(uploads), results
        return results

    months = {datetime.now(UTC).strftime("%Y/%m")}
    alice, bob = upload(("alice@example.com", "red"), ("bob@example.com", "blue"))
    months.add(datetime.now(UTC).strftime("%Y/%m"))

    # Same file name, two objects: the second upload got a key of its own.
    alice_key, bob_key = f"media/{alice['name']}", f"media/{bob['name']}"
    assert alice_key != bob_key
    assert _keys(s3) == {alice_key, bob_key}
    for key in (alice_key, bob_key):
        match = KEY_PATTERN.fullmatch(key)
        assert match, key
        assert match["month"] in months, key
    assert _sha256(s3, alice_key) == alice["sha256"]
    assert _sha256(s3, bob_key) == bob["sha256"]
    head = s3.head_object(Bucket=BUCKET, Key=bob_key)
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"].startswith("private")

    # The API's URL is signed, and fetches the object from the S3 server itself.
    url = bob["body"]["avatar"]
    assert url.startswith(f"{moto_endpoint}/{BUCKET}/{bob_key}?"), url
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (moto's loopback URL)
        assert hashlib.sha256(response.read()).hexdigest() == bob["sha256"]

    # A new avatar replaces the old one: the old object goes once the change is committed.
    (alice_again,) = upload(("alice@example.com", "green"))
    assert _keys(s3) == {bob_key, f"media/{alice_again['name']}"}
    assert alice_key not in _keys(s3)


def test_storage_down_answers_503_and_changes_nothing(
    render: Callable[..., Path],
    s3: Any,
    moto_server: tuple[str, subprocess.Popen],
    redis_url: str,
    tmp_path: Path,
) -> None:
    project = render(**ANSWERS)
    endpoint, server = moto_server
    # One attempt per call: botocore's retries with back-off would only make the wait longer.
    env = _s3_env(tmp_path, redis_url, endpoint, AWS_MAX_ATTEMPTS="1")
    run_in(project, "manage.py", "migrate", "--noinput", env=env, timeout=COMMAND_TIMEOUT)
    script = UPLOAD_AVATARS.format(uploads=[("alice@example.com", "red")])
    output = run_in(project, "manage.py", "shell", "-c", script, env=env, timeout=COMMAND_TIMEOUT)
    (uploaded,) = _json_lines(output.stdout)
    assert uploaded["status"] == 200, uploaded
    key = f"media/{uploaded['name']}"
    assert _keys(s3) == {key}

    server.terminate()
    server.wait(timeout=SERVER_STOP_TIMEOUT)
    script = WHILE_S3_IS_DOWN.format(email="alice@example.com")
    output = run_in(project, "manage.py", "shell", "-c", script, env=env, timeout=COMMAND_TIMEOUT)

    removal, upload = _json_lines(output.stdout)
    for result in (removal, upload):
        assert result["status"] == 503, result
        assert result["body"]["error"]["code"] == "service_unavailable", result
        # The row still points at the object that was in the bucket when S3 went down.
        assert result["name"] == uploaded["name"], result
