from rest_framework.routers import SimpleRouter

from tsfd.api import views

router = SimpleRouter()
router.register("tsfd/requests", views.DisclosureRequestViewSet, basename="api-tsfd-requests")
router.register("tsfd/reviews", views.ReviewViewSet, basename="api-tsfd-reviews")
router.register("tsfd/review-areas", views.ReviewAreaViewSet, basename="api-tsfd-review-areas")

urlpatterns = router.urls
