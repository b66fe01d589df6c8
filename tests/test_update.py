"""`copier update`: a project generated from one release takes the next one.

The ``releases`` fixture turns the working tree into a throwaway template repository with
two releases. 1.0.0 is the template as it is. 2.0.0 changes files the way a revision of
the guide would (a new setting, a bigger page-size cap and the test that pins it, a new
doc, a README section) and renames the question ``author_name`` to ``maintainer_name``,
with a ``_migrations`` entry that runs ``hooks/migrations/rename_answers.py`` so projects
keep their answer.

Generated test suites run three times: once for the all-options project after its update,
and twice in the answer-change test (Celery on, then off again). Turning Celery off must
give back, byte for byte, the default project as its update to 2.0.0 left it, so that last
run also covers the default combination after the update.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy, run_update
from plumbum import local

from hooks.migrations import rename_answers
from tests.conftest import BASE_ANSWERS, DEFAULT_COMBO, OPTIONS, TEMPLATE_ROOT, run_in

ALL_OPTIONS = {**dict.fromkeys(OPTIONS, True), "include_example_app": True}
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}

# What release 2.0.0 changes.
NEW_SETTING = "DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000"
OLD_CAP, NEW_CAP = "max_page_size = 100", "max_page_size = 200"
CHANGELOG = "docs/changelog.md"
README_SECTION = "## Changelog"
OLD_QUESTION, NEW_QUESTION = "author_name", "maintainer_name"
RENAME_MIGRATION = {
    "version": "2.0.0",
    "when": "{{ _stage == 'before' }}",
    "command": [
        "{{ _copier_python }}",
        "{{ _copier_conf.src_path }}/hooks/migrations/rename_answers.py",
        "--answers-file={{ _copier_conf.answers_file }}",
        f"{OLD_QUESTION}={NEW_QUESTION}",
    ],
}

# The user's own work on a file that 2.0.0 does not touch.
USER_SELECTOR = '''

def user_count() -> int:
    """Return how many users have an account (for the admin dashboard)."""
    return User.objects.count()
'''
CONFLICT_MARKERS = re.compile(r"^(<<<<<<<|>>>>>>>)( |$)", re.MULTILINE)
CELERY_FILES = ("config/celery.py", "config/settings/components/celery.py")


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` with a fixed identity and no signing; return its output."""
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"git {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


# What Copier reads of the template besides copier.yml (the extension reads requirements/).
TEMPLATE_FOLDERS = ("extensions", "hooks", "requirements", "template")


