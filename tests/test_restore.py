"""History with revert (issue 5): every change with its author and time on the claim and
source pages; an editor restores an earlier version of a claim, itself recorded as a change."""

import re

from django.test import Client

from claims import services
from claims.models import Claim, Person


def restore_buttons(html: str) -> list[str]:
    return re.findall(r'action="(/claims/[^"]+/history/\d+/restore/)"', html)


def _two_changes(claim, researcher, editor):
    yakir = services.person_create(actor=researcher, name="Iona Yakir")
    services.claim_update(
        actor=researcher, claim=claim, data={"kind": "interpretation", "people": [yakir]}, expected_version=1
    )
    services.claim_update(
        actor=editor,
        claim=Claim.objects.get(pk=claim.pk),
        data={"statement": "Shot on 11 June 1937 (wrong).", "people": []},
        expected_version=2,
    )


def test_claim_page_shows_each_change_with_its_author_and_time(client, researcher, editor, claim):
    _two_changes(claim, researcher, editor)
    client.force_login(researcher)
    html = client.get(f"/claims/{claim.key}/").content.decode()
    history = html[html.index('id="history"') :]
    assert "edith_editor</strong> changed claim" in history
    assert "rita_researcher</strong> changed claim" in history
    assert "Shot on 11 June 1937 (wrong)." in history
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', history)
    assert "version" not in re.sub(r"<[^>]+>", "", history).lower().replace("restore", "")


def test_source_page_shows_each_change_with_its_author(client, researcher, editor, source):
    services.source_update(actor=editor, source=source, data={"title": "1937 (Mehring)"}, expected_version=1)
    client.force_login(researcher)
    history = client.get(f"/sources/{source.key}/").content.decode().split('id="history"')[1]
    assert "edith_editor</strong> changed source" in history and "1937 (Mehring)" in history


def test_an_editor_restores_an_earlier_version_and_the_history_records_it(client, researcher, editor, claim):
    _two_changes(claim, researcher, editor)
    second = Claim.history.filter(id=claim.pk, version=2).latest()  # (the people too)
    client.force_login(editor)
    page = client.get(f"/claims/{claim.key}/").content.decode()
    url = f"/claims/{claim.key}/history/{second.history_id}/restore/"
    assert url in restore_buttons(page)
    response = client.post(url, {"version": "3"}, follow=True)
    assert "The earlier version is restored" in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement == "The convicted were shot on 12 June 1937."  # as in version 2
    assert claim.kind == "interpretation" and [p.name for p in claim.people.all()] == ["Iona Yakir"]
    latest = claim.history.latest()
    assert latest.history_user == editor and latest.version == 4
    assert latest.history_change_reason.startswith("restored the version of ")
    history = response.content.decode().split('id="history"')[1]
    assert "edith_editor</strong> restored the version of" in history


def test_a_restore_from_a_page_that_is_out_of_date_is_refused(client, researcher, editor, claim):
    _two_changes(claim, researcher, editor)
    first = Claim.history.get(id=claim.pk, version=1)
    client.force_login(editor)
    response = client.post(f"/claims/{claim.key}/history/{first.history_id}/restore/", {"version": "2"}, follow=True)
    assert "while you were editing it" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).statement == "Shot on 11 June 1937 (wrong)."


def test_only_editors_see_and_may_use_restore(client, researcher, reviewer, editor, claim):
    _two_changes(claim, researcher, editor)
    first = Claim.history.get(id=claim.pk, version=1)
    url = f"/claims/{claim.key}/history/{first.history_id}/restore/"
    for user in (researcher, reviewer):
        client.force_login(user)
        assert restore_buttons(client.get(f"/claims/{claim.key}/").content.decode()) == []
        response = client.post(url, {"version": "3"})
        assert response.status_code == 403
        assert "Editor role" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).version == 3
    assert Client().post(url).status_code == 302  # to the login page
    client.force_login(editor)
    assert client.get(url).status_code == 405


def test_the_current_version_has_no_restore_button_and_a_version_of_another_claim_is_refused(
    client, researcher, editor, claim, topic
):
    other = services.claim_create(actor=researcher, key="other-claim", topic=topic, statement="Another.")
    _two_changes(claim, researcher, editor)
    client.force_login(editor)
    buttons = restore_buttons(client.get(f"/claims/{claim.key}/").content.decode())
    current = Claim.history.filter(id=claim.pk).latest()
    assert f"/claims/{claim.key}/history/{current.history_id}/restore/" not in buttons and len(buttons) >= 2
    foreign = Claim.history.get(id=other.pk)
    response = client.post(f"/claims/{claim.key}/history/{foreign.history_id}/restore/", {"version": "3"}, follow=True)
    assert "That is not a recorded version of this claim." in response.content.decode()
    assert Person.objects.count() == 1 and Claim.objects.get(pk=claim.pk).version == 3
