"""Black-box tier: the all-options project, deployed as in production, attacked like a client.

The project is rendered with every option (JWT, Celery, S3, Sentry, example app) and run
the way its Dockerfile runs it: ``migrate``, ``collectstatic``, then gunicorn with the
project's own ``config/gunicorn.py``, production settings, a PostgreSQL database of its
own, Redis (cache, throttling, Celery broker) and a moto S3 server for media. Plain HTTP
on a free loopback port (``DJANGO_SECURE_SSL_REDIRECT=false``). Two gunicorn servers share
that database and cache: one with production's default throttle rates, for the probes, and
one whose rates (every ``DJANGO_THROTTLE_*`` variable the settings read) are raised, for
schemathesis, so that fuzzing reaches the views behind the throttles.

Users register, verify their address from the e-mail (the file-based mail backend writes
each message under the work directory) and log in over HTTP (JWT); a staff user from
``createsuperuser`` adds a product, a customer places an order. Then:

1. schemathesis runs over HTTP against the raised-rates server's schema, as the staff user:
   every phase, a fixed seed, a bounded number of cases per operation, checks for server
   errors and for status code, content type and response shape conformance. Its summary is
   printed (``pytest -rA`` shows it) and its JSON report is asserted on, warnings included.
   A second run, stateful only, follows the account's links (log in, refresh, profile)
   with no credentials but the ones the links carry: its NDJSON report shows which links
   it followed and what answered (log in -> refresh -> refresh, the linked user's profile).
2. A table of abuse probes against the server with production's rates: each request, the
   status it must get, and the error envelope (``{"error": {"code", "message", "details"}}``,
   JSON content type, a message for people). One proves the login throttle holds.
3. Neither server's access log has a 5xx line, whatever sent the request.

PostgreSQL and Redis on 127.0.0.1 and moto (``moto[server]``) are required: if one is
missing, the tests fail and say so; they are never skipped.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests

from tests.conftest import OPTIONS, combo_id, production_env, redis_url, run_in

ANSWERS = {**dict.fromkeys(OPTIONS, True), "include_example_app": True}
pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

POSTGRES = "postgres://postgres@127.0.0.1:5432"
# A Redis database of its own (cache, throttling, Celery broker), emptied before and after.
REDIS_URL = redis_url("blackbox")
BUCKET = "copier-drf-media"
REGION = "us-east-1"
PASSWORD = "a-long-test-password-42"
# Production's default rate of the login scope (``auth``), which the throttling probe meets.
AUTH_RATE_PER_MINUTE = 10
# Every throttle rate of the schemathesis server: more than a run sends.
UNTHROTTLED_RATE = "100000/hour"
THROTTLE_VARIABLE = re.compile(r'"(DJANGO_THROTTLE_[A-Z_]+)"')
# Upper bounds, in seconds; on an idle machine each step takes a fraction of them.
SERVER_START_TIMEOUT = 60
SERVER_STOP_TIMEOUT = 15
REQUEST_TIMEOUT = 30
COMMAND_TIMEOUT = 120
SCHEMATHESIS_TIMEOUT = 300
# Enough cases per operation to reach each input's edges, few enough for a bounded run.
SCHEMATHESIS_MAX_EXAMPLES = 10
SCHEMATHESIS_SEED = 20251129
SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# The file-based mail backend's directory (under the work directory) and message separator.
MAIL_DIRECTORY = "mail"
MAIL_SEPARATOR = "-" * 79
HINT = "install the template's test requirements (`pip install -r requirements-test.txt`)"


@dataclass(frozen=True)
class Deployment:
    """The rendered project, migrated, and the production environment it runs with."""

    project: Path
    env: dict[str, str]
    workdir: Path


@dataclass
class LiveProject:
    """A running production deployment of the rendered project, and who can use it."""

    url: str
    secret_key: str
    log: Path
    workdir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    order_id: str = ""
    product_id: str = ""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request to the server, on a connection of its own."""
        return requests.request(method, self.url + path, timeout=REQUEST_TIMEOUT, **kwargs)

    def bearer(self, user: str) -> dict[str, str]:
        """Return the Authorization header of ``user``, from a real login."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def mail_to(self, address: str) -> list[str]:
        """Return the bodies of the e-mails sent to ``address`` so far, oldest first."""
        bodies = []
        for path in sorted((self.workdir / MAIL_DIRECTORY).glob("*.log"), key=os.path.getmtime):
            for raw in path.read_text().split(MAIL_SEPARATOR):
                # The modern policy decodes the body by its own charset (an IDN is not UTF-8
                # in a Latin-1 message).
                message = email.message_from_string(raw.strip(), policy=email.policy.default)
                if message["To"] == address:
                    bodies.append(message.get_content())
        return bodies

    def link_token(self, address: str, name: str = "token") -> str:
        """Return a parameter of the link in the last e-mail sent to ``address``."""
        bodies = self.mail_to(address)
        assert bodies, f"no e-mail to {address}"
        found = re.search(rf"[?&]{name}=([^&\s]+)", bodies[-1])
        assert found, bodies[-1]
        return found.group(1)

    def server_errors(self) -> list[str]:
        """Return the last line of every traceback in the server's log (the exception)."""
        errors = []
        lines = self.log.read_text(errors="replace").splitlines()
        for number, line in enumerate(lines):
            if line.startswith("Traceback (most recent call last)"):
                tail = lines[number + 1 :]
                last = next(
                    (text for text in tail if text and not text.startswith((" ", "\t"))),
                    "?",
                )
                errors.append(last)
        return errors


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen) -> None:
    """Stop ``process`` and its children (gunicorn's workers): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path, *, status: int) -> None:
    """Poll ``url`` until it answers ``status``; fail if the process exits or time runs out."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url}: the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            answer = requests.get(url, timeout=2)
        except requests.RequestException as error:
            last = repr(error)
        else:
            if answer.status_code == status:
                return
            last = f"{answer.status_code} {answer.text[:200]}"
        time.sleep(0.2)
    pytest.fail(f"{url} not ready within {SERVER_START_TIMEOUT} s ({last}):\n{log.read_text()}")


