"""The review pages: a claim, a source, a dispute, and annotating, grading and disputing.

Each test reads like what a historian does and asserts what they would notice on the page.
"""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.grading import CREDIBILITY_DEFINITIONS, RELIABILITY_DEFINITIONS
from claims.models import Annotation, CitationAssessment, Claim, Dispute, Source, SourceAssessment
from claims.selectors.detail import BLIND_NOTICE, GradeVisibility, build_threads, hidden_from, is_blind_grader
from tests.forms_support import hidden_fields, submit

# --- Reading a page as a user would ----------------------------------------------


class _Page(HTMLParser):
    """The elements of a page, and for each id the ids of the elements around it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.elements: list[tuple[str, dict]] = []
        self.ancestors: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if attrs.get("id"):
            self.ancestors[attrs["id"]] = [i for _, i in self.stack if i]
        if tag not in self.VOID:
            self.stack.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def text(response) -> str:
    """The page as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html)).strip()


def elements(response) -> list[tuple[str, dict]]:
    return _Page(response.content.decode()).elements


def checked(response, name: str) -> list[str]:
    """The values of the checked radio buttons named so."""
    return [a["value"] for t, a in elements(response) if t == "input" and a.get("name") == name and "checked" in a]


# --- Objects the tests work on -----------------------------------------------------


@pytest.fixture
def graded(citation, reviewer) -> CitationAssessment:
    """victor_reviewer's credibility grade of the citation."""
    return services.grade_set(
        actor=reviewer, target=citation, grade=3, rationale="Victor: one late witness, not confirmed elsewhere."
    )


@pytest.fixture
def source_graded(source, reviewer) -> SourceAssessment:
    return services.grade_set(
        actor=reviewer, target=source, grade="B", rationale="Victor: a careful historian with archival access."
    )


@pytest.fixture
def dispute(graded, second_reviewer) -> Dispute:
    """vera_reviewer, having graded the citation herself, disputes victor's grade."""
    services.grade_set(
        actor=second_reviewer, target=graded.citation, grade=5, rationale="Vera: contradicted by the 1957 report."
    )
    return services.dispute_raise(
        actor=second_reviewer, target=graded, reason="The 1957 review contradicts it outright.", proposed=5
    )


@pytest.fixture
def note(claim, researcher) -> Annotation:
    return services.annotation_create(actor=researcher, target=claim, body="Which records? *Check* the inquest.")


def all_urls(claim, source, citation, graded, dispute, note):
    """Every page and action of this module: (method, url)."""
    return {
        "claim_detail": ("get", reverse("claim_detail", args=[claim.key])),
        "source_detail": ("get", reverse("source_detail", args=[source.key])),
        "dispute_detail": ("get", reverse("dispute_detail", args=[dispute.pk])),
        "annotation_create": ("post", reverse("annotation_create", args=["claim", claim.pk])),
        "annotation_reply": ("post", reverse("annotation_reply", args=[note.pk])),
        "annotation_edit": ("get", reverse("annotation_edit", args=[note.pk])),
        "annotation_withdraw": ("post", reverse("annotation_withdraw", args=[note.pk])),
        "source_grade": ("get", reverse("source_grade", args=[source.key])),
        "citation_grade": ("get", reverse("citation_grade", args=[citation.pk])),
        "dispute_raise": ("get", reverse("dispute_raise", args=["citation-grade", graded.pk])),
        "dispute_withdraw": ("post", reverse("dispute_withdraw", args=[dispute.pk])),
        "dispute_resolve": ("post", reverse("dispute_resolve", args=[dispute.pk])),
    }


URL_NAMES = [
    "claim_detail",
    "source_detail",
    "dispute_detail",
    "annotation_create",
    "annotation_reply",
    "annotation_edit",
    "annotation_withdraw",
    "source_grade",
    "citation_grade",
    "dispute_raise",
    "dispute_withdraw",
    "dispute_resolve",
]
# (Annotating and replying show their form on GET: tests/test_claim_page_bounded.py.)
POST_ONLY = ["annotation_withdraw", "dispute_withdraw", "dispute_resolve"]
PAGES = ["claim_detail", "source_detail", "dispute_detail"]


@pytest.fixture
def urls(claim, source, citation, graded, dispute, note):
    return all_urls(claim, source, citation, graded, dispute, note)


# --- Who may open what -------------------------------------------------------------


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_visitors_are_sent_to_log_in_first(client, urls, name):
    method, url = urls[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", URL_NAMES)
def test_an_account_without_a_role_is_refused_with_the_reason(client, outsider, urls, name):
    client.force_login(outsider)
    method, url = urls[name]
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert "has no role yet" in text(response)


@pytest.mark.parametrize("name", POST_ONLY)
def test_actions_do_not_answer_a_plain_visit(client, editor, urls, name):
    client.force_login(editor)
    assert client.get(urls[name][1]).status_code == 405


@pytest.mark.parametrize("name", PAGES)
def test_pages_do_not_take_posts(client, editor, urls, name):
    client.force_login(editor)
    assert client.post(urls[name][1]).status_code == 405


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/claims/no-such-claim/"),
        ("get", "/sources/no-such-source/"),
        ("get", "/disputes/999999/"),
        ("post", "/annotations/on/claim/999999/"),
        ("post", "/annotations/on/person/1/"),
        ("post", "/annotations/999999/reply/"),
        ("get", "/annotations/999999/edit/"),
        ("post", "/annotations/999999/withdraw/"),
        ("get", "/sources/no-such-source/grade/"),
        ("get", "/citations/999999/grade/"),
        ("get", "/disputes/new/citation-grade/999999/"),
        ("get", "/disputes/new/annotation/1/"),
        ("post", "/disputes/999999/withdraw/"),
        ("post", "/disputes/999999/resolve/"),
    ],
)
def test_unknown_things_are_not_found(client, editor, claim, method, url):
    client.force_login(editor)
    assert getattr(client, method)(url).status_code == 404


