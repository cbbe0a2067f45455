"""The API token endpoint, throttled (issue 8).

DRF's AuthTokenSerializer calls authenticate(request=...), so django-axes counts and
locks failures here exactly as on the sign-in page; the throttle bounds the rate per address.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import SimpleRateThrottle


class TokenObtainThrottle(SimpleRateThrottle):
    scope = "auth-token"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottledObtainAuthToken(ObtainAuthToken):
    throttle_classes = [TokenObtainThrottle]


obtain_auth_token = ThrottledObtainAuthToken.as_view()
