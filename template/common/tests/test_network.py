"""Tests reach the project's own services only: outside hosts are refused, not called."""

import socket

import pytest
from pytest_socket import SocketConnectBlockedError

from conftest import service_hosts

# TEST-NET-1 (RFC 5737): an address that belongs to no one.
OUTSIDE_HOST = "192.0.2.1"


def test_a_test_cannot_connect_to_an_outside_host() -> None:
    refused = pytest.raises(SocketConnectBlockedError, match=OUTSIDE_HOST)
    with socket.socket() as client, pytest.warns(UserWarning, match=OUTSIDE_HOST), refused:
        client.connect((OUTSIDE_HOST, 443))


def test_the_database_and_redis_hosts_stay_reachable() -> None:
    environ = {"DATABASE_URL": "postgres://u:p@db:5432/app", "REDIS_URL": "redis://cache:6379/0"}

    assert service_hosts(environ) == ["127.0.0.1", "::1", "cache", "db"]
    assert service_hosts({"DATABASE_URL": "sqlite:///db.sqlite3"}) == ["127.0.0.1", "::1"]