def test_a_researcher_cannot_grade_and_is_told_it_needs_a_reviewer(client, researcher, source, citation):
    client.force_login(researcher)
    for url in (reverse("citation_grade", args=[citation.pk]), reverse("source_grade", args=[source.key])):
        for response in (client.get(url), client.post(url, {"grade": "1", "rationale": "sure"})):
            assert response.status_code == 403
            assert "Reviewer" in text(response)
    assert not CitationAssessment.objects.exists() and not SourceAssessment.objects.exists()


def test_a_researcher_may_propose_a_claims_status_but_not_dispute_a_grade(client, researcher, claim, graded):
    client.force_login(researcher)
    grade_url = reverse("dispute_raise", args=["citation-grade", graded.pk])
    for response in (client.get(grade_url), client.post(grade_url, {"reason": "no", "proposed": "5"})):
        assert response.status_code == 403 and "Reviewer" in text(response)
    assert not Dispute.objects.exists()
    # The status is an editor's decision: the author, like everyone, proposes one by a dispute.
    response = submit(
        client,
        reverse("dispute_raise", args=["claim", claim.pk]),
        {"reason": "The 1957 report says 11 June.", "proposed": "contested"},
    )
    assert response.status_code == 302
    assert Dispute.objects.get().raised_by == researcher


def test_a_reviewer_cannot_resolve_a_dispute_and_is_told_it_needs_an_editor(client, reviewer, dispute):
    client.force_login(reviewer)
    response = client.post(reverse("dispute_resolve", args=[dispute.pk]), {"outcome": "rejected", "note": "No."})
    assert response.status_code == 403
    assert "Editor" in text(response)
    dispute.refresh_from_db()
    assert dispute.state == "open"


def test_a_reviewer_cannot_dispute_their_own_grade(client, reviewer, graded):
    client.force_login(reviewer)
    url = reverse("dispute_raise", args=["citation-grade", graded.pk])
    assert "This is your own grade" in text(client.get(url))
    response = submit(client, url, {"reason": "I was wrong.", "proposed": "4"})
    assert response.status_code == 200
    assert "You cannot dispute your own grade; revise it instead." in text(response)
    assert not Dispute.objects.exists()


def test_the_claim_page_offers_each_role_only_what_it_may_do(client, researcher, reviewer, editor, claim, graded):
    client.force_login(researcher)  # researcher added the claim
    page = text(client.get(reverse("claim_detail", args=[claim.key])))
    assert "Edit claim" in page and "Add a citation" in page and "Annotate this claim" in page
    assert "Dispute this claim or propose its status" in page  # (the status is an editor's decision)
    assert "Grade this citation" not in page and "Dispute this grade" not in page

    client.force_login(reviewer)
    page = text(client.get(reverse("claim_detail", args=[claim.key])))
    assert "Edit claim" not in page  # not theirs
    assert "Add a citation" in page and "Dispute this claim" in page
    assert "Revise your grade of this citation" in page
    assert "Dispute this grade" not in page  # the only grade is their own

    client.force_login(editor)
    page = text(client.get(reverse("claim_detail", args=[claim.key])))
    assert "Edit claim" in page and "Dispute this grade" in page and "Grade this citation" in page


# --- The claim page ----------------------------------------------------------------


@pytest.mark.parametrize(
    "edtf,words",
    [
        ("1937-06-11T23:35:00", "11 June 1937, 23:35"),
        ("1937-06", "June 1937"),
        ("[1937-06-11,1937-06-12]", "11 or 12 June 1937"),
        ("1937~", "about 1937"),
    ],
)
def test_the_claim_page_gives_the_date_in_words_beside_the_edtf(client, researcher, claim, edtf, words):
    services.claim_update(actor=researcher, claim=claim, data={"event_date": edtf})
    client.force_login(researcher)
    page = text(client.get(reverse("claim_detail", args=[claim.key])))
    assert f"{words} {edtf}" in page


def test_the_claim_page_shows_the_claim_its_people_and_its_citations(client, researcher, reviewer, claim, source):
    person = services.person_create(actor=researcher, name="Mikhail Tukhachevsky", name_original="Тухачевский, Михаил")
    services.claim_update(actor=researcher, claim=claim, data={"people": [person]})
    citation = services.citation_create(
        actor=researcher,
        claim=claim,
        source=source,
        locator="p. 412",
        stance="supports",
        quote="расстреляны 12 июня",
        quote_translation="shot on 12 June",
    )
    services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Matches the report.")
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="Careful historian.")
    client.force_login(researcher)
    response = client.get(reverse("claim_detail", args=[claim.key]))
    page = text(response)
    assert "The convicted were shot on 12 June 1937." in page
    assert "12 June 1937 1937-06-12" in page
    assert "Kind fact" in page and "Status open" in page
    assert "Mikhail Tukhachevsky (Тухачевский, Михаил)" in page
    assert "Evidence grade B2" in page
    assert "supports : 1937: Stalin's Year of Terror (1937)" in page
    assert "Locator p. 412" in page
    assert "расстреляны 12 июня" in page and "shot on 12 June" in page
    assert "Source reliability B consensus" in page
    assert "Credibility 2 consensus of 1 grade" in page
    assert "2 probably true — victor_reviewer" in page and "Matches the report." in page
    links = {attrs.get("href") for tag, attrs in elements(response) if tag == "a"}
    assert {"/topics/date-of-execution/", f"/people/{person.slug}/", "/sources/rogovin-1937/"} <= links


def test_user_text_on_the_claim_page_is_escaped(client, researcher, topic):
    claim = services.claim_create(
        actor=researcher, key="escaped", topic=topic, statement='<script>alert("statement")</script> & co'
    )
    client.force_login(researcher)
    response = client.get(reverse("claim_detail", args=[claim.key]))
    assert "<script>" not in response.content.decode()
    assert '<script>alert("statement")</script> & co' in text(response)


