"""The JSON API's frame (issue 16): who gets in (a token or the session; 401 with the Bearer
challenge, never the login page), throttling, the OpenAPI schema (valid, with the token's
security scheme) and the browsable docs page (behind the login, under the site's CSP)."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings

from claims.views.access import NO_ROLE
from tests.test_api_records import token_for


@pytest.fixture
def token(researcher) -> str:
    return token_for(researcher)


def test_an_anonymous_script_is_challenged_for_a_token_not_sent_to_the_login_page(db):
    response = Client().get("/api/v1/claims/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_refused(db):
    response = Client(HTTP_AUTHORIZATION="Bearer not-a-token").get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("No such token")


def test_a_token_or_the_session_lets_a_reader_in(researcher, token):
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/claims/").status_code == 200
    browser = Client()
    browser.force_login(researcher)
    assert browser.get("/api/v1/claims/").status_code == 200


def test_an_account_without_a_role_is_told_why_it_may_not_read(outsider):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(outsider)}").get("/api/v1/topics/")
    assert response.status_code == 403
    assert response.json()["detail"] == NO_ROLE


def test_the_session_needs_its_csrf_token_to_write(researcher, topic):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(researcher)
    response = browser.post("/api/v1/people/", {"name": "Iona Yakir"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_user_over_the_rate_gets_429_until_the_minute_is_over(researcher, token):
    rates = {"anon": "2/minute", "user": "3/minute"}
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        answers = [client.get("/api/v1/topics/").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        refused = client.get("/api/v1/topics/")
        assert 0 < int(refused["Retry-After"]) <= 60
        assert "throttled" in refused.json()["detail"].lower()


def test_the_schema_is_valid_openapi_3_without_warnings(tmp_path):
    # --validate checks it against the OpenAPI 3 JSON schema; --fail-on-warn fails on any warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_served_schema_offers_the_personal_token_as_bearer_authentication(researcher, token):
    schema = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["personalToken"]["scheme"] == "bearer"
    assert {"personalToken": []} in schema["paths"]["/api/v1/claims/"]["get"]["security"]
    assert Client().get("/api/schema/").status_code == 401


class _Loads(HTMLParser):
    """What a page loads (scripts, stylesheets, icons) and whether it holds inline script or style."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in attrs
            self.urls += [attrs["src"]] if "src" in attrs else []
        elif tag == "link":
            self.urls.append(attrs["href"])
        elif tag == "style" or "style" in attrs or any(name.startswith("on") for name in attrs):
            self.inline.append(tag)

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append("script")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script


def test_the_docs_page_needs_a_login_and_loads_only_this_sites_files_under_its_csp(researcher):
    assert Client().get("/api/docs/")["Location"].startswith("/accounts/login/")
    browser = Client()
    browser.force_login(researcher)
    response = browser.get("/api/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert re.search(r"script-src 'self'(;|$)", policy) and re.search(r"style-src 'self'(;|$)", policy)
    page = _Loads()
    page.feed(response.content.decode())
    assert page.inline == []
    assert len(page.urls) >= 5  # (Swagger UI's script, its preset, its stylesheet, ours, the start-up script)
    for url in page.urls:
        assert url.startswith("/"), url  # this site's, as 'self' allows
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
        else:
            script = browser.get(url)
            assert (script.status_code, script["Content-Type"]) == (200, "application/javascript")
            assert "/api/schema/" in script.content.decode()
