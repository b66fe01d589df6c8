"""The environment reader shared by every settings module.

Values that change between deployments (secrets, URLs, hosts) come from the process
environment. A local ``.env`` file, when present, fills in what the environment does not
set; it never overrides a variable that is already set.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")
