"""API endpoints owned by the core: who am I, my notifications."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.roles import agencies_represented, is_chair, is_secretariat
from isecg import services
from isecg.api.schema import READ_ERRORS
from isecg.http import actor
from isecg.models import Notification


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    time_zone = serializers.CharField()
    is_secretariat = serializers.BooleanField()
    is_chair = serializers.BooleanField()
    agencies = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Who am I, and for which agencies may I act",
        responses={200: MeSerializer, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        user = actor(request)
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.username,
                    "name": user.get_full_name(),
                    "time_zone": user.time_zone,
                    "is_secretariat": is_secretariat(user),
                    "is_chair": is_chair(user),
                    "agencies": list(agencies_represented(user).values_list("acronym", flat=True)),
                }
            ).data
        )


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "state", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Notification]):
    """Your own notices, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(recipient=actor(self.request))

    @extend_schema(
        summary="Mark notices read",
        request=inline_serializer(
            name="MarkRead",
            fields={"ids": serializers.ListField(child=serializers.IntegerField(), required=False)},
        ),
        responses={
            200: inline_serializer(
                name="MarkReadResult", fields={"marked": serializers.IntegerField()}
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        ids = request.data.get("ids") if isinstance(request.data, dict) else None
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)
        ):
            raise serializers.ValidationError({"ids": ["A list of notice ids."]})
        marked = services.notification_mark_read(actor=actor(request), notification_ids=ids)
        return Response({"marked": marked})
