"""Web pages of this app, mounted in isecg/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