def _redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it first.")
    return client


@pytest.fixture(scope="module")
def cache() -> Iterator[redis.Redis]:
    """Return the emptied Redis database the server uses; empty it again afterwards."""
    client = _redis()
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """Create a PostgreSQL database of this run's own; drop it afterwards. Yield its URL."""
    name = f"blackbox_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as db:
            db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({error}); start it first.")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start moto's S3 server with the media bucket on a free port; stop it afterwards."""
    try:
        import boto3  # noqa: PLC0415 (installed with moto)
        import moto.server  # noqa: F401, PLC0415 (only to fail early with a clear message)
    except ImportError as error:
        pytest.fail(f"moto's server is not installed ({error}): {HINT}")
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = _start(command, cwd=log.parent, env=dict(os.environ), log=log)
    try:
        _wait_until_ready(server, f"{endpoint}/moto-api/", log, status=200)
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def deployment(
    render: Callable[..., Path],
    tmp_path_factory: pytest.TempPathFactory,
    database: str,
    cache: redis.Redis,
    s3_endpoint: str,
) -> Deployment:
    """Render the all-options project and prepare it as its Dockerfile does."""
    project = render(**ANSWERS)
    workdir = tmp_path_factory.mktemp("blackbox")
    env = production_env(
        workdir / "unused.sqlite3",
        DATABASE_URL=database,
        REDIS_URL=REDIS_URL,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_S3_REGION_NAME=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        # Keep boto3 away from the machine's own AWS configuration.
        AWS_CONFIG_FILE=str(workdir / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(workdir / "no-aws-credentials"),
        DJANGO_SUPERUSER_EMAIL="staff@example.com",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        WEB_CONCURRENCY="2",
        GUNICORN_GRACEFUL_TIMEOUT="5",
        # Every e-mail as a file: the tests read the links a user would follow.
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(workdir / MAIL_DIRECTORY),
    )
    for command in (
        ("manage.py", "migrate", "--noinput"),
        ("manage.py", "collectstatic", "--noinput"),
        ("manage.py", "createsuperuser", "--noinput"),
    ):
        run_in(project, *command, env=env, timeout=COMMAND_TIMEOUT)
    return Deployment(project=project, env=env, workdir=workdir)


def throttle_variables(project: Path) -> list[str]:
    """Return the variables the project's settings read throttle rates from."""
    settings = (project / "config" / "settings" / "base.py").read_text()
    return sorted(set(THROTTLE_VARIABLE.findall(settings)))


@contextmanager
def serving(deployment: Deployment, name: str, **env: str) -> Iterator[tuple[str, Path]]:
    """Run gunicorn on the deployment, with ``env`` added; yield its URL and log."""
    port = _free_port()
    log = deployment.workdir / f"{name}.log"
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--config",
        "config/gunicorn.py",
        # The config binds every interface (for containers); a test needs only loopback.
        "--bind",
        f"127.0.0.1:{port}",
    ]
    server_env = {**deployment.env, **env, "PORT": str(port)}
    server = _start(gunicorn, cwd=deployment.project, env=server_env, log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(server, f"{url}/api/health/", log, status=200)
        yield url, log
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def live(deployment: Deployment, cache: redis.Redis) -> Iterator[LiveProject]:
    """Serve the project with production's throttle rates; sign users up over HTTP."""
    with serving(deployment, "gunicorn") as (url, log):
        project = LiveProject(
            url=url,
            secret_key=deployment.env["DJANGO_SECRET_KEY"],
            log=log,
            workdir=deployment.workdir,
        )
        _sign_up_and_log_in(project)
        _clear_throttling(cache)
        yield project


@pytest.fixture(scope="module")
def unthrottled(deployment: Deployment, live: LiveProject) -> Iterator[LiveProject]:
    """Serve the same project and users with every throttle rate raised (for the fuzzer).

    With production's rates, schemathesis got 429 for most cases of the login, logout,
    refresh, verify and register operations, and reached none of their logic.
    """
    rates = dict.fromkeys(throttle_variables(deployment.project), UNTHROTTLED_RATE)
    assert rates, "the settings read no DJANGO_THROTTLE_* variable"
    with serving(deployment, "gunicorn-unthrottled", **rates) as (url, log):
        yield replace(live, url=url, log=log)


def _expect(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url, response.text[:2000])
    return response.json()


def sign_up(live: LiveProject, address: str) -> None:
    """Register ``address`` and verify it from the e-mail, as its owner would."""
    body = {"email": address, "password": PASSWORD, "password_confirm": PASSWORD}
    # The same 202 whether or not the address was free: the outcome goes by e-mail.
    _expect(live.request("POST", "/api/v1/auth/register/", json=body), 202)
    verification = {"token": live.link_token(address)}
    verified = live.request("POST", "/api/v1/auth/email/verify/", json=verification)
    assert verified.status_code == 204, verified.text


def log_in(live: LiveProject, address: str, password: str = PASSWORD) -> dict[str, str]:
    """Log ``address`` in; return its access and refresh tokens."""
    credentials = {"email": address, "password": password}
    return _expect(live.request("POST", "/api/v1/auth/login/", json=credentials), 200)


def _sign_up_and_log_in(live: LiveProject) -> None:
    """Register two customers, log everyone in, add a product and place an order: over HTTP."""
    for user in ("alice", "bob"):
        sign_up(live, f"{user}@example.com")
    for user in ("alice", "bob", "staff"):
        live.tokens[user] = log_in(live, f"{user}@example.com")["access"]
        profile = live.request("GET", "/api/v1/users/me/", headers=live.bearer(user))
        live.user_ids[user] = _expect(profile, 200)["id"]
    product = {"name": "Widget", "sku": "WID-1", "price": "9.99"}
    created = live.request("POST", "/api/v1/products/", json=product, headers=live.bearer("staff"))
    live.product_id = _expect(created, 201)["id"]
    order = {"items": [{"product_id": live.product_id, "quantity": 2}], "notes": "first"}
    placed = live.request("POST", "/api/v1/orders/", json=order, headers=live.bearer("alice"))
    live.order_id = _expect(placed, 201)["id"]
    # The token is real: it opens the user's own profile.
    me = _expect(live.request("GET", "/api/v1/users/me/", headers=live.bearer("alice")), 200)
    assert me["email"] == "alice@example.com"


def _clear_throttling(cache: redis.Redis) -> None:
    """Forget every request counted by the throttles, so each test starts with a fresh budget."""
    for key in cache.scan_iter(match="*throttle_*"):
        cache.delete(key)


# ---------------------------------------------------------------------------------------
# 1. schemathesis over HTTP
# ---------------------------------------------------------------------------------------

# Identifiers of real objects for the detail operations, so their cases get past the 404
# of a random id: the product added at start-up, and an order the staff user places below.
SCHEMATHESIS_CONFIG = """\
[[operations]]
include-path-regex = "/orders/\\\\{{id\\\\}}/"
parameters = {{ "path.id" = "{order_id}" }}

[[operations]]
include-path-regex = "/products/\\\\{{id\\\\}}/"
parameters = {{ "path.id" = "{product_id}" }}

# Signing out everywhere ends the sessions of whoever sends it: a user of its own, so the
# staff user's token stays good for the rest of the run.
[[operations]]
include-path-regex = "/auth/logout/all/"
headers = {{ "Authorization" = "Bearer {leaver_token}" }}
"""

# A hooks module for the runs (SCHEMATHESIS_HOOKS). Random credentials never log in, so the
# links from login's answer (refresh, log out, ...) would never be followed: in the stateful
# phase, login sends the credentials of a user of its own. Its sessions are the ones the
# links rotate, reuse (which ends all of them, by design) and end; the staff user's are not.
SCHEMATHESIS_HOOKS = """\
import schemathesis
from schemathesis.generation.meta import TestPhase

CREDENTIALS = {credentials!r}


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta.phase.name == TestPhase.STATEFUL and case.operation.path.endswith("{login}"):
        case.body = dict(CREDENTIALS)
"""
# The user the stateful phases log in as.
LINKED_USER = "linked@example.com"

# The account-flows run: the stateful phase alone, over logging in, refreshing and the
# profile, with no credentials of its own: every signed-in request carries the ones a link
# took from an answer. Among all the operations, login's many links made the chain log in
# -> refresh -> refresh too rare a draw; logging out (here or everywhere) ends the session
# the chain refreshes, so only the staff run sends those.
ACCOUNT_FLOW_PATHS = r"^/api/v1/(auth/(login|refresh)|users/me)/$"
ACCOUNT_FLOW_CONFIG = """\
[phases.stateful]
max-steps = {steps}
"""
ACCOUNT_FLOW_SCENARIOS = 100
ACCOUNT_FLOW_STEPS = 10
# The links the account-flows run must follow to a 200 at least once: log in -> refresh,
# and refresh -> refresh with the successor token. (source, target) operations.
SESSION_CHAINS = (
    ("POST /api/v1/auth/login/", "POST /api/v1/auth/refresh/"),
    ("POST /api/v1/auth/refresh/", "POST /api/v1/auth/refresh/"),
)
# The links that sign their target with a session's access token (``header.Authorization``):
# their answers are the profile of the user who logged in.
HEADER_LINK_TARGETS = ("GET /api/v1/users/me/", "PATCH /api/v1/users/me/")
TRANSITION = re.compile(r"^(?P<source>.+) -> \[(?P<status>\d+)\] (?P<name>\S+) -> (?P<target>.+)$")


@dataclass(frozen=True)
class LinkStep:
    """A request the stateful phase built from a link, and what answered it."""

    link: str
    status: int
    body: Any


@pytest.fixture(scope="module")
def hooks(unthrottled: LiveProject) -> Path:
    """Sign the stateful phases' user up; write the hooks module that logs it in."""
    live = unthrottled
    sign_up(live, LINKED_USER)
    module = live.workdir / "schemathesis_hooks.py"
    credentials = {"email": LINKED_USER, "password": PASSWORD}
    module.write_text(SCHEMATHESIS_HOOKS.format(credentials=credentials, login=LOGIN))
    return module


def _run_schemathesis(
    live: LiveProject, name: str, arguments: list[str], *, config: Path, hooks: Path
) -> dict[str, Any]:
    """Run schemathesis against the live server; print its output, return its report.

    Besides the JSON report, the run writes every event as NDJSON: the steps the stateful
    phase built from links (``run["steps"]``) are read from there.
    """
    report = live.workdir / f"{name}.json"
    events = live.workdir / f"{name}.ndjson"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{live.url}/api/schema/",
        *arguments,
        "--seed",
        str(SCHEMATHESIS_SEED),
        "--checks",
        ",".join(SCHEMATHESIS_CHECKS),
        # One worker: Hypothesis describes its strategies with ast.parse, which CPython 3.11
        # can fail from two threads at once ("AST constructor recursion depth mismatch",
        # python/cpython#106905), an error of the run rather than of the API.
        "--workers",
        "1",
        "--request-timeout",
        str(REQUEST_TIMEOUT),
        "--generation-database",
        "none",
        "--report",
        "json,ndjson",
        "--report-json-path",
        str(report),
        "--report-ndjson-path",
        str(events),
    ]
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=live.workdir,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "SCHEMATHESIS_HOOKS": str(hooks)},
        capture_output=True,
        text=True,
        timeout=SCHEMATHESIS_TIMEOUT,
        check=False,
    )
    elapsed = time.monotonic() - started
    # Shown by `pytest -rA` (and on failure): the run's summary, failures and warnings.
    print(result.stdout, result.stderr, f"schemathesis ({name}): {elapsed:.1f} s", sep="\n")
    if not report.exists():
        pytest.fail(f"schemathesis wrote no report (exit {result.returncode}):\n{result.stderr}")
    run = json.loads(report.read_text())
    run["output"] = result.stdout[-20000:]
    run["steps"] = _link_steps(events)
    run["links"] = _links_followed(run["steps"])
    print(_summary(run))
    print(f"stateful links followed (status: times): {json.dumps(run['links'], indent=1)}")
    return run


