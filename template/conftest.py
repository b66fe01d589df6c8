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

# How many random cases Hypothesis draws for a test (the contract test's fuzzing phase): a few
# on every run, so the suite stays quick, and ten times as many in CI, whose workflow asks for
# the "ci" profile (pytest --hypothesis-profile=ci; Hypothesis also loads it by itself
# wherever the CI variable is set).
settings.register_profile("default", settings.get_profile("default"), max_examples=5)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=50)


# The garbage collector is tuned for a test run by the two hooks below, and nowhere else.
# Measured on the default project (two runs each, gc.callbacks summing the collector's time),
# it took 0.8 to 1.1 s of a run with them and 1.6 to 1.8 s without; the whole suite (926
# tests, six runs each, alternated) used a median 16.7 s of CPU with them and 18.9 s without.
# Deleting both brings back Python's defaults; nothing else depends on them.
def pytest_configure() -> None:
    """Collect garbage every 10,000 allocations rather than every 700.

    A test allocates far more than 700 objects (a request alone does), and most of them live
    until the test ends, so the default threshold runs a collection many times per test for
    little garbage.
    """
    gc.set_threshold(10_000, 10, 10)


def pytest_collection_finish() -> None:
    """Leave the objects built before the first test out of every later garbage collection.

    Django, the Hypothesis strategies and the contract test's cases live for the whole run:
    without this, every full collection walks them all again.
    """
    gc.freeze()


# Host names looked up once per run, not once per test.
_resolved_hosts: dict[str, set[str]] = {}


def service_hosts(environ: Mapping[str, str]) -> list[str]:
    """Return the hosts tests may connect to: loopback, and the database's and Redis's."""
    urls = (environ.get(name, "") for name in ("DATABASE_URL", "REDIS_URL"))
    return ["127.0.0.1", "::1", *sorted({urlsplit(url).hostname or "" for url in urls} - {""})]


@pytest.fixture(autouse=True)
def _no_outside_network() -> None:
    """Refuse connections to any other host: a test must never call a real outside service."""
    socket_allow_hosts(
        service_hosts(os.environ), allow_unix_socket=True, resolution_cache=_resolved_hosts
    )


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Start every test with an empty cache, so throttling counts never leak between tests."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    """Return an unauthenticated API client."""
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    """Return a saved user whose password is ``UserFactory.PASSWORD``."""
    return UserFactory()


@pytest.fixture
def other_user(db: None) -> User:
    """Return a second user, for checks that one user cannot see another's data."""
    return UserFactory()


@pytest.fixture
def auth_client(user: User) -> APIClient:
    """Return an API client authenticated as ``user``."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client
