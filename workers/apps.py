from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = "Evidence workers"

    def ready(self) -> None:
        from factcheck import metrics
        from workers.metrics import queue_metrics

        metrics.register("queues", queue_metrics)
