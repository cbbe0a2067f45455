"""Typed access to the request for the adapters (views and viewsets): who acts, and whether
HTMX asked. Services never see the request; they get the actor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from isecg.models import User


class HtmxHttpRequest(HttpRequest):
    """A request after django_htmx's HtmxMiddleware (in settings.MIDDLEWARE): `request.htmx`
    is true when HTMX sent it. Annotate the views that read it with this type (the typing
    pattern of the django-htmx docs); it is never instantiated."""

    htmx: HtmxDetails


def actor(request: HttpRequest | Request) -> User:
    """The signed-in user acting on `request`: the `actor` a service is given.

    Views call this behind login_required and viewsets behind a permission class that
    requires sign-in, so an anonymous request does not get here; if one does, it is refused
    (API: NotAuthenticated, pages: PermissionDenied), never passed on as an AnonymousUser.
    """
    user = request.user
    if not user.is_authenticated:
        if isinstance(request, Request):
            raise NotAuthenticated()
        raise PermissionDenied("Sign in first.")
    return user