@pytest.fixture(scope="module")
def schemathesis_run(unthrottled: LiveProject, cache: redis.Redis, hooks: Path) -> dict[str, Any]:
    """Run every phase over every operation as the staff user."""
    live = unthrottled
    _clear_throttling(cache)
    order = {"items": [{"product_id": live.product_id, "quantity": 1}], "notes": "staff's"}
    placed = live.request("POST", "/api/v1/orders/", json=order, headers=live.bearer("staff"))
    staff_order = _expect(placed, 201)["id"]
    config = live.workdir / "schemathesis.toml"
    sign_up(live, "leaver@example.com")
    leaver_token = log_in(live, "leaver@example.com")["access"]
    config.write_text(
        SCHEMATHESIS_CONFIG.format(
            order_id=staff_order, product_id=live.product_id, leaver_token=leaver_token
        ),
    )
    arguments = [
        "--header",
        f"Authorization: Bearer {live.tokens['staff']}",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(SCHEMATHESIS_MAX_EXAMPLES),
    ]
    return _run_schemathesis(live, "schemathesis", arguments, config=config, hooks=hooks)


@pytest.fixture(scope="module")
def account_flows_run(unthrottled: LiveProject, cache: redis.Redis, hooks: Path) -> dict[str, Any]:
    """Run the stateful phase over the account's flows, signed in only through the links."""
    _clear_throttling(cache)
    # Not the staff run's configuration (found in the work directory if none is given): no
    # operation has credentials of its own here.
    config = unthrottled.workdir / "schemathesis-account.toml"
    config.write_text(ACCOUNT_FLOW_CONFIG.format(steps=ACCOUNT_FLOW_STEPS))
    arguments = [
        "--phases",
        "stateful",
        "--include-path-regex",
        ACCOUNT_FLOW_PATHS,
        "--max-examples",
        str(ACCOUNT_FLOW_SCENARIOS),
    ]
    return _run_schemathesis(
        unthrottled, "schemathesis-account", arguments, config=config, hooks=hooks
    )


