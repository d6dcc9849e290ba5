from rest_framework.routers import SimpleRouter

import factcheck.http.converters  # noqa: F401  (registers the `id` converter)
from webhooks.api import views

router = SimpleRouter(use_regex_path=False)
router.register("webhooks", views.WebhookEndpointViewSet, basename="webhook")

urlpatterns = router.urls
