"""A generated project reports an unhandled error to Sentry through the SDK's real transport.

A tiny HTTP server on a free loopback port stands in for Sentry and records every envelope
POSTed to it. The project is rendered with ``use_sentry`` and runs with its production
settings and ``SENTRY_DSN`` pointing at that server, so Sentry is switched on exactly as in
a deployment. A view that raises is requested through Django's test client; the SDK must
deliver one event carrying the exception, the environment and the release, with the
password of the request body scrubbed.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_COMBO, combo_id, production_env, run_in

ANSWERS = {**DEFAULT_COMBO, "use_sentry": True, "include_example_app": True}
pytestmark = pytest.mark.xdist_group(combo_id(ANSWERS))

PROJECT_ID = "42"
PASSWORD = "Sup3r-secret-passw0rd"
# Upper bounds, in seconds; on this machine each step takes a fraction of them.
COMMAND_TIMEOUT = 120
DELIVERY_TIMEOUT = 10

# Run by `manage.py shell -c` in the project: a view that fails, served from a URLconf of
# its own, requested with a password in the body; then wait until the SDK has sent it.
# The password comes from the environment: in the script it would also be in sys.argv,
# which the SDK reports.
RAISE_IN_A_VIEW = """
import json
import os
import sys
import types

import sentry_sdk
from django.test import Client, override_settings
from django.urls import path


def fail(request):
    raise ZeroDivisionError({message!r})


urls = types.ModuleType("failing_urls")
urls.urlpatterns = [path("fail/", fail)]
sys.modules["failing_urls"] = urls
with override_settings(ROOT_URLCONF="failing_urls"):
    response = Client(raise_request_exception=False).post(
        "/fail/", {{"email": "someone@example.com", "password": os.environ["CHECK_PASSWORD"]}}
    )
sentry_sdk.flush(timeout={timeout})
print(json.dumps({{"status": response.status_code, "active": sentry_sdk.get_client().is_active()}}))
"""


# Run like RAISE_IN_A_VIEW: login and registration fail inside, with the password and the
# phone number (from the environment, out of sys.argv) in the body; then two client errors
# Django answers with a 400.
BREAK_CREDENTIAL_ENDPOINTS = """
import json
import os
from unittest import mock

import sentry_sdk
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse

from apps.users.services import user_create

password = os.environ["CHECK_PASSWORD"]
email = "someone@example.com"
phone_number = os.environ["CHECK_PHONE_NUMBER"]
user_create(email=email, password=password, phone_number=phone_number)


def fail(*args, **kwargs):
    raise RuntimeError("the dependency is down")


client = Client(raise_request_exception=False)
statuses = {{}}
with mock.patch.object(ModelBackend, "authenticate", fail):
    statuses["login"] = client.post(
        reverse("v1:auth-login"), {{"email": email, "password": password}},
        content_type="application/json",
    ).status_code
with mock.patch("apps.users.views.user_register", fail):
    body = {{
        "email": email, "password": password, "password_confirm": password,
        "phone_number": phone_number,
    }}
    statuses["registration"] = client.post(
        reverse("v1:auth-register"), body, content_type="application/json"
    ).status_code
