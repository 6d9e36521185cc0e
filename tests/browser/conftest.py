"""Browser tests: the live site, driven through Debian's chromium by Playwright.

Every test in this folder is marked ``browser`` (``pytest -m "not browser"`` skips them).
The ORM and Playwright's sync API share one thread here, so run them with
``DJANGO_ALLOW_ASYNC_UNSAFE=true``; otherwise Django raises ``SynchronousOnlyOperation``:

    DJANGO_ALLOW_ASYNC_UNSAFE=true pytest tests/browser

When a test fails, a full-page screenshot of where it stopped is saved under
``test-results/<test id>/failure.png`` (unless ``--screenshot`` already asks
pytest-playwright for one).
"""

import os
import re
import time
from importlib import resources
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

HERE = Path(__file__).resolve().parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright waits up to 30 s for an action by default; the live server answers in milliseconds.
ACTION_TIMEOUT_MS = 10_000

# axe-core as bundled by axe-playwright-python: the tests never reach for a CDN.
AXE_SCRIPT = resources.files("axe_playwright_python") / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa"]
AXE_BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def pytest_collection_modifyitems(config, items):
    """Mark the tests of this folder ``browser`` (the hook itself sees every collected item)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _async_unsafe_allowed():
    """Say plainly what is missing instead of a SynchronousOnlyOperation deep in a fixture."""
    if not os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"):
        pytest.fail(
            "browser tests need DJANGO_ALLOW_ASYNC_UNSAFE=true in the environment (bin/test "
            "sets it); or leave them out with -m 'not browser'",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """axe-core is injected as an inline script, which the site's Content-Security-Policy
    forbids; browser tests bypass it (test_security_headers.py checks the policy itself)."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(scope="session")
def base_url(live_server):
    """Relative URLs in ``page.goto`` go to the live server.

    This also replaces pytest-playwright's fallback ``base_url``, a session fixture defined
    on a plugin instance, which pytest 9 deprecates (an error under filterwarnings=error).
    """
    return live_server.url


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, page, output_path):
    """Fail fast against the local server, and leave a picture of where a failed test stopped."""
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    if request.config.getoption("--screenshot") != "off":
        return  # pytest-playwright already keeps its own
    path = Path(output_path) / "failure.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    print(f"Screenshot of {page.url} saved to {path}")


@pytest.fixture(scope="session")
def _migrated_rows(django_db_setup, django_db_blocker):
    """The rows migrations put in the test database (role groups, permissions, ...), taken
    before the first browser test empties the tables.

    (Django keeps such a snapshot for serialized rollback, but on the connection object of
    the thread as it was before Playwright started its event loop; under the loop Django
    hands out other connection objects, which lack it.)
    """
    from django.db import connections

    with django_db_blocker.unblock():
        return {
            alias: connections[alias].creation.serialize_db_to_string() for alias in connections
        }


def _reset_to(rows, django_db_blocker):
    """Empty every table and load the snapshot, as Django's serialized rollback does."""
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        for alias, data in rows.items():
            call_command(
                "flush", database=alias, interactive=False, inhibit_post_migrate=True, verbosity=0
            )
            connections[alias].creation.deserialize_db_from_string(data)


@pytest.fixture(autouse=True)
def _database_as_migrated(_migrated_rows, transactional_db, django_db_blocker):
    """Start each browser test from the database as migrations left it.

    live_server needs transactional tests, which empty every table afterwards (content types
    and permissions come back, the role groups do not).
    """
    _reset_to(_migrated_rows, django_db_blocker)


@pytest.fixture(scope="module", autouse=True)
def _database_restored_after_module(_migrated_rows, django_db_blocker):
    """Leave the migrated rows for the tests that run after this module.

    pytest-django sorts transactional tests after the others, but tests that get ``db`` only
    through ``request.getfixturevalue`` come later still and count on the role groups.
    """
    yield
    from django.db import connections

    _reset_to(_migrated_rows, django_db_blocker)
    # The connection opened under Playwright's event loop would otherwise stay open and keep
    # the test database from being dropped at the end of the run.
    connections.close_all()


