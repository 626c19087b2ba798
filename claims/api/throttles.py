"""Throttles per user (per address before login), counted in the cache "api_throttle".

DRF's own read their rates once, when imported; these read REST_FRAMEWORK's rates on each
request, so that a deployment's settings and a test's override_settings both apply.
"""

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _RatesOfTheSettings:
    scope: str

    @property
    def cache(self):
        return caches["api_throttle"]

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RatesOfTheSettings, AnonRateThrottle):
    pass


class UserThrottle(_RatesOfTheSettings, UserRateThrottle):
    pass
