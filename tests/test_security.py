"""Login and sessions (issue 5, point 3): lock-out after failed logins, password rules,
cookie flags, security headers with a Content-Security-Policy, and `check --deploy`.

The suite runs the production settings (DEBUG off) except for SECURE_SSL_REDIRECT, which
pytest.ini turns off because the test client speaks plain http; the tests that need the
settings exactly as a deployment reads them start a fresh interpreter.
"""

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.browser import save_screenshot
from tests.conftest import PASSWORD
from tests.test_settings import fresh_settings

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
OTHER_ADDRESS = "192.0.2.44"  # TEST-NET-1: only ever a REMOTE_ADDR string here, never contacted
PRODUCTION = {"DEBUG": "0", "ALLOWED_HOSTS": "annotator.example.org"}
# Variables of this shell, of pytest.ini or of the browser fixture (tests/browser.py) that
# would change what a deployment reads.
NOT_INHERITED = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "TRUST_X_FORWARDED_PROTO",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "ADMINS",
    "SERVER_EMAIL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
}


def fail_login(client, user, times: int, url: str = LOGIN, **extra):
    response = None
    for _ in range(times):
        response = client.post(url, {"username": user.username, "password": "not the password"}, **extra)
    return response


def log_in(client, user, url: str = LOGIN, **extra):
    return client.post(url, {"username": user.username, "password": PASSWORD}, **extra)


