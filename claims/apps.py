from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClaimsConfig(AppConfig):
    default = True  # of the two configurations here, the one `"claims"` installs
    name = "claims"
    verbose_name = "Claims and verification tickets"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from factcheck.aggregates import register_sqlite_aggregates
        from factcheck.http.authentication import connect_signals

        # In every process (web, workers, management commands): any of them may change a user.
        connect_signals()
        # The embedded demo's SQLite gets the aggregates PostgreSQL has (the desk overview's medians).
        connection_created.connect(register_sqlite_aggregates, dispatch_uid="sqlite_aggregates")

        from claims.metrics import ticket_metrics
        from factcheck import metrics

        # An index-only scan of every opening and workflow event: cached between scrapes.
        metrics.register("tickets", ticket_metrics, cached=True)


class DeskAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the desk's site (the desk overview as its index) as `admin.site`;
    INSTALLED_APPS names it in place of django.contrib.admin."""

    default = False

    default_site = "claims.admin_site.DeskAdminSite"
