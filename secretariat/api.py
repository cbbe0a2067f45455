"""API for secretariat members (ToR IV)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency
from isecg.api.schema import READ_ERRORS, WRITE_ERRORS
from isecg.http import actor
from isecg.models import User
from secretariat import selectors, services
from secretariat.models import SecretariatMember


class SecretariatMemberSerializer(serializers.ModelSerializer[SecretariatMember]):
    proposed_by: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = SecretariatMember
        fields = [
            "id",
            "username",
            "name",
            "proposed_by",
            "role",
            "voluntary_unpaid",
            "since",
            "ended_on",
        ]
        read_only_fields = fields


class AppointSerializer(serializers.Serializer[Any]):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    proposed_by = serializers.SlugRelatedField(slug_field="acronym", queryset=Agency.objects.all())
    role = serializers.CharField(required=False, allow_blank=True, default="")
    since = serializers.DateField(required=False, allow_null=True, default=None)
    attested_voluntary_unpaid = serializers.BooleanField(
        help_text="ToR IV: the member is proposed on a voluntary basis, without exchange of funds."
    )


@extend_schema_view(
    list=extend_schema(summary="Secretariat members by proposing agency (ToR IV)"),
    retrieve=extend_schema(
        summary="One secretariat member",
        responses={200: SecretariatMemberSerializer, **READ_ERRORS},
    ),
)
class SecretariatMemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[SecretariatMember]
):
    serializer_class = SecretariatMemberSerializer
    filterset_fields = ["proposed_by__acronym"]

    def get_queryset(self) -> Any:
        current = self.request.query_params.get("current", "true").lower() != "false"
        return selectors.secretariat_members(current_only=current)

    @extend_schema(
        summary="Appoint a secretariat member (secretariat)",
        request=AppointSerializer,
        responses={201: SecretariatMemberSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = AppointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.secretariat_member_appoint(actor=actor(request), **data.validated_data)
        return Response(SecretariatMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a secretariat membership (secretariat)",
        request=None,
        responses={200: SecretariatMemberSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        member = get_object_or_404(SecretariatMember.objects.all(), pk=pk)
        member = services.secretariat_member_end(actor=actor(request), member=member)
        return Response(SecretariatMemberSerializer(member).data)