def _link_steps(events: Path) -> list[LinkStep]:
    """Return the steps the stateful phase built from a link, in the order it sent them.

    Read from the NDJSON report's scenarios: each step that followed a link names it
    (``source -> [status] name -> target``) and holds the answer it got. A step that drew
    its own input instead of the link's (``is_transition_applied`` false) does not count.
    """
    steps = []
    for line in events.read_text().splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        if scenario is None or scenario["phase"] != "stateful":
            continue
        # The report leaves empty maps out: a skipped scenario has no cases.
        recorder = scenario["recorder"]
        for case_id, node in recorder.get("cases", {}).items():
            transition = node.get("transition")
            interaction = recorder.get("interactions", {}).get(case_id)
            if not (transition and node["is_transition_applied"] and interaction):
                continue
            response = interaction.get("response")
            if not response:
                continue
            link = TRANSITION.match(transition["id"])
            assert link, transition["id"]
            content = response.get("content") or {}
            raw = base64.b64decode(content["$base64"]) if "$base64" in content else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            steps.append(
                LinkStep(f"{link['source']} -> {link['target']}", response["status_code"], body)
            )
    return steps


def _links_followed(steps: list[LinkStep]) -> dict[str, dict[str, int]]:
    """Return, for each link followed, how often each status answered it."""
    followed: dict[str, dict[str, int]] = {}
    for step in steps:
        statuses = followed.setdefault(step.link, {})
        statuses[str(step.status)] = statuses.get(str(step.status), 0) + 1
    return followed


