"""A real Celery worker runs the example app's tasks through Redis, on PostgreSQL.

The project is rendered with Celery and the example app and migrated into a fresh
PostgreSQL database; then a worker starts as a subprocess, as it would in production
(Redis set, so nothing runs eagerly). An order placed through the API must reach the
worker through the Redis broker: the worker e-mails the confirmation (console backend, so
the message lands in the worker's log), records it in the database and stores the task's
result in Redis. Delivering the same task again must send nothing.

Two more tests: the worker command the generated README documents starts as written (no
settings module given, like ``manage.py``); and a task whose worker process is killed
mid-task (SIGKILL, while it talks to a mail server that hangs) goes back to the queue and
a fresh worker process runs it, without the order's row being locked meanwhile.

PostgreSQL and Redis must be running on 127.0.0.1 (``.ci/run`` starts them); if they are
not, the test fails and says so: it is never skipped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from tests.conftest import DEFAULT_COMBO, project_env, redis_url, run_in

pytestmark = [pytest.mark.services, pytest.mark.xdist_group("celery-worker")]

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
# A Redis database of its own, emptied before and after: broker queue, results and cache.
REDIS_URL = redis_url("celery_worker")
# Upper bounds, in seconds; on this machine each step takes a fraction of them.
WORKER_START_TIMEOUT = 60
TASK_TIMEOUT = 30
WORKER_STOP_TIMEOUT = 30
FINAL_STATES = ("SUCCESS", "FAILURE")
SERVICES_HINT = "start PostgreSQL and Redis on 127.0.0.1 (`.ci/run` does) and run the test again"

PLACE_ORDER = """
import json

from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.orders.services import product_create
from apps.users.services import user_create

user = user_create(email="worker-test@example.com", password="a-long-test-password-42")
product = product_create(name="Worker test mug", sku="WORKER-MUG", price="12.50")
client = APIClient()
client.force_authenticate(user=user)
response = client.post(
    reverse("v1:order-list"),
    {"items": [{"product_id": str(product.id), "quantity": 2}]},
    format="json",
)
print(json.dumps({
    "status": response.status_code,
    "order_id": response.json().get("id"),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
}))
"""

# Runs while the worker is up: .get() waits for the result the worker stores in Redis.
RUN_TASKS_AGAIN = """
import json

from apps.orders.tasks import expire_stale_orders, send_order_confirmation

resent = send_order_confirmation.delay(order_id="{order_id}").get(timeout={timeout})
expired = expire_stale_orders.delay().get(timeout={timeout})
print(json.dumps({{"resent": resent, "expired": expired}}))
"""


# An e-mail backend for the worker-loss test: the first message hangs, as on a mail server
# that stopped answering, after telling the test which process is stuck; later ones go to
# the console.
STALLING_MAIL_BACKEND = """
import os
import time
from pathlib import Path

from django.core.mail.backends.console import EmailBackend


class StallingBackend(EmailBackend):
    def send_messages(self, email_messages):
        marker = Path(os.environ["STALL_MARKER"])
        if not marker.exists():
            partial = marker.with_suffix(".partial")
            partial.write_text(str(os.getpid()))
            partial.rename(marker)
            time.sleep(600)
        return super().send_messages(email_messages)
"""
README_CODE_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _last_json_line(output: str) -> dict[str, Any]:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Create an empty database for this test, drop it afterwards; yield its URL."""
    name = f"copier_drf_worker_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_SERVER} ({error}): {SERVICES_HINT}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """Return a client of the test's Redis database, emptied before and after the test."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}): {SERVICES_HINT}")
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def _wait_for(condition: Callable[[], Any], *, timeout: float, what: str, log: Path) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with the worker log if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}. Worker log:\n{log.read_text()}")


def _worker_command(pool: str = "solo") -> list[str]:
    return [
        sys.executable,
        *("-m", "celery", "-A", "config", "worker"),
        *(f"--pool={pool}", "--concurrency=1", "--loglevel=INFO"),
        *("--without-gossip", "--without-mingle", "--hostname=template-test@%h"),
    ]


