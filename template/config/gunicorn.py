"""Gunicorn configuration, used by the production image.

    gunicorn config.wsgi:application --config config/gunicorn.py

Each setting can be changed without rebuilding the image, through the environment:

- ``PORT`` (8000): the port to listen on, on every interface.
- ``WEB_CONCURRENCY`` (2 x CPUs + 1): the number of worker processes.
- ``GUNICORN_THREADS`` (8): threads per worker; more than 1 uses the gthread worker. A
  sync worker (1 thread) is held for as long as a client takes to send its request: six
  clients sending a body at a byte a second stopped four of them, and the health check
  with them. Each thread holds one such client instead, while the rest keep serving. Each
  thread also keeps its own database connection: WEB_CONCURRENCY x GUNICORN_THREADS must
  stay under PostgreSQL's ``max_connections``. Against more slow clients than threads, a
  proxy that buffers whole requests (nginx does by default) is the defence.
- ``GUNICORN_TIMEOUT`` (30): seconds a request may take before its worker is restarted.
- ``GUNICORN_GRACEFUL_TIMEOUT`` (30): seconds workers get to finish on shutdown.
- ``GUNICORN_SHUTDOWN_DELAY`` (0): seconds a worker keeps serving after SIGTERM while its
  readiness check already fails, so that a load balancer probing readiness takes it out
  of rotation before it stops accepting. Set it above the balancer's check interval times
  its failures-to-down count, and below the graceful timeout. On Kubernetes leave it at
  0: the pod's preStop sleep does this wait (see docs/deployment.md).
- ``GUNICORN_KEEPALIVE`` (5): seconds to keep an idle connection open.
- ``GUNICORN_MAX_REQUESTS`` (1000) and ``GUNICORN_MAX_REQUESTS_JITTER`` (100): restart a
  worker after about that many requests, which bounds slow memory leaks. 0 disables.
- ``GUNICORN_LOG_LEVEL`` (info).
- ``FORWARDED_ALLOW_IPS`` (127.0.0.1,::1): the proxies trusted to set X-Forwarded-*
  headers. Set it to the address (or network, in CIDR) of your load balancer; * only when
  nothing but the load balancer can reach the container. The app's throttles read the
  client's address from X-Forwarded-For as far as ``DJANGO_NUM_PROXIES`` (1 in production)
  says: keep both describing the same proxies.
"""

import importlib
import os
import signal
import threading
from pathlib import Path
from types import FrameType


def _env_int(name: str, default: int) -> int:
    """Return the integer in the environment variable ``name``, or ``default`` if unset."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cpu_count() -> int:
    """Return the CPUs this process may run on (respects container CPU sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Not available on macOS.
        return os.cpu_count() or 1


# Inside a container the app must listen on every interface to be reachable.
bind = f"0.0.0.0:{_env_int('PORT', 8000)}"
workers = _env_int("WEB_CONCURRENCY", 2 * _cpu_count() + 1)
threads = _env_int("GUNICORN_THREADS", 8)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Logs go to stdout and stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Not a gunicorn setting: read by post_worker_init below.
_SHUTDOWN_DELAY = _env_int("GUNICORN_SHUTDOWN_DELAY", 0)

# Workers signal they are alive through a file; keep it in memory where available, since
# a slow or read-only disk makes healthy workers look stuck.
_SHARED_MEMORY = Path("/dev/shm")  # noqa: S108
if _SHARED_MEMORY.is_dir():
    worker_tmp_dir = str(_SHARED_MEMORY)


def on_starting(server: object) -> None:
    """Load the settings once, before any worker starts.

    A missing environment variable then stops gunicorn with its one-line message, instead
    of every worker failing with a traceback. The workers import the same settings module.
    """
    del server  # gunicorn passes its arbiter; the check needs nothing from it
    from config.env import exit_on_missing_variable  # noqa: PLC0415

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    with exit_on_missing_variable():
        importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])


def post_worker_init(worker: object) -> None:
    """Fail readiness from the first SIGTERM on; stop after ``GUNICORN_SHUTDOWN_DELAY`` s.

    On SIGTERM (sent by the arbiter to every worker when it is told to stop) gunicorn's
    worker stops accepting connections, finishes the request it is serving and exits. This
    handler first marks the process as stopping, so the readiness check answers 503, and
    with a delay keeps serving that long before handing over to gunicorn's own handler. The
    arbiter kills workers still running after the graceful timeout.
    """
    from common.shutdown import begin_shutdown, shutting_down  # noqa: PLC0415

    gunicorn_exit = worker.handle_exit  # type: ignore[attr-defined]

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if _SHUTDOWN_DELAY > 0 and not shutting_down():
            begin_shutdown()
            # The second SIGTERM comes here again and stops the worker; as any signal, it
            # also wakes the worker's wait for connections (gunicorn's wake-up descriptor).
            timer = threading.Timer(_SHUTDOWN_DELAY, os.kill, (os.getpid(), signal.SIGTERM))
            timer.daemon = True
            timer.start()
            return
        begin_shutdown()
        gunicorn_exit(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
