"""Validators shared by the apps' models."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

# The dates a claim, its event window and its evidence may carry. Anything outside is a typo or a
# probe (0001-01-01, 9999-12-31), and the providers' window arithmetic cannot work with it.
EARLIEST_YEAR = 1900
YEARS_AHEAD = 1


def plausible_date_range() -> tuple[dt.date, dt.date]:
    """1 January 1900 to the end of next year (the upper edge moves with the clock)."""
    return dt.date(EARLIEST_YEAR, 1, 1), dt.date(timezone.now().year + YEARS_AHEAD, 12, 31)


def validate_plausible_date(value: dt.date | dt.datetime) -> None:
    """A model field validator for dates and datetimes (a datetime is judged by its own calendar
    date, so the extremes need no time-zone conversion, which could itself overflow)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    earliest, latest = plausible_date_range()
    if not earliest <= day <= latest:
        raise ValidationError(
            "Must be between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )


# WGS84 degrees.
LATITUDE = [MinValueValidator(-90.0), MaxValueValidator(90.0)]
LONGITUDE = [MinValueValidator(-180.0), MaxValueValidator(180.0)]
