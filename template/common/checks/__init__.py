"""The project's conventions as Django system checks.

``manage.py check`` (and ``runserver``, ``migrate``, the test suite) runs them beside
Django's own. Each finds what it checks by itself (the app registry, the URL configuration,
the serializers and the source under ``apps/``, ``common/`` and ``config/``), so a model or
an endpoint added later is checked without anyone editing this package. Third-party and
Django's own code is out of scope.

IDs are ``conventions.E0NN`` (an error: ``check`` fails) and ``conventions.W0NN`` (a
warning: a rule new in this release, which becomes ``E0NN`` one release later).
``docs/conventions.md`` has one section per rule: why, a good and a bad example, how to
silence it. Silence a rule everywhere with ``SILENCED_SYSTEM_CHECKS``, or once with a
comment on the line its message names: ``# conventions: allow E012 -- why``.
"""
