"""A CSV import's confirm writes nothing if a claim or source of the file changed since its
preview (issue 10, point 4): it lists those rows with who changed them, keeps the file, and
offers to preview it again; on the web pages and in the admin's Import alike."""

import csv
import io
import re
import time

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.csv.claims_csv import claims_import
from claims.csv.sources_csv import sources_import
from claims.models import Claim, Source
from claims.roles import Role
from tests.conftest import make_user
from tests.csv_support import exported_claims, exported_sources, read, rows_and_history, seeded, snapshot  # noqa: F401
from tests.test_concurrent_edits import _at_once  # (each call on its own thread and connection)

pytestmark = pytest.mark.django_db

NEW_ROW = "web-new-claim,Date of execution,A claim typed in a spreadsheet,,1937-06,,,\r\n"


def upload(client, url: str, text: str, name: str = "upload.csv"):
    handle = io.BytesIO(text.encode())
    handle.name = name
    return client.post(url, {"file": handle, "encoding": ""})


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def row_of(text: str, key: str) -> int:
    """The row a spreadsheet shows for the key (the header is row 1)."""
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if cells and cells[0] == key:
            return number
    raise AssertionError(key)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def changed_claims_file() -> str:
    return (
        exported_claims().replace(
            "The convicted were shot on 11 June 1937", "The convicted were executed on 11 June 1937"
        )
        + NEW_ROW
    )


def changed_sources_file() -> str:
    text = exported_sources()
    line = next(line for line in text.split("\r\n") if line.startswith("rogovin-1937,"))
    cells = next(csv.reader([line]))
    cells[4] = "1937: Сталинский год террора"  # title_original
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return text.replace(line + "\r\n", out.getvalue())


# --- The web pages ------------------------------------------------------------------------


def test_a_claim_edited_after_the_preview_refuses_the_confirm_then_preview_again_imports(
    client, editor, second_editor, seeded
):
    data = changed_claims_file()
    client.force_login(editor)
    token = token_of(upload(client, "/claims/import/", data).content.decode())
    claim = Claim.objects.get(key="execution-11-june")
    services.claim_update(actor=second_editor, claim=claim, data={"status": "refuted"})
    before, seen = rows_and_history(), snapshot()

    page = words(client.post("/claims/import/confirm/", {"token": token}).content.decode())

    assert rows_and_history() == before and snapshot() == seen  # nothing written
    assert "The import was refused: nothing was written" in page
    row = row_of(data, "execution-11-june")
    assert re.search(
        rf"{row} key The claim 'execution-11-june' was changed by emil_editor \(last on [-0-9: ]+ UTC\) "
        "after your preview",
        page,
    ), page
    assert "preview the file again" in page and "Preview again" in page
    assert Claim.objects.get(key="execution-11-june").status == "refuted"

    again = client.post("/claims/import/", {"token": token}).content.decode()
    assert "nothing is written until you confirm" in again and token_of(again) == token
    shown = words(again)
    # The preview shows each changed field's stored value, the second editor's status included, and the file's.
    assert re.search(
        r"execution-11-june updated: statement : .+ → The convicted were executed .+ status : refuted → contested",
        shown,
    ), shown
    done = client.post("/claims/import/confirm/", {"token": token}).content.decode()
    assert "Created <strong>1</strong>, updated <strong>1</strong>" in done
    claim.refresh_from_db()
    assert claim.statement.startswith("The convicted were executed") and claim.status != "refuted"
    assert claim.history.first().history_user == editor


