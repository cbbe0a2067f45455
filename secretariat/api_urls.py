"""API routes of the secretariat app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from secretariat.api import SecretariatMemberViewSet

router = SimpleRouter()
router.register("secretariat-members", SecretariatMemberViewSet, basename="api-secretariat-member")

urlpatterns = router.urls
