"""Accounts' writes: API tokens, second-factor enrolment and reset, the security audit.

Every function here that changes an account also records a SecurityEvent in the same
transaction, so the audit cannot miss a change that happened (the Zulip pattern: the audit row is
written explicitly by the action, not by a signal).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.addresses import client_address
from accounts.models import ApiToken, SecurityEvent, SecurityEventKind
from factcheck.errors import InvalidInput
from factcheck.http.authentication import token_digest

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
KEY_PREFIX_LENGTH = 8


# --- the audit -----------------------------------------------------------------------------------


def security_event_record(
    *,
    kind: str,
    user: AbstractBaseUser | None = None,
    username: str = "",
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append one event. The address and user agent come from the request when there is one (a
    management command has none: its detail says so)."""
    if actor is not None and user is not None and actor.pk == user.pk:
        actor = None
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        address=client_address(request),
        user_agent=agent[:300],
        detail=detail or {},
    )


# --- API tokens ----------------------------------------------------------------------------------


def token_expiry(now: dt.datetime, days: int | None = None) -> dt.datetime | None:
    """When a token made now expires: after `days`, else FACTCHECK_TOKEN_TTL_DAYS; 0 is never."""
    days = settings.FACTCHECK_TOKEN_TTL_DAYS if days is None else days
    return now + dt.timedelta(days=days) if days > 0 else None


@transaction.atomic
def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    actor: AbstractBaseUser | None = None,
    days: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its key, which is never available again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A token needs a name.", field_errors={"name": ["Required."]})
    if days is not None and days < 0:
        raise InvalidInput(
            "Days must be 0 (never expires) or more.", field_errors={"days": ["Must be >= 0."]}
        )
    key = secrets.token_hex(20)  # the format of DRF's keys: clients that check it keep working
    now = timezone.now()
    token = ApiToken.objects.create(
        name=name[:100],
        user=user,
        prefix=key[:KEY_PREFIX_LENGTH],
        digest=token_digest(key),
        created_at=now,
        expires_at=token_expiry(now, days),
    )
    security_event_record(
        kind=SecurityEventKind.TOKEN_CREATED,
        user=user,
        actor=actor,
        request=request,
        detail={"token": token.pk, "prefix": token.prefix, "name": token.name},
    )
    return token, key


@transaction.atomic
def api_token_revoke(
    *, token: ApiToken, actor: AbstractBaseUser | None = None, request: HttpRequest | None = None
) -> ApiToken:
    """Revoke a token at once (every process forgets it at its next request: the save starts a
    new auth generation). Revoking a revoked token changes nothing and records nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    security_event_record(
        kind=SecurityEventKind.TOKEN_REVOKED,
        user=token.user,
        actor=actor,
        request=request,
        detail={"token": token.pk, "prefix": token.prefix, "name": token.name},
    )
    return token


# --- second factor -------------------------------------------------------------------------------


def totp_enrolment_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed authenticator device, made once and reused until confirmed, so that
    reloading the page does not change the secret the user has just scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def totp_enrolment_confirm(
    *, user: AbstractBaseUser, code: str, request: HttpRequest | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the unconfirmed device with a code from the app; returns it and the user's new
    recovery codes (shown once). A wrong code is an InvalidInput on `code`, and counts towards
    django-otp's throttle on the device (kept: the refusal is raised after its commit)."""
    code = "".join((code or "").split())
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("id")
            .first()
        )
        verified = device is not None and code.isdigit() and device.verify_token(code)
    if device is None:
        raise InvalidInput(
            "Start again: no authenticator is waiting to be confirmed.",
            field_errors={"code": ["No enrolment in progress."]},
        )
    if not verified:
        raise InvalidInput(
            "That code is not the one your app shows now.",
            field_errors={"code": ["Wrong code: type the 6 digits your app shows now."]},
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per user: an older one (a lost phone) goes when a new one comes.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
        security_event_record(
            kind=SecurityEventKind.SECOND_FACTOR_ENROLLED,
            user=user,
            request=request,
            detail={"device": device.persistent_id, "recovery_codes": len(codes)},
        )
    return device, codes


def second_factor_verify(
    *, user: AbstractBaseUser, code: str, request: HttpRequest | None = None
) -> Any:
    """The user's confirmed device that accepts `code` (an authenticator code or a recovery
    code, which is used up), or None, recorded as a `2fa_failed` event. django-otp throttles each
    device after failures (growing delays), so codes cannot be tried by the million."""
    from django_otp import devices_for_user

    code = "".join((code or "").split())
    accepted = None
    with transaction.atomic():
        if code:
            for device in devices_for_user(user, confirmed=True, for_verify=True):
                if device.verify_token(code):
                    accepted = device
                    break
    if accepted is None:
        security_event_record(
            kind=SecurityEventKind.SECOND_FACTOR_FAILED, user=user, request=request
        )
    return accepted


@transaction.atomic
def recovery_codes_renew(
    *, user: AbstractBaseUser, request: HttpRequest | None = None
) -> list[str]:
    """New recovery codes for an enrolled user (the old ones stop working)."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise InvalidInput("Enrol an authenticator app first.")
    codes = _new_recovery_codes(user)
    security_event_record(
        kind=SecurityEventKind.RECOVERY_CODES_RENEWED,
        user=user,
        request=request,
        detail={"recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def second_factor_reset(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | None = None, reason: str = ""
) -> int:
    """Remove every OTP device of the user (a lost phone and lost codes); returns how many. The
    user enrols again at the next admin visit when FACTCHECK_REQUIRE_2FA applies to them."""
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    removed += StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
    security_event_record(
        kind=SecurityEventKind.SECOND_FACTOR_RESET,
        user=user,
        actor=actor,
        detail={"devices_removed": removed, **({"reason": reason} if reason else {})},
    )
    return removed
