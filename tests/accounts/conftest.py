"""Fixtures for the accounts tests: the second factor required, enrolled devices, TOTP codes."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.api.conftest import client_for  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def require_2fa(settings) -> None:
    settings.FACTCHECK_REQUIRE_2FA = True


def code_for_key(key: bytes, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for `key` now (or `steps_ahead` 30-second steps on:
    django-otp refuses a step it has already accepted, and allows one step of drift)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    return code_for_key(device.bin_key, steps_ahead)


def code_for_secret(secret: str, steps_ahead: int = 0) -> str:
    """From the base32 secret the enrolment page shows (what a person types into the app)."""
    return code_for_key(b32decode(secret), steps_ahead)


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """Enrol through the service, as the page does: returns the device and the recovery codes."""
    device = services.totp_enrolment_start(user=user)
    return services.totp_enrolment_confirm(user=user, code=code_for(device))
