from rest_framework.routers import SimpleRouter

from tsfd.api import views

router = SimpleRouter()
router.register("tsfd/requests", views.DisclosureRequestViewSet, basename="api-tsfd-requests")
router.register("tsfd/reviews", views.ReviewViewSet, basename="api-tsfd-reviews")
router.register("tsfd/review-areas", views.ReviewAreaViewSet, basename="api-tsfd-review-areas")

router.register("tsfd/releases", views.ReleaseViewSet, basename="api-tsfd-releases")
router.register("tsfd/ddls", views.DelegationLetterViewSet, basename="api-tsfd-ddls")
router.register("tsfd/ndp-levels", views.NdpLevelViewSet, basename="api-tsfd-ndp-levels")
router.register(
    "tsfd/standard-provisos", views.StandardProvisoViewSet, basename="api-tsfd-standard-provisos"
)

urlpatterns = router.urls
