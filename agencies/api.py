"""REST API for agencies and representatives: thin adapters over services and selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from agencies import selectors, services
from agencies.models import (
    Agency,
    AgencyStatus,
    AgencyStatusChange,
    Representative,
    RepresentativeKind,
    StatusBasis,
)
from isecg.api.permissions import PublicReadWriteSecretariat
from isecg.api.schema import READ_ERRORS, WRITE_ERRORS
from isecg.http import actor
from isecg.models import User


class AgencySerializer(serializers.ModelSerializer[Agency]):
    current_representative_count = serializers.IntegerField(read_only=True)
    # May be blank: a plain string in the schema, not format "uri".
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "acronym",
            "name",
            "country",
            "website",
            "status",
            "framework_contributor",
            "joined_on",
            "withdrawn_on",
            "current_representative_count",
        ]
        read_only_fields = fields


class AgencyCreateSerializer(serializers.Serializer[Any]):
    acronym = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=100)
    website = serializers.URLField(required=False, allow_blank=True, default="")
    framework_contributor = serializers.BooleanField(
        default=False,
        help_text="ToR III.1: a Framework Document contributor is registered as invited, "
        "any other agency as an applicant. The status is never chosen.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AgencyUpdateSerializer(serializers.Serializer[Any]):
    """A correction of the agency's details (isecg.corrections): the reason is required."""

    name = serializers.CharField(max_length=200, required=False)
    country = serializers.CharField(max_length=100, required=False)
    website = serializers.URLField(required=False, allow_blank=True)
    joined_on = serializers.DateField(required=False, allow_null=True)
    withdrawn_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required: why the details were wrong (`reason_required` when blank).",
    )


class AgencyStatusChangeSerializer(serializers.ModelSerializer[AgencyStatusChange]):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    # Blank on the registration row (no status before) and, for `basis`, on rows older than
    # the basis: declared so that the schema admits the empty string it may answer.
    before = serializers.ChoiceField(choices=AgencyStatus.choices, allow_blank=True, read_only=True)
    basis = serializers.ChoiceField(choices=StatusBasis.choices, allow_blank=True, read_only=True)

    class Meta:
        model = AgencyStatusChange
        fields = [
            "before",
            "after",
            "basis",
            "basis_ref",
            "effective_on",
            "reason",
            "actor",
            "at",
        ]
        read_only_fields = fields


class AgencyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AgencyStatus.choices)

    class Meta:
        model = Agency
        fields = ["status", "framework_contributor", "country"]


