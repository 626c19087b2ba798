"""No lost updates (issue 5): an edit carries the version it started from, and a save from an
older version is refused with what changed, writing nothing; two decisions on one dispute
at once resolve it once. The races are run with real concurrent connections (threads)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.test import Client

from claims import services
from claims.models import Annotation, Citation, CitationAssessment, Claim, Dispute, Source, SourceAssessment
from claims.roles import Role
from tests.conftest import make_user


def history_rows() -> dict[str, int]:
    return {
        model.__name__: model.history.count()
        for model in (Claim, Source, Citation, SourceAssessment, CitationAssessment, Annotation, Dispute)
    }


# --- Through the pages: two people edit the same record ---------------------------------


def _form_version(response) -> str:
    return response.context["form"]["version"].value()


def _edit_claim(client, claim, *, statement: str):
    """The claim's edit form sent from version 1, with a new statement."""
    return client.post(
        f"/claims/{claim.key}/edit/",
        {
            "version": "1",
            "key": claim.key,
            "topic": claim.topic.pk,
            "statement": statement,
            "kind": "fact",
            "status": "open",
            "event_date": "1937-06-12",
        },
    )


def test_a_second_edit_of_a_claim_from_the_same_version_is_refused_and_shows_what_changed(
    client, researcher, editor, claim
):
    # The researcher opens the form; meanwhile the editor saves a change.
    client.force_login(researcher)
    page = client.get(f"/claims/{claim.key}/edit/")
    assert _form_version(page) == 1
    services.claim_update(
        actor=editor,
        claim=Claim.objects.get(pk=claim.pk),
        data={"statement": "Shot on the night of 11 to 12 June 1937.", "status": "contested"},
        expected_version=1,
    )
    before = history_rows()
    response = _edit_claim(client, claim, statement="Shot on 12 June.")
    assert response.status_code == 200
    text = response.content.decode()
    assert "was saved by edith_editor while you were editing it" in text
    assert "statement, status changed" in text
    assert "Nothing you entered was saved" in text
    claim.refresh_from_db()
    assert claim.statement == "Shot on the night of 11 to 12 June 1937." and claim.version == 2
    assert history_rows() == before


def test_an_edit_from_the_current_version_is_saved_and_moves_the_version_on(client, researcher, claim):
    client.force_login(researcher)
    response = _edit_claim(client, claim, statement="Shot on 12 June 1937, at night.")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.version == 2 and claim.history.latest().version == 2
    assert _form_version(client.get(f"/claims/{claim.key}/edit/")) == 2


def test_a_stale_edit_of_a_source_is_refused(client, researcher, editor, source):
    services.source_update(actor=editor, source=source, data={"title": "1937"}, expected_version=1)
    client.force_login(researcher)
    response = client.post(
        f"/sources/{source.key}/edit/",
        {
            "version": "1",
            "key": source.key,
            "kind": source.kind,
            "level": source.level,
            "title": "Another title",
            "title_original": "",
            "authors": "Vadim Rogovin",
            "date": "1998",
            "publisher": "",
            "language": "en",
            "archive": "",
            "fond": "",
            "opis": "",
            "delo": "",
            "list_range": "",
            "url": "",
            "notes": "",
        },
    )
    assert "title changed" in response.content.decode()
    source.refresh_from_db()
    assert source.title == "1937"


def test_a_stale_edit_of_a_citation_is_refused(client, researcher, editor, citation):
    services.citation_update(actor=editor, citation=citation, data={"locator": "p. 412"}, expected_version=1)
    client.force_login(researcher)
    response = client.post(
        f"/citations/{citation.pk}/edit/",
        {
            "version": "1",
            "source": citation.source.key,
            "locator": "ch. 10",
            "quote": "",
            "quote_translation": "",
            "stance": "supports",
        },
    )
    assert "locator changed" in response.content.decode()
    citation.refresh_from_db()
    assert citation.locator == "p. 412"


def test_a_grade_revised_in_another_tab_is_not_overwritten(client, reviewer, citation):
    # The same reviewer has the grade form open twice; the second save comes from the older version.
    services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Confirmed.")
    client.force_login(reviewer)
    first = client.get(f"/citations/{citation.pk}/grade/")
    assert _form_version(first) == 1
    form = {"version": "1", "target_version": citation.version}
    client.post(f"/citations/{citation.pk}/grade/", {**form, "grade": "3", "rationale": "On reflection."})
    response = client.post(f"/citations/{citation.pk}/grade/", {**form, "grade": "5", "rationale": "Doubtful."})
    assert response.status_code == 200
    assert "grade, rationale changed" in response.content.decode()
    assert CitationAssessment.objects.get(citation=citation).grade == 3


def test_a_stale_edit_of_an_annotation_is_refused(client, researcher, editor, claim):
    note = services.annotation_create(actor=researcher, body="Compare the protocol.", target=claim)
    services.annotation_update(
        actor=editor, annotation=note, data={"body": "Compare the protocol of 11 June."}, expected_version=1
    )
    client.force_login(researcher)
    response = client.post(
        f"/annotations/{note.pk}/edit/",
        {"version": "1", "body": "Compare the verdict.", "motivation": "comment", "quoted_passage": ""},
    )
    assert "was saved by edith_editor" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "Compare the protocol of 11 June."


def test_an_unchanged_form_from_an_old_version_changes_nothing_and_is_not_refused(researcher, editor, claim):
    services.claim_update(actor=editor, claim=claim, data={"status": "contested"}, expected_version=1)
    stale = Claim.objects.get(pk=claim.pk)
    assert services.claim_update(actor=researcher, claim=stale, data={"status": "contested"}, expected_version=1)
    assert Claim.objects.get(pk=claim.pk).version == 2


