"""Shared OpenAPI pieces: the error body every endpoint may return."""

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
    403: error("You may not make this change (e.g. not the secretariat)."),
    409: error("The object's state does not allow this change now."),
}
