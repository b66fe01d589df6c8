"""``startapp NAME``: an app under ``apps/`` that already follows the project's conventions.

Django's own command, given the project's app template (``templates/startapp/``) and
``apps/NAME`` as its directory: a model on ``BaseModel``, services, selectors, read and
write serializers, a filter set, a viewset, URLs, an admin that saves through the services,
a factory and tests. The app is then added to ``LOCAL_APPS`` and its URLs to the API's
list, each by one line inserted at the end of the list, found by parsing the file; where
that list is not a plain one, the command prints the line to add instead. With
``--template`` or a directory, it is Django's ``startapp``, unchanged.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.startapp import Command as DjangoStartApp

APP_TEMPLATE = Path(settings.BASE_DIR) / "templates" / "startapp"
# Where the app is registered and routed: (file, list variable, line to add).
REGISTRATIONS = (
    ("config/settings/base.py", "LOCAL_APPS", '"apps.{name}",'),
    ("config/urls.py", "api_v1", 'path("", include("apps.{name}.urls")),'),
)
# Names the template's code uses for its own variables: a model of that name would clash.
TAKEN = frozenset({"name", "owner", "created", "changed", "serializer", "request", "router"})


def singular(name: str) -> str:
    """Return the model's snake_case name for an app's plural name ("invoices" -> "invoice")."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def insert_into_list(source: str, variable: str, line: str) -> str | None:
    """Return ``source`` with ``line`` as the last item of the list ``variable = [...]``.

    None when the list is not a plain multi-line list at module level: the caller then
    asks the user to add the line.
    """
    for node in ast.parse(source).body:
        targets = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if variable not in targets or not isinstance(node.value, ast.List):
            continue
        lines = source.splitlines(keepends=True)
        closing = node.value.end_lineno - 1
        if node.value.lineno - 1 == closing or lines[closing].strip() != "]":
            return None
        lines.insert(closing, f"    {line}\n")
        return "".join(lines)
    return None


class Command(DjangoStartApp):
    """Django's ``startapp``, writing the project's app template into ``apps/NAME``."""

    help = (
        "Create an app in apps/NAME from the project's app template, registered in "
        "LOCAL_APPS and routed under /api/v1/. With --template or a directory: Django's own."
    )

    def handle(self, **options: Any) -> None:
        """Write the app, register and route it, and say what is left to do."""
        if options.get("template") or options.get("directory"):
            super().handle(**options)
            return
        name = options["name"]
        model_snake = singular(name or "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name or "") or model_snake in TAKEN:
            message = f"'{name}' cannot name an app here: use lowercase letters, digits and _"
            raise CommandError(message + (f" (not '{model_snake}')" if name else ""))
        root = Path(settings.BASE_DIR)
        target = root / "apps" / name
        if target.exists():
            message = f"apps/{name} already exists."
            raise CommandError(message)
        model_name = "".join(part.capitalize() for part in model_snake.split("_"))
        options.update(
            template=str(APP_TEMPLATE),
            directory=str(target),
            model_name=model_name,
            model_snake=model_snake,
            model_lower=model_name.lower(),
            model_verbose=model_snake.replace("_", " "),
            url_prefix=name.replace("_", "-"),
            url_name=model_snake.replace("_", "-"),
        )
        target.mkdir()
        try:
            super().handle(**options)
        except BaseException:
            if not any(target.iterdir()):
                target.rmdir()
            raise
        self._format(target)
        for relative, variable, line in REGISTRATIONS:
            self._register(root / relative, variable, line.format(name=name))
        self.stdout.write(
            f"Created apps/{name}. Next: python manage.py makemigrations {name} --name initial"
            " && python manage.py migrate && python -m pytest",
        )

    def _register(self, path: Path, variable: str, line: str) -> None:
        """Add ``line`` to the list ``variable`` of ``path``, or say to add it by hand."""
        source = path.read_text(encoding="utf-8")
        if line in source:
            return
        changed = insert_into_list(source, variable, line)
        relative = path.relative_to(settings.BASE_DIR)
        if changed is None:
            self.stdout.write(f"Add this line to {variable} in {relative}:\n    {line}")
            return
        path.write_text(changed, encoding="utf-8")
        self.stdout.write(f"Added {line} to {variable} in {relative}.")

    def _format(self, target: Path) -> None:
        """Let the project's ruff format the new app, as long names may need wrapping."""
        for command in (["check", "--fix", "--quiet"], ["format", "--quiet"]):
            subprocess.run(  # noqa: S603 - the running Python, a fixed module, a path we made
                [sys.executable, "-m", "ruff", *command, str(target)],
                check=False,
                capture_output=True,
            )
