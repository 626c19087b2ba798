"""Forms of the review pages: annotate, grade, dispute, resolve.

They only shape and check the input; the services (claims/services.py) decide what may be
saved and say why not, and forms/service_errors.add_service_errors() puts their refusal on the form.
"""

from django import forms

from claims import targets
from claims.grading import CREDIBILITY_DEFINITIONS, RELIABILITY_DEFINITIONS, Consistency
from claims.models import Annotation, Claim, Dispute

from . import fields
from .records import VersionedForm, version_field

RELIABILITY_CHOICES = [(letter, definition) for letter, definition in RELIABILITY_DEFINITIONS.items()]
CREDIBILITY_CHOICES = [(str(number), definition) for number, definition in CREDIBILITY_DEFINITIONS.items()]
STATUS_CHOICES = list(Claim.Status.choices)
CONSISTENCY_CHOICES = [
    (value, label.partition(": ")[2]) for value, label in Consistency.choices
]  # "CC", "very consistent"

# Each scale (targets.Proposal.scale): its choices, the grade form's label, the dispute form's label.
SCALES = {
    "reliability": (RELIABILITY_CHOICES, "Reliability of the source", "Proposed reliability grade"),
    "credibility": (CREDIBILITY_CHOICES, "Credibility of what the citation says", "Proposed credibility grade"),
    "consistency": (CONSISTENCY_CHOICES, "How this evidence bears on the claim", "Proposed consistency rating"),
    "status": (STATUS_CHOICES, "", "Proposed status of the claim"),
}


class AnnotationForm(VersionedForm):
    version = version_field()  # (when editing: see __init__)
    body = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown: *emphasis*, **strong**, [link](https://…), > quotation, lists.",
    )
    motivation = fields.ChoiceField(
        choices=Annotation.Motivation.choices,
        initial=Annotation.Motivation.COMMENT,
        required=False,
        help_text="A comment, a question, or a correction of the text.",
    )
    quoted_passage = forms.CharField(
        label="Quoted passage (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The exact words of the text you are annotating that this note is about.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]

    def clean_motivation(self) -> str:
        return self.cleaned_data["motivation"] or Annotation.Motivation.COMMENT

    def data_for_service(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ("body", "motivation", "quoted_passage")}


class ReplyForm(AnnotationForm):
    """A reply shares its parent's target; it may quote it too."""

    body = forms.CharField(
        label="Reply", widget=forms.Textarea(attrs={"rows": 3}), help_text=AnnotationForm.base_fields["body"].help_text
    )


class GradeForm(VersionedForm):
    """A grade on one of the two scales, each choice labelled with its full definition.

    It carries the version of the reviewer's own grade it was filled from (services.NO_GRADE_YET
    when there was none) and the version of the source or citation the reviewer read."""

    version = version_field(min_value=0)
    target_version = version_field()
    grade = fields.ChoiceField(widget=forms.RadioSelect)
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why this grade. Other reviewers and editors read it; a dispute argues with it.",
    )

    def __init__(self, *args, scale: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale
        field = self.fields["grade"]
        field.choices, field.label, _ = SCALES[scale]

    def clean_grade(self):
        value = self.cleaned_data["grade"]
        return int(value) if self.scale == "credibility" else value


class RatingForm(GradeForm):
    """A consistency rating of a cell (a citation against another claim): as a grade, and it
    carries the version of the claim rated against as the reviewer read it too."""

    claim_version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, scale="consistency", **kwargs)
        self.fields[
            "rationale"
        ].help_text = (
            "Why: what in this evidence agrees or disagrees with the claim? Other reviewers and editors read it."
        )


class DisputeForm(VersionedForm):
    target_version = version_field()  # of the grade or claim disputed, as the person read it
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is wrong with it, and on what evidence. The editor who resolves it reads this.",
    )
    proposed = fields.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.proposal = targets.by_url_kind(kind).proposal
        field = self.fields["proposed"]
        field.choices, _, field.label = SCALES[self.proposal.scale]

    def clean_proposed(self):
        value = self.cleaned_data["proposed"]
        return int(value) if self.proposal.scale == "credibility" else value

    @property
    def model_field(self) -> str:
        return self.proposal.field


class ResolveForm(VersionedForm):
    version = version_field()  # of the dispute, as the editor read it
    target_version = version_field()  # of the disputed grade or claim
    outcome = fields.ChoiceField(
        widget=forms.RadioSelect,
        choices=[
            (Dispute.State.UPHELD, "Uphold: the proposed grade or status takes effect"),
            (Dispute.State.REJECTED, "Reject: the grade or status stays as it is"),
        ],
    )
    note = forms.CharField(
        label="Resolution note",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why you decided so; everyone sees it beside the outcome.",
    )