def _summary(run: dict[str, Any]) -> str:
    """Say in one line what schemathesis tested and found."""
    operations, cases = run["operations"], run["test_cases"]
    failures = ", ".join(
        f"{failure['code']} {failure['title']}: {failure['count']}" for failure in run["failures"]
    )
    server_errors = sum(f["count"] for f in run["failures"] if f["code"] == "ST101")
    warnings = ", ".join(
        f"{kind} {len(labels)}" for kind, labels in run["warnings"].items() if labels
    )
    return (
        f"schemathesis summary: {operations['tested']}/{operations['total']} operations, "
        f"{cases['generated']} cases, {cases['unique_failures']} unique failures "
        f"({failures or 'none'}), {server_errors} server errors, "
        f"{len(run['errors'])} errors, warnings ({warnings or 'none'}), seed {run['seed']}"
    )


def _failure_codes(run: dict[str, Any]) -> dict[str, list[str]]:
    return {failure["code"]: failure["operations"] for failure in run["failures"]}


def test_schemathesis_tests_every_operation(schemathesis_run: dict[str, Any]) -> None:
    operations = schemathesis_run["operations"]
    assert schemathesis_run["complete"], schemathesis_run["stop_reason"]
    assert schemathesis_run["errors"] == [], schemathesis_run["output"]
    assert operations["tested"] == operations["selected"] == operations["total"], operations
    assert schemathesis_run["test_cases"]["errored"] == 0, schemathesis_run["output"]


def test_schemathesis_is_not_held_back_by_the_throttles(
    schemathesis_run: dict[str, Any],
) -> None:
    """Operations that mostly answered 429 were not tested: raise every rate for the run."""
    assert schemathesis_run["warnings"]["rate_limited"] == [], schemathesis_run["output"]


def test_schemathesis_finds_no_server_error(
    schemathesis_run: dict[str, Any],
    unthrottled: LiveProject,
) -> None:
    server_errors = _failure_codes(schemathesis_run).get("ST101", [])
    assert server_errors == [], (
        f"5xx in {server_errors}; the server logged: {unthrottled.server_errors()}\n"
        f"{schemathesis_run['output']}"
    )


def test_schemathesis_finds_the_responses_as_documented(
    schemathesis_run: dict[str, Any],
) -> None:
    """Status codes, content types and bodies all match the schema the server publishes."""
    assert schemathesis_run["failures"] == [], schemathesis_run["output"]


