"""The environment reader shared by every settings module.

Values that change between deployments (secrets, URLs, hosts) come from the process
environment. A local ``.env`` file, when present, fills in what the environment does not
set; it never overrides a variable that is already set.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def required(name: str) -> str:
    """Return the variable's value; refuse to start when it is unset or empty."""
    value = env.str(name, default="").strip()
    if not value:
        message = f"Set the {name} environment variable (it is unset or empty)."
        raise ImproperlyConfigured(message)
    return value
