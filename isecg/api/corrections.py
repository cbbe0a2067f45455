"""`/api/v1/corrections/`: read a record's corrections; the secretariat records one.

Thin adapters over `isecg.corrections` (DESIGN.md "Interfaces": one audited correction
service, with a reason, never a status, a position, an outcome or an issued text).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from isecg import corrections
from isecg.api.permissions import ReadAnyWriteSecretariat
from isecg.api.schema import WRITE_ERRORS, error
from isecg.http import actor
from isecg.models import Correction


class CorrectionSerializer(serializers.ModelSerializer[Correction]):
    record = serializers.SerializerMethodField(
        help_text="The corrected record as app_label.model:id, e.g. agencies.agency:12."
    )
    model = serializers.SerializerMethodField(help_text="app_label.model, e.g. agencies.agency.")
    field_label = serializers.SerializerMethodField(help_text="The field's name for people.")
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Who corrected it (the secretariat)."
    )
    before = serializers.JSONField(read_only=True, help_text="The former value (plain JSON).")
    after = serializers.JSONField(read_only=True, help_text="The corrected value (plain JSON).")

    class Meta:
        model = Correction
        fields = [
            "id",
            "record",
            "model",
            "object_id",
            "object_repr",
            "field",
            "field_label",
            "before",
            "after",
            "reason",
            "actor",
            "at",
        ]
        read_only_fields = fields

    def get_model(self, row: Correction) -> str:
        return f"{row.content_type.app_label}.{row.content_type.model}"

    def get_record(self, row: Correction) -> str:
        return f"{self.get_model(row)}:{row.object_id}"

    def get_field_label(self, row: Correction) -> str:
        registration = corrections.registration_for(self.get_model(row))
        return registration.field_label(row.field) if registration else row.field


class CorrectionCreateSerializer(serializers.Serializer[Any]):
    model = serializers.CharField(
        max_length=100, help_text="The kind of record, as app_label.model: agencies.agency."
    )
    object_id = serializers.CharField(max_length=64, help_text="The record's id.")
    changes = serializers.DictField(
        allow_empty=False,
        help_text=(
            'Field name to corrected value, e.g. {"joined_on": "2007-11-06"}. Only the '
            "fields registered as correctable for that kind of record: any other "
            "(a status, a position, an outcome, an issued text) is refused "
            "with `not_correctable`."
        ),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required: why the value was wrong (`reason_required` when blank).",
    )


@extend_schema_view(
    list=extend_schema(
        summary="List corrections",
        description=(
            "Corrections of records you may see, newest first; the secretariat sees all. "
            "Filter one record's history with `?record=agencies.agency:12`."
        ),
        parameters=[
            OpenApiParameter(
                "record",
                str,
                description="One record, as app_label.model:id (e.g. agencies.agency:12).",
            ),
            OpenApiParameter("model", str, description="One kind of record, as app_label.model."),
        ],
        responses={200: CorrectionSerializer(many=True)},
    ),
)
class CorrectionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Correction]):
    """Corrections of data errors, each with its reason. Written only by the secretariat."""

    serializer_class = CorrectionSerializer
    permission_classes = [ReadAnyWriteSecretariat]
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Correction.objects.none()
        queryset = corrections.corrections_visible_to(self.request.user)
        record = self.request.query_params.get("record")
        if record is not None:
            label, object_id = corrections.parse_record_key(record)
            queryset = queryset.filter(object_id=object_id)
        else:
            label = self.request.query_params.get("model", "").strip().lower()
        if label:
            app_label, _, model = label.partition(".")
            queryset = queryset.filter(content_type__app_label=app_label, content_type__model=model)
        return queryset

    @extend_schema(
        summary="Correct a record (secretariat)",
        description=(
            "Fix a data error, such as a wrong date or a misspelt name, with its reason. "
            "One correction per changed field, shown in the record's history; values equal "
            "to the record's are skipped (200 with an empty list when nothing differs)."
        ),
        request=CorrectionCreateSerializer,
        responses={
            201: CorrectionSerializer(many=True),
            200: CorrectionSerializer(many=True),
            **WRITE_ERRORS,
            400: error(
                "`reason_required` (no reason), `not_correctable` (a field or kind of record "
                "that corrections never change), or an invalid value (`errors` names the field)."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = CorrectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = actor(request)
        _, record = corrections.record_for(
            user, data.validated_data["model"], data.validated_data["object_id"]
        )
        rows = corrections.record_correct(
            actor=user,
            obj=record,
            changes=data.validated_data["changes"],
            reason=data.validated_data["reason"],
        )
        return Response(
            CorrectionSerializer(rows, many=True).data,
            status=status.HTTP_201_CREATED if rows else status.HTTP_200_OK,
        )
