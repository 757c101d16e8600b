"""Serializer fields stricter than DRF's own, for request bodies."""

from __future__ import annotations

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField turns ``80905763`` or ``true`` into a string, so a client's typo
    (a number where a name belongs) would be stored instead of refused."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
