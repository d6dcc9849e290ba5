"""The admin's second-factor pages: the code step of the login and the enrolment page.

Thin views: what they change goes through accounts.services. The QR code is drawn here, on the
server, as inline SVG (segno), so the page needs no script and the secret leaves only to the
user's own browser.
"""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from claims.workflow import second_factor_required
from factcheck.errors import InvalidInput

PENDING_KEY = "accounts_pending_login"
PENDING_SECONDS = 300
PENDING_MAX_CODES = 5


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def session_verified(request: HttpRequest) -> bool:
    """Whether this session passed a second factor (django-otp's middleware says)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def pending_login_start(request: HttpRequest, *, user: Any, next_url: str) -> None:
    """The password was right: remember who is halfway in (not logged in) for PENDING_SECONDS."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", None) or request.session.get(BACKEND_SESSION_KEY),
        "at": time.time(),
        "next": next_url,
        "codes_tried": 0,
    }


def _pending(request: HttpRequest) -> tuple[dict[str, Any] | None, Any]:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    return (pending, user) if user is not None else (None, None)


def login_verify_view(request: HttpRequest, *, context: dict[str, Any]) -> HttpResponse:
    login_url = reverse("admin:login", current_app=request.current_app)
    pending, user = _pending(request)
    if pending is None:
        messages.error(request, "Log in again: the time to enter your code ran out.")
        return HttpResponseRedirect(login_url)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(
            user=user, code=form.cleaned_data["code"], request=request
        )
        if device is not None:
            request.session.pop(PENDING_KEY, None)
            user.otp_device = device  # django-otp's user_logged_in receiver keeps it in the session
            auth_login(request, user, backend=pending["backend"])
            return HttpResponseRedirect(pending["next"])
        pending["codes_tried"] += 1
        if pending["codes_tried"] >= PENDING_MAX_CODES:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, "Too many wrong codes: log in again.")
            return HttpResponseRedirect(login_url)
        request.session[PENDING_KEY] = pending
        form.add_error(
            "code",
            "That code is not right (or came too soon after a wrong one: wait a few seconds).",
        )
    return TemplateResponse(
        request,
        "accounts/login_verify.html",
        {**context, "title": "Two-factor authentication", "form": form, "username": user},
    )


def _qr_svg(device: TOTPDevice) -> str:
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=5, border=2))  # noqa: S308 - segno's own SVG, no user text in markup


def two_factor_page_view(request: HttpRequest, *, context: dict[str, Any]) -> HttpResponse:
    user = request.user
    form = CodeForm(request.POST if request.method == "POST" else None)
    page: dict[str, Any] = {
        **context,
        "title": "Two-factor authentication",
        "required": second_factor_required(user),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "renew_codes":
        try:
            page["recovery_codes"] = services.recovery_codes_renew(user=user, request=request)
        except InvalidInput as error:
            messages.error(request, error.message)
    elif action == "confirm" and form.is_valid():
        try:
            device, codes = services.totp_enrolment_confirm(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except InvalidInput as error:
            form.add_error("code", error.field_errors.get("code", [error.message]))
        else:
            django_otp.login(request, device)  # this session has just shown a code
            page["recovery_codes"] = codes
            page["just_enrolled"] = True
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    page["device"] = confirmed
    if confirmed is not None:
        page["recovery_codes_left"] = StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count()
    else:
        pending = services.totp_enrolment_start(user=user)
        page.update(
            form=form,
            qr_svg=_qr_svg(pending),
            secret=b32encode(pending.bin_key).decode(),
            account=user.get_username(),
        )
    return TemplateResponse(request, "accounts/two_factor.html", page)
