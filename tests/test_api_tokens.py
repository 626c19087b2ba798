"""Personal API tokens (issue 16): made and revoked on the account page, shown once, stored
hashed; they open the API (and only the API) until revoked."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import services
from claims.models import ApiToken, Person
from claims.roles import Role
from tests.conftest import make_user

API = "/api/v1/"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def made_on_the_page(client: Client, name: str = "laptop scripts") -> tuple[str, str]:
    """Make a token on the account page; the page's HTML and the token it shows."""
    page = client.post("/accounts/", {"name": name})
    assert page.status_code == 200
    html = page.content.decode()
    shown = re.search(r'<pre class="token"><code>([^<]+)</code></pre>', html)
    assert shown, "the new token is not shown"
    return html, shown.group(1)


def api_answer(raw: str):
    """The API's answer to a client that holds no session, only the token."""
    return Client().get(API, **bearer(raw))


def test_a_token_made_on_the_account_page_is_shown_once_and_opens_the_api(client, researcher):
    client.force_login(researcher)
    html, raw = made_on_the_page(client)
    assert raw.startswith("sca_") and len(raw) > 40
    assert "it will not be shown again" in html
    assert f'curl -H "Authorization: Bearer {raw}" http://testserver/api/v1/' in html

    again = client.get("/accounts/").content.decode()
    assert raw not in again, "the token is shown a second time"
    assert "laptop scripts" in again and f"{raw[:12]}…" in again and "Active" in again

    answer = api_answer(raw)
    assert answer.status_code == 200, answer.content


def test_the_stored_row_holds_only_the_token_s_hash_and_first_characters(client, researcher):
    client.force_login(researcher)
    _, raw = made_on_the_page(client)
    row = ApiToken.objects.values().get(user=researcher)
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["prefix"] == raw[:12]
    assert not any(raw in str(value) for value in row.values())


def test_a_revoked_token_no_longer_opens_the_api_and_the_page_says_it_is_revoked(client, researcher):
    client.force_login(researcher)
    _, raw = made_on_the_page(client)
    token = ApiToken.objects.get(user=researcher)
    assert client.get("/accounts/").content.decode().count('action="/accounts/tokens/') == 1

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    page = response.content.decode()
    assert "The token “laptop scripts” is revoked: it no longer opens the API." in page
    assert "Revoked " in page and 'action="/accounts/tokens/' not in page  # no Revoke button left

    answer = api_answer(raw)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "This token was revoked: make a new one on your account page."
    assert answer["WWW-Authenticate"] == "Bearer"


def test_revoking_a_token_twice_says_it_is_revoked_already_and_keeps_the_first_time(client, researcher):
    token, _ = services.api_token_create(actor=researcher, name="laptop scripts")
    first = services.api_token_revoke(actor=researcher, token=token).revoked_at
    client.force_login(researcher)
    page = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True).content.decode()
    assert "The token “laptop scripts” is revoked already." in page
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_an_unknown_or_garbled_token_gets_401_saying_what_is_wrong(db):
    assert api_answer("sca_not-a-token-anyone-made").json()["detail"].startswith("No such token")
    garbled = Client().get(API, HTTP_AUTHORIZATION="Bearer two words")
    assert garbled.status_code == 401 and "Authorization: Bearer <token>" in garbled.json()["detail"]
    assert Client().get(API).status_code == 401  # no token, no session


def test_a_token_of_a_deactivated_account_gets_401(researcher):
    _, raw = services.api_token_create(actor=researcher, name="laptop scripts")
    researcher.is_active = False
    researcher.save()
    answer = api_answer(raw)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "The account this token belongs to is deactivated."


def test_another_user_can_neither_see_nor_revoke_my_token(client, researcher, editor, staff):
    token, raw = services.api_token_create(actor=researcher, name="laptop scripts")
    for other in (editor, staff):  # (staff revoke others' tokens in the admin, not here)
        client.force_login(other)
        assert "laptop scripts" not in client.get("/accounts/").content.decode()
        assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert api_answer(raw).status_code == 200
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=editor, token=token)


def test_revoking_needs_a_post(client, researcher):
    token, _ = services.api_token_create(actor=researcher, name="laptop scripts")
    client.force_login(researcher)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def updates_of_tokens(queries) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"])


def test_last_used_is_recorded_at_most_once_a_minute(researcher):
    token, raw = services.api_token_create(actor=researcher, name="laptop scripts")
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(API, **bearer(raw)).status_code == 200
    assert updates_of_tokens(queries) == 1
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None

    # A minute and more later (moved back rather than waited for), the next request records it again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(seconds=61))
    with CaptureQueriesContext(connection) as queries:
        client.get(API, **bearer(raw))
    assert updates_of_tokens(queries) == 1
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first_use - timedelta(seconds=1)


def test_the_account_page_shows_when_a_token_was_last_used(client, researcher):
    _, raw = services.api_token_create(actor=researcher, name="laptop scripts")
    client.force_login(researcher)
    assert "never" in client.get("/accounts/").content.decode()
    api_answer(raw)
    assert timezone.now().strftime("%Y-%m-%d") in client.get("/accounts/").content.decode().split("laptop scripts")[1]


def test_a_bearer_token_does_not_log_anyone_into_the_pages(researcher):
    _, raw = services.api_token_create(actor=researcher, name="laptop scripts")
    for page in ("/claims/", "/accounts/"):
        response = Client().get(page, **bearer(raw))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Nor does it stand in for a session and its CSRF token to make another token.
    refused = Client(enforce_csrf_checks=True).post("/accounts/", {"name": "by token"}, **bearer(raw))
    assert refused.status_code == 403
    assert ApiToken.objects.filter(name="by token").count() == 0


