"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from products import api

router = SimpleRouter()
router.register("working-groups", api.WorkingGroupViewSet, basename="api-workinggroup")
router.register("expert-referrals", api.ExpertReferralViewSet, basename="api-expertreferral")
router.register("products", api.ProductViewSet, basename="api-product")
router.register("product-versions", api.ProductVersionViewSet, basename="api-productversion")
router.register("product-endorsements", api.EndorsementViewSet, basename="api-productendorsement")
router.register("product-comments", api.CommentViewSet, basename="api-productcomment")
router.register("workplans", api.WorkplanViewSet, basename="api-workplan")
router.register("workplan-items", api.WorkplanItemViewSet, basename="api-workplanitem")

urlpatterns = router.urls
