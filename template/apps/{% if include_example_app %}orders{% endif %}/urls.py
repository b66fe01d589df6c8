from rest_framework.routers import DefaultRouter

from apps.orders.views import OrderViewSet, ProductViewSet

router = DefaultRouter()
router.register("orders", OrderViewSet, basename="order")
router.register("products", ProductViewSet, basename="product")

urlpatterns = router.urls
