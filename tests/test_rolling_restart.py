"""A rolling restart under load loses no request: real gunicorn, HAProxy, PostgreSQL, Redis.

A project (JWT, Celery, example app) is served with production settings by two gunicorn
replicas on loopback ports, sharing one PostgreSQL database and one Redis database, behind
HAProxy, which health-checks each replica's readiness endpoint, as a Kubernetes Service
follows readiness. ``wrk`` sends steady authenticated load through HAProxy while the test
restarts the replicas one after the other, as a rolling update does: SIGTERM (readiness
turns false at once; the replica keeps serving for GUNICORN_SHUTDOWN_DELAY, as a pod does
during its preStop sleep, then finishes its requests and exits), a new process on the same
port, and on to the next replica once HAProxy sees the new one ready. No request may fail:
no socket error, no 5xx, nothing but 200.

Through the same two replicas, wrong-password logins are throttled at the limit, counted
once in the shared Redis cache whichever replica answers. And a Celery worker restarted
(SIGTERM, new process) while it works through a queue loses no task.

HAProxy and wrk come from Debian's packages (``.ci/run`` installs them); PostgreSQL and
Redis must run on 127.0.0.1. Nothing listens beyond loopback; every wait is bounded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests

from tests.conftest import DEFAULT_COMBO, project_env, redis_url, run_in
from tests.test_celery_worker import _copy_of, _last_json_line

pytestmark = [pytest.mark.services, pytest.mark.xdist_group("rolling-restart")]

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
# A Redis database of its own (test_celery_worker uses 9), emptied before and after.
REDIS_URL = redis_url("rolling_restart")
HOST = "127.0.0.1"
ANSWERS = {**DEFAULT_COMBO, "use_celery": True, "include_example_app": True}
# Seconds a stopping replica keeps serving with readiness failing: HAProxy's checks (every
# 300 ms, down after two failures) see it within about a second.
SHUTDOWN_DELAY = 3
WORKERS = 2
GRACEFUL_TIMEOUT = 10
# Upper bounds, in seconds; each step takes a fraction of them on this machine.
START_TIMEOUT = 60
STATE_TIMEOUT = 20
# wrk stops when told to (SIGINT, after the restarts), or at this bound.
LOAD_SECONDS = 120
AUTH_LIMIT = 5
SERVICES_HINT = "start PostgreSQL and Redis on 127.0.0.1 (`.ci/run` does) and run the test again"

HAPROXY_CONFIG = """\
global
    stats socket {stats} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    # A connection a stopping replica resets before answering goes to the other one.
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend api
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend web
backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/health/ ver HTTP/1.1 hdr Host {host}
    http-check expect status 200
    # No more requests at once than a replica has workers: the others wait here, not in
    # the replica's listen queue, so health checks are answered at once even under load.
    default-server inter 300ms fall 2 rise 2 maxconn {workers}
{servers}
"""

WRK_SCRIPT = """\
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    server_errors = 0
    not_ok = 0
end

function response(status, headers, body)
    if status >= 500 then server_errors = server_errors + 1 end
    if status ~= 200 then not_ok = not_ok + 1 end
end

function done(summary, latency, requests)
    local s, n = 0, 0
    for _, thread in ipairs(threads) do
        s = s + thread:get("server_errors")
        n = n + thread:get("not_ok")
    end
    local e = summary.errors
    io.write(string.format(
        'RESULT {"requests": %d, "server_errors": %d, "not_ok": %d, "connect": %d, '
        .. '"read": %d, "write": %d, "timeout": %d, "p99_ms": %.1f, "max_ms": %.1f}\\n',
        summary.requests, s, n, e.connect, e.read, e.write, e.timeout,
        latency:percentile(99) / 1000, latency.max / 1000))
end
"""

SETUP_USER = """
import json

from apps.users.services import user_create
from apps.users.sessions import session_start

user = user_create(email="load@example.com", password="a-long-test-password-42")
print(json.dumps({"token": session_start(user=user)["access"]}))
"""

SLOW_TASKS = """
import time

from celery import shared_task


@shared_task
def slow_echo(number):
    time.sleep(0.2)
    return number
"""

QUEUE_TASKS = """
import json

from slow_tasks import slow_echo

print(json.dumps([slow_echo.delay(number).id for number in range({count})]))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin")
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's {name} package (`.ci/run` does)")
    return path


def _wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"copier_drf_rolling_{uuid.uuid4().hex[:12]}"
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


