"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from membership import api

router = SimpleRouter()
router.register("tor-versions", api.ToRVersionViewSet, basename="api-tor-version")
router.register("acceptances", api.ToRAcceptanceViewSet, basename="api-tor-acceptance")
router.register(
    "membership-requests", api.MembershipRequestViewSet, basename="api-membership-request"
)
router.register("amendments", api.ToRAmendmentViewSet, basename="api-tor-amendment")
router.register("extensions", api.ToRExtensionProposalViewSet, basename="api-tor-extension")
router.register("withdrawals", api.WithdrawalViewSet, basename="api-withdrawal")

urlpatterns = [
    *router.urls,
    path(
        "agencies/<str:acronym>/tor-basis/",
        api.AgencyToRBasisView.as_view(),
        name="api-agency-tor-basis",
    ),
]
