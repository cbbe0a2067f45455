#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isecg.settings.local")
    from django.core.management import execute_from_command_line

    from isecg.env import SettingsError

    try:
        execute_from_command_line(sys.argv)
    except SettingsError as exc:
        sys.exit(f"isecg: configuration error: {exc}")


if __name__ == "__main__":
    main()