@contextmanager
def _running(
    command: list[str], *, cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen]:
    """Start ``command``; on exit stop it (SIGTERM, then SIGKILL) if it still runs."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=GRACEFUL_TIMEOUT + 10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Replica:
    """One gunicorn replica on a fixed loopback port; restartable."""

    def __init__(self, name: str, project: Path, env: dict[str, str], logs: Path) -> None:
        self.name, self.project, self.env, self.logs = name, project, env, logs
        self.port = _free_port()
        self.generation = 0
        self.process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.logs / f"{self.name}-{self.generation}.log"

    def start(self) -> None:
        self.generation += 1
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "config/gunicorn.py",
            "--bind",
            f"{HOST}:{self.port}",
        ]
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                command,
                cwd=self.project,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> int:
        """SIGTERM the arbiter, as the kubelet does after preStop; return its exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=SHUTDOWN_DELAY + GRACEFUL_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            pytest.fail(f"{self.name} did not stop after SIGTERM:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _server_states(stats: Path) -> dict[str, str]:
    """Ask HAProxy's runtime API for each web server's state (UP, DOWN, ...)."""
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(5)
        client.connect(str(stats))
        client.sendall(b"show stat\n")
        data = b""
        while chunk := client.recv(65536):
            data += chunk
    rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
    return {
        row["svname"]: row["status"]
        for row in rows
        if row["pxname"] == "web" and row["svname"] not in {"FRONTEND", "BACKEND"}
    }


def _wait_state(stats: Path, server: str, state: str) -> None:
    _wait_for(
        lambda: _server_states(stats).get(server, "").startswith(state),
        timeout=STATE_TIMEOUT,
        what=f"HAProxy to see {server} {state} (states: {_server_states(stats)})",
    )


def _serving_env(postgres_url: str) -> dict[str, str]:
    return project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=uuid.uuid4().hex * 2,
        DATABASE_URL=postgres_url,
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_THROTTLE_USER="1000000/minute",
        DJANGO_THROTTLE_AUTH=f"{AUTH_LIMIT}/minute",
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_SHUTDOWN_DELAY=str(SHUTDOWN_DELAY),
        GUNICORN_GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT),
        PYTHONUNBUFFERED="1",
    )