def test_the_claim_page_lists_disputes_with_their_outcome(client, researcher, editor, dispute):
    services.dispute_resolve(actor=editor, dispute=dispute, outcome="rejected", note="Both readings stand.")
    client.force_login(researcher)
    page = text(client.get(reverse("claim_detail", args=[dispute.citation_assessment.citation.claim.key])))
    assert "Dispute #" in page and "rejected" in page
    assert "Outcome rejected by edith_editor" in page
    assert "Both readings stand." in page


# --- Blind grading -----------------------------------------------------------------


def test_who_grades_blind(researcher, reviewer, editor, staff):
    assert is_blind_grader(reviewer)
    assert not is_blind_grader(researcher)  # cannot grade, nothing to bias
    assert not is_blind_grader(editor)  # arbitrates, sees everything
    assert not is_blind_grader(staff)


def test_a_reviewer_sees_only_what_they_have_graded(reviewer, second_reviewer, graded, source_graded):
    citation, source = graded.citation, source_graded.source
    victor = GradeVisibility.query(reviewer, source_ids=[source.pk], citation_ids=[citation.pk])
    vera = GradeVisibility.query(second_reviewer, source_ids=[source.pk], citation_ids=[citation.pk])
    assert victor.citation_visible(citation.pk) and victor.source_visible(source.pk)
    assert not vera.citation_visible(citation.pk) and not vera.source_visible(source.pk)
    assert hidden_from(second_reviewer, graded) and not hidden_from(reviewer, graded)
    assert not hidden_from(second_reviewer, citation.claim)  # claims and citations are never hidden


def test_a_reviewer_sees_other_grades_of_a_citation_only_after_grading_it(client, second_reviewer, graded):
    claim_url = reverse("claim_detail", args=[graded.citation.claim.key])
    grade_url = reverse("citation_grade", args=[graded.citation.pk])
    client.force_login(second_reviewer)

    page = text(client.get(claim_url))
    assert f"Credibility {BLIND_NOTICE}" in page
    assert "Victor: one late witness" not in page and "victor_reviewer" not in page
    assert "consensus of" not in page  # the citation's consensus is hidden too
    form_page = text(client.get(grade_url))
    assert BLIND_NOTICE in form_page and "Victor: one late witness" not in form_page

    response = submit(client, grade_url, {"grade": "5", "rationale": "Vera: contradicted by the 1957 report."})
    assert response.status_code == 302

    page = text(client.get(claim_url))
    assert f"Credibility {BLIND_NOTICE}" not in page  # (the source stays hidden: Vera has not graded it)
    assert "Victor: one late witness" in page and "3 possibly true — victor_reviewer" in page
    assert "Credibility 4 consensus of 2 grades" in page
    assert "Victor: one late witness" in text(client.get(grade_url))  # and may revise, seeing them


@pytest.mark.parametrize("persona", ["researcher", "editor", "staff"])
def test_researchers_and_editors_see_every_grade_at_once(client, request, persona, graded):
    client.force_login(request.getfixturevalue(persona))
    page = text(client.get(reverse("claim_detail", args=[graded.citation.claim.key])))
    assert BLIND_NOTICE not in page
    assert "Victor: one late witness" in page and "Credibility 3 consensus of 1 grade" in page


def test_a_reviewer_sees_other_grades_of_a_source_only_after_grading_it(
    client, second_reviewer, editor, researcher, source_graded, citation
):
    source_url = reverse("source_detail", args=[source_graded.source.key])
    client.force_login(second_reviewer)
    page = text(client.get(source_url))
    assert BLIND_NOTICE in page and "Victor: a careful historian" not in page and "Consensus reliability" not in page
    assert "victor_reviewer" not in page  # not even in the history
    claim_page = text(client.get(reverse("claim_detail", args=[citation.claim.key])))
    assert "Source reliability B" not in claim_page  # the source's consensus is hidden on the claim page too
    assert BLIND_NOTICE in text(client.get(reverse("source_grade", args=[source_graded.source.key])))

    grade_url = reverse("source_grade", args=[source_graded.source.key])
    submit(client, grade_url, {"grade": "C", "rationale": "Vera: a thesis."})
    page = text(client.get(source_url))
    assert BLIND_NOTICE not in page and "Victor: a careful historian" in page
    assert "Consensus reliability: C" in page  # B and C make C: ties lean to the less trusting grade

    for persona in (editor, researcher):
        client.force_login(persona)
        page = text(client.get(source_url))
        assert BLIND_NOTICE not in page and "Victor: a careful historian" in page


def test_blind_grading_also_hides_what_refers_to_a_hidden_grade(client, reviewer, second_reviewer, editor, graded):
    services.annotation_create(actor=editor, target=graded, body="Editor: why not 4?")
    third = services.dispute_raise(actor=editor, target=graded, reason="Editor: too generous.", proposed=4)
    client.force_login(second_reviewer)  # has not graded the citation
    page = text(client.get(reverse("claim_detail", args=[graded.citation.claim.key])))
    assert "Editor: why not 4?" not in page and "Editor: too generous." not in page
    assert BLIND_NOTICE in page and "Dispute of a grade" in page  # it exists, nothing more
    assert client.get(reverse("dispute_detail", args=[third.pk])).status_code == 404
    annotate_url = reverse("annotation_create", args=["citation-grade", graded.pk])
    assert client.post(annotate_url, {"body": "x"}).status_code == 404
    assert client.get(reverse("dispute_raise", args=["citation-grade", graded.pk])).status_code == 404


def test_the_evidence_grade_is_hidden_while_it_would_give_a_hidden_consensus_away(client, second_reviewer, graded):
    client.force_login(second_reviewer)
    page = text(client.get(reverse("claim_detail", args=[graded.citation.claim.key])))
    assert f"Evidence grade {BLIND_NOTICE}" in page


# --- Annotations -------------------------------------------------------------------


