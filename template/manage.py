#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    """Run administrative tasks with the development settings unless told otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    from config.env import exit_on_missing_variable  # noqa: PLC0415

    with exit_on_missing_variable():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
