"""The environment reader shared by every settings module.

Values that change between deployments (secrets, URLs, hosts) come from the process
environment. Development and test settings also read a local ``.env`` file first
(``read_dot_env()``): it fills in what the environment does not set, and never overrides a
variable that is set. Production never reads it, so a development key or host list left in
``.env`` cannot stand in for a variable a deployment forgot: start-up stops instead.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DOT_ENV_FILE = BASE_DIR / ".env"

env = environ.Env()


class MissingVariableError(ImproperlyConfigured):
    """A variable the settings require is unset or empty (start-up shows one line)."""


def read_dot_env() -> None:
    """Fill in unset variables from ``.env`` if there is one (development and tests only)."""
    if DOT_ENV_FILE.is_file():
        env.read_env(DOT_ENV_FILE)


def required(name: str) -> str:
    """Return the variable's value; refuse to start when it is unset or empty."""
    value = env.str(name, default="").strip()
    if not value:
        message = f"Set the {name} environment variable (it is unset or empty)."
        raise MissingVariableError(message)
    return value


@contextmanager
def exit_on_missing_variable() -> Iterator[None]:
    """Stop the process with one line naming a missing variable, instead of a traceback.

    For what starts the app (``manage.py``, gunicorn, workers): a deployment without a
    variable it needs is a configuration mistake, and the message says which variable.
    """
    try:
        yield
    except MissingVariableError as error:
        sys.exit(f"ImproperlyConfigured: {error}")
