"""axe-core (vendored) reports zero serious or critical violations on every key page,
and the check itself fails when a page has a violation (WCAG 2.1 AA as the target)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

BROKEN_PAGE = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>A form with problems</h1>
<form><input type="text" name="grounds"><select name="value"><option>concur</option></select></form>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#bbb;background:#fff">Low contrast text</p>
</main></body></html>"""


def test_axe_check_fails_on_a_page_with_violations(browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_content(BROKEN_PAGE)
    ids = {v["id"] for v in axe_violations(page)}
    assert {"label", "image-alt", "select-name"} <= ids
    with pytest.raises(AssertionError, match="axe-core found violations"):
        assert_accessible(page)
    context.close()


def test_axe_check_passes_on_a_clean_page(browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Clean</title></head><body><main>'
        '<h1>Fine</h1><label for="g">Grounds</label><input id="g"></main></body></html>'
    )
    assert_accessible(page)
    context.close()


ANONYMOUS_PAGES = ["/", "/agencies/", "/agencies/NASA/", "/accounts/login/"]
PHONE_WIDTH = 390
PHONE_PAGES = [
    "/",
    "/agencies/NASA/",
    "/accounts/preferences/",
    "/secretariat/my-agency/",
    "/decisions/",
]
SIGNED_IN_PAGES = [
    "/",
    "/agencies/",
    "/agencies/ESA/",
    "/accounts/preferences/",
    "/notifications/",
    "/secretariat/members/",
    "/secretariat/",
    "/secretariat/action-items/",
    "/decisions/",
    "/meetings/",
    "/products/",
    "/membership/requests/",
]


def check_pages(session: Any, paths: list[str], *, phone: bool = False) -> None:
    """Visit every page, collect every blocking violation, and fail once with them all."""
    problems = []
    for path in paths:
        session.goto(path)
        problems += [
            f"{path}: {v['impact']} {v['id']} at {v['nodes']}" for v in session.axe_violations()
        ]
        if phone:
            width = session.page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH + 1:
                problems.append(f"{path}: scrolls sideways on a phone ({width}px)")
    assert not problems, "\n".join(problems)


def test_public_pages_are_accessible(demo: None, open_session: Any) -> None:
    check_pages(open_session(), ANONYMOUS_PAGES)


def test_secretariat_pages_are_accessible(demo: None, open_session: Any) -> None:
    check_pages(open_session("secretariat"), SIGNED_IN_PAGES)


def test_representative_pages_are_accessible_on_a_phone(demo: None, open_session: Any) -> None:
    check_pages(open_session("nasa.hod", phone=True), PHONE_PAGES, phone=True)


def test_pages_own_scripts_run_under_the_content_security_policy(
    demo: None, browser: Any, live_server: Any
) -> None:
    """The browser sessions bypass the CSP to inject axe-core; this one does not."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    for path in ["/", "/agencies/", "/accounts/login/"]:
        page.goto(path)
        page.wait_for_load_state()
    context.close()
    assert not blocked, blocked
