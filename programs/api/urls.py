from rest_framework.routers import SimpleRouter

from programs.api import views

router = SimpleRouter()
# Children first: their prefixes would otherwise read as a program id.
router.register("programs/participants", views.ParticipantViewSet, basename="api-participants")
router.register("programs/funding", views.FundingViewSet, basename="api-funding")
router.register("programs/milestones", views.MilestoneViewSet, basename="api-milestones")
router.register("programs", views.ProgramViewSet, basename="api-programs")

urlpatterns = router.urls
