"""Conventions the project's source keeps: where queries, writes, secrets and SQL live.

These read the code (its syntax trees) rather than run it: a service, view, model method or
validator written later is checked without anyone listing it. What ruff already reports is
left to it: secrets assigned to a name that says so (S105, S106) and SQL statements built
from values (S608).
"""

import ast
import bisect
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.core import checks
from django.db import models

from common.checks.base import (
    Rule,
    at,
    call_name,
    class_node,
    dotted,
    is_project_code,
    module_of,
    parse,
    project_models,
    serializer_classes,
    source,
    source_files,
)

SERVICE_ARGUMENTS = Rule(
    "E031",
    "services take plain values as keyword-only arguments, never the request",
    "Put `*` first in the parameters (`def order_create(*, user: User, ...)`) and pass what "
    "the service needs from the request (request.user, validated data), not the request.",
)
SERVICE_ATOMIC = Rule(
    "E032",
    "services that write run in transaction.atomic",
    "Decorate the service with @transaction.atomic (or write inside `with "
    "transaction.atomic():`), so its writes commit or roll back together.",
)
VIEW_QUERIES = Rule(
    "E033",
    "views build no queries: queries live in selectors, writes in services",
    "Move the query to a function of the app's selectors.py (a write to services.py) and call "
    "it from the view.",
)
MODEL_METHOD_LOGIC = Rule(
    "E034",
    "model methods hold no business logic: no queries, writes, mail or tasks",
    "Move the query to a selector and the write, mail or task to a service taking the object; "
    "keep methods to what the row itself knows.",
)
VALIDATOR_WRITES = Rule(
    "E035",
    "serializer validate methods do not write",
    "Only check the value in validate_*; write in the service the view calls with the "
    "validated data.",
)
SECRET = Rule(
    "E036",
    "secrets come from the environment, never the source",
    'Read it with env("NAME") and no default (production refuses to start without it); put '
    "the development value in .env.example's comments or .env.",
)
URLS_LOGIC = Rule(
    "E037",
    "urls.py modules hold no logic, only URL patterns",
    "Move the function or class to the app's views.py (or a helper module) and import it.",
)
SQL = Rule(
    "E038",
    "SQL is never built from values",
    "Pass the values as query parameters: raw(sql, [value]), execute(sql, [value]), "
    "RawSQL(sql, [value]), extra(where=[...], params=[...]).",
)

WRITE_CALLS = {
    "save",
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
    "hard_delete",
}
# Queryset methods that build or run a query. ``none()`` is not one: it never queries.
QUERY_CALLS = WRITE_CALLS | {
    "all",
    "filter",
    "exclude",
    "get",
    "annotate",
    "aggregate",
    "select_related",
    "prefetch_related",
    "order_by",
    "values",
    "values_list",
    "only",
    "defer",
    "raw",
    "extra",
    "count",
    "exists",
    "first",
    "last",
    "in_bulk",
    "iterator",
}
SHORTCUT_QUERIES = {"get_object_or_404", "get_list_or_404"}
MANAGERS = {"objects", "all_objects", "_default_manager", "_base_manager"}
# What a model method or a validator leaves to services: mail, tasks and transactions.
SIDE_EFFECT_CALLS = {"delay", "apply_async", "send_mail", "send_mass_mail", "atomic"}

# The names ruff's S105 and S106 take for secrets; ruff reports a string assigned to them.
RUFF_SECRET_NAME = re.compile(r"(^|_)(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)($|_)", re.I)
# Those, and API keys: a value given to one of them is a secret.
SECRET_NAME = re.compile(
    r"(^|_)(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?|api_?key)($|_)",
    re.IGNORECASE,
)
# What a line naming a secret says somewhere (more than SECRET_NAME matches).
SECRET_WORD = re.compile(r"pas+wo?r?d|passphrase|\bpass_|_pass\b|pwd|token|secret|api_?key", re.I)
# Cloud, payment and GitHub keys, private keys, and a password inside a URL (user:pw@host).
SECRET_VALUE = re.compile(
    r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|\b[rs]k_(live|test)_|ghp_\w{20}"
    r"|://[^/\s:@]*:[^/\s@]+@",
)

SQL_CALLS = {"raw", "extra", "execute", "executemany", "RawSQL"}
SQL_KEYWORDS = {"sql", "where", "select", "tables", "order_by"}
SQL_CALL_TEXT = re.compile(rf"\b({'|'.join(SQL_CALLS)})\(")
# The statements ruff's S608 recognises in a string built from values (it reports those).
RUFF_SQL_STATEMENT = re.compile(
    r"\b(select\s+.*\s+from\s|delete\s+from\s|(insert|replace)\s+.*\s+values\s|update\s+.*\s+set\s)",
    re.IGNORECASE | re.DOTALL,
)