def copy_template(repo: Path) -> None:
    """Copy the working tree's template (copier.yml and its folders) into ``repo``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.py[co]", ".ruff_cache")
    repo.mkdir(parents=True, exist_ok=True)
    shutil.copy2(TEMPLATE_ROOT / "copier.yml", repo)
    for folder in TEMPLATE_FOLDERS:
        shutil.rmtree(repo / folder, ignore_errors=True)
        shutil.copytree(TEMPLATE_ROOT / folder, repo / folder, ignore=ignore)


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo`` and return the new commit's hash."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def edit(path: Path, old: str, new: str, *, required: bool = True) -> None:
    """Replace the first ``old`` in ``path`` by ``new``."""
    text = path.read_text(encoding="utf-8")
    if old not in text:
        assert not required, f"release 2 expects {old!r} in {path}; update tests/test_update.py"
        return
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rename_question(repo: Path) -> None:
    """Rename OLD_QUESTION everywhere and add the migration that carries the answer over."""
    word = re.compile(rf"\b{OLD_QUESTION}\b")
    for path in [
        repo / "copier.yml",
        *(repo / "template").rglob("*.jinja"),
        *(repo / "extensions").rglob("*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        path.write_text(word.sub(NEW_QUESTION, text), encoding="utf-8")

    config_path = repo / "copier.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert NEW_QUESTION in config, f"copier.yml has no {OLD_QUESTION!r} question to rename"
    config["_migrations"] = [*(config.get("_migrations") or []), RENAME_MIGRATION]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, width=4096), encoding="utf-8")


def cut_release_2(repo: Path) -> None:
    """Change the template the way a guide revision would."""
    template = repo / "template"
    with (template / "config/settings/base.py.jinja").open("a", encoding="utf-8") as base:
        base.write(f"\n# Admin bulk actions post one field per selected row.\n{NEW_SETTING}\n")
    edit(template / "common/pagination.py", OLD_CAP, NEW_CAP)
    edit(template / "common/pagination.py", "up to 100 items", "up to 200 items", required=False)
    pagination_tests = template / "common/tests/test_pagination.py"
    if pagination_tests.exists():
        edit(pagination_tests, "capped_at_100", "capped_at_200", required=False)
        edit(pagination_tests, "len(page) == 100", "len(page) == 200", required=False)
    (template / CHANGELOG).write_text(
        "# Changelog\n\n## 2.0.0\n\n- Pages hold up to 200 items.\n", encoding="utf-8"
    )
    with (template / "README.md.jinja").open("a", encoding="utf-8") as readme:
        readme.write(f"\n{README_SECTION}\n\nWhat each release changed: `{CHANGELOG}`.\n")
    rename_question(repo)


@pytest.fixture(scope="module", autouse=True)
def _git_identity() -> Iterator[None]:
    """Give Copier's own git commits (in its temporary copies) an identity."""
    with local.env(**GIT_IDENTITY):
        yield


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a template repository tagged 1.0.0 (the working tree) and 2.0.0."""
    repo = tmp_path_factory.mktemp("releases") / "copier-drf"
    copy_template(repo)
    git(repo, "init", "-q")
    commit_all(repo, "Release 1.0.0")
    git(repo, "tag", "1.0.0")
    cut_release_2(repo)
    commit_all(repo, "Release 2.0.0")
    git(repo, "tag", "2.0.0")
    return repo


def generate(releases: Path, destination: Path, vcs_ref: str, **answers: Any) -> Path:
    """Generate a project from ``vcs_ref`` and commit it, as a user would."""
    run_copy(
        str(releases),
        str(destination),
        data={**BASE_ANSWERS, **answers},
        vcs_ref=vcs_ref,
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )
    git(destination, "init", "-q")
    commit_all(destination, "Generate the project")
    return destination


def update(project: Path, vcs_ref: str = "2.0.0", conflict: str = "inline", **data: Any) -> None:
    """Run `copier update` on ``project`` the way the docs tell users to (tasks skipped)."""
    run_update(
        str(project),
        data=data,
        vcs_ref=vcs_ref,
        defaults=True,
        overwrite=True,
        unsafe=True,
        skip_tasks=True,
        conflict=conflict,
        quiet=True,
    )


def answers_of(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def conflicts(project: Path) -> list[str]:
    """Return the files holding conflict markers, and any `.rej` file, in ``project``."""
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.is_file() or relative.parts[0] in {".git", ".venv"}:
            continue
        if path.suffix == ".rej":
            found.append(str(relative))
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if CONFLICT_MARKERS.search(text):
            found.append(str(relative))
    return found


def read(project: Path, relative: str) -> str:
    return (project / relative).read_text(encoding="utf-8")


def take_release_2(releases: Path, destination: Path, **combo: Any) -> Path:
    """Generate ``combo`` from 1.0.0, add the user's selector, update to 2.0.0."""
    project = generate(releases, destination, "1.0.0", **combo)
    selectors = project / "apps/users/selectors.py"
    selectors.write_text(read(project, "apps/users/selectors.py") + USER_SELECTOR, "utf-8")
    commit_all(project, "Count users")
    update(project)
    return project


def assert_release_2_landed(project: Path, releases: Path) -> None:
    """Check the release's changes, the renamed answer and the user's untouched file."""
    assert conflicts(project) == []
    assert NEW_SETTING in read(project, "config/settings/base.py")
    assert NEW_CAP in read(project, "common/pagination.py")
    assert (project / CHANGELOG).is_file()
    assert README_SECTION in read(project, "README.md")

    answers = answers_of(project)
    assert answers["_commit"] == "2.0.0"
    assert answers["_src_path"] == str(releases)
    # The migration carried the renamed answer over: without it the question would fall
    # back to its default ("Your Name").
    assert answers[NEW_QUESTION] == BASE_ANSWERS[OLD_QUESTION]
    assert OLD_QUESTION not in answers
    assert f'name = "{BASE_ANSWERS[OLD_QUESTION]}"' in read(project, "pyproject.toml")

    # The user's function, in a file the release did not change, is kept byte for byte.
    generated = (releases / "template/apps/users/selectors.py").read_bytes()
    assert (project / "apps/users/selectors.py").read_bytes() == generated + USER_SELECTOR.encode()


# -- the migration script ------------------------------------------------------------

