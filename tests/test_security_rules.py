"""Ruff's security rules (flake8-bandit, ``S``) reach every generated file.

The matrix runs ruff under the project's own configuration in every combination; this
checks that the configuration does not switch ``S`` off where it matters: only tests may
ignore assertions and hard-coded test passwords, and each ``noqa`` for an ``S`` rule in the
template is one of the few, reasoned, exceptions listed here.
"""

import re
import tomllib
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "template"
# Rules tests may ignore: assert (S101) and hard-coded passwords of test users (S105, S106).
TEST_IGNORES = {"S101", "S105", "S106"}
# path, rule: why it is not a finding.
ALLOWED_NOQA = {
    # The secret key of the test settings, used by nothing else.
    ("config/settings/testing.py", "S105"),
    # gunicorn's worker heartbeat directory in shared memory, as gunicorn's docs advise; no
    # temporary file is created there by the app.
    ("config/gunicorn.py", "S108"),
    # `startapp` runs the project's own ruff on the app it wrote: the running Python, a fixed
    # module, a path the command made.
    ("common/management/commands/startapp.py", "S603"),
}
NOQA_S = re.compile(r"#\s*noqa:[^\n]*?\b(S\d{3})\b")
# "S" itself or one of its rules (S101), not SIM or SLF.
SECURITY_RULE = re.compile(r"S\d*")


def _ruff_lint_config() -> dict:
    text = (TEMPLATE / "pyproject.toml.jinja").read_text(encoding="utf-8")
    rendered = re.sub(r"\{\{[^}]*\}\}", "311", text)  # Only names and versions are Jinja.
    return tomllib.loads(rendered)["tool"]["ruff"]["lint"]


def test_security_rules_are_selected_and_not_ignored() -> None:
    lint = _ruff_lint_config()

    assert "S" in lint["select"]
    ignored = [*lint.get("ignore", []), *lint.get("extend-ignore", [])]
    assert not [rule for rule in ignored if SECURITY_RULE.fullmatch(rule)]


def test_only_tests_ignore_security_rules_and_only_test_only_ones() -> None:
    for pattern, rules in _ruff_lint_config().get("per-file-ignores", {}).items():
        security = {rule for rule in rules if SECURITY_RULE.fullmatch(rule)}
        if not security:
            continue
        assert "tests" in pattern or pattern == "conftest.py", (pattern, security)
        assert security <= TEST_IGNORES, (pattern, security - TEST_IGNORES)


def test_every_noqa_for_a_security_rule_is_a_known_exception() -> None:
    found = set()
    for path in TEMPLATE.rglob("*"):
        if not path.is_file() or not path.name.endswith((".py", ".py.jinja")):
            continue
        relative = path.relative_to(TEMPLATE).as_posix().removesuffix(".jinja")
        if "/tests/" in f"/{relative}" or relative.endswith("conftest.py"):
            continue
        found.update((relative, rule) for rule in NOQA_S.findall(path.read_text("utf-8")))

    assert found == ALLOWED_NOQA