def test_a_blank_or_repeated_name_is_refused_with_a_message_on_the_field(client, researcher):
    client.force_login(researcher)
    made_on_the_page(client, "laptop scripts")
    page = client.post("/accounts/", {"name": "laptop scripts"}).content.decode()
    assert "You have a token named “laptop scripts” in use already" in page
    assert '<pre class="token">' not in page
    assert "This field is required." in client.post("/accounts/", {"name": "  "}).content.decode()
    assert ApiToken.objects.filter(user=researcher).count() == 1
    with pytest.raises(ValidationError, match="cannot be blank"):
        services.api_token_create(actor=researcher, name=" ")


def test_a_revoked_token_s_name_may_be_given_to_a_new_one(researcher):
    old, _ = services.api_token_create(actor=researcher, name="laptop scripts")
    services.api_token_revoke(actor=researcher, token=old)
    new, _ = services.api_token_create(actor=researcher, name="laptop scripts")
    assert new.pk != old.pk


def test_an_account_has_at_most_twenty_tokens_in_use(researcher):
    for n in range(services.API_TOKENS_PER_USER):
        services.api_token_create(actor=researcher, name=f"machine {n}")
    with pytest.raises(ValidationError, match="You have 20 tokens in use"):
        services.api_token_create(actor=researcher, name="one more")
    services.api_token_revoke(actor=researcher, token=ApiToken.objects.active().filter(user=researcher).first())
    services.api_token_create(actor=researcher, name="one more")


def test_the_account_page_says_who_you_are_and_links_to_the_password_page(client, reviewer):
    reviewer.first_name, reviewer.last_name = "Victor", "Ulrikh"
    reviewer.save()
    client.force_login(reviewer)
    page = client.get("/accounts/").content.decode()
    assert "victor_reviewer" in page and "Victor Ulrikh" in page and "Reviewer" in page
    assert 'href="/accounts/password/"' in page
    assert 'href="/accounts/">Your account</a>' in page  # the site header's link


def test_the_page_showing_a_new_token_is_neither_cached_nor_compressed(client, researcher):
    client.force_login(researcher)
    response = client.post("/accounts/", {"name": "laptop scripts"}, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "no-store" in response["Cache-Control"]
    # (Not compressed: a secret beside a name the visitor typed would be open to BREACH.)
    assert "Content-Encoding" not in response and b"it will not be shown again" in response.content


def test_the_account_page_needs_a_login(client, db):
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")


def test_staff_revoke_anyone_s_token_in_the_admin_which_never_shows_the_token(client, researcher, staff):
    token, raw = services.api_token_create(actor=researcher, name="laptop scripts")
    client.force_login(staff)
    listing = client.get("/admin/claims/apitoken/?q=rita").content.decode()
    assert "laptop scripts" in listing and f"{raw[:12]}…" in listing and raw not in listing
    assert raw not in client.get(f"/admin/claims/apitoken/{token.pk}/change/").content.decode()

    response = client.post(
        "/admin/claims/apitoken/", {"action": "revoke_selected", "_selected_action": [token.pk]}, follow=True
    )
    assert "Revoked 1: laptop scripts (" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert api_answer(raw).status_code == 401


def test_the_admin_neither_adds_edits_nor_deletes_tokens(client, researcher, staff):
    token, _ = services.api_token_create(actor=researcher, name="laptop scripts")
    client.force_login(staff)
    assert client.get("/admin/claims/apitoken/add/").status_code == 403
    assert client.post(f"/admin/claims/apitoken/{token.pk}/change/", {"name": "renamed"}).status_code == 403
    assert client.post(f"/admin/claims/apitoken/{token.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiToken.objects.get(pk=token.pk).name == "laptop scripts"


class _Probe(APIView):
    def get(self, request):
        return Response({})


def test_the_openapi_schema_names_the_bearer_scheme(db):
    # (A view of the API's default authentication: the resources are other modules' work.)
    schema = SchemaGenerator(patterns=[path("api/v1/probe/", _Probe.as_view())]).get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["personalToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert {"personalToken": []} in schema["paths"]["/api/v1/probe/"]["get"]["security"]


def test_a_token_opens_the_api_as_its_owner(researcher):
    other = make_user("second_researcher", Role.RESEARCHER)
    _, mine = services.api_token_create(actor=researcher, name="laptop scripts")
    _, theirs = services.api_token_create(actor=other, name="laptop scripts")
    # What a token adds is recorded as added by the token's owner.
    for raw, owner, name in ((mine, researcher, "Iona Yakir"), (theirs, other, "Ieronim Uborevich")):
        response = Client().post("/api/v1/people/", {"name": name}, content_type="application/json", **bearer(raw))
        assert response.status_code == 201, response.content
        assert Person.objects.get(name=name).created_by == owner


def queries_of_the_account_page(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/").status_code == 200
    return len(queries)


def test_the_account_page_lists_every_token_in_use_and_the_latest_revoked_in_the_same_few_queries(client, researcher):
    services.api_token_create(actor=researcher, name="first")
    client.force_login(researcher)
    few = queries_of_the_account_page(client)
    for n in range(15):
        token, _ = services.api_token_create(actor=researcher, name=f"old {n}")
        services.api_token_revoke(actor=researcher, token=token)
    for n in range(services.API_TOKENS_PER_USER - 1):
        services.api_token_create(actor=researcher, name=f"machine {n}")
    assert queries_of_the_account_page(client) == few + 1  # (+1: counting the revoked ones not listed)
    page = client.get("/accounts/").content.decode()
    assert page.count(">Revoke<") == services.API_TOKENS_PER_USER
    assert "old 14" in page and "old 5" in page and "old 4<" not in page
    assert "And 5 older revoked tokens, not listed." in page
