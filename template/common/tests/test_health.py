"""Readiness (``health``): the database and cache answer. Liveness: a worker answers."""

import logging
import threading

import pytest
from django.db import DatabaseError
from pytest_django import Settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from common.shutdown import begin_shutdown
from common.tests.helpers import INVALID_AUTHORIZATION


class Broken:
    def __getattr__(self, name: str) -> object:
        message = 'connection to server at "db" failed\n\tIs the server running?'
        raise DatabaseError(message)


@pytest.mark.django_db
def test_ready_until_shutdown_begins(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Probes come every few seconds, some with a stale token: a 401 or a 429 would take a
    # healthy instance out of the load balancer.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/hour")
    monkeypatch.setattr("common.shutdown._stopping", threading.Event())
    api_client.credentials(HTTP_AUTHORIZATION=INVALID_AUTHORIZATION)
    for _ in range(2):
        response = api_client.get("/api/health/")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}

    begin_shutdown()
    response = api_client.get("/api/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"shutdown": "in progress"}}
    assert api_client.get("/api/health/live/").status_code == 200  # let it finish: no restart


@pytest.mark.django_db
@pytest.mark.parametrize(("check", "target"), [("cache", "cache"), ("database", "connection")])
def test_a_failed_check_is_a_503_logged_in_one_line(
    api_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    check: str,
    target: str,
) -> None:
    monkeypatch.setattr(f"common.views.{target}", Broken())
    caplog.set_level(logging.WARNING)

    ready, live = api_client.get("/api/health/"), api_client.get("/api/health/live/")

    checks = {"database": "ok", "cache": "ok", check: "unavailable"}
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable", "checks": checks})
    # Probes come every few seconds: a traceback each would bury every other line.
    [record] = [record for record in caplog.records if record.name == "common.views"]
    assert (record.levelno, record.exc_info, record.exc_text) == (logging.ERROR, None, None)
    assert record.getMessage() == (
        f"Health check failed: {check} unavailable "
        '(DatabaseError: connection to server at "db" failed Is the server running?)'
    )
    # An outage must not make the orchestrator restart every pod at once.
    assert (live.status_code, live.json()) == (200, {"status": "ok", "checks": {}})


@pytest.mark.django_db
def test_a_cache_that_keeps_nothing_is_unavailable(
    api_client: APIClient, settings: Settings
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    ready = api_client.get("/api/health/")

    assert (ready.status_code, ready.json()["checks"]["cache"]) == (503, "unavailable")
