"""Account privileges in the admin (issue 10, point 1): only a superuser changes who may do what.

A staff account that is not a superuser enters and corrects data, adds plain accounts and sets
a forgotten password of one; it sees every account, but on none may it set `is_superuser`,
`is_staff`, `is_active`, the role groups or permissions, and it may not change, set the
password of or delete a superuser or another staff account. Its own password it changes on the
password-change page, which asks for the current one, not in the user admin, which does not.
"""

import html

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission

from claims.models import User
from claims.roles import Role
from tests.conftest import PASSWORD, make_user
from tests.test_admin import form_data
from tests.test_security import words

NEW_PASSWORD = "Uborevich-Yakir-1937-new"
EDITORS = Role.EDITOR.value


@pytest.fixture
def inactive(db) -> User:
    """A plain account a superuser has switched off: switching it back on is a privilege too."""
    account = make_user("ivan_inactive", Role.RESEARCHER)
    account.is_active = False
    account.save()
    return account


@pytest.fixture
def accounts(staff, second_staff, superuser, researcher, inactive) -> dict[str, User]:
    """The staff account acting, and each kind of account it may act on."""
    return {
        "self": staff,
        "other staff": second_staff,
        "superuser": superuser,
        "plain": researcher,
        "inactive": inactive,
    }


def privileges() -> dict[str, tuple]:
    return {
        u.username: (
            u.is_superuser,
            u.is_staff,
            u.is_active,
            sorted(g.name for g in u.groups.all()),
            sorted(p.codename for p in u.user_permissions.all()),
        )
        for u in User.objects.prefetch_related("groups", "user_permissions")
    }


def smuggled() -> dict[str, object]:
    """Every privilege field of the user admin's change form, set to the most it can give."""
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "is_active": "on",
        "groups": [str(Group.objects.get(name=EDITORS).pk)],
        "user_permissions": [str(Permission.objects.get(codename="change_group").pk)],
    }


# Each page of the user admin: its pattern in AccountAdmin.get_urls().
USER_ADMIN_PAGES = (
    "",
    "add/",
    "<path:object_id>/change/",
    "<id>/password/",
    "<path:object_id>/delete/",
    "<path:object_id>/history/",
    "<path:object_id>/",
)


def page_of(account: User, page: str) -> str:
    return "/admin/claims/user/" + page.replace("<path:object_id>", str(account.pk)).replace("<id>", str(account.pk))


def test_every_page_of_the_user_admin_is_tried():
    account_admin = admin.site.get_model_admin(User)
    assert {str(url.pattern) for url in account_admin.get_urls()} == set(USER_ADMIN_PAGES)


@pytest.mark.parametrize("target", ["self", "other staff", "superuser", "plain", "inactive"])
@pytest.mark.parametrize("page", USER_ADMIN_PAGES)
def test_no_page_of_the_user_admin_lets_staff_raise_a_privilege(client, accounts, page, target):
    """The page is filled in as a browser would (when staff may open its form), with every
    privilege field added, a new password and, on the list, the bulk delete confirmed."""
    account = accounts[target]
    client.force_login(accounts["self"])
    url = page_of(account, page)
    shown = client.get(url)
    data = form_data(shown, "user_form") if b'id="user_form"' in shown.content else {}
    data.update(smuggled())
    data.update(
        {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
            "action": "delete_selected",
            "_selected_action": [str(account.pk)],
            "post": "yes",
        }
    )
    if page == "add/":
        data["username"] = "mallory_new"
    before = privileges()
    hashes = {u.pk: u.password for u in User.objects.filter(is_staff=True)}

    client.post(url, data)

    after = privileges()
    assert {name: after[name] for name in before if name in after} == {
        name: held for name, held in before.items() if name in after
    }
    for name in set(after) - set(before):
        assert after[name] == (False, False, True, [], []), f"{name} was created with privileges"
    # No staff account was deleted, and none has a password it did not have.
    assert {u.pk: u.password for u in User.objects.filter(is_staff=True)} == hashes


def test_staff_cannot_set_a_superusers_password_and_log_in_as_them(client, staff, superuser):
    client.force_login(staff)
    url = f"/admin/claims/user/{superuser.pk}/password/"
    assert client.get(url).status_code == 403
    refused = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert refused.status_code == 403
    assert "Only a superuser may set the password of a superuser or of another staff account." in (
        refused.content.decode()
    )
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)
    client.logout()
    assert (
        client.post("/accounts/login/", {"username": superuser.username, "password": NEW_PASSWORD}).status_code == 200
    )
    assert "_auth_user_id" not in client.session


def test_staff_sets_a_forgotten_password_of_a_plain_account_but_not_of_another_staff_account(
    client, staff, second_staff, researcher
):
    client.force_login(staff)
    new = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert client.post(f"/admin/claims/user/{researcher.pk}/password/", new).status_code == 302
    assert client.post(f"/admin/claims/user/{second_staff.pk}/password/", new).status_code == 403
    researcher.refresh_from_db()
    second_staff.refresh_from_db()
    assert researcher.check_password(NEW_PASSWORD)
    assert second_staff.check_password(PASSWORD)


