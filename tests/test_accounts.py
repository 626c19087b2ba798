"""Log in, log out (POST only), change password; every other page needs a login."""

import pytest
from django.core.exceptions import ValidationError

from claims import services
from tests.conftest import PASSWORD


def test_login_page_is_open_to_everyone(client, db):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content and b'<label for="id_password">' in page.content


def test_login_returns_to_where_the_user_was_going(client, researcher):
    response = client.post(
        "/accounts/login/?next=/claims/", {"username": researcher.username, "password": PASSWORD, "next": "/claims/"}
    )
    assert response.status_code == 302 and response["Location"] == "/claims/"


def test_login_with_a_wrong_password_says_so(client, researcher):
    page = client.post("/accounts/login/", {"username": researcher.username, "password": "wrong"})
    assert page.status_code == 200
    assert b"Please enter a correct username and password" in page.content


def test_login_refuses_to_send_users_to_another_site(client, researcher):
    response = client.post(
        "/accounts/login/", {"username": researcher.username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_logout_needs_post(client, researcher):
    client.force_login(researcher)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/claims/").status_code == 302  # logged out: back to the login page


def test_password_change(client, researcher):
    client.force_login(researcher)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Yakir-Uborevich-1937", "new_password2": "Yakir-Uborevich-1937"},
    )
    assert response["Location"] == "/accounts/password/done/"
    researcher.refresh_from_db()
    assert researcher.check_password("Yakir-Uborevich-1937")


def test_anonymous_is_sent_to_log_in_from_the_admin_too(client, db):
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("key", ["new"])
def test_keys_that_urls_use_are_reserved(researcher, topic, key):
    with pytest.raises(ValidationError) as caught:
        services.claim_create(actor=researcher, key=key, topic=topic, statement="A claim called new.")
    assert "reserved" in str(caught.value)
    with pytest.raises(ValidationError):
        services.source_create(actor=researcher, key=key, kind="memoir", level="primary", title="New")
    with pytest.raises(ValidationError):
        services.person_create(actor=researcher, name="Someone", slug=key)
