"""Conventions for models and migrations."""

import ast
import re
from pathlib import Path
from typing import Any

from django.core import checks
from django.db import models

from common.checks.base import (
    Rule,
    at,
    class_node,
    dotted,
    is_project_code,
    parse,
    project_apps,
    project_models,
    root,
    source,
    source_files,
    where,
)
from common.models import BaseModel

BASE_MODEL = Rule(
    "E001",
    "models inherit common.models.BaseModel (UUID primary key, timestamps)",
    "Derive the model from BaseModel.",
)
ORDERING = Rule(
    "E002",
    "models have a default ordering",
    "Set Meta.ordering, so pages and lists come in a stable order.",
)
MONEY = Rule(
    "E003",
    "money is a DecimalField, never a FloatField",
    "Use models.DecimalField(max_digits=..., decimal_places=2).",
)
CHOICES = Rule(
    "E004",
    "choices come from a TextChoices (or IntegerChoices) class",
    "Declare `class Status(models.TextChoices)` and pass choices=Status.",
)
CASCADE = Rule(
    "E005",
    "on_delete=CASCADE or DO_NOTHING only with a comment above the field saying why",
    "Use on_delete=models.PROTECT, or write `# CASCADE: <why>` on the line above the field.",
)
STR = Rule(
    "E007",
    "models define __str__ (ruff's DJ008 sees only direct subclasses of models.Model)",
    "Add `def __str__(self) -> str` returning what the admin and logs should show.",
)
MIGRATION_NAME = Rule(
    "E006",
    "migrations have descriptive names",
    "Rename the file (and the dependencies naming it), or create it with "
    "`makemigrations --name add_status_to_order`.",
)

MONEY_NAME = re.compile(
    r"(^|_)(price|amount|cost|total|subtotal|fee|balance|salary|wage|tax|vat|discount|money|"
    r"revenue|payment|charge|refund|credit|debit|budget|income|profit)s?($|_)",
)
RISKY_ON_DELETE = {models.CASCADE: "CASCADE", models.DO_NOTHING: "DO_NOTHING"}
AUTO_MIGRATION_NAME = re.compile(r"^\d{4}_auto_\d{8}_\d{4}$")


def field_place(model: type[models.Model], name: str) -> str:
    """Name a field by the file:line declaring it (in the model or an abstract base)."""
    for cls in model.__mro__:
        if not is_project_code(cls) or not issubclass(cls, models.Model):
            continue
        path, node = class_node(cls)
        for statement in node.body:
            targets = getattr(statement, "targets", [getattr(statement, "target", None)])
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return f"{at(path, statement)} {dotted(cls)}.{name}"
    return f"{dotted(model)}.{name}"


def comments_above(place: str) -> str:
    """Return the comment lines right above the ``file:line`` a place starts with."""
    path, _, rest = place.partition(":")
    lines = source(root() / path).splitlines()
    number, above = int(rest.split()[0]) - 2, []
    while number >= 0 and lines[number].strip().startswith("#"):
        above.append(lines[number])
        number -= 1
    return " ".join(above)


def choices_classes() -> list[list[Any]]:
    """Return the choices of every Choices enum defined anywhere."""
    found, pending = [], [models.Choices]
    while pending:
        subclasses = pending.pop().__subclasses__()
        found += [list(cls.choices) for cls in subclasses]
        pending += subclasses
    return found


@checks.register(checks.Tags.models)
def check_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check every model of the project's apps against the model conventions."""
    messages: list[checks.CheckMessage] = []
    known_choices = choices_classes()
    for model in project_models():
        if not issubclass(model, BaseModel):
            messages += BASE_MODEL(where(model), f"{model._meta.label} has its own primary key")
        if model.__str__ is models.Model.__str__:
            messages += STR(where(model), f"{model._meta.label} has no __str__")
        if not model._meta.ordering:
            messages += ORDERING(where(model), f"{model._meta.label} has no Meta.ordering")
        for model_field in model._meta.fields:
            name = model_field.name
            if isinstance(model_field, models.FloatField) and MONEY_NAME.search(name):
                messages += MONEY(field_place(model, name), f"{name} is a FloatField")
            if model_field.choices and list(model_field.choices) not in known_choices:
                messages += CHOICES(field_place(model, name), f"{name} lists its choices")
            choice = RISKY_ON_DELETE.get(getattr(model_field.remote_field, "on_delete", None))
            if choice and not model_field.remote_field.parent_link:
                place = field_place(model, name)
                if ":" in place and choice not in comments_above(place):
                    messages += CASCADE(place, f"{name} has on_delete={choice} and no reason")
    reported = {str(message.obj).split()[0] for message in messages}
    return messages + [
        message for message in literal_choices() if str(message.obj).split()[0] not in reported
    ]


def literal_choices() -> list[checks.CheckMessage]:
    """Find choices written out in a models module, even where an enum has the same."""
    return [
        message
        for path in source_files()
        if path.name == "models.py" or path.parent.name == "models"
        for node in ast.walk(parse(path))
        if isinstance(node, ast.keyword)
        and node.arg == "choices"
        and isinstance(node.value, ast.List | ast.Tuple | ast.Dict | ast.ListComp)
        for message in CHOICES(at(path, node.value), "choices written out in the field")
    ]


@checks.register(checks.Tags.models)
def check_migrations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that the project's migrations are named after what they do."""
    messages: list[checks.CheckMessage] = []
    for app in project_apps():
        for path in sorted(Path(app.path, "migrations").glob("*.py")):
            if AUTO_MIGRATION_NAME.match(path.stem):
                place = f"{path.relative_to(root())}:1"
                messages += MIGRATION_NAME(place, f"{path.name} has Django's automatic name")
    return messages
