"""Mutation score of the generated test suite (a benchmark, not a CI gate).

Renders the default project (or copies one given with --project), installs its
development lock into a virtual environment, installs cosmic-ray and mutates, one file at a
time, every hand-written module under ``apps/``, ``common/`` and ``config/`` (tests and
migrations aside). Each mutant is tested against the tests that run its line, read from one
run of the suite under coverage with a context per test (``--cov-context=test``). A line
that only runs on import (a setting, a field, a decorator) is tested against the modules
mapped to its file below, with coverage off.

Usage: python bench/mutation.py [--project DIR] [--keep DIR] [--data key=value ...]
                                [--only PATTERN,...] [--list] [--cosmic-ray VENV]
Prints killed / survived / timeout per file and in total, then every survivor as
file:line with the original and the mutated line. ``--list`` prints the files and the
tests each would run, and mutates nothing.

Why cosmic-ray: mutmut 3 leaves decorated functions alone, and every service here is
decorated with ``@transaction.atomic``; mutmut 2 counts a test run that errors (exit code
2) as a survivor and lost track of its own mutated file under load. Its binary-operator
mutants are left out: in these files the only binary operators are ``X | None`` in
annotations and the ``*`` that makes arguments keyword-only.
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
COSMIC_RAY = "cosmic-ray==8.7.0"
# Only the plugins the targeted tests use: loading schemathesis and hypothesis for every
# mutant would triple the run time.
PYTEST = [
    ".venv/bin/python",
    "-m",
    "pytest",
    "-x",
    "-q",
    "-p",
    "pytest_django.plugin",
    "-p",
    "pytest_cov.plugin",
    "-p",
    "no:cacheprovider",
    "--no-cov",
]
# The contract test needs its plugins: schemathesis for its cases, hypothesis for its profiles.
CONTRACT_TEST = "common/tests/test_api_contract.py"
CONTRACT_PLUGINS = ["-p", "schemathesis", "-p", "hypothesis"]
# The mutated files are every hand-written module the project ships under apps/, common/ and
# config/ (tests and migrations aside). Each mutant runs only the tests meant to catch it:
# the file's own test module (``<package>/tests/test_<name>.py``), the app's API tests for a
# module of an app, the settings tests for config/, and the modules below where the
# behaviour is tested elsewhere. Missing modules (a test of an option that is off) are left out.
SOURCE_DIRS = ("apps", "common", "config")
EXTRA_TESTS: dict[str, list[str]] = {
    # The money limits are constants of the models that the services enforce.
    "apps/orders/models.py": ["apps/orders/tests/test_services.py"],
    "apps/orders/services.py": ["apps/orders/tests/test_tasks.py"],
    "apps/orders/tasks.py": ["apps/orders/tests/test_tasks.py"],
    "apps/users/admin_site.py": [
        "apps/users/tests/test_login_throttle.py",
        "common/tests/test_admin_site.py",
    ],
    "apps/users/backends.py": ["apps/users/tests/test_login_throttle.py"],
    "apps/users/emails.py": ["apps/users/tests/test_accounts.py"],
    "apps/users/jwt_authentication.py": ["apps/users/tests/test_jwt.py"],
    "apps/users/jwt_services.py": ["apps/users/tests/test_jwt.py"],
    "apps/users/jwt_serializers.py": ["apps/users/tests/test_jwt.py"],
    "apps/users/jwt_urls.py": ["apps/users/tests/test_jwt.py"],
    "apps/users/jwt_views.py": ["apps/users/tests/test_jwt.py"],
    "apps/users/managers.py": ["apps/users/tests/test_models.py"],
    "apps/users/selectors.py": ["apps/users/tests/test_addresses.py"],
    "apps/users/schema.py": ["common/tests/test_docs.py", CONTRACT_TEST],
    "apps/users/serializers.py": [
        "apps/users/tests/test_accounts.py",
        "apps/users/tests/test_jwt.py",
    ],
    "apps/users/services.py": ["apps/users/tests/test_accounts.py"],
    "apps/users/sessions.py": ["apps/users/tests/test_jwt.py", "apps/users/tests/test_accounts.py"],
    "apps/users/throttling.py": ["apps/users/tests/test_login_throttle.py"],
    "apps/users/tokens.py": ["apps/users/tests/test_accounts.py"],
    "apps/users/views.py": ["apps/users/tests/test_accounts.py"],
    "common/apps.py": ["common/tests/test_docs.py"],
    "common/checks/admin.py": ["common/tests/test_checks.py", "common/tests/test_checks_api.py"],
    "common/checks/api.py": ["common/tests/test_checks.py", "common/tests/test_checks_api.py"],
    "common/checks/base.py": ["common/tests/test_checks.py", "common/tests/test_checks_api.py"],
    "common/checks/code.py": ["common/tests/test_checks.py", "common/tests/test_checks_api.py"],
    "common/checks/models.py": ["common/tests/test_checks.py", "common/tests/test_checks_api.py"],
    "common/checks/settings.py": ["common/tests/test_checks.py", "common/tests/test_checks_api.py"],
    "common/images.py": ["apps/users/tests/test_views.py"],
    "common/metadata.py": ["common/tests/test_cache_control.py"],
    "common/shutdown.py": ["common/tests/test_health.py", "common/tests/test_settings.py"],
    "common/storage.py": ["apps/users/tests/test_views.py", "common/tests/test_health.py"],
    "common/admin.py": ["apps/orders/tests/test_admin.py", "apps/users/tests/test_admin.py"],
    "common/docs.py": ["common/tests/test_docs.py"],
    "common/exceptions.py": ["common/tests/test_error_pages.py"],
    "common/lists.py": ["apps/orders/tests/test_lists.py", "apps/orders/tests/test_views.py"],
    "common/middleware.py": [
        "common/tests/test_network.py",
        "common/tests/test_error_pages.py",
        "common/tests/test_trailing_slash.py",
    ],
    "common/permissions.py": ["apps/orders/tests/test_views.py"],
    "common/schema.py": ["common/tests/test_docs.py", CONTRACT_TEST],
    # The shared write helpers; the example app's models have the constraints their
    # defaults check.
    "common/services.py": ["apps/users/tests/test_views.py", "apps/orders/tests/test_services.py"],
    "common/views.py": [
        "common/tests/test_health.py",
        "common/tests/test_error_pages.py",
        "common/tests/test_docs.py",
    ],
    "config/settings/components/jwt.py": ["apps/users/tests/test_jwt.py"],
    "config/urls.py": [
        "common/tests/test_trailing_slash.py",
        "common/tests/test_error_pages.py",
        "common/tests/test_health.py",
    ],
}


def measure_contexts(project: Path, workdir: Path) -> dict[str, dict[str, list[str]]]:
    """Run the suite once under coverage; return, per file and line, the tests that run it.

    The contract test is left out: it pauses coverage while its generated cases run.
    """
    print("recording which tests run each line ...", flush=True)
    env = {**os.environ, "COVERAGE_FILE": str(workdir / ".coverage-contexts")}
    pytest = [".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    coverage = ["--cov", "--cov-context=test", "--cov-report=", "--cov-fail-under=0"]
    ignored = ["--ignore=common/tests/test_api_contract.py"]
    result = subprocess.run(
        [*pytest, *coverage, *ignored], cwd=project, env=env, capture_output=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"the suite fails under coverage:\n{result.stdout.decode()[-3000:]}")
    report = workdir / "contexts.json"
    data = f"--data-file={env['COVERAGE_FILE']}"
    run([".venv/bin/coverage", "json", data, "--show-contexts", "-o", str(report)], cwd=project)
    files = json.loads(report.read_text())["files"]
    if not files or any(not (project / path).is_file() for path in files):
        sys.exit(f"the coverage report names files outside {project}: {sorted(files)[:3]}")
    return {
        path: {
            line: sorted({label.rsplit("|", 1)[0] for label in labels if label})
            for line, labels in data["contexts"].items()
        }
        for path, data in files.items()
    }


def run_mutant(plan_file: str) -> int:
    """Run the tests for the mutant now applied to a file (cosmic-ray's test command).

    The plan names the file, its original text, the tests that run each of its lines and
    the modules mapped to it. The tests that run a changed line go first; a changed line
    that no test runs (one that runs on import) brings in the mapped modules.
    """
    plan = json.loads(Path(plan_file).read_text())
    original = plan["original"].splitlines()
    mutated = Path(plan["path"]).read_text(encoding="utf-8").splitlines()
    changed = set()
    matcher = difflib.SequenceMatcher(a=original, b=mutated, autojunk=False)
    for tag, first, last, _, _ in matcher.get_opcodes():
        if tag != "equal":
            changed.update(str(line) for line in range(first + 1, max(last, first + 1) + 1))
    selected: dict[str, None] = {}
    for line in sorted(changed, key=int):
        tests = plan["lines"].get(line, [])
        # A setting runs at import: the tests that reload settings run its line, and the
        # ones that use it (mapped) do not.
        if not tests or plan["path"].startswith("config/"):
            selected.update(dict.fromkeys(plan["modules"]))
        selected.update(dict.fromkeys(tests))
    # The contract test runs with coverage paused, so no line names it: where it is mapped,
    # it runs for every mutant, last.
    if CONTRACT_TEST in plan["modules"]:
        selected.pop(CONTRACT_TEST, None)
        selected[CONTRACT_TEST] = None
    own = tuple(plan["modules"])
    ordered = sorted(selected, key=lambda test: (test == CONTRACT_TEST, not test.startswith(own)))
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(pytest_command(ordered), env=env, check=False).returncode


def pytest_command(tests: list[str]) -> list[str]:
    """The pytest command line for ``tests``, with the contract test's plugins if it is one."""
    plugins = CONTRACT_PLUGINS if any(test.startswith(CONTRACT_TEST) for test in tests) else []
    return [*PYTEST, *plugins, *tests]


def tests_for(project: Path, path: str) -> list[str]:
    """Return the test modules run against the mutants of ``path`` (a project-relative file)."""
    parts = Path(path).parts
    package = Path(*parts[:2]) if parts[0] == "apps" else Path(parts[0])
    candidates = [str(package / "tests" / f"test_{Path(path).stem}.py")]
    # The admin is not reached through the API: its own tests are the ones that can tell.
    if parts[0] == "apps" and parts[-1] != "admin.py":
        candidates.append(str(package / "tests/test_views.py"))
    if parts[0] == "config":
        candidates.append("common/tests/test_settings.py")
    # A field, index or constraint changed without its migration fails the migrations test.
    if parts[-1] in ("models.py", "managers.py"):
        candidates.append("common/tests/test_models.py")
    # What a view or serializer declares for the schema is proven by the docs tests and, for
    # the statuses and bodies, by the contract test (the slowest: it goes last).
    if parts[-1].endswith(("views.py", "serializers.py")):
        candidates.append("common/tests/test_docs.py")
    if parts[-1].endswith("views.py"):
        candidates.append(CONTRACT_TEST)
    candidates += EXTRA_TESTS.get(path, [])
    # The project's conventions are system checks: a decorator or a declaration removed
    # (a write service's @transaction.atomic, say) can fail them.
    candidates.append("common/tests/test_checks.py")
    return [test for test in dict.fromkeys(candidates) if (project / test).is_file()]


@dataclass
class FileResult:
    """The mutants of one file, counted by status, and its survivors."""

    path: str
    counts: dict[str, int] = field(default_factory=dict)
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # No test module exercises the file: it is listed, not mutated.
    untested: bool = False


def run(command: list[str], cwd: Path | None = None) -> None:
    """Run ``command``; fail loudly with its output if it fails."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def prepare_project(args: argparse.Namespace, workdir: Path) -> Path:
    """Render or copy the project into ``workdir/project`` and give it a virtual environment."""
    project = workdir / "project"
    if args.project:
        source = Path(args.project).resolve()
        ignore = shutil.ignore_patterns(".venv", ".coverage*", "cosmic-ray-*", "__pycache__")
        shutil.copytree(source, project, ignore=ignore)
        if (source / ".venv").is_dir():
            (project / ".venv").symlink_to(source / ".venv")
    else:
        sys.path.insert(0, str(TEMPLATE_ROOT))
        from tests.conftest import render_project  # noqa: PLC0415

        answers = dict(answer.split("=", 1) for answer in args.data)
        data = {
            key: value.lower() == "true" if value.lower() in ("true", "false") else value
            for key, value in answers.items()
        }
        render_project(project, **data)
    if not (project / ".venv").exists():
        print("installing the project's development lock ...", flush=True)
        run([sys.executable, "-m", "venv", str(project / ".venv")])
        lock = ["-r", "requirements/development.lock", "--require-hashes", "--no-deps"]
        run([str(project / ".venv/bin/pip"), "install", "-q", *lock], cwd=project)
    return project


def install_cosmic_ray(workdir: Path) -> Path:
    """Install the pinned cosmic-ray into a virtual environment of its own; return its bin."""
    venv = workdir / "cosmic-ray-venv"
    print(f"installing {COSMIC_RAY} ...", flush=True)
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin/pip"), "install", "-q", COSMIC_RAY])
    return venv / "bin"


def targets(project: Path, only: list[str]) -> dict[str, list[str]]:
    """The files to mutate, each with its tests: all of them, or those matching ``only``."""
    found = {}
    for directory in SOURCE_DIRS:
        for module in sorted((project / directory).rglob("*.py")):
            path = module.relative_to(project).as_posix()
            skipped = {"tests", "migrations"} & set(module.relative_to(project).parts)
            # An empty module (a package's __init__.py) has nothing to mutate.
            if skipped or not module.read_text(encoding="utf-8").strip():
                continue
            if only and not any(fnmatch.fnmatch(path, pattern) for pattern in only):
                continue
            found[path] = tests_for(project, path)
    return found


def mutate(
    bin_dir: Path, project: Path, path: str, tests: list[str], lines: dict[str, list[str]]
) -> FileResult:
    """Run cosmic-ray on one file and read the outcome of each mutant.

    ``lines`` names the tests that run each line of the file; ``tests`` are the modules
    mapped to it, for lines that run on import.
    """
    name = path.removesuffix(".py").replace("/", "-")
    command = pytest_command(tests)
    # Plugins are named on the command line; auto-loading them all is the slow part.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    start = time.perf_counter()
    baseline = subprocess.run(command, cwd=project, env=env, capture_output=True, check=False)
    if baseline.returncode != 0:
        sys.exit(f"the tests fail without mutations: cd {project} && {' '.join(command)}")
    # A changed line may run more tests than the mapped modules: the whole suite at most.
    timeout = max(180.0, 10 * (time.perf_counter() - start))

    plan = project / f"cosmic-ray-{name}.json"
    original = (project / path).read_text(encoding="utf-8")
    plan.write_text(
        json.dumps({"path": path, "original": original, "lines": lines, "modules": tests})
    )
    test_command = f"{sys.executable} {Path(__file__).resolve()} --run-mutant {plan}"
    config = project / f"cosmic-ray-{name}.toml"
    session = project / f"cosmic-ray-{name}.sqlite"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(path)}\n"
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(test_command)}\n"
        '\n[cosmic-ray.distributor]\nname = "local"\n'
        "\n[cosmic-ray.filters.operators-filter]\n"
        'exclude-operators = ["core/ReplaceBinaryOperator_.*"]\n'
    )
    session.unlink(missing_ok=True)
    start = time.perf_counter()
    run([str(bin_dir / "cosmic-ray"), "init", str(config), str(session)], cwd=project)
    run([str(bin_dir / "cr-filter-operators"), str(session), str(config)], cwd=project)
    run([str(bin_dir / "cosmic-ray"), "exec", str(config), str(session)], cwd=project)
    result = FileResult(path=path, seconds=time.perf_counter() - start)

    dump = subprocess.run(
        [str(bin_dir / "cosmic-ray"), "dump", str(session)],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = [json.loads(line) for line in dump.splitlines() if line.strip()]
    jobs.sort(key=lambda job: job[0]["mutations"][0]["start_pos"])
    for job, outcome in jobs:
        label = status_of(outcome)
        if label == "skipped":
            continue
        result.counts[label] = result.counts.get(label, 0) + 1
        if label != "killed":
            mutation = job["mutations"][0]
            line_number = mutation["start_pos"][0]
            change = describe((outcome or {}).get("diff") or "")
            result.survivors.append(
                f"{path}:{line_number} [{label}] {mutation['operator_name']}: {change}"
            )
    return result


def status_of(outcome: dict | None) -> str:
    """Name a cosmic-ray work result: killed, survived, timeout, skipped, error or untested."""
    if not outcome:
        return "untested"
    if outcome["worker_outcome"] == "skipped":
        return "skipped"
    if outcome["worker_outcome"] != "normal":
        return "error"
    # cosmic-ray records a test run it had to stop as killed, with this output.
    if outcome.get("output") == "timeout":
        return "timeout"
    # An incompetent mutant (one that cannot even run) counts as killed.
    return "survived" if outcome["test_outcome"] == "survived" else "killed"


def describe(diff: str) -> str:
    """The mutation as "original  ->  mutated", from cosmic-ray's diff."""
    lines = diff.splitlines()
    removed = [line[1:].strip() for line in lines if re.match(r"-(?!--)\s*\S", line)]
    added = [line[1:].strip() for line in lines if re.match(r"\+(?!\+\+)\s*\S", line)]
    return f"{' / '.join(removed)}  ->  {' / '.join(added) or '(removed)'}"


def report(results: list[FileResult]) -> None:
    """Print the table per file and in total, then the survivors."""
    columns = ["killed", "survived", "timeout"]
    width = max([30, *(len(result.path) for result in results)])
    print()
    print(
        f"{'file':<{width}} {'mutants':>7} "
        + " ".join(f"{c:>10}" for c in columns)
        + f" {'score':>6} {'time':>7}"
    )
    totals = dict.fromkeys(columns, 0)
    total_mutants = 0
    for result in results:
        if result.untested:
            print(f"{result.path:<{width}} (no test module: not mutated)")
            continue
        mutants = sum(result.counts.values())
        total_mutants += mutants
        for column in columns:
            totals[column] += result.counts.get(column, 0)
        score = 100 * result.counts.get("killed", 0) / mutants if mutants else 0
        print(
            f"{result.path:<{width}} {mutants:>7} "
            + " ".join(f"{result.counts.get(c, 0):>10}" for c in columns)
            + f" {score:>5.1f}% {result.seconds:>6.0f}s"
        )
    score = 100 * totals["killed"] / total_mutants if total_mutants else 0
    print(
        f"{'total':<{width}} {total_mutants:>7} "
        + " ".join(f"{totals[c]:>10}" for c in columns)
        + f" {score:>5.1f}%"
    )
    survivors = [line for result in results for line in result.survivors]
    print(f"\n{len(survivors)} mutants not killed:")
    for line in survivors:
        print(f"  {line}")


def main() -> int:
    """Mutate each target file in turn and print the score."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--project",
        help="a rendered project to copy instead of rendering one (its .venv, if any, is reused)",
    )
    parser.add_argument(
        "--keep",
        help="work in this new directory and keep it (cosmic-ray's "
        "sessions stay in DIR/project: cr-report, cr-html)",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        help="extra answer key=value for the render, e.g. use_celery=true",
    )
    parser.add_argument(
        "--cosmic-ray",
        help="a virtual environment where cosmic-ray is installed already (else one is made)",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the files and their tests, mutate nothing"
    )
    parser.add_argument("--run-mutant", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated file patterns, e.g. apps/orders/services.py,common/*",
    )
    args = parser.parse_args()
    if args.run_mutant:
        return run_mutant(args.run_mutant)
    only = [name for name in args.only.split(",") if name]

    if args.keep:
        workdir = Path(args.keep).resolve()
        workdir.mkdir(parents=True, exist_ok=False)
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="mutation-")
        workdir = Path(cleanup.name)
    try:
        project = prepare_project(args, workdir)
        if args.list:
            for path, tests in targets(project, only).items():
                print(f"{path}: {' '.join(tests) or '(no tests)'}")
            return 0
        bin_dir = Path(args.cosmic_ray, "bin") if args.cosmic_ray else install_cosmic_ray(workdir)
        contexts = measure_contexts(project, workdir)
        results = []
        for path, tests in targets(project, only).items():
            if not tests:
                results.append(FileResult(path=path, untested=True))
                continue
            print(f"mutating {path} against {' '.join(tests)} ...", flush=True)
            results.append(mutate(bin_dir, project, path, tests, contexts.get(path, {})))
        report(results)
    finally:
        if cleanup:
            cleanup.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