ANSWERS_FILE = """\
# Changes here will be overwritten by Copier; do not edit by hand. Use `copier update`.
_commit: 1.0.0
_src_path: https://example.com/copier-drf.git
author_email: ada@example.com
author_name: Ada Lovelace
description: 'My API: a Django REST Framework API.'
use_celery: false
"""


def test_rename_answers_renames_only_the_key_line() -> None:
    result = rename_answers.migrate_text(ANSWERS_FILE, {"author_name": "maintainer_name"})

    assert result == ANSWERS_FILE.replace("author_name:", "maintainer_name:")


def test_rename_answers_is_harmless_when_run_twice() -> None:
    renames = {"author_name": "maintainer_name"}
    once = rename_answers.migrate_text(ANSWERS_FILE, renames)

    assert rename_answers.migrate_text(once, renames) == once


def test_rename_answers_leaves_prefixes_and_values_alone() -> None:
    text = "author_name_extra: x\nnote: 'author_name: is not a key here'\n"

    assert rename_answers.migrate_text(text, {"author_name": "maintainer_name"}) == text


def test_rename_answers_refuses_when_both_names_are_answered() -> None:
    text = ANSWERS_FILE + "maintainer_name: Someone Else\n"

    with pytest.raises(rename_answers.MigrationError, match="both 'author_name'"):
        rename_answers.migrate_text(text, {"author_name": "maintainer_name"})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{author_name: Ada Lovelace}\n", "layout this script cannot edit safely"),
        ("- author_name\n", "does not hold a mapping"),
    ],
    ids=["flow-mapping", "not-a-mapping"],
)
def test_rename_answers_refuses_what_it_cannot_edit_safely(text: str, reason: str) -> None:
    with pytest.raises(rename_answers.MigrationError, match=reason):
        rename_answers.migrate_text(text, {"author_name": "maintainer_name"})


def test_rename_answers_cli_edits_the_file_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "custom-answers.yml"
    answers.write_text(ANSWERS_FILE, encoding="utf-8")

    status = rename_answers.main(
        [f"--answers-file={answers}", "author_name=maintainer_name", "use_celery=use_workers"]
    )

    assert status == 0
    assert yaml.safe_load(answers.read_text(encoding="utf-8"))["maintainer_name"] == "Ada Lovelace"
    assert "use_workers: false" in answers.read_text(encoding="utf-8")
    assert rename_answers.main([f"--answers-file={tmp_path / 'missing.yml'}", "a=b"]) == 1
    assert "missing.yml" in capsys.readouterr().err


def test_rename_answers_cli_rejects_a_malformed_pair() -> None:
    with pytest.raises(SystemExit):
        rename_answers.main(["author_name"])


def test_documented_migration_is_the_one_tested() -> None:
    docs = (TEMPLATE_ROOT / "docs/updating.md").read_text(encoding="utf-8")
    section = docs.split("## Writing a migration", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)

    assert example is not None
    assert yaml.safe_load(example[1]) == {"_migrations": [RENAME_MIGRATION]}


ALWAYS_RUN_HOOKS = ["hooks/keep_removed_edits.py", "hooks/update_notice.py"]


def test_template_migrations_use_the_current_format() -> None:
    """Copier 9 deprecates `before:`/`after:` lists; entries are `command` (+ `version`).

    Only the hooks meant for every update run without a `version`, after the merge.
    """
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))

    assert isinstance(config["_migrations"], list)
    always = []
    for entry in config["_migrations"]:
        assert "command" in entry, entry
        assert not {"before", "after"} & entry.keys(), entry
        if "version" not in entry:
            assert entry["when"] == "{{ _stage == 'after' }}", entry
            always.append(entry["command"][1].removeprefix("{{ _copier_conf.src_path }}/"))
    assert always == ALWAYS_RUN_HOOKS
    for script in always:
        assert (TEMPLATE_ROOT / script).is_file(), script


def test_one_copier_floor_everywhere() -> None:
    """`_min_copier_version` and every install line in the READMEs name the same Copier."""
    config = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8"))
    floor = config["_min_copier_version"]
    readmes = {
        name: (TEMPLATE_ROOT / name).read_text(encoding="utf-8")
        for name in (
            "README.md",
            "template/README.md.jinja",
            "docs/updating.md",
            "template/.github/workflows/template-update.yml.jinja",
        )
    }

    assert floor == "9.19"
    for name, text in readmes.items():
        pins = re.findall(r"copier>=([\d.]+)", text)
        assert pins, f"{name} does not say which Copier to install"
        assert set(pins) == {floor}, f"{name} pins {pins}, copier.yml needs {floor}"
        assert "copier-template-extensions" in text, name


