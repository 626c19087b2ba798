"""What a newcomer meets first: the login page says what the tool is, the site has an icon, the
printed address is the one served, and a date is not said twice."""

import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from claims import services
from claims.models import Source

ROOT = Path(__file__).resolve().parent.parent


def test_the_login_page_says_what_the_tool_is_before_asking_for_a_password(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "broken\ninto claims" in page or "broken into claims" in page
    assert "Admiralty scales" in page
    assert page.index("Admiralty scales") < page.index('name="password"')


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_every_page_names_the_site_icon_and_the_icon_is_served(client, db, path):
    page = client.get(path).content.decode()
    assert '<link rel="icon" href="/static/claims/favicon.svg" type="image/svg+xml">' in page
    icon = finders.find("claims/favicon.svg")
    assert icon and Path(icon).read_text().startswith("<svg")


def test_the_demo_accounts_banner_names_the_address_served(db, tmp_path, capsys):
    call_command("demo_accounts", "--password-file", str(tmp_path / "pw"), "--address", "0.0.0.0:9123")
    banner = capsys.readouterr().out.splitlines()[0]
    assert "http://0.0.0.0:9123/accounts/login/" in banner
    assert "8000" not in banner


def test_make_run_passes_its_host_to_the_banner_and_the_server():
    # -n prints the commands without running them: what `make run HOST=...` would do.
    printed = subprocess.run(
        ["make", "-n", "run", "HOST=192.0.2.7:9123"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "demo_accounts --address 192.0.2.7:9123" in printed
    assert "Serving on http://192.0.2.7:9123/" in printed
    assert "runserver 192.0.2.7:9123" in printed
    assert "8000" not in printed


def test_a_year_is_said_once_on_the_source_page_and_an_uncertain_day_shows_its_edtf(client, researcher, source):
    client.force_login(researcher)
    services.source_create(
        actor=researcher,
        key="verdict-copy",
        kind=Source.Kind.OFFICIAL_REPORT,
        level=Source.Level.PRIMARY,
        title="Verdict copy",
        date="1937-06-12?",
    )
    year = client.get(f"/sources/{source.key}/").content.decode()
    assert "<dd>1998</dd>" in year  # Rogovin's 1998, once ("1998 1998" before)
    assert 'class="edtf"' not in year
    day = client.get("/sources/verdict-copy/").content.decode()
    assert 'possibly 12 June 1937 <code class="edtf" title="EDTF">1937-06-12?</code>' in day
