"""What the review resources (grades, annotations, disputes, ratings) share: who may read,
where a target lives in the API, and how a request names one.

The rules are the pages' (claims/views/review.py): reading needs one of the roles, a refusal by
role comes before the lookup (it never tells whether a thing exists), and what blind grading
hides answers 404 as a thing that does not exist would.
"""

from typing import Any

from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from claims import roles, targets
from claims.quoting import quoted
from claims.selectors.detail import hidden_from
from claims.views.access import NO_ROLE


class Reader(permissions.BasePermission):
    """Logged in (else 401) with a role that may read (else 403, as on the pages)."""

    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        # (Unauthenticated: DRF answers 401 with the token's WWW-Authenticate, not this 403.)
        return bool(request.user and request.user.is_authenticated and roles.can_read(request.user))


class HeadAsGet:
    """A viewset mixin: HEAD is a GET without the body, refused where GET is, with the same answer
    (the same Content-Length: tests/test_url_matrix.py holds every address to it)."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed("GET" if request.method == "HEAD" else request.method)


class ReviewViewSet(HeadAsGet, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A review resource: listed and read by whoever may read, what blind grading hides answering 404."""

    permission_classes = [Reader]

    def judged(self, obj: Model) -> Model:
        """What blind grading judges when obj is asked for (a note: what it is on)."""
        return obj

    def get_object(self):
        obj = super().get_object()
        # (The list's filter, selectors.blind_filters, leaves it out already; the pages' rule, asked again.)
        if hidden_from(self.request.user, self.judged(obj)):
            raise Http404("Hidden by blind grading.")
        return obj

    def saved(self, obj: Model, code: int = status.HTTP_200_OK) -> Response:
        """The answer to a write: what was written, read again as the list reads it."""
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=code)


class Revisable:
    """PATCH: PUT of the fields sent (the viewset's update takes partial)."""

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


# Where each kind of target is in the API: the route's name, its lookup and its plural.
# Claims and sources go by key, everything else by id.
_ROUTES: dict[str, tuple[str, str, str]] = {
    "claim": ("api-claim-detail", "key", "claims"),
    "source": ("api-source-detail", "key", "sources"),
    "citation": ("api-citation-detail", "pk", "citations"),
    "source-grade": ("source-grade-detail", "pk", "source-grades"),
    "citation-grade": ("citation-grade-detail", "pk", "citation-grades"),
    "consistency-rating": ("consistency-rating-detail", "pk", "consistency-ratings"),
    "dispute": ("dispute-detail", "pk", "disputes"),
}


def identifier(obj: Model) -> str:
    """How the API names a target: a claim or source by its key, anything else by its id."""
    kind = targets.of(obj)
    return str(getattr(obj, _ROUTES[kind.url_kind][1] if kind else "pk"))


def api_url(request: Request | None, url_kind: str, value: Any) -> str:
    name, lookup, plural = _ROUTES[url_kind]
    path = reverse(name, kwargs={lookup: value})
    return request.build_absolute_uri(path) if request is not None else path


def target_url(request: Request | None, obj: Model) -> str:
    kind = targets.of(obj)
    assert kind is not None
    return api_url(request, kind.url_kind, identifier(obj))


def find_target(user, kind: targets.TargetKind, value: str) -> Model:
    """The target a request names (kind and key or id), 404 when there is none or blind grading
    hides it."""
    lookup = _ROUTES[kind.url_kind][1]
    text = str(value)
    if (lookup == "pk" and not (text.isdigit() and len(text) <= 10 and int(text) <= 2**31 - 1)) or "\x00" in text:
        raise Http404(f"No {kind.url_kind} is named {quoted(text)}.")
    target = get_object_or_404(kind.model.objects.select_related(*kind.related), **{lookup: value})
    if hidden_from(user, target):
        raise Http404("Hidden by blind grading.")
    return target


TARGET_KIND_HELP = "What it is about: " + ", ".join(kind.url_kind for kind in targets.KINDS) + "."


class TargetSerializer(serializers.Serializer):
    """What a note or dispute is about, as the API names it."""

    kind = serializers.CharField(help_text=TARGET_KIND_HELP)
    id = serializers.CharField(help_text="A claim's or source's key, else the id.")
    url = serializers.URLField()


def target_data(request: Request | None, obj: Model) -> dict[str, str]:
    kind = targets.of(obj)
    assert kind is not None
    return {"kind": kind.url_kind, "id": identifier(obj), "url": target_url(request, obj)}


@extend_schema_field(TargetSerializer)
class TargetField(serializers.Field):
    """What a note or dispute is about (its target, the field's name), as TargetSerializer says it."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Model) -> dict[str, str]:
        return target_data(self.context.get("request"), value)


def version_field(what: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        help_text=f"The version of the {what} you started from; a stale one is refused with 409.",
    )


def target_version_field(what: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=f"The version of the {what} you read; if it changed since, 409 and nothing is saved.",
    )


def query_params(request: Request) -> dict[str, str]:
    """The query's parameters (the last value of each), refused with 400 where one holds a NUL,
    which no key or name holds and PostgreSQL cannot even be asked about."""
    params = dict(request.query_params.items())
    refused = {name: ["No key, name or id holds a NUL character."] for name, value in params.items() if "\x00" in value}
    if refused:
        raise ValidationError(refused)
    return params


def number(name: str, value: str) -> int:
    """An id sent in a parameter: 400 unless it is one a row could have."""
    if not value.isdigit() or len(value) > 10 or int(value) > 2**31 - 1:
        raise ValidationError({name: [f"An id is a number, not {quoted(value)}."]})
    return int(value)
