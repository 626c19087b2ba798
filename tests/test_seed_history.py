"""Honest history of the shipped data set (issue 15): the first history line of a seeded record
names who entered it in the data set and when, and says it came from the shipped data set,
not "no user recorded" on the day the seed was loaded."""

import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import CitationAssessment, Claim, Source

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "case-of-military-1937.json"
LOADED = "loaded from the shipped data set case-of-military-1937"

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set as `manage.py seed` loads it (once for the module)."""


def history_lines(response) -> list[str]:
    """The lines of the page's history section as a reader sees them, newest first."""
    section = response.content.decode().split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r'<p class="meta">(.*?)</p>', section, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def test_a_seeded_claim_was_added_by_who_entered_it_on_its_day_from_the_shipped_data_set(client, researcher, seed):
    client.force_login(researcher)
    lines = history_lines(client.get("/claims/abwehr-forgery/"))
    # The claim's first line, the oldest: researcher_d entered it on 15 Jan 2026 (the fixture's created_at).
    added = [line for line in lines if " added claim" in line]
    assert added == [f"15 Jan 2026, 18:30 · researcher_d added claim — {LOADED}"]
    assert lines[-1] == added[0]
    assert not any("no user recorded" in line for line in lines)


def test_a_seeded_grade_names_its_reviewer_and_the_day_it_was_graded(client, researcher, seed):
    client.force_login(researcher)
    lines = history_lines(client.get("/claims/abwehr-forgery/"))
    grade = next(line for line in lines if "credibility grade by reviewer_a" in line)
    assert grade.startswith("23 Jan 2026, 10:20 · reviewer_a added credibility grade by reviewer_a of citation")
    assert grade.endswith(f"— {LOADED}")


def test_a_seeded_source_names_who_entered_it(client, researcher, seed):
    client.force_login(researcher)
    lines = history_lines(client.get("/sources/suvorov-ochishchenie-1998/"))
    assert lines[-1] == f"12 Jan 2026, 14:04 · researcher_d added source — {LOADED}"


def test_every_first_history_row_of_the_seed_has_the_fixtures_user_and_date(seed):
    fixture = json.loads(SEED.read_text())
    entered = {
        o["fields"]["key"]: (o["fields"]["created_by"][0], o["fields"]["created_at"])
        for o in fixture
        if o["model"] == "claims.claim"
    }
    for claim in Claim.objects.all():
        first = Claim.history.filter(id=claim.pk).earliest("history_date", "history_id")
        who, when = entered[claim.key]
        assert (first.history_type, first.history_user.username) == ("+", who)
        assert first.history_date.isoformat().replace("+00:00", "Z") == when
        assert first.history_change_reason == LOADED
    for grade in CitationAssessment.objects.all():
        first = CitationAssessment.history.filter(id=grade.pk).earliest("history_date", "history_id")
        assert (first.history_user_id, first.history_date) == (grade.reviewer_id, grade.created_at)


def test_the_first_history_row_records_the_people_and_the_attribution(seed):
    claim = Claim.objects.get(key="suvorov-incompetence")
    first = Claim.history.filter(id=claim.pk).get()  # (the only one: loading the links recorded no change)
    assert {link.person.slug for link in first.attributed_to.all()} == {"suvorov"}
    assert {link.person.slug for link in first.people.all()} == set(claim.people.values_list("slug", flat=True))
    source = Source.objects.get(key="rogovin-1937")
    first_source = Source.history.filter(id=source.pk).get()
    assert [link.person.slug for link in first_source.author_people.all()] == ["rogovin"]


def test_seeding_again_adds_no_history(seed):
    before = (Claim.history.count(), CitationAssessment.history.count(), Source.history.count())
    out = io.StringIO()
    call_command("seed", verbosity=0, stdout=out)
    assert "First history entries: none needed." in out.getvalue()
    assert (Claim.history.count(), CitationAssessment.history.count(), Source.history.count()) == before
