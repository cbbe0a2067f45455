"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's
live server (a thread of this process, so time_machine and eager tasks reach it).

Every test here skips cleanly when /usr/bin/chromium is missing (a fresh machine):
`.ci/browser-setup.sh` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM calls made by
# the test body (fixtures, assertions) are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("ISECG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--headless=new",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
REPO_ROOT = Path(__file__).resolve().parents[2]
# Test runs write under var/ (ignored by git); scripts/screenshots.sh points this at
# docs/screenshots/ to refresh the images the README shows.
SCREENSHOTS = Path(os.environ.get("ISECG_SCREENSHOTS_DIR", REPO_ROOT / "var" / "screenshots"))
DEMO_PASSWORD = "isecg-demo-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run .ci/browser-setup.sh")
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def demo(transactional_db: Any) -> None:
    """The demo data (`manage.py seed_demo`), loaded into this test's database."""
    from django.core.management import call_command

    call_command("seed_demo", "--quiet")


class Session:
    """One signed-in (or anonymous) browser context with helpers for the tests."""

    def __init__(self, browser: Any, base_url: str, viewport: dict[str, int]) -> None:
        self.base_url = base_url
        # bypass_csp: the site's Content-Security-Policy forbids inline scripts, and axe-core
        # is injected as one; the pages' own scripts still load under the policy.
        self.context = browser.new_context(
            base_url=base_url,
            viewport=viewport,
            locale="en-GB",
            timezone_id="UTC",
            bypass_csp=True,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()

    def goto(self, path: str) -> Any:
        response = self.page.goto(path)
        assert response is not None and response.status < 400, (
            f"{path}: {response and response.status}"
        )
        return response

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        assert "/accounts/login/" not in self.page.url, f"sign-in failed for {username}"

    def axe_violations(self) -> list[dict[str, Any]]:
        return axe_violations(self.page)

    def assert_accessible(self) -> None:
        assert_accessible(self.page)

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=full_page)
        return target

    def close(self) -> None:
        self.context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run the vendored axe-core on the page; return the serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
              resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    report = "\n".join(
        f"  {v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in violations
    )
    assert not violations, f"axe-core found violations on {page.url}:\n{report}"


@pytest.fixture
def open_session(browser: Any, live_server: Any) -> Iterator[Any]:
    """Factory: open_session(username=None, phone=False) -> Session; all closed at the end."""
    sessions: list[Session] = []

    def make(username: str | None = None, *, phone: bool = False) -> Session:
        session = Session(browser, live_server.url, PHONE if phone else DESKTOP)
        sessions.append(session)
        if username:
            session.sign_in(username)
        return session

    yield make
    for session in sessions:
        session.close()
