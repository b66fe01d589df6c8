"""Simulating, deterministically, a concurrent request that takes a unique value first."""

from collections.abc import Iterator
from contextlib import contextmanager
from pkgutil import resolve_name
from unittest import mock


@contextmanager
def check_misses_the_rival(check: str, *, free: object, calls: int = 1) -> Iterator[None]:
    """Have the first ``calls`` calls of ``check`` (a dotted name) answer ``free``.

    The test saves the rival row first and this hides it from the check (a service's, or a
    form's ``validate_unique``): the write then meets it, as it meets a row that a concurrent
    request commits right after the check.
    """
    look, answers = resolve_name(check), [free] * calls

    def answer(*args: object, **kwargs: object) -> object:
        return answers.pop() if answers else look(*args, **kwargs)

    with mock.patch(check, autospec=True, side_effect=answer):
        yield
