from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from factcheck.http.health import HealthView
from factcheck.http.schema_view import SchemaView
from factcheck.metrics import metrics_view

# The desk's workbench carries the publisher's name; "View site" leads to the API docs, the one
# public page this service has.
admin.site.site_header = f"{settings.FACTCHECK_PUBLISHER_NAME}: verification workbench"
admin.site.site_title = settings.FACTCHECK_PUBLISHER_NAME
admin.site.index_title = "Tickets, evidence and fetch jobs"
admin.site.site_url = "/api/docs/"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("claims.api.urls")),
    path("api/v1/", include("evidence.api.urls")),
    path("api/v1/", include("memory.api.urls")),
    path("api/v1/", include("intake.api.urls")),
    path("api/v1/", include("webhooks.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script of its own (?script), not
    # inline: the Content-Security-Policy allows no inline script without a nonce.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", HealthView.as_view(), name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("evidence.urls")),
    path("", include("publishing.urls")),
]
if settings.FACTCHECK_BENCH_VIEWS:
    urlpatterns.append(path("bench/", include("bench.urls")))

# JSON error bodies on API paths, Django's pages elsewhere.
handler400 = "factcheck.http.errors.bad_request"
handler403 = "factcheck.http.errors.permission_denied"
handler404 = "factcheck.http.errors.page_not_found"
handler500 = "factcheck.http.errors.server_error"
