"""Turning domain errors into form errors, once for every form in the UI."""

from __future__ import annotations

from django import forms

from isecg.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.detail)