def test_annotating_a_claim_with_markdown_and_a_quoted_passage(client, researcher, claim):
    client.force_login(researcher)
    response = client.post(
        reverse("annotation_create", args=["claim", claim.pk]),
        {"body": "The 1964 report says **11 June**.", "motivation": "correction", "quoted_passage": "12 June 1937"},
    )
    annotation = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{claim.key}/#annotation-{annotation.pk}"
    response = client.get(response["Location"])
    page = text(response)
    assert "Your annotation is saved." in page
    assert "correction by rita_researcher" in page
    assert "<strong>11 June</strong>" in response.content.decode()
    assert re.search(r'<blockquote class="quoted-passage"><p>12 June 1937</p></blockquote>', response.content.decode())


def test_a_quoted_passage_that_is_not_in_the_text_is_refused_and_the_note_kept(client, researcher, claim):
    client.force_login(researcher)
    response = client.post(
        reverse("annotation_create", args=["claim", claim.pk]),
        {"body": "My long careful note.", "motivation": "comment", "quoted_passage": "shot on 13 June"},
    )
    assert response.status_code == 200
    page = text(response)
    assert "The quoted passage does not occur in the text it annotates." in page
    assert "My long careful note." in page  # nothing typed is lost
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    "kind,page",
    [
        ("claim", "claim"),
        ("citation", "claim"),
        ("citation-grade", "claim"),
        ("source", "source"),
        ("source-grade", "source"),
        ("dispute", "dispute"),
    ],
)
def test_after_annotating_one_is_back_on_the_page_of_what_was_annotated(
    client, editor, dispute, source_graded, kind, page
):
    citation = dispute.citation_assessment.citation
    targets = {
        "claim": citation.claim,
        "citation": citation,
        "citation-grade": dispute.citation_assessment,
        "source": citation.source,
        "source-grade": source_graded,
        "dispute": dispute,
    }
    pages = {
        "claim": f"/claims/{citation.claim.key}/",
        "source": f"/sources/{citation.source.key}/",
        "dispute": f"/disputes/{dispute.pk}/",
    }
    client.force_login(editor)
    response = client.post(reverse("annotation_create", args=[kind, targets[kind].pk]), {"body": "Noted."})
    annotation = Annotation.objects.get(body="Noted.")
    assert response["Location"] == f"{pages[page]}#annotation-{annotation.pk}"
    assert "Noted." in text(client.get(pages[page]))


def test_a_reply_nests_under_the_note_it_answers(client, reviewer, note):
    client.force_login(reviewer)
    response = client.post(
        reverse("annotation_reply", args=[note.pk]), {"body": "The inquest file, f. 1.", "motivation": "comment"}
    )
    reply = Annotation.objects.get(parent=note)
    assert reply.claim_id == note.claim_id
    response = client.get(response["Location"])
    assert f"annotation-{note.pk}" in _Page(response.content.decode()).ancestors[f"annotation-{reply.pk}"]
    assert "Your reply is saved." in text(response)


def test_a_refused_reply_is_shown_on_its_own_form_with_the_text_kept(client, reviewer, researcher, note):
    services.annotation_withdraw(actor=researcher, annotation=note)
    client.force_login(reviewer)
    response = client.post(reverse("annotation_reply", args=[note.pk]), {"body": "Too late?", "motivation": "question"})
    assert response.status_code == 200
    page = text(response)
    assert "That annotation was withdrawn; it takes no replies." in page and "Too late?" in page
    assert Annotation.objects.count() == 1


def test_editing_ones_own_annotation(client, researcher, note):
    client.force_login(researcher)
    url = reverse("annotation_edit", args=[note.pk])
    assert "Which records? *Check* the inquest." in text(client.get(url))  # the form holds the Markdown
    response = submit(client, url, {"body": "Which records? The *1964* report.", "motivation": "question"})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert "<em>1964</em>" in response.content.decode()
    assert "question by rita_researcher" in text(response)


def test_withdrawing_ones_own_annotation_keeps_the_replies(client, researcher, reviewer, note):
    services.annotation_create(actor=reviewer, parent=note, body="The reply stays.")
    client.force_login(researcher)
    response = client.post(reverse("annotation_withdraw", args=[note.pk]))
    page = text(client.get(response["Location"]))
    assert "withdrawn" in page and "Which records?" not in page
    assert "The reply stays." in page
    assert "The annotation is withdrawn" in page
    assert "can no longer be changed" in text(client.get(reverse("annotation_edit", args=[note.pk])))


def test_someone_elses_annotation_cannot_be_edited_or_withdrawn(client, reviewer, editor, note):
    client.force_login(reviewer)
    for response in (
        client.get(reverse("annotation_edit", args=[note.pk])),
        client.post(reverse("annotation_edit", args=[note.pk]), {"body": "Hijacked", "motivation": "comment"}),
        client.post(reverse("annotation_withdraw", args=[note.pk])),
    ):
        assert response.status_code == 403
        assert "Editor" in text(response)
    note.refresh_from_db()
    assert note.body.startswith("Which records?") and note.withdrawn_at is None
    client.force_login(editor)  # an editor may edit anything
    response = submit(client, reverse("annotation_edit", args=[note.pk]), {"body": "Tidied.", "motivation": "comment"})
    assert response.status_code == 302


def test_actions_need_the_forms_csrf_token(researcher, claim):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    page = client.get(reverse("claim_detail", args=[claim.key]))
    assert ("input", {"type": "hidden", "name": "csrfmiddlewaretoken", "value": page.context["csrf_token"]}) in [
        (t, a) for t, a in elements(page) if t == "input" and a.get("type") == "hidden"
    ]
    response = client.post(reverse("annotation_create", args=["claim", claim.pk]), {"body": "No token."})
    assert response.status_code == 403
    assert not Annotation.objects.exists()


def test_annotation_bodies_cannot_run_script(client, researcher, claim):
    client.force_login(researcher)
    client.post(
        reverse("annotation_create", args=["claim", claim.pk]),
        {"body": "<script>alert(1)</script> and [x](javascript:alert(1))", "motivation": "comment"},
    )
    response = client.get(reverse("claim_detail", args=[claim.key]))
    tags = elements(response)
    # The one script element is the page's ClaimReview, a data block that is never run.
    assert [a.get("type") for t, a in tags if t == "script"] == ["application/ld+json"]
    assert not [a for t, a in tags if "javascript:" in (a.get("href") or "").lower()]
    assert "<script>alert(1)</script>" in text(response)  # shown as text


