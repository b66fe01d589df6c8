"""Gunicorn's shutdown: readiness fails from the first SIGTERM, serving stops after the delay."""

import signal
import threading
from collections.abc import Iterator
from types import FrameType

import pytest

from common import shutdown
from config import gunicorn

STOP_TIMEOUT = 5


class FakeWorker:
    """Records gunicorn's own SIGTERM handling (which makes a real worker stop serving)."""

    def __init__(self) -> None:
        self.stopped = threading.Event()

    def handle_exit(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        self.stopped.set()


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWorker]:
    """Install the hook's SIGTERM handler for one test; restore the previous one after."""
    monkeypatch.setattr(shutdown, "_stopping", threading.Event())
    previous = signal.getsignal(signal.SIGTERM)
    fake = FakeWorker()
    try:
        yield fake
    finally:
        signal.signal(signal.SIGTERM, previous)


def _deliver_sigterm(pid: int, signum: int) -> None:
    """Stand-in for os.kill: run the installed handler, as the signal would."""
    assert signum == signal.SIGTERM
    del pid
    signal.getsignal(signal.SIGTERM)(signum, None)


def test_without_delay_sigterm_stops_at_once(
    worker: FakeWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gunicorn, "_SHUTDOWN_DELAY", 0)
    gunicorn.post_worker_init(worker)

    signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)

    assert shutdown.shutting_down()
    assert worker.stopped.is_set()


def test_with_delay_readiness_fails_first_and_serving_stops_later(
    worker: FakeWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gunicorn, "_SHUTDOWN_DELAY", 0.2)
    monkeypatch.setattr(gunicorn.os, "kill", _deliver_sigterm)
    gunicorn.post_worker_init(worker)

    signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)

    assert shutdown.shutting_down()
    assert not worker.stopped.is_set(), "the worker must keep serving during the delay"
    assert worker.stopped.wait(timeout=STOP_TIMEOUT), "the worker never stopped"
