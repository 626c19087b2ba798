"""Every page, for every persona, checked by axe-core in a real browser: no serious or critical
accessibility violation, and no Content Security Policy violation on the way.

axe-core is the npm package, vendored in tests/vendor/axe-core/ (MPL-2.0, its LICENSE beside
it) and injected by Playwright into each page after it loaded, through the DevTools protocol,
so the pages themselves keep their CSP (no inline script is allowed in).

"Every page" is what each persona can reach by following links from the topics page on the
shipped data set, one address per URL pattern (a second claim page would repeat the first
one's template): a page added later is checked without this file knowing of it. The staff
persona also walks the Django admin's pages for our models. What axe found is written to
test-artifacts/axe-<persona>.json for a reviewer to read.

CI runs this crawl once, in its SQLite pass: what it checks is the pages' HTML and CSS in
Chromium, the same whichever database serves the rows, and it is the suite's longest test. The
PostgreSQL pass (.ci/run sets ACCESSIBILITY_CHECKED_IN_SQLITE_PASS=1) reports it as skipped.
"""

import json
import os
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from tests.browser import artifact_path, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        os.environ.get("ACCESSIBILITY_CHECKED_IN_SQLITE_PASS") == "1",
        reason="the accessibility crawl ran in CI's SQLite pass; the pages' HTML and CSS do not depend on the database",
    ),
]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}
# Pages a crawl must not open: they end the session, or answer a file rather than a page.
NOT_PAGES = ("/accounts/logout/", "/admin/logout/", ".csv", ".json", "/download/", "/jsi18n/")
# One admin model's pages look like another's; these are the ones a staff member works in.
ADMIN_MODELS = ("claim", "source", "person", "citation", "topic", "dispute", "sourceassessment", "user")


def _route(path: str) -> str | None:
    """The URL pattern a path belongs to, or None for a path that is not ours to check."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if path.startswith("/admin/"):
        parts = path.strip("/").split("/")  # admin, app, model, id, change
        if len(parts) > 2 and parts[2] not in ADMIN_MODELS:
            return None
        # The admin's routes repeat per model: keep a page of each kind for each model.
        return f"{match.url_name}:{'/'.join(parts[1:3])}"
    return match.route


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        href, _ = urldefrag(href)
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or any(bit in parts.path for bit in NOT_PAGES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    # preload false: axe would otherwise copy the pages' stylesheets into <style> elements of its
    # own (for one rule, css-orientation-lock), which the CSP rightly refuses, and those refusals
    # would be taken for the page's.
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations'], preload: false})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


class Walk:
    """One persona's crawl: pages seen, what axe said of each, CSP violations and failures."""

    def __init__(self, browser, origin: str, name: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        self.context.set_default_timeout(15_000)
        # The page's own report of each violation names the script and line that caused it.
        self.context.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.log("
            "'CSP violation: ' + e.violatedDirective + ' by ' + (e.sourceFile || 'the page') + ':' + e.lineNumber"
            " + ' ' + e.sample))"
        )
        self.page = self.context.new_page()
        self.origin = origin
        self.name = name
        self.found: dict[str, list[dict]] = {}
        self.csp: list[str] = []
        self.failed: list[str] = []
        self.page.on(
            "console",
            lambda m: self.csp.append(f"{self.page.url}: {m.text}") if m.text.startswith("CSP violation") else None,
        )

    def check(self, path: str) -> list[str]:
        try:
            response = self.page.goto(self.origin + path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):  # a link to a file, not a page
                return []
            raise
        status = response.status if response else 0
        if status >= 400:
            # A link offered to this persona that fails is a dead end in itself.
            self.failed.append(f"{path} answered {status}")
            return []
        self.found[path] = _axe(self.page)
        return _links(self.page, self.origin)

    def crawl(self, start: list[str]) -> None:
        seen_routes: set[str] = set()
        queue = deque(start)
        while queue:
            path = queue.popleft()
            route = _route(path.split("?")[0])
            if route is None or route in seen_routes:
                continue
            seen_routes.add(route)
            queue.extend(self.check(path))

    def serious(self) -> list[str]:
        return [
            f"{path}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}"
            for path, violations in self.found.items()
            for v in violations
            if v["impact"] in SERIOUS
        ]

    def save(self, config) -> None:
        path = artifact_path(config, f"axe-{self.name}", ".json")
        path.write_text(json.dumps({"pages": self.found, "csp": self.csp, "failed": self.failed}, indent=1))


# What each persona's walk must reach, or it proves nothing: the pages a historian works in.
MUST_REACH = {
    "anonymous": ("/accounts/login/",),
    "researcher": ("/", "/claims/", "/sources/", "/disputes/", "/agreement/"),
    "reviewer": ("/", "/claims/", "/review/"),
    "editor": ("/", "/claims/", "/sources/", "/disputes/", "/agreement/", "/review/"),
    "staff": ("/", "/admin/"),
}
# Pages of these kinds, beyond their lists (a claim, a source, a person, a topic, a dispute).
MUST_OPEN = {
    "researcher": ("/claims/", "/sources/", "/people/", "/topics/", "/disputes/"),
    "staff": ("/admin/claims/claim/",),
}


# One test a persona, so that xdist's two workers share the walks (staff's, through the admin,
# is the longest).
@pytest.mark.parametrize("persona", list(MUST_REACH))
def test_no_page_has_a_serious_accessibility_violation_for_the_persona(browser, live_server, request, persona):
    walk = Walk(browser, live_server.url, persona)
    if persona == "anonymous":
        walk.check("/accounts/login/")
    else:
        user = request.getfixturevalue(persona)
        call_command("seed", verbosity=0)
        log_in(walk.page, live_server, user)
        walk.crawl(["/", "/accounts/password_change/"] + (["/admin/"] if user.is_staff else []))
    walk.save(request.config)
    walk.context.close()

    pages = set(walk.found)
    for needed in MUST_REACH[persona]:
        assert needed in pages, f"the {persona}'s walk never reached {needed}: {sorted(pages)}"
    for prefix in MUST_OPEN.get(persona, ()):
        assert any(p.startswith(prefix) and p != prefix for p in pages), f"no page under {prefix}: {sorted(pages)}"
    problems = walk.serious() + [f"CSP {line}" for line in walk.csp] + walk.failed
    assert not problems, "\n".join(problems)
