"""A reviewer working through their queue in a real browser (issue 14, point 4).

On the shipped data set the seed's reviewer follows "Review (N)" in the navigation to /review/,
opens the first item's grade form, grades it, comes back: the item is gone and the count is one
less. Screenshots of the queue before and after, and of the grade form, land in test-artifacts/.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import User
from tests.browser import log_in, save_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def seed_reviewer() -> User:
    call_command("seed", verbosity=0)
    reviewer = User.objects.get(username="reviewer_a")
    reviewer.set_password(PASSWORD)
    reviewer.save()
    return reviewer


def _count(page) -> int:
    text = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Review \(")).inner_text()
    return int(re.fullmatch(r"Review \((\d+)\)", text).group(1))


def test_a_reviewer_grades_the_first_item_of_their_queue_and_it_leaves_the_queue(
    live_server, page, request, seed_reviewer
):
    log_in(page, live_server, seed_reviewer)
    before = _count(page)
    assert before > 1
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Review \(")).click()
    expect(page).to_have_url(f"{live_server.url}/review/")
    expect(page.get_by_role("heading", name="Waiting for your grade")).to_be_visible()
    save_screenshot(page, request, "queue-before")

    first = page.locator(".queue-item").first
    item_id = first.get_attribute("id")
    link = first.get_by_role("link")
    href = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(f"{live_server.url}{href}")
    # A source is graded A-F, a citation 1-6; the form shows no one else's grade (blind).
    value = "C" if href.startswith("/sources/") else "3"
    page.locator(f"input[name=grade][value='{value}']").check()
    page.get_by_label("Rationale").fill("Graded from the review queue.")
    save_screenshot(page, request, "grade-form")
    page.get_by_role("button", name="Save your grade").click()
    expect(page.locator(".messages")).to_contain_text("is saved")

    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Review \(")).click()
    expect(page).to_have_url(f"{live_server.url}/review/")
    expect(page.locator(f"#{item_id}")).to_have_count(0)
    assert _count(page) == before - 1
    expect(page.locator(".result-count")).to_contain_text(f"{before - 1} wait for your grade")
    save_screenshot(page, request, "queue-after")