# --- Grades ------------------------------------------------------------------------


def test_the_grade_forms_show_the_full_definition_of_every_grade(client, reviewer, source, citation):
    client.force_login(reviewer)
    for url, definitions in (
        (reverse("citation_grade", args=[citation.pk]), CREDIBILITY_DEFINITIONS),
        (reverse("source_grade", args=[source.key]), RELIABILITY_DEFINITIONS),
    ):
        response = client.get(url)
        page = text(response)
        for value, definition in definitions.items():
            assert f"{value} {definition}" in page
        tags = elements(response)
        radios = [a["id"] for t, a in tags if t == "input" and a.get("type") == "radio"]
        labelled = {a.get("for") for t, a in tags if t == "label"}
        assert len(radios) == 6 and set(radios) <= labelled
        assert "id_rationale" in labelled


def test_grading_again_revises_ones_own_grade(client, reviewer, citation):
    client.force_login(reviewer)
    url = reverse("citation_grade", args=[citation.pk])
    response = submit(client, url, {"grade": "3", "rationale": "First reading."})
    assert response["Location"] == f"/claims/{citation.claim.key}/#citation-{citation.pk}"
    assert "Your credibility grade of this citation is saved." in text(client.get(response["Location"]))
    form = client.get(url)
    assert "Revise your grade of this citation" in text(form)
    assert checked(form, "grade") == ["3"]
    submit(client, url, {"grade": "2", "rationale": "Second reading: the report confirms it."})
    assessment = CitationAssessment.objects.get()
    assert (assessment.grade, assessment.rationale) == (2, "Second reading: the report confirms it.")


def test_a_grade_needs_a_rationale(client, reviewer, source):
    client.force_login(reviewer)
    response = client.post(reverse("source_grade", args=[source.key]), {"grade": "A", "rationale": "  "})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert not SourceAssessment.objects.exists()


# --- Disputes ----------------------------------------------------------------------


def test_raising_a_dispute_on_a_citation_grade(client, second_reviewer, researcher, graded):
    services.grade_set(actor=second_reviewer, target=graded.citation, grade=5, rationale="Vera: no.")
    client.force_login(second_reviewer)
    url = reverse("dispute_raise", args=["citation-grade", graded.pk])
    form = client.get(url)
    page = text(form)
    assert all(definition in page for definition in CREDIBILITY_DEFINITIONS.values())
    assert "Proposed status" not in page and RELIABILITY_DEFINITIONS["A"] not in page
    response = submit(client, url, {"reason": "The 1957 report contradicts it.", "proposed": "5"})
    dispute = Dispute.objects.get()
    assert response["Location"] == f"/disputes/{dispute.pk}/"
    client.force_login(researcher)
    page = text(client.get(response["Location"]))
    assert "The 1957 report contradicts it." in page and "Proposed 5 improbable" in page
    assert "Raised by vera_reviewer" in page and "open" in page
    assert "The 1957 report contradicts it." in text(client.get(f"/claims/{graded.citation.claim.key}/"))


def test_raising_a_dispute_on_a_source_grade(client, second_reviewer, source_graded):
    services.grade_set(actor=second_reviewer, target=source_graded.source, grade="D", rationale="Vera.")
    client.force_login(second_reviewer)
    url = reverse("dispute_raise", args=["source-grade", source_graded.pk])
    page = text(client.get(url))
    assert all(definition in page for definition in RELIABILITY_DEFINITIONS.values())
    assert CREDIBILITY_DEFINITIONS[1] not in page
    response = submit(client, url, {"reason": "He had no archival access before 1991.", "proposed": "C"})
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.source_assessment, dispute.proposed_reliability) == (source_graded, "C")
    assert "He had no archival access before 1991." in text(client.get(f"/sources/{source_graded.source.key}/"))


def test_raising_a_dispute_on_a_claim(client, reviewer, claim):
    client.force_login(reviewer)
    url = reverse("dispute_raise", args=["claim", claim.pk])
    page = text(client.get(url))
    assert "Proposed status of the claim" in page and CREDIBILITY_DEFINITIONS[1] not in page
    response = submit(client, url, {"reason": "Two sources say 11 June.", "proposed": "contested"})
    assert response.status_code == 302
    assert Dispute.objects.get().proposed_status == "contested"


def test_proposing_what_is_already_there_is_refused_on_the_form(client, reviewer, second_reviewer, claim, graded):
    client.force_login(reviewer)
    url = reverse("dispute_raise", args=["claim", claim.pk])
    response = submit(client, url, {"reason": "Keep it.", "proposed": "open"})
    assert response.status_code == 200 and "The proposed status is the claim's status already." in text(response)
    services.grade_set(actor=second_reviewer, target=graded.citation, grade=4, rationale="Vera.")
    client.force_login(second_reviewer)
    response = submit(
        client, reverse("dispute_raise", args=["citation-grade", graded.pk]), {"reason": "Same.", "proposed": "3"}
    )
    assert response.status_code == 200 and "The proposed grade is the grade already given." in text(response)
    assert not Dispute.objects.exists()


def test_one_open_dispute_per_reviewer_and_target(client, reviewer, claim):
    client.force_login(reviewer)
    url = reverse("dispute_raise", args=["claim", claim.pk])
    submit(client, url, {"reason": "Two sources say 11 June.", "proposed": "contested"})
    response = submit(client, url, {"reason": "And again.", "proposed": "refuted"})
    assert response.status_code == 200
    assert "You already have an open dispute on this; withdraw or amend it first." in text(response)
    assert Dispute.objects.count() == 1


