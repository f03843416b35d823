from rest_framework.routers import SimpleRouter

from fora.api import views

router = SimpleRouter()
# Children first: their prefixes would otherwise read as a forum id.
router.register("fora/meetings", views.MeetingViewSet, basename="api-fora-meetings")
router.register("fora/agenda-items", views.AgendaItemViewSet, basename="api-fora-agenda-items")
router.register("fora/attendees", views.AttendeeViewSet, basename="api-fora-attendees")
router.register("fora/action-items", views.ActionItemViewSet, basename="api-fora-action-items")
router.register(
    "fora/working-groups", views.WorkingGroupViewSet, basename="api-fora-working-groups"
)
router.register("fora", views.ForumViewSet, basename="api-fora")

urlpatterns = router.urls
