from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # The thumbnails' storage backend (FACTCHECK_MEDIA_STORAGE) must exist at start-up, not
        # fail at the first picture a worker keeps.
        backend = settings.STORAGES["default"]["BACKEND"]
        try:
            import_string(backend)
        except ImportError as error:
            raise ImproperlyConfigured(
                f"FACTCHECK_MEDIA_STORAGE: cannot import the storage class {backend!r}: {error}"
            ) from error

        from evidence.metrics import fetch_job_metrics, oldest_queued_metrics
        from factcheck import metrics

        # A whole-table GROUP BY (counters over every job): cached between scrapes.
        metrics.register("fetch_jobs", fetch_job_metrics, cached=True)
        metrics.register("fetch_oldest_queued", oldest_queued_metrics)
