"""Whether this process has begun to shut down, for the readiness check.

The gunicorn configuration (``config/gunicorn.py``) calls ``begin_shutdown`` when a worker
receives SIGTERM; from then on the readiness check answers 503, so a load balancer that
probes it stops sending new requests while the worker finishes the ones it has.
"""

import threading

_stopping = threading.Event()


def begin_shutdown() -> None:
    """Mark this process as stopping; there is no way back but a new process."""
    _stopping.set()


def shutting_down() -> bool:
    """Return whether ``begin_shutdown`` has been called in this process."""
    return _stopping.is_set()
