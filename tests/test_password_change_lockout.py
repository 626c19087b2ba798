"""Wrong current passwords on the password-change pages count toward the login lock-out
(issue 10, point 2), on the site's page and the admin's alike.

Whoever holds a session can try passwords on the page that asks for the current one; each
wrong one counts as a failed login for that username from that address (django-axes: 5
failures, 15 minutes). At the limit the page answers as the login does when locked out and
the session is ended.
"""

import pytest
from axes.models import AccessAttempt

from tests.conftest import PASSWORD
from tests.test_security import OTHER_ADDRESS, fail_login, log_in, logged_in, words

NEW_PASSWORD = "Uborevich-Yakir-1937-new"
WRONG = "Tukhachevsky-guess-1893"
PAGES = {"/accounts/password/": "researcher", "/admin/password_change/": "staff"}


def change_password(client, url: str, current: str, **extra):
    return client.post(
        url, {"old_password": current, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, **extra
    )


@pytest.fixture(params=list(PAGES))
def page(request):
    """(the page's address, the account that uses it, logged in there)."""
    url = request.param
    user = request.getfixturevalue(PAGES[url])
    client = request.getfixturevalue("client")
    client.force_login(user)
    return url, user, client


def test_four_wrong_current_passwords_then_the_fifth_locks_the_account_and_ends_the_session(page):
    url, user, client = page
    for _ in range(4):
        wrong = change_password(client, url, WRONG)
        assert wrong.status_code == 200
        assert "Your old password was entered incorrectly" in wrong.content.decode()
    assert logged_in(client)

    fifth = change_password(client, url, WRONG)

    assert fifth.status_code == 429
    text = words(fifth)
    assert "Login locked for 15 minutes" in text
    assert f"after 5 wrong passwords the account {user.username} is locked for logins from this address" in text
    assert not logged_in(client)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_then_the_login_is_locked_for_that_account_from_that_address_but_not_from_another(page):
    url, user, client = page
    for _ in range(5):
        change_password(client, url, WRONG)

    assert log_in(client, user).status_code == 429
    assert not logged_in(client)
    assert log_in(client, user, REMOTE_ADDR=OTHER_ADDRESS).status_code == 302
    assert logged_in(client)


def test_while_locked_out_even_the_right_current_password_is_refused(page):
    url, user, client = page
    assert fail_login(client.__class__(), user, 5).status_code == 429  # someone else, same address

    refused = change_password(client, url, PASSWORD)

    assert refused.status_code == 429
    assert "Login locked for 15 minutes" in words(refused)
    assert not logged_in(client)
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)


def test_wrong_logins_and_wrong_current_passwords_add_up(page):
    url, user, client = page
    fail_login(client.__class__(), user, 3)
    assert change_password(client, url, WRONG).status_code == 200
    assert change_password(client, url, WRONG).status_code == 429


def test_a_password_change_from_another_address_is_not_locked(page):
    url, user, client = page
    for _ in range(5):
        locked = change_password(client, url, WRONG, REMOTE_ADDR=OTHER_ADDRESS)
    assert locked.status_code == 429
    client.force_login(user)  # the session a device at this address holds

    changed = change_password(client, url, PASSWORD)

    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_correct_change_clears_the_failures_from_its_address_as_a_login_does_and_nothing_else(page, reviewer):
    url, user, client = page
    for _ in range(3):
        change_password(client, url, WRONG)
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 3
    fail_login(client.__class__(), user, 3, REMOTE_ADDR=OTHER_ADDRESS)
    fail_login(client.__class__(), reviewer, 3)

    assert change_password(client, url, PASSWORD).status_code == 302

    assert sorted(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        (user.username, OTHER_ADDRESS, 3),
        (reviewer.username, "127.0.0.1", 3),
    ]
    assert logged_in(client)


def test_the_typed_passwords_are_not_kept_in_the_lock_out_records(page):
    url, user, client = page
    change_password(client, url, WRONG)
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start == 1
    assert attempt.path_info == url
    assert WRONG not in attempt.post_data and NEW_PASSWORD not in attempt.post_data
    assert "old_password=********************" in attempt.post_data
