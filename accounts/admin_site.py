"""The desk's admin site with a second factor.

- Login is two steps for a user with a confirmed OTP device: the password (Django's form, through
  `authenticate`, so axes counts failures and locks out), then a code from the authenticator app
  or a recovery code (`login/verify/`). No session is logged in until the code is right, so a
  stolen password alone opens nothing, not even the API's session door.
- A logged-in user with a device whose session was not verified with a code has no admin access
  (has_permission), and neither has one the API's session authentication accepts
  (accounts.authentication).
- While FACTCHECK_REQUIRE_2FA binds them (claims.workflow.second_factor_missing: reviewers and
  superusers), a user without a device is sent to the enrolment page before any other admin page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from accounts import two_factor
from claims.admin_site import DeskAdminSite
from claims.workflow import has_second_factor, second_factor_missing


class PasswordStepLoginView(LoginView):
    """Django's login view; a user with a device is not logged in yet but sent to the code step."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if has_second_factor(user):
            two_factor.pending_login_start(self.request, user=user, next_url=self.get_success_url())
            return HttpResponseRedirect(
                reverse("admin:login_verify", current_app=self.request.current_app)
            )
        return super().form_valid(form)


class SecureDeskAdminSite(DeskAdminSite):
    """Installed as the default site by accounts.apps.SecureAdminConfig."""

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        # A session logged in without its code (force_login, or one from before enrolment) must
        # log in again with the code.
        return not has_second_factor(user) or two_factor.session_verified(request)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        wrapped = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (
                self.has_permission(request)
                and second_factor_missing(request.user)
                and request.path not in self._enrolment_paths()
            ):
                return HttpResponseRedirect(reverse("admin:two_factor", current_app=self.name))
            return wrapped(request, *args, **kwargs)

        inner.__wrapped__ = wrapped  # type: ignore[attr-defined]
        inner.admin_site = self  # type: ignore[attr-defined]
        return inner

    def _enrolment_paths(self) -> set[str]:
        return {
            reverse(f"admin:{name}", current_app=self.name)
            for name in ("two_factor", "logout", "login", "login_verify")
        }

    def get_urls(self) -> list[URLPattern]:
        verify = csrf_protect(never_cache(self.login_verify))
        return [
            path("login/verify/", verify, name="login_verify"),
            path("two-factor/", self.admin_view(self.two_factor_page), name="two_factor"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """AdminSite.login with the password step of PasswordStepLoginView."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        from django.contrib.admin.forms import AdminAuthenticationForm

        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return PasswordStepLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def login_verify(self, request: HttpRequest) -> HttpResponse:
        request.current_app = self.name
        return two_factor.login_verify_view(request, context=self.each_context(request))

    def two_factor_page(self, request: HttpRequest) -> HttpResponse:
        request.current_app = self.name
        return two_factor.two_factor_page_view(request, context=self.each_context(request))
