"""Building blocks shared by the apps' API serializers."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from rest_framework import serializers

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


# Fields that hold other fields (or reach the request through their parents) are deep-copied.
_DEEP_COPIED = (serializers.BaseSerializer, serializers.ManyRelatedField, serializers.RelatedField)


def _field_copy(field: serializers.Field) -> serializers.Field:
    """A plain field's own state is its binding (name, parent, source), which bind() sets on the
    copy; the rest (choices, error messages) is read-only and may be shared. DRF's deepcopy would
    run the field's __init__ again."""
    return copy.deepcopy(field) if isinstance(field, _DEEP_COPIED) else copy.copy(field)


class ReadModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that works its fields out from the model once per class. DRF inspects the
    model and builds every field again each time a serializer is made (once per request and nested
    serializer), which was a quarter of the time of opening a ticket. Each instance still gets its
    own copies of the fields, bound to it."""

    def get_fields(self) -> dict[str, serializers.Field]:
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built  # type: ignore[attr-defined]
        return {name: _field_copy(field) for name, field in built.items()}


class UserRefSerializer(ReadModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]
        read_only_fields = fields


class _StringOnly:
    """JSON strings only: DRF would turn 0 into "0", which the schema (type string) forbids."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
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


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    # An input serializer whose fields come from a model (types, sizes, help texts, validators),
    # refusing unknown fields, with the strict JSON types above instead of DRF's lenient ones.

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
