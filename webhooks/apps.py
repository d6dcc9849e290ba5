from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"
    # Role groups this app's migrations create: `create_role_user --role integrator` takes them
    # (claims' command asks every app for its `desk_roles`, so it needs to know none of them).
    desk_roles = ("integrator",)

    def ready(self) -> None:
        from factcheck import metrics
        from webhooks import receivers
        from webhooks.metrics import webhook_metrics

        receivers.connect()
        # Deliveries by status and attempts by outcome on /metrics.
        metrics.register("webhooks", webhook_metrics, cached=True)
