"""Personal API tokens: `Authorization: Bearer <token>`, made and revoked on the account page.

Only the token's SHA-256 hash is stored (claims.models.ApiToken); a token is looked up by
the hash of what the client sends.
"""

import hashlib

from rest_framework import authentication, exceptions

from claims.models import ApiToken


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session's authentication may still apply
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as 'Authorization: Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token has characters no token has.") from None
        token = ApiToken.objects.active().select_related("user").filter(key_hash=token_hash(raw)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