def chain(node: ast.AST) -> Iterator[ast.AST]:
    """Yield the receivers of a call chain: ``a.b().c`` gives ``a.b()``, ``a.b``, ``a``."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
        yield node


@cache
def managers() -> frozenset[str]:
    """Return ``MANAGERS`` and the names of the project models' related managers.

    ``request.user.orders.filter()`` and ``self.items.all()`` query as much as
    ``Order.objects.filter()``: the app registry names every reverse and many-to-many
    accessor, the project's own and those third-party models add to its models.
    """
    names = set(MANAGERS)
    for model in project_models():
        names.update(f.name for f in model._meta.many_to_many)
        names.update(
            relation.get_accessor_name()
            for relation in model._meta.related_objects
            if relation.one_to_many or relation.many_to_many
        )
    return frozenset(names)


def on_manager(call: ast.Call, names: set[str]) -> bool:
    """Tell whether ``call`` is one of ``names`` on a manager: ``Model.objects....name()``."""
    return call_name(call) in names and any(
        isinstance(link, ast.Attribute) and link.attr in managers() for link in chain(call.func)
    )


def methods(node: ast.ClassDef) -> list[ast.FunctionDef]:
    """Return the methods a class statement defines."""
    return [item for item in node.body if isinstance(item, ast.FunctionDef)]


def code(node: ast.AST, width: int = 60) -> str:
    """Quote a node's source, cut to ``width`` characters."""
    text = ast.unparse(node)
    return text if len(text) <= width else text[: width - 3] + "..."


# SERVICES
# ------------------------------------------------------------------------------


def services(files: list[Path]) -> Iterator[tuple[Path, ast.FunctionDef]]:
    """Yield every public function of every ``*services.py`` (or ``services/`` package)."""
    for path in files:
        if path.name.endswith("services.py") or path.parent.name == "services":
            for node in parse(path).body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    yield path, node


def is_atomic(function: ast.FunctionDef) -> bool:
    """Tell whether a function runs in ``transaction.atomic`` (decorated or in a block)."""
    decorators = [ast.unparse(d) for d in function.decorator_list]
    blocks = [
        ast.unparse(item.context_expr)
        for node in ast.walk(function)
        if isinstance(node, ast.With)
        for item in node.items
    ]
    return any("atomic" in text for text in decorators + blocks)


def service_writes(
    function: ast.FunctionDef,
    helpers: dict[str, ast.FunctionDef],
) -> list[ast.Call]:
    """Return the writes ``function`` makes, itself or through the module's functions it calls.

    A helper that is atomic itself is left out: its writes commit or roll back together.
    """
    found, pending, seen = [], [function], {function.name}
    while pending:
        for node in ast.walk(pending.pop()):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_CALLS:
                found.append(node)
            helper = helpers.get(call_name(node)) if isinstance(node.func, ast.Name) else None
            if helper is not None and helper.name not in seen and not is_atomic(helper):
                seen.add(helper.name)
                pending.append(helper)
    return found


def check_services(files: list[Path]) -> list[checks.CheckMessage]:
    """Check the services' signatures and transactions."""
    messages: list[checks.CheckMessage] = []
    for path, function in services(files):
        place = f"{at(path, function)} {module_of(path)}.{function.name}"
        arguments = function.args
        if arguments.posonlyargs or arguments.args or arguments.vararg:
            messages += SERVICE_ARGUMENTS(place, f"{function.name} takes positional arguments")
        for argument in [*arguments.kwonlyargs, *arguments.args]:
            annotation = ast.unparse(argument.annotation) if argument.annotation else ""
            if argument.arg == "request" or "Request" in annotation:
                messages += SERVICE_ARGUMENTS(
                    place, f"{function.name} takes a request ({argument.arg})"
                )
        helpers = {
            node.name: node for node in parse(path).body if isinstance(node, ast.FunctionDef)
        }
        writes = service_writes(function, helpers)
        if writes and not is_atomic(function):
            messages += SERVICE_ATOMIC(
                place,
                f"{function.name} writes ({at(path, writes[0])} {code(writes[0])}) "
                "outside transaction.atomic",
            )
    return messages


# VIEWS, MODELS, SERIALIZERS, URLS
# ------------------------------------------------------------------------------


