"""The API token endpoint, throttled and behind the second factor (issue 8).

DRF's AuthTokenSerializer calls authenticate(request=...), so django-axes counts and
locks failures here exactly as on the sign-in page; the throttle bounds the rate per address.
A user with a TOTP device also sends its code (isecg.twofactor.api_token_obtain).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from isecg.api.schema import error
from isecg.middleware import client_ip
from isecg.twofactor import api_token_obtain


class TokenObtainThrottle(SimpleRateThrottle):
    scope = "auth-token"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@extend_schema_serializer(component_name="AuthToken")
class TokenObtainSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        label="One-time code",
        help_text=(
            "The current code of the user's authenticator app. Required when the user has "
            "enrolled one (two-factor sign-in); each code is accepted once."
        ),
        required=False,
        allow_blank=True,
        max_length=16,
        write_only=True,
    )


class ThrottledObtainAuthToken(ObtainAuthToken):
    # Anonymous by design: the credentials are in the body. A session or token already
    # present plays no part, so the read-only client check (isecg.api.authentication)
    # never refuses this POST.
    authentication_classes = ()
    throttle_classes = [TokenObtainThrottle]
    serializer_class = TokenObtainSerializer

    @extend_schema(
        description=(
            "Exchange a username and password for the user's API token. Users with "
            "two-factor sign-in also send `otp_token`. The password is checked first."
        ),
        responses={
            200: TokenObtainSerializer,
            400: error(
                "Wrong username or password, or locked after repeated failures "
                "(`authorization`); or the second factor: "
                "`otp_required` (no `otp_token` sent) or `otp_invalid` (wrong or reused code)."
            ),
            403: error(
                "`otp_enrolment_required`: this account must enrol an authenticator app "
                "in the web UI first."
            ),
            429: error("`throttled`: too many requests from this address."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = api_token_obtain(
            actor=serializer.validated_data["user"],
            otp_token=serializer.validated_data.get("otp_token", ""),
            origin={"path": request.path, "method": request.method or "", "ip": client_ip(request)},
        )
        return Response({"token": token.key})


obtain_auth_token = ThrottledObtainAuthToken.as_view()
