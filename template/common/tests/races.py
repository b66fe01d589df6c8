"""Simulating, deterministically, a concurrent request that takes a unique value first.

Each app lists how its services meet its unique constraints in ``<app>/tests/conflicts.py``
(``CONFLICTS``); ``common/tests/test_races.py`` runs them all.
"""

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pkgutil import resolve_name
from unittest import mock

from django.apps import apps


@dataclass(frozen=True)
class Conflict:
    """One way a service meets a unique constraint, and the error code it must answer."""

    constraint: str
    code: str
    meet: Callable[[], object]


def project_conflicts() -> list[Conflict]:
    """Return the ``CONFLICTS`` of every project app that has a ``tests/conflicts.py``."""
    conflicts: list[Conflict] = []
    for app in apps.get_app_configs():
        name = f"{app.name}.tests.conflicts"
        if app.name.startswith("apps.") and find_spec(f"{app.name}.tests") and find_spec(name):
            conflicts += importlib.import_module(name).CONFLICTS
    return conflicts


@contextmanager
def check_misses_the_rival(check: str, *, free: object, calls: int = 1) -> Iterator[None]:
    """Have the first ``calls`` calls of ``check`` answer ``free``; later ones look again.

    ``check`` is the dotted name a service calls to see whether a unique value is free, or
    a model's method a form calls (``validate_unique``), which receives the instance.
    The test saves the rival row first and this hides it from the check: the service then
    meets the row only at its write, as it meets one that a concurrent request commits
    right after the check. The row lies outside the service's savepoints, as another
    transaction's would, so undoing the refused write leaves it in place.
    """
    look = resolve_name(check)
    answers = [free] * calls

    def answer(*args: object, **kwargs: object) -> object:
        return answers.pop() if answers else look(*args, **kwargs)

    with mock.patch(check, autospec=True, side_effect=answer):
        yield