def test_a_rolling_restart_under_load_loses_no_request(
    render: Callable[..., Path],
    postgres_url: str,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    haproxy, wrk = _tool("haproxy"), _tool("wrk")
    project = render(**ANSWERS)
    env = _serving_env(postgres_url)
    run_in(project, "manage.py", "migrate", "--noinput", env=env, timeout=180)
    token = _last_json_line(
        run_in(project, "manage.py", "shell", "-c", SETUP_USER, env=env, timeout=120).stdout
    )["token"]

    replicas = [Replica(name, project, env, tmp_path) for name in ("a", "b")]
    stats, front = tmp_path / "haproxy.sock", _free_port()
    config = tmp_path / "haproxy.cfg"
    servers = "\n".join(f"    server {r.name} {HOST}:{r.port} check" for r in replicas)
    config.write_text(
        HAPROXY_CONFIG.format(stats=stats, port=front, host=HOST, servers=servers, workers=WORKERS)
    )
    script = tmp_path / "count.lua"
    script.write_text(WRK_SCRIPT)
    url = f"http://{HOST}:{front}"

    with ExitStack() as stack:
        for replica in replicas:
            replica.start()
            stack.callback(replica.kill)
        stack.enter_context(
            _running(
                [haproxy, "-db", "-f", str(config)],
                cwd=tmp_path,
                env=dict(os.environ),
                log=tmp_path / "haproxy.log",
            )
        )
        _wait_for(stats.exists, timeout=STATE_TIMEOUT, what="HAProxy's stats socket")
        for replica in replicas:
            _wait_state(stats, replica.name, "UP")

        started = time.monotonic()
        load = stack.enter_context(
            _running(
                [
                    wrk,
                    "--threads",
                    "2",
                    "--connections",
                    "8",
                    "--duration",
                    f"{LOAD_SECONDS}s",
                    "--timeout",
                    "10s",
                    "--script",
                    str(script),
                    "--header",
                    f"Authorization: Bearer {token}",
                    f"{url}/api/v1/users/me/",
                ],
                cwd=tmp_path,
                env=dict(os.environ),
                log=tmp_path / "wrk.log",
            )
        )
        time.sleep(3)  # steady load first
        phases = []
        for replica in replicas:
            old_log = replica.log
            phase = time.monotonic()
            assert replica.stop() == 0, old_log.read_text()
            _assert_drained(old_log)
            stopped = time.monotonic()
            replica.start()
            _wait_state(stats, replica.name, "UP")
            phases.append((round(stopped - phase, 1), round(time.monotonic() - stopped, 1)))
        time.sleep(3)  # steady load after
        restarted = time.monotonic() - started
        assert load.poll() is None, f"the restarts took {restarted:.1f} s: load ended first"
        load.send_signal(signal.SIGINT)  # wrk stops and reports
        assert load.wait(timeout=30) == 0, (tmp_path / "wrk.log").read_text()

        result = json.loads((tmp_path / "wrk.log").read_text().split("RESULT ", 1)[1])
        print(
            f"\nrolling restart under load for {restarted:.1f} s: {result}; "
            f"per replica (seconds to stop, to be UP again): {phases}"
        )
        assert result["requests"] > 100, result
        failures = {key: result[key] for key in ("connect", "read", "write", "timeout")}
        assert failures == dict.fromkeys(failures, 0), result
        assert result["server_errors"] == 0, result
        assert result["not_ok"] == 0, result

        _assert_logins_throttled_across_replicas(url, replicas)


def _assert_drained(log: Path) -> None:
    """The stopped replica failed readiness before it stopped, and said nothing worse."""
    output = log.read_text()
    assert '"GET /api/health/ HTTP/1.1" 503' in output, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    assert "WORKER TIMEOUT" not in output, output[-4000:]


def _assert_logins_throttled_across_replicas(url: str, replicas: list[Replica]) -> None:
    """Wrong-password logins through both replicas: AUTH_LIMIT answered, then 429."""
    statuses = [
        requests.post(
            f"{url}/api/v1/auth/login/",
            json={"email": "load@example.com", "password": "wrong-guess"},
            timeout=10,
        ).status_code
        for _ in range(AUTH_LIMIT + 3)
    ]
    print(f"wrong-password logins through both replicas: {statuses}")
    assert all(status != 429 for status in statuses[:AUTH_LIMIT]), statuses
    assert statuses[AUTH_LIMIT:] == [429] * 3, statuses

    def served() -> list[int]:
        return [replica.log.read_text().count('"POST /api/v1/auth/login/') for replica in replicas]

    # gunicorn writes the access line after the answer is sent: wait for the last ones.
    _wait_for(
        lambda: sum(served()) >= AUTH_LIMIT + 3, timeout=STATE_TIMEOUT, what="the access log lines"
    )
    counts = served()
    assert all(counts), f"each replica should have answered logins: {counts}"
    assert sum(counts) == AUTH_LIMIT + 3, counts


def test_a_restarted_celery_worker_loses_no_task(
    render: Callable[..., Path],
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    project = _copy_of(render(**ANSWERS), tmp_path / "project")
    (project / "slow_tasks.py").write_text(SLOW_TASKS)
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.development",
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS="testserver",
        PYTHONUNBUFFERED="1",
    )
    count = 40
    queued = _last_json_line(
        run_in(project, "manage.py", "shell", "-c", QUEUE_TASKS.format(count=count), env=env).stdout
    )
    assert len(set(queued)) == count
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--include=slow_tasks",
        "--pool=prefork",
        "--concurrency=2",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname=rolling-test@%h",
    ]

    def done() -> int:
        return sum(
            json.loads(value)["status"] == "SUCCESS"
            for value in redis_client.mget([f"celery-task-meta-{task}" for task in queued])
            if value
        )

    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    with _running(command, cwd=project, env=env, log=first_log) as worker:
        _wait_for(lambda: done() >= 4, timeout=60, what="the first worker to run some tasks")
        worker.send_signal(signal.SIGTERM)  # warm shutdown, as Kubernetes stops a pod
        assert worker.wait(timeout=30) == 0, first_log.read_text()
    before = done()
    assert before < count, "the first worker ran every task: restart it earlier"
    with _running(command, cwd=project, env=env, log=second_log):
        _wait_for(lambda: done() == count, timeout=60, what="every queued task to succeed")
    print(f"\ncelery tasks: {count} queued, {before} done before the restart, {done()} after")
    results = {
        json.loads(redis_client.get(f"celery-task-meta-{task}"))["result"] for task in queued
    }
    assert results == set(range(count))
    assert "Warm shutdown" in first_log.read_text()