def test_a_source_edited_after_the_preview_refuses_the_confirm_then_preview_again_imports(
    client, editor, second_editor, seeded
):
    data, key = changed_sources_file(), "rogovin-1937"
    client.force_login(editor)
    token = token_of(upload(client, "/sources/import/", data).content.decode())
    source = Source.objects.get(key=key)
    notes = source.notes
    services.source_update(actor=second_editor, source=source, data={"notes": "Checked against the archive."})
    before = rows_and_history()

    page = words(client.post("/sources/import/confirm/", {"token": token}).content.decode())

    assert rows_and_history() == before
    assert re.search(rf"{row_of(data, key)} key The source '{key}' was changed by emil_editor", page), page
    assert Source.objects.get(key=key).notes == "Checked against the archive."
    again = client.post("/sources/import/", {"token": token}).content.decode()
    client.post("/sources/import/confirm/", {"token": token_of(again)})
    source.refresh_from_db()
    assert source.title_original == "1937: Сталинский год террора" and source.notes == notes  # as the file says


def test_a_key_created_by_someone_else_after_the_preview_refuses_the_confirm(client, editor, second_editor, seeded):
    client.force_login(editor)
    token = token_of(upload(client, "/claims/import/", exported_claims() + NEW_ROW).content.decode())
    services.claim_create(
        actor=second_editor,
        key="web-new-claim",
        topic=Claim.objects.first().topic,
        statement="Typed on the site first.",
    )
    page = words(client.post("/claims/import/confirm/", {"token": token}).content.decode())
    assert "The claim 'web-new-claim' was created by emil_editor" in page
    assert Claim.objects.get(key="web-new-claim").statement == "Typed on the site first."


def test_a_claim_deleted_after_the_preview_refuses_the_confirm(client, editor, staff, claim):
    data = f"key,topic,statement\r\n{claim.key},{claim.topic.title},Shot on 12 June 1937, at dawn.\r\n"
    data = data.replace("Shot on 12 June 1937, at dawn.", '"Shot on 12 June 1937, at dawn."')
    client.force_login(editor)
    token = token_of(upload(client, "/claims/import/", data).content.decode())
    services.staff_delete(actor=staff, instance=claim)
    page = words(client.post("/claims/import/confirm/", {"token": token}).content.decode())
    assert "2 key The claim 'execution-12-june' was deleted by stan_staff" in page
    assert not Claim.objects.filter(key=claim.key).exists()


# --- The admin's Import -------------------------------------------------------------------


def admin_upload(client, url: str, text: str):
    handle = io.BytesIO(text.encode())
    handle.name = "upload.csv"
    return client.post(url, {"import_file": handle, "format": "0", "resource": "0"})


def form_fields(html: str, action: str) -> dict[str, str]:
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


@pytest.mark.parametrize("model", ["claim", "source"])
def test_the_admin_confirm_refuses_rows_changed_since_its_preview_then_preview_again_imports(
    client, staff, second_editor, seeded, model
):
    if model == "claim":
        data, key = changed_claims_file(), "execution-11-june"
    else:
        data, key = changed_sources_file(), "rogovin-1937"
    notes = Source.objects.get(key="rogovin-1937").notes
    client.force_login(staff)
    preview = admin_upload(client, f"/admin/claims/{model}/import/", data).content.decode()
    confirm = form_fields(preview, f"/admin/claims/{model}/process_import/")
    if model == "claim":
        services.claim_update(actor=second_editor, claim=Claim.objects.get(key=key), data={"status": "refuted"})
    else:
        services.source_update(actor=second_editor, source=Source.objects.get(key=key), data={"notes": "Checked."})
    before = rows_and_history()

    refused = client.post(f"/admin/claims/{model}/process_import/", confirm)

    assert refused.status_code == 200 and rows_and_history() == before
    page = refused.content.decode()
    assert "The import was refused: nothing was written" in words(page)
    assert re.search(rf"{row_of(data, key)} The {model} '{key}' was changed by emil_editor", words(page)), words(page)
    again = form_fields(page, f"/admin/claims/{model}/import/")
    assert again["again"] == "1" and again["import_file_name"] == confirm["import_file_name"]

    preview = client.post(f"/admin/claims/{model}/import/", again).content.decode()
    assert "This import would create" in words(preview)
    done = client.post(
        f"/admin/claims/{model}/process_import/",
        form_fields(preview, f"/admin/claims/{model}/process_import/"),
        follow=True,
    )
    assert "Imported: created" in done.content.decode()
    if model == "claim":
        assert Claim.objects.get(key=key).statement.startswith("The convicted were executed")
    else:
        assert Source.objects.get(key=key).title_original == "1937: Сталинский год террора"
        assert Source.objects.get(key=key).notes == notes


