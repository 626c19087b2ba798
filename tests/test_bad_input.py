"""Each kind of input that gave a 500 (found by tests/test_fuzz_input.py), kept as a plain test
of what the person sending it sees instead: a form error, a message or a 404, nothing saved.

Some failed on one database only: an id beyond 64 bits overflows SQLite (PostgreSQL compares
it and finds nothing), a NUL in a search is refused by PostgreSQL alone.
"""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from claims.models import Claim, Source
from claims.quoting import QUOTE_LIMIT
from tests.test_url_matrix import World, shared_world, world  # noqa: F401 (fixtures)

BEYOND_64_BITS = "99999999999999999999"  # the example
# The largest number the version column holds on this database: a save's version + 1 overflowed it.
VERSION_LIMIT = str(connection.ops.integer_field_range(Claim._meta.get_field("version").get_internal_type())[1])


def as_user(world: World, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.users[persona])
    return client


def claim_form(world: World, **changes) -> dict:
    data = {
        "key": "shot-11-june",
        "topic": world.topic.pk,
        "statement": "Shot on 11 June.",
        "kind": "fact",
        "status": "open",
        "event_date": "1937-06-11",
        "people": world.person.slug,
    }
    return {**data, **changes}


def errors(response) -> str:
    lists = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found) for found in lists)


# --- The site's forms ------------------------------------------------------------------


@pytest.mark.parametrize("people", [BEYOND_64_BITS, f"1 | {BEYOND_64_BITS}", "-99999999999999999999"])
def test_a_number_beyond_64_bits_among_the_people_is_a_form_error(world, people):
    # (the people were ticked by id, and an id beyond 64 bits overflowed SQLite; now they are typed)
    client = as_user(world, "researcher")
    added = client.post("/claims/new/", claim_form(world, people=people))
    edited = client.post(
        f"/claims/{world.claim.key}/edit/",
        claim_form(world, key=world.claim.key, version=world.claim.version, people=people),
    )
    for response in (added, edited):
        assert response.status_code == 200
        assert f"of {people.count('|') + 1}: No person has the slug “{people.split('|')[-1].strip()}”" in errors(
            response
        )
    assert not Claim.objects.filter(key="shot-11-june").exists()
    assert list(world.claim.people.all()) == [world.person]


def test_a_version_at_the_columns_limit_is_refused_not_overflowed(world):
    client = as_user(world, "researcher")
    response = client.post(
        f"/claims/{world.claim.key}/edit/",
        claim_form(world, key=world.claim.key, statement="Changed.", version=VERSION_LIMIT),
    )
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    world.claim.refresh_from_db()
    assert world.claim.statement != "Changed."


def test_restoring_with_a_version_at_the_columns_limit_says_why_nothing_changed(world):
    record = world.claim.history.earliest()
    response = as_user(world, "editor").post(
        f"/claims/{world.claim.key}/history/{record.history_id}/restore/", {"version": VERSION_LIMIT}, follow=True
    )
    assert response.status_code == 200
    assert "did not carry the version of the record it was opened at" in response.content.decode()
    assert Claim.objects.get(pk=world.claim.pk).version == world.claim.version


@pytest.mark.parametrize("url,field", [("/claims/new/", "kind"), ("/sources/new/", "level")])
def test_a_megabyte_in_a_choice_is_named_in_a_short_message(world, url, field):
    megabyte = "Тухачевский " * 90_000
    response = as_user(world, "researcher").post(url, {field: megabyte})
    assert response.status_code == 200
    message = errors(response)
    assert "is not one of the available choices" in message
    assert megabyte[: QUOTE_LIMIT + 1] not in message and len(message) < 2_000


def test_a_megabyte_in_a_filter_of_the_claim_list_is_named_in_a_short_message(world):
    response = as_user(world, "researcher").get("/claims/", {"status": "x" * 1_000_000})
    assert response.status_code == 200
    assert "x" * (QUOTE_LIMIT + 1) not in errors(response)
    assert "more characters" in errors(response)


# --- The admin ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [BEYOND_64_BITS, "1\x00", "one", "-1"])
@pytest.mark.parametrize("field", ["topic", "people"])
def test_the_admins_choices_of_related_records_refuse_ids_that_are_none(world, field, value):
    # (topic and people are autocomplete fields: the form shown again looked the ids up)
    data = {
        "key": "shot-11-june",
        "topic": str(world.topic.pk),
        "statement": "Shot on 11 June.",
        "kind": "fact",
        "status": "open",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        field: value,
    }
    response = as_user(world, "staff").post("/admin/claims/claim/add/", data)
    assert response.status_code == 200
    assert any(m in errors(response) for m in ("Select a valid choice", "is not a valid value", "Null characters"))
    assert not Claim.objects.filter(key="shot-11-june").exists()


