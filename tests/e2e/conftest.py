"""A real server (gunicorn, as ``lawexam serve`` runs it) and Debian's Chromium driven by
Playwright. Later features add their pages to this harness."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LAWEXAM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "lawexam"), *args], env=self.env, capture_output=True,
                              text=True, check=True, timeout=120)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_server(instance: Path, *, database_url: str | None = None, workers: int = 2,
                 prepare: tuple[tuple[str, ...], ...] = (("db", "upgrade"), ("demo",))) -> LiveServer:
    instance.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ,
           "LAWEXAM_DATABASE_URL": database_url or f"sqlite:///{instance / 'lawexam.db'}",
           "LAWEXAM_SECRET_KEY": "e2e-secret", "LAWEXAM_INSTANCE_PATH": str(instance)}
    for args in prepare:
        subprocess.run([str(BIN / "lawexam"), *args], env=env, check=True, capture_output=True, timeout=300)
    log = open(instance / "server.log", "w")
    process = subprocess.Popen([str(BIN / "lawexam"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    server = LiveServer(url=url, env=env, process=process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start: {(instance / 'server.log').read_text()[-2000:]}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A 360×740 phone-sized page, as most examinees see the app."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, account: str, password: str = "lawexam-demo") -> None:
    page.goto(base_url + "/")
    page.fill("#account", account)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/home")