def words(response) -> str:
    """The page's text as a reader sees it: tags dropped, any run of spaces as one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Lock-out after failed logins ---------------------------------------------------------


def test_five_failed_logins_lock_the_user_out_from_that_address_with_a_clear_message(client, researcher):
    fourth = fail_login(client, researcher, 4)
    assert fourth.status_code == 200
    assert b"Please enter a correct username and password" in fourth.content

    fifth = fail_login(client, researcher, 1)
    assert fifth.status_code == 429
    text = words(fifth)
    assert "Login locked for 15 minutes" in text
    assert (
        f"Too many failed logins: after 5 wrong passwords the account {researcher.username} is locked "
        "for logins from this address for 15 minutes. Try again after "
    ) in text
    assert (
        "Until then every login from this address for this account is refused, even with the right "
        "password, and each attempt starts the 15 minutes again. Logins from other addresses, and "
        "other accounts, are not affected."
    ) in text
    shown = re.search(r'Try again after <time datetime="([^"]+)">(\d\d:\d\d:\d\d) UTC on ', fifth.content.decode())
    assert shown, fifth.content.decode()
    try_again = timezone.datetime.fromisoformat(shown.group(1))
    assert abs(try_again - (timezone.now() + timedelta(minutes=15))) < timedelta(seconds=30)
    assert shown.group(2) == try_again.strftime("%H:%M:%S")

    sixth = log_in(client, researcher)  # the right password, still refused
    assert sixth.status_code == 429
    assert "Login locked for 15 minutes" in words(sixth)
    assert not logged_in(client)
    assert client.get("/").status_code == 302


def test_a_locked_out_user_can_still_log_in_from_another_address(client, researcher):
    assert fail_login(client, researcher, 5).status_code == 429
    response = log_in(client, researcher, REMOTE_ADDR=OTHER_ADDRESS)
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in(client)


def test_another_user_can_still_log_in_from_the_locked_out_address(client, researcher, reviewer):
    assert fail_login(client, researcher, 5).status_code == 429
    response = log_in(client, reviewer)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reviewer.pk)


def test_the_lockout_ends_fifteen_minutes_after_the_last_attempt(client, researcher):
    assert fail_login(client, researcher, 5).status_code == 429
    # 14 minutes later: still locked, and this attempt starts the 15 minutes again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert log_in(client, researcher).status_code == 429
    assert AccessAttempt.objects.get().attempt_time > timezone.now() - timedelta(minutes=1)

    # 15 minutes after that attempt: the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    response = log_in(client, researcher)
    assert response.status_code == 302 and logged_in(client)


def test_a_successful_login_clears_the_earlier_failures(client, researcher):
    fail_login(client, researcher, 4)
    assert log_in(client, researcher).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.post("/accounts/logout/")
    fourth_again = fail_login(client, researcher, 4)
    assert fourth_again.status_code == 200  # counted from zero: not locked
    assert log_in(client, researcher).status_code == 302


def test_the_admin_login_is_locked_out_too(client, staff):
    fourth = fail_login(client, staff, 4, url=ADMIN_LOGIN)
    assert fourth.status_code == 200
    assert b"Please enter the correct username and password for a staff account" in fourth.content
    fifth = fail_login(client, staff, 1, url=ADMIN_LOGIN)
    assert fifth.status_code == 429
    assert "Login locked for 15 minutes" in words(fifth)
    assert b'<a href="/admin/login/">Back to the login page</a>' in fifth.content

    refused = log_in(client, staff, url=ADMIN_LOGIN)
    assert refused.status_code == 429 and not logged_in(client)
    # The lock is the account's from this address, whichever login page is used.
    assert log_in(client, staff).status_code == 429
    assert log_in(client, staff, url=ADMIN_LOGIN, REMOTE_ADDR=OTHER_ADDRESS).status_code == 302


def test_failed_logins_for_an_unknown_username_lock_it_the_same_way(client, db):
    for _ in range(5):
        response = client.post(LOGIN, {"username": "nobody_here", "password": "guess"})
    # The same page as for a real account, so the lock-out tells nothing about who exists.
    assert response.status_code == 429
    assert b"<strong>nobody_here</strong>" in response.content


# --- Password rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak,messages",
    [
        ("password", ["This password is too common."]),
        ("kgb1937", ["This password is too short. It must contain at least 8 characters."]),
        ("19370611", ["This password is entirely numeric."]),
        ("12345678", ["This password is too common.", "This password is entirely numeric."]),
        ("rita_researcher", ["The password is too similar to the username."]),
    ],
)
def test_a_weak_password_is_refused_on_password_change_with_the_validators_messages(client, researcher, weak, messages):
    client.force_login(researcher)
    page = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
    assert page.status_code == 200
    for message in messages:
        assert message in page.content.decode()
    researcher.refresh_from_db()
    assert researcher.check_password(PASSWORD) and not researcher.check_password(weak)


# --- Headers and cookies ------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_pages_send_a_content_security_policy_without_inline_script_and_the_other_security_headers(client, researcher):
    anonymous = client.get(LOGIN)
    client.force_login(researcher)
    for response in (anonymous, client.get("/"), client.get("/no-such-page/")):
        directives = csp_directives(response)
        assert directives["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert directives == {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'"],
        }
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_the_lockout_page_sends_the_same_security_headers(client, researcher):
    locked = fail_login(client, researcher, 5)
    assert locked.status_code == 429
    assert csp_directives(locked)["script-src"] == ["'self'"]
    assert locked["X-Frame-Options"] == "DENY" and locked["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_httponly_and_secure_with_debug_off(client, researcher, settings):
    assert not settings.DEBUG  # the suite runs the production settings
    login_page = client.get(LOGIN)
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True and csrf["secure"] is True
    logged = log_in(client, researcher)
    session = logged.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True and session["secure"] is True
    assert session["samesite"] == "Lax"


def read_settings(*names: str, **env: str) -> subprocess.CompletedProcess:
    """Import annotator.settings in a fresh interpreter with exactly this environment."""
    return fresh_settings(f"repr([getattr(s, n, None) for n in {list(names)!r}])", dropped=NOT_INHERITED, env=env)


HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_PROXY_SSL_HEADER",
)


def test_production_settings_use_secure_cookies_https_redirect_and_a_year_of_hsts():
    result = read_settings(*HTTPS_SETTINGS, SECRET_KEY="x" * 50, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([True, True, True, 31_536_000, True, True, True, None])


def test_debug_on_serves_plain_http_for_make_run():
    result = read_settings(*HTTPS_SETTINGS, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([False, False, False, 0, False, True, True, None])


def test_behind_a_proxy_the_redirect_can_be_turned_off_and_its_https_header_trusted():
    result = read_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        SECRET_KEY="x" * 50,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
        TRUST_X_FORWARDED_PROTO="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([False, ("HTTP_X_FORWARDED_PROTO", "https"), True])


@pytest.mark.parametrize("variable", ["SECURE_SSL_REDIRECT", "TRUST_X_FORWARDED_PROTO"])
def test_junk_in_the_https_switches_is_refused_naming_the_variable(variable):
    result = read_settings("DEBUG", SECRET_KEY="x" * 50, **PRODUCTION, **{variable: "sometimes"})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable}='sometimes' is not a boolean" in result.stderr


def test_check_deploy_passes_with_production_settings():
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- No inline script in the rendered pages -----------------------------------------------


class _InlineCode(HTMLParser):
    """Finds what a Content-Security-Policy without 'unsafe-inline' would block."""

    DATA_TYPES = {"application/json", "application/ld+json"}  # data, never run

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts_with_src: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.scripts_with_src.append(attributes["src"])
            elif (attributes.get("type") or "").lower() not in self.DATA_TYPES:
                self._in_inline_script = True
                self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("a <style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> _InlineCode:
    reader = _InlineCode()
    reader.feed(html)
    reader.close()
    return reader


def test_parser_finds_inline_script_handlers_and_styles():
    html = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json">{"a": 1}</script><a href="javascript:x()" onclick="y()">'
        '<p style="color: red"></p><style>p {}</style>'
    )
    reader = inline_code(html)
    assert len(reader.found) == 5
    assert reader.scripts_with_src == ["/static/a.js"]


def test_no_inline_script_or_style_in_any_main_page(client, staff, claim, citation):
    pages = {"login": client.get(LOGIN)}
    client.force_login(staff)
    pages.update(
        {
            "home": client.get("/"),
            "claims list": client.get("/claims/"),
            "claim page": client.get(f"/claims/{claim.key}/"),
            "admin index": client.get("/admin/"),
            "admin claims changelist": client.get("/admin/claims/claim/"),
            "admin claim change form": client.get(f"/admin/claims/claim/{claim.pk}/change/"),
        }
    )
    for name, response in pages.items():
        assert response.status_code == 200, name
        reader = inline_code(response.content.decode())
        assert reader.found == [], f"{name}: {reader.found}"
    history = client.get(f"/admin/claims/claim/{claim.pk}/history/")
    assert set(inline_code(history.content.decode()).found) <= {"<p style='border-top: 0'>"}  # simple_history's
    # The admin's own scripts are there, as files of this site.
    assert any(
        src.startswith("/static/admin/js/")
        for src in inline_code(pages["admin claim change form"].content.decode()).scripts_with_src
    )


# --- In a real browser: no Content-Security-Policy violation ------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_main_pages_and_the_admin_run_in_chromium_without_a_policy_violation(
    live_server, page, request, staff, claim, citation
):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_server.url + LOGIN)
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    for path in (
        "/",
        "/claims/",
        f"/claims/{claim.key}/",
        "/admin/",
        "/admin/claims/claim/",
        f"/admin/claims/claim/{claim.pk}/change/",
        f"/admin/claims/claim/{claim.pk}/history/",
        "/admin/claims/claim/import/",
        "/admin/claims/claim/add/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    # The admin's scripts ran: the inline formset's "Add another" link is made by inlines.js.
    assert page.locator(".add-row a").first.is_visible()
    save_screenshot(page, request, "admin-add-claim-under-csp")
    # The one blocked inline style: django-simple-history's history list puts
    # style="border-top: 0" on its paginator, so the line above the page numbers shows.
    history = f"{live_server.url}/admin/claims/claim/{claim.pk}/history/: Applying inline style violates"
    assert [v for v in violations if not v.startswith(history)] == []
