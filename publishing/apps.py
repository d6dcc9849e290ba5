from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from claims.signals import ticket_transitioned
        from publishing.services import on_ticket_transitioned

        ticket_transitioned.connect(on_ticket_transitioned, dispatch_uid="publishing")