# --- Real concurrent connections ----------------------------------------------------------


def _at_once(*calls):
    """Run each call on its own thread (and so its own database connection), released together;
    return what each returned or raised."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except BaseException as exc:  # the outcome under test
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the role groups)
@pytest.mark.parametrize("attempt", range(3))
def test_two_saves_of_one_claim_at_once_keep_one_and_refuse_the_other(attempt):
    researcher = make_user("rita_researcher", Role.RESEARCHER)
    editor = make_user("edith_editor", Role.EDITOR)
    topic = services.topic_create(actor=editor, title="Date of execution")
    claim = services.claim_create(actor=researcher, key="execution-12-june", topic=topic, statement="12 June.")

    def save(actor, statement):
        return lambda: services.claim_update(
            actor=actor, claim=Claim.objects.get(pk=claim.pk), data={"statement": statement}, expected_version=1
        )

    results = _at_once(save(researcher, "Shot on 12 June."), save(editor, "Shot on 11 June."))
    saved = [r for r in results if isinstance(r, Claim)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(saved) == 1 and len(refused) == 1, results
    assert "while you were editing it" in refused[0].messages[0]
    stored = Claim.objects.get(pk=claim.pk)
    assert stored.statement == saved[0].statement and stored.version == 2
    assert Claim.history.filter(id=claim.pk).count() == 2  # created, then the one save


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the role groups)
@pytest.mark.parametrize("attempt", range(3))
def test_two_editors_resolving_one_dispute_at_once_resolve_it_once(attempt):
    reviewer = make_user("victor_reviewer", Role.REVIEWER)
    second_reviewer = make_user("vera_reviewer", Role.REVIEWER)
    editors = [make_user("edith_editor", Role.EDITOR), make_user("emil_editor", Role.EDITOR)]
    researcher = make_user("rita_researcher", Role.RESEARCHER)  # (an editor may not decide on what they added)
    topic = services.topic_create(actor=editors[0], title="Date of execution")
    claim = services.claim_create(actor=researcher, key="execution-12-june", topic=topic, statement="12 June.")
    source = services.source_create(
        actor=researcher, key="rogovin-1937", kind="monograph", level="secondary", title="1937"
    )
    citation = services.citation_create(actor=researcher, claim=claim, source=source)
    grade = services.grade_set(actor=second_reviewer, target=citation, grade=2, rationale="Sure.")
    dispute = services.dispute_raise(actor=reviewer, target=grade, reason="One witness.", proposed=4)

    def resolve(editor, outcome):
        return lambda: services.dispute_resolve(
            actor=editor,
            dispute=Dispute.objects.get(pk=dispute.pk),
            outcome=outcome,
            note=f"{editor.username} decides.",
        )

    results = _at_once(resolve(editors[0], "upheld"), resolve(editors[1], "rejected"))
    decided = [r for r in results if isinstance(r, Dispute)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(decided) == 1 and len(refused) == 1, results
    assert refused[0].messages == [f"This dispute is already {decided[0].state}."]
    stored = Dispute.objects.get(pk=dispute.pk)
    assert stored.state == decided[0].state and stored.resolved_by == decided[0].resolved_by
    assert Dispute.history.filter(id=dispute.pk, state__in=["upheld", "rejected"]).count() == 1
    expected_grade = 4 if stored.state == "upheld" else 2
    assert CitationAssessment.objects.get(pk=grade.pk).grade == expected_grade


def test_a_refused_save_leaves_the_object_as_the_database_has_it(researcher, claim):
    # A bad value is refused after the version check: the object keeps its version, so the
    # next save from it is not taken for a conflict.
    with pytest.raises(ValidationError):
        services.claim_update(actor=researcher, claim=claim, data={"event_date": "June 1938"}, expected_version=1)
    assert claim.version == 1 and Claim.objects.get(pk=claim.pk).version == 1
    services.claim_update(actor=researcher, claim=claim, data={"event_date": "1937-06"})
    assert Claim.objects.get(pk=claim.pk).version == 2


def test_a_site_edit_begun_before_a_staff_change_in_the_admin_is_refused(client, researcher, staff, claim):
    from tests.test_admin import form_data

    client.force_login(researcher)
    assert _form_version(client.get(f"/claims/{claim.key}/edit/")) == 1
    admin = Client()
    admin.force_login(staff)
    change_url = f"/admin/claims/claim/{claim.pk}/change/"
    data = form_data(admin.get(change_url), "claim_form")
    data["statement"] = "Corrected by staff: shot on 12 June 1937."
    assert admin.post(change_url, data).status_code == 302
    assert Claim.objects.get(pk=claim.pk).version == 2
    response = _edit_claim(client, claim, statement="Shot on 12 June.")
    assert "was saved by stan_staff while you were editing it" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).statement == "Corrected by staff: shot on 12 June 1937."


def test_a_staff_edit_in_the_admin_begun_before_a_site_edit_is_refused(client, researcher, staff, claim):
    from tests.test_admin import form_data

    admin = Client()
    admin.force_login(staff)
    change_url = f"/admin/claims/claim/{claim.pk}/change/"
    data = form_data(admin.get(change_url), "claim_form")
    assert data["version"] == "1"
    services.claim_update(
        actor=researcher,
        claim=Claim.objects.get(pk=claim.pk),
        data={"statement": "Shot on 12 June 1937, at night."},
        expected_version=1,
    )
    data["statement"] = "Corrected by staff."
    response = admin.post(change_url, data, follow=True)
    assert "was saved by rita_researcher while you were editing it" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).statement == "Shot on 12 June 1937, at night."
