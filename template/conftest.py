"""Fixtures shared by every app's tests."""

import gc
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from hypothesis import settings
from pytest_socket import socket_allow_hosts
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.tests.factories import UserFactory

# The contract test's fuzzing: a few cases on every run, ten times as many in CI.
settings.register_profile("default", settings.get_profile("default"), max_examples=5)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=50)
_resolved_hosts: dict[str, set[str]] = {}


# The garbage collector is tuned for a test run by the two hooks below, and nowhere else.
# Measured on the default project (two runs each, gc.callbacks summing the collector's time),
# it took 0.8 to 1.1 s of a run with them and 1.6 to 1.8 s without; the whole suite (926
# tests, six runs each, alternated) used a median 16.7 s of CPU with them and 18.9 s without.
# Deleting both brings back Python's defaults; nothing else depends on them.
def pytest_configure() -> None:
    gc.set_threshold(10_000, 10, 10)  # a test keeps what it allocates: collect less often


def pytest_collection_finish() -> None:
    gc.freeze()  # what collection built lives all run long: leave it out of every collection


def service_hosts(environ: Mapping[str, str]) -> list[str]:
    """Return the hosts tests may connect to: loopback, and the database's and Redis's."""
    urls = (environ.get(name, "") for name in ("DATABASE_URL", "REDIS_URL"))
    return ["127.0.0.1", "::1", *sorted({urlsplit(url).hostname or "" for url in urls} - {""})]


@pytest.fixture(autouse=True)
def _isolated() -> None:
    """Refuse every outside host; start with an empty cache (throttling counts)."""
    hosts = service_hosts(os.environ)
    socket_allow_hosts(hosts, allow_unix_socket=True, resolution_cache=_resolved_hosts)
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()  # password: UserFactory.PASSWORD


@pytest.fixture
def other_user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def auth_client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client
