from django.apps import AppConfig

from claims.apps import DeskAdminConfig


class AccountsConfig(AppConfig):
    default = True  # of the two configurations here, the one `"accounts"` installs
    name = "accounts"
    verbose_name = "Accounts and security"

    def ready(self) -> None:
        from accounts import receivers

        receivers.connect()


class SecureAdminConfig(DeskAdminConfig):
    """django.contrib.admin with the desk's site extended by the second factor (the admin login's
    code step, the enrolment page); INSTALLED_APPS names it in place of claims.apps.DeskAdminConfig.
    """

    default = False

    default_site = "accounts.admin_site.SecureDeskAdminSite"
