"""Simulating, deterministically, a concurrent request that takes a unique value first.

A service's own tests use it to show that the service answers its error (``email_taken``)
when the value is taken between its check and its write; ``common/tests/test_races.py``
shows that any other unique violation is a 409 all the same.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pkgutil import resolve_name
from unittest import mock


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
