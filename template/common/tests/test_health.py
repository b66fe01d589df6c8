"""The health checks.

Readiness (``health``): 200 when the database and cache answer, 503 when one does not or
the process is stopping. Liveness (``health-live``): 200 whenever a worker answers.
"""

import logging
import threading

import pytest
from django.db import DatabaseError
from django.urls import reverse
from rest_framework import status
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from common.shutdown import begin_shutdown
from common.tests.helpers import INVALID_AUTHORIZATION

HEALTH_URL = reverse("health")
LIVE_URL = reverse("health-live")


class BrokenCache:
    """A cache whose server is down."""

    def set(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError

    def get(self, *args: object, **kwargs: object) -> None:
        raise ConnectionError


class BrokenConnection:
    """A database connection whose server refuses, with a message on several lines."""

    def cursor(self) -> None:
        message = 'connection to server at "db" failed\n\tIs the server running?'
        raise DatabaseError(message)


@pytest.mark.django_db
def test_healthy(api_client: APIClient) -> None:
    response = api_client.get(HEALTH_URL)

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_needs_no_credentials_and_is_not_throttled(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Probes come every few seconds from one address, some with a stale token; a 401 or a
    # 429 would take a healthy instance out of the load balancer.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/hour")
    api_client.credentials(HTTP_AUTHORIZATION=INVALID_AUTHORIZATION)

    responses = [api_client.get(HEALTH_URL) for _ in range(2)]

    assert [response.status_code for response in responses] == [status.HTTP_200_OK] * 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("check", "failure"),
    [
        ("cache", ("common.views.cache", BrokenCache())),
        ("database", ("common.views.connection", BrokenConnection())),
    ],
)
def test_a_failed_check_is_a_503_logged_in_one_line(
    api_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    check: str,
    failure: tuple[str, object],
) -> None:
    monkeypatch.setattr(*failure)

    with caplog.at_level(logging.WARNING):
        response = api_client.get(HEALTH_URL)

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "ok", check: "unavailable"},
    }
    records = [record for record in caplog.records if record.name == "common.views"]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    # Probes come every few seconds: a traceback per probe would bury every other line.
    assert records[0].exc_info is None
    assert records[0].exc_text is None
    assert check in records[0].getMessage()
    assert "\n" not in caplog.text.strip()


def test_liveness_touches_neither_database_nor_cache(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A database outage must not make the orchestrator restart every pod at once.
    monkeypatch.setattr("common.views.cache", BrokenCache())
    monkeypatch.setattr("common.views.connection", BrokenConnection())

    response = api_client.get(LIVE_URL)

    assert response.status_code == status.HTTP_200_OK
    assert response.json() == {"status": "ok", "checks": {}}


@pytest.mark.django_db
def test_readiness_fails_once_shutdown_begins(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("common.shutdown._stopping", threading.Event())
    assert api_client.get(HEALTH_URL).status_code == status.HTTP_200_OK

    begin_shutdown()
    ready, live = api_client.get(HEALTH_URL), api_client.get(LIVE_URL)

    assert ready.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert ready.json() == {"status": "unavailable", "checks": {"shutdown": "in progress"}}
    # Still alive: the orchestrator must let it finish, not restart it.
    assert live.status_code == status.HTTP_200_OK