@extend_schema_view(
    list=extend_schema(
        summary="List agencies",
        description="Anonymous callers see participating agencies only.",
        responses={200: AgencySerializer(many=True)},
    ),
    retrieve=extend_schema(summary="One agency", responses={200: AgencySerializer, **READ_ERRORS}),
)
class AgencyViewSet(viewsets.ReadOnlyModelViewSet[Agency]):
    """Agencies, looked up by acronym. Writes are the secretariat's."""

    serializer_class = AgencySerializer
    permission_classes = [PublicReadWriteSecretariat]
    lookup_field = "acronym"
    lookup_value_regex = r"[^/]+"
    filterset_class = AgencyFilter
    ordering_fields = ["acronym", "name", "country", "joined_on", "status"]
    ordering = ["acronym"]
    search_fields = ["acronym", "name", "country"]

    def get_queryset(self) -> Any:
        return selectors.agencies_visible_to(self.request.user)

    def _annotated(self, agency: Agency) -> Agency:
        return self.get_queryset().get(pk=agency.pk)

    @extend_schema(
        summary="Register an agency (secretariat)",
        request=AgencyCreateSerializer,
        responses={201: AgencySerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = AgencyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A status sent anyway is refused unless it is the one the facts give (ToR III.1).
        sent = request.data.get("status") if isinstance(request.data, dict) else None
        agency = services.agency_create(actor=actor(request), status=sent, **data.validated_data)
        return Response(
            AgencySerializer(self._annotated(agency)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Correct an agency's details (secretariat)",
        description=(
            "A correction of a data error, with its reason, shown in the agency's history "
            "(as `POST /api/v1/corrections/`). Any other field, such as `status`, `acronym` "
            "or `framework_contributor`, is refused with `not_correctable`."
        ),
        request=AgencyUpdateSerializer,
        responses={200: AgencySerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, acronym: str) -> Response:
        agency = self.get_object()
        data = AgencyUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason", "")
        # Fields this endpoint does not know are the service's to refuse (not_correctable).
        body = request.data if isinstance(request.data, dict) else {}
        changes.update({k: v for k, v in body.items() if k not in data.fields})
        agency = services.agency_update(
            actor=actor(request), agency=agency, reason=reason, **changes
        )
        return Response(AgencySerializer(self._annotated(agency)).data)

    @extend_schema(
        summary="An agency's status history",
        description=(
            "Every status change with the act of record it follows from (`basis`): "
            "registration, acceptance of the ToR, membership decision, withdrawal, new "
            "request. A status is never set directly (ToR III.1, VI, VII)."
        ),
        responses={200: AgencyStatusChangeSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="status-history", pagination_class=None)
    def status_history(self, request: Request, acronym: str) -> Response:
        changes = selectors.status_history(self.get_object())
        return Response(AgencyStatusChangeSerializer(changes, many=True).data)


class UserSummarySerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class RepresentativeSerializer(serializers.ModelSerializer[Representative]):
    agency: serializers.SlugRelatedField[Agency] = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True
    )
    user = UserSummarySerializer(read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Representative
        fields = [
            "id",
            "agency",
            "user",
            "kind",
            "title",
            "active_from",
            "active_until",
            "revoked_at",
            "revocation_reason",
            "is_current",
        ]
        read_only_fields = fields


class RepresentativeDesignateSerializer(serializers.Serializer[Any]):
    agency = serializers.SlugRelatedField(slug_field="acronym", queryset=Agency.objects.all())
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    kind = serializers.ChoiceField(choices=RepresentativeKind.choices)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    attested_agency_staff = serializers.BooleanField()
    attested_no_conflict = serializers.BooleanField()
    attestation_note = serializers.CharField(required=False, allow_blank=True, default="")
    active_until = serializers.DateTimeField(required=False, allow_null=True, default=None)


class RepresentativeRevokeSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RepresentativeFilter(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__acronym")
    current = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull")

    class Meta:
        model = Representative
        fields = ["agency", "kind", "current"]


@extend_schema_view(
    list=extend_schema(
        summary="List representatives", responses={200: RepresentativeSerializer(many=True)}
    ),
    retrieve=extend_schema(
        summary="One designation", responses={200: RepresentativeSerializer, **READ_ERRORS}
    ),
)
class RepresentativeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Representative]
):
    """Designations of representatives (ToR III.2.1). Past ones are visible to the secretariat."""

    serializer_class = RepresentativeSerializer
    filterset_class = RepresentativeFilter
    ordering_fields = ["active_from", "kind"]
    ordering = ["agency__acronym", "kind", "id"]
    search_fields = ["user__first_name", "user__last_name", "agency__acronym"]

    def get_queryset(self) -> Any:
        return selectors.representatives_visible_to(self.request.user)

    @extend_schema(
        summary="Designate a representative (secretariat)",
        description="ToR III.2.1: staff of the agency, no conflict of interest. Idempotent.",
        request=RepresentativeDesignateSerializer,
        responses={201: RepresentativeSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = RepresentativeDesignateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        representative = services.representative_designate(
            actor=actor(request), **data.validated_data
        )
        return Response(
            RepresentativeSerializer(representative).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Revoke a designation (secretariat)",
        request=RepresentativeRevokeSerializer,
        responses={200: RepresentativeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        representative = get_object_or_404(self.get_queryset(), pk=pk)
        data = RepresentativeRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        representative = services.representative_revoke(
            actor=actor(request), representative=representative, **data.validated_data
        )
        return Response(RepresentativeSerializer(representative).data)
