"""The generated test suites pass on the real services: PostgreSQL and Redis.

SQLite and the in-memory cache are only the zero-setup default for local development;
these runs prove the same code on what production uses.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from tests.conftest import DEFAULT_COMBO, OPTIONS, REDIS_DATABASES, combo_id, project_env, run_in

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"

ALL_OPTIONS = {**dict.fromkeys(OPTIONS, True), "include_example_app": True}
SERVICE_COMBOS = [
    pytest.param(
        {**DEFAULT_COMBO, "include_example_app": True},
        REDIS_DATABASES["postgres_redis_default"],
        id="default",
        marks=pytest.mark.xdist_group(combo_id({**DEFAULT_COMBO, "include_example_app": True})),
    ),
    pytest.param(
        ALL_OPTIONS,
        REDIS_DATABASES["postgres_redis_all_options"],
        id="all-options",
        marks=pytest.mark.xdist_group(combo_id(ALL_OPTIONS)),
    ),
]


@pytest.fixture
def database_name() -> Iterator[str]:
    """Return a database name of this run's own; drop its test database afterwards."""
    name = f"drf_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({exc}); start it first.")
    yield name
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        for database in (name, f"test_{name}"):
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _redis_db(number: int) -> redis.Redis:
    client = redis.Redis.from_url(f"{REDIS}/{number}", socket_connect_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not reachable on 127.0.0.1:6379 ({exc}); start it first.")
    return client


@pytest.mark.services
@pytest.mark.parametrize(("answers", "redis_db"), SERVICE_COMBOS)
def test_generated_suite_passes_on_postgresql_and_redis(
    render: Callable[..., Path],
    database_name: str,
    answers: dict[str, Any],
    redis_db: int,
) -> None:
    """The project's own tests pass with DATABASE_URL and REDIS_URL pointing at real servers."""
    project = render(**answers)
    cache = _redis_db(redis_db)
    cache.flushdb()
    env = project_env(
        DATABASE_URL=f"{POSTGRES}/{database_name}",
        REDIS_URL=f"{REDIS}/{redis_db}",
    )
    result = run_in(
        project,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        # A fresh test database, kept after the run (--reuse-db) so it can be seen below.
        "--create-db",
        env=env,
    )
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-3000:]
    # The suite really ran on PostgreSQL: its test database is there until teardown drops it.
    with psycopg.connect(f"{POSTGRES}/postgres") as connection:
        row = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s",
            (f"test_{database_name}",),
        ).fetchone()
    assert row is not None, "the generated suite did not create its PostgreSQL test database"
    # ...and the project's cache, with the same environment, is the Redis server.
    run_in(
        project,
        "manage.py",
        "shell",
        "-c",
        "from django.core.cache import cache; cache.set('probe', 'written-by-django', 60)",
        env=env,
    )
    assert cache.get("my_api:1:probe") is not None, cache.keys("*")
    cache.flushdb()