def test_the_account_flows_run_is_complete_and_finds_no_failure(
    account_flows_run: dict[str, Any],
    unthrottled: LiveProject,
) -> None:
    """No server error, every answer as documented, over the account's operations only."""
    run = account_flows_run
    assert run["complete"], run["stop_reason"]
    assert run["errors"] == [], run["output"]
    assert run["test_cases"]["errored"] == 0, run["output"]
    assert run["failures"] == [], (
        f"the server logged: {unthrottled.server_errors()}\n{run['output']}"
    )


@pytest.mark.parametrize(("source", "target"), SESSION_CHAINS)
def test_the_account_flows_chain_the_sessions(
    account_flows_run: dict[str, Any],
    source: str,
    target: str,
) -> None:
    """Logging in answers a session whose refresh token a link passes to refresh, whose
    answer passes its successor on: each chain must succeed (200) at least once.
    """
    followed = account_flows_run["links"]
    statuses = followed.get(f"{source} -> {target}", {})
    assert statuses.get("200", 0) >= 1, f"{source} -> {target}: {statuses}; followed: {followed}"


def test_the_account_flows_sign_in_with_the_linked_credentials(
    account_flows_run: dict[str, Any],
) -> None:
    """A link into the ``Authorization`` header signs its target as the user who logged in.

    The run has no credentials of its own: a profile in an answer can only come from a
    session's access token, passed on by the link. Some answers are 401, by design: a
    refresh token sent twice (two links from one answer) ends every session of the user.
    """
    answers = [
        step
        for step in account_flows_run["steps"]
        if step.link.split(" -> ")[1] in HEADER_LINK_TARGETS and step.status == 200
    ]
    profiles = {step.body["email"] for step in answers}
    assert profiles == {LINKED_USER}, f"profiles {profiles}; {account_flows_run['links']}"