def check_views(files: list[Path]) -> list[checks.CheckMessage]:
    """Check that the views modules call selectors and services rather than managers."""
    messages: list[checks.CheckMessage] = []
    for path in files:
        if not path.name.endswith("views.py"):
            continue
        found: dict[str, ast.Call] = {}
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Call) and (
                on_manager(node, QUERY_CALLS) or call_name(node) in SHORTCUT_QUERIES
            ):
                # The outermost call of a chain comes first: one message per line.
                found.setdefault(at(path, node), node)
        for place, node in found.items():
            messages += VIEW_QUERIES(place, f"the view queries: {code(node, 80)}")
    return messages


def check_model_methods() -> list[checks.CheckMessage]:
    """Check that the methods of the project's models (and their bases) stay on the row."""
    classes = {
        cls
        for model in project_models()
        for cls in model.__mro__
        if is_project_code(cls) and issubclass(cls, models.Model)
    }
    messages: list[checks.CheckMessage] = []
    for cls in sorted(classes, key=dotted):
        path, node = class_node(cls)
        for method in methods(node):
            for call in ast.walk(method):
                if isinstance(call, ast.Call) and (
                    on_manager(call, QUERY_CALLS) or call_name(call) in SIDE_EFFECT_CALLS
                ):
                    messages += MODEL_METHOD_LOGIC(
                        f"{at(path, call)} {dotted(cls)}.{method.name}",
                        f"{method.name} calls {code(call)}",
                    )
    return messages


def check_validators(files: list[Path]) -> list[checks.CheckMessage]:
    """Check that the serializers' ``validate`` and ``validate_<field>`` methods only read."""
    messages: list[checks.CheckMessage] = []
    for serializer in serializer_classes():
        path, node = class_node(serializer)
        for method in methods(node):
            if method.name != "validate" and not method.name.startswith("validate_"):
                continue
            for call in ast.walk(method):
                if isinstance(call, ast.Call) and (
                    on_manager(call, WRITE_CALLS) or call_name(call) in {"save", *SIDE_EFFECT_CALLS}
                ):
                    messages += VALIDATOR_WRITES(
                        f"{at(path, call)} {dotted(serializer)}.{method.name}",
                        f"{method.name} calls {code(call)}",
                    )
    return messages


def check_urls_modules(files: list[Path]) -> list[checks.CheckMessage]:
    """Check that ``urls.py`` modules define no function, class or lambda."""
    kinds = {
        ast.FunctionDef: "function",
        ast.AsyncFunctionDef: "function",
        ast.ClassDef: "class",
        ast.Lambda: "lambda",
    }
    messages: list[checks.CheckMessage] = []
    for path in files:
        if not path.name.endswith("urls.py"):
            continue
        for node in ast.walk(parse(path)):
            kind = kinds.get(type(node))
            if kind:
                name = getattr(node, "name", "")
                messages += URLS_LOGIC(
                    at(path, node), f"{module_of(path)} defines a {kind} {name}".rstrip()
                )
    return messages


# SECRETS
# ------------------------------------------------------------------------------


def key(target: ast.AST) -> str:
    """Name what is assigned to: ``NAME``, ``obj.NAME``, ``mapping["NAME"]``."""
    if isinstance(target, ast.Subscript):
        index = target.slice
        return (
            index.value if isinstance(index, ast.Constant) and isinstance(index.value, str) else ""
        )
    return getattr(target, "id", getattr(target, "attr", ""))


