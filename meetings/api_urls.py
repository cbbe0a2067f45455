"""API routes of this app, mounted under /api/v1/ in isecg/api/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from meetings import api

router = SimpleRouter()
router.register("meetings", api.MeetingViewSet, basename="api-meeting")
router.register("teleconference-series", api.SeriesViewSet, basename="api-teleconference-series")
router.register("venue-proposals", api.VenueProposalViewSet, basename="api-venue-proposal")
router.register("minutes", api.MinutesViewSet, basename="api-minutes")
router.register("action-items", api.ActionItemViewSet, basename="api-action-item")
router.register("chair-terms", api.ChairTermViewSet, basename="api-chair-term")
router.register("chair-nominations", api.ChairNominationViewSet, basename="api-chair-nomination")

urlpatterns = [
    *router.urls,
    path("me/calendar-feed/", api.CalendarFeedView.as_view(), name="api-me-calendar-feed"),
]
