"""Browser tests: Debian's Chromium driven by pytest-playwright against pytest-django's
live server. Screenshots go to e2e/artifacts/ (git-ignored).

Without Chromium (/usr/bin/chromium, or $HAIQUAN_CHROMIUM) the tests are skipped — unless
HAIQUAN_REQUIRE_BROWSER=1 (as in CI), when a missing browser fails them loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("HAIQUAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Playwright's sync API keeps an event loop in the test thread for the whole session, and
# Django then takes every ORM call for one from async code. The app and its tests are
# synchronous, so the guard is lifted (for the session: the loop outlives any one test).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright's own `base_url` fixture (not used here) trips a pytest deprecation.
    config.addinivalue_line(
        "filterwarnings", "ignore:Session-scoped fixtures defined as instance methods"
    )


def browser_required() -> bool:
    return os.environ.get("HAIQUAN_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.path.exists(CHROMIUM) or browser_required():
        return
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium); "
        "set HAIQUAN_REQUIRE_BROWSER=1 to make a missing browser fail instead"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (Playwright's own download does not work on a closed network)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Vietnamese user's browser in Vietnam's time zone, on a laptop screen."""
    return {
        **browser_context_args,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _watch(page: Any, problems: list[str]) -> Any:
    """Collect what the browser refused or failed: CSP violations, script errors, 4xx/5xx
    assets. A page that works only because nothing looked is not a working page."""
    page.set_default_timeout(15_000)
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    return page


@pytest.fixture
def browser_problems(page: Any) -> Iterator[list[str]]:
    problems: list[str] = []
    _watch(page, problems)
    yield problems


@pytest.fixture(autouse=True)
def _no_browser_problems(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test ends with no console error, CSP violation or script error."""
    if "browser" not in request.keywords:
        yield
        return
    problems = request.getfixturevalue("browser_problems")
    yield
    assert not problems, "\n".join(problems)


@pytest.fixture
def new_page(
    browser: Any, browser_context_args: dict[str, Any], browser_problems: list[str]
) -> Iterator[Any]:
    """Opens more pages, each in its own context (another user, another device)."""
    contexts = []

    def make(**overrides: Any) -> Any:
        context = browser.new_context(**{**browser_context_args, **overrides})
        contexts.append(context)
        return _watch(context.new_page(), browser_problems)

    yield make
    for context in contexts:
        context.close()
