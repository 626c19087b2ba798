"""/api/v1/disputes/: challenges of a grade, a rating or a claim's status, and their outcome.

As on the pages: whoever contributes disputes a claim (proposing a status), whoever grades
disputes a grade or rating (never their own); the raiser (or staff) withdraws; an editor with no
stake in it resolves. Withdraw and resolve carry the dispute's version, resolve the disputed
thing's too if the client read it (target_version). A dispute of a grade or rating blind grading
hides from the reader answers 404 and is left out of the list, unless they raised it.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from claims import roles, services, targets
from claims.models import Dispute
from claims.selectors import blind_filters
from claims.selectors.detail import disputes_qs

from .fields import Choice
from .review_common import ReviewViewSet, TargetField, find_target, query_params, target_version_field, version_field

DISPUTABLE_HELP = "What it disputes: " + ", ".join(kind.url_kind for kind in targets.DISPUTABLE) + "."


class DisputeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="dispute-detail")
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, allow_null=True, default=None)
    target = TargetField()
    target_version = serializers.IntegerField(source="target.version", read_only=True)
    proposed = serializers.CharField(
        source="proposal", read_only=True, help_text="The grade, rating or status proposed."
    )

    class Meta:
        model = Dispute
        fields = (
            "id",
            "url",
            "uid",
            "raised_by",
            "target",
            "target_version",
            "reason",
            "proposed",
            "state",
            "resolved_by",
            "resolution_note",
            "created_at",
            "closed_at",
            "version",
        )
        read_only_fields = fields


class DisputeRaise(serializers.Serializer):
    target_kind = Choice(choices=[k.url_kind for k in targets.DISPUTABLE], help_text=DISPUTABLE_HELP)
    target_id = serializers.CharField(max_length=200, help_text="A claim's key, else the grade's or rating's id.")
    reason = serializers.CharField()
    proposed = serializers.CharField(
        max_length=20, help_text="A reliability grade (A–F), a credibility grade (1–6), a rating (CC–II) or a status."
    )
    target_version = target_version_field("grade, rating or claim")


class DisputeWithdraw(serializers.Serializer):
    version = version_field("dispute")


class DisputeResolve(DisputeWithdraw):
    outcome = Choice(choices=[Dispute.State.UPHELD, Dispute.State.REJECTED])
    note = serializers.CharField(help_text="Why: shown with the outcome.")
    target_version = target_version_field("disputed grade, rating or claim")


# The Dispute fields a refusal names, as the request names them.
_AS_SENT = {
    **{kind.proposal.field: "proposed" for kind in targets.DISPUTABLE if kind.proposal},
    "resolution_note": "note",
}


def _as_sent(exc: DjangoValidationError) -> DjangoValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return DjangoValidationError({_AS_SENT.get(name, name): errors for name, errors in exc.error_dict.items()})


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=Dispute.State.values, description="Only disputes in this state."),
            OpenApiParameter("raised_by", str, description="Only this user's disputes (a username)."),
        ]
    ),
    create=extend_schema(request=DisputeRaise, responses={201: DisputeSerializer}),
    withdraw=extend_schema(request=DisputeWithdraw, responses=DisputeSerializer),
    resolve=extend_schema(request=DisputeResolve, responses=DisputeSerializer),
)
class DisputeViewSet(ReviewViewSet):
    """Disputes of grades, ratings and claims."""

    serializer_class = DisputeSerializer

    def get_queryset(self) -> QuerySet[Dispute]:
        disputes = disputes_qs().filter(blind_filters.disputes_visible(self.request.user))
        params = query_params(self.request)
        if params.get("state"):
            if params["state"] not in Dispute.State.values:
                raise ValidationError({"state": [f"A dispute's state is one of {', '.join(Dispute.State.values)}."]})
            disputes = disputes.filter(state=params["state"])
        if params.get("raised_by"):
            disputes = disputes.filter(raised_by__username=params["raised_by"])
        return disputes

    def create(self, request: Request, *args, **kwargs) -> Response:
        given = DisputeRaise(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        kind = targets.by_url_kind(values["target_kind"])
        assert kind is not None and kind.proposal is not None  # (one of the choices)
        if kind.proposal.of_grade:
            roles.require(roles.can_dispute_grade(request.user), services.GRADER_NEEDED)
        else:
            roles.require(roles.can_dispute_claim(request.user), services.CONTRIBUTOR_NEEDED)
        target = find_target(request.user, kind, values["target_id"])
        proposed = values["proposed"]
        if kind.proposal.numeric:
            if not proposed.isdigit():
                raise ValidationError({"proposed": [kind.proposal.missing]})
            proposed = int(proposed)
        try:
            dispute = services.dispute_raise(
                actor=request.user,
                target=target,  # type: ignore[arg-type]  # (a disputable kind's record)
                reason=values["reason"],
                proposed=proposed,
                target_version=values.get("target_version"),
            )
        except DjangoValidationError as exc:
            raise _as_sent(exc) from None
        return self.saved(dispute, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args, **kwargs) -> Response:
        """Withdraw this dispute (whoever raised it, or staff)."""
        dispute = self.get_object()
        roles.require(roles.can_withdraw_dispute(request.user, dispute), services.WITHDRAW_OWN_ONLY)
        given = DisputeWithdraw(data=request.data)
        given.is_valid(raise_exception=True)
        version = given.validated_data["version"]
        return self.saved(services.dispute_withdraw(actor=request.user, dispute=dispute, expected_version=version))

    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, *args, **kwargs) -> Response:
        """Uphold (the proposal takes effect) or reject this dispute: an editor with no stake in it."""
        roles.require(roles.can_resolve_dispute(request.user), services.EDITOR_NEEDED)
        dispute = self.get_object()
        roles.require(not (why := roles.own_work_in_dispute(request.user, dispute)), why)
        given = DisputeResolve(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        try:
            dispute = services.dispute_resolve(
                actor=request.user,
                dispute=dispute,
                outcome=values["outcome"],
                note=values["note"],
                expected_version=values["version"],
                target_version=values.get("target_version"),
            )
        except DjangoValidationError as exc:
            raise _as_sent(exc) from None
        return self.saved(dispute)
