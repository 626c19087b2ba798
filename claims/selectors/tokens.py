"""A user's personal API tokens as the account page lists them: two queries, however many.

Every token in use is listed (services.API_TOKENS_PER_USER of them at most), so that each can
be revoked; of the revoked ones, which pile up over the years, only the latest few.
"""

from dataclasses import dataclass

from claims.models import ApiToken, User

REVOKED_SHOWN = 10


@dataclass
class TokenList:
    tokens: list[ApiToken]  # in use first, then the latest revoked; each part newest first
    revoked_not_shown: int


def tokens_of(user: User) -> TokenList:
    active = list(ApiToken.objects.active().filter(user=user))
    # One more than shown: whether there are older ones, without counting them all every time.
    revoked = list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=False).order_by("-revoked_at", "-pk")[: REVOKED_SHOWN + 1]
    )
    hidden = 0
    if len(revoked) > REVOKED_SHOWN:
        hidden = ApiToken.objects.filter(user=user, revoked_at__isnull=False).count() - REVOKED_SHOWN
    return TokenList(active + revoked[:REVOKED_SHOWN], hidden)
