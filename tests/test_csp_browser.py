"""Django 6.1's Content Security Policy lets the admin and Swagger UI run, and nothing else.

The default project on Django 6.1 is served as deployed (production settings,
``collectstatic``, gunicorn) on the Python its answers name. Its pages carry a strict policy
(this origin, and inline code only with the response's nonce); headless Chromium, offline as
in ``test_docs_browser.py``, must render every operation in Swagger UI and the admin's login
form with no violation in its console. A control page proves the console is read: under
the same flags, an inline script a policy forbids is reported.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import DEFAULT_COMBO, combo_id, combo_python, production_env, redis_url, run_in
from tests.deploy_checks import copy_build_context
from tests.test_docs_browser import (
    GUNICORN,
    HTTP_METHODS,
    SERVER_STOP_TIMEOUT,
    _free_port,
    _get,
    _wait_until_up,
    chromium,  # noqa: F401 (a fixture)
    rendered_operations,
    run_chromium,  # noqa: F401 (a fixture)
)

ANSWERS = {**DEFAULT_COMBO, "include_example_app": True, "django_version": "6.1"}
# The matrix's group for these answers: the project is rendered once for both.
pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

REDIS_URL = redis_url("csp_browser")
# Chromium writes the page's console, CSP violations included, to stderr.
CONSOLE_FLAGS = ["--enable-logging=stderr", "--v=0"]
VIOLATION = re.compile(r"Content Security Policy", re.IGNORECASE)
CONTROL_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Security-Policy" content="script-src 'self'">
<title>pending</title></head><body><script>document.title = 'ran'</script></body></html>
"""


@pytest.fixture(scope="module")
def csp_server(
    render: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Serve the default project on Django 6.1 as deployed; return its base URL."""
    tmp_path = tmp_path_factory.mktemp("csp-server")
    project = copy_build_context(render(**ANSWERS), tmp_path / "app")
    python = combo_python(ANSWERS)
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).flushdb()
    env = production_env(
        tmp_path / "db.sqlite3",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=REDIS_URL,
        WEB_CONCURRENCY="2",
    )
    run_in(project, "manage.py", "collectstatic", "--noinput", env=env, python=python)
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [python, *GUNICORN, "--bind", f"127.0.0.1:{port}"],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, f"{base_url}/api/health/", log)
        yield base_url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize("path", ["/api/docs/", "/admin/login/"])
def test_pages_carry_a_strict_policy_and_its_nonce(csp_server: str, path: str) -> None:
    _, headers, body = _get(f"{csp_server}{path}")
    policy = headers.get("Content-Security-Policy", "")

    print(f"{path}: Content-Security-Policy: {policy}")
    directives = {
        name: values for name, _, values in (d.strip().partition(" ") for d in policy.split(";"))
    }
    assert directives.get("default-src") == "'self'", policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives.get("frame-ancestors") == "'none'", policy
    nonce = re.search(r"'nonce-([\w+/=-]+)'", directives.get("script-src", ""))
    assert nonce, policy
    inline = re.findall(r"<(?:script|style)\b(?![^>]*\bsrc=)([^>]*)>", body.decode())
    assert all(f'nonce="{nonce[1]}"' in attributes for attributes in inline), inline


def test_the_console_shows_violations(
    run_chromium: Callable[..., subprocess.CompletedProcess[str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    control = tmp_path / "control.html"
    control.write_text(CONTROL_PAGE, encoding="utf-8")

    result = run_chromium(*CONSOLE_FLAGS, "--dump-dom", control.as_uri())

    assert "<title>pending</title>" in result.stdout, result.stdout
    assert VIOLATION.search(result.stderr), result.stderr[-3000:]


def test_swagger_ui_renders_with_no_violation(
    csp_server: str,
    run_chromium: Callable[..., subprocess.CompletedProcess[str]],  # noqa: F811
) -> None:
    _, _, schema = _get(f"{csp_server}/api/schema/?format=json")
    documented = {
        (method, path)
        for path, operations in json.loads(schema)["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }

    result = run_chromium(*CONSOLE_FLAGS, "--dump-dom", f"{csp_server}/api/docs/")

    assert documented, "the schema lists no operation"
    assert rendered_operations(result.stdout) == documented
    violations = [line for line in result.stderr.splitlines() if VIOLATION.search(line)]
    assert not violations, "\n".join(violations)


def test_admin_login_renders_with_no_violation(
    csp_server: str,
    run_chromium: Callable[..., subprocess.CompletedProcess[str]],  # noqa: F811
) -> None:
    result = run_chromium(*CONSOLE_FLAGS, "--dump-dom", f"{csp_server}/admin/login/")

    assert 'id="login-form"' in result.stdout, result.stdout[-3000:]
    violations = [line for line in result.stderr.splitlines() if VIOLATION.search(line)]
    assert not violations, "\n".join(violations)