# -- updating generated projects -----------------------------------------------------


@pytest.fixture(scope="module")
def default_updated(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Return the default project updated from 1.0.0 to 2.0.0, committed, and its commit."""
    project = take_release_2(releases, tmp_path_factory.mktemp("default") / "project")
    return project, commit_all(project, "Update to 2.0.0")


@pytest.mark.xdist_group("update-default")
def test_update_takes_the_new_release_default(
    default_updated: tuple[Path, str], releases: Path
) -> None:
    project, _ = default_updated

    assert_release_2_landed(project, releases)
    # The answers file is Copier's own record, and the README tells users how to update.
    assert read(project, ".copier-answers.yml").startswith("# Changes here will be overwritten")
    assert {**DEFAULT_COMBO, "project_name": "My API"}.items() <= answers_of(project).items()
    assert "copier update" in read(project, "README.md")


def test_update_takes_the_new_release_all_options(releases: Path, tmp_path: Path) -> None:
    project = take_release_2(releases, tmp_path / "project", **ALL_OPTIONS)

    assert_release_2_landed(project, releases)
    assert ALL_OPTIONS.items() <= answers_of(project).items()
    run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")


def test_update_flags_a_line_both_sides_changed(releases: Path, tmp_path: Path) -> None:
    project = generate(releases, tmp_path / "project", "1.0.0", **DEFAULT_COMBO)
    edit(project / "common/pagination.py", OLD_CAP, "max_page_size = 50")
    commit_all(project, "Smaller pages")

    update(project)

    found = conflicts(project)
    assert found, "a line changed on both sides must be reported as a conflict"
    assert {name.removesuffix(".rej") for name in found} == {"common/pagination.py"}
    merged = read(project, "common/pagination.py")
    assert "max_page_size = 50" in merged
    rejected = project / "common/pagination.py.rej"
    if rejected.exists():
        assert NEW_CAP in rejected.read_text(encoding="utf-8")
    else:
        assert NEW_CAP in merged
        # Inline markers also leave the file unmerged in git, as after a real merge.
        assert git(project, "diff", "--name-only", "--diff-filter=U") == "common/pagination.py\n"
    assert answers_of(project)["_commit"] == "2.0.0"


@pytest.mark.xdist_group("update-default")
def test_update_with_new_answers_adds_then_removes_celery(
    default_updated: tuple[Path, str], tmp_path: Path
) -> None:
    source, updated_commit = default_updated
    project = tmp_path / "project"
    shutil.copytree(source, project, symlinks=True)

    update(project, use_celery=True)

    assert conflicts(project) == []
    assert answers_of(project)["use_celery"] is True
    for relative in CELERY_FILES:
        assert (project / relative).is_file(), relative
    assert "celery[redis]" in read(project, "requirements/base.txt")
    run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    commit_all(project, "Turn Celery on")

    update(project, use_celery=False)

    assert conflicts(project) == []
    for relative in CELERY_FILES:
        assert not (project / relative).exists(), relative
    assert "celery" not in read(project, "requirements/base.txt")
    # Back to exactly the project the update to 2.0.0 produced (user's edit included).
    git(project, "add", "-A")
    assert git(project, "diff", "--cached", "--stat", updated_commit) == ""
    run_in(project, "-m", "pytest", "-q", "-p", "no:cacheprovider")


def test_update_leaves_env_database_and_venv_alone(
    releases: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """With tasks on and run_setup answered yes, an update never reruns the setup step."""
    project = generate(releases, tmp_path / "project", "1.0.0", **DEFAULT_COMBO, run_setup=True)
    # What the setup step left behind, all ignored by git, as in a real project.
    local_state = {
        ".env": "DJANGO_SECRET_KEY=the-user's-own-key\nDATABASE_URL=\n",
        "db.sqlite3": "the user's data",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
    }
    for relative, content in local_state.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(content, encoding="utf-8")
    assert git(project, "status", "--porcelain") == ""

    run_update(
        str(project),
        vcs_ref="2.0.0",
        defaults=True,
        overwrite=True,
        unsafe=True,
        conflict="inline",
        quiet=True,
    )

    assert "[copier-drf]" not in "".join(capfd.readouterr())
    for relative, content in local_state.items():
        assert (project / relative).read_text(encoding="utf-8") == content
    assert sorted(path.name for path in (project / ".venv").iterdir()) == ["pyvenv.cfg"]
    assert answers_of(project)["_commit"] == "2.0.0"
