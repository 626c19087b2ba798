"""Serializer fields the API's resources share."""

from rest_framework import serializers

from claims.quoting import shorten


class QuotesBriefly:
    """A field whose refusals quote the value sent at a bounded length (claims/quoting.py): DRF's
    own ("Object with key=… does not exist.", "“…” is not a valid choice.") quote all of it."""

    def fail(self, key, **kwargs):
        super().fail(key, **{name: shorten(value) for name, value in kwargs.items()})


class Choice(QuotesBriefly, serializers.ChoiceField):
    pass
