"""Swagger UI renders in a real browser that can reach nothing but the project's own server.

The default project is served as it is deployed: its build context (the project less
``.dockerignore``), production settings, ``collectstatic``, gunicorn, with SQLite and this
machine's Redis. Headless Chromium opens ``/api/docs/`` with every host but loopback
blocked (a proxy that does not exist, and a resolver that finds no name), so anything the
page wanted from a CDN would fail to load. Every operation of the schema must still be
rendered, and the screenshot must show more than a blank page. A control page proves the
block: under the same flags a script from a CDN fails to load.

Chromium (the Debian package ``chromium``) must be installed, and Redis must run on
127.0.0.1 (``.ci/run`` sees to both); without them the test fails and says so: it is never
skipped.
"""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.error import URLError

import pytest
import redis
from PIL import Image

from tests.conftest import DEFAULT_COMBO, combo_id, production_env, redis_url, run_in
from tests.deploy_checks import copy_build_context

ANSWERS = {**DEFAULT_COMBO, "include_example_app": True}
# The matrix's group for these answers: the project is rendered once for both.
pytestmark = [pytest.mark.services, pytest.mark.xdist_group(combo_id(ANSWERS))]

REDIS_URL = redis_url("docs_browser")
# As the image runs it (Dockerfile's CMD), from this interpreter's environment.
GUNICORN = ["-m", "gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py"]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
WINDOW = (1280, 1600)
# A rendered Swagger UI has thousands of colours (text, buttons, method badges); the
# blank page it shows when its scripts fail to load has one.
MIN_SCREENSHOT_COLOURS = 100
# Upper bounds, in seconds; on this machine each step takes a fraction of them.
COMMAND_TIMEOUT = 120
SERVER_START_TIMEOUT = 60
SERVER_STOP_TIMEOUT = 15
CHROMIUM_HINT = "install it (`apt-get install -y chromium`; `.ci/run` does) and run the test again"

# Nothing leaves the machine: every name but 127.0.0.1 resolves to nothing, and whatever
# would still go out goes to a proxy port where nothing listens (loopback bypasses it).
OFFLINE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    # Virtual time stops while requests are pending: the budget is for scripts to run.
    "--virtual-time-budget=15000",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
    "--hide-scrollbars",
]

# The control: the CDN script Swagger UI would load if the project did not serve it.
CONTROL_PAGE = """<!DOCTYPE html>
<html><head><title>pending</title></head><body>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
        onload="document.title = 'loaded'" onerror="document.title = 'blocked'"></script>
</body></html>
"""

# Outside the project's own server there is nothing to reach, proxies included.
LOCAL_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class OperationCollector(HTMLParser):
    """Collect the operations Swagger UI rendered, as ``(method, path)`` pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.operations: set[tuple[str, str]] = set()
        self._method: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note an operation block's method, then pair it with the path it shows."""
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "div" and "opblock" in classes:
            methods = {name.removeprefix("opblock-") for name in classes} & HTTP_METHODS
            self._method = methods.pop() if methods else None
        elif "opblock-summary-path" in classes and self._method:
            self.operations.add((self._method, attributes.get("data-path") or ""))
            self._method = None


class AssetCollector(HTMLParser):
    """Collect the URLs of the scripts, style sheets and icons a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record a script's src or a link's href."""
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def rendered_operations(html: str) -> set[tuple[str, str]]:
    """Return the ``(method, path)`` of every operation block in ``html``."""
    collector = OperationCollector()
    collector.feed(html)
    return collector.operations


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with LOCAL_OPENER.open(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def chromium() -> str:
    """Return the path of the Chromium executable."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(f"Chromium is not installed: {CHROMIUM_HINT}")
    return path


@pytest.fixture
def run_chromium(chromium: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Return ``run(*args)``: Chromium offline, with a fresh profile; fails if it fails."""
    profiles = itertools.count()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        profile = tmp_path / f"chromium-profile-{next(profiles)}"
        result = subprocess.run(
            [chromium, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"chromium {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    return run


@pytest.fixture(scope="module")
def redis_db() -> Iterator[None]:
    """Empty the Redis database the server caches in (throttle counts), before and after."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); `.ci/run` starts it.")
    yield
    client.flushdb()
    client.close()


def _wait_until_up(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited {server.returncode}:\n{log.read_text()[-6000:]}")
        try:
            if _get(url)[0] == 200:
                return
        except (URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} in {SERVER_START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def docs_server(
    render: Callable[..., Path],
    tmp_path_factory: pytest.TempPathFactory,
    redis_db: None,
) -> Iterator[str]:
    """Serve the default project as deployed, once for this module; return its base URL."""
    tmp_path = tmp_path_factory.mktemp("docs-server")
    project = copy_build_context(render(**ANSWERS), tmp_path / "app")
    port = _free_port()
    env = production_env(
        tmp_path / "db.sqlite3",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=REDIS_URL,
        WEB_CONCURRENCY="2",
    )
    run_in(project, "manage.py", "collectstatic", "--noinput", env=env)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, *GUNICORN, "--bind", f"127.0.0.1:{port}"],
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


def test_the_browser_is_offline(
    run_chromium: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    control = tmp_path / "control.html"
    control.write_text(CONTROL_PAGE, encoding="utf-8")

    dom = run_chromium("--dump-dom", control.as_uri()).stdout

    assert "<title>blocked</title>" in dom, dom


def test_swagger_ui_renders_every_operation_offline(
    docs_server: str,
    run_chromium: Callable[..., subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> None:
    _, _, body = _get(f"{docs_server}/api/schema/?format=json")
    documented = {
        (method, path)
        for path, operations in json.loads(body)["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    screenshot = tmp_path / "swagger-ui.png"

    dom = run_chromium("--dump-dom", f"{docs_server}/api/docs/").stdout
    run_chromium(f"--screenshot={screenshot}", f"{docs_server}/api/docs/")

    assert documented, "the schema lists no operation"
    rendered = rendered_operations(dom)
    assert rendered == documented, f"rendered {len(rendered)} of {len(documented)} operations"
    assert "cdn.jsdelivr.net" not in dom
    with Image.open(screenshot) as image:
        assert image.format == "PNG"
        assert image.size == WINDOW
        colours = image.convert("RGB").getcolors(maxcolors=WINDOW[0] * WINDOW[1])
    assert len(colours) >= MIN_SCREENSHOT_COLOURS, f"{screenshot} looks blank"


def test_the_assets_are_served_by_the_project_for_good(docs_server: str) -> None:
    _, _, page = _get(f"{docs_server}/api/docs/")
    parser = AssetCollector()
    parser.feed(page.decode())
    assert len(parser.urls) >= 3, page
    assert all(url.startswith("/static/drf_spectacular_sidecar/") for url in parser.urls), page

    served = {url: _get(f"{docs_server}{url}") for url in parser.urls}

    for url, (status, headers, body) in served.items():
        assert status == 200, url
        assert body, url
        # Hashed names from collectstatic's manifest: WhiteNoise lets browsers keep them.
        assert "immutable" in headers.get("Cache-Control", ""), (url, headers)
