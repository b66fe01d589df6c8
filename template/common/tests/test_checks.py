"""The project passes its system checks: Django's, its libraries' and its conventions'.

A convention's warning (``conventions.W0NN``, new in this release) is printed, not failed:
it becomes an error one release later (see ``docs/conventions.md``).
"""

from django.core.management import call_command


def test_system_checks_pass() -> None:
    call_command("check", fail_level="ERROR")
