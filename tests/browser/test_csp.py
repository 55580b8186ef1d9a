"""Every page the demo's roles reach by links is served under a strict Content-Security-Policy and
breaks none of it: no inline script or style is refused, and the scripts the pages rely on still run."""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from grants.demo import ACCOUNTS, PASSWORD
from tests.browser.conftest import shot
from tests.browser.test_roles_journey import HOME_PATHS, sign_in

PAGES_PER_ROLE = 20  # every kind of page a demo role links to, and then some; keeps the file under a minute
# Links that download a file (attachments, call documents, exports, PDFs) or leave the session are not pages.
NOT_A_PAGE = re.compile(r"\.(csv|xlsx|pdf)$|/attachments/\d+$|/files/\d+$|/scans/\d+$|/batches/\d+/file$"
                        r"|/calls/\d+/documents/\d+$|/ps-status/\d+$|^/logout$"
                        r"|^/(static|bootstrap)/")

# Recorded in every document before its own scripts run; the browser fires the event for each refusal.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline')
                              + ' at ' + event.sourceFile + ':' + event.lineNumber + ' ' + (event.sample || ''));
});
"""


class Watch:
    """Violations reported by the page's `securitypolicyviolation` events and by the browser's console."""

    def __init__(self, page):
        self.page = page
        self.events: list[str] = []
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.console.append(f"{urlsplit(self.page.url).path}: {text}")

    def collect(self) -> None:
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.events.append(f"{urlsplit(self.page.url).path}: {violation}")

    def report(self, pages: int) -> str:
        return (f"{len(self.events)} policy violations on {pages} pages:\n" + "\n".join(self.events)
                + f"\n{len(self.console)} in the console:\n" + "\n".join(self.console))

    def clean(self) -> bool:
        return not self.events and not self.console


def visit(page, url: str) -> None:
    response = page.goto(url)
    # A link a role may not follow (a call's "apply" for staff) answers 403: an error page is a page too.
    assert response is not None and response.status < 500, f"{url} answered {response and response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy, f"{url} was served without a Content-Security-Policy"


def in_app_links(page, base_url: str) -> list[str]:
    links = []
    for href in page.eval_on_selector_all("a[href]", "anchors => anchors.map(a => a.href)"):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base_url or NOT_A_PAGE.search(parts.path):
            continue
        links.append(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")))
    return links


def page_kind(url: str) -> tuple:
    # One visit per path and set of query parameters: pages of a list or its filters add nothing new.
    parts = urlsplit(url)
    return parts.path, tuple(sorted(re.findall(r"([^&=]+)=", parts.query)))


def shape(url: str) -> str:
    return re.sub(r"/\d+", "/<id>", urlsplit(url).path)


def crawl(page, base_url: str, start: str, watch: Watch) -> list[str]:
    """Over the links within the app from `start`, GET only, bounded: breadth-first, but a page of a
    kind not seen yet (another template) goes before one more application or user of a kind seen."""
    queue, seen, visited = [base_url + start], {page_kind(base_url + start)}, []
    while queue and len(visited) < PAGES_PER_ROLE:
        shapes = {shape(url) for url in visited}
        url = next((url for url in queue if shape(url) not in shapes), queue[0])
        queue.remove(url)
        visit(page, url)
        watch.collect()
        visited.append(url)
        for link in in_app_links(page, base_url):
            if page_kind(link) not in seen:
                seen.add(page_kind(link))
                queue.append(link)
    return visited


CRAWLS = [(None, "/")] + [(email, HOME_PATHS[role]) for email, _name, role in ACCOUNTS]


@pytest.mark.parametrize(("email", "start"), CRAWLS,
                         ids=["anonymous"] + [role.value for _email, _name, role in ACCOUNTS])
def test_pages_reachable_by_links_break_no_policy(live_server, page, email, start):
    watch = Watch(page)
    if email:
        sign_in(page, live_server, email, PASSWORD)
        assert urlsplit(page.url).path == start
    visited = crawl(page, live_server, start, watch)
    assert len(visited) > 1, "the crawl found no links"
    assert watch.clean(), watch.report(len(visited))


def test_the_moved_scripts_still_run_under_the_policy(live_server, page):
    """The language switch, the call editor's rows and confirmations work with no inline script."""
    watch = Watch(page)
    sign_in(page, live_server, "officer@pomost.example", PASSWORD)

    # The call editor: "add" clones a row, and a question's options box follows its type.
    visit(page, f"{live_server}/manage/calls/new/job_support")
    criteria = page.get_by_test_id("criterion-row")
    before = criteria.count()
    page.click("[data-add=criteria]")
    expect(criteria).to_have_count(before + 1)
    expect(criteria.last).to_have_class(re.compile(r"\brow-blank\b"))
    new_key = criteria.last.locator("input").first
    expect(new_key).to_be_focused()
    assert new_key.get_attribute("name") == f"criteria-{before}-key"
    page.click("[data-add=questions]")
    question = page.get_by_test_id("question-row").last
    options = question.locator("[data-options]")
    question.locator("[data-kind]").select_option("single_choice")
    expect(options).to_be_visible()
    question.locator("[data-kind]").select_option("long_text")
    expect(options).to_be_hidden()
    shot(page, "call-editor")
    watch.collect()

    # A form that asks first submits nothing when the question is dismissed.
    page.evaluate("""() => {
      const form = document.createElement('form');
      form.method = 'post'; form.action = '/nowhere'; form.dataset.confirm = 'Na pewno?';
      form.innerHTML = '<button type="submit" id="probe">go</button>';
      document.querySelector('main').appendChild(form);
    }""")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#probe")
    page.wait_for_timeout(200)
    assert asked == ["Na pewno?"] and urlsplit(page.url).path == "/manage/calls/new/job_support"

    # The top bar's language select submits itself.
    with page.expect_navigation():
        page.select_option("#language-switch select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    watch.collect()
    assert watch.clean(), watch.report(3)
