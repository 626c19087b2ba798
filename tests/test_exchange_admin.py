"""CSV in the admin: django-import-export's preview and confirm, running the contract's importer."""

import io
import re

import pytest

from claims.csv.claims_csv import claims_export
from claims.csv.sources_csv import sources_export
from claims.models import Claim, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def seeded(db, seed_for_the_module):
    """The seed data set (loaded once for the module)."""


def exported(function=claims_export) -> str:
    out = io.StringIO()
    function(out=out)
    return out.getvalue()


def post_file(client, url: str, data: bytes):
    handle = io.BytesIO(data)
    handle.name = "upload.csv"
    return client.post(url, {"import_file": handle, "format": "0", "resource": "0"})


def confirm_fields(html: str) -> dict[str, str]:
    start = html.index('action="/admin/claims/')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_changelists_offer_import_and_export(admin_client_staff, seeded):
    for model in ("claim", "source"):
        page = admin_client_staff.get(f"/admin/claims/{model}/").content.decode()
        assert f"/admin/claims/{model}/import/" in page and f"/admin/claims/{model}/export/" in page


def test_import_page_lists_the_contract_columns(admin_client_staff):
    page = text(admin_client_staff.get("/admin/claims/claim/import/").content.decode())
    assert "key, topic, statement, kind, event_date, status, people, attributed_to, sources" in page


def test_admin_preview_counts_every_row_then_confirm_writes(admin_client_staff, staff, seeded):
    data = exported().replace("The convicted were shot on 11 June", "The convicted were executed on 11 June")
    data += "admin-new-claim,Date of execution,Entered by staff,,,,,\r\n"
    preview = post_file(admin_client_staff, "/admin/claims/claim/import/", data.encode()).content.decode()
    words = text(preview)
    assert "This import would create 1 , update 1 and leave 28 unchanged (30 rows)" in words
    assert "Update 4 execution-11-june statement" in words
    assert "New 31 admin-new-claim created" in words
    assert not Claim.objects.filter(key="admin-new-claim").exists()
    response = admin_client_staff.post("/admin/claims/claim/process_import/", confirm_fields(preview), follow=True)
    assert "Imported: created 1, updated 1, unchanged 28." in response.content.decode()
    assert Claim.objects.get(key="admin-new-claim").history.get().history_user == staff


def test_admin_import_lists_every_error_and_offers_no_confirm(admin_client_staff, seeded):
    data = (
        b"key,topic,statement,kind,status\r\n"
        b"good-row,Date of execution,Fine,fact,open\r\n"
        b"bad-kind,Date of execution,Odd kind,rumour,open\r\n"
        b"bad-status,Date of execution,Odd status,fact,proven\r\n"
    )
    before = Claim.objects.count()
    page = post_file(admin_client_staff, "/admin/claims/claim/import/", data).content.decode()
    words = text(page)
    assert "Some rows failed to validate" in words
    assert re.search(r"3 1 kind Value &#x27;rumour&#x27; is not a valid choice\. Choose from: fact", words)
    assert re.search(r"4 1 status Value &#x27;proven&#x27; is not a valid choice", words)
    assert "process_import" not in page
    assert Claim.objects.count() == before


def test_admin_import_reports_a_file_level_error_without_a_traceback(admin_client_staff, seeded):
    page = post_file(admin_client_staff, "/admin/claims/claim/import/", b"key,topic,statement\r\n").content.decode()
    assert "The file has a header but no rows." in page and "Traceback" not in page
    page = post_file(admin_client_staff, "/admin/claims/claim/import/", b"\x00\x01PK\x03\x04").content.decode()
    assert "This is not a text (CSV) file." in page and "Traceback" not in page


def test_admin_export_is_the_contract_csv_of_the_filtered_changelist(admin_client_staff, seeded):
    response = admin_client_staff.get("/admin/claims/claim/export/?status__exact=contested")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("key,topic,statement,kind,event_date,status,people,attributed_to,sources,grade,")
    rows = [line for line in body.split("\r\n")[1:] if line]
    assert len(rows) == Claim.objects.filter(status="contested").count()
    assert all(line in exported() for line in rows)


def test_admin_sources_export_and_import_round_trip(admin_client_staff, seeded):
    body = admin_client_staff.get("/admin/claims/source/export/").content
    assert body.decode() == exported(sources_export)
    preview = post_file(admin_client_staff, "/admin/claims/source/import/", body).content.decode()
    assert f"create 0 , update 0 and leave {Source.objects.count()} unchanged" in text(preview)


def test_editor_without_staff_cannot_open_the_admin_import(client, editor):
    client.force_login(editor)
    response = client.get("/admin/claims/claim/import/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_preview_shows_old_and_new_values(admin_client_staff, seeded):
    data = exported().replace("The convicted were shot on 11 June", "The convicted were <i>executed</i> on 11 June")
    preview = post_file(admin_client_staff, "/admin/claims/claim/import/", data.encode()).content.decode()
    assert "<i>executed</i>" not in preview
    assert (
        "statement: The convicted were shot on 11 June 1937, right after the 23:35 verdict. → "
        "The convicted were &lt;i&gt;executed&lt;/i&gt; on 11 June 1937, right after the 23:35 verdict."
    ) in preview


def test_admin_unknown_source_key_links_the_admins_sources_import(admin_client_staff, seeded):
    data = b"key,topic,statement,sources\r\nnew-claim,Date of execution,A <b>claim</b>,no-such-source\r\n"
    page = post_file(admin_client_staff, "/admin/claims/claim/import/", data).content.decode()
    assert (
        "Unknown source key &#x27;no-such-source&#x27;: import the sources first, on the sources import page. "
        '<a href="/admin/claims/source/import/">Import sources</a>'
    ) in page
