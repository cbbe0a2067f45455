"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from membership import api

router = SimpleRouter()
router.register("tor-versions", api.ToRVersionViewSet, basename="tor-version")
router.register("acceptances", api.ToRAcceptanceViewSet, basename="tor-acceptance")
router.register("membership-requests", api.MembershipRequestViewSet, basename="membership-request")
router.register("amendments", api.ToRAmendmentViewSet, basename="tor-amendment")
router.register("extensions", api.ToRExtensionProposalViewSet, basename="tor-extension")
router.register("withdrawals", api.WithdrawalViewSet, basename="withdrawal")

urlpatterns = router.urls