def test_staff_sets_their_own_password_on_the_password_change_page_not_in_the_user_admin(client, staff):
    client.force_login(staff)
    url = f"/admin/claims/user/{staff.pk}/password/"
    page = client.get(url)
    assert page.status_code == 403
    assert "Change your own password at /accounts/password/, which asks for your current one." in (
        page.content.decode()
    )
    assert (
        client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}).status_code
        == 403
    )
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    # The change form points there too, instead of at the page that would refuse.
    change = client.get(f"/admin/claims/user/{staff.pk}/change/")
    assert "Change your own password at /accounts/password/" in change.content.decode()


@pytest.mark.parametrize("target", ["superuser", "other staff"])
def test_staff_only_views_a_superuser_or_another_staff_account(client, accounts, target):
    account = accounts[target]
    client.force_login(accounts["self"])
    url = f"/admin/claims/user/{account.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    shown = page.content.decode()
    assert "View user" in shown and 'name="_save"' not in shown
    assert 'href="../password/"' not in shown  # no button to a page that would refuse
    assert "Only a superuser may set the password of a superuser or of another staff account." in shown
    assert client.post(url, {"username": "renamed", "email": "x@example.org"}).status_code == 403
    assert client.post(f"/admin/claims/user/{account.pk}/delete/", {"post": "yes"}).status_code == 403
    account.refresh_from_db()
    assert account.username != "renamed" and account.email == ""


def test_staff_edits_a_plain_account_and_their_own_but_only_a_superuser_sets_privileges(
    client, staff, superuser, researcher
):
    client.force_login(staff)
    for account in (researcher, staff):
        url = f"/admin/claims/user/{account.pk}/change/"
        page = client.get(url)
        fields = page.context["adminform"].form.fields
        assert {"username", "email"} <= set(fields)
        assert not {"is_superuser", "is_staff", "is_active", "groups", "user_permissions"} & set(fields)
        data = form_data(page, "user_form")
        data.update(smuggled(), email=f"{account.username}@example.org")
        assert client.post(url, data).status_code == 302
        account.refresh_from_db()
        assert account.email == f"{account.username}@example.org"  # saved, and nothing else changed
        assert (account.is_superuser, account.is_active) == (False, True)
        assert account.is_staff == (account == staff)
        assert list(account.groups.values_list("name", flat=True)) == (
            [Role.RESEARCHER.value] if account == researcher else []
        )
        assert not account.user_permissions.exists()

    client.force_login(superuser)
    url = f"/admin/claims/user/{researcher.pk}/change/"
    data = form_data(client.get(url), "user_form")
    data.update(smuggled())
    assert client.post(url, data).status_code == 302
    assert privileges()[researcher.username] == (True, True, True, [EDITORS], ["change_group"])


def test_staff_adds_a_plain_account_which_gets_no_privilege_from_the_form(client, staff):
    client.force_login(staff)
    data = form_data(client.get("/admin/claims/user/add/"), "user_form")
    data.update(
        smuggled(), username="nadia_new", password1=NEW_PASSWORD, password2=NEW_PASSWORD, usable_password="true"
    )
    assert client.post("/admin/claims/user/add/", data).status_code == 302
    added = User.objects.get(username="nadia_new")
    assert (added.is_superuser, added.is_staff, added.is_active) == (False, False, True)
    assert not added.groups.exists() and not added.user_permissions.exists()


def test_staff_cannot_bulk_delete_a_superuser_from_the_account_list(client, staff, superuser, outsider):
    client.force_login(staff)
    chosen = {"action": "delete_selected", "_selected_action": [str(superuser.pk), str(outsider.pk)]}
    confirm = client.post("/admin/claims/user/", chosen)
    assert "your account doesn't have permission to delete the following types of objects: user" in html.unescape(
        words(confirm)
    )
    assert client.post("/admin/claims/user/", {**chosen, "post": "yes"}).status_code == 403
    assert User.objects.filter(pk__in=[superuser.pk, outsider.pk]).count() == 2
    # A plain account alone, staff may delete.
    alone = {"action": "delete_selected", "_selected_action": [str(outsider.pk)], "post": "yes"}
    assert client.post("/admin/claims/user/", alone).status_code == 302
    assert not User.objects.filter(pk=outsider.pk).exists()


def test_staff_given_group_permissions_still_cannot_change_what_a_role_may_do(client, staff):
    """Changing a group's permissions changes those of every account in it: superusers only,
    whatever raw permissions a staff account holds."""
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_group", "change_group", "add_group"]))
    client.force_login(staff)
    editors = Group.objects.get(name=EDITORS)
    url = f"/admin/auth/group/{editors.pk}/change/"
    assert client.get(url).status_code == 403
    granted = [str(p.pk) for p in Permission.objects.filter(codename__in=["change_user", "delete_user"])]
    assert client.post(url, {"name": EDITORS, "permissions": granted}).status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "Admins", "permissions": granted}).status_code == 403
    assert not editors.permissions.exists()
    assert not Group.objects.filter(name="Admins").exists()
