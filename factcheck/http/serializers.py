"""Building blocks shared by the apps' API serializers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from rest_framework import serializers

from factcheck.patches import ModelSerializerFieldsOnce

# Caps on free text, so a huge string is a 400 with a field error rather than a huge row.
LONG_TEXT_MAX = 20_000
NOTE_MAX = 5_000


class StrictSerializer(serializers.Serializer):
    # An input serializer that refuses fields it does not know, at every nesting level (nested
    # StrictSerializers check their own), naming each unknown field. (A comment, not a docstring:
    # the schema would show it as every subclass's description.)

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            unknown = {str(name): ["Unknown field."] for name in data if name not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, Mapping):
                raise serializers.ValidationError({**error.detail, **unknown}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class FiniteFloatField(serializers.FloatField):
    """A JSON number that is a real number (DRF's FloatField takes "nan" and "1e999" strings)."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, str | bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class ReadModelSerializer(ModelSerializerFieldsOnce, serializers.ModelSerializer):
    """A ModelSerializer whose fields are worked out from the model once per class (a patch on
    DRF's internals, justified and tested in factcheck.patches). Each instance still gets its own
    copies of the fields, bound to it."""


class UserRefSerializer(ReadModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]
        read_only_fields = fields


class _StringOnly:
    """JSON strings only: DRF would turn 0 into "0", which the schema (type string) forbids. The
    length is checked as sent, as the schema's maxLength says: DRF checks it after trimming, and
    would take a string one space too long."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        max_length = getattr(self, "max_length", None)
        if max_length is not None and len(data) > max_length:
            self.fail("max_length", max_length=max_length)  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class _NumberOnly:
    """JSON numbers only: DRF would accept "5", which the schema (type integer/number) forbids."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str | bool):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class TextField(_StringOnly, serializers.CharField):
    pass


class UrlField(_StringOnly, serializers.URLField):
    pass


class SlugField(_StringOnly, serializers.SlugField):
    pass


class IntegerField(_NumberOnly, serializers.IntegerField):
    pass


class StrictModelSerializer(
    ModelSerializerFieldsOnce, StrictSerializer, serializers.ModelSerializer
):
    # An input serializer whose fields come from a model (types, sizes, help texts, validators),
    # refusing unknown fields, with the strict JSON types above instead of DRF's lenient ones.
    # Worked out once per class, as ReadModelSerializer's: opening a ticket makes one per request.

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
        models.SlugField: SlugField,
        models.URLField: UrlField,
        models.FloatField: FiniteFloatField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
    }
