"""Print what needs attention after `copier update`.

Runs as the last "after" migration of every update, in the project. It compares the
working tree with the last commit (the project is clean before an update) and lists:
files with conflict markers and `.rej` files; apps whose migration files no longer form
one line (the release's migration beside the user's own: Django refuses to migrate until
a merge migration joins them); options switched on or off, with the apps and tables the
switch adds or leaves behind; conformance tests the release changed, which now judge the
user's own code; variables new in `.env.example` (set or commented out) and those `.env`
lacks; new migrations; a new Python or Django series (the answers ``python_version``
and ``django_version``); changed requirements and locks; and copies in `.copier-kept/`,
also those whose file an option has brought back. With the project's `.venv`, it also
runs `manage.py check`. Each item says what to do, with the command. It never fails the
update.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

KEPT_DIR = ".copier-kept"  # where keep_removed_edits.py puts removed files
ANSWERS_FILE = ".copier-answers.yml"
CONFLICT_MARKER = re.compile(rb"^(<<<<<<<|>>>>>>>)( |$)", re.MULTILINE)
ENV_NAME = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)
ENV_NAME_ANY = re.compile(r"^[\s#]*(?:export\s+)?([A-Z_][A-Z0-9_]*)=", re.MULTILINE)
MIGRATION = re.compile(r"(^|/)migrations/\d{4}_\w+\.py$")
REQUIREMENTS = re.compile(r"^(requirements/.*\.(txt|lock)|pyproject\.toml)$")
# The generated tests that inspect every app, the user's too: a rule new in a release can
# fail on code written before it.
CONFORMANCE = (
    "common/tests/test_api_contract.py",  # every endpoint, against its schema
    "common/checks/",  # the conventions' system checks: models, views, services, admin
    "common/tests/test_throttling.py",  # every throttle in use
)
# A message of `manage.py check`: "<object>: (<id>) <text>", the id like "security.W004".
CHECK_MESSAGE = re.compile(r"^.+?: \([\w.]+\.[A-Z]\d+\) ")
CHECK_TIMEOUT = 120  # seconds for `manage.py check`


@dataclass(frozen=True)
class OptionApp:
    """A Django app with tables that an answer installs, and what leaving it means."""

    label: str
    tables: tuple[str, ...]  # in an order that DROP TABLE accepts
    left_behind: str


# For each option, the app with tables that each answer installs (None: no app).
OPTION_APPS: dict[str, dict[bool, OptionApp | None]] = {
    "use_jwt": {
        True: OptionApp(
            "token_blacklist",
            ("token_blacklist_blacklistedtoken", "token_blacklist_outstandingtoken"),
            "refresh tokens already issued no longer work: clients log in again",
        ),
        False: OptionApp(
            "authtoken",
            ("authtoken_token",),
            "DRF tokens already issued no longer work: clients log in again for a JWT",
        ),
    },
    "include_example_app": {
        True: OptionApp(
            "orders",
            ("orders_orderitem", "orders_order", "orders_product"),
            "the orders, their items and the products stay in the database",
        ),
        False: None,
    },
}
# The answers that change what the project runs on: (answer, what it is called).
RUNTIME_ANSWERS = (("python_version", "Python"), ("django_version", "Django"))


@dataclass
class Report:
    """What an update left for the user to do."""

    conflicts: list[str] = field(default_factory=list)
    migration_leaves: dict[str, list[str]] = field(default_factory=dict)
    switched: dict[str, bool] = field(default_factory=dict)  # option: its new answer
    conformance: list[str] = field(default_factory=list)
    new_env: list[str] = field(default_factory=list)
    missing_env: list[str] = field(default_factory=list)
    no_env_file: bool = False
    migrations: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # kept copies whose file is back
    checks: list[str] = field(default_factory=list)
    runtime: list[tuple[str, str, str]] = field(default_factory=list)  # (what, from, to)


def env_names(text: str) -> list[str]:
    """Return the variable names set (not commented out) in an env file's ``text``."""
    return list(dict.fromkeys(ENV_NAME.findall(text)))


