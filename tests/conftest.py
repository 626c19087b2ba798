"""Named personas, one for each role in docs/design.md, plus a few objects they work on."""

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.template import Template
from django.test import override_settings
from django.test.utils import instrumented_test_render
from hypothesis import settings

from claims import services
from claims.models import Citation, Claim, Person, Source, Topic, User
from claims.roles import Role

# The browser fixtures live in tests/browser.py; importing them here defines them once for
# the whole suite, so the session's one chromium is shared by every browser test module.
from tests.browser import browser, page  # noqa: E402,F401

PASSWORD = "correct horse battery staple 1937"


# Personas are created in nearly every test; the production hasher is slow on purpose.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run_folders(tmp_path_factory) -> dict:
    # Uploads kept between preview and confirm, and the background jobs' progress and files, go
    # to this run's temporary folder, not the project's var/.
    base = tmp_path_factory.getbasetemp()
    return {"PENDING_UPLOADS_DIR": base / "pending-uploads", "JOBS_DIR": base / "jobs"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def api_throttles_count_afresh():
    """Each test's API requests are counted from nought (claims/api/throttles.py): the counts
    live in a cache, which no test's rollback empties."""
    caches["api_throttle"].clear()


@pytest.fixture(autouse=True)
def pending_uploads_of_this_run(settings, tmp_path_factory):
    for name, folder in _run_folders(tmp_path_factory).items():
        setattr(settings, name, folder)


# Read on import, before pytest-django's test environment instruments it (a session fixture).
_PLAIN_RENDER = Template._render
assert _PLAIN_RENDER is not instrumented_test_render


@pytest.fixture(scope="module")
def templates_render_plainly(django_test_environment) -> Iterator[None]:
    """For a module that asks for pages by the thousand and reads no response.context: Django's
    test environment has every template rendered (each page's, each widget's) send a signal on
    which the test client keeps a copy of its context; here templates render as in production."""
    Template._render = _PLAIN_RENDER
    yield
    Template._render = instrumented_test_render


@contextmanager
def rows_for_the_module(django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """For a module-scoped fixture whose rows take long to write and every test of the module
    reads (the seed, a world of every kind of object): they are written once, in a transaction
    left open until the module's last test has run, then rolled back. Each test's own
    transaction is a savepoint inside it, so what a test changes is undone after it as ever.
    Only for modules without transactional (live server) tests, which would commit it."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, **_run_folders(tmp_path_factory)),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)


def world_for_the_module(build: Callable[[], Any]):
    """The fixtures `shared_world` (what build() returns, written once for the module: see
    rows_for_the_module) and `world` (the same, for a test): `shared_world, world = world_for_the_module(build)`."""

    @pytest.fixture(scope="module")
    def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
        with rows_for_the_module(django_db_blocker, tmp_path_factory):
            yield build()

    @pytest.fixture
    def world(db, shared_world):
        return shared_world

    return shared_world, world


@pytest.fixture(scope="module")
def seed_for_the_module(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The shipped seed data set as `manage.py seed` loads it, once for the module (see
    rows_for_the_module): for a module whose tests read it, each in its own transaction."""
    with rows_for_the_module(django_db_blocker, tmp_path_factory):
        call_command("seed", verbosity=0, stdout=io.StringIO())
        yield


def make_user(username: str, *roles: Role, staff: bool = False, superuser: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, is_staff=staff or superuser, is_superuser=superuser
    )
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    return user


# The personas of the fixtures below, by the name a module's dict of them uses.
PERSONA_ACCOUNTS = {
    "researcher": ("rita_researcher", (Role.RESEARCHER,), False),
    "reviewer": ("victor_reviewer", (Role.REVIEWER,), False),
    "second_reviewer": ("vera_reviewer", (Role.REVIEWER,), False),
    "editor": ("edith_editor", (Role.EDITOR,), False),
    "second_editor": ("emil_editor", (Role.EDITOR,), False),
    "staff": ("stan_staff", (), True),
    "no_role": ("olga_outsider", (), False),
}


def make_personas(*names: str) -> dict[str, User]:
    """The named personas' accounts, as the fixtures below make them, for a module-scoped world."""
    made = {}
    for name in names:
        username, roles, staff = PERSONA_ACCOUNTS[name]
        made[name] = make_user(username, *roles, staff=staff)
    return made


@pytest.fixture
def researcher(db) -> User:
    return make_user("rita_researcher", Role.RESEARCHER)


@pytest.fixture
def reviewer(db) -> User:
    return make_user("victor_reviewer", Role.REVIEWER)


@pytest.fixture
def second_reviewer(db) -> User:
    return make_user("vera_reviewer", Role.REVIEWER)


@pytest.fixture
def editor(db) -> User:
    return make_user("edith_editor", Role.EDITOR)


@pytest.fixture
def second_editor(db) -> User:
    return make_user("emil_editor", Role.EDITOR)


@pytest.fixture
def staff(db) -> User:
    """A staff admin with no role group: staff may do everything (docs/design.md)."""
    return make_user("stan_staff", staff=True)


@pytest.fixture
def second_staff(db) -> User:
    return make_user("sid_staff", staff=True)


@pytest.fixture
def superuser(db) -> User:
    """Staff with every privilege: the only kind of account that manages other accounts' privileges."""
    return make_user("sam_superuser", superuser=True)


@pytest.fixture
def outsider(db) -> User:
    """Logged in, but holds no role: may not even read."""
    return make_user("olga_outsider")


@pytest.fixture
def topic(editor) -> Topic:
    return services.topic_create(actor=editor, title="Date of execution")


@pytest.fixture
def source(researcher) -> Source:
    return services.source_create(
        actor=researcher,
        key="rogovin-1937",
        kind=Source.Kind.MONOGRAPH,
        level=Source.Level.SECONDARY,
        title="1937: Stalin's Year of Terror",
        title_original="1937",
        authors="Vadim Rogovin",
        date="1998",
    )


@pytest.fixture
def two_accused(researcher) -> None:
    """Two people for the claim form's type-ahead, one in each script's suggestions."""
    services.person_create(
        actor=researcher,
        name="Mikhail Tukhachevsky",
        name_original="Тухачевский, Михаил Николаевич",
        slug="tukhachevsky",
    )
    services.person_create(actor=researcher, name="Iona Yakir", name_original="Якир, Иона Эммануилович", slug="yakir")


@pytest.fixture
def tukhachevsky(researcher) -> Person:
    return services.person_create(
        actor=researcher,
        name="Mikhail Tukhachevsky",
        name_original="Тухачевский, Михаил Николаевич",
        aliases="Tukhachevskii\nToukhatchevski",
    )


@pytest.fixture
def shvernik_report(researcher) -> Source:
    return services.source_create(
        actor=researcher,
        key="shvernik-1964",
        kind=Source.Kind.OFFICIAL_REPORT,
        level=Source.Level.PRIMARY,
        title="Report of the Shvernik commission",
        date="1964",
    )


@pytest.fixture
def verdict_file(researcher) -> Source:
    return services.source_create(
        actor=researcher,
        key="tsa-fsb-verdict",
        kind=Source.Kind.ARCHIVAL_FILE,
        level=Source.Level.PRIMARY,
        title="Verdict of the Special Judicial Presence",
        archive="TsA FSB",
        archive_fond="R-9000",
        archive_list="12",
    )


@pytest.fixture
def claim(topic, researcher) -> Claim:
    return services.claim_create(
        actor=researcher,
        key="execution-12-june",
        topic=topic,
        statement="The convicted were shot on 12 June 1937.",
        event_date="1937-06-12",
    )


@pytest.fixture
def citation(claim, source, researcher) -> Citation:
    return services.citation_create(actor=researcher, claim=claim, source=source, locator="ch. 9")


# Hypothesis (tests/test_fuzz_input.py): CI runs a fixed set of examples, the same on every
# run (derandomized, no example database), so a red CI run is reproduced by running it again;
# `HYPOTHESIS_PROFILE=thorough` draws many more at random and remembers failures in .hypothesis/.
# No deadline: one example is a whole request, and the shared CI machine's timing varies.
settings.register_profile("ci", max_examples=150, derandomize=True, database=None, deadline=None, print_blob=False)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


SHARED_ROWS = {"seed_for_the_module", "shared_world"}  # module-scoped fixtures of rows_for_the_module


@pytest.hookimpl(trylast=True)  # (after pytest-django's order: database tests, then transactional ones)
def pytest_collection_modifyitems(items):
    """In each run of a module's tests, the tests that read rows written once for the module run
    after the others: once written, those rows stay until the run's last test
    (rows_for_the_module), where a test of an empty database would meet them."""

    def module(item) -> str:
        return item.nodeid.split("::")[0]

    runs: list[list] = []
    for item in items:
        if runs and module(runs[-1][0]) == module(item):
            runs[-1].append(item)
        else:
            runs.append([item])
    items[:] = [
        item
        for run in runs
        for item in sorted(run, key=lambda item: bool(SHARED_ROWS & set(getattr(item, "fixturenames", ()))))
    ]
