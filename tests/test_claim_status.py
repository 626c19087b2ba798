"""A claim's status is an editorial decision (issue 10, point 7): new claims start open; only
editors change the status, directly, through an upheld dispute, or by a CSV import they
confirm; authors propose a status through a dispute like everyone else.
"""

import pytest
from django.core.exceptions import PermissionDenied

from claims import services
from claims.csv.claims_csv import claims_import
from claims.models import Claim, Dispute
from tests.forms_support import form_values, hidden_fields, page_text, submit


def test_the_add_form_offers_no_status_and_a_new_claim_starts_open(client, editor, topic):
    client.force_login(editor)  # even an editor's new claim
    form = form_values(client.get("/claims/new/"), "", itself=True)
    assert "status" not in form
    client.post(
        "/claims/new/",
        {**form, "key": "shot-11-june", "topic": topic.pk, "statement": "Shot on 11 June.", "status": "supported"},
    )
    assert Claim.objects.get(key="shot-11-june").status == "open"


@pytest.mark.parametrize("persona", ["researcher", "reviewer"])
def test_an_author_who_is_not_an_editor_cannot_set_their_claims_status(client, request, persona, topic):
    author = request.getfixturevalue(persona)
    claim = services.claim_create(actor=author, key="mine", topic=topic, statement="Shot on 12 June.")
    client.force_login(author)
    edit = f"/claims/{claim.key}/edit/"
    form = form_values(client.get(edit), edit, itself=True)
    assert "status" not in form  # not offered
    assert "Status" not in page_text(client.get(edit)).split("Statement")[0]
    client.post(edit, {**form, "status": "supported", "statement": "Shot at dawn on 12 June."})
    claim.refresh_from_db()
    assert (claim.statement, claim.status) == ("Shot at dawn on 12 June.", "open")  # the rest is saved
    with pytest.raises(PermissionDenied, match="editorial decision"):
        services.claim_update(actor=author, claim=claim, data={"status": "supported"})
    with pytest.raises(PermissionDenied, match="editorial decision"):
        services.claim_create(actor=author, key="decided", topic=topic, statement="Decided.", status="refuted")
    assert Claim.objects.get(pk=claim.pk).status == "open" and not Claim.objects.filter(key="decided").exists()


def test_an_editor_sets_the_status_on_the_edit_form(client, editor, claim):
    client.force_login(editor)
    edit = f"/claims/{claim.key}/edit/"
    client.post(edit, {**form_values(client.get(edit), edit, itself=True), "status": "contested"})
    claim.refresh_from_db()
    assert claim.status == "contested" and claim.history.latest().history_user == editor


def test_the_author_proposes_a_status_by_a_dispute_and_an_editor_decides(client, researcher, editor, claim):
    client.force_login(researcher)
    page = page_text(client.get(f"/claims/{claim.key}/"))
    assert "Dispute this claim or propose its status" in page
    response = submit(
        client,
        f"/disputes/new/claim/{claim.pk}/",
        {"reason": "The 1964 report confirms 12 June.", "proposed": "supported"},
    )
    dispute = Dispute.objects.get()
    assert response["Location"] == f"/disputes/{dispute.pk}/" and dispute.raised_by == researcher
    claim.refresh_from_db()
    assert claim.status == "open"  # proposed, not decided
    client.force_login(editor)
    resolve = f"/disputes/{dispute.pk}/resolve/"
    client.post(
        resolve,
        {
            **hidden_fields(client.get(f"/disputes/{dispute.pk}/"), resolve),
            "outcome": "upheld",
            "note": "The report settles it.",
        },
    )
    claim.refresh_from_db()
    assert claim.status == "supported"


def test_an_editors_confirmed_csv_import_sets_statuses(editor, claim):
    data = f"key,topic,statement,status\n{claim.key},{claim.topic.title},{claim.statement},refuted\n".encode()
    report = claims_import(actor=editor, data=data)
    assert report.ok, report.errors
    claim.refresh_from_db()
    assert claim.status == "refuted"
