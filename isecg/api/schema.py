"""Shared OpenAPI pieces: the error body every endpoint may return."""

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


READ_ERRORS = {401: error("Not signed in."), 404: error("Not found or not visible to you.")}
WRITE_ERRORS = {
    **READ_ERRORS,
    400: error("Invalid input: `errors` maps fields to messages."),
    403: error(
        "You may not make this change (e.g. not the secretariat); `read_only_client`: "
        "the account is neither a representative nor in the secretariat, so it writes nothing."
    ),
    409: error("The object's state does not allow this change now."),
}


_EVERY_OPERATION_ERRORS = {
    "400": "Invalid input (a body, filter or page parameter): `errors` maps fields to messages.",
    "401": "Not signed in.",
    "403": "You may not do this.",
    "404": "Not found, not visible to you, or no such page.",
    "503": "The database is unavailable; nothing was saved. Retry later.",
}
_WRITE_ONLY_ERRORS = {"409": "The state does not allow this change now, or it conflicts."}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, documenting the errors every endpoint may return.

    isecg.api.errors turns these into `Error` bodies for every view (filters and
    paging give 400 on lists, a dropped database connection 503), so the schema says
    so even where a view's @extend_schema lists only its own outcomes (issue 8, fuzzing).
    """

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        extra = dict(_EVERY_OPERATION_ERRORS)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            extra.update(_WRITE_ONLY_ERRORS)
        for code, description in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error(description), code, direction=direction
                )
        return responses


class ApiSessionScheme(SessionScheme):
    """The web session in the schema: `isecg.api.authentication` adds the read-only check.
    (The token scheme already covers subclasses of DRF's TokenAuthentication.)"""

    target_class = "isecg.api.authentication.ApiSessionAuthentication"
