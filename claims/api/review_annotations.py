"""/api/v1/annotations/: notes on a claim, source, citation, grade, rating or dispute, and replies.

As on the pages: whoever contributes annotates and replies (services.annotation_create); the
author, or an editor, edits (PUT/PATCH, carrying the version) and withdraws (POST …/withdraw/,
carrying the version); a withdrawn note keeps its place in its thread but shows no text. A note
on something blind grading hides from the reader answers 404 and is left out of the list.
"""

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from claims import roles, services, targets
from claims.models import Annotation
from claims.selectors import blind_filters

from .fields import Choice
from .review_common import (
    TARGET_KIND_HELP,
    ReviewViewSet,
    Revisable,
    TargetField,
    find_target,
    number,
    query_params,
    version_field,
)


class AnnotationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="annotation-detail")
    author = serializers.CharField(source="author.username", read_only=True)
    target = TargetField()
    parent = serializers.HyperlinkedRelatedField(
        view_name="annotation-detail",
        read_only=True,
        help_text="The note this one replies to; null for a thread's first.",
    )
    replies = serializers.SerializerMethodField(help_text="The list of the replies to this note.")
    body = serializers.SerializerMethodField(help_text="Markdown; null once withdrawn.")
    quoted_passage = serializers.SerializerMethodField(
        help_text="The words of the target it is about; null once withdrawn."
    )

    class Meta:
        model = Annotation
        fields = (
            "id",
            "url",
            "uid",
            "author",
            "target",
            "parent",
            "replies",
            "motivation",
            "body",
            "quoted_passage",
            "created_at",
            "updated_at",
            "withdrawn_at",
            "version",
        )
        read_only_fields = fields

    def get_replies(self, note: Annotation) -> str:
        return reverse("annotation-list", request=self.context.get("request")) + f"?parent={note.pk}"

    def get_body(self, note: Annotation) -> str | None:
        return None if note.withdrawn_at else note.body

    def get_quoted_passage(self, note: Annotation) -> str | None:
        return None if note.withdrawn_at else note.quoted_passage


class _NoteIn(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown.")
    motivation = Choice(choices=Annotation.Motivation.choices, default=Annotation.Motivation.COMMENT)
    quoted_passage = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Exact words of the target's text."
    )


class AnnotationCreate(_NoteIn):
    target_kind = Choice(choices=[k.url_kind for k in targets.KINDS], help_text=TARGET_KIND_HELP)
    target_id = serializers.CharField(max_length=200, help_text="A claim's or source's key, else the id.")


class AnnotationUpdate(_NoteIn):
    version = version_field("annotation")


class VersionIn(serializers.Serializer):
    version = version_field("record")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("target_kind", str, description=TARGET_KIND_HELP),
            OpenApiParameter("target_id", str, description="With target_kind: a claim's or source's key, else the id."),
            OpenApiParameter("parent", int, description="Only the replies to this note."),
            OpenApiParameter("author", str, description="Only this author's notes (a username)."),
        ]
    ),
    create=extend_schema(request=AnnotationCreate, responses={201: AnnotationSerializer}),
    update=extend_schema(request=AnnotationUpdate, responses=AnnotationSerializer),
    partial_update=extend_schema(request=AnnotationUpdate, responses=AnnotationSerializer),
    reply=extend_schema(request=_NoteIn, responses={201: AnnotationSerializer}),
    withdraw=extend_schema(request=VersionIn, responses=AnnotationSerializer),
)
class AnnotationViewSet(Revisable, ReviewViewSet):
    """Annotations (notes) and their replies."""

    serializer_class = AnnotationSerializer

    def judged(self, obj: Model) -> Model:
        return obj.target  # (an annotation: blind grading judges what it is on)

    def get_queryset(self) -> QuerySet[Annotation]:
        user = self.request.user
        notes = Annotation.objects.select_related("author", *targets.ANNOTATION_FIELDS).filter(
            blind_filters.annotations_visible(user)
        )
        params = query_params(self.request)
        if params.get("author"):
            notes = notes.filter(author__username=params["author"])
        if params.get("parent"):
            notes = notes.filter(parent_id=number("parent", params["parent"]))
        if params.get("target_kind") or params.get("target_id"):
            kind = targets.by_url_kind(params.get("target_kind", ""))
            if kind is None or not params.get("target_id"):
                raise ValidationError({"target_kind": [f"Give target_kind ({TARGET_KIND_HELP}) with target_id."]})
            target = find_target(user, kind, params["target_id"])
            notes = notes.filter(**{kind.field: target})
        return notes

    def create(self, request: Request, *args, **kwargs) -> Response:
        roles.require(roles.can_contribute(request.user), services.CONTRIBUTOR_NEEDED)
        given = AnnotationCreate(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        kind = targets.by_url_kind(values.pop("target_kind"))
        assert kind is not None  # (one of the choices)
        target = find_target(request.user, kind, values.pop("target_id"))
        return self.saved(services.annotation_create(actor=request.user, target=target, **values), 201)

    @action(detail=True, methods=["post"])
    def reply(self, request: Request, *args, **kwargs) -> Response:
        """Reply to this note: the reply is about the same thing."""
        roles.require(roles.can_contribute(request.user), services.CONTRIBUTOR_NEEDED)
        parent = self.get_object()
        given = _NoteIn(data=request.data)
        given.is_valid(raise_exception=True)
        note = services.annotation_create(actor=request.user, parent=parent, **given.validated_data)
        return self.saved(note, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        note = self.get_object()
        roles.require(roles.can_change_annotation(request.user, note), services.ANNOTATION_OWN_NEEDED)
        given = AnnotationUpdate(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        if "version" not in values:
            raise ValidationError({"version": ["This field is required."]})
        version = values.pop("version")
        services.annotation_update(actor=request.user, annotation=note, data=values, expected_version=version)
        return self.saved(note)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args, **kwargs) -> Response:
        """Withdraw this note (its author or an editor): its replies stay, its text is no longer shown."""
        note = self.get_object()
        roles.require(roles.can_change_annotation(request.user, note), services.ANNOTATION_OWN_NEEDED)
        given = VersionIn(data=request.data)
        given.is_valid(raise_exception=True)
        services.annotation_withdraw(
            actor=request.user, annotation=note, expected_version=given.validated_data["version"]
        )
        return self.saved(note)