def test_withdrawing_ones_own_dispute(client, reviewer, second_reviewer, dispute):
    client.force_login(reviewer)  # not the raiser
    response = client.post(reverse("dispute_withdraw", args=[dispute.pk]), {"version": dispute.version})
    assert response.status_code == 403
    client.force_login(second_reviewer)
    response = submit(client, reverse("dispute_withdraw", args=[dispute.pk]), {}, page=f"/disputes/{dispute.pk}/")
    page = text(client.get(response["Location"]))
    assert "Your dispute is withdrawn." in page and "Outcome Withdrawn by vera_reviewer" in page
    dispute.refresh_from_db()
    assert dispute.state == "withdrawn"


def test_an_editor_upholding_a_dispute_changes_the_grade_and_the_history_names_the_editor(
    client, editor, researcher, dispute
):
    claim_url = f"/claims/{dispute.citation_assessment.citation.claim.key}/"
    client.force_login(editor)
    response = submit(
        client,
        reverse("dispute_resolve", args=[dispute.pk]),
        {"outcome": "upheld", "note": "The 1957 report settles it."},
        page=f"/disputes/{dispute.pk}/",
    )
    assert response["Location"] == f"/disputes/{dispute.pk}/"
    assert "Dispute upheld" in text(client.get(response["Location"]))
    client.force_login(researcher)
    page = text(client.get(claim_url))
    assert "5 improbable — victor_reviewer" in page  # victor's grade is now the proposed 5
    assert "edith_editor changed credibility grade by victor_reviewer" in page
    assert "grade: 3 → 5" in page
    assert "Outcome upheld by edith_editor" in page and "The 1957 report settles it." in page


def test_rejecting_a_dispute_keeps_the_grade_and_everyone_sees_the_note(
    client, editor, researcher, reviewer, second_reviewer, dispute
):
    client.force_login(editor)
    url = reverse("dispute_resolve", args=[dispute.pk])
    claim_page = f"/claims/{dispute.citation_assessment.citation.claim.key}/"
    response = submit(client, url, {"outcome": "rejected", "note": "Both stand."}, page=claim_page)
    assert response["Location"] == f"/claims/{dispute.citation_assessment.citation.claim.key}/#dispute-{dispute.pk}"
    for persona in (researcher, reviewer, second_reviewer, editor):
        client.force_login(persona)
        for url in (f"/disputes/{dispute.pk}/", response["Location"]):
            page = text(client.get(url))
            assert "rejected by edith_editor" in page and "Both stand." in page
    assert CitationAssessment.objects.get(reviewer=reviewer).grade == 3


def test_upholding_a_claim_dispute_changes_its_status_on_record(client, reviewer, editor, researcher, claim):
    dispute = services.dispute_raise(
        actor=reviewer, target=claim, reason="Two sources say 11 June.", proposed="contested"
    )
    client.force_login(editor)
    submit(
        client,
        reverse("dispute_resolve", args=[dispute.pk]),
        {"outcome": "upheld", "note": "Contested it is."},
        page=f"/disputes/{dispute.pk}/",
    )
    client.force_login(researcher)
    page = text(client.get(f"/claims/{claim.key}/"))
    assert "Status contested" in page
    assert "edith_editor changed claim status: open → contested" in page


def test_resolving_twice_says_it_is_already_resolved(client, editor, second_editor, dispute):
    resolve, page = reverse("dispute_resolve", args=[dispute.pk]), f"/disputes/{dispute.pk}/"
    client.force_login(second_editor)
    stale = hidden_fields(client.get(page), resolve)  # emil opens the dispute page ...
    client.force_login(editor)
    submit(client, resolve, {"outcome": "rejected", "note": "No."}, page=page)  # ... edith decides first
    client.force_login(second_editor)
    response = client.post(resolve, {**stale, "outcome": "upheld", "note": "Yes."})
    assert response.status_code == 200
    assert "This dispute is already rejected." in text(response)
    dispute.refresh_from_db()
    assert (dispute.state, dispute.resolved_by) == ("rejected", editor)


def test_a_resolution_needs_a_note_and_keeps_the_choice(client, editor, dispute):
    client.force_login(editor)
    response = client.post(reverse("dispute_resolve", args=[dispute.pk]), {"outcome": "upheld", "note": " "})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert checked(response, "outcome") == ["upheld"]
    dispute.refresh_from_db()
    assert dispute.state == "open"


def test_an_editor_cannot_resolve_their_own_dispute(client, editor, graded):
    own = services.dispute_raise(actor=editor, target=graded, reason="Too generous.", proposed=4)
    client.force_login(editor)
    assert "another editor must resolve this dispute" in text(client.get(f"/disputes/{own.pk}/"))
    response = client.post(
        reverse("dispute_resolve", args=[own.pk]),
        {"outcome": "upheld", "note": "Mine.", "version": own.version, "target_version": graded.version},
    )
    assert response.status_code == 403
    assert "You raised this dispute: a decision from you would rule on your own work" in text(response)


# --- History -----------------------------------------------------------------------


def test_the_claim_history_says_who_changed_what(client, researcher, editor, claim, citation):
    services.claim_update(actor=researcher, claim=claim, data={"statement": "Shot on 12 June 1937, at night."})
    services.claim_update(actor=editor, claim=claim, data={"status": "contested"})
    services.citation_update(actor=editor, citation=citation, data={"locator": "ch. 10"})
    person = services.person_create(actor=researcher, name="Iona Yakir", name_original="Якир")
    services.claim_update(actor=researcher, claim=claim, data={"people": [person]})
    client.force_login(researcher)
    page = text(client.get(f"/claims/{claim.key}/"))
    assert "edith_editor changed claim status: open → contested" in page
    assert (
        "rita_researcher changed claim statement: "
        "The convicted were shot on 12 June 1937. → Shot on 12 June 1937, at night."
    ) in page
    assert "edith_editor changed citation of rogovin-1937, ch. 10 locator: ch. 9 → ch. 10" in page
    assert "rita_researcher changed claim people: — → Iona Yakir (Якир)" in page
    assert "rita_researcher added claim" in page
    # newest first
    order = [page.index(words) for words in ("people: —", "locator: ch. 9", "status: open", "added claim")]
    assert order == sorted(order)