def test_the_admins_choice_of_a_users_groups_refuses_an_id_beyond_64_bits(world):
    user = world.users["researcher"]
    # (Only a superuser sets an account's groups.)
    response = as_user(world, "superuser").post(
        f"/admin/claims/user/{user.pk}/change/",
        {
            "username": user.username,
            "is_active": "on",
            "groups": [BEYOND_64_BITS],
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert f"{BEYOND_64_BITS} is not one of the available choices" in errors(response)
    assert [g.name for g in user.groups.all()] == ["Researcher"]


def test_the_admins_autocomplete_finds_nothing_for_a_term_with_a_nul(world):
    response = as_user(world, "staff").get(
        "/admin/autocomplete/",
        {"app_label": "claims", "model_name": "claim", "field_name": "topic", "term": "Date\x00"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("version", ["v", " ", "1" * 5000, BEYOND_64_BITS])
def test_the_admins_history_pages_are_not_found_for_an_id_that_is_none(world, version):
    staff = as_user(world, "staff")
    assert staff.get(f"/admin/claims/claim/{world.claim.pk}/history/{version}/").status_code == 404
    first = world.claim.history.earliest().history_id
    assert staff.get(f"/admin/claims/claim/one/history/{first}/").status_code == 404
    assert staff.get(f"/admin/claims/claim/{version}/history/").status_code == 404


@pytest.mark.parametrize(
    "page",
    [
        "claims/claim/{claim}/change/",
        "claims/claim/{claim}/delete/",
        "axes/accessattempt/{attempt}/delete/",
        "auth/group/{group}/change/",
    ],
)
def test_an_empty_field_to_name_an_admin_object_by_is_the_primary_key(world, page):
    url = "/admin/" + page.format(
        claim=world.claim.pk, attempt=world.axes["attempt"].pk, group=world.users["researcher"].groups.get().pk
    )
    staff = as_user(world, "staff")
    assert staff.get(url + "?_to_field=").status_code == staff.get(url).status_code  # 200, or 403 for axes and groups


def test_the_admins_account_forms_name_a_long_choice_in_a_short_message(world):
    staff = as_user(world, "staff")
    long = "x" * 10_000
    added = staff.post("/admin/claims/user/add/", {"username": "new_user", "usable_password": long})
    password = staff.post(f"/admin/claims/user/{world.users['researcher'].pk}/password/", {"usable_password": long})
    for response in (added, password):
        assert response.status_code == 200
        assert "Select a valid choice" in errors(response)
        assert long[: QUOTE_LIMIT + 1] not in errors(response)


# --- The admin's CSV import and export ---------------------------------------------------------


@pytest.mark.parametrize("query", ["page=", "no_such_field=1"])
def test_an_admin_export_with_filters_the_list_has_not_goes_back_to_the_list(world, query):
    response = as_user(world, "staff").get(f"/admin/claims/claim/export/?{query}", follow=True)
    assert response.redirect_chain == [("/admin/claims/claim/", 302)]
    assert "Those filters do not apply to this list" in response.content.decode()


def preview(client: Client) -> dict[str, str]:
    """Upload a valid file to the admin's import; the confirm form's fields."""
    upload = b"key,kind,level,title\nfuzz-source,monograph,secondary,A title\n"
    page = client.post(
        "/admin/claims/source/import/",
        {"import_file": SimpleUploadedFile("sources.csv", upload, "text/csv"), "format": "0", "resource": "0"},
    )
    form = page.content.decode().split('action="/admin/claims/source/process_import/"')[1].split("</form>")[0]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


@pytest.mark.parametrize(
    "field,value",
    [("format", "x"), ("format", BEYOND_64_BITS), ("resource", BEYOND_64_BITS), ("import_file_name", "no-such-upload")],
)
def test_the_admins_import_confirm_refuses_what_no_preview_made(world, field, value):
    staff = as_user(world, "staff")
    confirm = {**preview(staff), field: value}
    response = staff.post("/admin/claims/source/process_import/", confirm)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode() or "no longer waiting" in response.content.decode()
    assert not Source.objects.filter(key="fuzz-source").exists()


def test_the_admins_import_confirm_reads_no_file_but_the_previews(world, tmp_path, monkeypatch):
    # django-import-export read, imported and then deleted whichever file of the temporary folder the confirm named.
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    other = Path(tmp_path) / "someone-elses.csv"
    other.write_text("key,kind,level,title\nstolen,monograph,secondary,Not an upload\n")
    staff = as_user(world, "staff")
    confirm = {**preview(staff), "import_file_name": other.name}
    response = staff.post("/admin/claims/source/process_import/", confirm)
    assert response.status_code == 200
    assert "no longer waiting" in response.content.decode()
    assert other.exists()
    assert not Source.objects.filter(key="stolen").exists()


def test_the_admins_import_still_confirms_its_own_preview(world):
    staff = as_user(world, "staff")
    response = staff.post("/admin/claims/source/process_import/", preview(staff))
    assert response.status_code == 302
    assert Source.objects.filter(key="fuzz-source").exists()
