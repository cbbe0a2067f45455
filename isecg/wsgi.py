"""WSGI entry point for gunicorn."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from isecg.env import SettingsError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isecg.settings.production")

try:
    application = get_wsgi_application()
except SettingsError as exc:
    sys.exit(f"isecg: configuration error: {exc}")