@contextmanager
def _celery_worker(
    project: Path,
    env: dict[str, str],
    log: Path,
    command: list[str] | None = None,
) -> Iterator[subprocess.Popen]:
    """Start ``celery worker`` in ``project``, wait until it is ready, stop it on exit.

    ``command`` is the solo-pool worker by default.
    """
    command = command or _worker_command()
    with log.open("w") as output:
        worker = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def ready() -> bool:
            if worker.poll() is not None:
                pytest.fail(f"The worker exited with {worker.returncode}:\n{log.read_text()}")
            return " ready." in log.read_text()

        _wait_for(ready, timeout=WORKER_START_TIMEOUT, what="the worker to start", log=log)
        yield worker
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task
            try:
                worker.wait(timeout=WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                pytest.fail(f"The worker ignored SIGTERM; killed it. Log:\n{log.read_text()}")


def _assert_sent_and_recorded(
    redis_client: redis.Redis,
    postgres_url: str,
    order_id: str,
    *,
    log: Path,
    what: str,
) -> None:
    """Wait for the one task result: it must be "sent", and the order must record the time."""
    results = _wait_for(
        lambda: [r for r in _task_results(redis_client) if r["status"] in FINAL_STATES],
        timeout=TASK_TIMEOUT,
        what=what,
        log=log,
    )
    assert [(r["status"], r["result"]) for r in results] == [("SUCCESS", "sent")], results
    with psycopg.connect(postgres_url) as connection:
        row = connection.execute(
            "SELECT confirmation_sent_at FROM orders_order WHERE id = %s",
            (order_id,),
        ).fetchone()
    assert row is not None
    assert row[0] is not None, f"no confirmation_sent_at after {what}"


def _task_results(client: redis.Redis) -> list[dict[str, Any]]:
    return [json.loads(client.get(key)) for key in client.scan_iter("celery-task-meta-*")]


def test_a_worker_sends_the_order_confirmation(
    render: Callable[..., Path],
    postgres_url: str,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    project = render(**{**DEFAULT_COMBO, "use_celery": True}, include_example_app=True)
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        DATABASE_URL=postgres_url,
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    run_in(project, "manage.py", "migrate", "--noinput", env=env, timeout=120)
    log = tmp_path / "worker.log"

    with _celery_worker(project, env, log) as worker:
        placed = _last_json_line(
            run_in(project, "manage.py", "shell", "-c", PLACE_ORDER, env=env, timeout=120).stdout
        )
        assert placed["status"] == 201, placed
        assert placed["eager"] is False, "with REDIS_URL set, tasks must go to the broker"
        order_id = placed["order_id"]

        _assert_sent_and_recorded(
            redis_client,
            postgres_url,
            order_id,
            log=log,
            what="the worker to finish send_order_confirmation",
        )

        script = RUN_TASKS_AGAIN.format(order_id=order_id, timeout=TASK_TIMEOUT)
        again = _last_json_line(
            run_in(project, "manage.py", "shell", "-c", script, env=env, timeout=120).stdout
        )
        assert again == {"resent": "already_sent", "expired": 0}

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=WORKER_STOP_TIMEOUT) == 0, log.read_text()

    output = log.read_text()
    assert output.count("Subject: We have received your order") == 1, output
    assert output.count(" succeeded in ") == 3, output
    assert "Warm shutdown" in output, output
    assert "Traceback" not in output, output
    assert "ERROR/" not in output, output


def _copy_of(project: Path, destination: Path) -> Path:
    """Copy the shared render, so a test can add files without touching other tests' copy."""
    return Path(shutil.copytree(project, destination, ignore=shutil.ignore_patterns(".venv")))


def test_the_readme_worker_command_starts_a_worker(
    render: Callable[..., Path],
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    rendered = render(**{**DEFAULT_COMBO, "use_celery": True}, include_example_app=True)
    blocks = README_CODE_BLOCK.findall((rendered / "README.md").read_text())
    commands = [
        line for block in blocks for line in block.splitlines() if " -A config worker" in line
    ]
    assert len(commands) == 1, f"expected one local worker command in the README: {commands}"
    command = commands[0]
    assert command.startswith(".venv/bin/"), command
    project = _copy_of(rendered, tmp_path / "project")
    # The README's `.venv` is the environment the template's tests run in.
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    # What a developer has: REDIS_URL (in .env or exported), no DJANGO_SETTINGS_MODULE.
    env = project_env(REDIS_URL=REDIS_URL, PYTHONUNBUFFERED="1")
    assert "DJANGO_SETTINGS_MODULE" not in env
    log = tmp_path / "worker.log"

    with _celery_worker(project, env, log, command=shlex.split(command)) as worker:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=WORKER_STOP_TIMEOUT) == 0, log.read_text()

    output = log.read_text()
    assert "Traceback" not in output, output
    assert f"Connected to {REDIS_URL.replace('//', '//:**@')}" in output, output


def test_a_task_whose_worker_is_killed_runs_again(
    render: Callable[..., Path],
    postgres_url: str,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    rendered = render(**{**DEFAULT_COMBO, "use_celery": True}, include_example_app=True)
    project = _copy_of(rendered, tmp_path / "project")
    (project / "stalling_mail.py").write_text(STALLING_MAIL_BACKEND)
    marker = tmp_path / "stalled-process"
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        DATABASE_URL=postgres_url,
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_EMAIL_BACKEND="stalling_mail.StallingBackend",
        STALL_MARKER=str(marker),
        PYTHONUNBUFFERED="1",
    )
    run_in(project, "manage.py", "migrate", "--noinput", env=env, timeout=120)
    log = tmp_path / "worker.log"

    # The prefork pool runs tasks in child processes; the parent notices a child's death.
    with _celery_worker(project, env, log, command=_worker_command("prefork")) as worker:
        placed = _last_json_line(
            run_in(project, "manage.py", "shell", "-c", PLACE_ORDER, env=env, timeout=120).stdout
        )
        assert placed["status"] == 201, placed
        order_id = placed["order_id"]

        _wait_for(marker.exists, timeout=TASK_TIMEOUT, what="the task to hang", log=log)
        stuck = int(marker.read_text())
        assert stuck != worker.pid, "the task should run in a pool process, not the parent"
        # While the mail server hangs, the order's row is free: a cancel would not wait.
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            locked = connection.execute(
                "SELECT id FROM orders_order WHERE id = %s FOR UPDATE NOWAIT",
                (order_id,),
            ).fetchone()
        assert locked is not None
        os.kill(stuck, signal.SIGKILL)

        _assert_sent_and_recorded(
            redis_client,
            postgres_url,
            order_id,
            log=log,
            what="a worker process to run the task again",
        )

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=WORKER_STOP_TIMEOUT) == 0, log.read_text()

    output = log.read_text()
    assert "signal 9 (SIGKILL)" in output, output
    assert output.count("Subject: We have received your order") == 1, output
    assert output.count(" succeeded in ") == 1, output
