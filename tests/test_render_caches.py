"""The caches that speed up rendering give the same results as computing afresh."""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.ext import Extension
from jinja2.sandbox import SandboxedEnvironment

from extensions import context


class CountingPreprocess(Extension):
    """Count the calls of ``preprocess``, which Copier's ``yield`` tag resets its state in."""

    def __init__(self, environment: jinja2.Environment) -> None:
        """Start at zero."""
        super().__init__(environment)
        self.calls = 0

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """Count, and leave the source as it is."""
        self.calls += 1
        return source


def test_each_string_compiles_once_and_renders_with_each_context() -> None:
    env = SandboxedEnvironment(extensions=[CountingPreprocess, context.TemplateStringCache])
    first = env.from_string("{% if on %}{{ name }}.py{% endif %}")
    second = env.from_string("{% if on %}{{ name }}.py{% endif %}")

    assert second is first
    assert first.render(on=True, name="tasks") == "tasks.py"
    assert second.render(on=False, name="tasks") == ""
    counter = next(ext for ext in env.iter_extensions() if isinstance(ext, CountingPreprocess))
    assert counter.calls == 2, "preprocess must run for the cached string too"


def test_strings_with_their_own_globals_are_compiled_afresh() -> None:
    env = SandboxedEnvironment(extensions=[context.TemplateStringCache])
    shared = env.from_string("{{ name }}")
    own = env.from_string("{{ name }}", globals={"name": "own"})

    assert own is not shared
    assert own.render() == "own"
    assert shared.render(name="shared") == "shared"


def test_derived_values_follow_the_answers_on_every_call() -> None:
    updater = context.ContextUpdater(jinja2.Environment(autoescape=True))
    seen: list[tuple[Any, ...]] = []
    for python_version, use_jwt in (("3.12", True), ("3.12", False), ("3.13", True)):
        values: dict[str, Any] = {"python_version": python_version, "use_jwt": use_jwt}
        updater.hook(values)
        jwt_required = any(
            line.startswith("djangorestframework-simplejwt") for line in values["base_requirements"]
        )
        seen.append((values["settings_components"], jwt_required))

    assert seen == [(["jwt"], True), ([], False), (["jwt"], True)]


def test_derived_values_follow_the_django_series() -> None:
    updater = context.ContextUpdater(jinja2.Environment(autoescape=True))
    derived = {}
    for series in ("5.2", "6.1"):
        values: dict[str, Any] = {"python_version": "3.12", "use_jwt": True}
        values["django_version"] = series
        updater.hook(values)
        derived[series] = values

    assert derived["5.2"]["settings_components"] == ["jwt"]
    assert derived["6.1"]["settings_components"] == ["csp", "jwt"]
    assert (derived["5.2"]["django_csp"], derived["6.1"]["django_csp"]) == (False, True)
    assert "Django>=5.2,<5.3" in derived["5.2"]["base_requirements"]
    assert "Django>=6.1,<6.2" in derived["6.1"]["base_requirements"]
    assert "\ndjango==5.2." in derived["5.2"]["production_lock"]
    assert "\ndjango==6.1." in derived["6.1"]["production_lock"]
