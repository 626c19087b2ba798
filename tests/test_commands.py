"""Shell commands: create_user, demo_accounts, and migrations in step with the models."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import User

STRONG = "Shaposhnikov-survived-1937"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_role_groups_exist_after_migrating(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Researcher", "Reviewer", "Editor"}


def test_create_user_with_roles_reads_password_from_environment(db, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_PASSWORD", STRONG)
    output = run("create_user", "anna", "--role", "reviewer", "--role", "Editor")
    user = User.objects.get(username="anna")
    assert user.check_password(STRONG)
    assert sorted(user.groups.values_list("name", flat=True)) == ["Editor", "Reviewer"]
    assert not user.is_staff
    assert output.strip() == "Created anna (Reviewer, Editor)."


def test_create_user_staff_and_custom_password_variable(db, monkeypatch):
    monkeypatch.setenv("ADMIN_PW", STRONG)
    run("create_user", "boris", "--staff", "--password-env", "ADMIN_PW")
    assert User.objects.get(username="boris").is_staff


@pytest.mark.parametrize(
    "args,env,message",
    [
        (["carl", "--role", "historian"], STRONG, "unknown role 'historian'; choose from researcher, reviewer, editor"),
        (["carl"], STRONG, "give at least one --role"),
        (["carl", "--role", "researcher"], "1937", "This password is too short"),
        (["carl", "--role", "researcher"], None, "no password: set ANNOTATOR_PASSWORD"),
        (["bad name!", "--role", "researcher"], STRONG, "Enter a valid username"),
    ],
)
def test_create_user_refuses_bad_input_and_creates_nothing(db, monkeypatch, args, env, message):
    if env is None:
        monkeypatch.delenv("ANNOTATOR_PASSWORD", raising=False)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
    else:
        monkeypatch.setenv("ANNOTATOR_PASSWORD", env)
    with pytest.raises(CommandError) as caught:
        run("create_user", *args)
    assert message in str(caught.value)
    assert not User.objects.exists()


def test_create_user_refuses_an_existing_name(db, monkeypatch, researcher):
    monkeypatch.setenv("ANNOTATOR_PASSWORD", STRONG)
    with pytest.raises(CommandError) as caught:
        run("create_user", researcher.username, "--role", "editor")
    assert "already exists" in str(caught.value)
    assert not researcher.groups.filter(name="Editor").exists()


def test_demo_accounts_twice_keeps_passwords_and_duplicates_nothing(db, tmp_path):
    password_file = tmp_path / "demo-passwords"
    first = run("demo_accounts", "--password-file", str(password_file))
    second = run("demo_accounts", "--password-file", str(password_file))
    assert first == second
    assert User.objects.count() == 4
    for line in first.splitlines()[1:]:
        username, password, *_ = line.split()
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.get(username="admin").is_staff
    assert list(User.objects.get(username="reviewer").groups.values_list("name", flat=True)) == ["Reviewer"]


def test_migrations_match_the_models(db):
    # Fails with SystemExit if a model change has no migration.
    run("makemigrations", "--check", "--dry-run")


def test_seed_command_records_first_history_once_and_reloads_without_duplicates(db):
    from claims.models import Annotation, Claim, Dispute, Source

    first = run("seed")
    counts = [m.objects.count() for m in (Claim, Source, Annotation, Dispute)]
    histories = [m.history.count() for m in (Claim, Source, Annotation, Dispute)]
    assert "First history entries:" in first and "sources" in first
    for model in (Claim, Source, Annotation, Dispute):
        tracked = set(model.history.values_list("id", flat=True))
        assert tracked == set(model.objects.values_list("pk", flat=True)), f"{model.__name__} rows lack history"
    second = run("seed")
    assert "none needed" in second
    assert [m.objects.count() for m in (Claim, Source, Annotation, Dispute)] == counts
    assert [m.history.count() for m in (Claim, Source, Annotation, Dispute)] == histories


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_create_user_asks_for_the_password_twice_at_a_terminal(db, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", Terminal())
    answers = iter([STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    run("create_user", "dora", "--role", "researcher")
    assert User.objects.get(username="dora").check_password(STRONG)


def test_create_user_refuses_two_different_passwords(db, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", Terminal())
    answers = iter([STRONG, STRONG + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError) as caught:
        run("create_user", "dora", "--role", "researcher")
    assert "the two passwords differ" in str(caught.value)
    assert not User.objects.filter(username="dora").exists()
