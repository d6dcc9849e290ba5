"""Django's and axes' authentication signals, recorded as security events (connected by
accounts.apps). These are the doors the accounts app does not own: Django's login, its failed
authentications (wherever `authenticate` is called), and axes' lockouts."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed

from accounts.models import SecurityEventKind
from accounts.services import security_event_record


def _logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    device = getattr(user, "otp_device", None)
    security_event_record(
        kind=SecurityEventKind.LOGIN,
        user=user,
        request=request,
        detail={"second_factor": device.persistent_id if device is not None else None},
    )


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username})
    security_event_record(
        kind=SecurityEventKind.LOGIN_FAILED,
        user=user.first() if username else None,
        username=username,
        request=request,
        detail={
            "path": request.path if request is not None else None,
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


def _locked_out(sender: Any, request: Any, username: str | None, ip_address: str, **_: Any) -> None:
    user = None
    if username:
        user = (
            get_user_model()
            ._default_manager.filter(**{get_user_model().USERNAME_FIELD: username})
            .first()
        )
    security_event_record(
        kind=SecurityEventKind.LOCKOUT,
        user=user,
        username=username or "",
        request=request,
        detail={
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": settings.FACTCHECK_LOGIN_COOLOFF_MINUTES,
        },
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="accounts.security_events.login")
    user_login_failed.connect(_login_failed, dispatch_uid="accounts.security_events.login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="accounts.security_events.lockout")
