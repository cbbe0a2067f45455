"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from consensus.api import DecisionViewSet

router = SimpleRouter()
router.register("decisions", DecisionViewSet, basename="api-decision")

urlpatterns = router.urls
