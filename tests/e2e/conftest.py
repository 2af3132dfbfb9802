"""Browser tests: the console served by uvicorn in a thread (one server per module), driven by
Playwright through Debian's Chromium, headless. Playwright's own browser download cannot
work here, so `/usr/bin/chromium` is required: locally a test skips without it; under CI
(`CI=true`, where .ci/run installs it) it fails instead.

Each test leaves a screenshot of its last page in tests/artifacts/ (not committed).
"""

from __future__ import annotations

import os
import re
import socket
import threading
from decimal import Decimal
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "a-long-test-password"
STAFF = {"clerk": "clerk", "reviewer": "reviewer", "reader": "reader", "auditor": "auditor"}


def _need_chromium() -> None:
    message = f"{CHROMIUM} is missing (apt-get install chromium)"
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class Server:
    """The API and the console on a free port of 127.0.0.1, in this process."""

    def __init__(self, url: str):
        import uvicorn
        from argon2 import PasswordHasher

        from lifecycle.http.app import create_app
        from lifecycle.http.auth import Tokens
        from lifecycle.settings import Settings
        from lifecycle.staff import Accounts

        # Every accepted renewal request is audited, so the walk meets the audit.
        self.settings = Settings(database_url=url, audit_rate=Decimal("1"))
        self.app = create_app(self.settings, tokens=Tokens([]))
        accounts: Accounts = self.app.state.console.accounts
        accounts.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        for name, role in STAFF.items():
            accounts.add(name, role, PASSWORD, by="test")
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            self.thread.join(0.01)
        raise RuntimeError("the console did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need_chromium()
    folder = tmp_path_factory.mktemp("console")
    with Server(f"sqlite:///{folder / 'lifecycle.db'}") as running:
        yield running


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w-]+", "_", request.node.name)
    opened.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


def log_in(page, server: Server, name: str) -> None:
    page.goto(f"{server.base}/console/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base}/console/")
