"""Black-box tier for secrets: token auth, S3 on moto, Sentry to a local listener.

The project is rendered with DRF's token authentication, S3 media and Sentry (and the
example app), deployed as in production (gunicorn, PostgreSQL, Redis) with its media on a
moto S3 server and its ``SENTRY_DSN`` pointing at a stand-in that records every envelope.
Then, over HTTP, as a client:

1. an avatar whose file name holds an e-mail address and whose bytes end in an HTML page is
   stored re-encoded under a random key; GIF bytes named ``.png`` and a pixel flood are
   refused (400);
2. API answers carry ``Cache-Control: no-store``; ``OPTIONS`` sends no docstring;
3. 150 invalid tokens end in 429;
4. a forged ``Host`` and an oversized body are answered 400 and send Sentry nothing;
5. with the S3 server stopped, removing and uploading an avatar answer 503 in the error
   envelope, and the user's row is unchanged;
6. nothing Sentry received holds the password, the token, the access key ID or a
   signature, and no request got a 5xx but the 503s of step 5.

PostgreSQL and Redis on 127.0.0.1 and moto (``moto[server]``) are required: if one is
missing, the tests fail and say so; they are never skipped.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests
from PIL import Image

from tests.conftest import combo_id, production_env, redis_url, run_in
from tests.test_blackbox import (
    ACCESS_LINE,
    COMMAND_TIMEOUT,
    HINT,
    MAIL_DIRECTORY,
    PASSWORD,
    REGION,
    Deployment,
    LiveProject,
    _free_port,
    _start,
    _stop,
    _wait_until_ready,
    database,  # noqa: F401 (a fixture, used by name)
    serving,
    sign_up,
)
from tests.test_sentry_receiver import SentryStandIn, _events

ANSWERS = {
    "use_jwt": False,
    "use_celery": False,
    "use_s3": True,
    "use_sentry": True,
    "include_example_app": True,
}
pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

# A Redis database of its own (cache, throttling), emptied before and after.
REDIS_URL = redis_url("blackbox_secrets")
BUCKET = "copier-drf-secrets"
ACCESS_KEY_ID = "AKIAEXAMPLEKEYID4242"
SECRET_ACCESS_KEY = "example-secret-access-key-4242"
EMAIL = "alice@example.com"
STORED_KEY = re.compile(r"media/avatars/\d{4}/\d{2}/[0-9a-f]{32}\.png")
HTML = b"<html><script>alert(document.cookie)</script></html>"
# Production's default rate of refused credentials per client (DJANGO_THROTTLE_AUTH_FAILURE).
AUTH_FAILURES_PER_HOUR = 100
GUESSES = 150
# How long a stray Sentry event gets to arrive before its absence counts.
DELIVERY_WAIT = 3


@pytest.fixture(scope="module")
def cache() -> Iterator[redis.Redis]:
    """Return the emptied Redis database the server uses; empty it again afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it first.")
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Any]]:
    """Start moto's S3 server with the bucket; yield its URL, its process and a client."""
    try:
        import boto3  # noqa: PLC0415 (installed with moto)
        import moto.server  # noqa: F401, PLC0415 (only to fail early with a clear message)
    except ImportError as error:
        pytest.fail(f"moto's server is not installed ({error}): {HINT}")
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = _start(command, cwd=log.parent, env=dict(os.environ), log=log)
    try:
        _wait_until_ready(server, f"{endpoint}/moto-api/", log, status=200)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        s3.create_bucket(Bucket=BUCKET)
        yield endpoint, server, s3
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def sentry() -> Iterator[SentryStandIn]:
    """Serve a Sentry stand-in on a free loopback port for the whole module."""
    server = SentryStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def deployment(
    render: Callable[..., Path],
    tmp_path_factory: pytest.TempPathFactory,
    database: str,  # noqa: F811 (the fixture imported above)
    moto: tuple[str, Any, Any],
    sentry: SentryStandIn,
) -> Deployment:
    """Render the token-auth project with S3 and Sentry; prepare it as its Dockerfile does."""
    project = render(**ANSWERS)
    workdir = tmp_path_factory.mktemp("blackbox-secrets")
    env = production_env(
        workdir / "unused.sqlite3",
        DATABASE_URL=database,
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=moto[0],
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
        # Two attempts, not five: S3 stays down, more retries only make the answer later.
        AWS_MAX_ATTEMPTS="2",
        AWS_CONFIG_FILE=str(workdir / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(workdir / "no-aws-credentials"),
        SENTRY_DSN=f"http://public@127.0.0.1:{sentry.port}/42",
        # No SMTP server here: the verification e-mail goes to files, read to verify alice.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(workdir / MAIL_DIRECTORY),
        WEB_CONCURRENCY="2",
        GUNICORN_GRACEFUL_TIMEOUT="5",
    )
    for command in (
        ("manage.py", "migrate", "--noinput"),
        ("manage.py", "collectstatic", "--noinput"),
    ):
        run_in(project, *command, env=env, timeout=COMMAND_TIMEOUT)
    return Deployment(project=project, env=env, workdir=workdir)


@pytest.fixture(scope="module")
def live(deployment: Deployment, cache: redis.Redis) -> Iterator[LiveProject]:
    """Serve the project with production's rates; sign alice up and log her in over HTTP."""
    with serving(deployment, "gunicorn") as (url, log):
        project = LiveProject(
            url=url,
            secret_key=deployment.env["DJANGO_SECRET_KEY"],
            log=log,
            workdir=deployment.workdir,
        )
        sign_up(project, EMAIL)
        credentials = {"email": EMAIL, "password": PASSWORD}
        answer = project.request("POST", "/api/v1/auth/token/", json=credentials)
        assert answer.status_code == 200, answer.text
        project.tokens["alice"] = answer.json()["token"]
        yield project


def _token(live: LiveProject) -> dict[str, str]:
    return {"Authorization": f"Token {live.tokens['alice']}"}


def _png(size: tuple[int, int] = (16, 16), mode: str = "RGB", image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, image_format)
    return buffer.getvalue()


def _put_avatar(live: LiveProject, name: str, content: bytes) -> requests.Response:
    files = {"avatar": (name, content, "image/png")}
    return live.request("PUT", "/api/v1/users/me/avatar/", files=files, headers=_token(live))


def _row(database_url: str) -> tuple[Any, ...]:
    with psycopg.connect(database_url, connect_timeout=5) as db:
        row = db.execute("SELECT * FROM users WHERE email = %s", (EMAIL,)).fetchone()
    assert row is not None
    return row


def _assert_envelope(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.json()["error"]["code"] == code, response.text[:500]


def test_an_avatar_is_stored_re_encoded_under_a_random_key(
    live: LiveProject, moto: tuple[str, Any, Any]
) -> None:
    response = _put_avatar(live, f"{EMAIL}.png", _png() + HTML)

    assert response.status_code == 200, response.text
    key = response.json()["avatar"].split(f"/{BUCKET}/", 1)[1].split("?", 1)[0]
    assert STORED_KEY.fullmatch(key), key
    stored = moto[2].get_object(Bucket=BUCKET, Key=key)
    content = stored["Body"].read()
    assert b"<script" not in content
    assert stored["ContentType"] == "image/png"
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"


@pytest.mark.parametrize(
    "content",
    [_png(image_format="GIF"), _png((5000, 5000), mode="1")],
    ids=["gif-named-png", "pixel-flood"],
)
def test_images_that_are_not_what_they_claim_are_refused(live: LiveProject, content: bytes) -> None:
    _assert_envelope(_put_avatar(live, "avatar.png", content), 400, "validation_error")


def test_answers_are_not_cached_and_options_tells_no_docstring(live: LiveProject) -> None:
    me = live.request("GET", "/api/v1/users/me/", headers=_token(live))
    options = live.request("OPTIONS", "/api/v1/users/me/", headers=_token(live))

    assert me.status_code == 200
    assert "no-store" in me.headers["Cache-Control"]
    assert options.status_code == 200
    assert "description" not in options.json()


def test_client_errors_send_sentry_nothing(live: LiveProject, sentry: SentryStandIn) -> None:
    reported_before = _events(sentry)
    forged = live.request("GET", "/api/health/", headers={"Host": "attacker.example.com"})
    # A form field over DATA_UPLOAD_MAX_MEMORY_SIZE: Django's multipart parser refuses it.
    too_big = live.request(
        "PUT",
        "/api/v1/users/me/avatar/",
        data={"note": "x" * (6 * 1024 * 1024)},
        files={"avatar": ("avatar.png", _png(), "image/png")},
        headers=_token(live),
    )
    time.sleep(DELIVERY_WAIT)

    assert forged.status_code == 400
    assert too_big.status_code == 400
    assert _events(sentry) == reported_before


def test_guessing_tokens_ends_in_429(live: LiveProject, cache: redis.Redis) -> None:
    statuses = [
        live.request(
            "GET", "/api/v1/users/me/", headers={"Authorization": f"Token {guess:040x}"}
        ).status_code
        for guess in range(GUESSES)
    ]
    # Even alice's own token is refused from here now: it is not even checked.
    own = live.request("GET", "/api/v1/users/me/", headers=_token(live))
    for key in cache.scan_iter(match="*throttle_auth_failure*"):
        cache.delete(key)

    assert statuses[:AUTH_FAILURES_PER_HOUR] == [401] * AUTH_FAILURES_PER_HOUR
    assert set(statuses[AUTH_FAILURES_PER_HOUR:]) == {429}
    _assert_envelope(own, 429, "throttled")


def test_storage_down_answers_503_and_leaves_the_row(
    live: LiveProject, deployment: Deployment, moto: tuple[str, Any, Any], sentry: SentryStandIn
) -> None:
    before = _row(deployment.env["DATABASE_URL"])
    moto[1].terminate()
    moto[1].wait(timeout=15)

    removal = live.request("DELETE", "/api/v1/users/me/avatar/", headers=_token(live))
    upload = _put_avatar(live, "avatar.png", _png())

    _assert_envelope(removal, 503, "service_unavailable")
    _assert_envelope(upload, 503, "service_unavailable")
    assert _row(deployment.env["DATABASE_URL"]) == before
    # Each failure is reported, without what boto3 signed.
    deadline = time.monotonic() + DELIVERY_WAIT * 3
    while len(_events(sentry)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    reported = [
        (event.get("logger"), event["exception"]["values"][-1]["type"])
        for _, _, event in _events(sentry)
    ]
    assert reported == [("common.storage", "EndpointConnectionError")] * 2


def test_sentry_received_no_secret(live: LiveProject, sentry: SentryStandIn) -> None:
    with sentry.lock:
        received = b"".join(body for _, _, body in sentry.received).decode(errors="replace")

    assert received, "the storage failures were reported"
    for secret in (PASSWORD, live.tokens["alice"], ACCESS_KEY_ID, SECRET_ACCESS_KEY, "Signature="):
        assert secret not in received


def test_no_request_got_a_server_error_but_the_storage_503s(live: LiveProject) -> None:
    """Runs last: the access log holds every request of this module's tests."""
    answered = list(ACCESS_LINE.finditer(live.log.read_text(errors="replace")))
    server_errors = sorted(
        f"{m['status']} {m['request'][:160]}" for m in answered if m["status"].startswith("5")
    )

    assert server_errors == [
        "503 DELETE /api/v1/users/me/avatar/ HTTP/1.1",
        "503 PUT /api/v1/users/me/avatar/ HTTP/1.1",
    ], live.server_errors()