# ---------------------------------------------------------------------------------------
# 2. Abuse probes
# ---------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(live: LiveProject, *, alg: str = "HS256", key: str = "", lifetime: int = 300) -> str:
    """Return an access token for alice, signed with ``key`` (the server's when empty)."""
    now = int(time.time())
    claims = {
        "token_type": "access",
        "exp": now + lifetime,
        "iat": now - 600,
        "jti": secrets.token_hex(16),
        "user_id": live.user_ids["alice"],
        # Alice's sessions never ended: her tokens carry the first session generation.
        "session_generation": 0,
    }
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    if alg == "none":
        return f"{header}.{payload}."
    signing_key = (key or live.secret_key).encode()
    signature = hmac.new(signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


TOKENS: dict[str, Callable[[LiveProject], str]] = {
    "alice": lambda live: live.tokens["alice"],
    "bob": lambda live: live.tokens["bob"],
    "forged-signature": lambda live: _jwt(live, key="not-the-server-secret"),
    "alg-none": lambda live: _jwt(live, alg="none"),
    "expired": lambda live: _jwt(live, lifetime=-60),
    # The control: the same construction with the server's key and a future expiry works,
    # so the three above fail for the one reason each names.
    "self-signed-valid": _jwt,
}

MIB = 1024 * 1024
# DATA_UPLOAD_MAX_MEMORY_SIZE is 5 MiB: a valid JSON document above it.
HUGE_LOGIN = json.dumps({"email": "a@example.com", "password": "x" * (6 * MIB)}).encode()
HUGE_ORDER = json.dumps({"items": [], "notes": "x" * (6 * MIB)}).encode()
NESTED = b"[" * 5000
TOO_MANY_ITEMS = json.dumps(
    {"items": [{"product_id": str(uuid.uuid4()), "quantity": 1} for _ in range(10_000)]},
).encode()


@dataclass(frozen=True)
class Probe:
    """One hostile request and what the server must answer."""

    method: str
    path: str
    status: tuple[int, ...]
    body: bytes | None = None
    content_type: str = "application/json"
    token: str | None = None
    # The error code, where the probe pins one (others leave the choice to the fix).
    code: str | None = None
    # Send the request this many times, each with new forged X-Forwarded-For entries; judge
    # the last answer.
    rotate_forwarded_for: int = 0


def _json(value: dict[str, Any]) -> bytes:
    """Return ``value`` as JSON, control and non-ASCII characters (lone surrogates too)
    escaped as ``\\uXXXX``: the text arrives intact and json.loads rebuilds the character."""
    return json.dumps(value).encode()


LOGIN = "/api/v1/auth/login/"
REGISTER = "/api/v1/auth/register/"
ME = "/api/v1/users/me/"
ORDERS = "/api/v1/orders/"
ALICE_ORDER = "/api/v1/orders/{order_id}/"
CAROL = {"email": "carol@example.com", "password": PASSWORD, "password_confirm": PASSWORD}

PROBES = [
    pytest.param(
        Probe(
            "POST",
            LOGIN,
            (429,),
            body=_json({"email": "nobody@example.com", "password": "wrong-password"}),
            code="throttled",
            rotate_forwarded_for=AUTH_RATE_PER_MINUTE + 1,
        ),
        id="login-rotating-x-forwarded-for-is-throttled",
    ),
    pytest.param(Probe("POST", LOGIN, (400,), body=NESTED), id="login-nested-json"),
    pytest.param(Probe("POST", REGISTER, (400,), body=NESTED), id="register-nested-json"),
    pytest.param(Probe("POST", LOGIN, (400, 413), body=HUGE_LOGIN), id="login-huge-body"),
    pytest.param(
        Probe("POST", ORDERS, (400, 413), body=HUGE_ORDER, token="alice"),
        id="orders-huge-body",
    ),
    pytest.param(Probe("POST", LOGIN, (400,), body=b'{"email": '), id="login-malformed-json"),
    pytest.param(
        Probe("POST", ORDERS, (400,), body=b'{"items": [}', token="alice"),
        id="orders-malformed-json",
    ),
    pytest.param(
        Probe(
            "POST",
            LOGIN,
            (415,),
            body=b"email=a%40example.com&password=x",
            content_type="application/x-www-form-urlencoded",
            code="unsupported_media_type",
        ),
        id="login-form-encoded",
    ),
    pytest.param(
        Probe(
            "POST",
            ORDERS,
            (415,),
            body=b"<order/>",
            content_type="application/xml",
            token="alice",
            code="unsupported_media_type",
        ),
        id="orders-xml",
    ),
    pytest.param(
        Probe("POST", LOGIN, (400,), body=_json({"email": "a\x00@example.com", "password": "x"})),
        id="login-nul-in-email",
    ),
    pytest.param(
        Probe("POST", LOGIN, (400,), body=_json({"email": "a\ud800@example.com", "password": "x"})),
        id="login-lone-surrogate-in-email",
    ),
    pytest.param(
        Probe(
            "POST",
            REGISTER,
            (400,),
            body=_json({**CAROL, "first_name": "Ca\x00rol"}),
        ),
        id="register-nul-in-first-name",
    ),
    pytest.param(
        Probe(
            "POST",
            REGISTER,
            (400,),
            body=_json({**CAROL, "first_name": "Ca\ud800rol"}),
        ),
        id="register-lone-surrogate-in-first-name",
    ),
    pytest.param(
        Probe("PATCH", ME, (400,), body=_json({"last_name": "\udfff"}), token="alice"),
        id="profile-lone-surrogate",
    ),
    pytest.param(
        Probe("PATCH", ME, (400,), body=_json({"last_name": "x\x00"}), token="alice"),
        id="profile-nul",
    ),
    pytest.param(
        Probe("GET", ORDERS + "?search=a%00b", (400,), token="alice"),
        id="orders-nul-in-search",
    ),
    pytest.param(
        # Inside the value: the date parser drops a trailing NUL and reads the date right.
        Probe("GET", ORDERS + "?created_after=2024-01-01%00T00:00:00", (400,), token="alice"),
        id="orders-nul-in-datetime-filter",
    ),
    pytest.param(
        # A lone surrogate can reach a query string only as its (invalid) UTF-8 bytes,
        # which Django decodes to U+FFFD: a harmless search for a replacement character.
        Probe("GET", ORDERS + "?search=%ED%A0%80", (200,), token="alice"),
        id="orders-surrogate-bytes-in-search",
    ),
    pytest.param(
        Probe("GET", ME, (401,), token="forged-signature"),
        id="jwt-forged-signature",
    ),
    pytest.param(Probe("GET", ME, (401,), token="alg-none"), id="jwt-alg-none"),
    pytest.param(Probe("GET", ME, (401,), token="expired"), id="jwt-expired"),
    pytest.param(Probe("GET", ME, (200,), token="self-signed-valid"), id="jwt-control-valid"),
    pytest.param(
        Probe("GET", ALICE_ORDER, (404,), token="bob", code="not_found"),
        id="another-users-order",
    ),
    pytest.param(
        Probe("POST", ALICE_ORDER + "cancel/", (404,), body=b"{}", token="bob", code="not_found"),
        id="cancel-another-users-order",
    ),
    pytest.param(
        Probe("DELETE", ALICE_ORDER, (404,), token="bob", code="not_found"),
        id="delete-another-users-order",
    ),
    pytest.param(
        Probe("POST", ORDERS, (400,), body=TOO_MANY_ITEMS, token="alice"),
        id="orders-10000-items",
    ),
    pytest.param(
        # Offsets RFC 3339 allows and PostgreSQL refuses (beyond ±15:59): queried in UTC.
        Probe("GET", ORDERS + "?created_after=2024-01-01T00:00:00-18:00", (200,), token="alice"),
        id="orders-datetime-offset-minus-18h",
    ),
    pytest.param(
        Probe("GET", ORDERS + "?created_before=2024-01-01T00:00:00%2B23:59", (200,), token="alice"),
        id="orders-datetime-offset-plus-23h59",
    ),
    pytest.param(
        Probe("GET", ORDERS + "?created_before=2024-01-01T00:00:00%2B24:00", (400,), token="alice"),
        id="orders-datetime-offset-of-a-day",
    ),
    pytest.param(
        # Before year 1 and after year 9999 once in UTC: Python cannot convert them (they
        # were 500s on SQLite); the filter takes the first and last instants instead.
        Probe(
            "GET",
            ORDERS + "?created_after=0001-01-01T00:00:00%2B05:00",
            (200,),
            token="alice",
        ),
        id="orders-datetime-before-year-1-in-utc",
    ),
    pytest.param(
        Probe(
            "GET",
            ORDERS + "?created_before=9999-12-31T23:00:00-05:00",
            (200,),
            token="alice",
        ),
        id="orders-datetime-after-year-9999-in-utc",
    ),
    pytest.param(
        Probe("GET", "/api/v1/no-such-thing/", (404,), token="alice", code="not_found"),
        id="unknown-api-url",
    ),
    pytest.param(
        Probe("GET", "/api/v2/orders/", (404,), token="alice", code="not_found"),
        id="unknown-api-version",
    ),
    pytest.param(
        Probe("GET", "/api/v1/orders/not-a-uuid/", (404,), token="alice", code="not_found"),
        id="order-id-not-a-uuid",
    ),
]

# The client's address as the proxy in front of the app would append it.
CLIENT_ADDRESS = "198.51.100.7"
# A message for people: not the repr of a Python object (a dict, a list, ErrorDetail).
PYTHON_REPR = re.compile(r"ErrorDetail\(|^\s*[\[{(]|\{'|\['")


def _send(live: LiveProject, probe: Probe) -> requests.Response:
    headers = {"Content-Type": probe.content_type, "Accept": "application/json"}
    if probe.token:
        headers["Authorization"] = f"Bearer {TOKENS[probe.token](live)}"
    path = probe.path.format(order_id=live.order_id)
    if not probe.rotate_forwarded_for:
        return live.request(probe.method, path, data=probe.body, headers=headers)
    statuses = []
    for number in range(probe.rotate_forwarded_for):
        # What reaches the app from a client behind one proxy: the entries the client forged,
        # then the address the proxy appended, which the client cannot change.
        forwarded = {**headers, "X-Forwarded-For": f"203.0.113.{number + 1}, {CLIENT_ADDRESS}"}
        response = live.request(probe.method, path, data=probe.body, headers=forwarded)
        statuses.append(response.status_code)
    print(f"statuses with a new X-Forwarded-For each time: {statuses}")
    return response


@pytest.mark.parametrize("probe", PROBES)
def test_abuse_probe(live: LiveProject, cache: redis.Redis, probe: Probe) -> None:
    _clear_throttling(cache)
    response = _send(live, probe)
    seen = f"{response.status_code} {response.headers.get('Content-Type')}: {response.text[:600]}"
    assert response.status_code < 500, f"{seen}\nthe server logged: {live.server_errors()[-1:]}"
    assert response.status_code in probe.status, seen
    assert response.headers.get("Content-Type", "").startswith("application/json"), seen
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == {"error"}, seen
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, seen
    assert isinstance(error["code"], str), seen
    assert isinstance(error["message"], str), seen
    assert error["message"], seen
    assert not PYTHON_REPR.search(error["message"]), f"a Python repr, not a message: {seen}"
    if probe.code:
        assert error["code"] == probe.code, seen


# ---------------------------------------------------------------------------------------
# 3. Whatever sent it, no request got a 5xx
# ---------------------------------------------------------------------------------------

# gunicorn's default access log format: ... "GET /path HTTP/1.1" 200 123 "-" "agent"
ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+ HTTP/[\d.]+)" (?P<status>\d{3}) ')


@pytest.mark.parametrize("server", ["live", "unthrottled"])
def test_no_request_got_a_server_error(request: pytest.FixtureRequest, server: str) -> None:
    """Runs last: the access logs hold every request of this module's tests."""
    deployed: LiveProject = request.getfixturevalue(server)
    log = deployed.log.read_text(errors="replace")
    answered = list(ACCESS_LINE.finditer(log))
    assert answered, log[-3000:]
    server_errors = sorted(
        {f"{m['status']} {m['request'][:160]}" for m in answered if m["status"].startswith("5")},
    )
    assert server_errors == [], (
        f"{len(server_errors)} requests got a 5xx: {server_errors}\n"
        f"tracebacks in the server's log: {sorted(set(deployed.server_errors()))}"
    )