@pytest.fixture
def demo_module(transactional_db):
    """The published demo module (nemolizumab) with its post-test."""
    from demo.content import load_demo_content

    module, _ = load_demo_content()
    return module


@pytest.fixture
def site_url(live_server):
    """Absolute URL on the live server for a URL name: ``site_url("courses:module", slug=...)``."""

    def build(name, *args, **kwargs):
        return live_server.url + reverse(name, args=args or None, kwargs=kwargs or None)

    return build


# --- Logging in through the pages ---------------------------------------------------------

# The authenticator time step each account last used a code in: allauth accepts a code once,
# so a second log-in within the same 30 seconds waits for the app's next code.
_last_code_step: dict[int, int] = {}


def fresh_totp_code(user) -> str:
    """The code the factory's authenticator app (tests.factories.STAFF_TOTP_SECRET) shows
    now for `user`, waiting for the next one if this account already used the current one."""
    from tests.factories import totp_code

    step = int(time.time() // 30)
    if _last_code_step.get(user.pk) == step:
        time.sleep((step + 1) * 30 - time.time() + 0.1)
        step += 1
    _last_code_step[user.pk] = step
    return totp_code()


def log_in_through_the_pages(page, site_url, user, password):
    """Log in as a person would: e-mail address and password on the log-in page, then, for
    an account with an authenticator app (staff made by UserFactory have one), the code on
    the two-step page. Waits until the navigation bar offers "Log out"."""
    page.goto(site_url("account_login"))
    page.get_by_label(re.compile(r"^\s*E-mail address\s*\*?\s*$")).fill(user.email)
    page.get_by_label(re.compile(r"^\s*Password\s*\*?\s*$")).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if page.url.startswith(site_url("mfa_authenticate")):
        page.get_by_label(re.compile(r"^\s*Code\s*\*?\s*$")).fill(fresh_totp_code(user))
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _format_violation(violation):
    nodes = violation.get("nodes") or [{}]
    first = nodes[0]
    target = " ".join(map(str, first.get("target") or ["?"]))
    more = f" (and {len(nodes) - 1} more)" if len(nodes) > 1 else ""
    checks = first.get("any") or first.get("all") or first.get("none") or [{}]
    why = checks[0].get("message", "")
    return (
        f"- {violation['id']} [{violation.get('impact')}]: {violation.get('help')}\n"
        f"    first element: {target}{more}\n"
        + (f"    {why}\n" if why else "")
        + f"    {violation.get('helpUrl', '')}"
    )


@pytest.fixture
def axe_check(page):
    """Run axe-core (WCAG 2 A and AA rules) on the page as it is now; fail on any serious or
    critical violation. Returns all violations, minor ones included, for closer checks.

    Call it once the page has settled: ``page.goto(url); axe_check()``. Another page can be
    passed in: ``axe_check(other_page)``. If the site sends a Content-Security-Policy that
    forbids inline scripts, open the test's context with
    ``@pytest.mark.browser_context_args(bypass_csp=True)``.
    """

    def check(target=None):
        target = target or page
        with resources.as_file(AXE_SCRIPT) as script:
            target.add_script_tag(path=script)
        if not target.evaluate("typeof window.axe === 'object'"):
            pytest.fail(
                f"axe-core did not load on {target.url} (a Content-Security-Policy? "
                "use @pytest.mark.browser_context_args(bypass_csp=True))"
            )
        results = target.evaluate(
            "options => axe.run(document, options)",
            {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
        violations = results["violations"]
        blocking = [v for v in violations if v.get("impact") in AXE_BLOCKING_IMPACTS]
        if blocking:
            listing = "\n".join(_format_violation(v) for v in blocking)
            pytest.fail(
                f"axe found {len(blocking)} serious/critical accessibility violation(s) "
                f"on {target.url}:\n{listing}"
            )
        return violations

    return check
