"""Tests reach the project's own services only: outside hosts are refused, not called."""

import socket

import pytest
from pytest_socket import SocketConnectBlockedError

from conftest import service_hosts


def test_only_loopback_and_the_database_and_redis_hosts_are_reachable() -> None:
    outside = "192.0.2.1"  # TEST-NET-1 (RFC 5737): an address that belongs to no one
    with (
        socket.socket() as client,
        pytest.warns(UserWarning, match=outside),
        pytest.raises(SocketConnectBlockedError, match=outside),
    ):
        client.connect((outside, 443))
    environ = {"DATABASE_URL": "postgres://u:p@db:5432/app", "REDIS_URL": "redis://cache:6379/0"}
    assert service_hosts(environ) == ["127.0.0.1", "::1", "cache", "db"]
    assert service_hosts({"DATABASE_URL": "sqlite:///db.sqlite3"}) == ["127.0.0.1", "::1"]