def test_the_source_page_shows_the_record_its_grades_and_its_citing_claims(
    client, researcher, editor, source_graded, citation
):
    services.source_update(
        actor=editor,
        source=source_graded.source,
        data={
            "archive": "RGVA",
            "archive_fond": "33987",
            "archive_opis": "3",
            "archive_delo": "400",
            "archive_list": "12-14",
            "url": "https://example.org/rogovin",
            "language": "ru",
            "notes": "<i>notes</i>",
        },
    )
    client.force_login(researcher)
    response = client.get(f"/sources/{source_graded.source.key}/")
    page = text(response)
    assert "Kind monograph" in page and "Level secondary" in page and "Authors Vadim Rogovin" in page
    assert "RGVA, f. 33987, op. 3, d. 400, l. 12-14" in page and "Fond 33987" in page and "List (sheets) 12-14" in page
    assert "Consensus reliability: B" in page and "Victor: a careful historian" in page
    assert (
        "12 June 1937 The convicted were shot on 12 June 1937. execution-12-june · Date of execution ch. 9 supports"
        in page
    )
    assert "<i>notes</i>" in page  # escaped, shown as typed
    assert ("a", {"href": "https://example.org/rogovin", "rel": "noopener noreferrer nofollow"}) in elements(response)
    assert "edith_editor changed source archive: — → RGVA" in page


def test_a_source_url_that_is_not_a_web_address_is_not_a_link(client, researcher, source):
    Source.objects.filter(pk=source.pk).update(url="ftp://example.org/file")
    client.force_login(researcher)
    response = client.get(f"/sources/{source.key}/")
    assert "ftp://example.org/file" in text(response)
    assert not [a for t, a in elements(response) if t == "a" and a.get("href", "").startswith("ftp:")]


def test_the_seed_pages_all_open(client, db):
    call_command("loaddata", "case-of-military-1937", verbosity=0)
    from claims.models import User

    client.force_login(User.objects.get(username="reviewer_a"))
    for claim in Claim.objects.all():
        assert client.get(f"/claims/{claim.key}/").status_code == 200
    for source in Source.objects.all():
        assert client.get(f"/sources/{source.key}/").status_code == 200
    for dispute in Dispute.objects.all():
        assert client.get(f"/disputes/{dispute.pk}/").status_code == 200


# --- Threads -----------------------------------------------------------------------


def test_threads_are_built_oldest_first_with_replies_under_their_parents(researcher, reviewer, claim):
    root = services.annotation_create(actor=researcher, target=claim, body="root")
    reply = services.annotation_create(actor=reviewer, parent=root, body="reply")
    services.annotation_create(actor=researcher, parent=reply, body="reply to reply")
    second = services.annotation_create(actor=reviewer, target=claim, body="second")
    threads = build_threads(Annotation.objects.all())[("claim", claim.pk)]
    assert [n.annotation.body for n in threads] == ["root", "second"]
    assert threads[0].replies[0].annotation.body == "reply"
    assert threads[0].replies[0].replies[0].annotation.body == "reply to reply"
    assert len(threads[0].replies) == 1 and len(threads[0].replies[0].replies) == 1
    assert second.pk == threads[1].annotation.pk


# --- Queries -----------------------------------------------------------------------

# Session, user and roles (3), the record, the people it is about and who made it, a page of citations (count, ids,
# rows, grades) with their sources' grades and notes, the claim's disputes (their ids, then
# them) and the pages of their citations, a page of its note threads (2), the evidence grade (3),
# its lines of evidence (2), the history (7: its people and attribution at each version) and "How this
# grade was reached" (6: selectors/explain.py), its ClaimReview's cited sources and status decider (2:
# selectors/linked_data.py): 36 however much the claim holds; a blind reviewer's visibility and
# hidden evidence, 4 more; and for whoever may grade, the navigation's "Review (N)" (1:
# selectors/queues.waiting_count).
CLAIM_PAGE_QUERIES = 41
# Notes on it and on its grades (2); the citing claims: their count, all claims (which way to
# page), ids, rows, citations, the pages of the citations on their claims, evidence (3, 5 when blind),
# lines of evidence (2) and its genealogy: what it derives from, what derives from it and how many (3);
# the navigation's "Review (N)" for whoever may grade (1); its author people and their history (2).
SOURCE_PAGE_QUERIES = 29
DISPUTE_PAGE_QUERIES = 6  # one of them asks whether a blind reviewer has graded what a grade's dispute is about


@pytest.fixture
def crowded(topic, researcher, reviewer, second_reviewer, editor, second_editor) -> dict:
    """A claim with 100 citations, each with 3 grades and 2 annotation threads with replies,
    disputes of grades, and a source cited 25 times with 3 grades, threads and disputes."""
    sources = [
        services.source_create(
            actor=researcher, key=f"src-{i}", kind="monograph", level="secondary", title=f"Source {i}"
        )
        for i in range(4)
    ]
    person = services.person_create(actor=researcher, name="Robert Eideman", name_original="Эйдеман")
    claim = services.claim_create(
        actor=researcher, key="crowded", topic=topic, statement="A claim many cite.", people=[person]
    )
    services.claim_update(actor=editor, claim=claim, data={"status": "contested"})
    graders = [reviewer, second_reviewer, editor]
    for source in sources:
        for n, grader in enumerate(graders):
            grade = services.grade_set(actor=grader, target=source, grade="ABC"[n], rationale=f"r{n}")
            services.annotation_create(actor=researcher, target=grade, body="on a source grade")
        services.annotation_create(actor=researcher, target=source, body="on the source")
    for i in range(100):
        citation = services.citation_create(
            actor=researcher, claim=claim, source=sources[i % 4], locator=f"p. {i}", quote="quoted words"
        )
        grades = [
            services.grade_set(actor=grader, target=citation, grade=n + 1, rationale=f"why {n}")
            for n, grader in enumerate(graders)
        ]
        for _ in range(2):
            root = services.annotation_create(actor=researcher, target=citation, body="*root*", quoted_passage="quoted")
            services.annotation_create(actor=reviewer, parent=root, body="reply")
        services.annotation_create(actor=second_reviewer, target=grades[0], body="on a grade")
        if i % 10 == 0:
            dispute = services.dispute_raise(actor=second_reviewer, target=grades[0], reason="why", proposed=4)
            services.dispute_resolve(actor=second_editor, dispute=dispute, outcome="rejected", note="no")
    services.dispute_raise(actor=reviewer, target=claim, reason="open it", proposed="open")
    for n in range(2):
        services.dispute_raise(
            actor=graders[n],
            target=SourceAssessment.objects.get(source=sources[0], reviewer=graders[n + 1]),
            reason="no",
            proposed="E",
        )
    dispute = Dispute.objects.filter(claim=claim).get()
    grade_dispute = Dispute.objects.filter(source_assessment__source=sources[0], raised_by=reviewer).get()
    for target in (dispute, grade_dispute):
        for i in range(30):
            root = services.annotation_create(actor=researcher, target=target, body=f"point {i}")
            services.annotation_create(actor=editor, parent=root, body="answer")
    return {"claim": claim, "source": sources[0], "dispute": dispute, "grade_dispute": grade_dispute}


