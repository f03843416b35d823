from rest_framework.routers import SimpleRouter

from briefs.api import views

router = SimpleRouter()
router.register("briefs/packets", views.PacketViewSet, basename="api-packets")

urlpatterns = router.urls
