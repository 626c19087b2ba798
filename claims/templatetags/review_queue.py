"""The review queue's entry in the navigation (templates/base.html): "Review (N)" for whoever
may grade. Worked out only when the navigation is rendered, in one query counting at most
selectors.queues.NAV_CAP of each kind (none for whoever may not grade)."""

from django import template

from claims import roles
from claims.selectors import queues

register = template.Library()


@register.inclusion_tag("claims/_review_nav.html", takes_context=True)
def review_queue_link(context) -> dict:
    user = context.get("user")
    if not roles.can_assess(user):
        return {"shown": False}
    count = queues.waiting_count(user)
    return {"shown": True, "count": queues.shown_count(count), "adjudicate": roles.can_resolve_dispute(user)}
