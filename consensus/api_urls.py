"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from consensus.api import DecisionViewSet, PublicKeyView

router = SimpleRouter()
router.register("decisions", DecisionViewSet, basename="api-decision")

urlpatterns = [
    *router.urls,
    path("record/public-key/", PublicKeyView.as_view(), name="api-record-public-key"),
]
