"""Everything under /api/v1/. Each app registers its viewsets on the one router here."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from agencies.api import AgencyViewSet, RepresentativeViewSet
from isecg.api.auth import obtain_auth_token
from isecg.api.corrections import CorrectionViewSet
from isecg.api.views import MeView, NotificationViewSet

# Swagger UI and ReDoc start themselves with inline script and style, and ReDoc
# runs a blob: worker: their two pages only relax the site's policy.
docs_csp = csp_update(
    {
        "script-src": [UNSAFE_INLINE],
        "style-src": [UNSAFE_INLINE],
        "img-src": ["data:", "https://cdn.redoc.ly"],
        "worker-src": [SELF, "blob:"],
    }
)

router = DefaultRouter()
router.register("agencies", AgencyViewSet, basename="api-agency")
router.register("representatives", RepresentativeViewSet, basename="api-representative")
router.register("notifications", NotificationViewSet, basename="api-notification")
router.register("corrections", CorrectionViewSet, basename="api-correction")

urlpatterns = [
    path("", include(router.urls)),
    path("", include("consensus.api_urls")),
    path("", include("membership.api_urls")),
    path("", include("products.api_urls")),
    path("", include("meetings.api_urls")),
    path("", include("secretariat.api_urls")),
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        docs_csp(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        docs_csp(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]
