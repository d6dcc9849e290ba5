from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims and verification tickets"

    def ready(self) -> None:
        from factcheck.http.authentication import connect_signals

        # In every process (web, workers, management commands): any of them may change a user.
        connect_signals()