@pytest.fixture
def small(researcher, reviewer, second_reviewer, topic) -> dict:
    claim = services.claim_create(actor=researcher, key="small", topic=topic, statement="Alone.")
    source = services.source_create(actor=researcher, key="lonely", kind="memoir", level="primary", title="Lonely")
    dispute = services.dispute_raise(actor=reviewer, target=claim, reason="r", proposed="refuted")
    services.grade_set(actor=reviewer, target=source, grade="A", rationale="r")
    theirs = services.grade_set(actor=second_reviewer, target=source, grade="B", rationale="r")
    grade_dispute = services.dispute_raise(actor=reviewer, target=theirs, reason="r", proposed="C")
    return {"claim": claim, "source": source, "dispute": dispute, "grade_dispute": grade_dispute}


DETAIL_PAGES = {"claim": CLAIM_PAGE_QUERIES, "source": SOURCE_PAGE_QUERIES, "dispute": DISPUTE_PAGE_QUERIES}


def test_the_detail_pages_read_a_fixed_number_of_queries(
    client, request, django_assert_max_num_queries, reviewer, crowded, small
):
    # Every page and persona in one test: writing the crowded claim is most of its time.
    for persona in ("researcher", "reviewer", "editor"):
        client.force_login(request.getfixturevalue(persona))
        for page, limit in DETAIL_PAGES.items():
            for world in (small, crowded):
                urls = {
                    "claim": [f"/claims/{world['claim'].key}/"],
                    "source": [f"/sources/{world['source'].key}/"],
                    "dispute": [f"/disputes/{world['dispute'].pk}/", f"/disputes/{world['grade_dispute'].pk}/"],
                }[page]
                for url in urls:
                    with django_assert_max_num_queries(limit, info=f"{url} as the {persona}"):
                        response = client.get(url)
                    assert response.status_code == 200, (url, persona)
            if page == "claim":  # one page of the 100 citations, with their grades and notes
                assert "Citations (100)" in text(response)
                assert response.content.decode().count('class="annotation') >= 50
                assert text(response).count("why 2") == 10


def test_claim_history_shows_grade_changes_of_citations_loaded_without_history(client, reviewer, editor):
    from django.core.management import call_command

    from claims import services
    from claims.models import Citation

    call_command("loaddata", "case-of-military-1937", verbosity=0)  # raw rows: no citation history
    citation = Citation.objects.filter(claim__key="abwehr-forgery").order_by("pk").first()
    grade = services.grade_set(actor=reviewer, target=citation, grade=4, rationale="Doubtful.")
    services.assessment_update(actor=editor, assessment=grade, grade=5, rationale="Improbable.")
    client.force_login(editor)
    page = client.get("/claims/abwehr-forgery/").content.decode()
    history = re.sub(r"<[^>]+>", "", page[page.index('id="history"') :])
    assert editor.username in history and "grade: 4 → 5" in history


CLAIM_PAGE_BYTES = 150_000  # issue 11: no page over ~200 KB; the claim page well under it


@pytest.fixture
def huge(topic, researcher, reviewer, editor) -> Claim:
    """A claim of 200 citations, each graded, and 300 notes: 150 threads on the claim (half of
    them answered) and one on each of 150 citations' grades."""
    sources = [
        services.source_create(
            actor=researcher, key=f"huge-{i}", kind="monograph", level="secondary", title=f"Source {i}"
        )
        for i in range(4)
    ]
    claim = services.claim_create(actor=researcher, key="huge", topic=topic, statement="Everyone cites this.")
    for i in range(200):
        citation = services.citation_create(
            actor=researcher,
            claim=claim,
            source=sources[i % 4],
            locator=f"p. {i}",
            quote="A quoted passage of some length. " * 5,
        )
        grade = services.grade_set(actor=editor, target=citation, grade=2, rationale="Sound. " * 10)
        if i < 150:
            services.annotation_create(actor=reviewer, target=grade, body="On this grade.")
    for i in range(100):
        root = services.annotation_create(actor=researcher, target=claim, body=f"Thread {i}: *emphasis*.")
        if i % 2:
            services.annotation_create(actor=editor, parent=root, body="An answer.")
    return claim


def test_a_claim_of_200_citations_and_300_notes_is_a_small_page_read_in_a_fixed_number_of_queries(
    client, request, django_assert_max_num_queries, huge
):
    for persona in ("researcher", "reviewer", "editor"):  # (one test: writing the claim is most of its time)
        client.force_login(request.getfixturevalue(persona))
        for query in ("", "?citations=20", "?notes=5", "?history=10"):
            with django_assert_max_num_queries(CLAIM_PAGE_QUERIES, info=f"{query} as the {persona}"):
                response = client.get(f"/claims/{huge.key}/{query}")
            assert response.status_code == 200
            assert len(response.content) < CLAIM_PAGE_BYTES, (persona, query, len(response.content))
        assert "Citations (200)" in text(response)
