"""The floor: token authentication, a serializer, one INSERT, a JSON answer."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.floor.models import FloorWrite


class FloorInSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(max_length=30)


class FloorView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        serializer = FloorInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = FloorWrite.objects.create(
            user_id=request.user.pk, value=serializer.validated_data["value"]
        )
        return Response({"id": row.pk, "value": row.value}, status=status.HTTP_201_CREATED)