# --- The importers ------------------------------------------------------------------------


def test_a_confirm_with_the_versions_its_preview_saw_writes(seeded, editor, second_editor):
    data = changed_claims_file().encode()
    preview = claims_import(actor=editor, data=data, dry_run=True)
    assert preview.versions["execution-11-june"] == Claim.objects.get(key="execution-11-june").version
    assert preview.versions["web-new-claim"] == 0
    confirm = claims_import(actor=editor, data=data, expected_versions=preview.versions)
    assert confirm.ok and confirm.summary == "created 1, updated 1, unchanged 28"
    # An edit of a claim the file does not name does not stand in the way.
    data = b"key,topic,statement\r\nanother-new-claim,Date of execution,Only this one.\r\n"
    preview = claims_import(actor=editor, data=data, dry_run=True)
    services.claim_update(
        actor=second_editor, claim=Claim.objects.get(key="execution-11-june"), data={"status": "refuted"}
    )
    assert claims_import(actor=editor, data=data, expected_versions=preview.versions).created == 1


def test_a_sources_confirm_refuses_a_source_changed_since_and_writes_nothing(editor, second_editor):
    data = read("sources.csv")
    preview = sources_import(actor=editor, data=data, dry_run=True)
    assert preview.versions == {"rogovin-1937": 0, "izvestiya-tsk-1989-4": 0}
    sources_import(actor=second_editor, data=data)  # imported by someone else meanwhile
    before = rows_and_history()
    confirm = sources_import(actor=editor, data=data, expected_versions=preview.versions)
    assert confirm.changed_since_preview and rows_and_history() == before
    assert [(e.row, e.column) for e in confirm.errors] == [(2, "key"), (3, "key")]
    assert "was created by emil_editor" in confirm.errors[0].message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the role groups)
@pytest.mark.parametrize("edit_after", [0, 0.01, 0.02, 0.03, 0.05, 0.08])
def test_an_edit_racing_a_confirm_is_never_overwritten(edit_after):
    # The confirm reads the claims it compares inside its transaction: whichever comes first,
    # the other is refused, and the stored claim is the first's. (The edit starts a little
    # later in each run, so that some land while the confirm reads and checks.)
    editor = make_user("edith_editor", Role.EDITOR)
    second_editor = make_user("emil_editor", Role.EDITOR)
    topic = services.topic_create(actor=editor, title="Date of execution")
    claim = services.claim_create(actor=editor, key="execution-12-june", topic=topic, statement="12 June.")
    rows = "".join(f"filler-{n},Date of execution,Filler {n}.\r\n" for n in range(3000))
    data = f"key,topic,statement\r\n{rows}execution-12-june,Date of execution,From the file.\r\n".encode()
    preview = claims_import(actor=editor, data=data, dry_run=True)

    results = _at_once(
        lambda: claims_import(actor=editor, data=data, expected_versions=preview.versions),
        lambda: (
            time.sleep(edit_after)
            or services.claim_update(
                actor=second_editor,
                claim=Claim.objects.get(pk=claim.pk),
                data={"statement": "From the site."},
                expected_version=1,
            )
        ),
    )
    report, edit = results
    stored = Claim.objects.get(pk=claim.pk)
    if isinstance(edit, Claim):  # the edit came first: the confirm is refused
        assert report.changed_since_preview and not Claim.objects.filter(key="filler-0").exists()
        assert stored.statement == "From the site."
    else:  # the confirm came first: the edit is refused
        assert isinstance(edit, ValidationError) and report.ok, results
        assert stored.statement == "From the file."