def spanning(tree: ast.AST, lines: list[int]) -> Iterator[ast.AST]:
    """Yield the nodes of a tree whose source spans one of ``lines`` (sorted)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            start = getattr(child, "lineno", None)
            end = getattr(child, "end_lineno", None) or start
            index = bisect.bisect_left(lines, start) if start else 0
            if start is None or (index < len(lines) and lines[index] <= end):
                pending.append(child)


def assigned_values(
    tree: ast.Module,
    lines: list[int],
) -> Iterator[tuple[str, ast.AST, ast.AST, bool]]:
    """Yield (name, node, value, ruff reads the name) for every value given a name.

    The names are those of variables, attributes, items, keyword arguments, and the
    upper-case keys of dict literals (settings' ``{"PASSWORD": ...}``; lower-case keys are
    data, such as error messages). Ruff reads the names of all but the dict keys. Only the
    statements spanning ``lines`` are read.
    """
    for node in spanning(tree, lines):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                yield key(target), node, node.value, True
        elif isinstance(node, ast.keyword) and node.arg:
            yield node.arg, node.value, node.value, True
        elif isinstance(node, ast.Dict):
            for name, value in zip(node.keys, node.values, strict=True):
                if isinstance(name, ast.Constant) and str(name.value).isupper():
                    yield name.value, value, value, False


def literal(node: ast.AST) -> tuple[ast.AST, bool]:
    """Return the string literal a value is, or the literal default of ``env(..., default=)``.

    The flag says whether the literal is the value itself (what ruff reads), not a default.
    """
    if isinstance(node, ast.Call):
        defaults = [k.value for k in node.keywords if k.arg == "default"]
        return (defaults[0], False) if defaults else (node, False)
    return node, True


def check_secrets(files: list[Path]) -> list[checks.CheckMessage]:
    """Check the source for secrets ruff cannot see: key-shaped values, defaults, dict keys."""
    messages: list[checks.CheckMessage] = []
    for path in files:
        # Only lines that name a secret or hold a key need their syntax read.
        lines = [
            number
            for number, line in enumerate(source(path).splitlines(), start=1)
            if SECRET_WORD.search(line) or SECRET_VALUE.search(line)
        ]
        if not lines:
            continue
        # A default is reported once, under the name the call is assigned to.
        seen: set[ast.AST] = set()
        for name, node, value, named_for_ruff in assigned_values(parse(path), lines):
            string, is_value = literal(value)
            if string in seen or not isinstance(string, ast.Constant):
                continue
            seen.add(string)
            text = string.value if isinstance(string.value, str) else ""
            if not text or (named_for_ruff and is_value and RUFF_SECRET_NAME.search(name)):
                continue
            if SECRET_VALUE.search(text):
                problem = f"{name or 'a string'} holds a key or a password written in the source"
            elif SECRET_NAME.search(name):
                problem = f"{name} {'is set' if is_value else 'defaults'} to a string literal"
            else:
                continue
            messages += SECRET(at(path, node), problem)
    return messages


# SQL
# ------------------------------------------------------------------------------


def formatted(node: ast.AST | None) -> bool:
    """Tell whether an expression builds a string from values (f-string, %, +, format)."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True
    if isinstance(node, ast.Call) and call_name(node) == "format":
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(formatted(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return any(formatted(value) for value in node.values)
    return False


def for_ruff(node: ast.AST) -> bool:
    """Tell whether ruff's S608 reports this built string: it reads as a whole statement."""
    return bool(RUFF_SQL_STATEMENT.search(ast.unparse(node)))


def scope_nodes(scope: ast.AST) -> list[ast.AST]:
    """Return the nodes of a module or function, but not those of the functions inside it."""
    found, pending = [], list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return found


def formatted_names(nodes: list[ast.AST]) -> set[str]:
    """Return the names given a built string ruff does not report: ``sql += ...`` and others."""
    names = set()
    for node in nodes:
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and formatted(node.value)
            and not for_ruff(node.value)
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
        elif (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and not for_ruff(node.value)
        ):
            names.add(node.target.id)
    return names


def check_sql(files: list[Path]) -> list[checks.CheckMessage]:
    """Check that the SQL given to raw, extra, execute and RawSQL is never built from values.

    Ruff's S608 reports a string built from values that reads as a statement (``SELECT ...
    FROM``), wherever it is; this reports the rest: fragments (``extra(where=...)``,
    ``RawSQL("price > " + x)``) and statements grown piece by piece (``sql += ...``).
    """
    messages: list[checks.CheckMessage] = []
    for path in files:
        # Most modules run no SQL: reading their text spares walking their trees.
        if not SQL_CALL_TEXT.search(source(path)):
            continue
        tree = parse(path)
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for scope in (tree, *functions):
            nodes = scope_nodes(scope)
            names = formatted_names(nodes)
            for node in nodes:
                if not (isinstance(node, ast.Call) and call_name(node) in SQL_CALLS):
                    continue
                sql = node.args[:1] + [k.value for k in node.keywords if k.arg in SQL_KEYWORDS]
                if any(
                    (formatted(argument) and not for_ruff(argument))
                    or (isinstance(argument, ast.Name) and argument.id in names)
                    for argument in sql
                ):
                    messages += SQL(
                        at(path, node), f"the SQL is built from values: {code(node, 80)}"
                    )
    return messages


@checks.register("conventions")
def check_code(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check the project's source against the conventions on where things live."""
    files = source_files()
    return [
        *check_services(files),
        *check_views(files),
        *check_model_methods(),
        *check_validators(files),
        *check_urls_modules(files),
        *check_secrets(files),
        *check_sql(files),
    ]
