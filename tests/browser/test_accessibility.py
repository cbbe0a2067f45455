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
SIGNED_IN_PAGES = [
    "/",
    "/agencies/",
    "/agencies/ESA/",
    "/accounts/preferences/",
    "/notifications/",
    "/secretariat/members/",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_public_pages_are_accessible(demo: None, open_session: Any, path: str) -> None:
    session = open_session()
    session.goto(path)
    session.assert_accessible()


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_secretariat_pages_are_accessible(demo: None, open_session: Any, path: str) -> None:
    session = open_session("secretariat")
    session.goto(path)
    session.assert_accessible()


@pytest.mark.parametrize("path", ["/", "/agencies/NASA/", "/accounts/preferences/"])
def test_pages_are_accessible_on_a_phone(demo: None, open_session: Any, path: str) -> None:
    session = open_session("nasa.hod", phone=True)
    session.goto(path)
    session.assert_accessible()
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"{path} scrolls sideways on a phone ({width}px)"