def missing_env(example: str, env: str) -> list[str]:
    """Return the names ``example`` sets that ``env`` does not."""
    present = set(env_names(env))
    return [name for name in env_names(example) if name not in present]


def new_env(old_example: str, example: str) -> list[str]:
    """Return the names ``example`` sets or shows commented out that ``old_example`` lacks."""
    known = set(ENV_NAME_ANY.findall(old_example))
    return [name for name in dict.fromkeys(ENV_NAME_ANY.findall(example)) if name not in known]


def migration_edges(source: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the (app, name) pairs a migration's ``source`` depends on and replaces."""
    found: dict[str, list[tuple[str, str]]] = {"dependencies": [], "replaces": []}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in found:
                    found[target.id] += [
                        (item.elts[0].value, item.elts[1].value)
                        for item in node.value.elts
                        if isinstance(item, ast.Tuple)
                        and len(item.elts) == 2  # noqa: PLR2004 (app and name)
                        and all(isinstance(part, ast.Constant) for part in item.elts)
                    ]
    return found["dependencies"], found["replaces"]


def migration_leaves(root: Path) -> dict[str, list[str]]:
    """Return each app whose migrations on disk end in more than one leaf, with the leaves.

    Django's graph check ("Conflicting migrations detected") done on the files alone, so it
    needs neither the project's virtualenv nor its database. It reads the files git tracks
    or would track (not ``.venv``), and takes the name of the folder that holds
    ``migrations/`` as the app's label, as Django's default AppConfig does.
    """
    listed = _git_paths(root, "ls-files", "--cached", "--others", "--exclude-standard")
    # app folder: {migration: names it depends on}, {replaced migration: its squashed one}
    apps: dict[str, tuple[dict[str, set[str]], dict[str, str]]] = {}
    for relative in listed:
        if not MIGRATION.search(relative) or not (root / relative).is_file():
            continue
        path = PurePosixPath(relative)
        app = path.parent.parent
        try:
            dependencies, replaces = migration_edges((root / relative).read_text("utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue  # a file with conflict markers: listed as a conflict already
        depends, squashed = apps.setdefault(str(app), ({}, {}))
        depends[path.stem] = {name for label, name in dependencies if label == app.name}
        squashed.update({name: path.stem for label, name in replaces if label == app.name})
    leaves = {}
    for app, (depends, squashed) in sorted(apps.items()):
        # As Django does: a squashed migration stands for those it replaces.
        depended = set(squashed).union(*depends.values())
        depended |= {squashed[name] for name in depended if name in squashed}
        if len(found := sorted(set(depends) - depended)) > 1:
            leaves[app] = found
    return leaves


def switched_options(old: dict[str, object], new: dict[str, object]) -> dict[str, bool]:
    """Return the options with tables whose answer the update changed, and the new answer."""
    return {
        option: bool(new[option])
        for option in OPTION_APPS
        if option in old and option in new and bool(old[option]) != bool(new[option])
    }


def system_check(root: Path) -> list[str]:
    """Return the messages of ``manage.py check`` run with the project's virtualenv.

    Empty when the project has no ``.venv``. Rules new in a release may warn about code
    the user wrote before it.
    """
    python = root / ".venv/bin/python"
    if not python.is_file() or not (root / "manage.py").is_file():
        return []
    try:
        result = subprocess.run(
            [str(python), "manage.py", "check"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [f"`manage.py check` took more than {CHECK_TIMEOUT} s"]
    output = f"{result.stdout}\n{result.stderr}".splitlines()
    messages = [line.strip() for line in output if CHECK_MESSAGE.match(line.strip())]
    if result.returncode and not messages:
        messages = [line.strip() for line in output if line.strip()][-1:]
    return messages


def _committed(root: Path, relative: str) -> str:
    """Return ``relative`` as the last commit has it, or "" when it has none."""
    result = subprocess.run(
        ["git", "show", f"HEAD:./{relative}"], cwd=root, capture_output=True, check=False
    )
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else ""


def _answers(text: str) -> dict[str, object]:
    try:
        answers = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return answers if isinstance(answers, dict) else {}


def has_conflict(relative: str, content: bytes) -> bool:
    """Tell whether a file is a rejected hunk or holds conflict markers."""
    return relative.endswith(".rej") or bool(CONFLICT_MARKER.search(content))


def _git_paths(root: Path, *args: str) -> list[str]:
    output = subprocess.run(["git", *args, "-z"], cwd=root, capture_output=True, check=True).stdout
    return [path for path in output.decode().split("\0") if path]


def changed_paths(root: Path) -> tuple[list[str], list[str]]:
    """Return (files changed since the last commit, files new since it), paths from ``root``."""
    changed = _git_paths(root, "diff", "--relative", "--name-only", "HEAD")
    new = _git_paths(root, "ls-files", "--others", "--exclude-standard")
    rejected = [
        path
        for path in _git_paths(root, "ls-files", "--others", "--ignored", "--exclude-standard")
        if path.endswith(".rej")
    ]
    return sorted(set(changed)), sorted({*new, *rejected})


def runtime_changes(
    before: dict[str, object], after: dict[str, object]
) -> list[tuple[str, str, str]]:
    """Return the Python and Django series changed between two answer sets."""
    changes = [
        (what, str(before.get(name) or ""), str(after.get(name) or ""))
        for name, what in RUNTIME_ANSWERS
    ]
    return [(what, old, new) for what, old, new in changes if old and new and old != new]


def collect(root: Path, answers_file: str = ANSWERS_FILE) -> Report:
    """Inspect the project in ``root`` after an update."""
    changed, new = changed_paths(root)
    report = Report()
    for relative in sorted({*changed, *new}):
        path = root / relative
        if PurePosixPath(relative).parts[0] == KEPT_DIR:
            report.kept.append(relative)
        elif path.is_file() and has_conflict(relative, path.read_bytes()):
            report.conflicts.append(relative)
    for path in sorted((root / KEPT_DIR).rglob("*")):
        original = path.relative_to(root / KEPT_DIR)
        if path.is_file() and (root / original).is_file():
            report.restored.append(original.as_posix())
    report.migration_leaves = migration_leaves(root)
    if (root / answers_file).is_file():
        before = _answers(_committed(root, answers_file))
        after = _answers((root / answers_file).read_text(encoding="utf-8"))
        report.switched = switched_options(before, after)
        report.runtime = runtime_changes(before, after)
    report.conformance = [path for path in sorted({*changed, *new}) if path.startswith(CONFORMANCE)]
    report.migrations = [path for path in new if MIGRATION.search(path)]
    report.requirements = sorted(path for path in {*changed, *new} if REQUIREMENTS.match(path))
    example, env = root / ".env.example", root / ".env"
    if example.is_file():
        report.new_env = new_env(
            _committed(root, ".env.example"), example.read_text(encoding="utf-8")
        )
        if env.is_file():
            report.missing_env = missing_env(
                example.read_text(encoding="utf-8"), env.read_text(encoding="utf-8")
            )
        else:
            report.no_env_file = True
    report.checks = system_check(root)
    return report


def _section(title: str, paths: Sequence[str], action: str) -> list[str]:
    return [title, *(f"    {path}" for path in paths), f"  -> {action}"]


def _switch_lines(option: str, answer: bool) -> list[str]:
    """Say what switching ``option`` to ``answer`` means for the database."""
    lines = [f"- {option} is now {str(answer).lower()}:"]
    added, left = OPTION_APPS[option][answer], OPTION_APPS[option][not answer]
    if added:
        lines.append(f"  -> `python manage.py migrate` creates the tables of {added.label}")
    if left:
        drops = " ".join(f"DROP TABLE {table};" for table in left.tables)
        lines += [
            f"  {left.label} is no longer installed; {left.left_behind}. Its tables stay:",
            f"    {', '.join(left.tables)}",
            "  -> to drop them, run `python manage.py dbshell` and enter",
            # SQL for the user to read; the names come from OPTION_APPS.
            f"       {drops} DELETE FROM django_migrations WHERE app = '{left.label}';",  # noqa: S608
            "     then `python manage.py remove_stale_contenttypes --include-stale-apps`",
            f"     (before a switch: `python manage.py migrate {left.label} zero` does both)",
        ]
    return lines


def _database_lines(report: Report) -> list[str]:
    """Say what the migration graph and switched options ask of the database."""
    lines = []
    if report.migration_leaves:
        lines.append("- migrations that no longer form one line (the release's and yours):")
        lines += [
            f"    {app}: {', '.join(leaves)}" for app, leaves in report.migration_leaves.items()
        ]
        labels = " ".join(PurePosixPath(app).name for app in report.migration_leaves)
        lines.append(
            f"  -> `python manage.py makemigrations --merge {labels}`, commit the merge "
            "migration, then `python manage.py migrate` (docs/updating.md)"
        )
    for option, answer in report.switched.items():
        lines += _switch_lines(option, answer)
    return lines


def _runtime_lines(report: Report) -> list[str]:
    """Say what a new Python or Django series asks of the project."""
    lines = []
    for what, old, new in report.runtime:
        lines.append(f"- the project moves from {what} {old} to {what} {new}")
        if what == "Python":
            lines.append(
                f"  -> rebuild .venv on Python {new}: `rm -rf .venv && python{new} -m venv .venv`,"
                " then install the lock as below"
            )
        else:
            lines.append(
                f"  -> read Django {new}'s release notes (deprecations your code may use), then"
                " `python manage.py migrate` and `python manage.py check --deploy`"
            )
    return lines


def render(report: Report) -> str:
    """Return the notice for ``report``."""
    lines = ["copier-drf: after this update"]
    if report.conflicts:
        lines += _section(
            "- conflicts to resolve (markers or .rej files):",
            report.conflicts,
            "edit each file to the version you want (delete the markers and .rej files), "
            "then `git add` it",
        )
    lines += _database_lines(report)
    if report.kept:
        lines += _section(
            f"- files the update removed, your versions kept in {KEPT_DIR}/:",
            report.kept,
            "move back what you still need, then delete the folder",
        )
    if report.restored:
        lines += _section(
            f"- files the template renders again, your earlier versions in {KEPT_DIR}/:",
            report.restored,
            f"compare each (`diff -u {KEPT_DIR}/<path> <path>`), carry over what you need, "
            f"then delete {KEPT_DIR}/",
        )
    if report.new_env:
        lines += _section(
            "- variables new in .env.example (a commented-out one has a default):",
            report.new_env,
            "read each in .env.example; set it in .env and in every deployment where its "
            "default does not suit",
        )
    if report.no_env_file:
        lines.append("- there is no .env: `cp .env.example .env`, then set DJANGO_SECRET_KEY")
    elif report.missing_env:
        lines += _section(
            "- variables in .env.example that your .env does not set:",
            report.missing_env,
            "add them to .env (see .env.example for what each one does)",
        )
    if report.migrations:
        lines += _section(
            "- new database migrations:",
            report.migrations,
            "`python manage.py migrate`",
        )
    lines += _runtime_lines(report)
    if report.requirements:
        lines += _section(
            "- changed requirements:",
            report.requirements,
            "`python -m pip install --require-hashes --no-deps -r requirements/development.lock`"
            " then `python -m pip check`",
        )
    if report.conformance:
        lines += _section(
            "- conformance rules this release changed (they test your own apps too):",
            report.conformance,
            "`python manage.py check` and `python -m pytest common/tests`; each message says"
            " what to change in your code",
        )
    if report.checks:
        lines += _section(
            "- `python manage.py check` reports:",
            report.checks,
            "fix each (the message names the rule), or install the requirements first",
        )
    if len(lines) == 1:
        lines.append("- no conflicts, no new variables, migrations or requirements")
    lines.append(
        "Review `git diff`, run `python manage.py check` and the tests "
        "(`python -m pytest`), then commit."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the notice for the project in the current directory (or ``argv[0]``)."""
    args = list(argv or [])
    options = [arg for arg in args if arg.startswith("--answers-file=")]
    paths = [arg for arg in args if arg not in options]
    root = Path(paths[0] if paths else ".").resolve()
    answers_file = options[-1].partition("=")[2] if options else ANSWERS_FILE
    try:
        print(render(collect(root, answers_file)))
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"copier-drf: could not inspect the project after the update: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
