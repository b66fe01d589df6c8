#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    """Run administrative tasks with the development settings unless told otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    from config.env import MissingVariableError  # noqa: PLC0415

    try:
        execute_from_command_line(sys.argv)
    except MissingVariableError as error:
        # A deployment without a variable it needs: the message says which, in one line.
        sys.exit(f"ImproperlyConfigured: {error}")


if __name__ == "__main__":
    main()
