"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from rest_framework.routers import SimpleRouter

from meetings import api

router = SimpleRouter()
router.register("meetings", api.MeetingViewSet, basename="meeting")
router.register("teleconference-series", api.SeriesViewSet, basename="teleconference-series")
router.register("venue-proposals", api.VenueProposalViewSet, basename="venue-proposal")
router.register("minutes", api.MinutesViewSet, basename="minutes")
router.register("action-items", api.ActionItemViewSet, basename="action-item")
router.register("chair-terms", api.ChairTermViewSet, basename="chair-term")
router.register("chair-nominations", api.ChairNominationViewSet, basename="chair-nomination")

urlpatterns = router.urls
