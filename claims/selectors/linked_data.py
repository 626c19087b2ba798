"""What a claim's ClaimReview (claims/linked_data/claim_review.py) reads besides the claim page's
own reads: the sources it cites and who last decided its status. One query each."""

from __future__ import annotations

from claims.models import Claim, Source, User


def cited_sources(claim: Claim) -> list[Source]:
    """Every source the claim cites, once each, by key."""
    return list(Source.objects.filter(citations__claim=claim).distinct().order_by("key"))


def status_decider(claim: Claim) -> str | None:
    """The name of who last gave the claim the status it has: the author of the oldest history
    row of its present run of that status, when that row set it (a claim made "open" was decided
    by nobody; one made with another status, by its maker). None when nobody did or the history
    does not name them (a row loaded from the data set, a deleted account). One query."""
    rows = claim.history.order_by("-history_date", "-history_id").values_list(
        "status", "history_user_id", "history_user__first_name", "history_user__last_name", "history_user__username"
    )
    run = []
    for row in rows:
        if row[0] != claim.status:
            older = row[0]
            break
        run.append(row)
    else:
        older = Claim.Status.OPEN  # (before its first row, a claim is open)
    if not run or older == claim.status:
        return None
    _status, user_id, first, last, username = run[-1]
    if user_id is None:
        return None
    return str(User(first_name=first, last_name=last, username=username))
