"""The admin's claim pages in a real browser: the change page of the seed's most-cited claim fits
a 1280-px screen, and its history pages run under the CSP without a violation. Screenshots of
them and of the login page (1280 and 375 px) land in test-artifacts/."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from claims.models import Claim
from tests.browser import save_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH_CSP = (
    "document.addEventListener('securitypolicyviolation', e => console.log("
    "'CSP violation: ' + e.violatedDirective + ' by ' + (e.sourceFile || 'the page') + ':' + e.lineNumber))"
)


def test_the_login_page_reads_at_both_widths(live_server, page, request):
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + "/accounts/login/")
        assert "Admiralty scales" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        save_screenshot(page, request, f"login-{width}")


def test_the_admin_claim_page_fits_1280_px_and_its_history_runs_under_the_csp(live_server, browser, request, staff):
    call_command("seed", verbosity=0)
    claim = Claim.objects.annotate(n=Count("citations")).order_by("-n", "key").first()
    assert claim.n >= 3  # a claim whose citations inline is wide, or the width proves little
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(f"{page.url}: {m.text}") if "CSP violation" in m.text else None)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")

    change = f"/admin/claims/claim/{claim.pk}/change/"
    page.goto(live_server.url + change)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "the claim's change page scrolls sideways"
    save_screenshot(page, request, "admin-claim-change-1280")

    page.goto(live_server.url + f"/admin/claims/claim/{claim.pk}/history/")
    assert page.locator("#change-history tbody tr").count() >= 1
    save_screenshot(page, request, "admin-claim-history-1280")
    page.locator("#change-history tbody tr a").first.click()  # one version, in a form like the change page
    page.wait_for_load_state("load")
    save_screenshot(page, request, "admin-claim-history-version-1280")
    context.close()
    assert not violations, violations