statuses["forged_host"] = client.get("/api/health/", HTTP_HOST="attacker.example.com").status_code
statuses["too_big"] = client.post(
    "/admin/login/", "a=" + "x" * (6 * 1024 * 1024),
    content_type="application/x-www-form-urlencoded",
).status_code
sentry_sdk.flush(timeout={timeout})
print(json.dumps(statuses))
"""
PHONE_NUMBER = "+14155550123"


class SentryStandIn(ThreadingHTTPServer):
    """An HTTP server that records the envelopes POSTed to it."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _EnvelopeHandler(BaseHTTPRequestHandler):
    server: SentryStandIn

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli  # noqa: PLC0415 (the SDK only uses brotli when it is installed)

            body = brotli.decompress(body)
        with self.server.lock:
            self.server.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def sentry_stand_in() -> Iterator[SentryStandIn]:
    """Serve a Sentry stand-in on a free loopback port in a thread; stop it afterwards."""
    server = SentryStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _items(envelope: bytes) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Split an envelope (a header line, then item header and payload pairs) into items."""
    _, _, rest = envelope.partition(b"\n")
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        yield header, payload


def _events(server: SentryStandIn) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    with server.lock:
        received = list(server.received)
    return [
        (path, headers, json.loads(payload))
        for path, headers, body in received
        for header, payload in _items(body)
        if header.get("type") == "event"
    ]


def test_unhandled_error_reaches_sentry(
    render: Callable[..., Path],
    sentry_stand_in: SentryStandIn,
    tmp_path: Path,
) -> None:
    project = render(**ANSWERS)
    message = f"integration check {uuid.uuid4()}"
    # The database and the cache are never contacted: the failing view uses neither.
    env = production_env(
        tmp_path / "db.sqlite3",
        SENTRY_DSN=f"http://public@127.0.0.1:{sentry_stand_in.port}/{PROJECT_ID}",
        SENTRY_ENVIRONMENT="integration-test",
        SENTRY_RELEASE="copier-drf-test-1",
        CHECK_PASSWORD=PASSWORD,
    )
    script = RAISE_IN_A_VIEW.format(message=message, timeout=DELIVERY_TIMEOUT)

    output = run_in(project, "manage.py", "shell", "-c", script, env=env, timeout=COMMAND_TIMEOUT)

    result = json.loads(output.stdout.strip().splitlines()[-1])
    assert result == {"status": 500, "active": True}, output.stdout
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while not (events := _events(sentry_stand_in)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(events) == 1, sentry_stand_in.received
    path, headers, event = events[0]
    assert path == f"/api/{PROJECT_ID}/envelope/"
    assert "sentry_key=public" in headers.get("X-Sentry-Auth", ""), headers
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "ZeroDivisionError"
    assert exception["value"] == message
    assert event["environment"] == "integration-test"
    assert event["release"] == "copier-drf-test-1"
    assert event["request"]["data"]["password"] == "[Filtered]"
    assert PASSWORD not in json.dumps(event)
    assert "someone@example.com" not in json.dumps(event)


def test_credentials_never_reach_sentry_and_client_errors_are_not_reported(
    render: Callable[..., Path],
    sentry_stand_in: SentryStandIn,
    tmp_path: Path,
) -> None:
    project = render(**ANSWERS)
    env = production_env(
        tmp_path / "db.sqlite3",
        SENTRY_DSN=f"http://public@127.0.0.1:{sentry_stand_in.port}/{PROJECT_ID}",
        CHECK_PASSWORD=PASSWORD,
        CHECK_PHONE_NUMBER=PHONE_NUMBER,
    )
    run_in(project, "manage.py", "migrate", "--noinput", env=env, timeout=COMMAND_TIMEOUT)
    script = BREAK_CREDENTIAL_ENDPOINTS.format(timeout=DELIVERY_TIMEOUT)

    output = run_in(project, "manage.py", "shell", "-c", script, env=env, timeout=COMMAND_TIMEOUT)

    statuses = json.loads(output.stdout.strip().splitlines()[-1])
    assert statuses == {"login": 500, "registration": 500, "forged_host": 400, "too_big": 400}
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while len(events := _events(sentry_stand_in)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    # Give a stray event for the client errors the time to arrive too.
    time.sleep(1)
    events = _events(sentry_stand_in)
    assert [event["exception"]["values"][-1]["value"] for _, _, event in events] == [
        "the dependency is down"
    ] * 2
    with sentry_stand_in.lock:
        received = b"".join(body for _, _, body in sentry_stand_in.received).decode()
    for secret in (PASSWORD, PHONE_NUMBER, "someone@example.com"):
        assert secret not in received
