"""Personal API tokens: `Authorization: Bearer <token>`, made and revoked on the account page.

Only the token's SHA-256 hash is stored (claims.models.ApiToken, claims/tokens.py); a token is
looked up by the hash of what the client sends. A token opens the API only (DRF's views): the
site's pages know nothing of it (Django's AuthenticationMiddleware reads the session alone),
so a token that leaks does not also open the pages, nor their forms' CSRF-free equivalents.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from claims import services, tokens
from claims.models import ApiToken

MALFORMED = "Send the token as 'Authorization: Bearer <token>', the token as your account page showed it."
UNKNOWN = "No such token: check that it was copied whole, or make a new one on your account page."
REVOKED = "This token was revoked: make a new one on your account page."
INACTIVE = "The account this token belongs to is deactivated."


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session's authentication may still apply
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED)
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(MALFORMED) from None
        # Revoked tokens are looked up too, to say so: whoever sends one held the token.
        token = ApiToken.objects.select_related("user").filter(key_hash=tokens.hash_of(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(UNKNOWN)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(REVOKED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        services.api_token_used(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Names the scheme in a 401's WWW-Authenticate (DRF answers 403 without one).
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """The schema's name for the scheme above (drf-spectacular finds an extension by its
    target class once this module is imported: claims.apps imports it)."""

    target_class = PersonalTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token, made on your account page (/accounts/) and shown there once: "
                "send it as 'Authorization: Bearer sca_…'. Revoke it there when it is no longer needed."
            ),
        }
