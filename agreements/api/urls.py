from rest_framework.routers import SimpleRouter

from agreements.api import views

router = SimpleRouter()
# Children first: their prefixes would otherwise read as an agreement id.
router.register(
    "agreements/participants", views.ParticipantViewSet, basename="api-agreement-participants"
)
router.register(
    "agreements/coordination", views.CoordinationViewSet, basename="api-agreement-coordination"
)
router.register(
    "agreements/legal-authorities",
    views.LegalAuthorityViewSet,
    basename="api-legal-authorities",
)
router.register(
    "agreements/no-authority-reasons",
    views.NoAuthorityReasonViewSet,
    basename="api-no-authority-reasons",
)
router.register(
    "agreements/coordinating-offices",
    views.CoordinatingOfficeViewSet,
    basename="api-coordinating-offices",
)
router.register("agreements", views.AgreementViewSet, basename="api-agreements")

urlpatterns = router.urls
