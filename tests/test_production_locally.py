"""The README's way to try the production settings locally works, with gunicorn from .venv."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import project_env, render_project

SECTION = "### Trying the production settings locally"


def _readme_commands(project: Path) -> str:
    """Return the shell block of the README's section, with .venv/bin/ as this environment."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    block = re.search(re.escape(SECTION) + r".*?```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None, f"README has no {SECTION!r} section with a sh block"
    return block.group(1).replace(".venv/bin/", f"{Path(sys.executable).parent}/")


def test_readme_runs_the_production_settings_with_gunicorn(tmp_path: Path) -> None:
    """gunicorn is locked for development; the README's commands migrate, collect and serve.

    The last command runs with --check-config: gunicorn loads the app with the production
    settings and its configuration, then exits.
    """
    project = render_project(tmp_path / "project")
    development = (project / "requirements" / "development.lock").read_text()
    production = (project / "requirements" / "production.lock").read_text()
    pin = re.search(r"^gunicorn==\S+", production, re.MULTILINE)
    assert pin is not None
    assert re.search(rf"^{re.escape(pin.group())} ", development, re.MULTILINE)
    commands = _readme_commands(project)
    assert commands.rstrip().endswith("--config config/gunicorn.py")
    script = "set -eu\n" + commands.rstrip() + " --check-config\n"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=project,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (project / "db-production.sqlite3").is_file()
    subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
    ignored = subprocess.run(
        ["git", "check-ignore", "db-production.sqlite3", "staticfiles/"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    # The local try's database and static files stay out of commits.
    assert ignored.stdout.split() == ["db-production.sqlite3", "staticfiles/"], ignored
